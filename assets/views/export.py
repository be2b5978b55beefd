"""The register as a CSV download: exactly the rows the page shows for the same query string.

The queryset is the register's own (``AssetListView.get_queryset``: visibility, filters, sort,
``?as_of=``), so nobody exports more than they may see. It is streamed in chunks of plain tuples
(``values_list`` over the joins, no model instances), so a 100,000-row estate never sits in
memory and costs little per row; location paths come from one small lookup table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse

from ..csv_export import Column, dated, stream_csv
from ..models import Location
from .register import AssetListView

# What a row reads, in one query with its joins: (name in the row, lookup in the queryset).
FIELDS = (
    "tag",
    "name",
    "status",
    "category__name",
    "model__name",
    "model__manufacturer__name",
    "serial_number",
    "location_id",
    "department__name",
    "assigned_user__username",
    "assigned_user__first_name",
    "assigned_user__last_name",
    "assigned_location_id",
    "assigned_department__name",
    "purchase_date",
    "purchase_cost",
    "vendor__name",
    "order_number",
    "warranty_end",
    "next_audit_date",
    "notes",
)
AT = {name: index for index, name in enumerate(FIELDS)}


def location_paths() -> dict[int, str]:
    """Every location's full path ('HQ › Building A › Room 101'), from one query."""
    rows = list(Location.objects.values_list("pk", "name", "parent_id"))
    names = {pk: name for pk, name, _ in rows}
    parents = {pk: parent for pk, _, parent in rows}
    paths: dict[int, str] = {}
    for pk in names:
        chain, node, seen = [], pk, set()
        while node is not None and node not in seen and node in names:
            seen.add(node)
            chain.append(names[node])
            node = parents.get(node)
        paths[pk] = " › ".join(reversed(chain))
    return paths


def _field(name: str) -> Callable[[tuple], Any]:
    index = AT[name]
    return lambda row: row[index]


def register_columns(paths: dict[int, str]) -> list[Column]:
    """The export's columns, in our snake_case names (the importer also maps Snipe-IT's)."""
    model, manufacturer = AT["model__name"], AT["model__manufacturer__name"]
    username = AT["assigned_user__username"]
    first, last = AT["assigned_user__first_name"], AT["assigned_user__last_name"]
    held_at, held_by_team = AT["assigned_location_id"], AT["assigned_department__name"]
    location = AT["location_id"]

    def model_name(row: tuple) -> str:
        # As ``str(AssetModel)``: 'Dell Latitude 7450'.
        return f"{row[manufacturer]} {row[model]}" if row[model] is not None else ""

    def holder(row: tuple) -> str:
        # As ``csv_export.holder_name``: a person, else a place's path, else a department.
        if row[username] is not None:
            return f"{row[first]} {row[last]}".strip() or row[username]
        if row[held_at] is not None:
            return paths.get(row[held_at], "")
        return row[held_by_team] or ""

    return [
        ("tag", _field("tag")),
        ("name", _field("name")),
        ("status", _field("status")),
        ("category", _field("category__name")),
        ("model", model_name),
        ("manufacturer", _field("model__manufacturer__name")),
        ("serial_number", _field("serial_number")),
        ("location", lambda row: paths.get(row[location], "")),
        ("department", _field("department__name")),
        ("holder", holder),
        ("purchase_date", _field("purchase_date")),
        ("purchase_cost", _field("purchase_cost")),
        ("vendor", _field("vendor__name")),
        ("order_number", _field("order_number")),
        ("warranty_end", _field("warranty_end")),
        ("next_audit_date", _field("next_audit_date")),
        ("notes", _field("notes")),
    ]


def register_rows(request: HttpRequest) -> tuple[QuerySet, str]:
    """The register's rows for this request as tuples of ``FIELDS``, and the file's name."""
    view = AssetListView()
    view.setup(request)
    queryset = view.get_queryset().values_list(*FIELDS)
    name = "assets" if view.as_of is None else f"assets-as-of-{view.as_of.isoformat()}"
    return queryset, name


def asset_export(request: HttpRequest) -> StreamingHttpResponse:
    """``GET /assets/export.csv?<register filters>``: a streamed CSV of the filtered register."""
    rows, name = register_rows(request)
    return stream_csv(dated(name), register_columns(location_paths()), rows)
