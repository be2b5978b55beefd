"""The catalogue API: categories and checklists, manufacturers, asset models, vendors, locations,
departments. Anyone signed in reads (vendors: IT staff and auditors); IT staff add and edit;
only administrators delete, and never something in use."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from assets.choices import LocationKind
from assets.models import AssetModel, Category, ChecklistItem, Department, Location, Manufacturer
from requests_app.models import Budget
from tests.factories import (
    AssetModelFactory,
    CategoryFactory,
    DepartmentFactory,
    LocationFactory,
    ManufacturerFactory,
    VendorFactory,
    make_asset,
    make_user,
)

pytestmark = pytest.mark.django_db

ROLES = ["employee", "manager", "auditor", "it"]


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def as_role(role: str) -> APIClient:
    return api_for(make_user(role, username=f"{role}-user"))


# --- reading -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_catalogue_but_only_it_and_auditors_see_vendors(role):
    maker = ManufacturerFactory(name="Dell", slug="dell")
    CategoryFactory(name="Laptops", slug="laptops")
    AssetModelFactory(manufacturer=maker, name="Latitude 7450")
    VendorFactory(name="Insight", email="sales@insight.example")
    api = as_role(role)

    for url in (
        "/api/v1/categories/",
        "/api/v1/manufacturers/",
        "/api/v1/asset-models/",
        "/api/v1/locations/",
        "/api/v1/departments/",
    ):
        assert api.get(url).status_code == 200, url

    vendors = api.get("/api/v1/vendors/")
    if role in ("it", "auditor"):
        assert vendors.status_code == 200
        assert vendors.json()["results"][0]["email"] == "sales@insight.example"
    else:
        assert vendors.status_code == 403
        assert "IT staff and auditors" in vendors.json()["detail"]
        assert b"insight.example" not in vendors.content


def test_lists_are_paginated_searchable_filterable_and_sortable():
    dell = ManufacturerFactory(name="Dell", slug="dell")
    apple = ManufacturerFactory(name="Apple", slug="apple")
    laptops = CategoryFactory(name="Laptops", slug="laptops")
    phones = CategoryFactory(name="Phones", slug="phones")
    AssetModelFactory(manufacturer=dell, name="Latitude 7450", category=laptops)
    AssetModelFactory(manufacturer=dell, name="Precision 5690", category=laptops)
    AssetModelFactory(manufacturer=apple, name="iPhone 16", category=phones, model_number="A3081")
    api = as_role("employee")

    page = api.get("/api/v1/asset-models/", {"page_size": 2}).json()
    assert page["count"] == 3 and len(page["results"]) == 2
    assert page["next"] and page["previous"] is None

    def names(**params) -> list[str]:
        return [m["name"] for m in api.get("/api/v1/asset-models/", params).json()["results"]]

    assert names() == ["iPhone 16", "Latitude 7450", "Precision 5690"]  # maker, then name
    assert names(manufacturer=dell.pk, ordering="-name") == ["Precision 5690", "Latitude 7450"]
    assert names(category="phones") == ["iPhone 16"]
    assert names(q="a3081") == ["iPhone 16"]
    assert names(q="dell precision") == ["Precision 5690"]
    assert names(ordering="-id")[0] == "iPhone 16"
    model = api.get("/api/v1/asset-models/", {"q": "iphone"}).json()["results"][0]
    assert model["manufacturer"] == apple.pk and model["manufacturer_name"] == "Apple"
    assert model["category"] == "phones" and model["full_name"] == "Apple iPhone 16"


def test_location_and_department_filters():
    hq = LocationFactory(name="HQ")
    LocationFactory(name="Room 1", kind=LocationKind.ROOM, parent=hq, address="Floor 2")
    LocationFactory(name="Depot")
    boss = make_user("manager", username="boss")
    DepartmentFactory(name="Sales", slug="sales", manager=boss, cost_centre="CC-7")
    DepartmentFactory(name="Finance", slug="finance")
    api = as_role("employee")

    def locations(**params) -> list[str]:
        return [x["full_name"] for x in api.get("/api/v1/locations/", params).json()["results"]]

    assert locations(top="true") == ["Depot", "HQ"]
    assert locations(parent=hq.pk) == ["HQ › Room 1"]
    assert locations(kind="room") == ["HQ › Room 1"]
    assert locations(q="floor 2") == ["HQ › Room 1"]
    assert locations(ordering="-name") == ["HQ › Room 1", "HQ", "Depot"]

    departments = api.get("/api/v1/departments/", {"manager": "BOSS"}).json()["results"]
    assert [d["slug"] for d in departments] == ["sales"]
    assert api.get("/api/v1/departments/", {"q": "cc-7"}).json()["count"] == 1


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/categories/",
        "/api/v1/manufacturers/",
        "/api/v1/asset-models/",
        "/api/v1/vendors/",
        "/api/v1/locations/",
        "/api/v1/departments/",
    ],
)
def test_lists_cost_a_fixed_number_of_queries(url, django_assert_max_num_queries):
    for n in range(12):
        site = LocationFactory(name=f"Site {n}")
        room = LocationFactory(name="Room", kind=LocationKind.ROOM, parent=site)
        LocationFactory(name="Desk", kind=LocationKind.ROOM, parent=room)
        category = CategoryFactory(name=f"Cat {n}", slug=f"cat-{n}")
        ChecklistItem.objects.create(category=category, text="Enrol in MDM")
        AssetModelFactory(category=category)
        VendorFactory()
        DepartmentFactory(manager=make_user("employee"))
    api = as_role("it")

    # session + user + permissions, count, page, and one prefetch for checklists
    with django_assert_max_num_queries(7):
        response = api.get(url, {"page_size": 100})
    assert response.status_code == 200 and response.json()["count"] >= 12


# --- writing -------------------------------------------------------------------------------------


def test_it_staff_build_the_catalogue_for_a_migration():
    api = as_role("it")

    maker = api.post("/api/v1/manufacturers/", {"name": "Lenovo Group"}, format="json")
    assert maker.status_code == 201 and maker.json()["slug"] == "lenovo-group"
    category = api.post(
        "/api/v1/categories/",
        {"name": "Docking stations", "kind": "hardware", "audit_interval_days": 180},
        format="json",
    )
    assert category.status_code == 201 and category.json()["slug"] == "docking-stations"
    model = api.post(
        "/api/v1/asset-models/",
        {
            "name": "ThinkPad Dock",
            "manufacturer": maker.json()["id"],
            "category": "docking-stations",
        },
        format="json",
    )
    assert model.status_code == 201 and model.json()["full_name"] == "Lenovo Group ThinkPad Dock"
    vendor = api.post("/api/v1/vendors/", {"name": "CDW", "phone": "0800 1"}, format="json")
    assert vendor.status_code == 201
    site = api.post("/api/v1/locations/", {"name": "Leeds", "kind": "site"}, format="json")
    room = api.post(
        "/api/v1/locations/",
        {"name": "Store", "kind": "room", "parent": site.json()["id"]},
        format="json",
    )
    assert room.status_code == 201 and room.json()["full_name"] == "Leeds › Store"
    team = api.post("/api/v1/departments/", {"name": "Field Ops"}, format="json")
    assert team.status_code == 201
    assert (team.json()["slug"], team.json()["manager"]) == ("field-ops", None)

    edited = api.patch(
        "/api/v1/categories/docking-stations/",
        {"holds_data": False, "acceptance_text": "Keep it on your desk."},
        format="json",
    )
    assert edited.status_code == 200 and edited.json()["acceptance_version"] == 1
    # the history says who did it
    assert Manufacturer.history.get(slug="lenovo-group").history_user.username == "it-user"


def test_a_get_body_can_be_put_back_and_unknown_keys_are_refused():
    CategoryFactory(name="Laptops", slug="laptops")
    api = as_role("it")
    body = api.get("/api/v1/categories/laptops/").json()

    assert api.put("/api/v1/categories/laptops/", body, format="json").status_code == 200
    typo = api.patch("/api/v1/categories/laptops/", {"hold_data": True}, format="json")
    assert typo.status_code == 400 and "hold_data" in typo.json()["errors"]


@pytest.mark.parametrize("role", ["employee", "manager", "auditor"])
def test_other_roles_cannot_write_the_catalogue(role):
    CategoryFactory(name="Laptops", slug="laptops")
    maker = ManufacturerFactory(name="Dell", slug="dell")
    api = as_role(role)

    created = api.post("/api/v1/manufacturers/", {"name": "Acme"}, format="json")
    assert created.status_code == 403
    assert created.json()["detail"] == "Your role does not allow you to add manufacturers."
    assert api.patch(f"/api/v1/manufacturers/{maker.pk}/", {"name": "X"}).status_code == 403
    assert api.delete("/api/v1/categories/laptops/").status_code == 403
    step = api.post("/api/v1/categories/laptops/checklist/", {"text": "Tag it"}, format="json")
    assert step.status_code == 403
    assert not Manufacturer.objects.filter(name="Acme").exists()
    assert Manufacturer.objects.get(pk=maker.pk).name == "Dell"


def test_bad_input_is_a_400_naming_the_field():
    dell = ManufacturerFactory(name="Dell", slug="dell")
    laptops = CategoryFactory(name="Laptops", slug="laptops")
    AssetModelFactory(manufacturer=dell, name="Latitude 7450", category=laptops)
    hq = LocationFactory(name="HQ")
    api = as_role("it")

    twin = api.post(
        "/api/v1/asset-models/",
        {"name": "latitude 7450", "manufacturer": dell.pk, "category": "laptops"},
        format="json",
    )
    assert twin.status_code == 400 and "already has a model" in twin.json()["errors"]["name"][0]
    missing = api.post(
        "/api/v1/asset-models/",
        {"name": "X", "manufacturer": 999999, "category": "nope"},
        format="json",
    )
    assert set(missing.json()["errors"]) == {"manufacturer", "category"}
    again = api.post("/api/v1/locations/", {"name": "hq", "kind": "site"}, format="json")
    assert again.status_code == 400 and "at the top level" in again.json()["errors"]["name"][0]
    taken = api.post("/api/v1/categories/", {"name": "Laptops"}, format="json")
    assert taken.status_code == 400 and "name" in taken.json()["errors"]
    zero = api.patch("/api/v1/categories/laptops/", {"audit_interval_days": 0}, format="json")
    assert zero.status_code == 400
    nobody = api.patch(f"/api/v1/locations/{hq.pk}/", {"kind": "castle"}, format="json")
    assert nobody.status_code == 400 and "kind" in nobody.json()["errors"]


def test_a_location_cannot_move_inside_itself():
    hq = LocationFactory(name="HQ")
    floor = LocationFactory(name="Floor 1", kind=LocationKind.FLOOR, parent=hq)
    room = LocationFactory(name="Room 101", kind=LocationKind.ROOM, parent=floor)
    api = as_role("it")

    for parent in (hq, room):
        refused = api.patch(f"/api/v1/locations/{hq.pk}/", {"parent": parent.pk}, format="json")
        assert refused.status_code == 400
        assert "choose a place outside it" in refused.json()["errors"]["parent"][0]
    assert Location.objects.get(pk=hq.pk).parent is None

    moved = api.patch(f"/api/v1/locations/{room.pk}/", {"parent": hq.pk}, format="json")
    assert moved.status_code == 200 and moved.json()["full_name"] == "HQ › Room 101"


# --- deleting ------------------------------------------------------------------------------------


def test_it_staff_cannot_delete_administrators_delete_what_is_unused():
    ManufacturerFactory(name="Unused", slug="unused")
    maker = Manufacturer.objects.get(slug="unused")

    refused = as_role("it").delete(f"/api/v1/manufacturers/{maker.pk}/")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Your role does not allow you to delete manufacturers."

    admin = api_for(make_user("admin", username="root"))
    assert admin.delete(f"/api/v1/manufacturers/{maker.pk}/").status_code == 204
    assert not Manufacturer.objects.filter(pk=maker.pk).exists()
    assert admin.delete(f"/api/v1/manufacturers/{maker.pk}/").status_code == 404


def test_deleting_something_in_use_is_a_409_saying_what_uses_it():
    laptops = CategoryFactory(name="Laptops", slug="laptops")
    ChecklistItem.objects.create(category=laptops, text="Enrol in MDM")
    model = AssetModelFactory(category=laptops)
    hq = LocationFactory(name="HQ")
    make_asset(category=laptops, model=model, location=hq)
    make_asset(category=laptops, location=hq)
    admin = api_for(make_user("admin", username="root"))

    refused = admin.delete("/api/v1/categories/laptops/")
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "in_use"
    assert "2 assets (category)" in body["detail"] and "1 asset model" in body["detail"]
    assert {"what": "assets", "field": "category", "count": 2} in body["in_use"]
    assert Category.objects.filter(slug="laptops").exists()
    assert ChecklistItem.objects.filter(category=laptops).count() == 1

    assert admin.delete(f"/api/v1/locations/{hq.pk}/").status_code == 409
    assert admin.delete(f"/api/v1/asset-models/{model.pk}/").status_code == 409
    assert AssetModel.objects.filter(pk=model.pk).exists()


def test_a_department_with_people_or_a_budget_is_in_use():
    # Their link would be emptied (people) or deleted along (budgets) without the check.
    sales = DepartmentFactory(name="Sales", slug="sales")
    make_user("employee", department=sales)
    finance = DepartmentFactory(name="Finance", slug="finance")
    Budget.objects.create(department=finance, fiscal_year=2025, amount=Decimal("1000.00"))
    DepartmentFactory(name="Empty", slug="empty")
    admin = api_for(make_user("admin", username="root"))

    for team in ("sales", "finance"):
        pk = Department.objects.get(slug=team).pk
        refused = admin.delete(f"/api/v1/departments/{pk}/")
        assert refused.status_code == 409, team
    assert "1 budget" in admin.delete(f"/api/v1/departments/{finance.pk}/").json()["detail"]
    assert Budget.objects.filter(department=finance).exists()
    empty = Department.objects.get(slug="empty")
    assert admin.delete(f"/api/v1/departments/{empty.pk}/").status_code == 204


# --- checklists ----------------------------------------------------------------------------------


def test_it_staff_edit_a_categorys_checklist_everyone_reads_it():
    laptops = CategoryFactory(name="Laptops", slug="laptops")
    it = as_role("it")

    first = it.post(
        "/api/v1/categories/laptops/checklist/",
        {"text": "Enrol in MDM", "position": 2},
        format="json",
    )
    second = it.post(
        "/api/v1/categories/laptops/checklist/",
        {"text": "Encrypt the disk", "position": 1, "required": False},
        format="json",
    )
    assert first.status_code == second.status_code == 201
    steps = as_role("employee").get("/api/v1/categories/laptops/checklist/").json()["results"]
    assert [(s["text"], s["required"]) for s in steps] == [
        ("Encrypt the disk", False),
        ("Enrol in MDM", True),
    ]
    step = first.json()["id"]
    renamed = it.patch(
        f"/api/v1/categories/laptops/checklist/{step}/", {"text": "Enrol in Intune"}, format="json"
    )
    assert renamed.status_code == 200
    assert it.delete(f"/api/v1/categories/laptops/checklist/{step}/").status_code == 204
    assert [c.text for c in laptops.checklist.all()] == ["Encrypt the disk"]


def test_a_step_is_found_only_under_its_own_category():
    laptops = CategoryFactory(name="Laptops", slug="laptops")
    CategoryFactory(name="Phones", slug="phones")
    step = ChecklistItem.objects.create(category=laptops, text="Enrol in MDM")
    it = as_role("it")

    assert it.get(f"/api/v1/categories/phones/checklist/{step.pk}/").status_code == 404
    assert it.get("/api/v1/categories/nope/checklist/").status_code == 404
    assert it.get(f"/api/v1/categories/laptops/checklist/{step.pk}/").status_code == 200


# --- controls only administrators move -----------------------------------------------------------


def test_only_administrators_choose_a_departments_manager():
    team = DepartmentFactory(name="Sales", slug="sales")
    make_user("manager", username="pat")
    it = make_user("it", username="ivy")
    url = f"/api/v1/departments/{team.pk}/"

    # IT staff edit departments, but cannot give themselves (or anyone) approval rights.
    for body in ({"manager": "ivy"}, {"manager": "pat"}):
        refused = api_for(it).patch(url, body, format="json")
        assert refused.status_code == 403
        assert "Only administrators may choose a department's manager" in refused.json()["detail"]
    created = api_for(it).post(
        "/api/v1/departments/", {"name": "Field Ops", "manager": "ivy"}, format="json"
    )
    assert created.status_code == 403
    assert not Department.objects.filter(name="Field Ops").exists()
    team.refresh_from_db()
    assert team.manager is None
    for role in ("employee", "manager", "auditor"):
        assert as_role(role).patch(url, {"manager": "pat"}, format="json").status_code == 403

    admin = api_for(make_user("admin"))
    assert admin.patch(url, {"manager": "pat"}, format="json").status_code == 200
    team.refresh_from_db()
    assert team.manager.username == "pat"
    made = admin.post("/api/v1/departments/", {"name": "Support", "manager": "pat"}, format="json")
    assert made.status_code == 201 and made.json()["manager"] == "pat"

    # Other edits by IT staff, and sending the manager it already has, still work.
    body = api_for(it).get(url).json()
    assert api_for(it).put(url, {**body, "cost_centre": "CC-9"}, format="json").status_code == 200
    assert api_for(it).patch(url, {"manager": None}, format="json").status_code == 403
    team.refresh_from_db()
    assert (team.cost_centre, team.manager.username) == ("CC-9", "pat")


def test_only_administrators_switch_off_holds_data():
    CategoryFactory(name="Laptops", slug="laptops", holds_data=True)
    url = "/api/v1/categories/laptops/"
    for role in ("it", "employee", "manager", "auditor"):
        refused = as_role(role).patch(url, {"holds_data": False}, format="json")
        assert refused.status_code == 403, role
    refused = as_role("it").patch(url, {"holds_data": False}, format="json")
    assert "Only administrators may switch off “holds data”" in refused.json()["detail"]
    assert Category.objects.get(slug="laptops").holds_data is True

    it = as_role("it")
    assert it.patch(url, {"audit_interval_days": 90}, format="json").status_code == 200
    assert it.put(url, it.get(url).json(), format="json").status_code == 200
    assert Category.objects.get(slug="laptops").holds_data is True

    admin = api_for(make_user("admin"))
    assert admin.patch(url, {"holds_data": False}, format="json").status_code == 200
    assert Category.objects.get(slug="laptops").holds_data is False
    # Switching it on is the safe direction: IT staff may.
    assert it.patch(url, {"holds_data": True}, format="json").status_code == 200
    assert Category.objects.get(slug="laptops").holds_data is True
