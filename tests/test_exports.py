"""CSV exports of the lists: the register's filters and visibility, safe cells, and memory."""

from __future__ import annotations

import csv
import io
import time
import tracemalloc

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assets.choices import AssetStatus
from assets.models import Asset
from tests.factories import (
    CategoryFactory,
    DepartmentFactory,
    LocationFactory,
    make_asset,
    make_user,
)

pytestmark = pytest.mark.django_db

REGISTER_HEADER = [
    "tag",
    "name",
    "status",
    "category",
    "model",
    "manufacturer",
    "serial_number",
    "location",
    "department",
    "holder",
    "purchase_date",
    "purchase_cost",
    "vendor",
    "order_number",
    "warranty_end",
    "next_audit_date",
    "notes",
]


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def header_of(response) -> list[str]:
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return next(csv.reader(io.StringIO(text)))


def test_register_export_has_the_header_a_dated_filename_and_full_location_paths(client):
    site = LocationFactory(name="HQ")
    room = LocationFactory(name="Room 101", parent=site)
    asset = make_asset("in_stock", location=room, serial_number="SN-1", notes="spare")
    client.force_login(make_user("it"))
    response = client.get(reverse("assets:export"))
    assert 'filename="assets-' in response["Content-Disposition"]
    assert response["Content-Disposition"].endswith('.csv"')
    rows = read_csv(response)
    assert list(rows[0]) == REGISTER_HEADER
    (row,) = rows
    assert row["tag"] == asset.tag
    assert row["location"] == "HQ › Room 101"
    assert row["serial_number"] == "SN-1"
    assert row["notes"] == "spare"
    assert row["status"] == AssetStatus.IN_STOCK


def test_register_export_honours_the_register_filters(client):
    laptops = CategoryFactory(name="Laptops", slug="laptops")
    phones = CategoryFactory(name="Phones", slug="phones")
    laptop = make_asset("in_stock", category=laptops, name="ThinkPad")
    make_asset("in_stock", category=phones, name="Pixel")
    deployed = make_asset("deployed", category=laptops, name="MacBook")
    client.force_login(make_user("it"))
    rows = read_csv(client.get(reverse("assets:export") + "?category=laptops"))
    assert {r["tag"] for r in rows} == {laptop.tag, deployed.tag}
    rows = read_csv(client.get(reverse("assets:export") + "?category=laptops&status=deployed"))
    assert [r["tag"] for r in rows] == [deployed.tag]
    rows = read_csv(client.get(reverse("assets:export") + "?q=pixel"))
    assert [r["name"] for r in rows] == ["Pixel"]
    rows = read_csv(client.get(reverse("assets:export") + "?ordering=-name&category=laptops"))
    assert [r["name"] for r in rows] == ["ThinkPad", "MacBook"]


def test_register_export_follows_as_of_and_refuses_a_future_day(client):
    asset = make_asset("in_stock", location=LocationFactory(name="HQ"))
    client.force_login(make_user("it"))
    today = timezone.localdate().isoformat()
    response = client.get(reverse("assets:export") + "?as_of=" + today)
    assert f'filename="assets-as-of-{today}-' in response["Content-Disposition"]
    rows = read_csv(response)
    assert [(r["tag"], r["location"]) for r in rows] == [(asset.tag, "HQ")]
    assert read_csv(client.get(reverse("assets:export") + "?as_of=2999-01-01")) == []


def test_register_export_costs_the_same_queries_for_more_rows(client):
    site = LocationFactory(name="HQ")
    room = LocationFactory(name="Room 101", parent=LocationFactory(name="Floor 1", parent=site))
    client.force_login(make_user("it"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            read_csv(client.get(reverse("assets:export")))
        return len(captured)

    make_asset("deployed", location=room, department=DepartmentFactory(), holder=room)
    first = queries()
    for _ in range(3):
        make_asset("deployed", location=room, department=DepartmentFactory(), holder=room)
        make_asset("deployed", location=room, holder=DepartmentFactory())
        make_asset("deployed", location=room)
    assert queries() == first
    rows = read_csv(client.get(reverse("assets:export") + "?holder=&ordering=tag"))
    assert rows[0]["holder"] == "HQ › Floor 1 › Room 101"


def test_an_unreadable_filter_exports_nothing_rather_than_everything(client):
    make_asset("in_stock")
    client.force_login(make_user("it"))
    rows = read_csv(client.get(reverse("assets:export") + "?category=no-such-category"))
    assert rows == []


def test_an_employee_exports_only_what_they_hold(client):
    person = make_user("employee")
    mine = make_asset("deployed", holder=person)
    make_asset("deployed")
    make_asset("in_stock")
    client.force_login(person)
    rows = read_csv(client.get(reverse("assets:export")))
    assert [r["tag"] for r in rows] == [mine.tag]
    assert rows[0]["holder"] == (person.get_full_name() or person.get_username())


def test_a_manager_exports_only_their_scope(client):
    team = DepartmentFactory(name="Design", slug="design")
    other = DepartmentFactory(name="Sales", slug="sales")
    manager = make_user("manager", department=team)
    member = make_user("employee", department=team)
    outsider = make_user("employee", department=other)
    held_by_member = make_asset("deployed", holder=member)
    owned = make_asset("in_stock", department=team)
    make_asset("deployed", holder=outsider)
    make_asset("in_stock", department=other)
    client.force_login(manager)
    rows = read_csv(client.get(reverse("assets:export")))
    assert {r["tag"] for r in rows} == {held_by_member.tag, owned.tag}
    # And a filter narrows the scope, never widens it.
    rows = read_csv(client.get(reverse("assets:export") + "?department=" + str(other.pk)))
    assert rows == []


def test_register_export_neutralises_formulas(client):
    make_asset("in_stock", name='=HYPERLINK("http://evil")', notes="+cmd|' /C calc'!A0")
    make_asset("in_stock", name="@SUM(1+1)", serial_number="-2+3")
    client.force_login(make_user("it"))
    rows = read_csv(client.get(reverse("assets:export") + "?ordering=name"))
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    names = {r["name"] for r in rows}
    assert '\'=HYPERLINK("http://evil")' in names
    assert "'@SUM(1+1)" in names


def test_register_page_links_to_the_export_with_its_filters(client):
    client.force_login(make_user("it"))
    response = client.get(reverse("assets:list") + "?status=in_stock&page=2")
    html = response.content.decode()
    assert reverse("assets:export") + "?status=in_stock" in html
    assert "Export CSV" in html


def test_export_requires_login(client):
    response = client.get(reverse("assets:export"))
    assert response.status_code == 302


ROWS = 100_000


def test_a_100k_asset_export_streams_in_under_100_mb(client):
    category = CategoryFactory(name="Laptops", slug="laptops")
    location = LocationFactory(name="Warehouse")
    Asset.objects.bulk_create(
        (
            Asset(
                tag=f"BULK-{i:06d}",
                name=f"Laptop {i}",
                status=AssetStatus.IN_STOCK,
                category=category,
                location=location,
                serial_number=f"SN{i:06d}",
            )
            for i in range(ROWS)
        ),
        batch_size=5000,
    )
    client.force_login(make_user("it"))
    started = time.monotonic()
    tracemalloc.start()
    try:
        response = client.get(reverse("assets:export"))
        assert response.streaming
        lines = 0
        for chunk in response.streaming_content:
            lines += chunk.count(b"\n")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.monotonic() - started
    assert lines == ROWS + 1  # the header and one line per asset
    assert peak < 100 * 1024 * 1024, f"peak {peak / 1024 / 1024:.1f} MB"
    print(f"100k export: peak {peak / 1024 / 1024:.1f} MB in {elapsed:.1f} s")


# --- the requests list ----------------------------------------------------------------------


def test_requests_export_honours_scope_filters_and_visibility(client):
    from tests.request_factories import make_request, make_team

    team = make_team()
    outsider = make_user("employee", department=DepartmentFactory(name="Sales", slug="sales"))
    own = make_request(team, justification="=cmd|' /C calc'!A0")
    colleague = make_request(team, actor=team.colleague)
    theirs = make_request(team, actor=outsider)
    url = reverse("requests_app:export")

    client.force_login(team.employee)
    rows = read_csv(client.get(url))
    assert list(rows[0]) == [
        "id",
        "created_at",
        "status",
        "requester",
        "for",
        "department",
        "category",
        "model",
        "quantity",
        "estimated_cost",
        "needed_by",
        "justification",
    ]
    assert [int(r["id"]) for r in rows] == [own.pk]
    assert rows[0]["justification"] == "'=cmd|' /C calc'!A0"
    # Asking for a wider tab than the person may see falls back to their own.
    assert [int(r["id"]) for r in read_csv(client.get(url + "?scope=all"))] == [own.pk]

    client.force_login(team.manager)
    rows = read_csv(client.get(url + "?scope=departments"))
    assert {int(r["id"]) for r in rows} == {own.pk, colleague.pk}

    client.force_login(team.it)
    rows = read_csv(client.get(url + "?scope=all"))
    assert {int(r["id"]) for r in rows} == {own.pk, colleague.pk, theirs.pk}
    rows = read_csv(client.get(url + f"?scope=all&department={team.department.pk}"))
    assert {int(r["id"]) for r in rows} == {own.pk, colleague.pk}
    assert read_csv(client.get(url + "?scope=all&status=rejected")) == []


def test_requests_page_links_to_the_export_with_its_filters(client):
    client.force_login(make_user("it"))
    html = client.get(reverse("requests_app:list") + "?scope=all&status=submitted").content
    assert reverse("requests_app:export") + "?scope=all&amp;status=submitted" in html.decode()


# --- maintenance records and licences -------------------------------------------------------


def test_maintenance_export_honours_filters_and_visibility(client):
    from maintenance import services as maintenance
    from tests.factories import it_robot

    person = make_user("employee")
    mine = make_asset("deployed", holder=person)
    other = make_asset("in_stock")
    own_work = maintenance.log_work(mine, actor=it_robot(), title="@SUM(A1)", supplier="Fixit Ltd")
    other_work = maintenance.log_work(other, actor=it_robot(), title="Battery", supplier="Acme")
    url = reverse("maintenance:export")

    client.force_login(person)
    rows = read_csv(client.get(url))
    assert [r["reference"] for r in rows] == [own_work.reference]
    assert rows[0]["asset_tag"] == mine.tag
    assert rows[0]["title"] == "'@SUM(A1)"
    assert list(rows[0])[:5] == ["reference", "asset_tag", "asset_name", "kind", "title"]

    client.force_login(make_user("it"))
    rows = read_csv(client.get(url))
    assert {r["reference"] for r in rows} == {own_work.reference, other_work.reference}
    rows = read_csv(client.get(url + "?supplier=acme"))
    assert [r["reference"] for r in rows] == [other_work.reference]


def test_licence_export_honours_filters_visibility_and_never_has_keys(client):
    from maintenance import licenses
    from tests.factories import it_robot

    person = make_user("employee")
    cad = licenses.create_license(actor=it_robot(), product="CAD Suite", seats=2, key="SECRET-1")
    licenses.create_license(actor=it_robot(), product="=Office", seats=5, key="SECRET-2")
    licenses.assign_seat(cad, actor=it_robot(), user=person)
    url = reverse("maintenance:licenses-export")

    client.force_login(person)
    response = client.get(url)
    text = b"".join(response.streaming_content).decode()
    assert "SECRET" not in text
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["product"] for r in rows] == ["CAD Suite"]
    assert rows[0]["seats_used"] == "1"
    assert "key" not in rows[0]

    client.force_login(make_user("it"))
    response = client.get(url)
    text = b"".join(response.streaming_content).decode()
    assert "SECRET" not in text
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["product"] for r in rows] == ["'=Office", "CAD Suite"]
    rows = read_csv(client.get(url + "?q=cad"))
    assert [r["product"] for r in rows] == ["CAD Suite"]


def test_maintenance_and_licence_pages_link_to_their_exports(client):
    client.force_login(make_user("it"))
    html = client.get(reverse("maintenance:list") + "?supplier=acme").content.decode()
    assert reverse("maintenance:export") + "?supplier=acme" in html
    html = client.get(reverse("maintenance:licenses") + "?q=cad").content.decode()
    assert reverse("maintenance:licenses-export") + "?q=cad" in html


# --- audits ---------------------------------------------------------------------------------


def test_audit_export_lists_open_then_closed_and_is_refused_without_the_permission(client):
    from audits import services as audits

    site = LocationFactory(name="HQ")
    room = LocationFactory(name="Room 101", parent=site)
    make_asset("in_stock", location=room)
    auditor = make_user("auditor")
    closed = audits.start_audit(actor=auditor, location=room, notes="-2+3")
    audits.close_audit(closed, actor=auditor)
    still_open = audits.start_audit(actor=auditor, location=site)
    url = reverse("audits:export")

    client.force_login(make_user("employee"))
    assert client.get(url).status_code == 403
    client.force_login(make_user("manager"))
    assert client.get(url).status_code == 403

    client.force_login(auditor)
    rows = read_csv(client.get(url))
    assert [int(r["id"]) for r in rows] == [still_open.pk, closed.pk]
    assert list(rows[0])[:3] == ["id", "status", "location"]
    assert rows[0]["location"] == "HQ"
    assert rows[1]["location"] == "HQ › Room 101"
    assert rows[1]["missing"] == "1"
    assert rows[1]["notes"] == "'-2+3"


def test_audit_list_links_to_its_export(client):
    client.force_login(make_user("auditor"))
    html = client.get(reverse("audits:list")).content.decode()
    assert reverse("audits:export") in html
