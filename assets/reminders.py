"""Daily reminder collectors for the register: audits due or overdue, loaners not back."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth import get_user_model

from itam.notifications import users_with_permission
from itam.reminders import Due

from .choices import AssetStatus
from .models import Asset
from .roles import AUDITORS

User = get_user_model()
AUDITED_STATUSES = (AssetStatus.IN_STOCK, AssetStatus.DEPLOYED, AssetStatus.IN_MAINTENANCE)


def audits_due(today: datetime.date) -> Iterator[Due]:
    """Assets whose audit is due within a few days ("audit_due") or past ("audit_overdue").

    Auditors are told; where there are none, IT staff.
    """
    until = today + datetime.timedelta(days=settings.ITAM_AUDIT_REMINDER_DAYS)
    auditors = set(
        User.objects.filter(groups__name=AUDITORS, is_active=True).values_list("pk", flat=True)
    ) or set(users_with_permission("assets.change_asset").values_list("pk", flat=True))
    rows = Asset.objects.filter(
        next_audit_date__lte=until, status__in=AUDITED_STATUSES
    ).values_list("pk", "tag", "name", "next_audit_date", "location__name")
    for pk, tag, name, due_on, place in rows.iterator(chunk_size=5000):
        overdue = due_on < today
        when = due_on.isoformat()
        where = f" at {place}" if place else ""
        yield Due(
            object_id=pk,
            kind="audit_overdue" if overdue else "audit_due",
            due_on=due_on,
            recipients=auditors,
            subject=f"Audit {'overdue' if overdue else 'due'}: {tag} {name}{where} ({when})",
            line=f"{tag} {name}{where}: audit {'overdue since' if overdue else 'due on'} {when}",
            url=f"/assets/{tag}/",
        )


def loaners_overdue(today: datetime.date) -> Iterator[Due]:
    """Deployed assets past their expected return date: the borrower, their manager, IT staff."""
    it_staff = set(users_with_permission("assets.check_in_asset").values_list("pk", flat=True))
    rows = Asset.objects.filter(
        status=AssetStatus.DEPLOYED, expected_return_date__lt=today
    ).values_list(
        "pk",
        "tag",
        "name",
        "expected_return_date",
        "assigned_user_id",
        "assigned_user__first_name",
        "assigned_user__last_name",
        "assigned_user__username",
        "assigned_user__profile__department__manager_id",
        "assigned_department__name",
        "assigned_department__manager_id",
    )
    for (
        pk,
        tag,
        name,
        due_on,
        user_id,
        first,
        last,
        username,
        user_manager_id,
        department,
        department_manager_id,
    ) in rows.iterator():
        days = (today - due_on).days
        who = f"{first} {last}".strip() or username or department or "its holder"
        people = it_staff | {
            pk_ for pk_ in (user_id, user_manager_id, department_manager_id) if pk_
        }
        yield Due(
            object_id=pk,
            kind="loan_overdue",
            due_on=due_on,
            recipients=people,
            subject=f"Loaner overdue: {tag} {name} was due back on {due_on.isoformat()}",
            line=f"{tag} {name} with {who}: due back {due_on.isoformat()}, {days} days late",
            url=f"/assets/{tag}/",
        )
