"""The asset page: every detail, the moves this person may make, and the whole history."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views import View

from audits.models import AuditScan
from audits.views.tags import qr_context
from maintenance import services as maintenance
from maintenance.forms import open_first
from maintenance.models import LicenseSeat

from ..choices import AssetStatus
from ..history import timeline
from ..lifecycle import MOVES, available_moves, is_holder
from ..models import Asset, Assignment, DisposalRecord
from ..visibility import visible_assets

# Locations are nested up to four deep; full paths come from this one join.
DETAIL_RELATED = (
    "category",
    "model__manufacturer",
    "location__parent__parent__parent",
    "department",
    "assigned_user",
    "assigned_location__parent__parent__parent",
    "assigned_department",
    "vendor",
)
# Who each deployment was with and who started and ended it, in the same query.
ASSIGNMENT_RELATED = (
    "assigned_user",
    "assigned_location__parent__parent__parent",
    "assigned_department",
    "started_by",
    "ended_by",
)
# The asset page lists this many maintenance records (the newest, open work first); the rest are
# one link away, so the page's queries and size do not grow with the asset's age.
MAINTENANCE_LIMIT = 10
# Moves that end or suspend an asset's use get a quieter, warning-coloured button.
CAUTION_MOVES = {"mark_missing", "retire", "dispose"}


# How a deployment ended, in words, where the move's own label does not say it.
END_LABELS = {
    "check_in": "Checked in",
    "transfer": "Transferred",
    "complete_maintenance": "Back to stock after maintenance",
}


def end_label(assignment: Assignment) -> str:
    action = assignment.end_action
    if action in END_LABELS:
        return END_LABELS[action]
    return MOVES[action].label if action in MOVES else action.replace("_", " ").capitalize()


def scoped_assets(request: HttpRequest) -> QuerySet:
    """The assets this person may see, with what the asset pages show."""
    return visible_assets(request.user, Asset.objects.select_related(*DETAIL_RELATED))


def get_visible_asset(request: HttpRequest, tag: str) -> Asset:
    """The asset by tag, or 404 for unknown tags and for tags this person may not see alike."""
    return get_object_or_404(scoped_assets(request), tag=tag)


def maintenance_context(request: HttpRequest, asset: Asset) -> dict[str, Any]:
    """Maintenance, cost of ownership, preventive plans and licence seats: a fixed number of
    queries whatever the number of records (the page shows the latest few)."""
    user = request.user
    active = asset.status != AssetStatus.DISPOSED
    cost = maintenance.cost_of_ownership(asset)
    records = list(open_first(asset.maintenance_records.all())[:MAINTENANCE_LIMIT])
    return {
        "maintenance_records": records,
        "maintenance_more": cost.records > len(records),
        "ownership": cost,
        "plans": maintenance.plans_for_asset(asset) if active else [],
        "seats": list(
            LicenseSeat.objects.filter(asset=asset, released_at__isnull=True)
            .select_related("license")
            .order_by("license__product", "pk")
        ),
        "can_log_work": active and user.has_perm(maintenance.MAINTAIN),
        "can_plan": active and user.has_perm("maintenance.add_maintenanceplan"),
        "sees_plans": user.has_perm("maintenance.view_maintenanceplan"),
    }


HISTORY_SHOWN = 50  # newest entries on the asset page; "Show all" lists every one


def _history(request: HttpRequest, asset: Asset) -> dict[str, Any]:
    show_all = request.GET.get("history") == "all"
    entries = timeline(asset, limit=None if show_all else HISTORY_SHOWN)
    total = len(entries)
    if not show_all and total == HISTORY_SHOWN:
        total = asset.history.count()
    return {"timeline": entries, "history_total": total}


def detail_context(request: HttpRequest, asset: Asset) -> dict[str, Any]:
    user = request.user
    today = timezone.localdate()
    disposal = (
        DisposalRecord.objects.filter(asset=asset).select_related("recorded_by").first()
        if asset.status == AssetStatus.DISPOSED
        else None
    )
    assignments = list(asset.assignments.select_related(*ASSIGNMENT_RELATED))
    for assignment in assignments:
        assignment.end_label = end_label(assignment) if assignment.ended_at else ""
    current = next((a for a in assignments if a.ended_at is None), None)
    holder = is_holder(user, asset)
    return {
        "asset": asset,
        "today": today,
        "assignment": current,
        "past_assignments": [a for a in assignments if a.ended_at is not None],
        "is_holder": holder,
        "moves": [
            {"move": move, "caution": move.name in CAUTION_MOVES}
            for move in available_moves(user, asset)
        ],
        "can_edit": user.has_perm("assets.change_asset") and asset.status != AssetStatus.DISPOSED,
        "wipes": list(asset.wipes.select_related("performed_by", "verified_by")),
        "disposal": disposal,
        **_history(request, asset),
        "warranty_active": bool(asset.warranty_end and asset.warranty_end >= today),
        "audit_overdue": bool(asset.next_audit_date and asset.next_audit_date < today),
        "return_overdue": bool(asset.expected_return_date and asset.expected_return_date < today),
        "last_scan": (
            AuditScan.objects.filter(asset=asset)
            .select_related("session", "found_at__parent__parent")
            .order_by("-scanned_at", "-pk")
            .first()
        ),
        "sees_audits": user.has_perm("audits.view_auditsession"),
        **maintenance_context(request, asset),
        **qr_context(asset),
    }


def render_detail(request: HttpRequest, asset: Asset, *, status: int = 200) -> HttpResponse:
    return render(
        request, "assets/asset_detail.html", detail_context(request, asset), status=status
    )


class AssetDetailView(View):
    def get(self, request: HttpRequest, tag: str) -> HttpResponse:
        return render_detail(request, get_visible_asset(request, tag))
