"""A day alone in ``as_of`` means the end of that day, on the page and in the API alike."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import make_asset, make_user

pytestmark = pytest.mark.django_db


def test_an_asset_registered_today_is_in_todays_register_in_api_and_page(client):
    it = make_user("it")
    asset = make_asset("in_stock")
    today = timezone.localdate().isoformat()

    api = APIClient()
    api.force_authenticate(it)
    listed = api.get("/api/v1/assets/", {"as_of": today}).json()
    assert [row["tag"] for row in listed["results"]] == [asset.tag]

    client.force_login(it)
    page = client.get("/assets/", {"as_of": today})
    assert asset.tag in page.content.decode()


# --- a past day's register is counted once --------------------------------------------------


def _backdate(asset, days: int) -> None:
    from assets.models import Asset

    moment = timezone.now() - datetime.timedelta(days=days)
    Asset.history.filter(id=asset.pk).update(history_date=moment)


def _counts_of(query_log) -> int:
    return sum('SELECT COUNT(*) AS "__count"' in q["sql"] for q in query_log.captured_queries)


def test_a_past_day_is_counted_once_and_today_every_time(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given three assets registered ten days ago (one deployed to Sam), and IT staff
    it = make_user("it")
    sam = make_user("employee", username="sam.holder")
    old = [make_asset("deployed", name="Old 0", holder=sam)]
    old += [make_asset("in_stock", name=f"Old {n}") for n in (1, 2)]
    for asset in old:
        _backdate(asset, 10)
    week_ago = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    today = timezone.localdate().isoformat()
    client.force_login(it)
    api = APIClient()
    api.force_authenticate(it)

    # when the register as of a week ago is read twice, on the page and in the API
    with CaptureQueriesContext(connection) as first:
        page = client.get("/assets/", {"as_of": week_ago, "page_size": 25})
        listed = api.get("/api/v1/assets/", {"as_of": week_ago}).json()
    with CaptureQueriesContext(connection) as again:
        page_again = client.get("/assets/", {"as_of": week_ago, "page_size": 25})
        listed_again = api.get("/api/v1/assets/", {"as_of": week_ago}).json()
    # then both show three assets each time, and only the first reads count them
    assert "1–3 of 3 assets" in page.content.decode()
    assert "1–3 of 3 assets" in page_again.content.decode()
    assert listed["count"] == listed_again["count"] == 3
    assert _counts_of(first) == 2 and _counts_of(again) == 0

    # and a filter is a count of its own
    filtered = client.get("/assets/", {"as_of": week_ago, "q": "Old 1"}).content.decode()
    assert "1–1 of 1 asset" in filtered

    # and a count that reads another table (the holder's username) is taken every time: that
    # table may change while the history does not
    for _ in range(2):
        with CaptureQueriesContext(connection) as by_holder:
            listed = client.get("/assets/", {"as_of": week_ago, "holder": "sam.holder"})
        assert "1–1 of 1 asset" in listed.content.decode()
        assert _counts_of(by_holder) == 1

    # and so is the view of a department's manager (whose department owns what can change),
    # with their own result
    from tests.factories import DepartmentFactory

    manager = make_user("manager", username="other-manager", department=DepartmentFactory())
    client.force_login(manager)
    for _ in range(2):
        with CaptureQueriesContext(connection) as managers:
            page = client.get("/assets/", {"as_of": week_ago}).content.decode()
        assert "No assets match" in page
        assert _counts_of(managers) == 1

    # and today's register is counted on every read: a new asset shows at once
    client.force_login(it)
    assert "1–3 of 3 assets" in client.get("/assets/", {"as_of": today}).content.decode()
    make_asset("in_stock", name="New")
    assert "1–4 of 4 assets" in client.get("/assets/", {"as_of": today}).content.decode()
    assert api.get("/api/v1/assets/", {"as_of": today}).json()["count"] == 4
