"""Read-only querysets and timelines the request pages (and the dashboard) share.

The approval queue mirrors ``services.can_decide`` in SQL, so a page lists the whole queue in one
query instead of asking per row; the tests check both agree.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from ..choices import ApprovalStep, Decision, RequestStatus
from ..models import Approval, AssetRequest, PurchaseOrder
from ..services import visible_requests

# Everything a row of a request list shows, in the list's one query.
REQUEST_ROW_RELATED = (
    "requester",
    "for_user",
    "department",
    "category",
    "model__manufacturer",
)


def request_rows(user) -> QuerySet:
    """The requests this person may see, with what a list row shows."""
    return visible_requests(user, AssetRequest.objects.select_related(*REQUEST_ROW_RELATED))


def mine(user) -> Q:
    """Requests I made or that are for me."""
    return Q(requester=user) | Q(for_user=user)


def _approved(step: str) -> Exists:
    return Exists(
        Approval.objects.filter(request=OuterRef("pk"), step=step, decision=Decision.APPROVED)
    )


def approval_queue(user) -> QuerySet:
    """Submitted requests whose pending step this person may decide (``can_decide`` in SQL):
    the manager step for their departments (any department with ``decide_any_request``), the
    second step for those with ``second_approve_request``; never their own requests."""
    queryset = AssetRequest.objects.select_related(*REQUEST_ROW_RELATED)
    if not user.is_authenticated:
        return queryset.none()
    queryset = (
        queryset.filter(status=RequestStatus.SUBMITTED)
        .exclude(requester=user)
        .exclude(for_user=user)
        .annotate(manager_done=_approved(ApprovalStep.MANAGER), it_done=_approved(ApprovalStep.IT))
    )
    waits_for_manager = Q(manager_done=False)
    if not user.has_perm("requests_app.decide_any_request"):
        waits_for_manager &= Q(department__manager=user)
    scope = waits_for_manager
    if user.has_perm("requests_app.second_approve_request"):
        # Two approvals mean two people: not the one who gave the first.
        gave_first = Exists(
            Approval.objects.filter(
                request=OuterRef("pk"), step=ApprovalStep.MANAGER, decided_by=user
            )
        )
        queryset = queryset.annotate(gave_first=gave_first)
        scope |= Q(manager_done=True, needs_second_approval=True, it_done=False, gave_first=False)
    return queryset.filter(scope).order_by(F("needed_by").asc(nulls_last=True), "created_at", "pk")


def may_approve_something(user) -> bool:
    """Whether the 'Approvals' page is for this person at all (a manager or a second approver)."""
    if not user.is_authenticated:
        return False
    if user.has_perm("requests_app.decide_any_request") or user.has_perm(
        "requests_app.second_approve_request"
    ):
        return True
    return user.managed_departments.exists()


@dataclass
class Step:
    """One row of a request's or an order's timeline."""

    at: datetime.datetime
    user: str
    username: str
    created: bool
    from_status: str
    to_status: str
    reason: str
    note: str = ""


def _steps(records: list, *, note=None) -> list[Step]:
    steps, previous = [], None
    for rec in records:
        user = rec.history_user
        steps.append(
            Step(
                at=rec.history_date,
                user=(user.get_full_name() or user.get_username()) if user else "system",
                username=user.get_username() if user else "",
                created=previous is None,
                from_status="" if previous is None else previous.status,
                to_status=rec.status,
                reason=rec.history_change_reason or "",
                note=note(previous, rec) if note and previous is not None else "",
            )
        )
        previous = rec
    steps.reverse()  # newest first, as on the asset page
    return steps


def request_timeline(asset_request: AssetRequest) -> list[Step]:
    """Every change of the request: who, when, status from → to, and why."""
    records = list(
        asset_request.history.select_related("history_user").order_by("history_date", "history_id")
    )

    def note(before, after) -> str:
        if before.for_user_id is None and after.for_user_id is not None:
            return "Linked to the new hire's account"
        return ""

    return _steps(records, note=note)


def order_timeline(order: PurchaseOrder) -> list[Step]:
    records = list(
        order.history.select_related("history_user").order_by("history_date", "history_id")
    )
    return _steps(records)
