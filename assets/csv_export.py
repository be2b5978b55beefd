"""Streaming CSV downloads: any size, constant memory, opened cleanly by Excel, and safe.

Rows are written as they are read (``queryset.iterator(chunk_size=2000)``), so a 100,000-row
export never sits in memory. The file starts with a UTF-8 byte-order mark, which Excel needs to
read accents correctly. A text cell that a spreadsheet would run as a formula (starting with
``= + - @``, or a tab or carriage return) is prefixed with a quote (OWASP's CSV injection advice).
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from .choices import AssetStatus

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 2000

Column = tuple[str, Callable[[Any], Any]]


class _Echo:
    """A file-like object whose ``write`` hands the line back, for ``csv.writer``."""

    def write(self, value: str) -> str:
        return value


def cell(value: Any) -> Any:
    """One value as a CSV cell: dates in ISO 8601, text neutralised against formulas."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def rows_of(items: Iterable[Any]) -> Iterator[Any]:
    """A queryset read in chunks (never cached whole), or any other iterable as it is."""
    if isinstance(items, QuerySet):
        return items.iterator(chunk_size=CHUNK_SIZE)
    return iter(items)


def csv_lines(columns: Sequence[Column], items: Iterable[Any]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([cell(header) for header, _ in columns])
    for item in rows_of(items):
        yield writer.writerow([cell(value(item)) for _, value in columns])


def stream_csv(filename: str, columns: Sequence[Column], items: Iterable[Any]):
    """A download of ``items`` with one column per (header, function of the item)."""
    response = StreamingHttpResponse(
        csv_lines(columns, items), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def dated(name: str) -> str:
    """'idle-assets' -> 'idle-assets-2026-05-04.csv', so downloads do not overwrite each other."""
    return f"{name}-{timezone.localdate().isoformat()}.csv"


# --- the columns of the exported lists (from the pages and the API) ------------------------


def holder_name(asset) -> str:
    if asset.assigned_user_id:
        user = asset.assigned_user
        return user.get_full_name() or user.get_username()
    if asset.assigned_location_id:
        return asset.assigned_location.full_name
    if asset.assigned_department_id:
        return asset.assigned_department.name
    return ""


def days_since(moment: datetime.datetime | datetime.date | None, today: datetime.date) -> int:
    if moment is None:
        return 0
    if isinstance(moment, datetime.datetime):
        moment = timezone.localtime(moment).date()
    return (today - moment).days


ASSET_COLUMNS = [
    ("tag", lambda a: a.tag),
    ("name", lambda a: a.name),
    ("status", lambda a: a.status),
    ("category", lambda a: a.category.name),
    ("model", lambda a: str(a.model) if a.model_id else ""),
    ("serial_number", lambda a: a.serial_number),
    ("location", lambda a: a.location.full_name if a.location_id else ""),
    ("owning_department", lambda a: a.department.name if a.department_id else ""),
    ("held_by", holder_name),
    ("held_by_username", lambda a: a.assigned_user.get_username() if a.assigned_user_id else ""),
    ("assigned_at", lambda a: a.assigned_at),
    ("expected_return_date", lambda a: a.expected_return_date),
    ("purchase_date", lambda a: a.purchase_date),
    ("purchase_cost", lambda a: a.purchase_cost),
]


def idle_columns(today: datetime.date) -> list[Column]:
    return [
        *ASSET_COLUMNS,
        ("in_stock_since", lambda a: a.in_stock_since),
        ("days_idle", lambda a: days_since(a.in_stock_since, today)),
    ]


def overdue_columns(today: datetime.date) -> list[Column]:
    return [
        *ASSET_COLUMNS,
        ("days_overdue", lambda a: days_since(a.expected_return_date, today)),
    ]


GHOST_COLUMNS = [
    *ASSET_COLUMNS,
    ("holder_last_login", lambda a: a.assigned_user.last_login),
]


def _of_asset(get: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda row: get(row.asset)


UTILISATION_COLUMNS = [
    *[(name, _of_asset(get)) for name, get in ASSET_COLUMNS],
    ("registered_at", lambda u: u.registered_at),
    ("life_days", lambda u: u.life_days),
    ("deployed_days", lambda u: u.deployed_days),
    ("deployed_percent", lambda u: u.percent),
]


def department_columns() -> list[Column]:
    """One line per department: owned by status, owned cost, and what it and its people hold."""
    return [
        ("department", lambda line: line.name),
        ("department_slug", lambda line: line.slug),
        ("owned", lambda line: line.owned),
        *[
            (s.value, (lambda value: lambda line: line.by_status.get(value, 0))(s.value))
            for s in AssetStatus
            if s != AssetStatus.DISPOSED
        ],
        ("owned_cost", lambda line: line.owned_cost),
        ("held", lambda line: line.held),
        ("held_cost", lambda line: line.held_cost),
    ]
