"""Builds the benchmark's data set fast, with bulk inserts, on a migrated database.

``python -m bench.build --assets 100000 --history 1000000`` (``make bench`` runs it). Sizes are
parameters so the smoke test can build a tiny, consistent copy. On PostgreSQL the history rows
are made by one ``INSERT ... SELECT generate_series`` (about 1,000,000 rows in seconds); on other
databases by ``bulk_create`` in batches. Every row respects the models' constraints: a deployed
asset has exactly one holder and one open assignment, other assets none.
"""

import argparse
import datetime
import os
import random
import sys
import time
from dataclasses import dataclass
from decimal import Decimal

BATCH = 5000

CATEGORIES = [
    # name, holds data, audit interval (days), models per maker
    ("Laptops", True, 365),
    ("Desktops", True, 365),
    ("Monitors", False, 730),
    ("Phones", True, 365),
    ("Tablets", True, 365),
    ("Docking stations", False, 730),
    ("Printers", False, 365),
    ("Servers", True, 180),
]
MAKERS = ["Dell", "HP", "Lenovo", "Apple", "Samsung", "Cisco"]
PRODUCTS = ["Office", "Acrobat", "Visio", "Photoshop", "AutoCAD", "Slack", "Zoom", "Jira"]
# Share of assets per status (deployed ones go to a person).
STATUS_WEIGHTS = [
    ("deployed", 55),
    ("in_stock", 28),
    ("in_maintenance", 5),
    ("missing", 2),
    ("retired", 7),
    ("disposed", 3),
]
ACTIONS = ["deploy", "check_in", "relocate", "edit", "transfer", "start_maintenance"]


@dataclass
class Sizes:
    assets: int = 100_000
    history: int = 1_000_000
    people: int = 2_000
    licenses: int = 10_000
    long_history: int = 500  # the one asset with exactly this many history entries
    audits: int = 3


@dataclass
class Built:
    """What the client needs: the people who log in, the long asset, the open audits."""

    it_username: str
    auditor_username: str
    password: str
    long_tag: str
    audit_ids: list[int]
    audit_location_ids: list[int]
    scan_tags: list[str]  # assets in the first audit's building, to scan
    token: str
    seconds: float


def _batched(model, rows: list, batch: int = BATCH) -> list:
    made = []
    for start in range(0, len(rows), batch):
        made.extend(model.objects.bulk_create(rows[start : start + batch]))
    return made


def build(sizes: Sizes, *, seed: int = 9, password: str = "bench-password-9", log=print) -> Built:
    """Fill an empty, migrated database; returns who and what the client measures."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User
    from django.db import connection, transaction
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from assets.models import (
        Asset,
        AssetModel,
        Assignment,
        Category,
        Department,
        Location,
        Manufacturer,
        Profile,
        TagSequence,
        Vendor,
    )
    from assets.tags import format_tag
    from audits.models import AuditSession
    from maintenance.models import LicenseSeat, SoftwareLicense

    started = time.perf_counter()
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    if sizes.long_history > sizes.history - (sizes.assets - 1):
        raise ValueError("history must leave at least one row for every other asset")

    def step(message: str) -> None:
        log(f"  [{time.perf_counter() - started:6.1f} s] {message}")

    with transaction.atomic():
        # --- catalogue, places, departments ----------------------------------------------
        categories = _batched(
            Category,
            [
                Category(
                    name=name,
                    slug=name.lower().replace(" ", "-"),
                    holds_data=holds,
                    audit_interval_days=interval,
                )
                for name, holds, interval in CATEGORIES
            ],
        )
        makers = _batched(Manufacturer, [Manufacturer(name=m, slug=m.lower()) for m in MAKERS])
        models = _batched(
            AssetModel,
            [
                AssetModel(
                    manufacturer=maker,
                    category=category,
                    name=f"{category.name[:-1]} {n}",
                    model_number=f"{maker.name[:2].upper()}-{category.pk}-{n}",
                )
                for maker in makers
                for category in categories
                for n in range(1, 3)
            ],
        )
        models_by_category: dict[int, list] = {}
        for m in models:
            models_by_category.setdefault(m.category_id, []).append(m)
        vendors = _batched(Vendor, [Vendor(name=f"Supplier {i}") for i in range(1, 11)])
        sites = _batched(Location, [Location(name=f"Site {i}", kind="site") for i in range(1, 6)])
        buildings = _batched(
            Location,
            [
                Location(name=f"Building {b}", kind="building", parent=site)
                for site in sites
                for b in "ABC"
            ],
        )
        floors = _batched(
            Location,
            [
                Location(name=f"Floor {f}", kind="floor", parent=building)
                for building in buildings
                for f in range(1, 4)
            ],
        )
        rooms = _batched(
            Location,
            [
                Location(name=f"Room {floor.pk}-{r}", kind="room", parent=floor)
                for floor in floors
                for r in range(1, 5)
            ],
        )
        floors_by_pk = {f.pk: f for f in floors}
        departments = _batched(
            Department,
            [
                Department(name=f"Department {i}", slug=f"department-{i}", cost_centre=f"CC{i}")
                for i in range(1, 21)
            ],
        )
        step(f"{len(categories)} categories, {len(models)} models, {len(rooms)} rooms")

        # --- people ------------------------------------------------------------------------
        hashed = make_password(password)
        people = _batched(
            User,
            [
                User(
                    username=f"person{i:05d}",
                    first_name="Person",
                    last_name=f"{i:05d}",
                    email=f"person{i:05d}@example.com",
                    password=hashed,
                )
                for i in range(1, sizes.people + 1)
            ],
        )
        it = User.objects.create(username="bench-it", password=hashed, email="it@example.com")
        auditor = User.objects.create(
            username="bench-auditor", password=hashed, email="auditor@example.com"
        )
        it.groups.add(Group.objects.get(name="IT staff"))
        auditor.groups.add(Group.objects.get(name="Auditors"))
        employees = Group.objects.get(name="Employees")
        _batched(
            User.groups.through,
            [User.groups.through(user_id=p.pk, group_id=employees.pk) for p in people],
        )
        _batched(
            Profile,
            [
                Profile(user=p, department=departments[i % len(departments)])
                for i, p in enumerate([*people, it, auditor])
            ],
        )
        token = Token.objects.create(user=it)
        step(f"{len(people)} people")

        # --- assets ------------------------------------------------------------------------
        statuses = [s for s, _ in STATUS_WEIGHTS]
        weights = [w for _, w in STATUS_WEIGHTS]
        assets = []
        prefix = "IT"
        for i in range(1, sizes.assets + 1):
            category = categories[i % len(categories)]
            model = rng.choice(models_by_category[category.pk])
            status = "deployed" if i == 1 else rng.choices(statuses, weights)[0]
            bought = today - datetime.timedelta(days=rng.randint(1, 5 * 365))
            holder = people[rng.randrange(len(people))] if status == "deployed" else None
            assets.append(
                Asset(
                    tag=format_tag(prefix, i),
                    name=f"{model.manufacturer_id and model.name} #{i}",
                    status=status,
                    category=category,
                    model=model,
                    serial_number=f"SN{seed}{i:08d}",
                    location=rng.choice(rooms),
                    department=rng.choice(departments),
                    assigned_user=holder,
                    assigned_at=now - datetime.timedelta(days=rng.randint(1, 700))
                    if holder
                    else None,
                    accepted_at=now if holder and rng.random() < 0.8 else None,
                    vendor=rng.choice(vendors),
                    purchase_date=bought,
                    purchase_cost=Decimal(rng.randint(80, 3000)),
                    order_number=f"PO-{i // 50:05d}",
                    warranty_end=bought + datetime.timedelta(days=3 * 365),
                    next_audit_date=today + datetime.timedelta(days=rng.randint(-60, 365)),
                    retired_at=now - datetime.timedelta(days=rng.randint(1, 300))
                    if status in ("retired", "disposed")
                    else None,
                    retirement_reason="end_of_life" if status in ("retired", "disposed") else "",
                    created_at=now - datetime.timedelta(days=5 * 365),
                )
            )
        assets = _batched(Asset, assets)
        TagSequence.objects.update_or_create(prefix=prefix, defaults={"last_number": sizes.assets})
        step(f"{len(assets)} assets")
        _batched(
            Assignment,
            [
                Assignment(
                    asset=a,
                    assigned_user_id=a.assigned_user_id,
                    started_at=a.assigned_at,
                    started_by=it,
                    accepted_at=a.accepted_at,
                )
                for a in assets
                if a.status == "deployed"
            ],
        )
        step("assignments for deployed assets")

        # --- history -----------------------------------------------------------------------
        long_asset = assets[0]
        per_asset, extra = divmod(sizes.history - sizes.long_history, sizes.assets - 1)
        if connection.vendor == "postgresql":
            _history_sql(long_asset.pk, sizes.long_history, per_asset, extra, it.pk, now)
        else:
            _history_orm(assets, sizes.long_history, per_asset, extra, it, now)
        step(f"{Asset.history.model.objects.count()} history rows")

        # --- licences and seats ------------------------------------------------------------
        licenses = _batched(
            SoftwareLicense,
            [
                SoftwareLicense(
                    product=f"{PRODUCTS[i % len(PRODUCTS)]} {i}",
                    version=str(2020 + i % 6),
                    vendor=vendors[i % len(vendors)],
                    seats=rng.randint(3, 50),
                    cost=Decimal(rng.randint(100, 20000)),
                    purchased_on=today - datetime.timedelta(days=rng.randint(30, 700)),
                    expires_on=today + datetime.timedelta(days=rng.randint(-30, 720))
                    if i % 10
                    else None,
                    owner=people[i % len(people)],
                )
                for i in range(sizes.licenses)
            ],
        )
        seats = []
        for lic in licenses:
            holders = rng.sample(people, min(len(people), rng.randint(1, min(lic.seats, 4))))
            seats.extend(
                LicenseSeat(license=lic, user=p, assigned_by=it, assigned_at=now) for p in holders
            )
        _batched(LicenseSeat, seats)
        step(f"{len(licenses)} licences, {len(seats)} seats")

        # --- open audits -------------------------------------------------------------------
        audits = _batched(
            AuditSession,
            [
                AuditSession(
                    location=building,
                    auditor=auditor,
                    created_by=it,
                    due_date=today + datetime.timedelta(days=14),
                )
                for building in buildings[: sizes.audits]
            ],
        )

        audited = {
            r.pk for r in rooms if floors_by_pk[r.parent_id].parent_id == audits[0].location_id
        }
        scan_tags = [a.tag for a in assets if a.location_id in audited][:500]

    if connection.vendor == "postgresql":
        # What autovacuum does to a live database within minutes of a bulk load: statistics for
        # the planner, and the visibility map that lets COUNT(*) and id-only page queries read
        # an index alone (the register's count: 11 ms without it, 4 ms with it).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    seconds = time.perf_counter() - started
    step("VACUUM (ANALYZE) done")
    return Built(
        it_username=it.username,
        auditor_username=auditor.username,
        password=password,
        long_tag=long_asset.tag,
        audit_ids=[a.pk for a in audits],
        audit_location_ids=[a.location_id for a in audits],
        scan_tags=scan_tags,
        token=token.key,
        seconds=seconds,
    )


def _history_columns() -> list[str]:
    """The history table's columns that copy the asset's (the same names in both tables)."""
    from assets.models import Asset

    asset_columns = {f.column for f in Asset._meta.concrete_fields}
    return [
        f.column
        for f in Asset.history.model._meta.concrete_fields
        if f.column in asset_columns and f.column != "id"
    ]


def _history_sql(long_id: int, long_count: int, per_asset: int, extra: int, actor_id: int, now):
    """All history rows in one statement: row 1 is the creation, the rest moves, oldest first.

    The first ``extra`` other assets (by id) get one row more, so the total is exact.
    """
    from django.db import connection

    from assets.models import Asset

    q = connection.ops.quote_name
    columns = _history_columns()
    quoted = ", ".join(q(c) for c in columns)
    selected = ", ".join(f"a.{q(c)}" for c in columns)
    actions = "ARRAY[" + ", ".join(f"'{a}'" for a in ACTIONS) + "]"
    sql = f"""
        INSERT INTO {q(Asset.history.model._meta.db_table)}
            (id, {quoted}, history_date, history_type, history_user_id,
             history_change_reason, history_action, history_from_status)
        SELECT a.id, {selected},
               %(now)s - make_interval(hours => (n.total - g) * 37),
               CASE WHEN g = 1 THEN '+' ELSE '~' END,
               %(actor)s,
               CASE WHEN g = 1 THEN 'Registered' ELSE 'Benchmark move ' || g END,
               CASE WHEN g = 1 THEN 'create' ELSE ({actions})[1 + g %% {len(ACTIONS)}] END,
               CASE WHEN g = 1 THEN '' ELSE 'in_stock' END
        FROM (
            SELECT id, row_number() OVER (ORDER BY id) AS rank
            FROM {q(Asset._meta.db_table)} WHERE id <> %(long_id)s
            UNION ALL SELECT %(long_id)s, 0
        ) r
        JOIN {q(Asset._meta.db_table)} a ON a.id = r.id
        CROSS JOIN LATERAL (
            SELECT CASE WHEN r.rank = 0 THEN %(long_count)s
                        WHEN r.rank <= %(extra)s THEN %(per)s + 1
                        ELSE %(per)s END AS total
        ) n
        CROSS JOIN LATERAL generate_series(1, n.total) g
    """
    params = {
        "now": now,
        "actor": actor_id,
        "long_id": long_id,
        "long_count": long_count,
        "per": per_asset,
        "extra": extra,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _history_orm(assets: list, long_count: int, per_asset: int, extra: int, actor, now) -> None:
    """The portable path (SQLite): the same rows through ``bulk_create`` in batches."""
    from assets.models import Asset

    history_model = Asset.history.model
    columns = [c for c in _history_columns()]
    attnames = {f.column: f.attname for f in Asset._meta.concrete_fields}
    rows = []
    others = 0
    for asset in assets:
        if asset is assets[0]:
            total = long_count
        else:
            total = per_asset + (1 if others < extra else 0)
            others += 1
        values = {attnames[c]: getattr(asset, attnames[c]) for c in columns}
        for g in range(1, total + 1):
            rows.append(
                history_model(
                    id=asset.pk,
                    **values,
                    history_date=now - datetime.timedelta(hours=(total - g) * 37),
                    history_type="+" if g == 1 else "~",
                    history_user=actor,
                    history_change_reason="Registered" if g == 1 else f"Benchmark move {g}",
                    history_action="create" if g == 1 else ACTIONS[g % len(ACTIONS)],
                    history_from_status="" if g == 1 else "in_stock",
                )
            )
        if len(rows) >= BATCH:
            history_model.objects.bulk_create(rows)
            rows = []
    history_model.objects.bulk_create(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=Sizes.assets)
    parser.add_argument("--history", type=int, default=Sizes.history)
    parser.add_argument("--people", type=int, default=Sizes.people)
    parser.add_argument("--licenses", type=int, default=Sizes.licenses)
    parser.add_argument("--long-history", type=int, default=Sizes.long_history)
    parser.add_argument("--out", help="Write what the client needs here (JSON).")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itam.settings")
    import django

    django.setup()
    import json
    from dataclasses import asdict

    print(f"Building {args.assets:,} assets and {args.history:,} history rows")
    built = build(
        Sizes(
            assets=args.assets,
            history=args.history,
            people=args.people,
            licenses=args.licenses,
            long_history=args.long_history,
        )
    )
    print(f"Built in {built.seconds:.1f} s")
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(asdict(built), handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
