"""The audits list as a CSV download: open audits first (soonest due), then closed ones.

Same rows, order and permission as ``/audits/`` (``services.VIEW`` first, then
``visible_audits``); read in chunks, location paths from one in-memory tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import F, OuterRef
from django.http import HttpRequest, StreamingHttpResponse

from assets.csv_export import Column, dated, stream_csv

from .. import services
from ..choices import AuditStatus
from ..models import AuditLine, AuditScan
from ..services import Places
from .sessions import audits_for, count_of

CHUNK_SIZE = 2000


def _person(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def audit_columns(places: Places) -> list[Column]:
    return [
        ("id", lambda a: a.pk),
        ("status", lambda a: a.status),
        ("location", lambda a: places.full_name(a.location_id) if a.location_id else ""),
        ("category", lambda a: a.category.name if a.category_id else ""),
        ("auditor", lambda a: _person(a.auditor) if a.auditor_id else ""),
        ("due_date", lambda a: a.due_date),
        ("created_at", lambda a: a.created_at),
        ("created_by", lambda a: _person(a.created_by) if a.created_by_id else ""),
        ("closed_at", lambda a: a.closed_at),
        ("closed_by", lambda a: _person(a.closed_by) if a.closed_by_id else ""),
        ("expected", lambda a: a.expected_count),
        ("scans", lambda a: a.scan_count),
        ("missing", lambda a: a.missing_count if a.status == AuditStatus.CLOSED else ""),
        ("notes", lambda a: a.notes),
    ]


def audit_rows(request: HttpRequest) -> Iterator[Any]:
    """Open audits (soonest due first), then closed ones (latest first), as the list shows."""
    scans = count_of(AuditScan.objects.filter(session=OuterRef("pk")))
    missing = count_of(AuditLine.objects.filter(session=OuterRef("pk"), outcome="missing"))
    base = audits_for(request).annotate(scan_count=scans, missing_count=missing)
    open_audits = base.filter(status=AuditStatus.OPEN).order_by(
        F("due_date").asc(nulls_last=True), "created_at", "pk"
    )
    closed = base.filter(status=AuditStatus.CLOSED).order_by("-closed_at", "-pk")
    yield from open_audits.iterator(chunk_size=CHUNK_SIZE)
    yield from closed.iterator(chunk_size=CHUNK_SIZE)


def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    """``GET /audits/export.csv``: every audit this person may see (403 for roles without)."""
    services.require(request.user, services.VIEW, "see audits")
    return stream_csv(dated("audits"), audit_columns(Places()), audit_rows(request))
