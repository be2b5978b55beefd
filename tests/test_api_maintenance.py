"""The maintenance API: repairs through the asset moves, /api/v1/maintenance/ records,
/api/v1/maintenance-plans/ and what an asset's detail says about warranty and cost."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from assets import lifecycle
from maintenance import services
from maintenance.models import MaintenancePlan, MaintenanceRecord
from tests.factories import (
    CategoryFactory,
    DepartmentFactory,
    LocationFactory,
    it_robot,
    make_asset,
    make_user,
)

pytestmark = pytest.mark.django_db

RECORDS = "/api/v1/maintenance/"
PLANS = "/api/v1/maintenance-plans/"
TODAY = timezone.localdate


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def move(api, asset, action, body=None):
    return api.post(f"/api/v1/assets/{asset.tag}/{action}/", body or {}, format="json")


def days(n: int) -> datetime.date:
    return TODAY() + datetime.timedelta(days=n)


class Team:
    def __init__(self):
        self.dept = DepartmentFactory(name="Ops", slug="ops")
        self.manager = make_user("manager", username="mo-manager", department=self.dept)
        self.employee = make_user("employee", username="carol", department=self.dept)
        self.outsider = make_user("employee", username="otto")
        self.it = make_user("it", username="ingrid-it")
        self.auditor = make_user("auditor", username="aud")

    def by_role(self, role):
        return {
            "employee": self.employee,
            "manager": self.manager,
            "auditor": self.auditor,
            "it": self.it,
        }[role]


@pytest.fixture
def team():
    return Team()


def log(asset, **fields) -> MaintenanceRecord:
    fields.setdefault("title", "Annual service")
    return services.log_work(asset, actor=it_robot(), **fields)


# --- a repair round trip through the moves -------------------------------------------------------


def test_a_repair_round_trip_leaves_the_asset_with_its_holder_and_its_cost_counted(team):
    # Given a laptop bought for 1000.00, out of warranty, deployed to Carol
    laptop = make_asset(
        "deployed", holder=team.employee, purchase_cost=Decimal("1000.00"), warranty_end=days(-1)
    )
    api = api_for(team.it)

    # When IT sends it for repair with the contract body, then completes it with its cost
    started = move(
        api,
        laptop,
        "start-maintenance",
        {"kind": "repair", "title": "Cracked screen", "reason": "Dropped in the car park"},
    )
    record = MaintenanceRecord.objects.get(asset=laptop)
    opened = api.get(f"{RECORDS}{record.pk}/").json()
    done = move(api, laptop, "complete-maintenance", {"cost": "150.00", "reason": "Screen swapped"})

    # Then a record was opened with the move and closed by the completion
    assert started.status_code == 200, started.json()
    assert started.json()["status"] == "in_maintenance"
    assert started.json()["maintenance"]["id"] == record.pk
    assert started.json()["maintenance"]["reference"] == f"MR-{record.pk}"
    assert started.json()["maintenance"]["is_open"] is True
    assert (opened["kind"], opened["title"], opened["is_open"]) == (
        "repair",
        "Cracked screen",
        True,
    )
    assert opened["warranty_covered"] is False
    assert done.status_code == 200, done.json()
    assert done.json()["maintenance"]["id"] == record.pk
    assert done.json()["maintenance"]["is_open"] is False
    record.refresh_from_db()
    assert (record.cost, record.closed_by, record.downtime is not None) == (
        Decimal("150.00"),
        team.it,
        True,
    )
    # and the asset is back with the same holder
    body = done.json()
    assert (body["status"], body["holder"]["username"]) == ("deployed", "carol")
    # with both moves in its history
    history = api.get(f"/api/v1/assets/{laptop.tag}/history/").json()
    actions = [row["action"] for row in history]
    assert actions[:2] == ["complete_maintenance", "start_maintenance"]
    assert f"MR-{record.pk}" in history[1]["reason"]
    assert "Dropped in the car park" in history[1]["reason"]
    # and its cost in the total cost of ownership
    detail = api.get(f"/api/v1/assets/{laptop.tag}/").json()
    assert (detail["maintenance_cost"], detail["total_cost_of_ownership"]) == (
        "150.00",
        "1150.00",
    )
    assert detail["under_warranty"] is False
    # and the holder sees their repair too
    mine = api_for(team.employee).get(RECORDS, {"asset": laptop.tag}).json()
    assert [row["id"] for row in mine["results"]] == [record.pk]


def test_a_repair_under_warranty_is_covered_unless_said_otherwise(team):
    covered = make_asset("in_stock", warranty_end=days(30))
    paid = make_asset("in_stock", warranty_end=days(30))
    api = api_for(team.it)

    move(api, covered, "start-maintenance", {"reason": "Battery swells"})
    move(api, paid, "start-maintenance", {"reason": "Dropped", "warranty_covered": False})

    assert MaintenanceRecord.objects.get(asset=covered).warranty_covered is True
    assert MaintenanceRecord.objects.get(asset=paid).warranty_covered is False
    assert api.get(f"/api/v1/assets/{covered.tag}/").json()["under_warranty"] is True


def test_start_maintenance_takes_every_documented_field(team):
    asset = make_asset("in_stock", warranty_end=days(30))
    plan = services.create_plan(
        actor=it_robot(),
        title="Yearly service",
        interval_months=12,
        first_due_on=days(-1),
        asset=asset,
    )

    response = move(
        api_for(team.it),
        asset,
        "start-maintenance",
        {
            "kind": "servicing",
            "title": "Yearly service",
            "description": "Clean fans, check battery",
            "supplier": "FixIt Ltd",
            "warranty_covered": False,
            "plan": plan.pk,
            "reason": "Due",
        },
    )

    assert response.status_code == 200, response.json()
    record = MaintenanceRecord.objects.get(asset=asset)
    assert (
        record.kind,
        record.title,
        record.description,
        record.supplier,
        record.warranty_covered,
        record.plan,
    ) == ("servicing", "Yearly service", "Clean fans, check battery", "FixIt Ltd", False, plan)


def test_the_title_defaults_to_the_reason(team):
    asset = make_asset("in_stock")

    move(api_for(team.it), asset, "start-maintenance", {"reason": "Fan noise\nloud at boot"})

    assert MaintenanceRecord.objects.get(asset=asset).title == "Fan noise"


def test_complete_to_stock_with_resolution_and_warranty(team):
    asset = make_asset("in_maintenance_deployed")
    shelf = LocationFactory(name="Shelf")

    response = move(
        api_for(team.it),
        asset,
        "complete-maintenance",
        {
            "cost": 0,
            "warranty_covered": True,
            "resolution": "Board replaced by the vendor",
            "return_to_holder": False,
            "location": shelf.pk,
        },
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["location"]) == ("in_stock", shelf.pk)
    record = MaintenanceRecord.objects.get(asset=asset)
    assert (record.cost, record.warranty_covered, record.resolution) == (
        Decimal("0.00"),
        True,
        "Board replaced by the vendor",
    )


def test_completing_an_asset_with_no_open_record_answers_a_null_maintenance(team):
    # Given an asset in maintenance from before records were kept
    asset = make_asset("in_maintenance")
    MaintenanceRecord.objects.filter(asset=asset).delete()

    response = move(api_for(team.it), asset, "complete-maintenance", {"cost": "10"})

    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["maintenance"]) == ("in_stock", None)


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("start-maintenance", {"reason": "x", "kind": "magic"}, "kind"),
        ("start-maintenance", {"reason": "x", "plan": 999999}, "plan"),
        ("start-maintenance", {"reason": "x", "title": "t" * 201}, "title"),
        ("complete-maintenance", {"cost": "-5"}, "cost"),
        ("complete-maintenance", {"cost": "lots"}, "cost"),
    ],
)
def test_bad_maintenance_bodies_are_a_400_and_change_nothing(team, action, body, field):
    asset = make_asset("in_maintenance" if action == "complete-maintenance" else "in_stock")
    status_before = asset.status

    response = move(api_for(team.it), asset, action, body)

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    asset.refresh_from_db()
    assert asset.status == status_before


def test_an_unknown_kind_names_the_kinds(team):
    asset = make_asset("in_stock")

    response = move(api_for(team.it), asset, "start-maintenance", {"reason": "x", "kind": "magic"})

    assert "repair" in response.json()["detail"]
    assert "software_update" in response.json()["detail"]


@pytest.mark.parametrize("role", ["employee", "manager", "auditor"])
def test_only_it_staff_start_or_complete_maintenance(team, role):
    mine = make_asset("deployed", holder=team.employee)
    fixing = make_asset("in_maintenance_deployed", holder=team.employee)
    api = api_for(team.by_role(role))

    started = move(api, mine, "start-maintenance", {"kind": "repair", "reason": "Broken"})
    completed = move(api, fixing, "complete-maintenance", {"cost": "10"})

    assert (started.status_code, completed.status_code) == (403, 403)
    assert not MaintenanceRecord.objects.filter(asset=mine).exists()
    assert MaintenanceRecord.objects.get(asset=fixing).is_open


# --- the asset's detail: warranty and cost of ownership -------------------------------------------


def test_asset_detail_adds_up_purchase_and_every_maintenance_cost(team):
    asset = make_asset("in_stock", purchase_cost=Decimal("800.00"))
    log(asset, cost="40.00")
    log(asset, cost="2.50", title="Update")

    body = api_for(team.auditor).get(f"/api/v1/assets/{asset.tag}/").json()

    assert (body["maintenance_cost"], body["total_cost_of_ownership"]) == ("42.50", "842.50")
    assert body["under_warranty"] is False  # no warranty end known


def test_the_register_list_leaves_the_costs_to_the_detail(team):
    make_asset("in_stock")

    row = api_for(team.it).get("/api/v1/assets/").json()["results"][0]

    assert "total_cost_of_ownership" not in row


# --- /api/v1/maintenance/ ------------------------------------------------------------------------


def test_log_work_in_place_answers_201_with_a_closed_record(team):
    asset = make_asset("deployed", holder=team.employee, purchase_cost=Decimal("500.00"))

    response = api_for(team.it).post(
        RECORDS,
        {
            "asset": asset.tag,
            "kind": "software_update",
            "title": "BIOS 1.2.3",
            "supplier": "In-house",
            "cost": "25.00",
            "performed_on": days(-3).isoformat(),
            "downtime": "00:30:00",
            "resolution": "Updated, rebooted",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["asset"], body["kind"], body["title"], body["cost"]) == (
        asset.tag,
        "software_update",
        "BIOS 1.2.3",
        "25.00",
    )
    assert (body["is_open"], body["took_out_of_service"], body["downtime_seconds"]) == (
        False,
        False,
        1800,
    )
    assert body["opened_by"] == "ingrid-it"
    asset.refresh_from_db()
    assert asset.status == "deployed"  # work in place does not move the asset
    total = api_for(team.it).get(f"/api/v1/assets/{asset.tag}/").json()["total_cost_of_ownership"]
    assert total == "525.00"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"asset": "NOPE-9"}, "asset"),
        ({"title": ""}, "title"),
        ({"performed_on": "tomorrow"}, "performed_on"),
        ({"cost": "-1"}, "cost"),
        ({"kind": "magic"}, "kind"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_logging_bad_work_is_a_400_per_field(team, change, field):
    asset = make_asset("in_stock")
    body = {"asset": asset.tag, "title": "Service"} | change

    response = api_for(team.it).post(RECORDS, body, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert not MaintenanceRecord.objects.exists()


def test_work_cannot_be_logged_in_the_future(team):
    asset = make_asset("in_stock")

    response = api_for(team.it).post(
        RECORDS,
        {"asset": asset.tag, "title": "Service", "performed_on": days(2).isoformat()},
        format="json",
    )

    assert response.status_code == 400
    assert "future" in response.json()["errors"]["performed_on"][0]


def test_records_list_filters(team):
    laptop, phone = make_asset("in_stock"), make_asset("in_stock")
    old = log(laptop, kind="servicing", supplier="FixIt Ltd", performed_on=days(-40))
    new = log(phone, kind="upgrade", title="RAM", supplier="Acme")
    repair = lifecycle.start_maintenance(
        make_asset("in_stock"), actor=it_robot(), reason="Broken hinge"
    )
    open_record = MaintenanceRecord.objects.get(asset=repair)
    api = api_for(team.auditor)

    def ids(**params) -> list[int]:
        return [row["id"] for row in api.get(RECORDS, params).json()["results"]]

    assert ids(asset=laptop.tag) == [old.pk]
    assert ids(kind="upgrade") == [new.pk]
    assert ids(open="true") == [open_record.pk]
    assert set(ids(open="false")) == {old.pk, new.pk}
    assert ids(supplier="fixit") == [old.pk]
    assert ids(opened_before=days(-10).isoformat()) == [old.pk]
    assert set(ids(opened_after=days(-10).isoformat())) == {new.pk, open_record.pk}
    assert ids(ordering="opened_at")[0] == old.pk
    assert api.get(RECORDS, {"kind": "magic"}).status_code == 400


def test_each_role_sees_the_records_it_should(team):
    mine = log(make_asset("deployed", holder=team.employee))
    dept_asset = make_asset("in_stock", department=team.dept)
    departments = log(dept_asset)
    elsewhere = log(make_asset("deployed", holder=team.outsider))

    def seen(user) -> set[int]:
        return {row["id"] for row in api_for(user).get(RECORDS).json()["results"]}

    everything = {mine.pk, departments.pk, elsewhere.pk}
    assert seen(team.it) == everything
    assert seen(team.auditor) == everything
    assert seen(team.manager) == {mine.pk, departments.pk}
    assert seen(team.employee) == {mine.pk}
    assert api_for(team.employee).get(f"{RECORDS}{elsewhere.pk}/").status_code == 404
    assert api_for(team.employee).get(f"{RECORDS}{mine.pk}/").status_code == 200


def test_patch_corrects_a_record_and_keeps_the_reason(team):
    record = log(make_asset("in_stock"), cost="10.00")

    response = api_for(team.it).patch(
        f"{RECORDS}{record.pk}/",
        {"cost": "99.90", "resolution": "Invoice arrived", "reason": "Invoice INV-4"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["cost"], response.json()["resolution"]) == ("99.90", "Invoice arrived")
    row = record.history.order_by("-history_date").first()
    assert (row.cost, row.history_change_reason) == (Decimal("99.90"), "Invoice INV-4")


def test_patch_refuses_what_cannot_be_corrected(team):
    record = log(make_asset("in_stock"))
    other = make_asset("in_stock")
    api = api_for(team.it)
    url = f"{RECORDS}{record.pk}/"

    moved = api.patch(url, {"asset": other.tag}, format="json")
    unknown = api.patch(url, {"closed": True}, format="json")

    assert moved.status_code == 400
    assert "stays with the asset" in moved.json()["errors"]["asset"][0]
    assert unknown.status_code == 400
    record.refresh_from_db()
    assert record.asset_id != other.pk


def test_patch_with_what_get_answered_round_trips(team):
    record = log(make_asset("in_stock"), cost="10.00")
    api = api_for(team.it)
    body = api.get(f"{RECORDS}{record.pk}/").json()
    body["cost"] = "12.00"

    response = api.patch(f"{RECORDS}{record.pk}/", body, format="json")

    assert response.status_code == 200, response.json()
    record.refresh_from_db()
    assert record.cost == Decimal("12.00")


@pytest.mark.parametrize("role", ["employee", "manager", "auditor"])
def test_no_role_but_it_staff_logs_or_corrects_work(team, role):
    asset = make_asset("deployed", holder=team.employee)
    record = log(asset, cost="5.00")
    api = api_for(team.by_role(role))

    created = api.post(RECORDS, {"asset": asset.tag, "title": "Mine"}, format="json")
    changed = api.patch(f"{RECORDS}{record.pk}/", {"cost": "0"}, format="json")

    assert (created.status_code, changed.status_code) == (403, 403)
    assert MaintenanceRecord.objects.count() == 1
    record.refresh_from_db()
    assert record.cost == Decimal("5.00")


def test_someone_elses_record_is_a_404_even_to_change(team):
    record = log(make_asset("deployed", holder=team.outsider))

    response = api_for(team.employee).patch(f"{RECORDS}{record.pk}/", {"cost": "0"}, format="json")

    assert response.status_code == 404


def test_signed_out_is_a_401(team):
    record = log(make_asset("in_stock"))

    for url in (RECORDS, f"{RECORDS}{record.pk}/", PLANS, f"{PLANS}due/"):
        assert APIClient().get(url).status_code == 401


# --- /api/v1/maintenance-plans/ ------------------------------------------------------------------


def test_plan_for_a_category_by_slug(team):
    CategoryFactory(slug="laptops", name="Laptops")

    response = api_for(team.it).post(
        PLANS,
        {
            "title": "Battery check",
            "kind": "servicing",
            "category": "laptops",
            "interval_months": 6,
            "first_due_on": days(10).isoformat(),
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["category"], body["asset"], body["interval_months"], body["active"]) == (
        "laptops",
        None,
        6,
        True,
    )
    assert body["created_by"] == "ingrid-it"


def test_plan_for_one_asset_by_tag_and_its_change(team):
    asset = make_asset("in_stock")
    api = api_for(team.it)
    created = api.post(
        PLANS,
        {
            "title": "UPS battery",
            "asset": asset.tag,
            "interval_months": 24,
            "first_due_on": days(100).isoformat(),
        },
        format="json",
    )
    url = f"{PLANS}{created.json()['id']}/"

    changed = api.patch(url, {"interval_months": 12, "active": False}, format="json")

    assert changed.status_code == 200, changed.json()
    assert (changed.json()["asset"], changed.json()["interval_months"]) == (asset.tag, 12)
    assert changed.json()["active"] is False


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "laptops", "asset": "USE-TAG"}, "category"),
        ({}, "category"),
        ({"category": "nope"}, "category"),
        ({"category": "laptops", "interval_months": 0}, "interval_months"),
        ({"category": "laptops", "first_due_on": None}, "first_due_on"),
        ({"category": "laptops", "active": False}, "active"),
    ],
)
def test_bad_plans_are_a_400(team, change, field):
    CategoryFactory(slug="laptops")
    make_asset("in_stock", tag="USE-TAG")
    body = {"title": "Service", "interval_months": 6, "first_due_on": days(1).isoformat()}

    response = api_for(team.it).post(PLANS, body | change, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert not MaintenancePlan.objects.exists()


def test_plans_are_for_it_staff_and_auditors(team):
    plan = services.create_plan(
        actor=it_robot(),
        title="Service",
        interval_months=6,
        first_due_on=days(1),
        category=CategoryFactory(),
    )
    body = {"title": "X", "interval_months": 1, "first_due_on": days(1).isoformat()}
    body["category"] = plan.category.slug

    auditor = api_for(team.auditor)
    assert auditor.get(PLANS).json()["count"] == 1
    assert auditor.get(f"{PLANS}{plan.pk}/").status_code == 200
    assert auditor.post(PLANS, body, format="json").status_code == 403
    assert auditor.patch(f"{PLANS}{plan.pk}/", {"active": False}, format="json").status_code == 403
    for user in (team.employee, team.manager):
        api = api_for(user)
        assert api.get(PLANS).status_code == 403
        assert api.get(f"{PLANS}{plan.pk}/").status_code == 403
        assert api.post(PLANS, body, format="json").status_code == 403
    plan.refresh_from_db()
    assert plan.active is True


def test_due_lists_what_needs_doing_scoped_to_what_one_may_see(team):
    laptops = CategoryFactory(slug="laptops")
    mine = make_asset("deployed", holder=team.employee, category=laptops)
    theirs = make_asset("deployed", holder=team.outsider, category=laptops)
    later = make_asset("in_stock", category=laptops)
    plan = services.create_plan(
        actor=it_robot(),
        title="Battery check",
        interval_months=6,
        first_due_on=days(-5),
        category=laptops,
    )
    log(later, plan=plan)  # done today: next due in six months

    def due(user, **params):
        return api_for(user).get(f"{PLANS}due/", params).json()["results"]

    rows = due(team.it)
    assert {row["asset"] for row in rows} == {mine.tag, theirs.tag}
    first = rows[0]
    assert (first["plan"], first["plan_title"], first["due_on"], first["overdue_days"]) == (
        plan.pk,
        "Battery check",
        days(-5).isoformat(),
        5,
    )
    assert {row["asset"] for row in due(team.it, days=400)} == {mine.tag, theirs.tag, later.tag}
    assert [row["asset"] for row in due(team.employee)] == [mine.tag]
    assert api_for(team.it).get(f"{PLANS}due/", {"days": "soon"}).status_code == 400
