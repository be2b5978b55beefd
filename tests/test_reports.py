"""The usage reports' queries: each returns exactly the right assets, from data made through the
lifecycle with history dates moved into the past (no clock faking: the rows are re-dated)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from assets import lifecycle, reports
from assets.choices import LocationKind
from assets.models import Asset
from tests.factories import (
    CategoryFactory,
    DepartmentFactory,
    LocationFactory,
    it_robot,
    make_asset,
    make_user,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def days_ago(days: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


def redate(asset: Asset, *ages: float) -> None:
    """Place the asset's history rows, oldest first, ``ages`` days in the past."""
    rows = list(asset.history.order_by("history_date", "history_id"))
    assert len(rows) == len(ages), [r.history_action for r in rows]
    for row, age in zip(rows, ages, strict=True):
        Asset.history.model.objects.filter(history_id=row.history_id).update(
            history_date=days_ago(age)
        )


def tags(items) -> list[str]:
    return [getattr(item, "asset", item).tag for item in items]


def everything():
    return Asset.objects.all()


# --- idle in stock ----------------------------------------------------------------------------


def test_idle_counts_from_the_last_move_into_stock():
    # Given: one asset in stock for 100 days, one back in stock for 10 days after a long life,
    # one in stock for 100 days but edited yesterday, and one deployed
    robot = it_robot()
    long_idle = make_asset(name="Idle 100")
    redate(long_idle, 100)
    returned = make_asset(name="Back recently")
    lifecycle.deploy(returned, to=make_user("employee"), actor=robot)
    lifecycle.check_in(returned, actor=robot)
    redate(returned, 300, 200, 10)
    edited = make_asset(name="Edited")
    lifecycle.update_details(edited, actor=robot, name="Edited again")
    redate(edited, 100, 1)
    make_asset("deployed")

    # When / Then: more than 90 days shows the two idle since 100 days, oldest first
    idle_90 = reports.idle_in_stock(everything(), days=90, now=NOW)
    assert tags(idle_90) == [long_idle.tag, edited.tag]
    assert idle_90[0].in_stock_since == days_ago(100)
    # ... and more than 120 days shows none
    assert tags(reports.idle_in_stock(everything(), days=120, now=NOW)) == []
    # ... and more than 5 days adds the one back for 10 days
    assert set(tags(reports.idle_in_stock(everything(), days=5, now=NOW))) == {
        long_idle.tag,
        edited.tag,
        returned.tag,
    }


def test_idle_honours_filters():
    laptops = CategoryFactory(name="Laptops", slug="laptops")
    laptop = make_asset(category=laptops)
    phone = make_asset(category=CategoryFactory(name="Phones", slug="phones"))
    redate(laptop, 100)
    redate(phone, 100)

    found = reports.idle_in_stock(
        reports.filter_assets(everything(), category=laptops), days=90, now=NOW
    )

    assert tags(found) == [laptop.tag]


# --- loaners overdue --------------------------------------------------------------------------


def test_loaners_overdue_are_deployed_with_a_past_return_date():
    # Given: loaners due back yesterday, due next week, with no date, and one returned late
    soon = timezone.localdate() + datetime.timedelta(days=7)
    robot = it_robot()
    late, on_time, open_ended, returned = (make_asset(name=n) for n in "ABCD")
    for asset in (late, on_time, returned):
        lifecycle.deploy(asset, to=make_user("employee"), actor=robot, expected_return_date=soon)
    lifecycle.deploy(open_ended, to=make_user("employee"), actor=robot)
    lifecycle.check_in(returned, actor=robot)
    Asset.objects.filter(pk=late.pk).update(
        expected_return_date=timezone.localdate() - datetime.timedelta(days=1)
    )

    # When
    overdue = reports.loaners_overdue(everything())

    # Then
    assert tags(overdue) == [late.tag]


# --- ghost assets -----------------------------------------------------------------------------


def test_deactivating_a_holder_makes_their_asset_a_ghost():
    # Given: two people holding an asset each
    leaver, stayer = make_user("employee"), make_user("employee")
    ghost = make_asset("deployed", holder=leaver)
    make_asset("deployed", holder=stayer)
    assert tags(reports.ghost_assets(everything())) == []

    # When: one of them leaves and their account is deactivated
    leaver.is_active = False
    leaver.save()

    # Then: their asset, and only theirs, is a ghost
    assert tags(reports.ghost_assets(everything())) == [ghost.tag]


def test_assets_deployed_to_places_are_never_ghosts():
    make_asset("deployed", holder=LocationFactory())
    make_asset("deployed", holder=DepartmentFactory())
    assert tags(reports.ghost_assets(everything())) == []


# --- holdings by department -------------------------------------------------------------------


def test_holdings_and_cost_by_department():
    # Given: Ops owns two assets (one deployed to a Sales person), Sales owns one in stock
    ops, sales = DepartmentFactory(name="Ops", slug="ops"), DepartmentFactory(name="Sales")
    seller = make_user("employee", department=sales)
    make_asset(department=ops, purchase_cost=Decimal("100.00"))
    make_asset("deployed", holder=seller, department=ops, purchase_cost=Decimal("250.50"))
    make_asset(department=sales, purchase_cost=Decimal("40.00"))
    make_asset("deployed", holder=ops, purchase_cost=None)  # held by Ops, owned by nobody

    # When
    lines = {line.name: line for line in reports.by_department(everything())}

    # Then
    assert lines["Ops"].owned == 2
    assert lines["Ops"].owned_cost == Decimal("350.50")
    assert lines["Ops"].by_status["in_stock"] == 1
    assert lines["Ops"].by_status["deployed"] == 1
    assert lines["Ops"].held == 1  # deployed to the department itself
    assert lines["Sales"].owned == 1
    assert lines["Sales"].held == 1  # the Ops laptop its person holds
    assert lines["Sales"].held_cost == Decimal("250.50")
    assert lines["No department"].owned == 1


def test_holdings_for_a_manager_are_their_departments_only():
    ops, sales = DepartmentFactory(name="Ops"), DepartmentFactory(name="Sales")
    make_asset(department=ops)
    make_asset(department=sales)

    lines = reports.by_department(everything(), departments=[ops.pk])

    assert [line.name for line in lines] == ["Ops"]


def test_holdings_by_department_is_two_queries(django_assert_num_queries):
    for n in range(6):
        make_asset(department=DepartmentFactory(name=f"D{n}"))
    with django_assert_num_queries(3):  # departments, owned, held
        reports.by_department(everything())


# --- utilisation ------------------------------------------------------------------------------


def test_an_asset_deployed_30_of_its_120_days_is_25_percent():
    # Given: registered 120 days ago, deployed from day 20 to day 50, in stock since
    robot = it_robot()
    asset = make_asset()
    lifecycle.deploy(asset, to=make_user("employee"), actor=robot)
    lifecycle.check_in(asset, actor=robot)
    redate(asset, 120, 100, 70)

    # When
    [row] = reports.utilisation([asset], now=NOW)

    # Then
    assert row.percent == 25.0
    assert row.deployed_days == 30.0
    assert row.life_days == 120.0
    assert row.registered_at == days_ago(120)


def test_utilisation_counts_a_current_deployment_until_now_and_ends_life_at_disposal():
    robot = it_robot()
    deployed = make_asset()
    lifecycle.deploy(deployed, to=make_user("employee"), actor=robot)
    redate(deployed, 100, 40)  # deployed for the last 40 of 100 days
    never = make_asset()
    redate(never, 10)
    disposed = make_asset()
    lifecycle.deploy(disposed, to=make_user("employee"), actor=robot)
    lifecycle.check_in(disposed, actor=robot)
    lifecycle.retire(disposed, actor=robot, reason="Old")
    lifecycle.dispose(disposed, actor=robot, method="recycle")
    redate(disposed, 200, 150, 100, 80, 60)  # life 140 days, 50 deployed; then 60 days gone

    rows = {row.asset.tag: row for row in reports.utilisation([deployed, never, disposed], now=NOW)}

    assert rows[deployed.tag].percent == 40.0
    assert rows[never.tag].percent == 0.0
    assert rows[disposed.tag].life_days == 140.0
    assert rows[disposed.tag].percent == round(50 / 140 * 100, 1)


def test_utilisation_reads_the_history_once_for_a_page(django_assert_num_queries):
    robot = it_robot()
    assets = []
    for _ in range(8):
        asset = make_asset()
        lifecycle.deploy(asset, to=make_user("employee"), actor=robot)
        assets.append(asset)
    with django_assert_num_queries(1):
        rows = reports.utilisation(assets, now=NOW)
    assert len(rows) == 8


def test_the_streamed_utilisation_matches_the_page():
    robot = it_robot()
    for n in range(5):
        asset = make_asset(name=f"A{n}")
        if n % 2:
            lifecycle.deploy(asset, to=make_user("employee"), actor=robot)
    make_asset("on_order")  # no life yet: left out

    page = reports.utilisation(reports.utilisation_candidates(everything()), now=NOW)
    streamed = list(reports.utilisation_stream(everything(), now=NOW, chunk_size=2))

    assert [(r.asset.tag, r.percent) for r in streamed] == [(r.asset.tag, r.percent) for r in page]
    assert len(streamed) == 5


def test_deployed_time_from_rows():
    rows = [(days_ago(10), "in_stock"), (days_ago(8), "deployed"), (days_ago(6), "in_stock")]
    registered, life, deployed = reports.deployed_time(rows, NOW)
    assert (registered, life.days, deployed.days) == (days_ago(10), 10, 2)
    assert reports.deployed_time([], NOW) == (None, datetime.timedelta(0), datetime.timedelta(0))


# --- places -----------------------------------------------------------------------------------


def site_building_rooms():
    site = LocationFactory(name="HQ")
    building = LocationFactory(name="Block A", parent=site, kind=LocationKind.BUILDING)
    room1 = LocationFactory(name="Room 1", parent=building, kind=LocationKind.ROOM)
    room2 = LocationFactory(name="Room 2", parent=building, kind=LocationKind.ROOM)
    return site, building, room1, room2


def test_location_tree_rolls_counts_and_cost_up_the_subtree():
    # Given: one asset in each room, one deployed to room 2 but stored in room 1
    _site, _building, room1, room2 = site_building_rooms()
    elsewhere = LocationFactory(name="Depot")
    make_asset(location=room1, purchase_cost=Decimal("10.00"))
    make_asset(location=room2, purchase_cost=Decimal("20.00"))
    split = make_asset("deployed", holder=room2, purchase_cost=Decimal("5.00"))
    # Stored in room 1 while held by room 2: the engine now refuses to make this split, but
    # imported data can carry it, and the tree must still count it in both places.
    Asset.objects.filter(pk=split.pk).update(location=room1)
    make_asset(location=elsewhere, purchase_cost=Decimal("1.00"))

    # When
    tree = reports.flatten(reports.location_tree(everything()))
    rows = {node.location.name: node for node in tree}

    # Then: an asset counts once at a common ancestor, at both of its places below it
    assert (rows["HQ"].count, rows["HQ"].cost) == (3, Decimal("35.00"))
    assert rows["Block A"].count == 3
    assert (rows["Room 1"].count, rows["Room 2"].count) == (2, 2)
    assert rows["Depot"].count == 1
    assert [rows[n].depth for n in ("HQ", "Block A", "Room 1")] == [0, 1, 2]


def test_location_summary_lists_what_is_there_and_its_sub_locations():
    _site, building, room1, room2 = site_building_rooms()
    make_asset(location=room1)
    make_asset("deployed", holder=room2)
    make_asset(location=LocationFactory(name="Depot"))

    found = reports.location_summary(everything(), building)

    assert found.summary.total == 2
    assert found.summary.status_dict() == {"in_stock": 1, "deployed": 1}
    assert [(n.location.name, n.count) for n in found.children] == [("Room 1", 1), ("Room 2", 1)]


def test_department_summary_owned_held_and_members():
    ops = DepartmentFactory(name="Ops")
    alice = make_user("employee", department=ops, username="alice")
    make_user("employee", department=ops, username="bob")
    make_asset(department=ops)
    make_asset("deployed", holder=ops)
    make_asset("deployed", holder=alice)
    make_asset("deployed", holder=alice, department=ops)
    make_asset()  # nothing to do with Ops

    found = reports.department_summary(everything(), ops)

    assert found.summary.total == 4
    assert (found.owned, found.held_by_department, found.held_by_members) == (2, 1, 2)
    assert {m.user.username: m.count for m in found.members} == {"alice": 2, "bob": 0}
