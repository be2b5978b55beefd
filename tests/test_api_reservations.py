"""The reservations API: /api/v1/reservations/, per role, with its errors and filters."""

import datetime

import pytest
import yaml
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from assets import lifecycle
from assets import reservations as rs
from assets.models import Asset, Reservation
from tests.factories import AssetModelFactory, LocationFactory, make_asset, make_user

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
URL = "/api/v1/reservations/"


def day(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


def loaner(model=None, status: str = "in_stock"):
    model = model or AssetModelFactory()
    asset = make_asset(status, model=model, category=model.category, name="Pool phone")
    Asset.objects.filter(pk=asset.pk).update(reservable=True)
    asset.refresh_from_db()
    return asset


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def it_user():
    return make_user("it", username="ivy", first_name="Ivy", last_name="Admin")


@pytest.fixture
def eve():
    return make_user("employee", username="eve", first_name="Eve", last_name="Stone")


@pytest.fixture
def bob():
    return make_user("employee", username="bob")


def book(person, asset, start, end):
    return rs.book(actor=person, person=person, asset=asset, starts_on=day(start), ends_on=day(end))


def test_an_employee_books_an_asset_by_tag(eve):
    asset = loaner()

    response = api_for(eve).post(
        URL,
        {"asset": asset.tag, "starts_on": str(day(1)), "ends_on": str(day(2)), "note": "Demo"},
        format="json",
    )

    assert response.status_code == 201, response.data
    body = response.data
    assert (body["asset"], body["person"], body["booked_by"], body["status"]) == (
        asset.tag,
        "eve",
        "eve",
        "booked",
    )
    assert (body["starts_on"], body["ends_on"]) == (str(day(1)), str(day(2)))
    assert body["url"].endswith(f"{URL}{body['id']}/")


def test_booking_any_of_a_model_answers_the_chosen_asset(eve):
    model = AssetModelFactory()
    asset = loaner(model)

    response = api_for(eve).post(
        URL,
        {"model": model.pk, "starts_on": str(day(0)), "ends_on": str(day(0))},
        format="json",
    )

    assert response.status_code == 201
    assert (response.data["asset"], response.data["model"], response.data["pool"]) == (
        asset.tag,
        model.pk,
        model.pk,
    )


def test_a_clash_is_409_naming_the_other_booking(eve, bob):
    asset = loaner()
    first = book(bob, asset, 1, 3)

    response = api_for(eve).post(
        URL, {"asset": asset.tag, "starts_on": str(day(3)), "ends_on": str(day(5))}, format="json"
    )

    assert response.status_code == 409
    assert response.data["code"] == "booking_clash"
    assert response.data["clashing_reservation"] == first.pk
    assert asset.tag in response.data["detail"]


def test_bad_bodies_are_400_per_field(eve):
    asset = loaner()
    api = api_for(eve)

    unknown = api.post(
        URL,
        {"asset": asset.tag, "starts_on": str(day(1)), "ends_on": str(day(1)), "colour": "red"},
        format="json",
    )
    assert unknown.status_code == 400 and "colour" in unknown.data["errors"]

    past = api.post(
        URL, {"asset": asset.tag, "starts_on": str(day(-1)), "ends_on": str(day(1))}, format="json"
    )
    assert past.status_code == 400 and "starts_on" in past.data["errors"]

    neither = api.post(URL, {"starts_on": str(day(1)), "ends_on": str(day(1))}, format="json")
    assert neither.status_code == 400 and "give one of the two" in neither.data["detail"]

    not_pool = make_asset("in_stock")
    wrong = api.post(
        URL,
        {"asset": not_pool.tag, "starts_on": str(day(1)), "ends_on": str(day(1))},
        format="json",
    )
    assert wrong.status_code == 400 and "asset" in wrong.data["errors"]


def test_an_employee_cannot_book_for_someone_else_but_it_can(eve, bob, it_user):
    asset = loaner()
    body = {"asset": asset.tag, "person": "bob", "starts_on": str(day(1)), "ends_on": str(day(1))}

    refused = api_for(eve).post(URL, body, format="json")
    assert refused.status_code == 403 and "yourself" in refused.data["detail"]

    made = api_for(it_user).post(URL, body, format="json")
    assert made.status_code == 201
    assert (made.data["person"], made.data["booked_by"]) == ("bob", "ivy")


def test_employees_see_only_their_own_bookings_it_sees_all(eve, bob, it_user):
    asset = loaner()
    mine, his = book(eve, asset, 1, 1), book(bob, asset, 2, 2)

    eve_list = api_for(eve).get(URL)
    assert [row["id"] for row in eve_list.data["results"]] == [mine.pk]
    assert api_for(eve).get(f"{URL}{his.pk}/").status_code == 404
    assert api_for(eve).get(f"{URL}{mine.pk}/").status_code == 200

    it_list = api_for(it_user).get(URL)
    assert [row["id"] for row in it_list.data["results"]] == [mine.pk, his.pk]
    assert APIClient().get(URL).status_code == 401


def test_filters(eve, bob, it_user):
    model, other_model = AssetModelFactory(), AssetModelFactory()
    first, second = loaner(model), loaner(other_model)
    a = book(eve, first, 1, 2)
    b = book(bob, second, 5, 6)
    c = book(bob, first, 8, 9)
    rs.cancel(c, actor=bob)
    api = api_for(it_user)

    def ids(**params):
        response = api.get(URL, params)
        assert response.status_code == 200, response.data
        return [row["id"] for row in response.data["results"]]

    assert ids(asset=first.tag) == [a.pk, c.pk]
    assert ids(model=other_model.pk) == [b.pk]
    assert ids(person="bob") == [b.pk, c.pk]
    assert ids(status="cancelled") == [c.pk]
    assert ids(status=["booked"]) == [a.pk, b.pk]
    assert ids(**{"from": str(day(2)), "to": str(day(5))}) == [a.pk, b.pk]
    assert ids(**{"from": str(day(7))}) == [c.pk]
    assert api.get(URL, {"from": "soon"}).status_code == 400


def test_cancel_per_role(eve, bob, it_user):
    asset = loaner()
    mine, his = book(eve, asset, 1, 1), book(bob, asset, 2, 2)

    assert api_for(eve).post(f"{URL}{his.pk}/cancel/", {}, format="json").status_code == 404
    done = api_for(eve).post(f"{URL}{mine.pk}/cancel/", {}, format="json")
    assert done.status_code == 200 and done.data["status"] == "cancelled"
    again = api_for(eve).post(f"{URL}{mine.pk}/cancel/", {}, format="json")
    assert again.status_code == 409 and again.data["code"] == "reservation_refused"

    no_reason = api_for(it_user).post(f"{URL}{his.pk}/cancel/", {}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.data["errors"]
    unknown = api_for(it_user).post(f"{URL}{his.pk}/cancel/", {"why": "x"}, format="json")
    assert unknown.status_code == 400 and "why" in unknown.data["errors"]
    ok = api_for(it_user).post(f"{URL}{his.pk}/cancel/", {"reason": "Audit"}, format="json")
    assert ok.status_code == 200


def test_hand_out_and_return(eve, it_user):
    asset = loaner()
    early = book(eve, asset, 3, 4)
    today = book(eve, asset, 0, 2)

    assert api_for(eve).post(f"{URL}{today.pk}/hand-out/", {}, format="json").status_code == 403

    too_soon = api_for(it_user).post(f"{URL}{early.pk}/hand-out/", {}, format="json")
    assert too_soon.status_code == 409 and "not before" in too_soon.data["detail"]

    out = api_for(it_user).post(f"{URL}{today.pk}/hand-out/", {}, format="json")
    assert out.status_code == 200 and out.data["status"] == "deployed"
    asset.refresh_from_db()
    assert (asset.status, asset.assigned_user, asset.expected_return_date) == (
        "deployed",
        eve,
        day(2),
    )

    assert api_for(eve).post(f"{URL}{today.pk}/return/", {}, format="json").status_code == 403
    bad = api_for(it_user).post(f"{URL}{today.pk}/return/", {"condition": "meh"}, format="json")
    assert bad.status_code == 400 and "condition" in bad.data["errors"]
    shelf = LocationFactory()
    back = api_for(it_user).post(
        f"{URL}{today.pk}/return/", {"location": shelf.pk, "condition": "good"}, format="json"
    )
    assert back.status_code == 200 and back.data["status"] == "returned"
    asset.refresh_from_db()
    assert (asset.status, asset.location, asset.condition) == ("in_stock", shelf, "good")


def test_hand_out_of_an_asset_in_maintenance_is_409(eve, it_user):
    asset = loaner()
    booking = book(eve, asset, 0, 1)
    lifecycle.start_maintenance(asset, actor=it_user, reason="Cracked screen")

    response = api_for(it_user).post(f"{URL}{booking.pk}/hand-out/", {}, format="json")

    assert response.status_code == 409
    assert "in maintenance" in response.data["detail"]
    assert response.data["asset_status"] == "in_maintenance"
    assert Reservation.objects.get(pk=booking.pk).status == "booked"


def test_the_schema_documents_the_reservation_endpoints(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    paths = yaml.safe_load(out.read_text())["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/reservations/"])
    for step in ("cancel", "hand-out", "return"):
        operation = paths[f"/api/v1/reservations/{{id}}/{step}/"]["post"]
        assert {"200", "400", "403", "404", "409"} <= set(operation["responses"])
