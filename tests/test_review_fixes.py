"""Holes found by review: each stays closed."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from assets.reservations import _ics_text
from tests.factories import DepartmentFactory, make_asset, make_user

pytestmark = pytest.mark.django_db


def test_the_bulk_page_never_redirects_off_site(client):
    client.force_login(make_user("it"))
    response = client.post(
        reverse("assets:bulk"), {"action": "check-in", "next": "https://evil.example/phish"}
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_a_manager_cannot_probe_other_departments_through_report_filters(client):
    mine = DepartmentFactory(name="Beta", slug="beta")
    DepartmentFactory(name="Alpha", slug="alpha")
    manager = make_user("manager", department=mine)
    api = APIClient()
    api.force_authenticate(manager)
    # another department's slug is refused exactly like one that does not exist
    other = api.get("/api/v1/reports/by-department/", {"department": "alpha"})
    unknown = api.get("/api/v1/reports/by-department/", {"department": "zzz"})
    assert other.status_code == unknown.status_code == 400
    assert api.get("/api/v1/reports/by-department/", {"department": "beta"}).status_code == 200


def test_an_unknown_pool_and_a_bad_token_look_the_same(client):
    asset = make_asset("in_stock")
    assert client.get(reverse("loaners:ics", args=[987654]), {"token": "x"}).status_code == 404
    model_id = asset.model_id or 1
    assert client.get(reverse("loaners:ics", args=[model_id]), {"token": "x"}).status_code == 404


def test_calendar_text_cannot_start_a_new_line():
    assert "\r" not in _ics_text("Laptop\rBEGIN:VEVENT")
    assert "\n" not in _ics_text("Laptop\nBEGIN:VEVENT")


def test_a_partly_ordered_request_still_commits_the_units_not_yet_ordered():
    from decimal import Decimal

    from requests_app import services
    from requests_app.budgets import budget_summary
    from tests.request_factories import approved_request, make_team

    # Given an approved request for 3 laptops estimated at 3000.00 in all
    team = make_team(budget="10000.00")
    request = approved_request(team, quantity=3, cost="3000.00")
    assert budget_summary(team.department).committed == Decimal("3000.00")
    # When an order for just one of them, at 1000.00, is sent
    order = services.create_order(
        actor=team.it,
        vendor=team.vendor,
        lines=[
            services.LineInput(
                category=team.laptops, quantity=1, unit_cost="1000.00", request=request
            )
        ],
    )
    services.send_order(order, actor=team.it)
    # Then the two not yet ordered still count, and the ordered one counts at its unit cost
    assert budget_summary(team.department).committed == Decimal("3000.00")


def test_a_loan_cannot_be_closed_while_the_asset_is_still_on_the_borrowers_record():
    import datetime

    from django.utils import timezone

    from assets import lifecycle, reservations
    from itam.errors import Conflict
    from tests.factories import AssetModelFactory, it_robot

    it = it_robot()
    borrower = make_user("employee", username="borrower")
    model = AssetModelFactory()
    asset = make_asset("in_stock", model=model, category=model.category)
    reservations.set_in_pool(asset, actor=it)
    today = timezone.localdate()
    booking = reservations.book(
        actor=it,
        person=borrower,
        asset=asset,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=2),
    )
    reservations.hand_out(booking, actor=it)
    lifecycle.start_maintenance(asset, actor=it, reason="Dropped")
    with pytest.raises(Conflict, match="still on"):
        reservations.give_back(booking, actor=it)


def test_editing_the_location_of_an_installed_asset_asks_for_a_transfer():
    from django.core.exceptions import ValidationError

    from assets import lifecycle
    from tests.factories import LocationFactory, it_robot

    room, other = LocationFactory(name="Room 1"), LocationFactory(name="Room 2")
    projector = lifecycle.deploy(make_asset("in_stock"), to=room, actor=it_robot())
    with pytest.raises(ValidationError, match="transfer"):
        lifecycle.update_details(projector, actor=it_robot(), location=other)


def test_a_far_off_month_is_a_clear_error_not_a_crash():
    from django.core.exceptions import ValidationError

    from assets.reservations import month_start

    for value in ("9999-12", "0001-01"):
        with pytest.raises(ValidationError, match="not a month"):
            month_start(value)


def test_a_locked_out_token_login_says_so_with_429(settings):
    user = make_user("employee", username="scripter")
    api = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        bad = api.post("/api/v1/auth/token/", {"username": "scripter", "password": "nope"})
        assert bad.status_code == 400
    # Even the right password is refused now, and the answer says why
    from tests.factories import PASSWORD

    locked = api.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert "try again" in locked.json()["detail"]


def test_a_token_login_with_the_right_password_works():
    from tests.factories import PASSWORD

    make_user("employee", username="scripter2")
    ok = APIClient().post("/api/v1/auth/token/", {"username": "scripter2", "password": PASSWORD})
    assert ok.status_code == 200
    assert ok.json()["token"]
