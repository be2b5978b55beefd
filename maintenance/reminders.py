"""Daily reminder collectors for stage 5: licence renewals, warranties, preventive maintenance.

Each returns ``itam.reminders.Due`` items; ``itam.reminders.run_job`` records and sends them once.
A bounded number of queries whatever the data size.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Count, Q

from assets.choices import AssetStatus
from assets.models import Asset
from itam.notifications import users_with_permission
from itam.reminders import Due

from .models import SoftwareLicense
from .services import due_items


def _ids(codename: str) -> set[int]:
    return set(users_with_permission(codename).values_list("pk", flat=True))


def license_kind(days_left: int, thresholds: tuple[int, ...]) -> str | None:
    """The most urgent reminder a licence with ``days_left`` is due: expired, 7, 30 or 60 days.

    Only the most urgent one: a licence bought 5 days before it ends gets the 7-day reminder, not
    all three at once.
    """
    if days_left <= 0:
        return "license_expired"
    for threshold in sorted(thresholds):
        if days_left <= threshold:
            return f"license_renewal_{threshold}"
    return None


def license_renewals(today: datetime.date) -> Iterator[Due]:
    thresholds = settings.ITAM_LICENSE_REMINDER_DAYS
    horizon = today + datetime.timedelta(days=max(thresholds))
    it_staff = _ids("maintenance.renew_softwarelicense")
    rows = (
        SoftwareLicense.objects.filter(expires_on__isnull=False, expires_on__lte=horizon)
        .annotate(used=Count("seat_assignments", filter=Q(seat_assignments__released_at=None)))
        .values_list("pk", "product", "version", "expires_on", "seats", "used", "owner_id")
    )
    for pk, product, version, expires_on, seats, used, owner_id in rows.iterator():
        days = (expires_on - today).days
        kind = license_kind(days, thresholds)
        name = f"{product} {version}".strip()
        when = expires_on.isoformat()
        if kind == "license_expired":
            subject = (
                f"Licence expires today: {name}"
                if days == 0
                else f"Licence expired: {name} (on {when})"
            )
            line = f"{name}: expired on {when}, {used} of {seats} seats still in use"
        else:
            subject = f"Licence renewal: {name} expires in {days} days ({when})"
            line = f"{name}: expires on {when}, in {days} days; {used} of {seats} seats in use"
        yield Due(
            object_id=pk,
            kind=kind,
            due_on=expires_on,
            recipients=it_staff | ({owner_id} if owner_id else set()),
            subject=subject,
            line=line,
            url=f"/licenses/{pk}/",
        )


def warranty_ends(today: datetime.date) -> Iterator[Due]:
    until = today + datetime.timedelta(days=settings.ITAM_WARRANTY_REMINDER_DAYS)
    it_staff = _ids("assets.maintain_asset")
    rows = (
        Asset.objects.filter(warranty_end__range=(today, until))
        .exclude(status__in=(AssetStatus.RETIRED, AssetStatus.DISPOSED))
        .values_list("pk", "tag", "name", "warranty_end")
    )
    for pk, tag, name, ends in rows.iterator():
        days = (ends - today).days
        yield Due(
            object_id=pk,
            kind="warranty_ending",
            due_on=ends,
            recipients=it_staff,
            subject=f"Warranty ending: {tag} {name} on {ends.isoformat()} (in {days} days)",
            line=f"{tag} {name}: warranty ends on {ends.isoformat()}, in {days} days",
            url=f"/assets/{tag}/",
        )


def maintenance_due(today: datetime.date) -> Iterator[Due]:
    until = today + datetime.timedelta(days=settings.ITAM_MAINTENANCE_REMINDER_DAYS)
    it_staff = _ids("assets.maintain_asset")
    items = list(due_items(until=until))
    holders = dict(
        Asset.objects.filter(
            pk__in={item.asset_id for item in items}, assigned_user__is_active=True
        ).values_list("pk", "assigned_user_id")
    )
    for item in items:
        overdue = item.due_on < today
        when = item.due_on.isoformat()
        state = f"overdue since {when}" if overdue else f"due on {when}"
        holder = holders.get(item.asset_id)
        yield Due(
            object_id=item.asset_id,
            kind=f"maintenance_plan_{item.plan.pk}",
            due_on=item.due_on,
            recipients=it_staff | ({holder} if holder else set()),
            subject=f"Maintenance due: {item.plan.title} for {item.tag} {item.name} ({state})",
            line=f"{item.tag} {item.name}: {item.plan.title}, {state}",
            url=f"/assets/{item.tag}/",
        )
