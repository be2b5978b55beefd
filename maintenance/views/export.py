"""The maintenance records and licence lists as CSV downloads, for the same query string.

Each takes its rows from its list page's own query (same visibility function, filterset and order),
streams them in chunks with formula-safe cells, and never exports a licence key.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone

from assets.csv_export import Column, dated, stream_csv

from .licenses import license_rows
from .records import record_rows


def _person(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


RECORD_COLUMNS: list[Column] = [
    ("reference", lambda r: r.reference),
    ("asset_tag", lambda r: r.asset.tag),
    ("asset_name", lambda r: r.asset.name),
    ("kind", lambda r: r.kind),
    ("title", lambda r: r.title),
    ("supplier", lambda r: r.supplier),
    ("opened_at", lambda r: r.opened_at),
    ("opened_by", lambda r: _person(r.opened_by)),
    ("closed_at", lambda r: r.closed_at),
    ("closed_by", lambda r: _person(r.closed_by) if r.closed_by_id else ""),
    ("took_out_of_service", lambda r: r.took_out_of_service),
    ("cost", lambda r: r.cost),
    ("warranty_covered", lambda r: r.warranty_covered),
    ("downtime", lambda r: str(r.downtime) if r.downtime is not None else ""),
    ("description", lambda r: r.description),
    ("resolution", lambda r: r.resolution),
]


def record_export(request: HttpRequest) -> StreamingHttpResponse:
    """``GET /maintenance/export.csv?<filters>``: the maintenance records list as a CSV."""
    _, rows = record_rows(request, "opened_by", "closed_by")
    return stream_csv(dated("maintenance"), RECORD_COLUMNS, rows)


def license_columns(today: Any) -> list[Column]:
    return [
        ("id", lambda lic: lic.pk),
        ("product", lambda lic: lic.product),
        ("version", lambda lic: lic.version),
        ("vendor", lambda lic: lic.vendor.name if lic.vendor_id else ""),
        ("seats", lambda lic: lic.seats),
        ("seats_used", lambda lic: lic.seats_used),
        ("seats_free", lambda lic: max(lic.seats - lic.seats_used, 0)),
        ("cost", lambda lic: lic.cost),
        ("purchased_on", lambda lic: lic.purchased_on),
        ("expires_on", lambda lic: lic.expires_on),
        ("days_left", lambda lic: lic.days_left(today)),
        ("owner", lambda lic: _person(lic.owner) if lic.owner_id else ""),
    ]


def license_export(request: HttpRequest) -> StreamingHttpResponse:
    """``GET /licenses/export.csv?<filters>``: the licence list as a CSV (never the keys)."""
    today = timezone.localdate()
    _, rows = license_rows(request, "owner")
    return stream_csv(dated("licenses"), license_columns(today), rows)
