"""Maintenance pages: a repair round trip, work logged in place, plans and what is due,
warranties, the asset page's maintenance section, and what each role may and may not do."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assets import lifecycle
from assets.models import Asset
from maintenance import licenses, services
from maintenance.models import MaintenancePlan, MaintenanceRecord
from tests.factories import (
    CategoryFactory,
    DepartmentFactory,
    it_robot,
    make_asset,
    make_user,
)

pytestmark = pytest.mark.django_db


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def team():
    return DepartmentFactory(name="Design", slug="design")


@pytest.fixture
def it_user():
    return make_user("it", username="ian", first_name="Ian", last_name="Tech")


@pytest.fixture
def eve(team):
    return make_user(
        "employee", username="eve", first_name="Eve", last_name="Stone", department=team
    )


@pytest.fixture
def it_client(client, it_user):
    client.force_login(it_user)
    return client


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def move_url(asset: Asset, move: str) -> str:
    return reverse("assets:move", args=[asset.tag, move])


def log_work(asset: Asset, **fields) -> MaintenanceRecord:
    fields.setdefault("title", "Annual service")
    return services.log_work(asset, actor=it_robot(), **fields)


# --- the repair round trip ----------------------------------------------------------------


def test_a_repair_round_trip_through_the_web(it_client, eve):
    # Given Eve's laptop, bought for 1,000.00, out of warranty
    laptop = make_asset("deployed", holder=eve, name="Eve laptop", warranty_end=today() - days(10))

    # When IT start a repair with its kind, title and repairer
    form = page(it_client, move_url(laptop, "start-maintenance"))
    assert "Out of warranty since" in form
    response = it_client.post(
        move_url(laptop, "start-maintenance"),
        {
            "kind": "repair",
            "title": "Cracked screen",
            "supplier": "FixIt Ltd",
            "description": "Dropped on the stairs",
            "reason": "Screen cracked",
        },
    )
    assert response.status_code == 302

    # Then the asset is in maintenance, with one open record, shown on its page
    laptop.refresh_from_db()
    assert laptop.status == "in_maintenance"
    record = laptop.maintenance_records.get()
    assert (record.kind, record.title, record.supplier) == ("repair", "Cracked screen", "FixIt Ltd")
    assert record.is_open and not record.warranty_covered
    text = page(it_client, laptop.get_absolute_url())
    assert "In maintenance now" in text and "Cracked screen" in text

    # When they complete it with its cost
    form = page(it_client, move_url(laptop, "complete-maintenance"))
    assert "Back to its holder, Eve Stone" in form and 'name="cost"' in form
    response = it_client.post(
        move_url(laptop, "complete-maintenance"),
        {"return_to_holder": "1", "cost": "150.00", "resolution": "New panel fitted"},
    )
    assert response.status_code == 302

    # Then the record is closed with its cost and downtime, and the laptop is back with Eve
    record.refresh_from_db()
    laptop.refresh_from_db()
    assert record.closed_at is not None and record.downtime is not None
    assert (record.cost, record.resolution) == (Decimal("150.00"), "New panel fitted")
    assert (laptop.status, laptop.assigned_user) == ("deployed", eve)
    # and its page shows the work and the total cost of ownership, purchase plus repair
    text = page(it_client, laptop.get_absolute_url())
    assert "Total cost of ownership" in text and "1,150.00" in text
    assert "In maintenance now" not in text
    assert record.reference in text
    actions = list(laptop.history.values_list("history_action", flat=True))
    assert "start_maintenance" in actions and "complete_maintenance" in actions
    # and the maintenance list has it, closed, with its cost
    listing = page(it_client, reverse("maintenance:list"))
    assert "Cracked screen" in listing and "150.00" in listing


def test_warranty_covered_defaults_from_the_warranty_and_the_open_record(it_client):
    laptop = make_asset("in_stock", warranty_end=today() + days(90))

    form = it_client.get(move_url(laptop, "start-maintenance"))
    assert form.context["form"]["warranty_covered"].value() is True
    assert f"Under warranty until {laptop.warranty_end:%-d %b %Y}" in form.content.decode()

    it_client.post(
        move_url(laptop, "start-maintenance"),
        {"kind": "repair", "title": "Fan", "warranty_covered": "on", "reason": "Noisy fan"},
    )
    record = MaintenanceRecord.objects.get(asset=laptop)
    assert record.warranty_covered

    form = it_client.get(move_url(laptop, "complete-maintenance"))
    assert form.context["form"]["warranty_covered"].value() is True
    assert "Marked as covered when it came in" in form.content.decode()


def test_completing_with_a_bad_cost_says_so_and_changes_nothing(it_client):
    laptop = make_asset("in_maintenance")
    response = it_client.post(move_url(laptop, "complete-maintenance"), {"cost": "-5"})
    assert response.status_code == 400
    assert response.context["form"].errors["cost"] == ["The cost cannot be negative."]
    response = it_client.post(move_url(laptop, "complete-maintenance"), {"cost": "lots"})
    assert response.context["form"].errors["cost"] == ["Enter an amount, e.g. 120.00."]
    laptop.refresh_from_db()
    assert laptop.status == "in_maintenance"


def test_start_maintenance_preselects_the_plan_from_the_due_page(it_client):
    category = CategoryFactory(name="Printers", slug="printers")
    printer = make_asset("in_stock", category=category, name="Printer")
    plan = services.create_plan(
        actor=it_robot(),
        title="Toner and rollers",
        interval_months=6,
        first_due_on=today(),
        category=category,
    )
    form = it_client.get(move_url(printer, "start-maintenance") + f"?plan={plan.pk}")
    assert form.context["form"].initial["plan"] == plan.pk
    assert form.context["form"].initial["title"] == "Toner and rollers"

    it_client.post(
        move_url(printer, "start-maintenance"),
        {"kind": "servicing", "title": "Toner", "plan": plan.pk, "reason": "Six-monthly"},
    )
    assert MaintenanceRecord.objects.get(asset=printer).plan == plan


# --- logging work in place -----------------------------------------------------------------


def test_log_work_done_in_place_keeps_the_asset_in_service(it_client, eve):
    laptop = make_asset("deployed", holder=eve)
    url = reverse("maintenance:log") + f"?asset={laptop.tag}"
    text = page(it_client, url)
    assert laptop.tag in text

    response = it_client.post(
        reverse("maintenance:log"),
        {
            "asset": laptop.tag,
            "kind": "software_update",
            "title": "BIOS update",
            "cost": "",
            "downtime_hours": "0.5",
            "performed_on": (today() - days(1)).isoformat(),
        },
    )

    assert response.status_code == 302 and response["Location"] == laptop.get_absolute_url()
    laptop.refresh_from_db()
    assert (laptop.status, laptop.assigned_user) == ("deployed", eve)
    record = MaintenanceRecord.objects.get(asset=laptop)
    assert not record.took_out_of_service and not record.is_open
    assert record.downtime == datetime.timedelta(minutes=30)
    assert record.opened_at.date() == today() - days(1)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"asset": "NOPE-1", "title": "x"}, "asset", "There is no asset with the tag"),
        ({"asset": "", "title": "x"}, "asset", "Which asset?"),
        ({"title": ""}, "title", "Give the work a title"),
        ({"title": "x", "performed_on": "2999-01-01"}, "performed_on", "in the future"),
        ({"title": "x", "cost": "-1"}, "cost", "cannot be negative"),
    ],
)
def test_log_work_errors_sit_next_to_their_field(it_client, data, field, message):
    laptop = make_asset("in_stock")
    data = {"asset": laptop.tag, "kind": "servicing", **data}
    response = it_client.post(reverse("maintenance:log"), data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not MaintenanceRecord.objects.exists()


def test_log_work_refuses_a_plan_that_does_not_cover_the_asset(it_client):
    laptop = make_asset("in_stock")
    other = make_asset("in_stock")
    plan = services.create_plan(
        actor=it_robot(), title="Check", interval_months=3, first_due_on=today(), asset=other
    )
    response = it_client.post(
        reverse("maintenance:log"),
        {"asset": laptop.tag, "kind": "servicing", "title": "Check", "plan": plan.pk},
    )
    assert response.status_code == 400
    assert "does not cover" in response.context["form"].errors["plan"][0]


# --- who sees and does what ---------------------------------------------------------------


def test_employees_see_the_work_on_what_they_hold_and_404_for_the_rest(client, eve):
    mine = make_asset("deployed", holder=eve, name="Eve laptop")
    theirs = make_asset("in_stock", name="Spare")
    my_record = log_work(mine, title="Keyboard clean")
    other_record = log_work(theirs, title="Secret upgrade")
    client.force_login(eve)

    listing = page(client, reverse("maintenance:list"))
    assert "Keyboard clean" in listing and "Secret upgrade" not in listing
    assert "Log work done" not in listing
    assert "Keyboard clean" in page(client, my_record.get_absolute_url())
    assert client.get(other_record.get_absolute_url()).status_code == 404
    assert client.get(reverse("maintenance:detail", args=[987654])).status_code == 404
    # and they change nothing
    for url in (
        reverse("maintenance:edit", args=[my_record.pk]),
        reverse("maintenance:log"),
        reverse("maintenance:plan-new"),
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"title": "Hacked"}).status_code == 403, url
    assert client.get(reverse("maintenance:plans")).status_code == 403
    my_record.refresh_from_db()
    assert my_record.title == "Keyboard clean"
    # and the asset page has no "Log work" for them
    assert reverse("maintenance:log") not in page(client, mine.get_absolute_url())


def test_managers_see_their_departments_work_only(client, team, eve):
    mine = make_asset("deployed", holder=eve)
    record = log_work(mine, title="Battery check")
    other = log_work(make_asset("in_stock"), title="Elsewhere")
    client.force_login(make_user("manager", department=team))
    assert "Battery check" in page(client, reverse("maintenance:list"))
    assert client.get(other.get_absolute_url()).status_code == 404
    assert client.get(reverse("maintenance:edit", args=[record.pk])).status_code == 403


def test_auditors_read_everything_and_change_nothing(client):
    asset = make_asset("in_stock")
    record = log_work(asset, title="Dust out")
    plan = services.create_plan(
        actor=it_robot(), title="Yearly", interval_months=12, first_due_on=today(), asset=asset
    )
    client.force_login(make_user("auditor"))

    assert "Dust out" in page(client, reverse("maintenance:list"))
    text = page(client, record.get_absolute_url())
    assert "Dust out" in text and reverse("maintenance:edit", args=[record.pk]) not in text
    assert "Yearly" in page(client, reverse("maintenance:plans"))
    assert "Yearly" in page(client, plan.get_absolute_url())
    for url in (
        reverse("maintenance:edit", args=[record.pk]),
        reverse("maintenance:log"),
        reverse("maintenance:plan-new"),
        reverse("maintenance:plan-edit", args=[plan.pk]),
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"title": "Changed"}).status_code == 403, url
    record.refresh_from_db()
    plan.refresh_from_db()
    assert (record.title, plan.title) == ("Dust out", "Yearly")


def test_it_staff_correct_a_record_and_the_history_keeps_it(it_client):
    record = log_work(make_asset("in_stock"), title="Srevice", cost="0")
    url = reverse("maintenance:edit", args=[record.pk])
    form = it_client.get(url).context["form"]
    data = {**{k: v for k, v in form.initial.items() if v is not None}}
    data.update(title="Service", cost="89.90", reason="Invoice arrived")
    data["warranty_covered"] = ""

    bad = it_client.post(url, {**data, "cost": "-3"})
    assert bad.status_code == 400
    assert bad.context["form"].errors["cost"] == ["The cost cannot be negative."]

    assert it_client.post(url, data).status_code == 302
    record.refresh_from_db()
    assert (record.title, record.cost) == ("Service", Decimal("89.90"))
    text = page(it_client, record.get_absolute_url())
    assert "Invoice arrived" in text and "Srevice" in text  # the old title, in the history


def test_anonymous_visitors_are_sent_to_sign_in(client):
    record = log_work(make_asset("in_stock"))
    for url in (
        reverse("maintenance:list"),
        record.get_absolute_url(),
        reverse("maintenance:due"),
        reverse("maintenance:warranties"),
        reverse("maintenance:plans"),
        reverse("maintenance:licenses"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


# --- the list ------------------------------------------------------------------------------


def test_the_list_shows_open_work_first_and_filters(it_client):
    laptop = make_asset("in_stock", name="Laptop A")
    log_work(laptop, title="Old clean", supplier="Acme", performed_on=today() - days(40))
    log_work(laptop, kind="upgrade", title="RAM upgrade", supplier="Bits Ltd")
    broken = make_asset("in_stock", name="Laptop B")
    lifecycle.start_maintenance(broken, actor=it_robot(), reason="Hinge", title="Broken hinge")
    base = reverse("maintenance:list")

    records = it_client.get(base).context["records"]
    assert [r.title for r in records] == ["Broken hinge", "RAM upgrade", "Old clean"]

    def titles(query: str) -> list[str]:
        return [r.title for r in it_client.get(base + query).context["records"]]

    assert titles("?kind=upgrade") == ["RAM upgrade"]
    assert titles("?state=open") == ["Broken hinge"]
    assert titles("?state=closed") == ["RAM upgrade", "Old clean"]
    assert titles(f"?asset={broken.tag.lower()}") == ["Broken hinge"]
    assert titles("?supplier=acme") == ["Old clean"]
    assert titles(f"?opened_before={(today() - days(30)).isoformat()}") == ["Old clean"]
    assert titles(f"?opened_after={today().isoformat()}&q=ram") == ["RAM upgrade"]
    text = page(it_client, base + "?opened_after=soon")
    assert "Some filters could not be read" in text and "Enter a date" in text


def test_the_list_runs_the_same_number_of_queries_for_3_and_30_records(
    client, it_user, django_assert_max_num_queries
):
    client.force_login(it_user)
    assets = [make_asset("in_stock", name=f"Asset {n}") for n in range(3)]

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("maintenance:list"))
            assert response.status_code == 200
        return len(ctx.captured_queries)

    for asset in assets:
        log_work(asset)
    small = count_queries()
    for n in range(27):
        log_work(assets[n % 3], title=f"Round {n}")
    large = count_queries()
    assert large == small
    with django_assert_max_num_queries(small):
        client.get(reverse("maintenance:list") + "?state=closed&kind=servicing")


# --- plans, what is due, warranties ----------------------------------------------------------


def test_it_staff_add_and_change_a_plan(it_client):
    category = CategoryFactory(name="Printers", slug="printers")
    url = reverse("maintenance:plan-new")
    asset = make_asset("in_stock", category=category)

    both = it_client.post(
        url,
        {
            "title": "Service",
            "kind": "servicing",
            "category": category.pk,
            "asset": asset.tag,
            "interval_months": "6",
            "first_due_on": today().isoformat(),
        },
    )
    assert both.status_code == 400
    assert "either a category or one asset" in both.context["form"].errors["category"][0]
    zero = it_client.post(url, {"title": "Service", "category": category.pk, "interval_months": 0})
    assert "from 1 to 120" in zero.context["form"].errors["interval_months"][0]

    done = it_client.post(
        url,
        {
            "title": "Service",
            "kind": "servicing",
            "category": category.pk,
            "interval_months": "6",
            "first_due_on": today().isoformat(),
        },
    )
    plan = MaintenancePlan.objects.get()
    assert done["Location"] == plan.get_absolute_url()
    assert asset.tag in page(it_client, plan.get_absolute_url())

    edit = reverse("maintenance:plan-edit", args=[plan.pk])
    assert it_client.get(edit).context["form"].initial["active"] is True
    it_client.post(
        edit,
        {
            "title": "Service",
            "kind": "servicing",
            "category": category.pk,
            "interval_months": "12",
            "first_due_on": today().isoformat(),
            "reason": "Yearly is enough",
        },
    )
    plan.refresh_from_db()
    assert (plan.interval_months, plan.active) == (12, False)
    assert "Yearly is enough" in page(it_client, plan.get_absolute_url())


def test_the_new_plan_form_takes_the_asset_from_the_asset_page(it_client):
    asset = make_asset("in_stock")
    text = page(it_client, asset.get_absolute_url())
    link = reverse("maintenance:plan-new") + f"?asset={asset.tag}"
    assert link in text
    assert it_client.get(link).context["form"].initial["asset"] == asset.tag


def test_due_page_lists_overdue_first_with_links_to_do_the_work(client, it_user, eve):
    category = CategoryFactory(name="Printers", slug="printers")
    overdue = make_asset("in_stock", category=category, name="Old printer")
    soon = make_asset("deployed", holder=eve, category=category, name="Eve printer")
    plan = services.create_plan(
        actor=it_robot(),
        title="Six-monthly service",
        interval_months=6,
        first_due_on=today() + days(10),
        category=category,
    )
    log_work(overdue, title="Service", plan=plan, performed_on=today() - days(200))
    client.force_login(it_user)

    response = client.get(reverse("maintenance:due"))
    tags = [row["item"].tag for row in response.context["rows"]]
    assert tags == [overdue.tag, soon.tag]
    text = response.content.decode()
    assert "row--overdue" in text and "Overdue" in text
    assert f"?asset={overdue.tag}&amp;plan={plan.pk}" in text
    assert f"/assets/{overdue.tag}/start-maintenance/?plan={plan.pk}" in text

    # a short horizon leaves out what is due later
    short = client.get(reverse("maintenance:due") + "?within=7")
    assert [row["item"].tag for row in short.context["rows"]] == [overdue.tag]

    # Eve sees only her own printer, without the buttons
    client.force_login(eve)
    response = client.get(reverse("maintenance:due"))
    assert [row["item"].tag for row in response.context["rows"]] == [soon.tag]
    assert "Log work" not in response.content.decode()


def test_warranties_page_lists_ending_and_recently_ended(client, it_user, eve):
    ending = make_asset("deployed", holder=eve, name="Ending", warranty_end=today() + days(12))
    ended = make_asset("in_stock", name="Ended", warranty_end=today() - days(5))
    make_asset("in_stock", name="Far off", warranty_end=today() + days(400))
    make_asset("retired", name="Gone", warranty_end=today() + days(3))
    client.force_login(it_user)

    response = client.get(reverse("maintenance:warranties"))
    assert [a.tag for a in response.context["ending"]] == [ending.tag]
    assert [a.tag for a in response.context["ended"]] == [ended.tag]
    assert "in 12 days" in response.content.decode()

    client.force_login(eve)
    response = client.get(reverse("maintenance:warranties"))
    assert [a.tag for a in response.context["ending"]] == [ending.tag]
    assert response.context["ended"] == []


# --- the asset page ------------------------------------------------------------------------


def test_asset_page_shows_warranty_plans_seats_and_a_log_work_link(it_client, eve):
    laptop = make_asset("deployed", holder=eve, warranty_end=today() + days(100))
    services.create_plan(
        actor=it_robot(),
        title="Battery check",
        interval_months=12,
        first_due_on=today() - days(2),
        asset=laptop,
    )
    license = licenses.create_license(actor=it_robot(), product="CAD Suite", seats=2, key="K-1")
    licenses.assign_seat(license, actor=it_robot(), asset=laptop)

    text = page(it_client, laptop.get_absolute_url())

    assert f"Under warranty</span> until {laptop.warranty_end:%-d %b %Y}" in text
    assert "Battery check" in text and "Overdue" in text
    assert "CAD Suite" in text and "K-1" not in text
    assert reverse("maintenance:log") + f"?asset={laptop.tag}" in text
    assert "No maintenance recorded." in text


def test_asset_page_queries_do_not_grow_with_maintenance_records(client, it_user):
    asset = make_asset("in_stock", name="Busy laptop")
    services.create_plan(
        actor=it_robot(), title="Check", interval_months=3, first_due_on=today(), asset=asset
    )
    client.force_login(it_user)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(asset.get_absolute_url()).status_code == 200
        return len(ctx.captured_queries)

    log_work(asset, cost="10")
    small = count_queries()
    for n in range(14):
        log_work(asset, title=f"Round {n}", cost="10")
    large = count_queries()

    text = client.get(asset.get_absolute_url()).content.decode()
    assert large == small
    assert "All 15 records" in text  # the page shows the latest 10 and links to the rest
    assert "1,150.00" in text  # 1,000.00 purchase + 15 × 10.00
