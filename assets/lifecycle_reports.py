"""The money and end-of-life reports: lifecycle cost, age and cost at retirement by category,
depreciation, and disposals with their wipe evidence (the auditor's compliance report).

Plain functions over an already-scoped asset queryset (``reports.scoped``), so the pages, their
CSV files and the API show the same figures. Every figure is an exact ``Decimal``; each runs a
fixed number of SQL queries whatever the number of assets.
"""

from __future__ import annotations

import datetime
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from maintenance.models import MaintenanceRecord

from .choices import AssetStatus, RetirementReason
from .models import Asset, DisposalRecord, WipeRecord
from .reports import ROW_RELATED, ReportFilterForm

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=16, decimal_places=2)
NOT_STATED = "not stated"
DATE_FORMAT = "YYYY-MM-DD"


def cents(value: Decimal) -> Decimal:
    """Round once, at the end of a figure: to the cent, halves away from zero."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def whole_months(start: datetime.date, end: datetime.date) -> int:
    """Whole calendar months from ``start`` to ``end`` (0 if ``end`` is earlier).

    A month counts once its day of the month is reached: 15 Jan to 14 Feb is 0, to 15 Feb is 1.
    """
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return max(0, months)


def parse_date(value: str | None, name: str) -> datetime.date | None:
    """A ``YYYY-MM-DD`` query parameter; a ValueError that says the format otherwise."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name}: “{value}” is not a date; use {DATE_FORMAT}.") from None


# --- filters ------------------------------------------------------------------------------------


class LifecycleCostFilterForm(ReportFilterForm):
    """The shared filters plus the asset's status."""

    status = forms.ChoiceField(choices=[("", "Any status"), *AssetStatus.choices], required=False)


class PeriodFilterForm(forms.Form):
    """``from`` and ``to`` (inclusive, YYYY-MM-DD); either may be left open."""

    from_ = forms.DateField(required=False, label="From", input_formats=["%Y-%m-%d"])
    to = forms.DateField(required=False, label="To", input_formats=["%Y-%m-%d"])

    def __init__(self, *args, **kwargs) -> None:
        kwargs.pop("user", None)
        super().__init__(*args, **kwargs)
        for name in ("from_", "to"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"})
            self.fields[name].error_messages["invalid"] = f"Enter a date as {DATE_FORMAT}."

    def add_prefix(self, field_name: str) -> str:
        """``from`` is a Python keyword, so the field is ``from_`` and its parameter ``from``."""
        return "from" if field_name == "from_" else super().add_prefix(field_name)

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("from_"), data.get("to")
        if start and end and start > end:
            raise forms.ValidationError("“From” is after “To”.")
        return data


class DepreciationFilterForm(ReportFilterForm):
    """Category and department, and the date the book values are taken on."""

    as_of = forms.DateField(
        required=False,
        label="As of",
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Default: today.",
        error_messages={"invalid": f"Enter a date as {DATE_FORMAT}."},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields.pop("location")


def apply_status(queryset: QuerySet, status: str | None) -> QuerySet:
    return queryset.filter(status=status) if status else queryset


# --- lifecycle cost per asset -------------------------------------------------------------------


def _maintenance_spent() -> Subquery:
    return Subquery(
        MaintenanceRecord.objects.filter(asset=OuterRef("pk"))
        .order_by()
        .values("asset")
        .annotate(spent=Sum("cost"))
        .values("spent")[:1],
        output_field=MONEY,
    )


def with_costs(queryset: QuerySet) -> QuerySet:
    """Each asset with ``maintenance_cost``, ``proceeds`` and ``lifecycle_cost`` in SQL.

    Maintenance is a correlated subquery (a join would multiply the disposal's proceeds).
    """
    return queryset.annotate(
        purchase=Coalesce("purchase_cost", Value(ZERO), output_field=MONEY),
        maintenance_cost=Coalesce(_maintenance_spent(), Value(ZERO), output_field=MONEY),
        proceeds=Coalesce("disposal__proceeds", Value(ZERO), output_field=MONEY),
    ).annotate(
        lifecycle_cost=ExpressionWrapper(
            F("purchase") + F("maintenance_cost") - F("proceeds"), output_field=MONEY
        )
    )


def lifecycle_costs(queryset: QuerySet) -> QuerySet:
    """Purchase + maintenance - disposal proceeds per asset, the most expensive first."""
    return (
        with_costs(queryset)
        .select_related(*ROW_RELATED)
        .order_by(F("lifecycle_cost").desc(), "tag")
    )


@dataclass
class CostTotals:
    count: int = 0
    purchase: Decimal = ZERO
    maintenance: Decimal = ZERO
    proceeds: Decimal = ZERO
    lifecycle: Decimal = ZERO


def lifecycle_totals(queryset: QuerySet) -> CostTotals:
    """The totals row, one aggregate query over the same filtered set."""
    row = (
        with_costs(queryset)
        .order_by()
        .aggregate(
            count=Count("pk"),
            purchase_total=Sum("purchase"),
            maintenance_total=Sum("maintenance_cost"),
            proceeds_total=Sum("proceeds"),
            lifecycle_total=Sum("lifecycle_cost"),
        )
    )
    return CostTotals(
        count=row["count"] or 0,
        purchase=Decimal(row["purchase_total"] or ZERO),
        maintenance=Decimal(row["maintenance_total"] or ZERO),
        proceeds=Decimal(row["proceeds_total"] or ZERO),
        lifecycle=Decimal(row["lifecycle_total"] or ZERO),
    )


# --- age and cost at retirement, by category ---------------------------------------------------


@dataclass
class RetirementLine:
    """One category's retirements: how old and how costly assets were when they went."""

    category: str
    slug: str
    ages: list[int] = field(default_factory=list)
    purchase: list[Decimal] = field(default_factory=list)
    maintenance: list[Decimal] = field(default_factory=list)
    reasons: Counter = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return len(self.ages)

    @property
    def average_age_months(self) -> Decimal | None:
        if not self.ages:
            return None
        return (Decimal(sum(self.ages)) / len(self.ages)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    @property
    def median_age_months(self) -> Decimal | None:
        if not self.ages:
            return None
        return Decimal(str(statistics.median(self.ages))).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    @property
    def average_purchase_cost(self) -> Decimal | None:
        """Over the assets with a known purchase cost."""
        return cents(sum(self.purchase, ZERO) / len(self.purchase)) if self.purchase else None

    @property
    def average_maintenance_cost(self) -> Decimal | None:
        if not self.maintenance:
            return None
        return cents(sum(self.maintenance, ZERO) / len(self.maintenance))

    def reason_counts(self) -> list[tuple[str, str, int]]:
        """(value, label, count) for every reason in order, then "not stated"."""
        return [(value, label, self.reasons.get(value, 0)) for value, label in REASONS]


REASONS = [*RetirementReason.choices, ("", NOT_STATED)]


def retired_in_period(
    queryset: QuerySet, start: datetime.date | None = None, end: datetime.date | None = None
) -> QuerySet:
    """Retired or disposed assets whose retirement falls in the period (local dates)."""
    queryset = queryset.filter(
        status__in=[AssetStatus.RETIRED, AssetStatus.DISPOSED], retired_at__isnull=False
    )
    zone = timezone.get_current_timezone()
    if start:
        queryset = queryset.filter(
            retired_at__gte=datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
        )
    if end:
        after = end + datetime.timedelta(days=1)
        queryset = queryset.filter(
            retired_at__lt=datetime.datetime.combine(after, datetime.time.min, tzinfo=zone)
        )
    return queryset


def age_at_retirement(
    purchase_date: datetime.date | None,
    created_at: datetime.datetime,
    retired_at: datetime.datetime,
) -> int:
    """Whole months from purchase (or registration when no purchase date) to retirement."""
    start = purchase_date or timezone.localtime(created_at).date()
    return whole_months(start, timezone.localtime(retired_at).date())


def retirement_by_category(
    queryset: QuerySet, start: datetime.date | None = None, end: datetime.date | None = None
) -> list[RetirementLine]:
    """One line per category, by name: one query reading the retired assets' few columns."""
    rows = (
        with_costs(retired_in_period(queryset, start, end))
        .order_by("category__name", "pk")
        .values_list(
            "category__name",
            "category__slug",
            "purchase_date",
            "created_at",
            "retired_at",
            "purchase_cost",
            "maintenance_cost",
            "retirement_reason",
        )
    )
    lines: dict[str, RetirementLine] = {}
    for name, slug, bought, created, retired, cost, spent, reason in rows.iterator(chunk_size=2000):
        line = lines.setdefault(slug, RetirementLine(name, slug))
        line.ages.append(age_at_retirement(bought, created, retired))
        if cost is not None:
            line.purchase.append(cost)
        line.maintenance.append(spent or ZERO)
        line.reasons[reason or ""] += 1
    return list(lines.values())


def retirement_totals(lines: Iterable[RetirementLine]) -> RetirementLine:
    """Every category together (the table's last row)."""
    total = RetirementLine("All categories", "")
    for line in lines:
        total.ages.extend(line.ages)
        total.purchase.extend(line.purchase)
        total.maintenance.extend(line.maintenance)
        total.reasons.update(line.reasons)
    return total


# --- depreciation -------------------------------------------------------------------------------


@dataclass
class Depreciation:
    """Straight-line depreciation of one asset on ``as_of``."""

    asset: Asset
    cost: Decimal
    life_months: int
    months_elapsed: int

    @property
    def monthly_exact(self) -> Decimal:
        return self.cost / self.life_months

    @property
    def monthly(self) -> Decimal:
        return cents(self.monthly_exact)

    @property
    def accumulated(self) -> Decimal:
        """cost × months / life, capped at cost, rounded once (not monthly-rounded × months)."""
        months = min(self.months_elapsed, self.life_months)
        return min(self.cost, cents(self.cost * months / self.life_months))

    @property
    def book_value(self) -> Decimal:
        return max(ZERO, self.cost - self.accumulated)

    @property
    def fully_depreciated(self) -> bool:
        return self.months_elapsed >= self.life_months


@dataclass
class DepreciationReport:
    as_of: datetime.date
    rows: list[Depreciation]
    cannot: list[Asset]  # no purchase cost, no purchase date, or a category with no life

    @property
    def cost(self) -> Decimal:
        return sum((row.cost for row in self.rows), ZERO)

    @property
    def accumulated(self) -> Decimal:
        return sum((row.accumulated for row in self.rows), ZERO)

    @property
    def book_value(self) -> Decimal:
        return sum((row.book_value for row in self.rows), ZERO)

    @property
    def monthly(self) -> Decimal:
        """What the still-depreciating assets lose per month now."""
        return sum((row.monthly for row in self.rows if not row.fully_depreciated), ZERO)


def on_the_books(queryset: QuerySet) -> QuerySet:
    """Depreciation covers what is still owned: not on order, not disposed of."""
    return queryset.exclude(status__in=[AssetStatus.DISPOSED, AssetStatus.ON_ORDER])


def depreciation(queryset: QuerySet, as_of: datetime.date | None = None) -> DepreciationReport:
    """Every asset on the books on ``as_of``: one query, book value highest first.

    Assets bought after ``as_of`` have 0 months elapsed (full book value).
    """
    as_of = as_of or timezone.localdate()
    rows, cannot = [], []
    assets = (
        on_the_books(queryset)
        .select_related(*ROW_RELATED)
        .order_by("category__name", "tag")
        .iterator(chunk_size=2000)
    )
    for asset in assets:
        life = asset.category.expected_life_months
        if asset.purchase_cost is None or asset.purchase_date is None or not life:
            cannot.append(asset)
            continue
        rows.append(
            Depreciation(
                asset,
                asset.purchase_cost,
                life,
                whole_months(asset.purchase_date, as_of),
            )
        )
    rows.sort(key=lambda row: (-row.book_value, row.asset.tag))
    return DepreciationReport(as_of, rows, cannot)


def cannot_depreciate_reason(asset: Asset) -> str:
    if asset.purchase_cost is None and asset.purchase_date is None:
        return "No purchase cost or date"
    if asset.purchase_cost is None:
        return "No purchase cost"
    if asset.purchase_date is None:
        return "No purchase date"
    return "Its category has no expected life"


# --- disposals and their wipe evidence ----------------------------------------------------------

NO_DATA = "no data held"
NO_VERIFIED_WIPE = "NO VERIFIED WIPE"
VERIFIED = "verified wipe"


def disposals(
    queryset: QuerySet, start: datetime.date | None = None, end: datetime.date | None = None
) -> QuerySet:
    """Disposal records of the visible assets in the period (inclusive), in date order, each
    with its asset, category and every wipe (with who did and who checked): two queries."""
    records = DisposalRecord.objects.filter(asset__in=queryset.values("pk"))
    if start:
        records = records.filter(disposed_on__gte=start)
    if end:
        records = records.filter(disposed_on__lte=end)
    wipes = WipeRecord.objects.select_related("performed_by", "verified_by").order_by(
        "performed_on", "pk"
    )
    return (
        records.select_related("asset__category", "recorded_by")
        .prefetch_related(Prefetch("asset__wipes", queryset=wipes))
        .order_by("disposed_on", "asset__tag")
    )


def wipe_status(record: DisposalRecord) -> str:
    """One of "no data held", "verified wipe" or "NO VERIFIED WIPE" (look into it at once)."""
    asset = record.asset
    if not asset.category.holds_data:
        return NO_DATA
    if any(w.verified_by_id and w.verified_by_id != w.performed_by_id for w in asset.wipes.all()):
        return VERIFIED
    return NO_VERIFIED_WIPE


def person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
