"""Helpers shared by the maintenance and licence pages: permissions, paging, history rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

User = get_user_model()
HISTORY_LIMIT = 100


def require(request: HttpRequest, permission: str, doing: str) -> None:
    """403 unless the person has ``permission``; checked before any lookup, so a role that may
    not act learns nothing about which ids exist."""
    if not request.user.has_perm(permission):
        raise PermissionDenied(f"Your role does not allow you to {doing}.")


def paginate(request: HttpRequest, rows: Any, size: int | None = None) -> Page:
    """A page of ``rows``; a page number out of range shows the nearest page, not a 404."""
    paginator = Paginator(rows, size or settings.ITAM_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def safe_next(request: HttpRequest, fallback: str) -> str:
    """Where to go after a POST: ``next`` when it stays on this site, else ``fallback``."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryRow:
    at: datetime.datetime
    who: str
    what: str
    reason: str
    changes: list[Change] = field(default_factory=list)


def _show(value: Any, names: dict[Any, str] | None = None) -> str:
    if value is None or value == "":
        return ""
    if names is not None:
        return names.get(value, f"#{value}")
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value):%-d %b %Y, %H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%-d %b %Y}"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, datetime.timedelta):
        return str(value)
    return str(value)


def history_rows(
    history: QuerySet,
    fields: dict[str, str],
    *,
    foreign: dict[str, type[Model]] | None = None,
    choices: dict[str, dict[str, str]] | None = None,
    limit: int = HISTORY_LIMIT,
) -> list[HistoryRow]:
    """A simple-history table read newest first, each row with what changed since the one
    before; two or three queries whatever its length (foreign keys named in one query each).

    ``fields`` are attribute names (``vendor_id`` for a foreign key) with their labels; only
    those are ever shown, so a field kept out of the page (a licence key) never appears.
    """
    foreign = foreign or {}
    choices = choices or {}
    records = list(
        history.select_related("history_user").order_by("-history_date", "-pk")[: limit + 1]
    )
    names: dict[str, dict[Any, str]] = {}
    for name, model in foreign.items():
        ids = {getattr(r, name) for r in records} - {None}
        if ids:
            names[name] = {
                obj.pk: (obj.get_full_name() or obj.get_username())
                if isinstance(obj, User)
                else str(obj)
                for obj in model._default_manager.filter(pk__in=ids)
            }
        else:
            names[name] = {}
    rows = []
    for index, record in enumerate(records[:limit]):
        older = records[index + 1] if index + 1 < len(records) else None
        changes = []
        for name, label in fields.items():
            new = getattr(record, name)
            if older is not None and getattr(older, name) == new:
                continue
            if older is None and new in (None, ""):
                continue

            def shown(value: Any, name: str = name) -> str:
                if name in choices:
                    return choices[name].get(value, value or "")
                return _show(value, names.get(name))

            changes.append(Change(label, shown(getattr(older, name)) if older else "", shown(new)))
        user = record.history_user
        rows.append(
            HistoryRow(
                at=record.history_date,
                who=(user.get_full_name() or user.get_username()) if user else "system",
                what={"+": "Created", "~": "Changed", "-": "Deleted"}.get(record.history_type, ""),
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
    return rows
