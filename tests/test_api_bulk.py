"""The bulk moves API and the people API: all or none, every failure named, per role."""

import pytest
from rest_framework.test import APIClient

from assets import lifecycle
from assets.models import Asset, ChecklistItem
from tests.factories import (
    CategoryFactory,
    DepartmentFactory,
    LocationFactory,
    make_asset,
    make_user,
)

pytestmark = pytest.mark.django_db

BULK = "/api/v1/assets/bulk/{}/"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def it_user():
    return make_user("it", username="ian")


@pytest.fixture
def team():
    return DepartmentFactory(name="Finance", slug="finance")


@pytest.fixture
def leaver(team):
    return make_user("employee", username="lee", first_name="Lee", last_name="Ver", department=team)


def as_user(api, user):
    api.force_authenticate(user)
    return api


# --- bulk moves ----------------------------------------------------------------------------


def test_bulk_check_in_answers_every_asset_as_it_is_now(api, it_user, leaver):
    # Given three deployed assets and a store
    assets = [make_asset("deployed", holder=leaver) for _ in range(3)]
    store = LocationFactory(name="Store")

    # When IT checks them in through the API
    response = as_user(api, it_user).post(
        BULK.format("check-in"),
        {
            "tags": [a.tag for a in assets],
            "location": store.pk,
            "condition": "good",
            "reason": "Returned",
        },
        format="json",
    )

    # Then 200 with the three assets, in stock at the store
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["count"] == 3
    assert [a["tag"] for a in body["assets"]] == [a.tag for a in assets]
    assert {a["status"] for a in body["assets"]} == {"in_stock"}
    assert {a["location"] for a in body["assets"]} == {store.pk}


def test_a_bulk_move_one_asset_refuses_applies_nothing_and_names_each_failure(api, it_user):
    # Given two in-stock assets and two that cannot be deployed
    good = [make_asset("in_stock") for _ in range(2)]
    missing = make_asset("missing")
    retired = make_asset("retired")

    # When IT deploys all four to a department
    response = as_user(api, it_user).post(
        BULK.format("deploy"),
        {
            "tags": [good[0].tag, missing.tag, good[1].tag, retired.tag],
            "department": DepartmentFactory().pk,
        },
        format="json",
    )

    # Then 409 listing both failures and why; nothing applied
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "bulk_refused"
    refused = {item["tag"]: item["reason"] for item in body["refused"]}
    assert set(refused) == {missing.tag, retired.tag}
    assert "missing" in refused[missing.tag]
    assert "retired" in refused[retired.tag]
    assert Asset.objects.filter(status="deployed").count() == 0


def test_an_unticked_required_step_is_a_400_naming_the_asset(api, it_user):
    laptops = CategoryFactory(name="Laptops")
    step = ChecklistItem.objects.create(category=laptops, text="Install VPN client")
    laptop = make_asset("in_stock", category=laptops)
    department = DepartmentFactory()
    client = as_user(api, it_user)

    refused = client.post(
        BULK.format("deploy"), {"tags": [laptop.tag], "department": department.pk}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["refused"][0]["tag"] == laptop.tag
    assert "Install VPN client" in refused.json()["refused"][0]["reason"]

    done = client.post(
        BULK.format("deploy"),
        {"tags": [laptop.tag], "department": department.pk, "checklist": [step.pk]},
        format="json",
    )
    assert done.status_code == 200
    assert done.json()["assets"][0]["holder"]["kind"] == "department"


def test_unknown_tags_are_a_400_naming_them(api, it_user):
    asset = make_asset("deployed")
    response = as_user(api, it_user).post(
        BULK.format("relocate"),
        {"tags": [asset.tag, "IT-999999"], "location": LocationFactory().pk},
        format="json",
    )
    assert response.status_code == 400
    assert "IT-999999" in response.json()["detail"]


def test_bad_bodies_are_400(api, it_user):
    client = as_user(api, it_user)
    assert client.post(BULK.format("relocate"), {"tags": []}, format="json").status_code == 400
    typo = client.post(BULK.format("check-in"), {"tags": ["X"], "locaton": 1}, format="json").json()
    assert "locaton" in typo["errors"]


def test_relocate_moves_the_place_and_keeps_status(api, it_user, leaver):
    asset = make_asset("deployed", holder=leaver)
    office = LocationFactory(name="New office")
    response = as_user(api, it_user).post(
        BULK.format("relocate"), {"tags": [asset.tag], "location": office.pk}, format="json"
    )
    assert response.status_code == 200
    moved = response.json()["assets"][0]
    assert (moved["status"], moved["location"], moved["holder"]["username"]) == (
        "deployed",
        office.pk,
        "lee",
    )


@pytest.mark.parametrize("role", ["employee", "manager", "auditor"])
@pytest.mark.parametrize("action", ["check-in", "relocate", "deploy"])
def test_roles_without_the_right_get_403_before_tags_are_looked_at(api, role, action):
    asset = make_asset("deployed")
    response = as_user(api, make_user(role)).post(
        BULK.format(action), {"tags": [asset.tag, "NOPE-1"]}, format="json"
    )
    assert response.status_code == 403
    assert "role" in response.json()["detail"]
    asset.refresh_from_db()
    assert asset.status == "deployed"


def test_anonymous_bulk_requests_are_refused(api):
    response = api.post(BULK.format("check-in"), {"tags": ["X"]}, format="json")
    assert response.status_code == 401


# --- people --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [
        ("it", 200),
        ("auditor", 200),
        ("own_manager", 200),
        ("other_manager", 404),
        ("employee", 404),
        ("self", 200),
    ],
)
def test_who_sees_a_persons_holdings(api, team, leaver, viewer, expected):
    asset = make_asset("deployed", holder=leaver)
    viewers = {
        "it": lambda: make_user("it"),
        "auditor": lambda: make_user("auditor"),
        "own_manager": lambda: make_user("manager", department=team),
        "other_manager": lambda: make_user("manager", department=DepartmentFactory()),
        "employee": lambda: make_user("employee", department=team),
        "self": lambda: leaver,
    }
    response = as_user(api, viewers[viewer]()).get("/api/v1/people/lee/")
    assert response.status_code == expected
    if expected == 200:
        body = response.json()
        assert [a["tag"] for a in body["assets"]] == [asset.tag]
        assert body["department"]["slug"] == "finance"
        assert body["open_deployments"][0]["tag"] == asset.tag
        assert body["licence_seats"] == []


def test_offboard_returns_every_asset_the_person_held(api, it_user, leaver):
    # Given a leaver with 5 assets, one of them in repair
    assets = [make_asset("deployed", holder=leaver) for _ in range(4)]
    assets.append(make_asset("in_maintenance_deployed", holder=leaver))
    store = LocationFactory(name="Store")

    # When IT offboards them through the API, deactivating the account
    response = as_user(api, it_user).post(
        "/api/v1/people/lee/offboard/",
        {"location": store.pk, "reason": "Left on 30 June", "deactivate": True},
        format="json",
    )

    # Then the answer lists every asset they held, with what happened to each
    assert response.status_code == 200, response.json()
    body = response.json()
    assert sorted(a["tag"] for a in body["assets"]) == sorted(a.tag for a in assets)
    assert body["returned"] == 4
    outcomes = {r["tag"]: r["outcome"] for r in body["results"]}
    assert outcomes[assets[-1].tag] == "released"
    assert body["deactivated"] is True
    leaver.refresh_from_db()
    assert not leaver.is_active


def test_offboard_that_fails_for_one_asset_is_a_409_naming_it(api, it_user, leaver):
    assets = [make_asset("deployed", holder=leaver) for _ in range(3)]
    shown = [a.tag for a in assets]
    lifecycle.mark_missing(assets[1], actor=it_user, reason="Gone")
    response = as_user(api, it_user).post(
        "/api/v1/people/lee/offboard/",
        {"location": LocationFactory().pk, "reason": "Left", "tags": shown},
        format="json",
    )
    assert response.status_code == 409
    body = response.json()
    assert body["refused"][0]["tag"] == assets[1].tag
    assert Asset.objects.filter(assigned_user=leaver, status="deployed").count() == 2


@pytest.mark.parametrize("role", ["employee", "manager", "auditor"])
def test_offboard_needs_the_check_in_right(api, leaver, role):
    make_asset("deployed", holder=leaver)
    response = as_user(api, make_user(role)).post(
        "/api/v1/people/lee/offboard/",
        {"location": LocationFactory().pk, "reason": "Left"},
        format="json",
    )
    assert response.status_code == 403


def test_offboarding_an_unknown_person_is_404(api, it_user):
    response = as_user(api, it_user).post(
        "/api/v1/people/nobody/offboard/",
        {"location": LocationFactory().pk, "reason": "Left"},
        format="json",
    )
    assert response.status_code == 404
