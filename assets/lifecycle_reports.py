"""The money and end-of-life reports: lifecycle cost, age and cost at retirement by category,
depreciation, and disposals with their wipe evidence (the auditor's compliance report).

Plain functions over an already-scoped asset queryset (``finance_scoped`` for the cost
reports, ``reports.scoped`` for the disposals), so the pages, their
CSV files and the API show the same figures. Every figure is an exact ``Decimal``; each runs a
fixed number of SQL queries whatever the number of assets.
"""

from __future__ import annotations

import datetime
import statistics
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import (
    Coalesce,
    ExtractMonth,
    ExtractYear,
    Greatest,
    Least,
    Round,
)
from django.utils import timezone

from maintenance.models import MaintenanceRecord

from .choices import AssetStatus, RetirementReason
from .models import Asset, DisposalRecord, WipeRecord
from .reports import ROW_RELATED, ReportFilterForm
from .visibility import sees_all_assets

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


def finance_scoped(user) -> QuerySet:
    """The assets whose costs a person may read: IT staff and auditors every one; a manager
    only what their departments own (as the dashboard's spend), not what their people hold
    for another department; anyone else none."""
    if not user.is_authenticated:
        return Asset.objects.none()
    if sees_all_assets(user):
        return Asset.objects.all()
    return Asset.objects.filter(department__manager=user)


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
        # SQLite sums expressions in floating point: each figure is rounded to cents once, here.
        purchase=cents(Decimal(row["purchase_total"] or ZERO)),
        maintenance=cents(Decimal(row["maintenance_total"] or ZERO)),
        proceeds=cents(Decimal(row["proceeds_total"] or ZERO)),
        lifecycle=cents(Decimal(row["lifecycle_total"] or ZERO)),
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
    """Retired or disposed assets whose retirement falls in the period (local dates).

    Compared as dates in the database (``__date`` is the local date): no date arithmetic here,
    which at ``to=9999-12-31`` ran past the calendar's end (a 500 found by the API fuzz).
    """
    queryset = queryset.filter(
        status__in=[AssetStatus.RETIRED, AssetStatus.DISPOSED], retired_at__isnull=False
    )
    if start:
        queryset = queryset.filter(retired_at__date__gte=start)
    if end:
        queryset = queryset.filter(retired_at__date__lte=end)
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


def depreciation_figures(cost: Decimal, life: int, months: int) -> tuple[Decimal, Decimal]:
    """(monthly, accumulated): cost / life, and cost × months / life capped at cost, each
    rounded once (not the rounded monthly × months)."""
    months = min(months, life)
    return cents(cost / life), min(cost, cents(cost * months / life))


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
        return depreciation_figures(self.cost, self.life_months, self.months_elapsed)[0]

    @property
    def accumulated(self) -> Decimal:
        return depreciation_figures(self.cost, self.life_months, self.months_elapsed)[1]

    @property
    def book_value(self) -> Decimal:
        return max(ZERO, self.cost - self.accumulated)

    @property
    def fully_depreciated(self) -> bool:
        return self.months_elapsed >= self.life_months


@dataclass
class DepreciationTotals:
    """Over every depreciable asset, each figure the exact sum of the rows' rounded figures."""

    count: int = 0
    cost: Decimal = ZERO
    accumulated: Decimal = ZERO
    book_value: Decimal = ZERO
    monthly: Decimal = ZERO  # what the still-depreciating assets lose per month
    cannot: int = 0  # on the books but without a cost, a date or a life


class DepreciationRows:
    """The rows, highest book value first, built only for what is read: a page is one query
    (``LIMIT``/``OFFSET``), iterating (the CSV) streams in chunks. ``len`` is the totals' count,
    so a paginator does not count again."""

    def __init__(self, queryset: QuerySet, as_of: datetime.date, count: int) -> None:
        self.queryset, self.as_of, self.count_ = queryset, as_of, count

    def __len__(self) -> int:
        return self.count_

    def row(self, asset: Asset) -> Depreciation:
        life = asset.category.expected_life_months
        months = whole_months(asset.purchase_date, self.as_of)
        return Depreciation(asset, asset.purchase_cost, life, months)

    def __getitem__(self, index: int | slice) -> Depreciation | list[Depreciation]:
        if isinstance(index, slice):
            return [self.row(asset) for asset in self.queryset[index]]
        return self.row(self.queryset[index])

    def __iter__(self) -> Iterator[Depreciation]:
        for asset in self.queryset.iterator(chunk_size=2000):
            yield self.row(asset)


@dataclass
class DepreciationReport:
    as_of: datetime.date
    rows: DepreciationRows | list[Depreciation]
    cannot: list[Asset]  # the first few with no cost, no date or a category with no life
    totals: DepreciationTotals = field(default_factory=DepreciationTotals)

    @classmethod
    def empty(cls, as_of: datetime.date) -> DepreciationReport:
        return cls(as_of, [], [])

    @property
    def count(self) -> int:
        return self.totals.count

    @property
    def cost(self) -> Decimal:
        return self.totals.cost

    @property
    def accumulated(self) -> Decimal:
        return self.totals.accumulated

    @property
    def book_value(self) -> Decimal:
        return self.totals.book_value

    @property
    def monthly(self) -> Decimal:
        return self.totals.monthly

    @property
    def cannot_count(self) -> int:
        return self.totals.cannot


def on_the_books(queryset: QuerySet, as_of: datetime.date) -> QuerySet:
    """What was owned on ``as_of``: bought by then and not yet disposed of then, whatever its
    status today. Assets still on order are out, and so is a disposed asset with no disposal
    record (when it went is unknown). No purchase date: kept, to be listed as not depreciable."""
    return (
        queryset.exclude(status=AssetStatus.ON_ORDER)
        .exclude(purchase_date__gt=as_of)
        .exclude(disposal__disposed_on__lte=as_of)
        .exclude(status=AssetStatus.DISPOSED, disposal__isnull=True)
    )


def _months_elapsed_sql(as_of: datetime.date) -> Greatest:
    """``whole_months(purchase_date, as_of)`` in SQL, so the database can sort and page."""
    months = (Value(as_of.year) - ExtractYear("purchase_date")) * Value(12) + (
        Value(as_of.month) - ExtractMonth("purchase_date")
    )
    late = Case(When(purchase_date__day__gt=as_of.day, then=Value(1)), default=Value(0))
    return Greatest(Value(0), months - late, output_field=IntegerField())


DEPRECIABLE = Q(
    purchase_cost__isnull=False,
    purchase_date__isnull=False,
    category__expected_life_months__gt=0,
)


def depreciable(queryset: QuerySet, as_of: datetime.date) -> QuerySet:
    """On the books with a cost, a date and a life; highest book value first (then tag),
    the book value worked out in SQL with the same rounding, for sorting only."""
    life = F("category__expected_life_months")
    accumulated = Round(
        ExpressionWrapper(
            F("purchase_cost") * Least(F("dep_months"), life) / life, output_field=MONEY
        ),
        2,
        output_field=MONEY,
    )
    return (
        on_the_books(queryset, as_of)
        .filter(DEPRECIABLE)
        .annotate(dep_months=_months_elapsed_sql(as_of))
        .annotate(
            dep_book_value=ExpressionWrapper(F("purchase_cost") - accumulated, output_field=MONEY)
        )
        .order_by(F("dep_book_value").desc(), "tag")
    )


def depreciation_totals(queryset: QuerySet, as_of: datetime.date) -> DepreciationTotals:
    """One query streaming three columns of every asset on the books; exact Decimal sums of
    each row's rounded figures, without building the rows."""
    totals = DepreciationTotals()
    rows = (
        on_the_books(queryset, as_of)
        .order_by()
        .values_list("purchase_cost", "purchase_date", "category__expected_life_months")
    )
    cost_sum = accumulated_sum = monthly_sum = ZERO
    for cost, bought, life in rows.iterator(chunk_size=5000):
        if cost is None or bought is None or not life:
            totals.cannot += 1
            continue
        months = whole_months(bought, as_of)
        monthly, accumulated = depreciation_figures(cost, life, months)
        totals.count += 1
        cost_sum += cost
        accumulated_sum += accumulated
        if months < life:
            monthly_sum += monthly
    totals.cost, totals.accumulated, totals.monthly = cost_sum, accumulated_sum, monthly_sum
    totals.book_value = cost_sum - accumulated_sum
    return totals


def depreciation(
    queryset: QuerySet, as_of: datetime.date | None = None, cannot_listed: int = 100
) -> DepreciationReport:
    """The assets on the books on ``as_of`` (default today), highest book value first.

    A fixed number of queries and memory whatever the estate: one for the totals, one for
    the first ``cannot_listed`` that cannot be depreciated, and one per page (or one streamed
    for a CSV) when the rows are read.
    """
    as_of = as_of or timezone.localdate()
    totals = depreciation_totals(queryset, as_of)
    rows = DepreciationRows(
        depreciable(queryset, as_of).select_related(*ROW_RELATED), as_of, totals.count
    )
    cannot = []
    if totals.cannot:
        cannot = list(
            on_the_books(queryset, as_of)
            .exclude(DEPRECIABLE)
            .select_related("category")
            .order_by("category__name", "tag")[:cannot_listed]
        )
    return DepreciationReport(as_of, rows, cannot, totals)


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
    # Only a wipe recorded since the asset was last retired counts (see Asset.current_wipes).
    if any(w.is_verified and w.counts_for(asset) for w in asset.wipes.all()):
        return VERIFIED
    return NO_VERIFIED_WIPE


def person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
