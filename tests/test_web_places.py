"""The places pages and the report pages: who sees what, the CSV downloads, and query counts
that do not grow with the number of rows."""

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assets.choices import LocationKind
from assets.models import Asset
from tests.factories import (
    AssetModelFactory,
    CategoryFactory,
    DepartmentFactory,
    LocationFactory,
    make_asset,
    make_user,
)

pytestmark = pytest.mark.django_db

REPORT_PAGES = [
    "/reports/",
    "/reports/idle/",
    "/reports/loaners-overdue/",
    "/reports/ghost-assets/",
    "/reports/by-department/",
    "/reports/utilisation/",
]


def tags_on(response) -> list[str]:
    return re.findall(r'class="tag-link" href="/assets/([^/]+)/"', response.content.decode())


def csv_rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def backdate(asset: Asset, days: int) -> None:
    Asset.history.model.objects.filter(id=asset.pk).update(
        history_date=timezone.now() - datetime.timedelta(days=days)
    )


@pytest.fixture
def ops():
    return DepartmentFactory(name="Ops", slug="ops")


@pytest.fixture
def sales():
    return DepartmentFactory(name="Sales", slug="sales")


@pytest.fixture
def tree():
    site = LocationFactory(name="HQ")
    building = LocationFactory(name="Block A", parent=site, kind=LocationKind.BUILDING)
    room = LocationFactory(name="Room 1", parent=building, kind=LocationKind.ROOM)
    return site, building, room


def login(client, role: str, **kwargs):
    user = make_user(role, **kwargs)
    client.force_login(user)
    return user


# --- who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["it", "auditor"])
def test_it_staff_and_auditors_see_every_place_and_report(client, role, ops, tree):
    login(client, role)
    make_asset(location=tree[2], department=ops)
    for url in ["/places/", f"/places/locations/{tree[0].pk}/", "/places/departments/ops/"]:
        assert client.get(url).status_code == 200, url
    for url in REPORT_PAGES:
        assert client.get(url).status_code == 200, url


def test_an_employee_gets_404_on_places_and_403_on_reports(client, ops, tree):
    login(client, "employee", department=ops)
    for url in ["/places/", f"/places/locations/{tree[0].pk}/", "/places/departments/ops/"]:
        assert client.get(url).status_code == 404, url
    for url in REPORT_PAGES:
        assert client.get(url).status_code == 403, url


def test_a_manager_sees_their_department_and_not_another(client, ops, sales, tree):
    # Given: the Ops manager; Ops owns one asset and Sales one
    login(client, "manager", department=ops)
    mine = make_asset(department=ops, location=tree[2])
    theirs = make_asset(department=sales, location=tree[2])

    # Then: their department's page lists its asset; Sales' page is a 404
    page = client.get("/places/departments/ops/")
    assert page.status_code == 200
    assert tags_on(page) == [mine.tag]
    assert client.get("/places/departments/sales/").status_code == 404
    # ... the places index shows only their department, and locations are for IT and auditors
    index = client.get("/places/")
    assert "/places/departments/ops/" in index.content.decode()
    assert "/places/departments/sales/" not in index.content.decode()
    assert client.get(f"/places/locations/{tree[0].pk}/").status_code == 404
    # ... of the reports, only holdings by department, for Ops only
    assert client.get("/reports/").status_code == 200
    report = client.get("/reports/by-department/")
    assert report.status_code == 200
    assert "Ops" in report.content.decode() and "Sales" not in report.content.decode()
    for url in REPORT_PAGES[1:4] + REPORT_PAGES[5:]:
        assert client.get(url).status_code == 403, url
    assert theirs.tag not in page.content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert client.get("/places/").status_code == 302
    assert client.get("/reports/idle/").status_code == 302


# --- the pages --------------------------------------------------------------------------------


def test_location_page_lists_the_subtree_and_what_is_deployed_to_it(client, tree):
    _site, building, room = tree
    login(client, "it")
    in_room = make_asset(location=room)
    held_by_building = make_asset("deployed", holder=building)
    elsewhere = make_asset(location=LocationFactory(name="Depot"))

    page = client.get(f"/places/locations/{building.pk}/")

    assert sorted(tags_on(page)) == sorted([in_room.tag, held_by_building.tag])
    assert elsewhere.tag not in page.content.decode()
    assert "Room 1" in page.content.decode()  # the sub-location with its count


def test_places_index_shows_the_tree_with_counts(client, tree):
    login(client, "auditor")
    make_asset(location=tree[2])
    page = client.get("/places/")
    body = page.content.decode()
    assert "place-tree__row--2" in body  # the room, two levels down
    assert body.index("HQ") < body.index("Block A") < body.index("Room 1")


def test_idle_page_honours_days(client):
    login(client, "it")
    asset = make_asset()
    backdate(asset, 100)
    assert tags_on(client.get("/reports/idle/?days=90")) == [asset.tag]
    assert tags_on(client.get("/reports/idle/?days=120")) == []
    bad = client.get("/reports/idle/?days=soon")
    assert bad.status_code == 200 and "could not be read" in bad.content.decode()


def test_utilisation_page_shows_the_share(client):
    # Given: registered 10 days ago and deployed for the last 5
    login(client, "it")
    asset = make_asset("deployed")
    registered, deployed = asset.history.order_by("history_date", "history_id")
    for row, days in ((registered, 10), (deployed, 5)):
        Asset.history.model.objects.filter(history_id=row.history_id).update(
            history_date=timezone.now() - datetime.timedelta(days=days)
        )

    page = client.get("/reports/utilisation/")

    assert tags_on(page) == [asset.tag]
    assert "50.0%" in page.content.decode()


# --- CSV --------------------------------------------------------------------------------------


def test_report_csv_has_a_header_the_rows_and_honours_filters(client):
    login(client, "it")
    laptops = CategoryFactory(name="Laptops", slug="laptops")
    laptop = make_asset(category=laptops)
    phone = make_asset(category=CategoryFactory(name="Phones", slug="phones"))
    backdate(laptop, 100)
    backdate(phone, 100)

    response = client.get("/reports/idle/?days=90&category=laptops&format=csv")

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0][:3] == ["tag", "name", "status"]
    assert rows[0][-2:] == ["in_stock_since", "days_idle"]
    assert [row[0] for row in rows[1:]] == [laptop.tag]
    assert rows[1][-1] == "100"


def test_csv_neutralises_formulas(client, ops):
    login(client, "it")
    make_asset(name='=HYPERLINK("http://evil","x")', department=ops)
    make_asset(name="+1-1", department=ops)
    make_asset(name="@SUM(A1)", department=ops)
    make_asset(name="-2", department=ops)

    rows = csv_rows(client.get("/places/departments/ops/?format=csv"))

    names = sorted(row[1] for row in rows[1:])
    assert names == sorted(['\'=HYPERLINK("http://evil","x")', "'+1-1", "'@SUM(A1)", "'-2"])


def test_every_report_and_place_downloads_as_csv(client, ops, tree):
    login(client, "it")
    make_asset("deployed", holder=make_user("employee", department=ops), location=tree[2])
    for url in [
        *REPORT_PAGES[1:],
        f"/places/locations/{tree[0].pk}/",
        "/places/departments/ops/",
    ]:
        response = client.get(url, {"format": "csv"})
        assert response.status_code == 200, url
        rows = csv_rows(response)
        assert rows[0], url


def test_department_csv_lists_owned_held_and_members_assets(client, ops):
    login(client, "auditor")
    member = make_user("employee", department=ops)
    owned = make_asset(department=ops)
    held = make_asset("deployed", holder=ops)
    members = make_asset("deployed", holder=member)
    make_asset()
    rows = csv_rows(client.get("/places/departments/ops/?format=csv"))
    assert sorted(row[0] for row in rows[1:]) == sorted([owned.tag, held.tag, members.tag])


# --- query counts -----------------------------------------------------------------------------


def fill(count: int, department, room) -> None:
    category = CategoryFactory(name="Laptops", slug="laptops")
    model = AssetModelFactory(category=category)
    for n in range(count):
        holder = make_user("employee", username=f"p{n}", department=department)
        asset = make_asset(
            "deployed" if n % 2 else "in_stock",
            holder=holder,
            category=category,
            model=model,
            location=room,
            department=department,
        )
        if n % 2 == 0:
            backdate(asset, 200)
        else:
            Asset.objects.filter(pk=asset.pk).update(
                expected_return_date=timezone.localdate() - datetime.timedelta(days=3)
            )
            if n % 4 == 1:
                type(holder).objects.filter(pk=holder.pk).update(is_active=False)


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/places/",
        "/places/locations/{site}/",
        "/places/departments/ops/",
        "/reports/idle/",
        "/reports/loaners-overdue/",
        "/reports/ghost-assets/",
        "/reports/by-department/",
        "/reports/utilisation/",
    ],
)
def test_query_counts_do_not_grow_with_rows(client, ops, tree, url):
    site, _, room = tree
    login(client, "it")
    url = url.format(site=site.pk) + "?page_size=100"
    fill(5, ops, room)
    small = count_queries(client, url)
    fill_more = 45
    category = CategoryFactory(name="Laptops", slug="laptops")
    for n in range(fill_more):
        holder = make_user("employee", username=f"q{n}", department=ops)
        asset = make_asset(
            "deployed" if n % 2 else "in_stock",
            holder=holder,
            category=category,
            location=room,
            department=ops,
        )
        if n % 2 == 0:
            backdate(asset, 200)
        else:
            Asset.objects.filter(pk=asset.pk).update(
                expected_return_date=timezone.localdate() - datetime.timedelta(days=3)
            )
            if n % 4 == 1:
                type(holder).objects.filter(pk=holder.pk).update(is_active=False)
    large = count_queries(client, url)
    assert small == large, (url, small, large)


def test_disposed_assets_are_no_longer_at_a_place_or_in_a_department(client, ops, tree):
    # Given: one asset at the room and owned by Ops, and one disposed of from there
    login(client, "it")
    kept = make_asset(location=tree[2], department=ops)
    gone = make_asset("disposed", location=tree[2], department=ops)

    # Then: neither page lists the disposed one
    for url in [f"/places/locations/{tree[0].pk}/", "/places/departments/ops/"]:
        page = client.get(url)
        assert tags_on(page) == [kept.tag], url
        assert gone.tag not in page.content.decode()
