"""The requests list as a CSV download: the rows the list shows for the same query string.

The queryset is the list's own (``RequestListView.get_queryset``: ``visible_requests``, the tab
in ``?scope=`` and the filters), streamed in chunks with formula-safe cells.
"""

from __future__ import annotations

from django.http import HttpRequest, StreamingHttpResponse

from assets.csv_export import Column, dated, stream_csv

from .lists import RequestListView


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


REQUEST_COLUMNS: list[Column] = [
    ("id", lambda r: r.pk),
    ("created_at", lambda r: r.created_at),
    ("status", lambda r: r.status),
    ("requester", lambda r: _person(r.requester)),
    ("for", lambda r: r.for_whom),
    ("department", lambda r: r.department.name if r.department_id else ""),
    ("category", lambda r: r.category.name if r.category_id else ""),
    ("model", lambda r: str(r.model) if r.model_id else ""),
    ("quantity", lambda r: r.quantity),
    ("estimated_cost", lambda r: r.estimated_cost),
    ("needed_by", lambda r: r.needed_by),
    ("justification", lambda r: r.justification),
]


def request_export(request: HttpRequest) -> StreamingHttpResponse:
    """``GET /requests/export.csv?scope=..&<filters>``: a streamed CSV of the requests list."""
    view = RequestListView()
    view.setup(request)
    return stream_csv(dated("requests"), REQUEST_COLUMNS, view.get_queryset())
