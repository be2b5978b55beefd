"""Daily reminder collector: requests waiting for a decision for more than N days."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from itam.notifications import users_with_permission
from itam.reminders import Due

from .choices import ApprovalStep, Decision, RequestStatus
from .models import Approval, AssetRequest
from .services import approvers_for, pending_step


def requests_waiting(today: datetime.date) -> Iterator[Due]:
    """Each waiting step is reminded once, ``ITAM_REQUEST_REMINDER_DAYS`` after it began."""
    wait = datetime.timedelta(days=settings.ITAM_REQUEST_REMINDER_DAYS)
    waiting = (
        AssetRequest.objects.filter(status=RequestStatus.SUBMITTED)
        .select_related("department__manager", "requester", "for_user", "category")
        .prefetch_related(Prefetch("approvals", queryset=Approval.objects.order_by("decided_at")))
    )
    # Who holds each deciding permission, read once per run rather than once per request.
    people_with = functools.cache(lambda codename: list(users_with_permission(codename)))
    for request in waiting:
        step = pending_step(request)
        if step is None:
            continue
        began = request.created_at
        if step == ApprovalStep.IT:
            manager_ok = [
                a
                for a in request.approvals.all()
                if a.step == ApprovalStep.MANAGER and a.decision == Decision.APPROVED
            ]
            if manager_ok:
                began = manager_ok[-1].decided_at
        due_on = timezone.localdate(began) + wait
        if due_on > today:
            continue
        people = {p.pk for p in approvers_for(request, people_with=people_with)}
        days = (today - timezone.localdate(began)).days
        what = f"#{request.pk} {request.quantity} × {request.category} for {request.for_whom}"
        yield Due(
            object_id=request.pk,
            kind=f"request_waiting_{step}",
            due_on=due_on,
            recipients=people,
            subject=f"Waiting for your decision: request {what} ({days} days)",
            line=f"Request {what}: waiting {days} days",
            url=request.get_absolute_url(),
        )
