"""Maintenance work through the lifecycle, logged work, corrections and preventive plans."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assets import lifecycle
from assets.choices import AssetStatus
from assets.lifecycle import TransitionRefused
from maintenance import services
from maintenance.models import MaintenancePlan, MaintenanceRecord, add_months
from tests.factories import CategoryFactory, LocationFactory, it_robot, make_asset, make_user

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


# --- a repair round trip ---------------------------------------------------------------------


def test_a_repair_round_trip_leaves_the_asset_with_its_holder_and_costs_it():
    # Given a laptop bought for 1000.00, deployed to Alice, still under warranty
    it = make_user("it")
    alice = make_user("employee", username="alice")
    asset = make_asset(
        "deployed", holder=alice, purchase_cost=Decimal("1000.00"), warranty_end=TODAY() + days(90)
    )

    # When IT sends it for repair
    asset = lifecycle.start_maintenance(
        asset, actor=it, kind="repair", title="Cracked screen", reason="Dropped on the stairs"
    )

    # Then it is in maintenance, still Alice's, with one open record presumed under warranty
    assert asset.status == AssetStatus.IN_MAINTENANCE
    assert asset.assigned_user == alice
    record = MaintenanceRecord.objects.get(asset=asset)
    assert record.is_open
    assert (record.kind, record.title, record.opened_by) == ("repair", "Cracked screen", it)
    assert record.warranty_covered is True
    started = asset.history.filter(history_action="start_maintenance").get()
    assert record.reference in started.history_change_reason
    assert "Dropped on the stairs" in started.history_change_reason
    assert started.history_user == it

    # When the repair took three days and is completed at a cost of 149.99
    MaintenanceRecord.objects.filter(pk=record.pk).update(opened_at=timezone.now() - days(3))
    asset = lifecycle.complete_maintenance(
        asset, actor=it, cost="149.99", resolution="Screen replaced", reason="Back from repair"
    )

    # Then Alice has it back, and the record is closed with its cost, downtime and who closed it
    asset.refresh_from_db()
    assert asset.status == AssetStatus.DEPLOYED
    assert asset.assigned_user == alice
    record.refresh_from_db()
    assert not record.is_open
    assert record.cost == Decimal("149.99")
    assert record.closed_by == it
    assert record.resolution == "Screen replaced"
    assert days(3) <= record.downtime < days(3) + datetime.timedelta(minutes=5)
    completed = asset.history.filter(history_action="complete_maintenance").get()
    assert record.reference in completed.history_change_reason
    assert "149.99" in completed.history_change_reason

    # And the total cost of ownership is purchase plus maintenance, to the cent
    tco = services.cost_of_ownership(asset)
    assert (tco.purchase, tco.maintenance, tco.total) == (
        Decimal("1000.00"),
        Decimal("149.99"),
        Decimal("1149.99"),
    )
    assert tco.records == 1


def test_cost_of_ownership_adds_every_record_exactly():
    it = make_user("it")
    asset = make_asset("in_stock", purchase_cost=Decimal("0.10"))
    for cost in ("0.10", "0.20", "100.05"):
        services.log_work(asset, actor=it, title="Service", cost=cost)

    tco = services.cost_of_ownership(asset)

    assert tco.maintenance == Decimal("100.35")
    assert tco.total == Decimal("100.45")
    assert tco.records == 3


def test_completing_to_stock_clears_the_holder_and_shelves_it():
    it = make_user("it")
    asset = make_asset("in_maintenance_deployed")
    shelf = LocationFactory(name="Repair shelf")

    asset = lifecycle.complete_maintenance(
        asset, actor=it, return_to_holder=False, location=shelf, cost="0"
    )

    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_STOCK
    assert asset.holder is None
    assert asset.location == shelf
    record = asset.maintenance_records.get()
    assert (record.is_open, record.cost, record.closed_by) == (False, Decimal("0.00"), it)
    row = asset.history.filter(history_action="complete_maintenance").get()
    assert "back in stock at" in row.history_change_reason
    assert record.reference in row.history_change_reason


def test_an_asset_from_stock_goes_back_to_stock():
    it = make_user("it")
    asset = make_asset("in_stock")
    asset = lifecycle.start_maintenance(asset, actor=it, reason="Fan noise")

    asset = lifecycle.complete_maintenance(asset, actor=it)

    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_STOCK
    record = asset.maintenance_records.get()
    assert record.title == "Fan noise"  # the reason's first line names the work
    assert record.cost == Decimal("0.00")


@pytest.mark.parametrize(
    ("warranty_end", "explicit", "expected"),
    [
        (1, None, True),  # ends tomorrow
        (0, None, True),  # ends today: still covered
        (-1, None, False),  # ended yesterday
        (None, None, False),  # no warranty on record
        (90, False, False),  # someone says it is not covered (e.g. accidental damage)
        (-30, True, True),  # goodwill repair after the warranty
    ],
)
def test_warranty_covered_defaults_from_the_warranty_end_and_an_explicit_value_wins(
    warranty_end, explicit, expected
):
    end = None if warranty_end is None else TODAY() + days(warranty_end)
    asset = make_asset("in_stock", warranty_end=end)

    lifecycle.start_maintenance(
        asset, actor=it_robot(), reason="Battery swelling", warranty_covered=explicit
    )

    assert asset.maintenance_records.get().warranty_covered is expected


def test_under_warranty_reads_the_end_date():
    assert services.under_warranty(make_asset("in_stock", warranty_end=TODAY())) is True
    assert services.under_warranty(make_asset("in_stock", warranty_end=TODAY() - days(1))) is False
    assert services.under_warranty(make_asset("in_stock")) is False


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("kind", {"kind": "teleport"}),
        ("title", {"title": "x" * 201}),
        ("supplier", {"supplier": "x" * 201}),
    ],
)
def test_bad_start_input_names_the_field_and_writes_nothing(field, kwargs):
    asset = make_asset("deployed")
    holder = asset.assigned_user
    rows = asset.history.count()

    with pytest.raises(ValidationError) as error:
        lifecycle.start_maintenance(asset, actor=it_robot(), reason="Broken", **kwargs)

    assert field in error.value.message_dict
    asset.refresh_from_db()
    assert (asset.status, asset.assigned_user) == (AssetStatus.DEPLOYED, holder)
    assert not MaintenanceRecord.objects.exists()
    assert asset.history.count() == rows


def test_start_needs_a_reason():
    asset = make_asset("in_stock")

    with pytest.raises(ValidationError) as error:
        lifecycle.start_maintenance(asset, actor=it_robot(), reason=" ", title="Cracked screen")

    assert "reason" in error.value.message_dict
    assert not MaintenanceRecord.objects.exists()


@pytest.mark.parametrize("cost", ["-0.01", "abc", "NaN", "Infinity", "1e12"])
def test_bad_completion_cost_names_the_field_and_changes_nothing(cost):
    asset = make_asset("in_maintenance_deployed")
    rows = asset.history.count()

    with pytest.raises(ValidationError) as error:
        lifecycle.complete_maintenance(asset, actor=it_robot(), cost=cost)

    assert "cost" in error.value.message_dict
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_MAINTENANCE
    record = asset.maintenance_records.get()
    assert record.is_open
    assert record.cost is None
    assert asset.history.count() == rows


@pytest.mark.parametrize("status", ["retired", "missing", "on_order", "in_maintenance"])
def test_a_refused_start_opens_no_record(status):
    asset = make_asset(status)
    before = MaintenanceRecord.objects.count()

    with pytest.raises(TransitionRefused) as error:
        lifecycle.start_maintenance(asset, actor=it_robot(), reason="Check it", title="Check")

    assert error.value.current_status == status
    assert MaintenanceRecord.objects.count() == before
    assert MaintenanceRecord.objects.filter(closed_at__isnull=True).count() <= 1


@pytest.mark.parametrize("role", ["employee", "auditor", "manager"])
def test_only_it_staff_start_and_complete_maintenance(role):
    person = make_user(role)
    asset = make_asset("deployed")
    in_repair = make_asset("in_maintenance")

    with pytest.raises(PermissionDenied):
        lifecycle.start_maintenance(asset, actor=person, reason="Broken")
    with pytest.raises(PermissionDenied):
        lifecycle.complete_maintenance(in_repair, actor=person)

    asset.refresh_from_db()
    in_repair.refresh_from_db()
    assert asset.status == AssetStatus.DEPLOYED
    assert in_repair.status == AssetStatus.IN_MAINTENANCE
    assert MaintenanceRecord.objects.filter(asset=asset).count() == 0
    assert in_repair.maintenance_records.get().is_open


def test_a_second_repair_after_the_first_opens_a_new_record():
    it = make_user("it")
    asset = make_asset("deployed")
    asset = lifecycle.start_maintenance(asset, actor=it, reason="Keyboard")
    asset = lifecycle.complete_maintenance(asset, actor=it, cost="20")
    asset = lifecycle.start_maintenance(asset, actor=it, reason="Battery")
    asset = lifecycle.complete_maintenance(asset, actor=it, cost="80")

    records = list(asset.maintenance_records.order_by("opened_at", "pk"))
    assert [(r.title, r.cost, r.is_open) for r in records] == [
        ("Keyboard", Decimal("20.00"), False),
        ("Battery", Decimal("80.00"), False),
    ]
    assert services.cost_of_ownership(asset).maintenance == Decimal("100.00")


# --- work logged in place ----------------------------------------------------------------------


def test_logged_work_leaves_the_status_and_holder_alone():
    it = make_user("it")
    asset = make_asset("deployed")
    holder = asset.assigned_user

    record = services.log_work(
        asset,
        actor=it,
        kind="software_update",
        title="BIOS update",
        cost="0",
        performed_on=TODAY() - days(2),
    )

    asset.refresh_from_db()
    assert (asset.status, asset.assigned_user) == (AssetStatus.DEPLOYED, holder)
    assert record.took_out_of_service is False
    assert not record.is_open
    assert timezone.localdate(record.closed_at) == TODAY() - days(2)
    assert (record.opened_by, record.closed_by) == (it, it)
    assert not asset.history.filter(history_action="start_maintenance").exists()


def test_logged_work_defaults_to_servicing_and_zero_cost():
    record = services.log_work(make_asset("in_stock"), actor=make_user("it"), title="Clean fans")
    assert (record.kind, record.cost) == ("servicing", Decimal("0.00"))


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("performed_on", {"performed_on": datetime.date(2999, 1, 1)}),
        ("downtime", {"downtime": -datetime.timedelta(hours=1)}),
        ("cost", {"cost": "-1"}),
        ("kind", {"kind": "magic"}),
        ("title", {"title": "  "}),
    ],
)
def test_bad_logged_work_is_refused_with_the_field(field, kwargs):
    asset = make_asset("in_stock")
    kwargs.setdefault("title", "Service")

    with pytest.raises(ValidationError) as error:
        services.log_work(asset, actor=make_user("it"), **kwargs)

    assert field in error.value.message_dict
    assert not MaintenanceRecord.objects.exists()


def test_no_work_is_logged_on_a_disposed_asset():
    asset = make_asset("disposed")
    with pytest.raises(ValidationError) as error:
        services.log_work(asset, actor=make_user("it"), title="Service")
    assert "asset" in error.value.message_dict


@pytest.mark.parametrize("role", ["employee", "auditor", "manager"])
def test_only_it_staff_log_work(role):
    with pytest.raises(PermissionDenied):
        services.log_work(make_asset("in_stock"), actor=make_user(role), title="Service")
    assert not MaintenanceRecord.objects.exists()


# --- corrections -------------------------------------------------------------------------------


def test_a_corrected_record_keeps_its_earlier_version_in_history():
    it = make_user("it")
    record = services.log_work(make_asset("in_stock"), actor=it, title="Service", cost="10")

    services.update_record(record, actor=it, reason="Invoice arrived", cost="12.50", title="PSU")

    record.refresh_from_db()
    assert (record.title, record.cost) == ("PSU", Decimal("12.50"))
    versions = list(record.history.order_by("history_date", "history_id"))
    assert [v.cost for v in versions] == [Decimal("10.00"), Decimal("12.50")]
    assert versions[-1].history_change_reason == "Invoice arrived"
    assert versions[-1].history_user == it


def test_a_correction_with_bad_input_changes_nothing():
    it = make_user("it")
    record = services.log_work(make_asset("in_stock"), actor=it, title="Service", cost="10")

    with pytest.raises(ValidationError) as error:
        services.update_record(record, actor=it, title="New title", cost="-3")
    assert "cost" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.update_record(record, actor=it, asset=make_asset("in_stock"))

    record.refresh_from_db()
    assert (record.title, record.cost) == ("Service", Decimal("10.00"))
    assert record.history.count() == 1


@pytest.mark.parametrize("role", ["employee", "auditor", "manager"])
def test_only_it_staff_correct_records(role):
    record = services.log_work(make_asset("in_stock"), actor=make_user("it"), title="Service")
    with pytest.raises(PermissionDenied):
        services.update_record(record, actor=make_user(role), cost="1")
    record.refresh_from_db()
    assert record.cost == Decimal("0.00")


# --- preventive plans --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime.date(2025, 1, 31), 1, datetime.date(2025, 2, 28)),
        (datetime.date(2024, 1, 31), 1, datetime.date(2024, 2, 29)),
        (datetime.date(2024, 2, 29), 12, datetime.date(2025, 2, 28)),
        (datetime.date(2025, 8, 31), 3, datetime.date(2025, 11, 30)),
        (datetime.date(2025, 11, 15), 2, datetime.date(2026, 1, 15)),
        (datetime.date(2025, 12, 31), 12, datetime.date(2026, 12, 31)),
        (datetime.date(2025, 3, 10), 25, datetime.date(2027, 4, 10)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(start, months, expected):
    assert add_months(start, months) == expected


def test_next_due_is_the_first_due_date_then_the_last_round_plus_the_interval():
    it = make_user("it")
    laptops = CategoryFactory(name="Laptops")
    asset = make_asset("in_stock", category=laptops)
    plan = services.create_plan(
        actor=it,
        title="Monthly check",
        interval_months=1,
        first_due_on=datetime.date(2025, 1, 10),
        category=laptops,
    )

    [before] = services.plans_for_asset(asset)
    assert (before["plan"], before["last_done"], before["due_on"]) == (
        plan,
        None,
        datetime.date(2025, 1, 10),
    )

    # When the round is done on 31 January, the next is due at the end of February
    services.log_work(
        asset, actor=it, title="Check", plan=plan, performed_on=datetime.date(2025, 1, 31)
    )

    [after] = services.plans_for_asset(asset)
    assert after["last_done"] == datetime.date(2025, 1, 31)
    assert after["due_on"] == datetime.date(2025, 2, 28)
    [item] = services.due_items(until=datetime.date(2025, 3, 1))
    assert (item.asset_id, item.last_done, item.due_on) == (
        asset.pk,
        datetime.date(2025, 1, 31),
        datetime.date(2025, 2, 28),
    )
    assert list(services.due_items(until=datetime.date(2025, 2, 27))) == []


def test_the_latest_round_counts_and_work_under_another_plan_does_not():
    it = make_user("it")
    asset = make_asset("in_stock")
    plan = services.create_plan(
        actor=it, title="Quarterly", interval_months=3, first_due_on=TODAY(), asset=asset
    )
    other = services.create_plan(
        actor=it, title="Yearly", interval_months=12, first_due_on=TODAY(), asset=asset
    )
    services.log_work(asset, actor=it, title="Q", plan=plan, performed_on=TODAY() - days(100))
    services.log_work(asset, actor=it, title="Q", plan=plan, performed_on=TODAY() - days(10))
    services.log_work(asset, actor=it, title="Y", plan=other, performed_on=TODAY() - days(5))
    services.log_work(asset, actor=it, title="Unplanned", performed_on=TODAY())

    by_plan = {row["plan"]: row for row in services.plans_for_asset(asset)}

    assert by_plan[plan]["due_on"] == add_months(TODAY() - days(10), 3)
    assert by_plan[other]["due_on"] == add_months(TODAY() - days(5), 12)


def test_a_repair_under_a_plan_counts_as_its_round_once_completed():
    it = make_user("it")
    asset = make_asset("deployed")
    plan = services.create_plan(
        actor=it, title="Service", interval_months=6, first_due_on=TODAY(), asset=asset
    )
    asset = lifecycle.start_maintenance(asset, actor=it, reason="Six-monthly service", plan=plan)
    assert services.plans_for_asset(asset)[0]["due_on"] == TODAY()  # still open: not done yet

    lifecycle.complete_maintenance(asset, actor=it)

    assert services.plans_for_asset(asset)[0]["due_on"] == add_months(TODAY(), 6)


def test_a_plan_for_another_category_is_refused_on_a_record():
    it = make_user("it")
    phones = CategoryFactory(name="Phones")
    plan = services.create_plan(
        actor=it, title="Phones", interval_months=6, first_due_on=TODAY(), category=phones
    )
    with pytest.raises(ValidationError) as error:
        services.log_work(make_asset("in_stock"), actor=it, title="Service", plan=plan)
    assert "plan" in error.value.message_dict


def test_due_items_cover_only_assets_in_use_or_ready_for_use():
    it = make_user("it")
    printers = CategoryFactory(name="Printers")
    assets = {
        status: make_asset(status, category=printers, name=f"Printer {status}")
        for status in (
            "in_stock",
            "deployed",
            "in_maintenance",
            "on_order",
            "missing",
            "retired",
            "disposed",
        )
    }
    make_asset("in_stock", name="Not a printer")
    services.create_plan(
        actor=it,
        title="Toner and rollers",
        interval_months=3,
        first_due_on=TODAY(),
        category=printers,
    )

    due = list(services.due_items(until=TODAY()))

    assert {item.asset_id for item in due} == {
        assets["in_stock"].pk,
        assets["deployed"].pk,
        assets["in_maintenance"].pk,
    }
    assert {item.due_on for item in due} == {TODAY()}


def test_inactive_plans_are_ignored():
    it = make_user("it")
    asset = make_asset("in_stock")
    plan = services.create_plan(
        actor=it, title="Old plan", interval_months=1, first_due_on=TODAY() - days(60), asset=asset
    )

    services.update_plan(plan, actor=it, active=False, reason="Replaced by vendor contract")

    assert list(services.due_items(until=TODAY())) == []
    assert services.plans_for_asset(asset) == []
    plan.refresh_from_db()
    assert plan.history.first().history_change_reason == "Replaced by vendor contract"


def test_plans_for_asset_lists_its_own_and_its_categorys_plans_by_due_date():
    it = make_user("it")
    servers = CategoryFactory(name="Servers")
    asset = make_asset("in_stock", category=servers)
    neighbour = make_asset("in_stock", category=servers)
    category_plan = services.create_plan(
        actor=it,
        title="Firmware",
        interval_months=6,
        first_due_on=TODAY() + days(20),
        category=servers,
    )
    own_plan = services.create_plan(
        actor=it, title="Disk check", interval_months=1, first_due_on=TODAY() + days(5), asset=asset
    )
    services.create_plan(
        actor=it, title="Neighbour", interval_months=1, first_due_on=TODAY(), asset=neighbour
    )
    services.create_plan(
        actor=it,
        title="Other category",
        interval_months=1,
        first_due_on=TODAY(),
        category=CategoryFactory(),
    )

    assert [row["plan"] for row in services.plans_for_asset(asset)] == [own_plan, category_plan]


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("title", {"title": " "}),
        ("interval_months", {"interval_months": 0}),
        ("interval_months", {"interval_months": "often"}),
        ("interval_months", {"interval_months": 121}),
        ("first_due_on", {"first_due_on": None}),
        ("category", {"category": None}),
        ("kind", {"kind": "dance"}),
    ],
)
def test_bad_plans_are_refused_with_the_field(field, kwargs):
    fields = {
        "title": "Service",
        "interval_months": 6,
        "first_due_on": TODAY(),
        "category": CategoryFactory(),
        **kwargs,
    }

    with pytest.raises(ValidationError) as error:
        services.create_plan(actor=make_user("it"), **fields)

    assert field in error.value.message_dict
    assert not MaintenancePlan.objects.exists()


def test_a_plan_covers_a_category_or_an_asset_not_both():
    category = CategoryFactory()
    with pytest.raises(ValidationError) as error:
        services.create_plan(
            actor=make_user("it"),
            title="Both",
            interval_months=1,
            first_due_on=TODAY(),
            category=category,
            asset=make_asset("in_stock", category=category),
        )
    assert "category" in error.value.message_dict


@pytest.mark.parametrize("role", ["employee", "auditor", "manager"])
def test_only_it_staff_plan_maintenance(role):
    with pytest.raises(PermissionDenied):
        services.create_plan(
            actor=make_user(role),
            title="Service",
            interval_months=6,
            first_due_on=TODAY(),
            category=CategoryFactory(),
        )
    assert not MaintenancePlan.objects.exists()


def test_a_plan_is_refused_for_a_disposed_asset_but_can_be_switched_off_once_it_is():
    it = make_user("it")
    with pytest.raises(ValidationError) as error:
        services.create_plan(
            actor=it,
            title="Service",
            interval_months=6,
            first_due_on=TODAY(),
            asset=make_asset("disposed"),
        )
    assert "asset" in error.value.message_dict

    asset = make_asset("in_stock")
    plan = services.create_plan(
        actor=it, title="Service", interval_months=6, first_due_on=TODAY(), asset=asset
    )
    lifecycle.retire(asset, actor=it, reason="End of life")
    asset = lifecycle.dispose(asset, actor=it, method="recycle")

    services.update_plan(plan, actor=it, active=False, reason="Asset disposed")

    plan.refresh_from_db()
    assert plan.active is False
    with pytest.raises(ValidationError) as error:
        services.update_plan(
            services.create_plan(
                actor=it,
                title="Other",
                interval_months=6,
                first_due_on=TODAY(),
                asset=make_asset("in_stock"),
            ),
            actor=it,
            asset=asset,
        )
    assert "asset" in error.value.message_dict


def test_completion_can_say_the_warranty_did_not_cover_it_after_all():
    it = make_user("it")
    asset = make_asset("in_stock", warranty_end=TODAY() + days(100))
    asset = lifecycle.start_maintenance(asset, actor=it, reason="Liquid damage")
    assert asset.maintenance_records.get().warranty_covered is True

    lifecycle.complete_maintenance(asset, actor=it, cost="310", warranty_covered=False)

    record = asset.maintenance_records.get()
    assert (record.warranty_covered, record.cost) == (False, Decimal("310.00"))
    row = asset.history.filter(history_action="complete_maintenance").get()
    assert "cost 310.00" in row.history_change_reason
    assert "under warranty" not in row.history_change_reason
