"""Maintenance work and preventive plans: the rules, kept out of views and serializers.

Opening and closing the record that takes an asset out of service happens inside the lifecycle
engine's own transaction (``lifecycle.start_maintenance`` / ``complete_maintenance`` call
``open_record`` / ``close_open_record`` while they hold the asset's row lock), so an asset in
maintenance and its open record are never out of step.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from assets.choices import AssetStatus
from assets.models import Asset
from assets.visibility import sees_all_assets, visible_assets

from .choices import MaintenanceKind
from .models import ZERO, MaintenancePlan, MaintenanceRecord

# Assets preventive plans still apply to: in use or ready for use.
PLANNED_STATUSES = (AssetStatus.IN_STOCK, AssetStatus.DEPLOYED, AssetStatus.IN_MAINTENANCE)
MAINTAIN = "assets.maintain_asset"


def clean_cost(value, field: str = "cost") -> Decimal | None:
    """A money amount from a form or JSON: None when empty; refuses negatives and non-numbers."""
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: "Enter an amount, e.g. 120.00."}) from None
    if not amount.is_finite():  # "NaN" passes quantize and then breaks every comparison
        raise ValidationError({field: "Enter an amount, e.g. 120.00."})
    if amount < 0:
        raise ValidationError({field: "The cost cannot be negative."})
    if amount >= Decimal("1e10"):
        raise ValidationError({field: "That amount is too large."})
    return amount


def under_warranty(asset: Asset, on: datetime.date | None = None) -> bool:
    return bool(asset.warranty_end and asset.warranty_end >= (on or timezone.localdate()))


def _clean_kind(kind: str | None) -> str:
    kind = kind or MaintenanceKind.REPAIR
    if kind not in MaintenanceKind.values:
        raise ValidationError(
            {"kind": f"Unknown kind {kind!r}: use one of {', '.join(MaintenanceKind.values)}."}
        )
    return kind


def _clean_text(value: str | None, field: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationError({field: f"Keep it under {limit} characters."})
    return value


def _clean_plan(plan: MaintenancePlan | None, asset: Asset) -> MaintenancePlan | None:
    if plan is None:
        return None
    if plan.asset_id not in (None, asset.pk) or (
        plan.category_id and plan.category_id != asset.category_id
    ):
        raise ValidationError({"plan": f"The plan “{plan.title}” does not cover {asset.tag}."})
    return plan


@dataclass(frozen=True)
class Details:
    """What a maintenance record says, cleaned: shared by opening and logging work."""

    kind: str
    title: str
    description: str
    supplier: str
    warranty_covered: bool
    plan: MaintenancePlan | None


def clean_details(
    asset: Asset,
    *,
    kind: str | None = None,
    title: str | None = None,
    description: str | None = None,
    supplier: str | None = None,
    warranty_covered: bool | None = None,
    plan: MaintenancePlan | None = None,
    fallback_title: str = "",
) -> Details:
    kind = _clean_kind(kind)
    fallback = fallback_title.strip().splitlines()
    title = _clean_text(title, "title", 200) or (fallback[0].strip()[:200] if fallback else "")
    if not title:
        raise ValidationError({"title": "Give the work a title, e.g. “Cracked screen”."})
    return Details(
        kind=kind,
        title=title,
        description=_clean_text(description, "description", 10_000),
        supplier=_clean_text(supplier, "supplier", 200),
        # Under warranty: the repair is presumed covered unless someone says otherwise.
        warranty_covered=under_warranty(asset) if warranty_covered is None else warranty_covered,
        plan=_clean_plan(plan, asset),
    )


def open_record(asset: Asset, *, actor, details: Details) -> MaintenanceRecord:
    """The record of the work that takes ``asset`` out of service (called under its row lock)."""
    record = MaintenanceRecord(
        asset=asset,
        kind=details.kind,
        title=details.title,
        description=details.description,
        supplier=details.supplier,
        warranty_covered=details.warranty_covered,
        plan=details.plan,
        took_out_of_service=True,
        opened_by=actor,
    )
    record._history_user = actor
    record._change_reason = "Opened: the asset went into maintenance"
    record.save()
    return record


def close_open_record(
    asset: Asset,
    *,
    actor,
    cost: Decimal | None,
    warranty_covered: bool | None = None,
    resolution: str = "",
) -> MaintenanceRecord | None:
    """Close the asset's open out-of-service record, if it has one (called under its row lock)."""
    record = (
        MaintenanceRecord.objects.select_for_update()
        .filter(asset=asset, closed_at__isnull=True, took_out_of_service=True)
        .first()
    )
    if record is None:
        return None
    now = timezone.now()
    record.closed_at = max(now, record.opened_at)
    record.closed_by = actor
    record.downtime = record.closed_at - record.opened_at
    if cost is not None:
        record.cost = cost
    elif record.cost is None:
        record.cost = ZERO
    if warranty_covered is not None:
        record.warranty_covered = warranty_covered
    if resolution:
        record.resolution = resolution
    record._history_user = actor
    record._change_reason = "Closed"
    record.save()
    return record


def log_work(
    asset: Asset,
    *,
    actor,
    kind: str | None = None,
    title: str = "",
    description: str = "",
    supplier: str = "",
    cost=None,
    warranty_covered: bool | None = None,
    plan: MaintenancePlan | None = None,
    performed_on: datetime.date | None = None,
    downtime: datetime.timedelta | None = None,
    resolution: str = "",
) -> MaintenanceRecord:
    """Record work done without taking the asset out of service (a service, an update in place)."""
    if not actor.has_perm(MAINTAIN):
        raise PermissionDenied("Your role does not allow you to record maintenance.")
    if asset.status == AssetStatus.DISPOSED:
        raise ValidationError({"asset": f"{asset.tag} is disposed: no more work can be logged."})
    details = clean_details(
        asset,
        kind=kind or MaintenanceKind.SERVICING,
        title=title,
        description=description,
        supplier=supplier,
        warranty_covered=warranty_covered,
        plan=plan,
    )
    today = timezone.localdate()
    performed_on = performed_on or today
    if performed_on > today:
        raise ValidationError({"performed_on": "That date is in the future: log work once done."})
    if downtime is not None and downtime < datetime.timedelta(0):
        raise ValidationError({"downtime": "Downtime cannot be negative."})
    when = timezone.make_aware(datetime.datetime.combine(performed_on, datetime.time(12)))
    if performed_on == today:
        when = timezone.now()
    record = MaintenanceRecord(
        asset=asset,
        kind=details.kind,
        title=details.title,
        description=details.description,
        supplier=details.supplier,
        warranty_covered=details.warranty_covered,
        plan=details.plan,
        took_out_of_service=False,
        opened_at=when,
        closed_at=when,
        opened_by=actor,
        closed_by=actor,
        cost=clean_cost(cost) if cost not in (None, "") else ZERO,
        downtime=downtime,
        resolution=_clean_text(resolution, "resolution", 10_000),
    )
    record._history_user = actor
    record._change_reason = "Work logged"
    record.save()
    return record


UPDATABLE = ("title", "description", "supplier", "cost", "warranty_covered", "resolution", "kind")


def update_record(
    record: MaintenanceRecord, *, actor, reason: str = "", **fields
) -> MaintenanceRecord:
    """Correct a record afterwards (the invoice arrives, the text was thin); kept in history."""
    if not actor.has_perm("maintenance.change_maintenancerecord"):
        raise PermissionDenied("Your role does not allow you to change maintenance records.")
    unknown = set(fields) - set(UPDATABLE)
    if unknown:
        raise ValidationError(f"These cannot be changed here: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        record = MaintenanceRecord.objects.select_for_update().get(pk=record.pk)
        if "kind" in fields:
            record.kind = _clean_kind(fields["kind"])
        if "title" in fields:
            title = _clean_text(fields["title"], "title", 200)
            if not title:
                raise ValidationError({"title": "A record needs a title."})
            record.title = title
        for name, limit in (("description", 10_000), ("supplier", 200), ("resolution", 10_000)):
            if name in fields:
                setattr(record, name, _clean_text(fields[name], name, limit))
        if "cost" in fields:
            record.cost = clean_cost(fields["cost"])
        if "warranty_covered" in fields:
            record.warranty_covered = bool(fields["warranty_covered"])
        record._history_user = actor
        record._change_reason = reason.strip() or "Record corrected"
        record.save()
    return record


# --- who sees what -----------------------------------------------------------------------------


def visible_records(user, queryset: QuerySet | None = None) -> QuerySet:
    """IT staff and auditors see all work; others the work on assets they may see."""
    queryset = MaintenanceRecord.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    if user.has_perm("maintenance.view_maintenancerecord") or sees_all_assets(user):
        return queryset
    return queryset.filter(asset__in=visible_assets(user).values("pk"))


# --- costs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CostOfOwnership:
    purchase: Decimal
    maintenance: Decimal
    records: int

    @property
    def total(self) -> Decimal:
        return self.purchase + self.maintenance


def cost_of_ownership(asset: Asset) -> CostOfOwnership:
    """Purchase plus everything spent on maintenance (warranty work counts at what we paid)."""
    row = asset.maintenance_records.aggregate(spent=Sum("cost"), count=Count("pk"))
    return CostOfOwnership(
        purchase=asset.purchase_cost or ZERO,
        maintenance=row["spent"] or ZERO,
        records=row["count"] or 0,
    )


# --- preventive plans --------------------------------------------------------------------------


def _clean_plan_fields(
    *, title, kind, interval_months, first_due_on, category, asset, description, new_asset=True
) -> dict:
    errors = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = "Give the plan a title, e.g. “Annual service”."
    try:
        interval = int(interval_months)
        if not 1 <= interval <= 120:
            raise ValueError
    except (TypeError, ValueError):
        errors["interval_months"] = "Every how many months: a whole number from 1 to 120."
        interval = None
    if (category is None) == (asset is None):
        errors["category"] = "A plan covers either a category or one asset: choose one."
    # Only a newly chosen asset: a plan whose asset was disposed since can still be switched off.
    if new_asset and asset is not None and asset.status == AssetStatus.DISPOSED:
        errors["asset"] = f"{asset.tag} is disposed: it needs no more maintenance."
    if first_due_on is None:
        errors["first_due_on"] = "When is the first round due?"
    if errors:
        raise ValidationError(errors)
    return {
        "title": title[:200],
        "kind": _clean_kind(kind or MaintenanceKind.SERVICING),
        "interval_months": interval,
        "first_due_on": first_due_on,
        "category": category,
        "asset": asset,
        "description": (description or "").strip(),
    }


def create_plan(
    *,
    actor,
    title: str,
    interval_months: int,
    first_due_on: datetime.date,
    category=None,
    asset: Asset | None = None,
    kind: str | None = None,
    description: str = "",
) -> MaintenancePlan:
    if not actor.has_perm("maintenance.add_maintenanceplan"):
        raise PermissionDenied("Your role does not allow you to plan maintenance.")
    fields = _clean_plan_fields(
        title=title,
        kind=kind,
        interval_months=interval_months,
        first_due_on=first_due_on,
        category=category,
        asset=asset,
        description=description,
    )
    plan = MaintenancePlan(**fields, created_by=actor)
    plan._history_user = actor
    plan._change_reason = "Plan created"
    plan.save()
    return plan


def update_plan(plan: MaintenancePlan, *, actor, reason: str = "", **fields) -> MaintenancePlan:
    if not actor.has_perm("maintenance.change_maintenanceplan"):
        raise PermissionDenied("Your role does not allow you to change maintenance plans.")
    with transaction.atomic():
        plan = MaintenancePlan.objects.select_for_update().get(pk=plan.pk)
        active = fields.pop("active", plan.active)
        current = {
            "title": plan.title,
            "kind": plan.kind,
            "interval_months": plan.interval_months,
            "first_due_on": plan.first_due_on,
            "category": plan.category,
            "asset": plan.asset,
            "description": plan.description,
        }
        unknown = set(fields) - set(current)
        if unknown:
            raise ValidationError(f"These cannot be changed here: {', '.join(sorted(unknown))}.")
        cleaned = _clean_plan_fields(
            **{**current, **fields}, new_asset=fields.get("asset", plan.asset) != plan.asset
        )
        for name, value in cleaned.items():
            setattr(plan, name, value)
        plan.active = bool(active)
        plan._history_user = actor
        plan._change_reason = reason.strip() or "Plan changed"
        plan.save()
    return plan


@dataclass(frozen=True)
class DueItem:
    plan: MaintenancePlan
    asset_id: int
    tag: str
    name: str
    last_done: datetime.date | None
    due_on: datetime.date

    @property
    def overdue_days(self) -> int:
        return (timezone.localdate() - self.due_on).days


def plan_assets(plan: MaintenancePlan) -> QuerySet:
    """The assets a plan covers now, each with the date its last round was done."""
    scope = Q(pk=plan.asset_id) if plan.asset_id else Q(category_id=plan.category_id)
    last = Max(
        "maintenance_records__closed_at",
        filter=Q(maintenance_records__plan=plan),
    )
    return (
        Asset.objects.filter(scope, status__in=PLANNED_STATUSES)
        .annotate(last_done_at=last)
        .order_by("tag")
    )


def due_items(
    *,
    until: datetime.date,
    plans: QuerySet | None = None,
    assets: QuerySet | None = None,
) -> Iterator[DueItem]:
    """Every (plan, asset) whose next round is due on or before ``until``, in due order per plan.

    One query per active plan, whatever the number of assets; dates are computed in Python
    because "N months later" is not portable SQL.
    """
    plans = MaintenancePlan.objects.filter(active=True) if plans is None else plans
    for plan in plans.select_related("category", "asset"):
        rows = plan_assets(plan)
        if assets is not None:
            rows = rows.filter(pk__in=assets.values("pk"))
        for asset_id, tag, name, last_done_at in rows.values_list(
            "pk", "tag", "name", "last_done_at"
        ).iterator(chunk_size=5000):
            last_done = timezone.localdate(last_done_at) if last_done_at else None
            due_on = plan.next_due(last_done)
            if due_on <= until:
                yield DueItem(plan, asset_id, tag, name, last_done, due_on)


def plans_for_asset(asset: Asset) -> list[dict]:
    """The active plans covering one asset, with its last round and next due date."""
    plans = MaintenancePlan.objects.filter(
        Q(asset=asset) | Q(category_id=asset.category_id), active=True
    )
    last_by_plan = dict(
        MaintenanceRecord.objects.filter(asset=asset, plan__in=plans, closed_at__isnull=False)
        .values_list("plan")
        .annotate(last=Max("closed_at"))
    )
    result = []
    for plan in plans:
        last = last_by_plan.get(plan.pk)
        last_done = timezone.localdate(last) if last else None
        result.append({"plan": plan, "last_done": last_done, "due_on": plan.next_due(last_done)})
    return sorted(result, key=lambda item: item["due_on"])
