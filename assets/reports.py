"""The queries behind the places pages and the usage reports, one plain function each.

The web pages, their CSV exports and the API all call these, so a number on a page, in a file
and in JSON is the same number. Every function takes an already-scoped asset queryset
(``visible_assets``) or the person, and runs a fixed number of queries whatever the row count.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from .choices import AssetStatus
from .forms import LocationChoiceField
from .models import Asset, Category, Department, Location, Profile
from .visibility import sees_all_assets, visible_assets

# Everything a listed row shows, in the list's one query.
ROW_RELATED = (
    "category",
    "model__manufacturer",
    "location__parent__parent__parent",
    "department",
    "assigned_user",
    "assigned_location__parent__parent__parent",
    "assigned_department",
)
ZERO = Decimal("0.00")
HOLDER_STATUSES = (AssetStatus.DEPLOYED, AssetStatus.IN_MAINTENANCE, AssetStatus.MISSING)
# What a place or a department has now: everything but the disposed, which are gone.
CURRENT_STATUSES = tuple(s for s in AssetStatus if s != AssetStatus.DISPOSED)


# --- who may see what -------------------------------------------------------------------------


def managed_department_ids(user) -> list[int]:
    return list(Department.objects.filter(manager=user).values_list("pk", flat=True))


def report_departments(user) -> list[int] | None:
    """The departments whose figures a person may read: None for all, [] for none."""
    if not user.is_authenticated:
        return []
    if sees_all_assets(user):
        return None
    return managed_department_ids(user)


def can_see_department(user, department: Department) -> bool:
    """IT staff and auditors see every department; a manager sees the ones they manage."""
    allowed = report_departments(user)
    return allowed is None or department.pk in allowed


# --- the filters every report takes -----------------------------------------------------------


class ReportFilterForm(forms.Form):
    """category (slug), department (slug) and location (id, with everything inside it)."""

    category = forms.ModelChoiceField(
        queryset=Category.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="Any category",
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="Any department",
        help_text="Owned by it, held by it, or held by its people.",
    )
    location = LocationChoiceField(
        empty_label="Anywhere", help_text="Includes everything inside it."
    )

    def __init__(self, *args, user=None, **kwargs) -> None:
        """With ``user``, only the departments that person may read are choices (no probing)."""
        super().__init__(*args, **kwargs)
        self.fields["location"].label_from_instance = lambda obj: obj.full_name
        allowed = report_departments(user) if user is not None else None
        if allowed is not None:
            self.fields["department"].queryset = Department.objects.filter(pk__in=allowed)


class IdleFilterForm(ReportFilterForm):
    days = forms.IntegerField(
        min_value=0,
        max_value=36500,
        required=False,
        initial=90,
        label="Idle for more than (days)",
    )

    def clean_days(self) -> int:
        days = self.cleaned_data.get("days")
        return 90 if days is None else days


def filter_assets(
    queryset: QuerySet,
    *,
    category: Category | None = None,
    department: Department | None = None,
    location: Location | None = None,
) -> QuerySet:
    """The register's meaning of each filter, so a report and the register agree."""
    if category is not None:
        queryset = queryset.filter(category=category)
    if department is not None:
        queryset = queryset.filter(
            Q(department=department)
            | Q(assigned_department=department)
            | Q(assigned_user__profile__department=department)
        )
    if location is not None:
        queryset = queryset.filter(location_id__in=location.descendant_ids())
    return queryset


def filter_kwargs(form: ReportFilterForm) -> dict:
    """The cleaned filters of a valid form, as ``filter_assets`` keywords."""
    data = form.cleaned_data
    return {name: data.get(name) for name in ("category", "department", "location")}


# --- usage reports ----------------------------------------------------------------------------


def _history():
    return Asset.history.model.objects


def idle_in_stock(queryset: QuerySet, *, days: int, now: datetime.datetime | None = None):
    """In stock for more than ``days`` days, oldest first, each with ``in_stock_since``.

    "Since" is the last history row that moved the asset into stock (its previous status was
    not in stock; registration counts), found by a correlated subquery, not a query per row.
    """
    now = now or timezone.now()
    moved_in = (
        _history()
        .filter(id=OuterRef("pk"), status=AssetStatus.IN_STOCK)
        .exclude(history_from_status=AssetStatus.IN_STOCK)
        .order_by("-history_date", "-history_id")
        .values("history_date")[:1]
    )
    return (
        queryset.filter(status=AssetStatus.IN_STOCK)
        .annotate(in_stock_since=Subquery(moved_in))
        .filter(in_stock_since__lt=now - datetime.timedelta(days=days))
        .select_related(*ROW_RELATED)
        .order_by("in_stock_since", "tag")
    )


def loaners_overdue(queryset: QuerySet, *, today: datetime.date | None = None) -> QuerySet:
    """Deployed with an expected return date before today, the longest overdue first."""
    today = today or timezone.localdate()
    return (
        queryset.filter(status=AssetStatus.DEPLOYED, expected_return_date__lt=today)
        .select_related(*ROW_RELATED)
        .order_by("expected_return_date", "tag")
    )


def ghost_assets(queryset: QuerySet) -> QuerySet:
    """Still held by a person whose account is deactivated (a leaver nobody collected from)."""
    return (
        queryset.filter(assigned_user__isnull=False, assigned_user__is_active=False)
        .select_related(*ROW_RELATED)
        .order_by("assigned_user__username", "tag")
    )


@dataclass
class DepartmentHoldings:
    """One department's line: what it owns by status and cost, and what it and its people hold."""

    department: Department | None
    by_status: dict[str, int] = field(default_factory=dict)
    owned: int = 0
    owned_cost: Decimal = ZERO
    held: int = 0
    held_cost: Decimal = ZERO

    @property
    def name(self) -> str:
        return self.department.name if self.department else "No department"

    @property
    def slug(self) -> str:
        return self.department.slug if self.department else ""

    def status_counts(self) -> list[tuple[str, str, int]]:
        """(value, label, count) for every status, in lifecycle order, for tables and CSV."""
        return [(s.value, s.label, self.by_status.get(s.value, 0)) for s in CURRENT_STATUSES]


def by_department(
    queryset: QuerySet, *, departments: list[int] | None = None
) -> list[DepartmentHoldings]:
    """Holdings and cost per department in two grouped queries (owned, then held).

    Owned: the asset's owning department, counted by status with its purchase cost. Held:
    deployed to the department or to one of its people (whoever owns it). Disposed assets
    are no longer held by anyone and are left out. ``departments`` limits the lines (a
    manager's own); None shows every department and the unowned.
    """
    queryset = current(queryset)
    status_counts = {
        f"n_{s.value}": Count("pk", filter=Q(status=s.value)) for s in CURRENT_STATUSES
    }
    owned_rows = (
        queryset.order_by()
        .values("department_id")
        .annotate(total=Count("pk"), cost=Coalesce(Sum("purchase_cost"), ZERO), **status_counts)
    )
    held_rows = (
        queryset.filter(status__in=HOLDER_STATUSES)
        .annotate(
            holder_department=Coalesce(
                "assigned_department_id", "assigned_user__profile__department_id"
            )
        )
        .filter(holder_department__isnull=False)
        .order_by()
        .values("holder_department")
        .annotate(total=Count("pk"), cost=Coalesce(Sum("purchase_cost"), ZERO))
    )
    if departments is not None:
        owned_rows = owned_rows.filter(department_id__in=departments)
        held_rows = held_rows.filter(holder_department__in=departments)
    lines: dict[int | None, DepartmentHoldings] = {}
    known = Department.objects.order_by("name")
    if departments is not None:
        known = known.filter(pk__in=departments)
    for department in known:
        lines[department.pk] = DepartmentHoldings(department)
    for row in owned_rows:
        line = lines.setdefault(row["department_id"], DepartmentHoldings(None))
        line.owned, line.owned_cost = row["total"], row["cost"]
        line.by_status = {s.value: row[f"n_{s.value}"] for s in CURRENT_STATUSES}
    for row in held_rows:
        line = lines.get(row["holder_department"])
        if line is not None:
            line.held, line.held_cost = row["total"], row["cost"]
    result = [line for key, line in lines.items() if key is not None]
    if None in lines:
        result.append(lines[None])
    return result


# --- utilisation: the share of an asset's life spent deployed --------------------------------


@dataclass
class Utilisation:
    asset: Asset
    registered_at: datetime.datetime | None
    life: datetime.timedelta
    deployed: datetime.timedelta

    @property
    def share(self) -> float | None:
        """Deployed time over life, 0..1; None before any time has passed."""
        seconds = self.life.total_seconds()
        return None if seconds <= 0 else min(1.0, self.deployed.total_seconds() / seconds)

    @property
    def percent(self) -> float | None:
        share = self.share
        return None if share is None else round(share * 100, 1)

    @property
    def deployed_days(self) -> float:
        return round(self.deployed.total_seconds() / 86400, 1)

    @property
    def life_days(self) -> float:
        return round(self.life.total_seconds() / 86400, 1)


def deployed_time(
    rows: Iterable[tuple[datetime.datetime, str]], now: datetime.datetime
) -> tuple[datetime.datetime | None, datetime.timedelta, datetime.timedelta]:
    """(registered at, life, time deployed) from one asset's (date, status) rows in order.

    Each row's status holds until the next row; the last holds until now, unless the asset was
    disposed, which ends its life.
    """
    first = previous_at = previous_status = None
    deployed = datetime.timedelta(0)
    for at, status in rows:
        if first is None:
            first = at
        elif previous_status == AssetStatus.DEPLOYED:
            deployed += at - previous_at
        previous_at, previous_status = at, status
    if first is None:
        return None, datetime.timedelta(0), deployed
    end = previous_at if previous_status == AssetStatus.DISPOSED else max(now, previous_at)
    if previous_status == AssetStatus.DEPLOYED:
        deployed += end - previous_at
    return first, end - first, deployed


def utilisation_candidates(queryset: QuerySet) -> QuerySet:
    """Assets that have a life to measure: everything received (not still on order)."""
    return (
        queryset.exclude(status=AssetStatus.ON_ORDER).select_related(*ROW_RELATED).order_by("tag")
    )


def _history_rows(asset_ids) -> QuerySet:
    return (
        _history()
        .filter(id__in=asset_ids)
        .exclude(history_type="-")
        .order_by("id", "history_date", "history_id")
        .values_list("id", "history_date", "status")
    )


def utilisation(assets: Iterable[Asset], *, now: datetime.datetime | None = None):
    """Utilisation of a page of assets: one query over their history rows, in asset order."""
    now = now or timezone.now()
    assets = list(assets)
    by_asset: dict[int, list[tuple[datetime.datetime, str]]] = defaultdict(list)
    for asset_id, at, status in _history_rows([a.pk for a in assets]):
        by_asset[asset_id].append((at, status))
    result = []
    for asset in assets:
        registered, life, deployed = deployed_time(by_asset.get(asset.pk, []), now)
        result.append(Utilisation(asset, registered, life, deployed))
    return result


def utilisation_stream(
    queryset: QuerySet, *, now: datetime.datetime | None = None, chunk_size: int = 2000
) -> Iterator[Utilisation]:
    """Utilisation of a whole filtered set, for the CSV: two streamed queries merged by id.

    Both sides are ordered by asset id, so memory stays at one asset's history.
    """
    now = now or timezone.now()
    assets = utilisation_candidates(queryset).order_by("pk")
    history = _history_rows(assets.values("pk")).iterator(chunk_size=chunk_size)
    pending = next(history, None)
    for asset in assets.iterator(chunk_size=chunk_size):
        rows = []
        while pending is not None and pending[0] < asset.pk:
            pending = next(history, None)
        while pending is not None and pending[0] == asset.pk:
            rows.append((pending[1], pending[2]))
            pending = next(history, None)
        registered, life, deployed = deployed_time(rows, now)
        yield Utilisation(asset, registered, life, deployed)


# --- places: the location tree and a location's or department's holdings ---------------------


@dataclass
class PlaceNode:
    """A location with what is there (physically, or deployed to it) across its subtree."""

    location: Location
    depth: int = 0
    count: int = 0
    cost: Decimal = ZERO
    children: list[PlaceNode] = field(default_factory=list)


def _rollup(
    queryset: QuerySet, parents: dict[int, int | None], within: set[int] | None = None
) -> tuple[dict[int, int], dict[int, Decimal]]:
    """Asset counts and cost per location over its subtree, one grouped query.

    An asset counts at its physical location and at the location holding it, and at every
    ancestor of either, once per location even when both lie in the same subtree.
    """
    rows = queryset.filter(Q(location__isnull=False) | Q(assigned_location__isnull=False))
    if within is not None:
        rows = rows.filter(Q(location_id__in=within) | Q(assigned_location_id__in=within))
    grouped = (
        rows.order_by()
        .values("location_id", "assigned_location_id")
        .annotate(n=Count("pk"), cost=Coalesce(Sum("purchase_cost"), ZERO))
    )
    counts: dict[int, int] = defaultdict(int)
    costs: dict[int, Decimal] = defaultdict(lambda: ZERO)
    ancestors_cache: dict[int, set[int]] = {}

    def ancestors(pk: int | None) -> set[int]:
        if pk is None:
            return set()
        if pk not in ancestors_cache:
            chain, node = set(), pk
            while node is not None and node not in chain:
                chain.add(node)
                node = parents.get(node)
            ancestors_cache[pk] = chain
        return ancestors_cache[pk]

    for row in grouped:
        for pk in ancestors(row["location_id"]) | ancestors(row["assigned_location_id"]):
            counts[pk] += row["n"]
            costs[pk] += row["cost"]
    return counts, costs


def location_tree(queryset: QuerySet) -> list[PlaceNode]:
    """Every location, depth first (sites > buildings > rooms), with subtree counts and cost.

    Two queries: the locations, and the grouped asset counts.
    """
    locations = list(Location.objects.order_by("name"))
    parents = {loc.pk: loc.parent_id for loc in locations}
    counts, costs = _rollup(queryset, parents)
    nodes = {loc.pk: PlaceNode(loc, count=counts[loc.pk], cost=costs[loc.pk]) for loc in locations}
    roots = []
    for loc in locations:
        parent = nodes.get(loc.parent_id) if loc.parent_id else None
        (parent.children if parent else roots).append(nodes[loc.pk])
    return roots


def flatten(nodes: list[PlaceNode], depth: int = 0) -> list[PlaceNode]:
    """The tree as rows in reading order, each with its depth (for an indented table)."""
    rows = []
    for node in nodes:
        node.depth = depth
        rows.append(node)
        rows.extend(flatten(node.children, depth + 1))
    return rows


def current(queryset: QuerySet) -> QuerySet:
    """What is still in the organisation: disposed assets are gone from every place."""
    return queryset.exclude(status=AssetStatus.DISPOSED)


def assets_at(queryset: QuerySet, subtree: list[int]) -> QuerySet:
    """Physically anywhere in the subtree, or deployed to a location in it."""
    return queryset.filter(Q(location_id__in=subtree) | Q(assigned_location_id__in=subtree))


def department_assets(queryset: QuerySet, department: Department) -> QuerySet:
    """Owned by the department, held by it, or held by one of its people."""
    return filter_assets(queryset, department=department)


@dataclass
class Summary:
    """Counts and cost of a set of assets, by status and by category."""

    total: int = 0
    cost: Decimal = ZERO
    by_status: list[tuple[str, str, int]] = field(default_factory=list)
    by_category: list[dict] = field(default_factory=list)

    def status_dict(self) -> dict[str, int]:
        return {value: count for value, _, count in self.by_status}


def summarise(queryset: QuerySet) -> Summary:
    """Totals by status (with cost) and by category: two grouped queries."""
    summary = Summary()
    counts = {}
    for row in (
        queryset.order_by()
        .values("status")
        .annotate(n=Count("pk"), cost=Coalesce(Sum("purchase_cost"), ZERO))
    ):
        counts[row["status"]] = row["n"]
        summary.total += row["n"]
        summary.cost += row["cost"]
    summary.by_status = [(s.value, s.label, counts[s.value]) for s in AssetStatus if s in counts]
    summary.by_category = [
        {"slug": row["category__slug"], "name": row["category__name"], **row}
        for row in queryset.order_by()
        .values("category__slug", "category__name")
        .annotate(count=Count("pk"), cost=Coalesce(Sum("purchase_cost"), ZERO))
        .order_by("-count", "category__name")
    ]
    return summary


@dataclass
class LocationSummary:
    location: Location
    summary: Summary
    children: list[PlaceNode]
    subtree: list[int]


def location_summary(queryset: QuerySet, location: Location) -> LocationSummary:
    """A location's holdings over its subtree, and each direct sub-location's counts."""
    subtree = location.descendant_ids()
    inside = assets_at(queryset, subtree)
    parents = dict(Location.objects.filter(pk__in=subtree).values_list("pk", "parent_id"))
    counts, costs = _rollup(queryset, parents, within=set(subtree))
    children = [
        PlaceNode(child, count=counts[child.pk], cost=costs[child.pk])
        for child in Location.objects.filter(parent=location).order_by("name")
    ]
    return LocationSummary(location, summarise(inside), children, subtree)


@dataclass
class MemberHoldings:
    profile: Profile
    count: int
    cost: Decimal

    @property
    def user(self):
        return self.profile.user


@dataclass
class DepartmentSummary:
    department: Department
    summary: Summary
    owned: int
    held_by_department: int
    held_by_members: int
    members: list[MemberHoldings]


def department_summary(queryset: QuerySet, department: Department) -> DepartmentSummary:
    """What a department owns and holds, with each member's count: four queries."""
    assets = department_assets(queryset, department)
    split = assets.aggregate(
        owned=Count("pk", filter=Q(department=department)),
        held_by_department=Count("pk", filter=Q(assigned_department=department)),
        held_by_members=Count("pk", filter=Q(assigned_user__profile__department=department)),
    )
    held = {
        row["assigned_user_id"]: (row["n"], row["cost"])
        for row in queryset.filter(assigned_user__profile__department=department)
        .order_by()
        .values("assigned_user_id")
        .annotate(n=Count("pk"), cost=Coalesce(Sum("purchase_cost"), ZERO))
    }
    members = [
        MemberHoldings(profile, *held.get(profile.user_id, (0, ZERO)))
        for profile in Profile.objects.filter(department=department)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    ]
    return DepartmentSummary(
        department,
        summarise(assets),
        split["owned"],
        split["held_by_department"],
        split["held_by_members"],
        members,
    )


def scoped(user) -> QuerySet:
    """Every asset the person may see (the one scoping rule)."""
    return visible_assets(user, Asset.objects.all())


def scoped_current(user) -> QuerySet:
    """What the person may see that has not been disposed of: the places pages' assets."""
    return current(scoped(user))
