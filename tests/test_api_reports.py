"""The reports API: the same rows as the pages, paginated JSON or streamed CSV, same roles;
and the location and department summaries."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from assets.choices import LocationKind
from assets.models import Asset
from tests.factories import (
    CategoryFactory,
    DepartmentFactory,
    LocationFactory,
    make_asset,
    make_user,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/reports/"
LISTS = ["idle/", "loaners-overdue/", "ghost-assets/", "utilisation/"]


def api(role: str, **kwargs) -> APIClient:
    client = APIClient()
    client.force_authenticate(make_user(role, **kwargs))
    return client


def redate(asset: Asset, *ages: float) -> None:
    rows = asset.history.order_by("history_date", "history_id")
    for row, age in zip(rows, ages, strict=True):
        Asset.history.model.objects.filter(history_id=row.history_id).update(
            history_date=timezone.now() - datetime.timedelta(days=age)
        )


def csv_rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


@pytest.fixture
def ops():
    return DepartmentFactory(name="Ops", slug="ops")


# --- the lists --------------------------------------------------------------------------------


def test_idle_lists_assets_idle_longer_than_days():
    # Given: an asset in stock for 100 days and one for 10
    old, recent = make_asset(name="Old"), make_asset(name="Recent")
    redate(old, 100)
    redate(recent, 10)
    client = api("auditor")

    # When
    body = client.get(f"{BASE}idle/", {"days": 90}).json()

    # Then
    assert body["count"] == 1
    [row] = body["results"]
    assert row["tag"] == old.tag
    assert row["days_idle"] == 100
    assert row["url"].endswith(f"/api/v1/assets/{old.tag}/")
    assert client.get(f"{BASE}idle/", {"days": 120}).json()["count"] == 0
    assert client.get(f"{BASE}idle/", {"days": 5}).json()["count"] == 2


def test_a_bad_filter_is_a_400_naming_it():
    client = api("it")
    response = client.get(f"{BASE}idle/", {"days": "lots", "category": "nope"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"days", "category"}


def test_loaners_overdue_and_ghosts():
    leaver = make_user("employee")
    late = make_asset("deployed", holder=make_user("employee"))
    Asset.objects.filter(pk=late.pk).update(
        expected_return_date=timezone.localdate() - datetime.timedelta(days=4)
    )
    ghost = make_asset("deployed", holder=leaver)
    leaver.is_active = False
    leaver.save()
    client = api("it")

    overdue = client.get(f"{BASE}loaners-overdue/").json()["results"]
    ghosts = client.get(f"{BASE}ghost-assets/").json()["results"]

    assert [(r["tag"], r["days_overdue"]) for r in overdue] == [(late.tag, 4)]
    assert [r["tag"] for r in ghosts] == [ghost.tag]
    assert ghosts[0]["holder"]["username"] == leaver.username


def test_utilisation_is_25_percent_for_30_of_120_days():
    asset = make_asset("deployed")
    from assets import lifecycle

    lifecycle.check_in(asset, actor=make_user("it"))
    redate(asset, 120, 100, 70)

    [row] = api("it").get(f"{BASE}utilisation/").json()["results"]

    assert row["asset"]["tag"] == asset.tag
    assert row["deployed_percent"] == 25.0
    assert (row["deployed_days"], row["life_days"]) == (30.0, 120.0)


def test_by_department_counts_and_cost(ops):
    make_asset(department=ops, purchase_cost=Decimal("10.50"))
    make_asset("deployed", holder=ops, department=ops, purchase_cost=Decimal("20.00"))

    lines = {line["name"]: line for line in api("auditor").get(f"{BASE}by-department/").json()}

    assert lines["Ops"]["owned"] == 2
    assert lines["Ops"]["owned_cost"] == "30.50"
    assert lines["Ops"]["by_status"]["deployed"] == 1
    assert lines["Ops"]["held"] == 1


def test_filters_apply_to_the_api_as_to_the_pages(ops):
    laptops = CategoryFactory(name="Laptops", slug="laptops")
    laptop = make_asset(category=laptops, department=ops)
    make_asset(category=CategoryFactory(name="Phones", slug="phones"))
    client = api("it")
    assert [
        r["asset"]["tag"]
        for r in client.get(f"{BASE}utilisation/?category=laptops").json()["results"]
    ] == [laptop.tag]
    assert [
        r["asset"]["tag"]
        for r in client.get(f"{BASE}utilisation/?department=ops").json()["results"]
    ] == [laptop.tag]


# --- CSV --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [*LISTS, "by-department/"])
def test_every_report_streams_csv(path, ops):
    make_asset("deployed", holder=make_user("employee", department=ops), name="=cmd|' /C calc'!A0")
    response = api("it").get(f"{BASE}{path}?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert rows[0]
    if path == "utilisation/":
        assert rows[1][1] == "'=cmd|' /C calc'!A0"


def test_csv_by_accept_header_and_filters():
    laptops = CategoryFactory(name="Laptops", slug="laptops")
    wanted = make_asset(category=laptops)
    make_asset()
    response = api("it").get(f"{BASE}utilisation/?category=laptops", HTTP_ACCEPT="text/csv")
    assert [row[0] for row in csv_rows(response)[1:]] == [wanted.tag]


# --- who --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", LISTS)
def test_lists_are_for_it_staff_and_auditors(path, ops):
    assert api("employee").get(f"{BASE}{path}").status_code == 403
    assert api("manager", department=ops).get(f"{BASE}{path}").status_code == 403
    assert api("it").get(f"{BASE}{path}").status_code == 200
    assert api("auditor").get(f"{BASE}{path}").status_code == 200
    assert APIClient().get(f"{BASE}{path}").status_code in (401, 403)


def test_a_manager_reads_holdings_for_their_departments_only(ops):
    sales = DepartmentFactory(name="Sales", slug="sales")
    make_asset(department=sales)
    client = api("manager", department=ops)

    lines = client.get(f"{BASE}by-department/").json()

    assert [line["name"] for line in lines] == ["Ops"]
    assert api("employee").get(f"{BASE}by-department/").status_code == 403


# --- places summaries -------------------------------------------------------------------------


def test_location_summary():
    site = LocationFactory(name="HQ")
    room = LocationFactory(name="Room 1", parent=site, kind=LocationKind.ROOM)
    make_asset(location=room, purchase_cost=Decimal("5.00"))
    make_asset("deployed", holder=site, purchase_cost=Decimal("7.00"))

    body = api("auditor").get(f"{BASE}locations/{site.pk}/").json()

    assert body["total_assets"] == 2
    assert body["total_cost"] == "12.00"
    assert {s["status"]: s["count"] for s in body["by_status"]} == {"in_stock": 1, "deployed": 1}
    assert body["children"] == [
        {"id": room.pk, "name": "Room 1", "kind": "room", "asset_count": 1, "cost": "5.00"}
    ]
    assert (
        api("manager", department=DepartmentFactory())
        .get(f"{BASE}locations/{site.pk}/")
        .status_code
        == 404
    )


def test_department_summary_and_who_sees_it(ops):
    sales = DepartmentFactory(name="Sales", slug="sales")
    member = make_user("employee", department=ops, username="ann")
    make_asset("deployed", holder=member)
    make_asset(department=ops)

    body = api("manager", department=ops).get(f"{BASE}departments/ops/").json()

    assert body["total_assets"] == 2
    assert (body["owned"], body["held_by_members"]) == (1, 1)
    assert ("ann", 1) in [(m["username"], m["asset_count"]) for m in body["members"]]
    manager = api("manager", department=ops)
    assert manager.get(f"{BASE}departments/{sales.slug}/").status_code == 404
    assert api("employee", department=ops).get(f"{BASE}departments/ops/").status_code == 404
    assert api("it").get(f"{BASE}departments/sales/").status_code == 200


def test_utilisation_api_query_count_does_not_grow():
    client = api("it")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{BASE}utilisation/?page_size=100").status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        make_asset("deployed")
    queries()  # the first request also caches the person's permissions
    small = queries()
    for _ in range(20):
        make_asset("deployed")
    assert queries() == small


def test_the_schema_documents_the_reports():
    schema = api("it").get("/api/v1/schema/?format=json").json()
    for path in [*LISTS, "by-department/", "locations/{id}/", "departments/{slug}/"]:
        assert f"/api/v1/reports/{path}" in schema["paths"], path
