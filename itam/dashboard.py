"""The dashboard's figures as plain functions, each a fixed number of SQL queries.

Who sees what: everyone their own assets and requests; IT staff and auditors the whole estate;
a manager the estate as ``assets.visibility.visible_assets`` scopes it and the spend of the
departments they manage (never another department's). Every function here aggregates in the
database (``values().annotate()``), so the page costs the same queries for 5 assets or 500,000.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum, Window
from django.urls import reverse
from django.utils.http import urlencode

from assets.choices import ACTIVE_STATUSES, STATUS_COLOURS, AssetStatus
from audits import services as audit_services
from audits.choices import AuditStatus
from audits.models import AuditSession
from maintenance.licenses import visible_licenses
from maintenance.models import SoftwareLicense
from requests_app.budgets import fiscal_year_label, fiscal_year_of, spent_assets
from requests_app.templatetags.request_tags import money

from .charts import OTHER_COLOUR, PALETTE, Bar, Chart, bar_chart, donut_chart

TOP = 10  # bars per chart before the rest become "Other"
SOON = 5  # licences and warranties listed by name
LICENSE_DAYS = 60
# Statuses the category and location charts count: everything not yet disposed of.
ON_HAND = [s for s in AssetStatus if s != AssetStatus.DISPOSED]
GONE = (AssetStatus.RETIRED, AssetStatus.DISPOSED)


def register_url(**params: object) -> str:
    return f"{reverse('assets:list')}?{urlencode(params, doseq=True)}"


def warranty_days() -> int:
    return settings.ITAM_WARRANTY_REMINDER_DAYS


@dataclass
class Soon:
    """A count and the first few, for 'ending soon' lists."""

    count: int
    first: list
    url: str
    days: int


# --- counts -----------------------------------------------------------------------------------


def status_counts(scope: QuerySet) -> dict[str, int]:
    """Assets per status (one query)."""
    return dict(scope.order_by().values_list("status").annotate(n=Count("pk")))


def attention_counts(scope: QuerySet, today: datetime.date) -> dict[str, int]:
    """Audits overdue, loaners late and warranties ending, in one aggregate."""
    return scope.aggregate(
        audits_due=Count("pk", filter=Q(status__in=ACTIVE_STATUSES, next_audit_date__lt=today)),
        loans_late=Count(
            "pk", filter=Q(status=AssetStatus.DEPLOYED, expected_return_date__lt=today)
        ),
        warranties_ending=Count(
            "pk",
            filter=Q(warranty_end__range=(today, today + datetime.timedelta(days=warranty_days())))
            & ~Q(status__in=GONE),
        ),
    )


def status_chart(counts: dict[str, int]) -> Chart:
    bars = [
        Bar(
            label=str(status.label),
            value=counts.get(status.value, 0),
            display=f"{counts.get(status.value, 0):,}",
            url=register_url(status=status.value),
            colour=PALETTE[STATUS_COLOURS[status]],
        )
        for status in AssetStatus
    ]
    return donut_chart("Assets by status", bars)


def _top_bars(rows: list[dict], on_hand: int, label, url) -> list[Bar]:
    """The top rows as bars, and what the rest add up to as one grey "Other" bar."""
    bars = [Bar(label(row), row["n"], f"{row['n']:,}", url(row)) for row in rows]
    rest = on_hand - sum(row["n"] for row in rows)
    if rest > 0:
        bars.append(Bar("Other", rest, f"{rest:,}", colour=OTHER_COLOUR))
    return bars


def category_chart(scope: QuerySet, on_hand: int) -> Chart:
    """The ten biggest categories (one query), each linking to the register filtered by it."""
    rows = list(
        scope.filter(status__in=ON_HAND)
        .order_by()
        .values("category_id", "category__name", "category__slug")
        .annotate(n=Count("pk"))
        .order_by("-n", "category__name")[:TOP]
    )
    bars = _top_bars(
        rows,
        on_hand,
        lambda row: row["category__name"],
        lambda row: register_url(category=row["category__slug"], status=ON_HAND),
    )
    return bar_chart("Assets by category", bars)


def location_chart(scope: QuerySet, on_hand: int) -> Chart:
    """The ten places holding most assets (one query). A place is named with its parent
    ("Building A › Room 101"); assets with no location recorded are one bar without a link."""
    rows = list(
        scope.filter(status__in=ON_HAND)
        .order_by()
        .values("location_id", "location__name", "location__parent__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "location__name")[:TOP]
    )

    def label(row: dict) -> str:
        if row["location_id"] is None:
            return "No location recorded"
        parent = row["location__parent__name"]
        return f"{parent} › {row['location__name']}" if parent else row["location__name"]

    def url(row: dict) -> str:
        if row["location_id"] is None:
            return ""
        return register_url(location=row["location_id"], status=ON_HAND)

    return bar_chart("Assets by location", _top_bars(rows, on_hand, label, url))


# --- ending soon ------------------------------------------------------------------------------


def licences_ending(user, today: datetime.date) -> Soon:
    """Licences this person may see that end within 60 days, soonest first (two queries)."""
    ending = visible_licenses(
        user, SoftwareLicense.objects.filter(expires_on__range=(today, today + _days(LICENSE_DAYS)))
    )
    # The total rides along as a window over the whole filtered set: one query, not two.
    first = list(
        ending.annotate(total=Window(Count("pk"))).order_by("expires_on", "product", "pk")[:SOON]
    )
    for licence in first:
        licence.days_left = (licence.expires_on - today).days
    total = first[0].total if first else 0
    url = f"{reverse('maintenance:licenses')}?{urlencode({'expiring': LICENSE_DAYS})}"
    return Soon(count=total, first=first, url=url, days=LICENSE_DAYS)


def warranties_ending(scope: QuerySet, today: datetime.date, count: int) -> Soon:
    """The first few warranties ending within the reminder window (one query; the count comes
    from ``attention_counts``)."""
    days = warranty_days()
    first = list(
        scope.exclude(status__in=GONE)
        .filter(warranty_end__range=(today, today + _days(days)))
        .select_related("category")
        .order_by("warranty_end", "tag")[:SOON]
    )
    for asset in first:
        asset.days_left = (asset.warranty_end - today).days
    return Soon(count=count, first=first, url=reverse("maintenance:warranties"), days=days)


def open_audits_overdue(user, today: datetime.date) -> int | None:
    """Open audits past their due date, for those who may see audits (else None: not shown)."""
    if not user.has_perm(audit_services.VIEW):
        return None
    return AuditSession.objects.filter(status=AuditStatus.OPEN, due_date__lt=today).count()


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


# --- spend ------------------------------------------------------------------------------------


@dataclass
class Spend:
    chart: Chart
    total: Decimal
    label: str
    currency: str


def spend_by_department(
    user, *, sees_all: bool, managed: list[tuple[int, str]], today: datetime.date
) -> Spend | None:
    """This fiscal year's spend per department (one query), by the budgets' rule
    (``requests_app.budgets.spent_for``: purchase cost of the department's assets bought in the
    year, not counting those still on order). Whole-estate readers see every department (and
    what was bought for none); a manager only their own, even at zero; others nothing."""
    if not sees_all and not managed:
        return None
    fiscal_year = fiscal_year_of(today)
    bought = spent_assets(fiscal_year)
    if not sees_all:
        bought = bought.filter(department_id__in=[pk for pk, _ in managed])
    rows = list(
        bought.order_by()
        .values("department_id", "department__name")
        .annotate(total=Sum("purchase_cost"))
        .order_by("-total", "department__name")
    )
    if not sees_all:
        seen = {row["department_id"] for row in rows}
        rows += [
            {"department_id": pk, "department__name": name, "total": Decimal("0.00")}
            for pk, name in managed
            if pk not in seen
        ]
    currency = settings.ITAM_CURRENCY
    bars = [
        Bar(
            label=row["department__name"] or "No department",
            value=row["total"],
            display=money(row["total"], currency),
            colour="#2e8a4f",
        )
        for row in rows
    ]
    title = f"Spend by department, {fiscal_year_label(fiscal_year)}"
    return Spend(
        chart=bar_chart(title, bars, value_heading=f"Spent ({currency})"),
        total=sum((row["total"] for row in rows), Decimal("0.00")),
        label=fiscal_year_label(fiscal_year),
        currency=currency,
    )


# --- the whole estate section -----------------------------------------------------------------


def estate(user, scope: QuerySet, *, sees_all: bool, managed: list, today: datetime.date) -> dict:
    """Everything the estate part of the dashboard shows, for someone who oversees assets."""
    counts = status_counts(scope)
    attention = attention_counts(scope, today)
    on_hand = sum(n for status, n in counts.items() if status != AssetStatus.DISPOSED)
    return {
        "status_cards": [
            {
                "value": status.value,
                "label": status.label,
                "count": counts.get(status.value, 0),
                "url": register_url(status=status.value),
            }
            for status in AssetStatus
        ],
        "total": sum(counts.values()),
        "on_hand": on_hand,
        "missing": counts.get(AssetStatus.MISSING, 0),
        "missing_url": register_url(status=AssetStatus.MISSING),
        "attention": attention,
        "audits_url": register_url(
            status=[s.value for s in ACTIVE_STATUSES], audit="overdue", ordering="next_audit_date"
        ),
        "open_audits_overdue": open_audits_overdue(user, today),
        "status_chart": status_chart(counts),
        "category_chart": category_chart(scope, on_hand),
        "location_chart": location_chart(scope, on_hand),
        "licences": licences_ending(user, today),
        "warranties": warranties_ending(scope, today, attention["warranties_ending"]),
        "spend": spend_by_department(user, sees_all=sees_all, managed=managed, today=today),
    }
