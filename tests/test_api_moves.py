"""Lifecycle moves through the API: POST /api/v1/assets/<tag>/<action>/, and the history."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assets import lifecycle
from assets.models import Asset, WipeRecord
from tests.factories import (
    CategoryFactory,
    DepartmentFactory,
    LocationFactory,
    it_robot,
    make_asset,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def it_user():
    return make_user("it", username="ingrid-it")


@pytest.fixture
def api(it_user):
    client = APIClient()
    client.force_authenticate(it_user)
    return client


def move(api, asset, action, body=None):
    return api.post(f"/api/v1/assets/{asset.tag}/{action}/", body or {}, format="json")


def latest_history(asset):
    return asset.history.order_by("-history_date", "-history_id").first()


def assert_history(asset, *, user, action, reason, from_status, to_status):
    row = latest_history(asset)
    assert (
        row.history_user,
        row.history_action,
        row.history_change_reason,
        row.history_from_status,
        row.status,
    ) == (user, action, reason, from_status, to_status)


def test_every_lifecycle_move_has_an_endpoint():
    for m in lifecycle.MOVES.values():
        path = reverse(f"api-asset-{m.url_name}", args=["IT-000001"])
        assert path == f"/api/v1/assets/IT-000001/{m.url_name}/"


def test_deploy_to_a_user(api, it_user):
    asset = make_asset("in_stock")
    make_user("employee", username="ada", first_name="Ada", last_name="Lovelace")
    due = (timezone.localdate() + datetime.timedelta(days=14)).isoformat()

    response = move(
        api,
        asset,
        "deploy",
        {"user": "ada", "reason": "New starter", "expected_return_date": due},
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "deployed"
    assert body["holder"]["username"] == "ada"
    assert body["expected_return_date"] == due
    assert_history(
        asset,
        user=it_user,
        action="deploy",
        reason="New starter",
        from_status="in_stock",
        to_status="deployed",
    )


def test_deploy_to_a_location_and_to_a_department(api):
    room = LocationFactory(name="Meeting room")
    dept = DepartmentFactory(name="Sales", slug="sales")
    projector = make_asset("in_stock")
    pool_laptop = make_asset("in_stock")

    at_room = move(api, projector, "deploy", {"location": room.pk, "reason": "Installed"})
    to_dept = move(api, pool_laptop, "deploy", {"department": dept.pk})

    assert at_room.status_code == to_dept.status_code == 200
    assert at_room.json()["holder"] == {"kind": "location", "id": room.pk, "name": "Meeting room"}
    assert to_dept.json()["holder"] == {
        "kind": "department",
        "id": dept.pk,
        "name": "Sales",
        "slug": "sales",
    }


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({}, "non_field_errors", "exactly one"),
        ({"user": "ada", "location": "LOC"}, "non_field_errors", "You gave user, location"),
        ({"user": "nobody"}, "user", "No user with username “nobody”"),
        ({"location": 999999}, "location", "No location with id 999999"),
        ({"department": 999999}, "department", "No department with id 999999"),
        ({"user": "ada", "expected_return_date": "2000-01-01"}, "expected_return_date", "past"),
        ({"user": "ada", "expected_return_date": "next week"}, "expected_return_date", "format"),
        ({"user": "ada", "holder": "ada"}, "holder", "Unknown field"),
    ],
)
def test_deploy_bad_input_is_a_400_and_changes_nothing(api, body, field, words):
    asset = make_asset("in_stock")
    make_user("employee", username="ada")
    if body.get("location") == "LOC":
        body["location"] = LocationFactory().pk
    rows = asset.history.count()

    response = move(api, asset, "deploy", body)

    assert response.status_code == 400, response.json()
    assert words in " ".join(response.json()["errors"][field])
    asset.refresh_from_db()
    assert asset.status == "in_stock"
    assert asset.history.count() == rows


def test_deploy_to_an_inactive_user_is_a_400(api):
    asset = make_asset("in_stock")
    make_user("employee", username="gone", is_active=False)

    response = move(api, asset, "deploy", {"user": "gone"})

    assert response.status_code == 400
    assert "inactive" in response.json()["detail"]


def test_transfer_and_check_in(api, it_user):
    asset = make_asset("deployed")
    make_user("employee", username="bob")
    store = LocationFactory(name="Store")

    transferred = move(api, asset, "transfer", {"user": "bob", "reason": "Team change"})
    checked_in = move(api, asset, "check-in", {"location": store.pk, "reason": "Leaver"})

    assert transferred.status_code == 200
    assert transferred.json()["holder"]["username"] == "bob"
    assert checked_in.status_code == 200
    assert checked_in.json()["status"] == "in_stock"
    assert checked_in.json()["holder"] is None
    assert checked_in.json()["location"] == store.pk
    assert_history(
        asset,
        user=it_user,
        action="check_in",
        reason="Leaver",
        from_status="deployed",
        to_status="in_stock",
    )


def test_maintenance_round_trip_back_to_the_holder(api, it_user):
    holder = make_user("employee", username="carol")
    asset = make_asset("deployed", holder=holder)

    started = move(api, asset, "start-maintenance", {"reason": "Screen flickers"})
    done = move(api, asset, "complete-maintenance", {"return_to_holder": True})

    assert started.status_code == 200
    assert started.json()["status"] == "in_maintenance"
    assert done.status_code == 200
    assert done.json()["status"] == "deployed"
    assert done.json()["holder"]["username"] == "carol"


def test_complete_maintenance_to_stock(api):
    asset = make_asset("in_maintenance_deployed")
    shelf = LocationFactory(name="Shelf")

    response = move(
        api, asset, "complete-maintenance", {"return_to_holder": False, "location": shelf.pk}
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["location"]) == ("in_stock", shelf.pk)


def test_moves_that_need_a_reason_say_so(api):
    asset = make_asset("in_stock")
    for action in ("start-maintenance", "mark-missing", "retire"):
        response = move(api, asset, action, {"reason": "  "})
        assert response.status_code == 400, action
        assert "needs a reason" in " ".join(response.json()["errors"]["reason"])
    asset.refresh_from_db()
    assert asset.status == "in_stock"


def test_missing_then_found(api, it_user):
    asset = make_asset("in_stock")
    desk = LocationFactory(name="Found desk")

    missing = move(api, asset, "mark-missing", {"reason": "Not seen in audit"})
    found = move(api, asset, "found", {"location": desk.pk, "reason": "Under a desk"})

    assert missing.json()["status"] == "missing"
    assert found.status_code == 200
    assert (found.json()["status"], found.json()["location"]) == ("in_stock", desk.pk)
    assert_history(
        asset,
        user=it_user,
        action="found",
        reason="Under a desk",
        from_status="missing",
        to_status="in_stock",
    )


def test_retire_then_reinstate(api, it_user):
    asset = make_asset("in_stock")

    retired = move(api, asset, "retire", {"reason": "End of life"})
    assert retired.status_code == 200
    assert retired.json()["status"] == "retired"
    assert_history(
        asset,
        user=it_user,
        action="retire",
        reason="End of life",
        from_status="in_stock",
        to_status="retired",
    )

    reinstated = move(api, asset, "reinstate", {"reason": "Needed again"})
    assert reinstated.json()["status"] == "in_stock"


def test_receive_an_ordered_asset(api):
    asset = make_asset("on_order")
    dock = LocationFactory(name="Loading dock")

    response = move(api, asset, "receive", {"serial_number": "SN-42", "location": dock.pk})

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["serial_number"], body["location"]) == (
        "in_stock",
        "SN-42",
        dock.pk,
    )


def test_wipe_then_dispose_a_data_holding_asset(api, it_user):
    laptop = make_asset("retired", category=CategoryFactory(slug="laptops", holds_data=True))
    make_user("it", username="victor")

    refused = move(api, laptop, "dispose", {"method": "recycle"})
    assert refused.status_code == 409
    assert refused.json()["allowed_moves"] == ["wipe"]

    wiped = move(
        api,
        laptop,
        "wipe",
        {
            "method": "purge",
            "tool": "nwipe",
            "verified_by": "victor",
            "certificate": "CERT-7",
            "performed_on": timezone.localdate().isoformat(),
        },
    )
    assert wiped.status_code == 200, wiped.json()
    assert wiped.json()["status"] == "retired"
    assert wiped.json()["wipe"]["certificate_reference"] == "CERT-7"
    assert wiped.json()["wipe"]["performed_by"] == "ingrid-it"
    assert wiped.json()["wipe"]["is_verified"] is True
    record = WipeRecord.objects.get(asset=laptop)
    assert (record.method, record.verified_by.username) == ("purge", "victor")

    disposed = move(
        api,
        laptop,
        "dispose",
        {"method": "recycle", "recipient": "GreenIT", "proceeds": "12.50", "certificate": "D-1"},
    )
    assert disposed.status_code == 200, disposed.json()
    assert disposed.json()["status"] == "disposed"
    assert disposed.json()["disposal"]["recipient"] == "GreenIT"
    assert disposed.json()["disposal"]["certificate_reference"] == "D-1"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"method": "shred"}, "method"),
        ({"method": "purge", "performed_by": "nobody"}, "performed_by"),
        ({"method": "purge", "verified_by": "ingrid-it"}, "verified_by"),
        ({"method": "purge", "performed_on": "2999-01-01"}, "performed_on"),
        ({"method": "purge", "certificate": "A", "certificate_reference": "B"}, "certificate"),
    ],
)
def test_wipe_bad_input_is_a_400(api, body, field):
    laptop = make_asset("retired")

    response = move(api, laptop, "wipe", body)

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert not WipeRecord.objects.exists()


def test_dispose_negative_proceeds_is_a_400(api):
    asset = make_asset("retired")
    response = move(api, asset, "dispose", {"method": "sell", "proceeds": "-1"})
    assert response.status_code == 400
    assert "negative" in " ".join(response.json()["errors"]["proceeds"])


def test_a_refused_move_is_a_409_naming_the_state_and_the_allowed_moves(api):
    # Given a deployed asset
    asset = make_asset("deployed")
    rows = asset.history.count()

    # When someone tries to retire it
    response = move(api, asset, "retire", {"reason": "Old"})

    # Then the API refuses with the current state and what it allows, and nothing changes
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "transition_refused"
    assert body["current_status"] == "deployed"
    assert set(body["allowed_moves"]) >= {"check_in", "transfer"}
    assert "Check it in first" in body["detail"]
    asset.refresh_from_db()
    assert asset.status == "deployed"
    assert asset.history.count() == rows


def test_a_disposed_asset_refuses_everything(api):
    asset = make_asset("disposed")
    for m in lifecycle.MOVES.values():
        response = move(api, asset, m.url_name, {"reason": "try"})
        assert response.status_code in (400, 409), m.name
    assert Asset.objects.get(pk=asset.pk).status == "disposed"


def test_history_lists_every_change_newest_first(api, it_user):
    asset = make_asset("in_stock", name="ThinkPad")
    make_user("employee", username="ada")
    move(api, asset, "deploy", {"user": "ada", "reason": "New starter"})
    api.patch(f"/api/v1/assets/{asset.tag}/", {"notes": "Has a dock"}, format="json")

    response = api.get(f"/api/v1/assets/{asset.tag}/history/")

    assert response.status_code == 200
    rows = response.json()
    assert isinstance(rows, list)
    assert [r["action"] for r in rows] == ["edit", "deploy", "register"]
    for row in rows:
        assert {"at", "user", "action", "from_status", "to_status", "reason", "changes"} <= set(row)
    deploy = rows[1]
    assert (deploy["user"], deploy["reason"], deploy["from_status"], deploy["to_status"]) == (
        "ingrid-it",
        "New starter",
        "in_stock",
        "deployed",
    )
    assert {"field": "status", "label": "Status", "old": "In stock", "new": "Deployed"} in deploy[
        "changes"
    ]
    assert rows[-1]["from_status"] is None
    assert rows[-1]["user"] == it_robot().username
    assert datetime.datetime.fromisoformat(rows[0]["at"]) >= datetime.datetime.fromisoformat(
        rows[1]["at"]
    )
