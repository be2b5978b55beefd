"""``manage.py seed_demo``: a believable demo organisation, its people and a few hundred assets.

Every asset is made and moved through ``assets.lifecycle`` (register, receive, deploy, transfer,
check in, maintenance, missing, found, retire, wipe, dispose, reinstate), so the demo's history is
the same kind of record real use writes, with a user, a reason, a move and a from/to state on
every row.

To spread that history over the past two years without a second code path, the whole run happens
under a *demo clock*: ``django.utils.timezone.now`` is patched to return a time this command sets
before each move. Everything that asks Django for "now" (simple-history's ``history_date``,
``auto_now`` fields, the lifecycle's own date checks) then sees the past moment being replayed.
``Asset.created_at`` keeps a reference to the original function as its default, so the clock
patches that field's default too.

After the assets, ``_demo_requests`` adds the requests and procurement stage the same way: budgets,
requests in every state, purchase orders in every state, and a new hire's onboarding, all through
``requests_app.services`` under the same clock.

Deterministic (a seeded ``random.Random``), idempotent (a second run finds the demo administrator
and stops), all or nothing (one transaction).
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from unittest import mock

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from assets import lifecycle
from assets.choices import AssetStatus, LocationKind
from assets.models import (
    Asset,
    AssetModel,
    Category,
    Department,
    Location,
    Manufacturer,
    Profile,
    Vendor,
)
from maintenance.models import MaintenanceRecord

from ._demo_audits import seed_audits
from ._demo_data import (
    AUDITOR,
    CATEGORIES,
    CHECK_IN_REASONS,
    DEFAULT_MAINTENANCE,
    DEPARTMENTS,
    DEPLOY_REASONS,
    IT_STAFF,
    MAINTENANCE_REASONS,
    MODELS,
    RETIRE_CATEGORIES,
    RETIRE_REASONS,
    SITES,
    STATUS_WEIGHTS,
    TRANSFER_REASONS,
    VENDORS,
    WEBSITES,
)
from ._demo_deployments import seed_deployments
from ._demo_loans import add_demo_loans
from ._demo_maintenance import seed_maintenance
from ._demo_requests import inbox_only, seed_requests

User = get_user_model()
S = AssetStatus
AUDIT_OUTCOME = "audits.apply_auditsession"

DEMO_PASSWORD = "itam-demo"
ADMIN_USERNAME = "admin"
ADMIN_EMAIL = "admin@demo.itam.example"
DEMO_EMPLOYEE = "sam.taylor"
NEW_HIRE = "jordan.lee"  # made by the requests stage: the onboarding example's new starter
SEED = 20240601
HISTORY_DAYS = 730
REPAIRERS = ["In-house", "Vendor depot repair", "FixIT Repairs Ltd"]


# --- the demo clock -------------------------------------------------------------------------


class DemoClock:
    """A settable "now": each call moves on by a millisecond so history rows keep their order."""

    def __init__(self, start: datetime.datetime) -> None:
        self.current = start

    def set(self, when: datetime.datetime) -> None:
        self.current = when

    def now(self) -> datetime.datetime:
        self.current += datetime.timedelta(milliseconds=1)
        return self.current

    @contextmanager
    def installed(self) -> Iterator[DemoClock]:
        """Patch Django's idea of "now" for the duration, and restore it afterwards."""
        created_at = Asset._meta.get_field("created_at")
        opened_at = MaintenanceRecord._meta.get_field("opened_at")
        with (
            mock.patch("django.utils.timezone.now", self.now),
            mock.patch.object(created_at, "_get_default", self.now),
            mock.patch.object(opened_at, "_get_default", self.now),
        ):
            yield self


# --- the organisation -----------------------------------------------------------------------


@dataclass
class Org:
    """What the stories need to pick from."""

    admin: User
    it_staff: list[User]
    auditor: User
    managers: dict[str, User]
    people: list[User]
    departments: dict[str, Department]
    rooms: dict[str, Location]
    sites: dict[str, Location]
    categories: dict[str, Category]
    models: dict[str, list[tuple[AssetModel, int]]]
    vendors: list[Vendor]
    logins: list[tuple[str, str, str]] = field(default_factory=list)


class Command(BaseCommand):
    help = (
        "Fill an empty database with a demo organisation: departments, sites, people in every "
        "role, a few hundred assets with two years of lifecycle history, and requests, budgets "
        "and purchase orders in every state. Safe to run twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--assets", type=int, default=300, help="How many assets to create (default 300)."
        )

    def handle(self, *args, **options) -> None:
        count = options["assets"]
        if count < len(STATUS_WEIGHTS):
            raise CommandError(f"--assets must be at least {len(STATUS_WEIGHTS)}.")
        if User.objects.filter(username=ADMIN_USERNAME, email=ADMIN_EMAIL).exists():
            self.stdout.write("The demo is already seeded: nothing to do.")
            self._print_logins(_logins_from_db())
            return
        if Asset.objects.exists() or User.objects.filter(username=ADMIN_USERNAME).exists():
            raise CommandError(
                "This database already has assets or an 'admin' user that are not the demo's. "
                "seed_demo fills an empty database only (use a fresh DATABASE_URL)."
            )
        started = time.monotonic()
        rng = random.Random(SEED)
        real_now = timezone.now()
        clock = DemoClock(real_now - datetime.timedelta(days=HISTORY_DAYS + 30))
        with transaction.atomic(), inbox_only():
            with clock.installed():
                org = build_organisation()
                made = seed_assets(org, rng, clock, count, real_now)
                requests = seed_requests(org, clock, real_now)
                seed_deployments(org, clock, real_now, DEMO_EMPLOYEE)
                org.logins.append(_login_line(User.objects.get(username=NEW_HIRE)))
            # Loaner bookings run from today onwards, on the real clock.
            loans = add_demo_loans(org.it_staff[0])
            upkeep = seed_maintenance(org.it_staff[0], org.it_staff[-1], rng)
            audits = seed_audits(User.objects.get(username="olivia.reed"))
        self._print_summary(made, time.monotonic() - started)
        self.stdout.write(
            f"Requests and procurement: {requests['requests']} requests, "
            f"{requests['orders']} purchase orders, budgets for this and last fiscal year; "
            f"{len(loans)} loaner bookings."
        )
        self.stdout.write(
            f"Maintenance and licences: {upkeep['licenses']} licences with {upkeep['seats']} "
            f"seats in use ({upkeep['leavers']} leaver still holding seats), {upkeep['plans']} "
            f"preventive plans, {upkeep['logged']} services logged."
        )
        self.stdout.write(
            f"Audits: {audits['audits']} ({audits['scans']} scans; one closed with findings to "
            "apply, one open)."
        )
        self._print_logins(org.logins)

    def _print_summary(self, made: list[Asset], seconds: float) -> None:
        by_status: dict[str, int] = {}
        for asset in made:
            by_status[asset.status] = by_status.get(asset.status, 0) + 1
        summary = ", ".join(f"{by_status.get(s, 0)} {S(s).label.lower()}" for s in S.values)
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded the demo: {len(made)} assets ({summary}) in {seconds:.1f} s."
            )
        )

    def _print_logins(self, logins: list[tuple[str, str, str]]) -> None:
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}; demo only):")
        width = max(len(username) for username, _, _ in logins)
        for username, role, note in logins:
            self.stdout.write(f"  {username:<{width}}  {role:<13} {note}")
        self.stdout.write(
            "Every other demo person can log in as first.last with the same password."
        )


def _logins_from_db() -> list[tuple[str, str, str]]:
    """The key logins of an existing demo, for a second run to print them again."""
    wanted = [
        "admin",
        "priya.shah",
        "tom.baker",
        "olivia.reed",
        "maria.garcia",
        "sam.taylor",
        NEW_HIRE,
    ]
    found = {u.username: u for u in User.objects.filter(username__in=wanted)}
    return [_login_line(found[name]) for name in wanted if name in found]


def _login_line(user: User) -> tuple[str, str, str]:
    role = (
        "administrator"
        if user.is_superuser
        else (user.groups.values_list("name", flat=True).first() or "")
    )
    department = getattr(getattr(user, "profile", None), "department", None)
    note = user.get_full_name() + (f", {department.name}" if department else "")
    return user.username, role, note


# --- building the organisation ----------------------------------------------------------------


def build_organisation() -> Org:
    """Departments, sites, people and the catalogue; returns what the asset stories draw on."""
    password = make_password(DEMO_PASSWORD)  # hash once: ~40 people would cost seconds each
    groups = {g.name: g for g in Group.objects.all()}

    def person(first: str, last: str, group: str | None, department: Department | None, title: str):
        user = User.objects.create(
            username=f"{first}.{last}".lower(),
            first_name=first,
            last_name=last,
            email=f"{first}.{last}@demo.itam.example".lower(),
            password=password,
        )
        if group:
            user.groups.add(groups[group])
        Profile.objects.create(
            user=user,
            department=department,
            job_title=title,
            employee_number=f"E{1000 + user.pk:05d}",
        )
        return user

    admin = User.objects.create(
        username=ADMIN_USERNAME,
        first_name="Alex",
        last_name="Admin",
        email=ADMIN_EMAIL,
        password=password,
        is_staff=True,
        is_superuser=True,
    )
    Profile.objects.create(user=admin, job_title="Systems administrator")

    departments: dict[str, Department] = {}
    managers: dict[str, User] = {}
    people: list[User] = []
    for name, cost_centre, (mfirst, mlast), staff in DEPARTMENTS:
        dept = Department.objects.create(name=name, slug=slugify(name), cost_centre=cost_centre)
        departments[name] = dept
        manager = person(mfirst, mlast, "Managers", dept, f"Head of {name}")
        dept.manager = manager
        dept._change_reason = "Manager appointed"
        dept.save()
        managers[name] = manager
        people.append(manager)
        for first, last in staff:
            people.append(person(first, last, "Employees", dept, f"{name} team member"))
    it_staff = [
        person(first, last, "IT staff", departments["IT"], "IT support engineer")
        for first, last in IT_STAFF
    ]
    people.extend(it_staff)
    auditor = person(*AUDITOR, "Auditors", departments["Finance"], "Internal auditor")

    sites: dict[str, Location] = {}
    rooms: dict[str, Location] = {}
    for site_name, address, children in SITES:
        site = Location.objects.create(name=site_name, kind=LocationKind.SITE, address=address)
        sites[site_name] = site
        for child_name, kind, room_names in children:
            child = Location.objects.create(name=child_name, kind=kind, parent=site)
            rooms[child_name] = child
            for room_name in room_names:
                rooms[room_name] = Location.objects.create(
                    name=room_name, kind=LocationKind.ROOM, parent=child
                )

    categories: dict[str, Category] = {}
    for name, kind, holds_data, interval, life, _weight in CATEGORIES:
        categories[name] = Category.objects.create(
            name=name,
            slug=slugify(name),
            kind=kind,
            holds_data=holds_data,
            audit_interval_days=interval,
            expected_life_months=life,
        )
    makers: dict[str, Manufacturer] = {}
    models: dict[str, list[tuple[AssetModel, int]]] = {}
    for category_name, entries in MODELS.items():
        for maker_name, model_name, number, cost in entries:
            if maker_name not in makers:
                makers[maker_name] = Manufacturer.objects.create(
                    name=maker_name, slug=slugify(maker_name), website=WEBSITES[maker_name]
                )
            model = AssetModel.objects.create(
                manufacturer=makers[maker_name],
                name=model_name,
                model_number=number,
                category=categories[category_name],
            )
            models.setdefault(category_name, []).append((model, cost))
    vendors = [
        Vendor.objects.create(name=name, email=email, phone=phone) for name, email, phone in VENDORS
    ]

    org = Org(
        admin=admin,
        it_staff=it_staff,
        auditor=auditor,
        managers=managers,
        people=people,
        departments=departments,
        rooms=rooms,
        sites=sites,
        categories=categories,
        models=models,
        vendors=vendors,
    )
    employee = User.objects.get(username=DEMO_EMPLOYEE)
    org.logins = [
        _login_line(u) for u in [admin, *it_staff, auditor, managers["Engineering"], employee]
    ]
    return org


# --- the asset stories ----------------------------------------------------------------------


@dataclass
class Story:
    """One asset's life: its registration fields and the moves that happen to it, in order."""

    category: str
    final: str
    fields: dict
    registered_at: datetime.datetime
    steps: list[tuple[datetime.datetime, Callable[[Asset], Asset]]] = field(default_factory=list)


def _business_time(rng: random.Random, day: datetime.datetime) -> datetime.datetime:
    """The same day (or the Friday before a weekend) at a working hour."""
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    minutes = rng.randrange(8 * 60 + 30, 17 * 60 + 30)
    return day.replace(hour=minutes // 60, minute=minutes % 60, second=rng.randrange(60))


def _serial(rng: random.Random, maker: str) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    length = {"Dell": 7, "Apple": 10, "Lenovo": 8}.get(maker, 12)
    prefix = {"Lenovo": "PF", "HP": "5CG", "Samsung": "R5C", "Seagate": "ZVT"}.get(maker, "")
    return prefix + "".join(rng.choice(alphabet) for _ in range(length - len(prefix)))


def seed_assets(
    org: Org, rng: random.Random, clock: DemoClock, count: int, real_now: datetime.datetime
) -> list[Asset]:
    """Plan every asset's story, then replay them in the order they were registered."""
    finals = [status for status, _ in STATUS_WEIGHTS]
    finals += rng.choices(
        finals, weights=[w for _, w in STATUS_WEIGHTS], k=count - len(STATUS_WEIGHTS)
    )
    category_names = [c[0] for c in CATEGORIES]
    weights = [c[5] for c in CATEGORIES]
    pinned = {"Laptops", "Mobile phones", "Monitors", "Headsets"}  # the demo employee's kit
    stories = []
    for final in finals:
        category = rng.choices(category_names, weights=weights)[0]
        if final in ("retired_wiped",) and not org.categories[category].holds_data:
            category = rng.choice(["Laptops", "Mobile phones", "Disk drives"])
        stories.append(_plan(org, rng, category, final, real_now, pinned))
    stories.sort(key=lambda s: s.registered_at)
    made = []
    it = org.it_staff[0]
    for story in stories:
        clock.set(story.registered_at)
        on_order = story.fields.pop("_on_order", False)
        asset = lifecycle.register(
            actor=it,
            on_order=on_order,
            reason=story.fields.pop("_reason"),
            **story.fields,
        )
        for when, step in story.steps:
            clock.set(when)
            asset = step(asset)
        made.append(asset)
    return made


def _plan(
    org: Org,
    rng: random.Random,
    category: str,
    final: str,
    real_now: datetime.datetime,
    pinned: set[str],
) -> Story:
    """Decide what happens to one asset and when; the moves run later, in time order."""
    model, typical_cost = rng.choice(org.models[category])
    holds_data = org.categories[category].holds_data
    it_a, it_b = org.it_staff
    auditor = org.auditor
    store = org.rooms["A-G05 IT store"]
    warehouse = org.rooms["Stock room"]
    stock_rooms = [store, warehouse, org.rooms["3.12 Comms cupboard"]]
    # The demo employee holds exactly their own kit, so their login shows a tidy "my assets".
    demo_employee = next(p for p in org.people if p.username == DEMO_EMPLOYEE)
    others = [p for p in org.people if p != demo_employee]

    if final == "on_order":
        registered = real_now - datetime.timedelta(days=rng.randint(2, 25))
    else:
        registered = real_now - datetime.timedelta(days=rng.randint(40, HISTORY_DAYS))
    registered = _business_time(rng, registered)
    received_via_order = final == "on_order" or rng.random() < 0.3
    purchase_date = registered.date() - datetime.timedelta(days=rng.randint(0, 10))
    cost = Decimal(typical_cost) * Decimal(rng.randint(92, 106)) / 100
    dept = rng.choice(list(org.departments.values()))
    fields = {
        "name": f"{model.manufacturer.name} {model.name}",
        "category": org.categories[category],
        "model": model,
        "serial_number": "" if received_via_order else _serial(rng, model.manufacturer.name),
        "location": rng.choice(stock_rooms),
        "department": dept,
        "vendor": rng.choice(org.vendors),
        "purchase_date": purchase_date,
        "purchase_cost": cost.quantize(Decimal("0.01")),
        "order_number": f"PO-{purchase_date.year}-{rng.randint(100, 999):04d}",
        "warranty_end": purchase_date + datetime.timedelta(days=365 * rng.choice([1, 3, 3, 5])),
        "_on_order": received_via_order,
        "_reason": rng.choice(
            ["Purchase order sent", "Ordered for the hardware refresh", "Ordered for new starters"]
        )
        if received_via_order
        else rng.choice(["Registered on delivery", "Delivered and tagged", "Registered"]),
    }
    if final != "on_order":
        # Audit dates: most due within the year, a few overdue for the reminders to find.
        fields["next_audit_date"] = real_now.date() + datetime.timedelta(days=rng.randint(-20, 330))
    story = Story(category=category, final=final, fields=fields, registered_at=registered)
    if final == "on_order":
        return story

    # Moves in order; times are spread between registration and a day ago, in working hours.
    moves: list[Callable[[Asset], Asset]] = []
    serial = _serial(rng, model.manufacturer.name)
    if received_via_order:
        moves.append(
            lambda a: lifecycle.receive(
                a, actor=it_b, serial_number=serial, location=rng.choice(stock_rooms),
                reason="Delivered against the purchase order",
            )
        )  # fmt: skip

    def holder(final_deploy: bool = False):
        if category in ("Servers", "Network equipment"):
            return rng.choice([org.rooms["A-B01 Server room"], org.rooms["3.12 Comms cupboard"]])
        if category == "Monitors" and rng.random() < 0.25:
            return rng.choice(
                [org.rooms[r] for r in ("A-201 Meeting room Thames", "3.05 Meeting room Irwell")]
            )
        if category in ("Laptops", "Tablets") and rng.random() < 0.08:
            return org.departments[rng.choice(["Sales", "People"])]  # a shared loaner pool
        if final_deploy and category in pinned:
            pinned.discard(category)
            return demo_employee
        return rng.choice(others)

    def deploy(final_deploy: bool = False):
        to = holder(final_deploy)
        loaner = isinstance(to, User) and category == "Laptops" and rng.random() < 0.1
        reason = "Loaner while their laptop is repaired" if loaner else rng.choice(DEPLOY_REASONS)

        def step(a: Asset) -> Asset:
            due = timezone.localdate() + datetime.timedelta(days=rng.randint(14, 45))
            return lifecycle.deploy(
                a, to=to, actor=rng.choice(org.it_staff), reason=reason,
                expected_return_date=due if loaner else None,
            )  # fmt: skip

        return step

    def transfer(a: Asset) -> Asset:
        choices = [p for p in others if p != a.assigned_user]
        if not a.assigned_user or a.assigned_user == demo_employee:
            return a  # rooms and pools stay where they are; so does the demo employee's kit
        return lifecycle.transfer(
            a, to=rng.choice(choices), actor=it_a, reason=rng.choice(TRANSFER_REASONS)
        )

    def check_in(a: Asset) -> Asset:
        return lifecycle.check_in(
            a, actor=rng.choice(org.it_staff), reason=rng.choice(CHECK_IN_REASONS),
            location=rng.choice(stock_rooms),
        )  # fmt: skip

    def start_maintenance(a: Asset) -> Asset:
        reason = rng.choice(MAINTENANCE_REASONS.get(category, DEFAULT_MAINTENANCE))
        title, _, detail = reason.partition(": ")
        kind = "upgrade" if "upgrade" in reason.lower() else "repair"
        return lifecycle.start_maintenance(
            a,
            actor=it_b,
            reason=reason,
            kind=kind,
            title=title,
            description=detail,
            supplier=rng.choice(REPAIRERS),
        )

    def complete_maintenance(a: Asset) -> Asset:
        under_warranty = bool(a.warranty_end and a.warranty_end >= timezone.localdate())
        cost = Decimal("0.00") if under_warranty else Decimal(rng.choice([45, 80, 120, 185, 240]))
        return lifecycle.complete_maintenance(
            a,
            actor=it_b,
            reason=rng.choice(["Repaired and tested", "Part replaced, tested OK"]),
            cost=cost,
        )

    def mark_missing(a: Asset) -> Asset:
        where = a.location.full_name if a.location else "London HQ"
        return lifecycle.mark_missing(
            a,
            actor=auditor,
            reason=f"Not seen in the {timezone.localdate():%B %Y} audit of {where}",
            permission=AUDIT_OUTCOME,  # auditors change assets only as an audit's outcome
        )

    def found(a: Asset) -> Asset:
        return lifecycle.mark_found(
            a, actor=rng.choice([auditor, it_a]), location=store,
            reason=rng.choice(["Found in a meeting room cupboard", "Handed in at reception"]),
            permission=AUDIT_OUTCOME,
        )  # fmt: skip

    def retire(a: Asset) -> Asset:
        reason = (
            "Lost: written off after the search"
            if a.status == S.MISSING
            else rng.choice(RETIRE_REASONS)
        )
        return lifecycle.retire(
            a, actor=it_a, reason=reason, retirement_reason=RETIRE_CATEGORIES[reason]
        )

    def wipe(verified: bool) -> Callable[[Asset], Asset]:
        method = rng.choice(["clear", "purge", "purge", "destroy"])

        def step(a: Asset) -> Asset:
            lifecycle.wipe(
                a, actor=it_a, method=method, performed_by=it_a,
                verified_by=it_b if verified else None,
                tool={"clear": "Vendor factory reset", "purge": "Blancco Drive Eraser",
                      "destroy": "Shredder (disposal partner)"}[method],
                certificate_reference=f"WIPE-{a.tag}" if verified else "",
                reason="Sanitised before disposal" if verified else "Wiped, awaiting verification",
            )  # fmt: skip
            return Asset.objects.get(pk=a.pk)

        return step

    def dispose(a: Asset) -> Asset:
        method = rng.choice(["recycle", "recycle", "donate", "sell"])
        recipient = {
            "recycle": "GreenCycle WEEE Ltd",
            "donate": "Reading Community Computers",
            "sell": "Staff sale",
        }[method]
        return lifecycle.dispose(
            a, actor=it_a, method=method, recipient=recipient,
            proceeds=Decimal(rng.randint(20, 150)) if method == "sell" else 0,
            certificate_reference=f"DISP-{rng.randint(10000, 99999)}",
            reason="Collected from the disposal bay",
        )  # fmt: skip

    def reinstate(a: Asset) -> Asset:
        return lifecycle.reinstate(
            a, actor=it_a, location=store, reason="Needed again: spare for new starters"
        )

    # Earlier life: some deploy/check-in cycles and a repair or a lost-and-found.
    earlier = rng.choice([0, 0, 1, 1, 2])
    for _ in range(earlier):
        moves.append(deploy())
        if rng.random() < 0.3:
            moves.append(transfer)
        if rng.random() < 0.2:
            moves += [start_maintenance, complete_maintenance]
        moves.append(check_in)
    if rng.random() < 0.08:
        moves += [mark_missing, found]

    if final == "in_stock":
        if rng.random() < 0.15:
            moves += [start_maintenance, complete_maintenance]
        if rng.random() < 0.1:
            moves += [retire, reinstate]
    elif final == "deployed":
        moves.append(deploy(final_deploy=True))
        if rng.random() < 0.15:
            moves.append(transfer)
        if rng.random() < 0.12:
            moves += [start_maintenance, complete_maintenance]
    elif final == "in_maintenance":
        if rng.random() < 0.6:
            moves.append(deploy())
        moves.append(start_maintenance)
    elif final == "missing":
        if rng.random() < 0.5:
            moves.append(deploy())
        moves.append(mark_missing)
    else:  # retired, retired_wiped, disposed
        if final == "retired" and rng.random() < 0.25:
            moves.append(mark_missing)  # lost, searched for, then written off
        elif rng.random() < 0.2:
            moves.append(start_maintenance)
        moves.append(retire)
        if final == "retired" and holds_data and rng.random() < 0.3:
            moves.append(wipe(verified=False))
        if final in ("retired_wiped", "disposed") and holds_data:
            moves.append(wipe(verified=True))
        if final == "disposed":
            moves.append(dispose)

    # Spread the moves over the asset's life: registration to (at least) a day ago.
    end = real_now - datetime.timedelta(days=1)
    span = (end - registered).total_seconds()
    offsets = sorted(rng.uniform(0.02, 1.0) for _ in moves)
    times = sorted(
        max(_business_time(rng, registered + datetime.timedelta(seconds=span * o)), registered)
        for o in offsets
    )
    previous = registered
    for when, move in zip(times, moves, strict=True):
        when = max(when, previous + datetime.timedelta(minutes=rng.randint(5, 90)))
        story.steps.append((when, move))
        previous = when
    return story
