"""The register as a CSV download: exactly the rows the page shows for the same query string.

The queryset is the register's own (``AssetListView.get_queryset``: visibility, filters, sort,
``?as_of=``), so nobody exports more than they may see. It is streamed in chunks, so a 100,000-row
estate never sits in memory; location paths come from one small lookup table, not per-row queries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, StreamingHttpResponse

from ..csv_export import Column, dated, stream_csv
from ..models import Location
from .register import AssetListView

# Loaded with each chunk (besides the register's own related rows), so no row costs a query.
EXPORT_RELATED = ("department", "vendor", "model__manufacturer", "category")


def location_paths() -> dict[int, str]:
    """Every location's full path ('HQ › Building A › Room 101'), from one query."""
    nodes = dict(Location.objects.values_list("pk", "name"))
    parents = dict(Location.objects.filter(parent__isnull=False).values_list("pk", "parent_id"))
    paths: dict[int, str] = {}
    for pk in nodes:
        names, node, seen = [], pk, set()
        while node is not None and node not in seen and node in nodes:
            seen.add(node)
            names.append(nodes[node])
            node = parents.get(node)
        paths[pk] = " › ".join(reversed(names))
    return paths


def register_columns(paths: dict[int, str]) -> list[Column]:
    """The export's columns, in our snake_case names (the importer also maps Snipe-IT's)."""

    def related(field: str, attr: str = "name") -> Callable[[Any], Any]:
        def get(asset: Any) -> Any:
            if getattr(asset, f"{field}_id") is None:
                return ""
            return getattr(getattr(asset, field), attr)

        return get

    def holder(asset: Any) -> str:
        # As ``csv_export.holder_name``, but a location's path from the table, not its parents.
        if asset.assigned_user_id:
            user = asset.assigned_user
            return user.get_full_name() or user.get_username()
        if asset.assigned_location_id:
            return paths.get(asset.assigned_location_id, "")
        if asset.assigned_department_id:
            return asset.assigned_department.name
        return ""

    return [
        ("tag", lambda a: a.tag),
        ("name", lambda a: a.name),
        ("status", lambda a: a.status),
        ("category", related("category")),
        ("model", related("model")),
        ("manufacturer", lambda a: a.model.manufacturer.name if a.model_id else ""),
        ("serial_number", lambda a: a.serial_number),
        ("location", lambda a: paths.get(a.location_id, "") if a.location_id else ""),
        ("department", related("department")),
        ("holder", holder),
        ("purchase_date", lambda a: a.purchase_date),
        ("purchase_cost", lambda a: a.purchase_cost),
        ("vendor", related("vendor")),
        ("order_number", lambda a: a.order_number),
        ("warranty_end", lambda a: a.warranty_end),
        ("next_audit_date", lambda a: a.next_audit_date),
        ("notes", lambda a: a.notes),
    ]


def asset_export(request: HttpRequest) -> StreamingHttpResponse:
    """``GET /assets/export.csv?<register filters>``: a streamed CSV of the filtered register."""
    view = AssetListView()
    view.setup(request)
    queryset = view.get_queryset().select_related(*EXPORT_RELATED)
    name = "assets" if view.as_of is None else f"assets-as-of-{view.as_of.isoformat()}"
    return stream_csv(dated(name), register_columns(location_paths()), queryset)
