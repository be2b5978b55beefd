"""The money and end-of-life reports in the API: the disposals contract scripts rely on, exact
decimal strings, 400s that say the date format, roles, CSV, and a bounded number of queries."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from assets.models import Asset, DisposalRecord
from tests import test_finance_reports as web
from tests.factories import DepartmentFactory, make_asset, make_user
from tests.test_finance_reports import build_estate, repair, wipe_and_dispose

pytestmark = pytest.mark.django_db

BASE = "/api/v1/reports/"
NAMES = ["lifecycle-cost/", "retirement-by-category/", "depreciation/", "disposals/"]
D = Decimal

# The same categories and disposals as the page tests.
laptops = web.laptops
cables = web.cables
disposals_2026 = web.disposals_2026


def api(role: str, **kwargs) -> APIClient:
    client = APIClient()
    client.force_authenticate(make_user(role, **kwargs))
    return client


def test_disposals_contract_for_a_period(disposals_2026):
    _before, inside, cable, _after = disposals_2026

    response = api("auditor").get(BASE + "disposals/?from=2026-01-01&to=2026-12-31")

    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"], body["count"]) == ("2026-01-01", "2026-12-31", 2)
    assert [row["tag"] for row in body["results"]] == [inside.tag, cable.tag]
    laptop = body["results"][0]
    assert {
        key: laptop[key]
        for key in (
            "tag",
            "name",
            "serial_number",
            "category",
            "disposed_on",
            "method",
            "recipient",
            "proceeds",
            "certificate",
        )
    } == {
        "tag": inside.tag,
        "name": "ThinkPad",
        "serial_number": "SN-123",
        "category": "laptops",
        "disposed_on": "2026-03-01",
        "method": "sell",
        "recipient": "Refurb Ltd",
        "proceeds": "150.00",
        "certificate": "DISP-2026-001",
    }
    assert laptop["wipes"] == [
        {
            "method": "purge",
            "tool": "Blancco 7",
            "performed_by": "wiper",
            "verified_by": "checker",
            "performed_on": "2026-03-01",
            "certificate": f"WIPE-{inside.tag}",
        }
    ]
    assert laptop["wipe_evidence"] == "verified wipe"
    assert body["results"][1]["wipes"] == []
    assert body["results"][1]["wipe_evidence"] == "no data held"


@pytest.mark.parametrize(
    "query",
    ["from=31/12/2026", "to=2026-13-01", "from=yesterday&to=2026-12-31"],
)
def test_disposals_bad_dates_are_400_saying_the_format(query):
    response = api("it").get(BASE + "disposals/?" + query)
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.json()["detail"]


def test_disposals_period_backwards_is_400():
    response = api("it").get(BASE + "disposals/?from=2026-12-31&to=2026-01-01")
    assert response.status_code == 400


def test_depreciation_worked_example_as_decimal_strings(laptops):
    make_asset(
        category=laptops, purchase_cost=D("1234.56"), purchase_date=datetime.date(2024, 1, 15)
    )
    make_asset(category=laptops, name="Unknown", purchase_date=None)

    body = api("auditor").get(BASE + "depreciation/?as_of=2026-11-24").json()

    assert body["as_of"] == "2026-11-24"
    [row] = body["results"]
    assert (row["months_elapsed"], row["monthly"], row["accumulated"], row["book_value"]) == (
        34,
        "34.29",
        "1165.97",
        "68.59",
    )
    assert body["totals"]["book_value"] == "68.59"
    assert body["cannot_be_depreciated"]["count"] == 1
    assert body["cannot_be_depreciated"]["results"][0]["reason"] == "No purchase date"
    bad = api("auditor").get(BASE + "depreciation/?as_of=24-11-2026")
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.json()["detail"]


def test_depreciation_pages_keep_the_order_and_total_every_page(laptops):
    bought = datetime.date(2025, 11, 24)
    costs = ["100.00", "400.00", "300.00", "200.00", "500.00"]
    tags = {
        c: make_asset(category=laptops, purchase_cost=D(c), purchase_date=bought).tag for c in costs
    }
    client = api("auditor")

    first = client.get(BASE + "depreciation/?as_of=2026-11-24&page_size=2").json()
    second = client.get(BASE + "depreciation/?as_of=2026-11-24&page_size=2&page=3").json()

    assert first["count"] == 5 and first["next"] and second["next"] is None
    assert [r["tag"] for r in first["results"]] == [tags["500.00"], tags["400.00"]]
    assert [r["tag"] for r in second["results"]] == [tags["100.00"]]
    # 1500.00 bought, 12 of 36 months gone: each third rounded once, then summed
    assert (
        first["totals"]
        == second["totals"]
        == {
            "count": 5,
            "cost": "1500.00",
            "accumulated": "500.00",
            "book_value": "1000.00",
            "monthly": "41.67",
        }
    )


def test_a_manager_does_not_see_another_departments_asset_held_by_their_people(laptops):
    finance = DepartmentFactory(name="Finance", slug="finance")
    engineering = DepartmentFactory(name="Engineering", slug="engineering")
    server = make_asset(
        "deployed",
        category=laptops,
        department=finance,
        holder=make_user("employee", department=engineering),
    )

    body = api("manager", department=engineering).get(BASE + "depreciation/").json()
    assert body["count"] == 0 and body["totals"]["cost"] == "0.00"
    for name in ("lifecycle-cost/",):
        assert api("manager", department=engineering).get(BASE + name).json()["count"] == 0
    body = api("it").get(BASE + "depreciation/").json()
    assert [row["tag"] for row in body["results"]] == [server.tag]


def test_lifecycle_cost_worked_example_and_totals(laptops):
    laptop = make_asset(category=laptops, purchase_cost=D("1234.56"))
    repair(laptop, "89.90")
    repair(laptop, "45.05")
    wipe_and_dispose(laptop, on=timezone.localdate(), proceeds="150.00")

    body = api("it").get(BASE + "lifecycle-cost/?status=disposed").json()

    assert body["count"] == 1
    row = body["results"][0]
    assert (row["purchase_cost"], row["maintenance_cost"], row["proceeds"]) == (
        "1234.56",
        "134.95",
        "150.00",
    )
    assert row["lifecycle_cost"] == "1219.51"
    assert body["totals"]["lifecycle"] == "1219.51"
    csv_response = api("it").get(BASE + "lifecycle-cost/?format=csv")
    rows = list(
        csv.reader(io.StringIO(b"".join(csv_response.streaming_content).decode("utf-8-sig")))
    )
    assert rows[1][-1] == "1219.51"


def test_retirement_by_category_json(laptops):
    asset = make_asset(category=laptops, purchase_date=datetime.date(2024, 1, 15))
    wipe_and_dispose(asset, on=timezone.localdate())
    Asset.objects.filter(pk=asset.pk).update(
        retired_at=datetime.datetime(2026, 1, 20, 12, tzinfo=datetime.UTC)
    )

    body = api("auditor").get(BASE + "retirement-by-category/?from=2026-01-01").json()

    assert body["from"] == "2026-01-01" and body["to"] is None
    [line] = body["results"]
    assert (line["category"], line["count"], line["median_age_months"]) == ("laptops", 1, "24.0")
    assert line["reasons"]["end_of_life"] == 1 and line["reasons"]["not_stated"] == 0
    assert body["total"]["count"] == 1


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(("role", "status"), [("employee", 403), ("it", 200), ("auditor", 200)])
def test_each_endpoint_per_role(name, role, status):
    assert api(role).get(BASE + name).status_code == status


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("lifecycle-cost/", 200),
        ("retirement-by-category/", 200),
        ("depreciation/", 200),
        ("disposals/", 403),
    ],
)
def test_a_manager_reads_figures_not_the_compliance_report(name, status):
    team = DepartmentFactory(slug="design")
    assert api("manager", department=team).get(BASE + name).status_code == status


def test_anonymous_is_refused():
    assert APIClient().get(BASE + "disposals/").status_code in (401, 403)


def test_every_endpoint_runs_the_same_number_of_queries_for_5_or_40_assets(laptops, cables):
    client = api("auditor")
    urls = [
        BASE + "lifecycle-cost/",
        BASE + "lifecycle-cost/?format=csv",
        BASE + "retirement-by-category/",
        BASE + "depreciation/",
        BASE + "depreciation/?format=csv",
        BASE + "disposals/?from=2026-01-01&to=2026-12-31",
        BASE + "disposals/?format=csv",
    ]

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code == 200, url
        return len(ctx.captured_queries)

    count(urls[0])  # the person's permissions, cached on them after the first request
    build_estate(5, laptops, cables)
    small = {url: count(url) for url in urls}
    build_estate(40, laptops, cables)
    assert DisposalRecord.objects.count() == 2 + 14
    assert {url: count(url) for url in urls} == small
    assert max(small.values()) <= 12, small
