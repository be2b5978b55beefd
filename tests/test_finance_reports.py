"""The money and end-of-life reports: exact figures on worked examples, the compliance report's
period, who may read each page, the CSV files, and a bounded number of queries."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assets import lifecycle
from assets import lifecycle_reports as lr
from assets.models import Asset
from maintenance import services
from tests.factories import (
    CategoryFactory,
    DepartmentFactory,
    it_robot,
    make_asset,
    make_user,
)

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def laptops():
    return CategoryFactory(name="Laptops", slug="laptops", holds_data=True, expected_life_months=36)


@pytest.fixture
def cables():
    return CategoryFactory(name="Cables", slug="cables", holds_data=False, expected_life_months=12)


def repair(asset: Asset, cost: str) -> None:
    services.log_work(asset, actor=it_robot(), title="Repair", cost=D(cost))


def wipe_and_dispose(asset: Asset, *, on: datetime.date, proceeds: str = "0", cert: str = ""):
    robot = it_robot()
    if asset.status != "retired":
        asset = lifecycle.retire(asset, actor=robot, reason="Old", retirement_reason="end_of_life")
    if asset.category.holds_data:
        lifecycle.wipe(
            asset,
            actor=robot,
            method="purge",
            tool="Blancco 7",
            performed_by=make_user("it", username="wiper", first_name="Wendy", last_name="Wipe"),
            verified_by=make_user("it", username="checker", first_name="Carl", last_name="Check"),
            performed_on=on,
            certificate_reference=f"WIPE-{asset.tag}",
        )
    return lifecycle.dispose(
        asset,
        actor=robot,
        method="sell",
        recipient="Refurb Ltd",
        proceeds=proceeds,
        disposed_on=on,
        certificate_reference=cert or f"DISP-{asset.tag}",
    )


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode() if status == 200 else ""


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


# --- the rules, on worked examples --------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        ("2024-01-15", "2026-11-24", 34),
        ("2024-01-15", "2024-02-14", 0),
        ("2024-01-15", "2024-02-15", 1),
        ("2024-01-31", "2024-02-29", 0),
        ("2026-01-01", "2025-01-01", 0),
    ],
)
def test_whole_months_count_a_month_once_its_day_is_reached(start, end, months):
    iso = datetime.date.fromisoformat
    assert lr.whole_months(iso(start), iso(end)) == months


def test_depreciation_worked_example_is_exact(laptops):
    # Given a laptop bought for 1,234.56 on 2024-01-15, in a category with a 36-month life
    laptop = make_asset(
        category=laptops, purchase_cost=D("1234.56"), purchase_date=datetime.date(2024, 1, 15)
    )

    # When depreciation is taken on 2026-11-24
    report = lr.depreciation(Asset.objects.all(), datetime.date(2026, 11, 24))

    # Then: 34 whole months elapsed (15 Jan 2024 to 15 Nov 2026)
    [row] = report.rows
    assert row.asset == laptop
    assert row.months_elapsed == 34
    # monthly = 1234.56 / 36 = 34.29333..., shown as 34.29
    assert row.monthly_exact == D("1234.56") / 36
    assert row.monthly == D("34.29")
    # accumulated = 1234.56 × 34 / 36 = 1165.97333... -> 1165.97 (not 34.29 × 34 = 1165.86)
    assert row.accumulated == D("1165.97")
    # book value = 1234.56 - 1165.97 = 68.59
    assert row.book_value == D("68.59")
    assert row.accumulated + row.book_value == D("1234.56")
    assert (report.cost, report.accumulated, report.book_value) == (
        D("1234.56"),
        D("1165.97"),
        D("68.59"),
    )
    # ... and 36 months or more later it is fully depreciated, never below zero
    later = lr.depreciation(Asset.objects.all(), datetime.date(2030, 1, 1)).rows[0]
    assert (later.accumulated, later.book_value, later.fully_depreciated) == (
        D("1234.56"),
        D("0.00"),
        True,
    )


def test_depreciation_lists_what_cannot_be_depreciated_and_leaves_out_the_gone(laptops):
    # Given an asset without a cost, one without a date, one disposed of today, one on order
    no_cost = make_asset(category=laptops, name="No cost", purchase_cost=None)
    no_date = make_asset(category=laptops, name="No date", purchase_date=None)
    gone = make_asset("disposed", category=laptops)
    make_asset("on_order", category=laptops)
    counted = make_asset(category=laptops)

    # Today the disposed one is off the books
    today = lr.depreciation(Asset.objects.all())
    assert [row.asset for row in today.rows] == [counted]
    assert set(today.cannot) == {no_cost, no_date} and today.cannot_count == 2
    assert lr.cannot_depreciate_reason(no_cost) == "No purchase cost"
    assert lr.cannot_depreciate_reason(no_date) == "No purchase date"

    # ... but on 2026-01-15, before its disposal, it was still owned (on order never is)
    report = lr.depreciation(Asset.objects.all(), datetime.date(2026, 1, 15))
    assert {row.asset for row in report.rows} == {counted, gone}
    # 1000.00 over 36 months, 12 months in: 333.33 accumulated, 666.67 left
    assert report.rows[0].accumulated == D("333.33")
    assert report.book_value == D("1333.34") and report.count == 2


def test_book_value_on_a_past_date_counts_what_was_owned_then(laptops):
    # Given A bought 2024-01-01 and disposed of today, and B bought 2025-06-01
    a = make_asset("disposed", category=laptops, name="A", purchase_date=datetime.date(2024, 1, 1))
    assert a.disposal.disposed_on == timezone.localdate()
    b = make_asset(category=laptops, name="B", purchase_date=datetime.date(2025, 6, 1))

    # On 2025-01-01, A was owned (12 of 36 months: 1000.00 -> 666.67) and B not yet bought
    report = lr.depreciation(Asset.objects.all(), datetime.date(2025, 1, 1))
    [row] = report.rows
    assert row.asset == a and row.months_elapsed == 12
    assert (row.accumulated, row.book_value) == (D("333.33"), D("666.67"))
    assert (report.count, report.book_value) == (1, D("666.67"))

    # Today A is gone and B is on the books
    assert [row.asset for row in lr.depreciation(Asset.objects.all()).rows] == [b]


def test_depreciation_sorts_and_pages_in_the_database(laptops, cables):
    # Four assets whose book values on 2026-11-24 differ, and a tie broken by tag
    bought = datetime.date(2025, 11, 24)  # 12 months before
    low = make_asset(category=cables, purchase_cost=D("500.00"), purchase_date=bought)  # 0.00
    high = make_asset(category=laptops, purchase_cost=D("900.00"), purchase_date=bought)
    tie1 = make_asset(category=laptops, purchase_cost=D("300.00"), purchase_date=bought)
    tie2 = make_asset(category=laptops, purchase_cost=D("300.00"), purchase_date=bought)

    report = lr.depreciation(Asset.objects.all(), datetime.date(2026, 11, 24))

    assert len(report.rows) == report.count == 4
    assert [row.asset for row in report.rows] == [high, tie1, tie2, low]
    assert [row.asset for row in report.rows[1:3]] == [tie1, tie2]
    assert [row.book_value for row in report.rows] == [D("600.00"), D("200.00"), D("200.00"), 0]
    assert (report.cost, report.accumulated, report.book_value, report.monthly) == (
        D("2000.00"),
        D("1000.00"),
        D("1000.00"),
        D("25.00") + D("8.33") + D("8.33"),  # the cable, fully depreciated, loses nothing
    )


def test_lifecycle_cost_worked_example_is_exact(laptops, cables):
    # Given the laptop (1,234.56) with two repairs (89.90, 45.05), sold on disposal for 150.00
    laptop = make_asset(category=laptops, name="Laptop", purchase_cost=D("1234.56"))
    repair(laptop, "89.90")
    repair(laptop, "45.05")
    wipe_and_dispose(laptop, on=timezone.localdate(), proceeds="150.00")
    # ... and a cable with no purchase cost and no repairs
    make_asset(category=cables, name="Cable", purchase_cost=None)

    rows = list(lr.lifecycle_costs(Asset.objects.all()))

    # Then: 1234.56 + 89.90 + 45.05 - 150.00 = 1219.51, most expensive first
    assert [a.tag for a in rows] == [laptop.tag, rows[1].tag]
    first = rows[0]
    assert (first.purchase, first.maintenance_cost, first.proceeds) == (
        D("1234.56"),
        D("134.95"),
        D("150.00"),
    )
    assert first.lifecycle_cost == D("1219.51")
    assert rows[1].lifecycle_cost == D("0.00")
    totals = lr.lifecycle_totals(Asset.objects.all())
    assert (totals.count, totals.purchase, totals.maintenance, totals.proceeds) == (
        2,
        D("1234.56"),
        D("134.95"),
        D("150.00"),
    )
    assert totals.lifecycle == D("1219.51")


def test_retirement_by_category_ages_costs_and_reasons(laptops, cables):
    # Given three laptops retired at 24, 30 and 40 months, one with 100.00 of repairs, and a
    # cable retired without a stated reason; and a laptop retired outside the period
    robot = it_robot()
    zone = timezone.get_current_timezone()

    def retired(category, bought, on, reason, cost="900.00"):
        asset = make_asset(
            category=category,
            purchase_cost=D(cost),
            purchase_date=datetime.date.fromisoformat(bought),
        )
        asset = lifecycle.retire(asset, actor=robot, reason="Done", retirement_reason=reason)
        at = datetime.datetime.combine(datetime.date.fromisoformat(on), datetime.time(12), zone)
        Asset.objects.filter(pk=asset.pk).update(retired_at=at)
        return asset

    first = retired(laptops, "2023-01-10", "2025-01-10", "end_of_life")  # 24 months
    retired(laptops, "2023-01-10", "2025-07-20", "broken", cost="1200.00")  # 30 months
    retired(laptops, "2022-01-10", "2025-05-09", "end_of_life", cost="600.00")  # 39 months
    repair(first, "100.00")
    retired(cables, "2024-06-01", "2025-06-01", "")  # 12 months
    retired(laptops, "2020-01-01", "2024-12-31", "lease_end")  # before the period

    lines = lr.retirement_by_category(
        Asset.objects.all(), datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)
    )

    by_slug = {line.slug: line for line in lines}
    lap = by_slug["laptops"]
    assert lap.count == 3
    assert sorted(lap.ages) == [24, 30, 39]
    assert lap.average_age_months == D("31.0")
    assert lap.median_age_months == D("30.0")
    assert lap.average_purchase_cost == D("900.00")  # (900 + 1200 + 600) / 3
    assert lap.average_maintenance_cost == D("33.33")  # 100 / 3, rounded once
    assert dict((v, n) for v, _, n in lap.reason_counts()) == {
        "end_of_life": 2,
        "broken": 1,
        "not_cost_effective": 0,
        "lost_or_stolen": 0,
        "lease_end": 0,
        "": 0,
    }
    assert by_slug["cables"].reasons[""] == 1
    total = lr.retirement_totals(lines)
    assert total.count == 4
    assert total.median_age_months == D("27.0")  # 12, 24, 30, 39


def test_age_at_retirement_falls_back_to_registration():
    created = datetime.datetime(2024, 3, 5, 9, tzinfo=datetime.UTC)
    retired = datetime.datetime(2025, 3, 5, 9, tzinfo=datetime.UTC)
    assert lr.age_at_retirement(None, created, retired) == 12
    assert lr.age_at_retirement(datetime.date(2023, 3, 5), created, retired) == 24


# --- the compliance report ------------------------------------------------------------------


@pytest.fixture
def disposals_2026(laptops, cables):
    """One disposal before 2026, two in it (a laptop with its wipe, a cable), one after."""
    before = wipe_and_dispose(
        make_asset(category=laptops, name="Old"), on=datetime.date(2025, 12, 31)
    )
    inside = wipe_and_dispose(
        make_asset(category=laptops, name="ThinkPad", serial_number="SN-123"),
        on=datetime.date(2026, 3, 1),
        proceeds="150.00",
        cert="DISP-2026-001",
    )
    cable = wipe_and_dispose(
        make_asset(category=cables, name="HDMI"), on=datetime.date(2026, 6, 30)
    )
    after = make_asset(category=laptops, name="Next year")
    after = wipe_and_dispose(after, on=datetime.date(2026, 11, 1))
    # moved to the next year after the fact: the wipe date cannot be in the future
    after.disposal.__class__.objects.filter(asset=after).update(
        disposed_on=datetime.date(2027, 1, 1)
    )
    return before, inside, cable, after


def test_compliance_report_lists_exactly_the_period_with_its_wipe_evidence(disposals_2026):
    _before, inside, cable, _after = disposals_2026

    records = list(
        lr.disposals(Asset.objects.all(), datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    )

    assert [d.asset.tag for d in records] == [inside.tag, cable.tag]
    laptop = records[0]
    [wipe] = laptop.asset.wipes.all()
    assert (wipe.method, wipe.tool, wipe.certificate_reference) == (
        "purge",
        "Blancco 7",
        f"WIPE-{inside.tag}",
    )
    assert (lr.person(wipe.performed_by), lr.person(wipe.verified_by)) == (
        "Wendy Wipe",
        "Carl Check",
    )
    assert laptop.certificate_reference == "DISP-2026-001"
    assert lr.wipe_status(laptop) == lr.VERIFIED
    assert lr.wipe_status(records[1]) == lr.NO_DATA


def test_disposals_page_and_csv_for_a_period(client, disposals_2026):
    before, inside, cable, after = disposals_2026
    client.force_login(make_user("auditor"))
    url = reverse("reports:disposals") + "?from=2026-01-01&to=2026-12-31"

    html = page(client, url)

    assert inside.tag in html and cable.tag in html
    assert before.tag not in html and after.tag not in html
    assert "Wendy Wipe" in html and "Carl Check" in html and f"WIPE-{inside.tag}" in html
    assert "DISP-2026-001" in html and "SN-123" in html and "No data held" in html
    assert "NO VERIFIED WIPE" not in html
    response = client.get(reverse("reports:disposals-csv") + "?from=2026-01-01&to=2026-12-31")
    assert response.streaming
    rows = csv_rows(response)
    assert rows[0][:4] == ["tag", "name", "serial_number", "category"]
    assert [row[0] for row in rows[1:]] == [inside.tag, cable.tag]
    line = dict(zip(rows[0], rows[1], strict=True))
    assert line["wipe_methods"] == "Purge"
    assert line["wipe_performed_by"] == "Wendy Wipe"
    assert line["wipe_verified_by"] == "Carl Check"
    assert line["wipe_certificates"] == f"WIPE-{inside.tag}"
    assert line["proceeds"] == "150.00"


def test_a_data_holding_disposal_without_a_verified_wipe_is_flagged_loudly(client, laptops):
    # Given a laptop disposed of while its category did not hold data (then corrected)
    laptops.holds_data = False
    laptops.save()
    asset = wipe_and_dispose(make_asset(category=laptops), on=datetime.date(2026, 2, 2))
    laptops.holds_data = True
    laptops.save()
    client.force_login(make_user("it"))

    html = page(client, reverse("reports:disposals") + "?from=2026-01-01")

    assert asset.tag in html
    assert "NO VERIFIED WIPE" in html and "alert--error" in html


def test_bad_dates_on_the_pages_say_the_format(client):
    client.force_login(make_user("auditor"))
    html = page(client, reverse("reports:disposals") + "?from=31/12/2026")
    assert "Enter a date as YYYY-MM-DD." in html
    html = page(
        client, reverse("reports:retirement-by-category") + "?from=2026-02-01&to=2026-01-01"
    )
    assert "“From” is after “To”." in html
    html = page(client, reverse("reports:depreciation") + "?as_of=tomorrow")
    assert "Enter a date as YYYY-MM-DD." in html


# --- who may read what ----------------------------------------------------------------------

PAGES = ["lifecycle-cost", "retirement-by-category", "depreciation", "disposals"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize(
    ("role", "status"),
    [("employee", 403), ("it", 200), ("auditor", 200)],
)
def test_each_page_and_csv_per_role(client, name, role, status):
    client.force_login(make_user(role))
    page(client, reverse(f"reports:{name}"), status)
    assert client.get(reverse(f"reports:{name}-csv")).status_code == status


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("lifecycle-cost", 200),
        ("retirement-by-category", 200),
        ("depreciation", 200),
        ("disposals", 403),
    ],
)
def test_a_manager_reads_their_departments_figures_but_not_the_compliance_report(
    client, name, status
):
    team = DepartmentFactory(name="Design", slug="design")
    client.force_login(make_user("manager", department=team))
    page(client, reverse(f"reports:{name}"), status)


def test_a_managers_figures_are_their_departments_only(client, laptops):
    ours, theirs = DepartmentFactory(slug="ours"), DepartmentFactory(slug="theirs")
    mine = make_asset(category=laptops, name="Ours", department=ours)
    other = make_asset(category=laptops, name="Theirs", department=theirs)
    client.force_login(make_user("manager", department=ours))

    for name in ("lifecycle-cost", "depreciation"):
        html = page(client, reverse(f"reports:{name}"))
        assert mine.tag in html and other.tag not in html
        rows = csv_rows(client.get(reverse(f"reports:{name}-csv")))
        assert [row[0] for row in rows[1:]] == [mine.tag]
    # ... and another department is not a choice to probe
    page(client, reverse("reports:lifecycle-cost") + "?department=theirs")
    html = page(client, reverse("reports:lifecycle-cost") + "?department=theirs")
    assert other.tag not in html


def test_a_managers_cost_reports_leave_out_what_their_people_hold_for_others(client, laptops):
    # A Finance-owned server deployed to an Engineering employee
    finance = DepartmentFactory(name="Finance", slug="finance")
    engineering = DepartmentFactory(name="Engineering", slug="engineering")
    server = make_asset(
        "deployed",
        category=laptops,
        name="Finance server",
        department=finance,
        holder=make_user("employee", department=engineering),
    )
    ours = make_asset(category=laptops, name="Engineering laptop", department=engineering)
    manager = make_user("manager", department=engineering)

    client.force_login(manager)
    for name in ("lifecycle-cost", "depreciation", "retirement-by-category"):
        assert server.tag not in page(client, reverse(f"reports:{name}"))
    tags = [row[0] for row in csv_rows(client.get(reverse("reports:lifecycle-cost-csv")))[1:]]
    assert tags == [ours.tag]

    client.force_login(make_user("it"))
    tags = [row[0] for row in csv_rows(client.get(reverse("reports:lifecycle-cost-csv")))[1:]]
    assert server.tag in tags and ours.tag in tags


def test_lifecycle_cost_page_filters_totals_and_csv(client, laptops, cables):
    laptop = make_asset(category=laptops, name="Laptop", purchase_cost=D("1234.56"))
    repair(laptop, "89.90")
    repair(laptop, "45.05")
    wipe_and_dispose(laptop, on=timezone.localdate(), proceeds="150.00")
    make_asset(category=cables, name='=HYPERLINK("http://x")', purchase_cost=D("10.00"))
    client.force_login(make_user("it"))

    html = page(client, reverse("reports:lifecycle-cost"))
    assert "1,219.51" in html and "1,229.51" in html  # the laptop, and the total with the cable
    html = page(client, reverse("reports:lifecycle-cost") + "?status=disposed&category=laptops")
    assert laptop.tag in html and "HYPERLINK" not in html

    rows = csv_rows(client.get(reverse("reports:lifecycle-cost-csv")))
    header = rows[0]
    assert header[-3:] == ["maintenance_cost", "disposal_proceeds", "lifecycle_cost"]
    assert rows[1][0] == laptop.tag and rows[1][-3:] == ["134.95", "150.00", "1219.51"]
    assert rows[2][1].startswith("'=")  # a formula is neutralised


def test_depreciation_page_shows_the_rule_the_totals_and_the_uncountable(client, laptops):
    make_asset(
        category=laptops, purchase_cost=D("1234.56"), purchase_date=datetime.date(2024, 1, 15)
    )
    make_asset(category=laptops, name="Unknown cost", purchase_cost=None)
    client.force_login(make_user("auditor"))

    html = page(client, reverse("reports:depreciation") + "?as_of=2026-11-24")

    assert "ROUND_HALF_UP" not in html and "half up" in html
    for figure in ("34 of 36", "34.29", "1,165.97", "68.59"):
        assert figure in html
    assert "Cannot be depreciated: 1 asset" in html and "No purchase cost" in html
    rows = csv_rows(client.get(reverse("reports:depreciation-csv") + "?as_of=2026-11-24"))
    assert rows[1][-6:] == ["36", "2026-11-24", "34", "34.29", "1165.97", "68.59"]


def test_reports_index_links_the_new_reports(client):
    client.force_login(make_user("auditor"))
    html = page(client, reverse("reports:index"))
    for name in PAGES:
        assert reverse(f"reports:{name}") in html


# --- bounded queries ------------------------------------------------------------------------


def build_estate(count: int, laptops, cables) -> None:
    """``count`` assets: half laptops with a repair, every third disposed of in 2026."""
    department = DepartmentFactory(slug="ops")
    for i in range(count):
        category = laptops if i % 2 else cables
        asset = make_asset(category=category, name=f"Asset {i}", department=department)
        if i % 2:
            repair(asset, "10.00")
        if i % 3 == 0:
            wipe_and_dispose(asset, on=datetime.date(2026, 3, 1))
        elif i % 3 == 1:
            lifecycle.retire(asset, actor=it_robot(), reason="Old", retirement_reason="broken")


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


URLS = [
    "/reports/lifecycle-cost/",
    "/reports/lifecycle-cost.csv",
    "/reports/retirement-by-category/?from=2026-01-01",
    "/reports/retirement-by-category.csv",
    "/reports/depreciation/",
    "/reports/depreciation.csv",
    "/reports/disposals/?from=2026-01-01&to=2026-12-31",
    "/reports/disposals.csv?from=2026-01-01&to=2026-12-31",
]


def test_every_page_runs_the_same_number_of_queries_for_5_or_40_assets(client, laptops, cables):
    client.force_login(make_user("auditor"))
    build_estate(5, laptops, cables)
    small = {url: queries_for(client, url) for url in URLS}
    build_estate(40, laptops, cables)
    assert Asset.objects.count() == 45
    large = {url: queries_for(client, url) for url in URLS}
    assert large == small
    assert max(small.values()) <= 12, small


# --- in a browser (screenshots for docs/screenshots with ITAM_SCREENSHOTS) -------------------


@pytest.mark.parametrize("page", ["desktop", "phone"], indirect=True)
def test_depreciation_and_disposals_pages_in_a_browser(page, live_server, request):
    from tests.browser import screenshot, sign_in

    laptops = CategoryFactory(
        name="Laptops", slug="laptops", holds_data=True, expected_life_months=36
    )
    monitors = CategoryFactory(name="Monitors", slug="monitors", expected_life_months=60)
    for name, cost, bought in [
        ("ThinkPad T14", "1234.56", "2024-01-15"),
        ("MacBook Air", "1499.00", "2025-06-02"),
        ("Dell Latitude", "980.00", "2022-09-30"),
    ]:
        make_asset(
            category=laptops,
            name=name,
            purchase_cost=D(cost),
            purchase_date=datetime.date.fromisoformat(bought),
        )
    make_asset(category=monitors, name="Dell U2723", purchase_cost=D("389.99"))
    make_asset(category=monitors, name="Donated monitor", purchase_cost=None)
    wipe_and_dispose(
        make_asset(category=laptops, name="ThinkPad X1", serial_number="PF-3KX91"),
        on=datetime.date(2026, 3, 1),
        proceeds="150.00",
        cert="DISP-2026-001",
    )
    wipe_and_dispose(
        make_asset(category=monitors, name="Old monitor"), on=datetime.date(2026, 6, 30)
    )
    make_user("auditor", username="audrey", first_name="Audrey", last_name="Hall")
    kind = request.node.callspec.params["page"]
    sign_in(page, live_server, "audrey")

    page.goto(live_server.url + reverse("reports:depreciation") + "?as_of=2026-11-24")
    assert "1,165.97" in page.locator("table").inner_text()
    assert "Cannot be depreciated: 1 asset" in page.content()
    if kind == "desktop":
        screenshot(page, "report-depreciation-desktop", full_page=True)

    page.goto(live_server.url + reverse("reports:disposals") + "?from=2026-01-01&to=2026-12-31")
    text = page.locator("table").inner_text()
    assert "Wendy Wipe" in text and "Carl Check" in text and "No data held" in text
    screenshot(page, f"report-disposals-{kind}", full_page=True)
