"""The loaner pools API: everyone sees the pools and what is free today; IT staff add to them."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from assets import reservations as rs
from tests.factories import AssetModelFactory, CategoryFactory, it_robot, make_asset, make_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/loaner-pools/"


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def pools():
    it = it_robot()
    laptops = CategoryFactory(name="Laptops", slug="laptops")
    projectors = CategoryFactory(name="Projectors", slug="projectors")
    latitude = AssetModelFactory(name="Latitude", category=laptops)
    epson = AssetModelFactory(name="Epson EB", category=projectors)
    lent = [make_asset(model=latitude, category=laptops, name=f"Loaner {n}") for n in range(3)]
    beamer = make_asset(model=epson, category=projectors, name="Beamer")
    for asset in [*lent, beamer]:
        rs.set_in_pool(asset, actor=it)
    today = timezone.localdate()
    booker = make_user("employee")
    rs.book(actor=booker, person=booker, asset=lent[0], starts_on=today, ends_on=today)
    return {"latitude": latitude, "epson": epson, "lent": lent, "beamer": beamer, "it": it}


@pytest.mark.parametrize("role", ["employee", "manager", "auditor", "it"])
def test_everyone_sees_the_pools_and_what_is_free_today(role, pools):
    api = api_for(make_user(role))

    body = api.get(URL).json()

    assert body["count"] == 2
    rows = [(p["model"], p["category"], p["size"], p["free_today"]) for p in body["results"]]
    assert rows == [
        (pools["latitude"].pk, "laptops", 3, 2),
        (pools["epson"].pk, "projectors", 1, 1),
    ]
    assert body["results"][0]["bookings_url"].endswith(
        f"/api/v1/reservations/?model={pools['latitude'].pk}"
    )


def test_one_pool_lists_its_assets_and_a_calendar_feed(pools):
    api = api_for(make_user("employee"))

    body = api.get(f"{URL}{pools['latitude'].pk}/").json()

    booked = pools["lent"][0].tag
    assert [(a["tag"], a["free_today"]) for a in body["assets"]] == sorted(
        (a.tag, a.tag != booked) for a in pools["lent"]
    )
    assert (body["size"], body["free_today"]) == (3, 2)
    assert "/calendar.ics?token=" in body["calendar_url"]


def test_a_model_without_a_pool_is_a_404(pools):
    api = api_for(make_user("employee"))
    no_pool = AssetModelFactory()

    assert api.get(f"{URL}{no_pool.pk}/").status_code == 404
    assert api.get(f"{URL}999999/").status_code == 404


def test_filter_and_ordering(pools):
    api = api_for(make_user("employee"))

    def models(**params) -> list[int]:
        return [p["model"] for p in api.get(URL, params).json()["results"]]

    assert models(category="projectors") == [pools["epson"].pk]
    assert models(ordering="-size") == [pools["latitude"].pk, pools["epson"].pk]
    assert models(ordering="free_today") == [pools["epson"].pk, pools["latitude"].pk]
    refused = api.get(URL, {"ordering": "colour"})
    assert refused.status_code == 400 and "ordering" in refused.json()["errors"]


def test_it_staff_put_an_asset_into_its_pool(pools):
    spare = make_asset(model=pools["epson"], category=pools["epson"].category, name="Spare")

    response = api_for(make_user("it")).post(
        f"{URL}add/", {"tag": spare.tag.lower(), "reason": "Second beamer"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["size"] == 2
    spare.refresh_from_db()
    assert spare.reservable
    assert spare.history.first().history_change_reason == "Second beamer"


def test_adding_to_a_pool_is_refused_with_what_to_fix(pools):
    api = api_for(make_user("it"))
    modelless = make_asset(name="No model")
    gone = make_asset("retired", model=pools["epson"], category=pools["epson"].category)

    unknown = api.post(f"{URL}add/", {"tag": "NOPE-1"}, format="json")
    assert unknown.status_code == 400 and "NOPE-1" in unknown.json()["errors"]["tag"][0]
    no_model = api.post(f"{URL}add/", {"tag": modelless.tag}, format="json")
    assert no_model.status_code == 400 and "has no model" in no_model.json()["detail"]
    retired = api.post(f"{URL}add/", {"tag": gone.tag}, format="json")
    assert retired.status_code == 400 and "cannot be lent" in retired.json()["detail"]


@pytest.mark.parametrize("role", ["employee", "manager", "auditor"])
def test_only_it_staff_add_to_pools(role, pools):
    spare = make_asset(model=pools["epson"], category=pools["epson"].category)

    response = api_for(make_user(role)).post(f"{URL}add/", {"tag": spare.tag}, format="json")

    assert response.status_code == 403
    assert response.json()["detail"] == "Only IT staff manage the loaner pools."
    spare.refresh_from_db()
    assert not spare.reservable


def test_the_list_costs_a_fixed_number_of_queries(pools, django_assert_max_num_queries):
    for n in range(8):
        model = AssetModelFactory(name=f"Model {n}")
        rs.set_in_pool(make_asset(model=model, category=model.category), actor=pools["it"])
    api = api_for(make_user("employee"))

    with django_assert_max_num_queries(5):
        response = api.get(URL, {"page_size": 50})
    assert response.json()["count"] == 10


def test_a_booking_tomorrow_leaves_the_asset_free_today(pools):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    booker = make_user("employee")
    rs.book(
        actor=booker, person=booker, asset=pools["beamer"], starts_on=tomorrow, ends_on=tomorrow
    )

    body = api_for(make_user("employee")).get(f"{URL}{pools['epson'].pk}/").json()

    assert body["assets"][0]["free_today"] is True
