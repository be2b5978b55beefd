"""Bulk moves: all or none, one history row per asset, and a query count that does not grow."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets import lifecycle
from assets.lifecycle import MoveNotPermitted, bulk
from assets.models import Asset, Assignment, ChecklistItem
from tests.factories import (
    CategoryFactory,
    DepartmentFactory,
    LocationFactory,
    make_asset,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def it_user():
    return make_user("it", username="ian", first_name="Ian", last_name="Tech")


def stock(count: int, *, prefix: str = "BLK", category=None, location=None) -> list[Asset]:
    """``count`` in-stock assets with a registration history row each (fast: two queries).

    Test set-up only: new rows start ``in_stock`` (the model's default), as ``register`` makes them.
    """
    category = category or CategoryFactory()
    location = location or LocationFactory()
    assets = Asset.objects.bulk_create(
        Asset(
            tag=f"{prefix}-{n:05d}",
            name=f"Monitor {n}",
            category=category,
            location=location,
            purchase_cost=Decimal("150.00"),
        )
        for n in range(count)
    )
    Asset.history.bulk_history_create(assets, default_change_reason="Registered")
    return list(Asset.objects.filter(tag__startswith=f"{prefix}-").order_by("tag"))


def history_rows(action: str) -> int:
    return Asset.history.filter(history_action=action).count()


def queries_to_deploy_and_check_in(count: int, prefix: str, actor, department, place) -> int:
    assets = stock(count, prefix=prefix)
    with CaptureQueriesContext(connection) as deploy_queries:
        bulk.bulk_deploy(assets, to=department, actor=actor, reason="New team")
    with CaptureQueriesContext(connection) as check_in_queries:
        bulk.bulk_check_in(assets, actor=actor, reason="Team moved", location=place)
    with CaptureQueriesContext(connection) as relocate_queries:
        bulk.bulk_relocate(assets, actor=actor, reason="Tidy up", location=LocationFactory())
    return (
        len(deploy_queries.captured_queries),
        len(check_in_queries.captured_queries),
        len(relocate_queries.captured_queries),
    )


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite splits big updates into batches"
)
def test_bulk_moves_run_the_same_number_of_queries_for_5_and_500_assets(it_user):
    # Given IT staff, a department and a store room
    department = DepartmentFactory(name="Support")
    place = LocationFactory(name="Store room")
    it_user.has_perm("assets.deploy_asset")  # permissions cached, as within one request

    # When 5 assets, then 500, are deployed, checked in and relocated in bulk
    small = queries_to_deploy_and_check_in(5, "S", it_user, department, place)
    large = queries_to_deploy_and_check_in(500, "L", it_user, department, place)

    # Then each move ran the same number of queries for both
    assert small == large, (small, large)
    # And every one of the 505 assets has a history row per move
    assert history_rows("deploy") == 505
    assert history_rows("check_in") == 505
    assert history_rows("relocate") == 505


def test_500_assets_deployed_in_bulk_write_500_history_rows_with_who_and_why(it_user):
    # Given 500 assets in stock
    assets = stock(500)
    department = DepartmentFactory(name="Field sales")

    # When they are deployed to the department in one bulk move
    moved = bulk.bulk_deploy(assets, to=department, actor=it_user, reason="Sales kick-off")

    # Then all 500 are deployed to it, each with one history row naming who, why and the move
    assert len(moved) == 500
    assert Asset.objects.filter(status="deployed", assigned_department=department).count() == 500
    rows = Asset.history.filter(history_action="deploy")
    assert rows.count() == 500
    row = rows.get(tag=assets[0].tag)
    assert row.history_user == it_user
    assert row.history_change_reason == "Sales kick-off"
    assert row.history_from_status == "in_stock"
    assert row.status == "deployed"
    assert row.assigned_department_id == department.pk
    assert row.history_type == "~"
    # And each has its open deployment
    assert (
        Assignment.objects.filter(assigned_department=department, ended_at__isnull=True).count()
        == 500
    )


def test_a_bulk_move_with_one_asset_in_the_wrong_state_moves_nothing_and_names_it(it_user):
    # Given three deployed assets and one in stock
    holder = make_user("employee", username="erin")
    deployed = [make_asset("deployed", holder=holder, name=f"Laptop {n}") for n in range(3)]
    in_stock = make_asset("in_stock", name="Spare laptop")
    before = Asset.history.count()

    # When all four are checked in together
    with pytest.raises(bulk.BulkRefused) as refused:
        bulk.bulk_check_in([*deployed, in_stock], actor=it_user, reason="Back from the event")

    # Then nothing moved, and the error names the one in stock and why
    assert refused.value.refusals == [
        (in_stock.tag, refused.value.refusals[0][1]),
    ]
    assert "in stock" in refused.value.refusals[0][1]
    assert in_stock.tag in refused.value.message
    assert refused.value.status_code == 409
    assert Asset.objects.filter(pk__in=[a.pk for a in deployed], status="deployed").count() == 3
    assert Asset.history.count() == before


def test_every_refusal_is_listed_not_just_the_first(it_user):
    # Given two assets in the wrong state among good ones
    good = make_asset("in_stock")
    missing = make_asset("missing")
    retired = make_asset("retired")

    # When they are all deployed to a department
    with pytest.raises(bulk.BulkRefused) as refused:
        bulk.bulk_deploy([good, missing, retired], to=DepartmentFactory(), actor=it_user)

    # Then both refusals are named
    assert {tag for tag, _ in refused.value.refusals} == {missing.tag, retired.tag}
    good.refresh_from_db()
    assert good.status == "in_stock"


def test_bulk_check_in_closes_each_deployment_and_puts_the_assets_at_the_location(it_user):
    # Given two assets deployed to a person
    holder = make_user("employee", username="erin")
    assets = [make_asset("deployed", holder=holder) for _ in range(2)]
    store = LocationFactory(name="Store")

    # When they are checked in together, in good condition
    bulk.bulk_check_in(assets, actor=it_user, reason="Returned", location=store, condition="good")

    # Then they are in stock at the store, with no holder, and the deployments are closed
    for asset in assets:
        asset.refresh_from_db()
        assert (asset.status, asset.location, asset.holder, asset.condition) == (
            "in_stock",
            store,
            None,
            "good",
        )
        last = asset.history.order_by("-history_date", "-history_id").first()
        assert (last.history_action, last.history_from_status) == ("check_in", "deployed")
    closed = Assignment.objects.filter(asset__in=assets)
    assert all(a.ended_at and a.end_action == "check_in" and a.ended_by == it_user for a in closed)


def test_bulk_deploy_needs_each_categorys_required_checklist_steps(it_user):
    # Given laptops whose category requires "Enrol in MDM", and monitors with no checklist
    laptops = CategoryFactory(name="Laptops")
    step = ChecklistItem.objects.create(category=laptops, text="Enrol in MDM")
    laptop = make_asset("in_stock", category=laptops)
    monitor = make_asset("in_stock")
    department = DepartmentFactory()

    # When deployed without ticking the step, the laptop is refused (bad input: 400)
    with pytest.raises(bulk.BulkRefused) as refused:
        bulk.bulk_deploy([laptop, monitor], to=department, actor=it_user)
    assert refused.value.refusals[0][0] == laptop.tag
    assert "Enrol in MDM" in refused.value.refusals[0][1]
    assert refused.value.status_code == 400
    monitor.refresh_from_db()
    assert monitor.status == "in_stock"

    # When the step is ticked, both are deployed, and the laptop's deployment keeps its checklist
    bulk.bulk_deploy([laptop, monitor], to=department, actor=it_user, checklist_done=[step.pk])
    deployment = Assignment.objects.get(asset=laptop, ended_at__isnull=True)
    assert deployment.checklist[0]["done"] is True


def test_a_checklist_step_of_no_chosen_category_is_bad_input(it_user):
    asset = make_asset("in_stock")
    other = ChecklistItem.objects.create(category=CategoryFactory(), text="Other")
    with pytest.raises(ValidationError) as error:
        bulk.bulk_deploy([asset], to=DepartmentFactory(), actor=it_user, checklist_done=[other.pk])
    assert "checklist" in error.value.message_dict
    asset.refresh_from_db()
    assert asset.status == "in_stock"


def test_relocate_keeps_status_and_holder_and_refuses_what_cannot_be_carried(it_user):
    # Given a deployed laptop, an asset on order and one missing
    holder = make_user("employee", username="erin")
    deployed = make_asset("deployed", holder=holder)
    on_order = make_asset("on_order")
    missing = make_asset("missing")
    office = LocationFactory(name="New office")

    # When the deployed one is relocated
    lifecycle.relocate(deployed, actor=it_user, reason="Desk move", location=office)

    # Then it is at the new office, still deployed to the same person, with a "relocate" row
    deployed.refresh_from_db()
    assert (deployed.status, deployed.location, deployed.assigned_user) == (
        "deployed",
        office,
        holder,
    )
    last = deployed.history.order_by("-history_date", "-history_id").first()
    assert (last.history_action, last.history_change_reason) == ("relocate", "Desk move")

    # And what is on order or missing is refused, each named with a way forward
    with pytest.raises(bulk.BulkRefused) as refused:
        bulk.bulk_relocate([on_order, missing], actor=it_user, location=LocationFactory())
    reasons = dict(refused.value.refusals)
    assert "Receive it" in reasons[on_order.tag]
    assert "found" in reasons[missing.tag]


def test_roles_without_the_right_cannot_bulk_move(it_user):
    asset = make_asset("deployed")
    auditor = make_user("auditor", username="audrey")
    employee = make_user("employee", username="emma")
    for person in (auditor, employee):
        with pytest.raises(MoveNotPermitted):
            bulk.bulk_check_in([asset], actor=person)
        with pytest.raises(MoveNotPermitted):
            bulk.bulk_relocate([asset], actor=person, location=LocationFactory())
    asset.refresh_from_db()
    assert asset.status == "deployed"


def test_unknown_and_invisible_tags_are_named(it_user):
    # Given an asset an employee does not hold
    asset = make_asset("in_stock")
    employee = make_user("employee", username="emma")

    # When IT staff name an unknown tag, it is named
    with pytest.raises(ValidationError) as error:
        bulk.resolve_tags(it_user, [asset.tag, "NOPE-1"])
    assert "NOPE-1" in str(error.value)
    assert asset.tag not in str(error.value)

    # And when the employee names the asset they cannot see, it is refused the same way
    with pytest.raises(ValidationError) as error:
        bulk.resolve_tags(employee, [asset.tag])
    assert asset.tag in str(error.value)

    # And resolving keeps the order given and drops repeats
    other = make_asset("in_stock")
    assert bulk.resolve_tags(it_user, [other.tag, asset.tag, other.tag]) == [other, asset]
