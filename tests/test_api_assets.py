"""The assets API register: list, filters, ordering, pagination, create, edit, and as_of."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from assets import lifecycle
from assets.choices import LocationKind
from assets.models import Asset
from tests.factories import (
    AssetModelFactory,
    CategoryFactory,
    DepartmentFactory,
    LocationFactory,
    VendorFactory,
    it_robot,
    make_asset,
    make_user,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/assets/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def it_user():
    return make_user("it", username="ingrid-it")


@pytest.fixture
def it_api(it_user):
    return client_for(it_user)


def tags(response) -> list[str]:
    return [row["tag"] for row in response.json()["results"]]


# --- list ---------------------------------------------------------------------------------------


def test_list_has_the_contract_shape(it_api):
    # Given one laptop deployed to a person, with a room inside a building inside a site
    site = LocationFactory(name="HQ")
    room = LocationFactory(name="Room 1", kind=LocationKind.ROOM, parent=site)
    holder = make_user("employee", username="ada", first_name="Ada", last_name="Lovelace")
    asset = make_asset(
        "deployed",
        holder=holder,
        name="ThinkPad X1",
        category=CategoryFactory(slug="laptops", name="Laptops"),
        serial_number="SN-1",
        location=room,
    )

    # When IT lists the register
    response = it_api.get(LIST)

    # Then it is the paginated envelope with the contract fields
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"count", "next", "previous", "results"}
    assert body["count"] == 1
    row = body["results"][0]
    assert row["tag"] == asset.tag
    assert row["name"] == "ThinkPad X1"
    assert row["status"] == "deployed"
    assert row["category"] == "laptops"
    assert row["category_name"] == "Laptops"
    assert row["serial_number"] == "SN-1"
    assert row["location"] == room.pk
    assert row["location_name"] == "HQ › Room 1"
    assert row["holder"] == {
        "kind": "user",
        "id": holder.pk,
        "name": "Ada Lovelace",
        "username": "ada",
    }
    assert row["purchase_cost"] == "1000.00"
    assert row["url"].endswith(f"/api/v1/assets/{asset.tag}/")
    assert "reason" not in row


def test_list_filters_by_status_and_category_slug(it_api):
    laptops = CategoryFactory(slug="laptops")
    phones = CategoryFactory(slug="phones")
    stocked_laptop = make_asset("in_stock", category=laptops)
    make_asset("deployed", category=laptops)
    make_asset("in_stock", category=phones)

    response = it_api.get(LIST, {"status": "in_stock", "category": "laptops"})

    assert response.status_code == 200
    assert tags(response) == [stocked_laptop.tag]


def test_list_filter_by_location_includes_sub_locations(it_api):
    site = LocationFactory(name="HQ")
    building = LocationFactory(name="Block A", kind=LocationKind.BUILDING, parent=site)
    room = LocationFactory(name="Room 101", kind=LocationKind.ROOM, parent=building)
    elsewhere = LocationFactory(name="Branch")
    in_room = make_asset(location=room)
    at_site = make_asset(location=site)
    make_asset(location=elsewhere)

    response = it_api.get(LIST, {"location": site.pk})

    assert sorted(tags(response)) == sorted([in_room.tag, at_site.tag])


def test_list_search_q_matches_tag_name_and_serial(it_api):
    by_name = make_asset(name="MacBook Pro")
    by_serial = make_asset(name="Laptop", serial_number="C02XYZMAC")
    make_asset(name="Dell", serial_number="ABC")
    by_tag = make_asset(name="Phone")

    assert sorted(tags(it_api.get(LIST, {"q": "mac"}))) == sorted([by_name.tag, by_serial.tag])
    assert tags(it_api.get(LIST, {"q": by_tag.tag})) == [by_tag.tag]


def test_list_filters_by_department_and_holder(it_api):
    finance = DepartmentFactory(slug="finance", name="Finance")
    owned = make_asset(department=finance)
    member = make_user("employee", username="fin-member", department=finance)
    held = make_asset("deployed", holder=member)
    make_asset()

    assert sorted(tags(it_api.get(LIST, {"department": finance.pk}))) == sorted(
        [owned.tag, held.tag]
    )
    assert tags(it_api.get(LIST, {"holder": "fin-member"})) == [held.tag]


def test_list_ordering(it_api):
    make_asset(name="Bravo")
    make_asset(name="Alpha")
    make_asset(name="Charlie")

    names = [r["name"] for r in it_api.get(LIST, {"ordering": "-name"}).json()["results"]]

    assert names == ["Charlie", "Bravo", "Alpha"]


def test_list_unknown_filter_value_is_a_400(it_api):
    response = it_api.get(LIST, {"category": "no-such-category"})

    assert response.status_code == 400
    assert "category" in response.json()["errors"]


def test_list_pagination(it_api):
    made = sorted(make_asset().tag for _ in range(5))

    first = it_api.get(LIST, {"page_size": 2}).json()
    last = it_api.get(LIST, {"page_size": 2, "page": 3}).json()

    assert first["count"] == 5
    assert [r["tag"] for r in first["results"]] == made[:2]
    assert first["previous"] is None and "page=2" in first["next"]
    assert [r["tag"] for r in last["results"]] == made[4:]
    assert last["next"] is None


def _rich_register(count: int, *, dept=None, person=None) -> None:
    """Assets with every related thing the representation shows, held in every way."""
    actor = it_robot()
    site = LocationFactory(name="HQ")
    building = LocationFactory(name="Block A", kind=LocationKind.BUILDING, parent=site)
    room = LocationFactory(name="Room 1", kind=LocationKind.ROOM, parent=building)
    dept = dept or DepartmentFactory()
    vendor = VendorFactory()
    model = AssetModelFactory()
    for i in range(count):
        asset = make_asset(
            name=f"Asset {i}",
            category=CategoryFactory(slug=f"cat-{i % 7}"),
            model=model,
            vendor=vendor,
            department=dept,
            location=room,
        )
        kind = i % 4
        if kind == 1:
            holder = person or make_user("employee", username=f"emp-{i}", department=dept)
            lifecycle.deploy(asset, to=holder, actor=actor)
        elif kind == 2:
            lifecycle.deploy(asset, to=room, actor=actor)
        elif kind == 3:
            lifecycle.deploy(asset, to=dept, actor=actor)


def paging_queries() -> int:
    """What itam/paging.py adds to a page: its ids first; on PostgreSQL also a savepoint around
    ids and rows, the planner settings for each (few matches: filter first; rows: joins in the
    written order) and, inside a test's transaction, putting them back."""
    return 6 if connection.vendor == "postgresql" else 1


@pytest.mark.parametrize(("role", "sees"), [("it", 60), ("manager", 60), ("employee", 15)])
def test_list_runs_the_same_number_of_queries_whatever_the_page_size(role, sees):
    # Given 60 assets with models, vendors, nested locations and every kind of holder, owned
    # by a department the manager runs; the employee holds a quarter of them
    dept = DepartmentFactory()
    user = make_user(role, username=f"reader-{role}", department=dept)
    _rich_register(60, dept=dept, person=user if role == "employee" else None)
    client = client_for(user)
    client.get(LIST, {"page_size": 1})  # the user's permission cache, kept on the user object

    # When the list is read with 5 and with 60 rows a page
    counts = {}
    for size in (5, 60):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST, {"page_size": size})
        assert response.status_code == 200
        assert response.json()["count"] == sees
        assert len(response.json()["results"]) == min(size, sees)
        counts[size] = len(queries)

    # Then the number of queries does not grow with the page
    assert counts[5] == counts[60]
    assert counts[60] <= 4 + paging_queries(), counts


@pytest.mark.parametrize("as_of", [False, True])
def test_list_queries_are_fixed_with_filters_and_as_of_too(it_api, as_of):
    _rich_register(30)
    params = {"status": "deployed", "q": "Asset", "ordering": "-holder"}
    if as_of:
        params["as_of"] = timezone.now().isoformat()
    it_api.get(LIST, {"page_size": 1})  # the user's permission cache
    with CaptureQueriesContext(connection) as small:
        it_api.get(LIST, {**params, "page_size": 3})
    with CaptureQueriesContext(connection) as large:
        response = it_api.get(LIST, {**params, "page_size": 30})
    assert response.json()["count"] == 22
    assert len(small) == len(large) <= 2 + paging_queries()


# --- create -------------------------------------------------------------------------------------


def test_create_registers_an_asset_with_a_generated_tag(it_api, it_user):
    CategoryFactory(slug="laptops")
    store = LocationFactory(name="Store")

    response = it_api.post(
        LIST,
        {
            "name": "ThinkPad T14",
            "category": "laptops",
            "serial_number": "PF-123",
            "location": store.pk,
            "purchase_cost": "1299.50",
            "purchase_date": "2025-03-01",
            "reason": "Bought for new starters",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "in_stock"
    assert body["tag"].startswith("IT-")
    asset = Asset.objects.get(tag=body["tag"])
    assert (asset.name, asset.serial_number, asset.location, asset.purchase_cost) == (
        "ThinkPad T14",
        "PF-123",
        store,
        Decimal("1299.50"),
    )
    assert response["Location"].endswith(f"/api/v1/assets/{asset.tag}/")
    first = asset.history.get()
    assert (first.history_user, first.history_change_reason) == (
        it_user,
        "Bought for new starters",
    )


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"category": "no-such-thing"}, "category", "No category"),
        ({"purchase_cost": "-5"}, "purchase_cost", "negative"),
        ({"purchase_date": "31/12/2025"}, "purchase_date", "format"),
        ({"purchase_date": "2025-02-30"}, "purchase_date", "format"),
        ({"location": 999999}, "location", "No location with id 999999"),
        ({"tag": "has space"}, "tag", "letters, digits"),
        ({"status": "deployed"}, "status", "lifecycle move"),
        ({"status": "in_stock"}, "status", "lifecycle move"),
        ({"assigned_user": "someone"}, "assigned_user", "deploy"),
        ({"serail_number": "typo"}, "serail_number", "Unknown field"),
        ({"name": ""}, "name", "blank"),
    ],
)
def test_create_with_bad_input_is_a_400_per_field_and_saves_nothing(it_api, change, field, words):
    CategoryFactory(slug="laptops")
    body = {"name": "Laptop", "category": "laptops", "purchase_cost": "10.00", **change}

    response = it_api.post(LIST, body, format="json")

    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "invalid"
    assert field in error["errors"]
    assert words.lower() in " ".join(error["errors"][field]).lower()
    assert words.lower() in error["detail"].lower()
    assert not Asset.objects.exists()


def test_create_with_an_existing_tag_is_refused(it_api):
    existing = make_asset()
    CategoryFactory(slug="laptops")

    response = it_api.post(
        LIST, {"name": "Copy", "category": "laptops", "tag": existing.tag}, format="json"
    )

    assert response.status_code == 400
    assert "already in use" in response.json()["errors"]["tag"][0]
    assert Asset.objects.count() == 1


def test_create_with_a_pre_printed_tag_uses_it(it_api):
    CategoryFactory(slug="laptops")

    response = it_api.post(
        LIST, {"name": "Loaner", "category": "laptops", "tag": "LOAN-07"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["tag"] == "LOAN-07"
    assert Asset.objects.get().tag == "LOAN-07"


def test_a_tag_cannot_be_changed_by_patch(it_api):
    asset = make_asset()

    response = it_api.patch(f"{LIST}{asset.tag}/", {"tag": "NEW-1"}, format="json")

    assert response.status_code == 400
    assert "cannot be changed" in response.json()["errors"]["tag"][0]
    asset.refresh_from_db()
    assert asset.tag != "NEW-1"


def test_create_without_the_right_is_a_403_and_saves_nothing():
    CategoryFactory(slug="laptops")
    for role in ("employee", "manager", "auditor"):
        client = client_for(make_user(role, username=f"no-create-{role}"))
        response = client.post(LIST, {"name": "X", "category": "laptops"}, format="json")
        assert response.status_code == 403
        assert "register" in response.json()["detail"]
    # a bad body from someone without the right is still a 403 (the role is the first problem)
    response = client.post(LIST, {"category": "nope"}, format="json")
    assert response.status_code == 403
    assert not Asset.objects.exists()


# --- detail and update --------------------------------------------------------------------------


def test_detail_by_tag(it_api):
    asset = make_asset(name="Monitor")

    response = it_api.get(f"{LIST}{asset.tag}/")

    assert response.status_code == 200
    assert response.json()["name"] == "Monitor"
    assert it_api.get(f"{LIST}IT-999999/").status_code == 404


def test_patch_name_edits_and_leaves_a_history_row(it_api, it_user):
    asset = make_asset(name="Old name")

    response = it_api.patch(
        f"{LIST}{asset.tag}/", {"name": "New name", "reason": "Typo"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["name"] == "New name"
    asset.refresh_from_db()
    assert asset.name == "New name"
    latest = asset.history.latest("history_date")
    assert (latest.history_user, latest.history_change_reason, latest.history_action) == (
        it_user,
        "Typo",
        "edit",
    )


def test_patch_status_is_a_400_naming_the_moves_and_changes_nothing(it_api):
    asset = make_asset(name="Keep me")
    rows_before = asset.history.count()

    response = it_api.patch(
        f"{LIST}{asset.tag}/", {"status": "retired", "name": "Changed"}, format="json"
    )

    assert response.status_code == 400
    message = " ".join(response.json()["errors"]["status"])
    assert "read-only" in message and "retire" in message and "check-in" in message
    asset.refresh_from_db()
    assert (asset.status, asset.name) == ("in_stock", "Keep me")
    assert asset.history.count() == rows_before


def test_patch_holder_is_refused(it_api):
    asset = make_asset()
    response = it_api.patch(
        f"{LIST}{asset.tag}/", {"holder": {"kind": "user", "id": 1}}, format="json"
    )
    assert response.status_code == 400
    assert "deploy" in " ".join(response.json()["errors"]["holder"])


def test_patch_bad_values_are_400_and_change_nothing(it_api):
    asset = make_asset(name="Same", purchase_cost=Decimal("5.00"))

    negative = it_api.patch(f"{LIST}{asset.tag}/", {"purchase_cost": "-1"}, format="json")
    bad_date = it_api.patch(f"{LIST}{asset.tag}/", {"warranty_end": "soon"}, format="json")

    assert negative.status_code == bad_date.status_code == 400
    asset.refresh_from_db()
    assert asset.purchase_cost == Decimal("5.00")


def test_put_of_what_get_returned_round_trips(it_api):
    # Given an asset's representation, read-only fields (tag, status, holder) included
    asset = make_asset("deployed", name="Round trip")
    body = it_api.get(f"{LIST}{asset.tag}/").json()

    # When a script sends it back with one change
    body["name"] = "Round trip 2"
    response = it_api.put(f"{LIST}{asset.tag}/", body, format="json")

    # Then the unchanged read-only values are accepted and the change is made
    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "Round trip 2"
    assert response.json()["status"] == "deployed"


def test_edit_without_the_right_is_a_403():
    asset = make_asset(name="Untouched")
    auditor = client_for(make_user("auditor"))

    response = auditor.patch(f"{LIST}{asset.tag}/", {"name": "Hacked"}, format="json")

    assert response.status_code == 403
    asset.refresh_from_db()
    assert asset.name == "Untouched"


def test_delete_is_not_allowed(it_api):
    asset = make_asset()
    assert it_api.delete(f"{LIST}{asset.tag}/").status_code == 405
    assert Asset.objects.filter(pk=asset.pk).exists()


# --- as_of --------------------------------------------------------------------------------------


def test_as_of_returns_the_register_as_it_stood(it_api):
    # Given laptop A registered, a moment, then A deployed and laptop B registered
    actor = it_robot()
    a = make_asset("in_stock", name="Laptop A")
    then = timezone.now()
    lifecycle.deploy(a, to=make_user("employee"), actor=actor)
    b = make_asset("in_stock", name="Laptop B")

    # When the register is read as of that moment, and today
    past = it_api.get(LIST, {"as_of": then.isoformat()})
    now = it_api.get(LIST)

    # Then A was in stock with no holder and B did not exist yet
    assert past.status_code == 200
    rows = {r["tag"]: r for r in past.json()["results"]}
    assert set(rows) == {a.tag}
    assert rows[a.tag]["status"] == "in_stock"
    assert rows[a.tag]["holder"] is None
    current = {r["tag"]: r["status"] for r in now.json()["results"]}
    assert current == {a.tag: "deployed", b.tag: "in_stock"}


def test_as_of_applies_filters_to_the_past_state(it_api):
    actor = it_robot()
    a = make_asset("in_stock")
    then = timezone.now()
    lifecycle.deploy(a, to=make_user("employee"), actor=actor)

    in_stock_then = it_api.get(LIST, {"as_of": then.isoformat(), "status": "in_stock"})
    deployed_then = it_api.get(LIST, {"as_of": then.isoformat(), "status": "deployed"})

    assert tags(in_stock_then) == [a.tag]
    assert tags(deployed_then) == []


def test_as_of_a_date_before_anything_is_an_empty_register(it_api):
    make_asset()
    day = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()

    response = it_api.get(LIST, {"as_of": day})

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_as_of_is_scoped_to_what_the_person_may_see():
    actor = it_robot()
    employee = make_user("employee", username="holder-then")
    mine = make_asset("deployed", holder=employee)
    make_asset("deployed")
    then = timezone.now()
    lifecycle.check_in(mine, actor=actor)

    response = client_for(employee).get(LIST, {"as_of": then.isoformat()})

    assert tags(response) == [mine.tag]


@pytest.mark.parametrize("value", ["yesterday", "2025-13-01", "2025-01-01T25:00"])
def test_bad_as_of_is_a_400_with_a_clear_message(it_api, value):
    response = it_api.get(LIST, {"as_of": value})

    assert response.status_code == 400
    assert "ISO 8601" in " ".join(response.json()["errors"]["as_of"])
