"""What the API fuzz (scripts/fuzz_api.sh, schemathesis) found, each pinned by a test.

Each test sends the request that failed and checks the answer with the same schemathesis checks
the fuzz runs (scripts/fuzz_api.toml: no 5xx; status code, content type, headers and body as the
OpenAPI schema says; the token is not ignored), in process through Django's WSGI app, plus what a
script would notice in the body.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import DataError, close_old_connections
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assets import lifecycle, reservations
from assets.models import Asset
from assets.models.catalogue import MAX_AUDIT_INTERVAL_DAYS, MAX_EXPECTED_LIFE_MONTHS
from itam.api import exception_handler
from maintenance import licenses
from tests.factories import AssetModelFactory, CategoryFactory, it_robot, make_asset, make_user
from tests.request_factories import approved_request, make_order, make_team

pytestmark = pytest.mark.django_db

CONFIG = Path(__file__).resolve().parent.parent / "scripts" / "fuzz_api.toml"


class Fuzz:
    """The API schema loaded by schemathesis, and one person's token to call it with."""

    def __init__(self, user):
        self.token = Token.objects.create(user=user).key
        self.schema = schemathesis.openapi.from_wsgi(
            "/api/v1/schema/?format=json",
            get_wsgi_application(),
            config=schemathesis.Config.from_path(CONFIG),
            headers=self.headers,
        )

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.token}"}

    def check(self, method: str, path: str, **case):
        """Send one request as schemathesis would and fail as the fuzz would; the response."""
        operation = self.schema[path][method]
        test_case = operation.Case(headers=dict(self.headers), **case)
        response = test_case.call()
        test_case.validate_response(response, headers=self.headers)
        return response


@pytest.fixture(autouse=True)
def wsgi_in_the_test_transaction(settings):
    """Call the WSGI app as Django's test client does: on the test's own database connection.

    The app closes "old" connections at each request's start and end, which would close the
    connection holding the test's transaction (on PostgreSQL); the test client unhooks that too.
    """
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]  # schemathesis calls itself localhost
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def it_fuzz():
    return Fuzz(make_user("it"))


@pytest.fixture
def employee_fuzz():
    return Fuzz(make_user("employee", username="fuzz-employee"))


# --- an address no API route matches: JSON 404, not the site's HTML page ---------------------


@pytest.mark.parametrize(
    "path, path_parameters",
    [
        ("/api/v1/audits/{id}/", {"id": "abc"}),
        ("/api/v1/audits/{id}/results/", {"id": "\x84"}),
        ("/api/v1/label-templates/{slug}/", {"slug": "Not A Slug"}),
        ("/api/v1/licenses/{id}/seats/", {"id": "1.5"}),
    ],
)
def test_unmatched_api_address_answers_json_404(it_fuzz, path, path_parameters):
    response = it_fuzz.check("GET", path, path_parameters=path_parameters)

    assert response.status_code == 404
    assert response.headers["content-type"] == ["application/json"]
    assert response.json()["code"] == "not_found"


def test_unmatched_address_outside_the_api_keeps_the_html_page(client):
    client.force_login(make_user("employee"))

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# --- NUL characters where text reaches the database unchecked: 400, never 500 -----------------


@pytest.mark.parametrize(
    "path, path_parameters",
    [
        ("/api/v1/assets/{tag}/", {"tag": "IT-\x00"}),
        ("/api/v1/assets/{tag}/history/", {"tag": "\x00"}),
        ("/api/v1/people/{username}/", {"username": "a\x00b"}),
        ("/api/v1/categories/{slug}/", {"slug": "a\x00"}),
    ],
)
def test_nul_in_a_path_finds_nothing(it_fuzz, path, path_parameters):
    """PostgreSQL refuses NUL in text (a 500 before); nothing is named so: 404, as on SQLite."""
    make_asset(name="Laptop")

    response = it_fuzz.check("GET", path, path_parameters=path_parameters)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- a body that is not JSON: a 400 in the shape every 400 has --------------------------------


def test_body_that_is_not_json_is_a_400_with_errors(employee_fuzz):
    response = APIClient().post(
        "/api/v1/notifications/read/",
        data=b"{bad",
        content_type="application/json",
        HTTP_AUTHORIZATION=employee_fuzz.headers["Authorization"],
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "parse_error" and body["errors"] == {}
    assert "JSON parse error" in body["detail"]


# --- empty relations answer null, and the schema says they may ---------------------------------


def test_open_assignment_with_no_end_validates(employee_fuzz):
    holder = Token.objects.get(key=employee_fuzz.token).user
    asset = make_asset("deployed", holder=holder)

    response = employee_fuzz.check(
        "GET", "/api/v1/assets/{tag}/assignments/", path_parameters={"tag": asset.tag}
    )

    assert response.json()[0]["ended_by"] is None
    detail = employee_fuzz.check("GET", "/api/v1/assets/{tag}/", path_parameters={"tag": asset.tag})
    assert detail.json()["current_assignment"]["ended_by"] is None


def test_asset_without_a_model_validates(it_fuzz):
    asset = make_asset(name="Odd cable", category=CategoryFactory(slug="cables"))
    assert asset.model_id is None

    response = it_fuzz.check("GET", "/api/v1/assets/{tag}/", path_parameters={"tag": asset.tag})

    assert response.json()["model_name"] is None


def test_licence_without_vendor_or_owner_and_free_seat_validate(it_fuzz):
    licence = licenses.create_license(actor=it_robot(), product="Editor", seats=2)
    licenses.assign_seat(licence, actor=it_robot(), user=make_user("employee"))

    listed = it_fuzz.check("GET", "/api/v1/licenses/")
    one = it_fuzz.check("GET", "/api/v1/licenses/{id}/", path_parameters={"id": licence.pk})
    seats = it_fuzz.check("GET", "/api/v1/licenses/{id}/seats/", path_parameters={"id": licence.pk})

    row = next(item for item in listed.json()["results"] if item["id"] == licence.pk)
    assert row["vendor"] is None and row["owner"] is None
    assert one.json()["vendor"] is None
    assert seats.json()["results"][0]["asset"] is None


def test_maintenance_record_without_plan_validates(it_fuzz):
    asset = make_asset()
    lifecycle.start_maintenance(asset, actor=make_user("it", username="tech"), reason="Fan noise")

    listed = it_fuzz.check("GET", "/api/v1/maintenance/")

    record = listed.json()["results"][0]
    assert record["plan"] is None and record["closed_by"] is None
    it_fuzz.check("GET", "/api/v1/maintenance/{id}/", path_parameters={"id": record["id"]})


def test_nul_refused_elsewhere_is_a_400_that_says_why():
    """A NUL that reaches PostgreSQL from a query parameter or body: 400 naming the fix."""
    refusal = DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")

    response = exception_handler(refusal, {"kwargs": {}})

    assert response.status_code == 400
    assert "NUL character" in response.data["detail"]
    assert response.data["errors"]["non_field_errors"]
    assert exception_handler(DataError("value too long"), {"kwargs": {}}) is None


# --- category numbers that dates are computed from: bounded, so no date passes year 9999 -------


def test_category_with_an_absurd_audit_interval_or_life_is_refused(it_fuzz):
    response = it_fuzz.check(
        "POST",
        "/api/v1/categories/",
        body={
            "name": "Forever",
            "slug": "forever",
            "kind": "hardware",
            "audit_interval_days": 2147483647,  # was stored; then every new asset was a 500
            "expected_life_months": 2147483647,  # and the retirement report a 500
        },
        media_type="application/json",
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"audit_interval_days", "expected_life_months"}


def test_longest_allowed_interval_and_life_still_compute(it_fuzz):
    category = CategoryFactory(
        slug="long-lived",
        audit_interval_days=MAX_AUDIT_INTERVAL_DAYS,
        expected_life_months=MAX_EXPECTED_LIFE_MONTHS,
    )

    created = it_fuzz.check(
        "POST",
        "/api/v1/assets/",
        body={"name": "Vault", "category": category.slug, "purchase_date": "9999-12-31"},
        media_type="application/json",
    )
    report = it_fuzz.check("GET", "/api/v1/reports/retirement-candidates/")

    assert created.status_code == 201
    assert created.json()["next_audit_date"]
    assert report.status_code == 200


# --- a request Django itself refuses (too many fields): the API's 400 shape, in JSON ------------


def test_too_many_fields_is_a_json_400_with_errors(it_fuzz, settings):
    settings.DEBUG = False  # Django's error views answer only when DEBUG is off, as in production
    fields = "&".join(f"tags=IT-{n:06d}" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))

    response = it_fuzz.check(
        "POST",
        "/api/v1/assets/bulk/relocate/",
        body=fields.encode(),
        media_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == {}
    assert "Too many fields" in body["detail"]


# --- a loan booked in the year 9999: the calendar feed computed the day after it (a 500) ---------


def test_a_loan_cannot_be_booked_more_than_a_year_ahead(employee_fuzz):
    model = AssetModelFactory()
    asset = make_asset(model=model, category=model.category, name="Pool phone")
    Asset.objects.filter(pk=asset.pk).update(reservable=True)
    today = timezone.localdate()
    farthest = today + datetime.timedelta(days=reservations.MAX_DAYS_AHEAD)

    refused = employee_fuzz.check(
        "POST",
        "/api/v1/reservations/",
        body={"asset": asset.tag, "starts_on": "9999-12-31", "ends_on": "9999-12-31"},
        media_type="application/json",
    )
    booked = employee_fuzz.check(
        "POST",
        "/api/v1/reservations/",
        body={"asset": asset.tag, "starts_on": str(farthest), "ends_on": str(farthest)},
        media_type="application/json",
    )

    assert refused.status_code == 400
    assert "more than a year ahead" in refused.json()["errors"]["starts_on"][0]
    assert booked.status_code == 201
    person = Token.objects.get(key=employee_fuzz.token).user
    feed = reservations.ics_feed(model, person)
    after = farthest + datetime.timedelta(days=1)
    assert f"DTEND;VALUE=DATE:{after:%Y%m%d}" in feed


# --- a report period to the last day of the calendar: no date past it is computed ----------------


@pytest.mark.parametrize(
    "path", ["/api/v1/reports/retirement-by-category/", "/api/v1/reports/disposals/"]
)
def test_report_period_to_the_end_of_the_calendar(it_fuzz, path):
    make_asset("retired")

    response = it_fuzz.check("GET", path, query={"from": "0001-01-01", "to": "9999-12-31"})

    assert response.status_code == 200


# --- an ordered asset received on its own, then its order cancelled: the order's 409 or a cancel --


def _order_with_one_unit_received_on_its_own(quantity: int):
    team = make_team()
    request = approved_request(team, cost=str(1000 * quantity), quantity=quantity)
    order = make_order(team, requests=[request], send=True)
    first = order.lines.get().units.order_by("pk").first().asset
    lifecycle.receive(first, actor=team.it, reason="Arrived early, by courier")
    return team, order, first


def test_cancelling_an_order_spares_what_arrived_on_its_own():
    team, order, arrived = _order_with_one_unit_received_on_its_own(quantity=2)
    fuzz = Fuzz(team.it)

    response = fuzz.check(
        "POST",
        "/api/v1/purchase-orders/{id}/cancel/",
        path_parameters={"id": order.pk},
        body={"reason": "Vendor out of stock"},
        media_type="application/json",
    )

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    arrived.refresh_from_db()
    assert arrived.status == "in_stock"  # not withdrawn: it is here
    assert arrived.ordered_as.received_at is not None
    assert Asset.objects.filter(status="on_order").count() == 0


def test_cancelling_an_order_whose_every_unit_arrived_is_the_orders_409():
    team, order, arrived = _order_with_one_unit_received_on_its_own(quantity=1)
    fuzz = Fuzz(team.it)

    response = fuzz.check(
        "POST",
        "/api/v1/purchase-orders/{id}/cancel/",
        path_parameters={"id": order.pk},
        body={"reason": "Vendor out of stock"},
        media_type="application/json",
    )

    assert response.status_code == 409
    body = response.json()
    assert (body["order"], body["code"]) == (order.pk, "order_refused")
    assert arrived.tag in body["detail"] and "nothing is left to cancel" in body["detail"]


# --- fulfilling a request with an asset that is not in stock: the asset's 409, as documented ----


def test_fulfilling_with_an_asset_not_in_stock_is_the_assets_documented_409():
    team = make_team()
    request = approved_request(team)
    taken = make_asset("deployed", category=team.laptops, model=team.laptop_model)
    fuzz = Fuzz(team.it)

    response = fuzz.check(
        "POST",
        "/api/v1/requests/{id}/fulfil/",
        path_parameters={"id": request.pk},
        body={"asset": taken.tag},
        media_type="application/json",
    )

    assert response.status_code == 409
    body = response.json()
    assert (body["tag"], body["current_status"], body["move"]) == (taken.tag, "deployed", "deploy")
    assert "transfer" in body["allowed_moves"]


# --- as_of with an offset PostgreSQL refuses (over 15:59), or past the calendar in UTC ------------


@pytest.mark.parametrize(
    "as_of, status",
    [
        ("8531-11-12T12:20:08.9+16:45", 200),  # a 500 on PostgreSQL before
        ("2026-01-01T09:00:00-17:30", 200),
        ("0001-01-01T00:00:00+10:00", 400),  # before year 1 in UTC
        ("9999-12-31T23:00:00-10:00", 400),  # after year 9999 in UTC
    ],
)
def test_as_of_with_any_offset_is_answered(it_fuzz, as_of, status):
    make_asset()

    response = it_fuzz.check("GET", "/api/v1/assets/", query={"as_of": as_of})

    assert response.status_code == status
    if status == 400:
        assert "past the ends of the calendar" in response.json()["errors"]["as_of"][0]
