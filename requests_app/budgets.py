"""Department budgets per fiscal year: amount, committed and spent, to the cent (Decimal only).

- committed: open requests' estimated cost for the units neither allocated nor on a sent order,
  plus what is still to arrive on sent purchase orders (unit cost of each unit not yet received);
- spent: the purchase cost of the department's assets bought (received) in the fiscal year.

Commitments are today's: they count against the current fiscal year only (a past year's summary
shows what was spent, a future year's starts empty).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from assets.choices import AssetStatus
from assets.models import Asset, Department

from .choices import OPEN_ORDER_STATUSES, OrderStatus, RequestStatus
from .models import AssetRequest, Budget, OrderedAsset, RequestAllocation

ZERO = Decimal("0.00")
_MONEY = DecimalField(max_digits=14, decimal_places=2)


def fiscal_year_of(day: datetime.date | None = None) -> int:
    """The fiscal year (named by the calendar year it starts in) that ``day`` falls in."""
    day = day or timezone.localdate()
    start_month = settings.ITAM_FISCAL_YEAR_START_MONTH
    return day.year if day.month >= start_month else day.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of a fiscal year."""
    start_month = settings.ITAM_FISCAL_YEAR_START_MONTH
    start = datetime.date(fiscal_year, start_month, 1)
    next_start = datetime.date(fiscal_year + 1, start_month, 1)
    return start, next_start - datetime.timedelta(days=1)


def fiscal_year_label(fiscal_year: int) -> str:
    if settings.ITAM_FISCAL_YEAR_START_MONTH == 1:
        return f"FY{fiscal_year}"
    return f"FY{fiscal_year}/{str(fiscal_year + 1)[-2:]}"


@dataclass(frozen=True)
class BudgetSummary:
    department: Department
    fiscal_year: int
    amount: Decimal | None  # None: no budget set for that year
    currency: str
    committed: Decimal
    spent: Decimal

    @property
    def label(self) -> str:
        return fiscal_year_label(self.fiscal_year)

    @property
    def has_budget(self) -> bool:
        return self.amount is not None

    @property
    def available(self) -> Decimal | None:
        if self.amount is None:
            return None
        return self.amount - self.committed - self.spent

    def would_exceed(self, extra: Decimal) -> bool:
        """True when ``extra`` on top of what is committed and spent passes the amount."""
        return self.amount is not None and self.committed + self.spent + extra > self.amount

    def as_dict(self) -> dict:
        return {
            "department": self.department.pk,
            "fiscal_year": self.fiscal_year,
            "label": self.label,
            "amount": self.amount,
            "currency": self.currency,
            "committed": self.committed,
            "spent": self.spent,
            "available": self.available,
        }


def _sum(queryset, expression) -> Decimal:
    total = queryset.aggregate(total=Coalesce(Sum(expression), Value(ZERO), output_field=_MONEY))
    return Decimal(total["total"]).quantize(ZERO)


def committed_for(department: Department) -> Decimal:
    """Open requests' share of their estimate not yet covered, plus ordered units to arrive.

    A request (approved, or partly ordered) commits its estimate for the units that are neither
    allocated to its person nor on a sent order; those on a sent order commit their unit cost
    until they arrive (then they are spent), so nothing is counted twice or lost.
    """
    open_requests = list(
        AssetRequest.objects.filter(
            department=department, status__in=(RequestStatus.APPROVED, RequestStatus.ORDERING)
        ).values_list("pk", "estimated_cost", "quantity")
    )
    ids = [pk for pk, _, _ in open_requests]
    covered: dict[int, set[int]] = {pk: set() for pk in ids}
    for request_id, asset_id in RequestAllocation.objects.filter(request_id__in=ids).values_list(
        "request_id", "asset_id"
    ):
        covered[request_id].add(asset_id)
    for request_id, asset_id in (
        OrderedAsset.objects.filter(line__request_id__in=ids)
        .exclude(line__order__status__in=(OrderStatus.DRAFT, OrderStatus.CANCELLED))
        .values_list("line__request_id", "asset_id")
    ):
        covered[request_id].add(asset_id)
    from_requests = sum(
        (
            (cost * (quantity - len(covered[pk])) / quantity).quantize(ZERO, ROUND_HALF_UP)
            for pk, cost, quantity in open_requests
            if len(covered[pk]) < quantity
        ),
        ZERO,
    )
    still_to_arrive = OrderedAsset.objects.filter(
        received_at__isnull=True,
        line__order__status__in=OPEN_ORDER_STATUSES,
    ).filter(
        Q(line__department=department)
        | Q(line__department__isnull=True, line__request__department=department)
    )
    return from_requests + _sum(still_to_arrive, F("line__unit_cost"))


def spent_assets(fiscal_year: int) -> QuerySet:
    """What counts as spent in a fiscal year: assets bought in it with a cost, not still on order
    (the budgets and the dashboard's spend by department both read it)."""
    start, end = fiscal_year_bounds(fiscal_year)
    return Asset.objects.filter(
        purchase_date__range=(start, end), purchase_cost__isnull=False
    ).exclude(status=AssetStatus.ON_ORDER)


def spent_for(department: Department, fiscal_year: int) -> Decimal:
    return _sum(spent_assets(fiscal_year).filter(department=department), "purchase_cost")


def budget_summary(department: Department, fiscal_year: int | None = None) -> BudgetSummary:
    fiscal_year = fiscal_year if fiscal_year is not None else fiscal_year_of()
    budget = Budget.objects.filter(department=department, fiscal_year=fiscal_year).first()
    return BudgetSummary(
        department=department,
        fiscal_year=fiscal_year,
        amount=budget.amount if budget else None,
        currency=budget.currency if budget else settings.ITAM_CURRENCY,
        # What is committed is owed now: it belongs to the current year, not to past ones.
        committed=committed_for(department) if fiscal_year == fiscal_year_of() else ZERO,
        spent=spent_for(department, fiscal_year),
    )
