"""Person pages, the people list, offboarding through the page, bulk moves from the register,
and the register as of a past day."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assets import lifecycle
from assets.models import Asset
from tests.factories import (
    CategoryFactory,
    DepartmentFactory,
    LocationFactory,
    make_asset,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return DepartmentFactory(name="Finance", slug="finance")


@pytest.fixture
def leaver(team):
    return make_user("employee", username="lee", first_name="Lee", last_name="Ver", department=team)


@pytest.fixture
def it_user():
    return make_user("it", username="ian", first_name="Ian", last_name="Tech")


@pytest.fixture
def store():
    return LocationFactory(name="IT store")


def person_url(user) -> str:
    return reverse("people:detail", args=[user.get_username()])


def tags_in(response) -> list[str]:
    return re.findall(r'class="tag-link" href="/assets/([^/]+)/"', response.content.decode())


# --- who may see a person's page -----------------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [
        ("it", 200),
        ("auditor", 200),
        ("own_manager", 200),
        ("other_manager", 404),
        ("employee", 404),
        ("self", 200),
    ],
)
def test_who_sees_a_person_page(client, team, leaver, viewer, expected):
    # Given a person in Finance holding a laptop
    asset = make_asset("deployed", holder=leaver, name="Finance laptop")
    people = {
        "it": lambda: make_user("it"),
        "auditor": lambda: make_user("auditor"),
        "own_manager": lambda: make_user("manager", department=team),
        "other_manager": lambda: make_user("manager", department=DepartmentFactory(name="Sales")),
        "employee": lambda: make_user("employee", department=team),
        "self": lambda: leaver,
    }
    client.force_login(people[viewer]())

    # When the viewer opens the person's page
    response = client.get(person_url(leaver))

    # Then they see it (with what the person holds) or a 404, as their role allows
    assert response.status_code == expected
    if expected == 200:
        assert asset.tag in tags_in(response)
        assert "Licence seats" in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, leaver):
    response = client.get(person_url(leaver))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_only_it_staff_see_the_offboarding_form(client, leaver):
    make_asset("deployed", holder=leaver)
    client.force_login(make_user("auditor"))
    assert "Offboard: return" not in client.get(person_url(leaver)).content.decode()
    client.force_login(make_user("it"))
    assert "Offboard: return 1 asset" in client.get(person_url(leaver)).content.decode()


def test_the_person_page_shows_open_deployments_with_acceptance_and_past_ones(
    client, it_user, leaver
):
    # Given one asset the leaver confirmed, one not yet, and one they handed back
    confirmed = make_asset("deployed", holder=leaver, name="Phone")
    lifecycle.confirm_receipt(confirmed, actor=leaver)
    make_asset("deployed", holder=leaver, name="Headset")
    returned = make_asset("deployed", holder=leaver, name="Old laptop")
    lifecycle.check_in(returned, actor=it_user)

    # When IT opens the page
    client.force_login(it_user)
    page = client.get(person_url(leaver)).content.decode()

    # Then open deployments show their receipt state, and the past one is in the history
    assert "Confirmed" in page
    assert "Not confirmed yet" in page
    history = page.split('id="past-h"')[1]
    assert returned.tag in history
    assert "Check in" in history


# --- offboarding through the page ----------------------------------------------------------


def test_offboarding_5_assets_from_the_page_returns_them_all(client, it_user, leaver, store):
    # Given a leaver with 5 assets, and IT on their page
    assets = [make_asset("deployed", holder=leaver) for _ in range(5)]
    client.force_login(it_user)
    page = client.get(person_url(leaver)).content.decode()
    expected = re.findall(r'name="expected" value="([^"]+)"', page)
    assert sorted(expected) == sorted(a.tag for a in assets)

    # When IT submits the offboarding form
    response = client.post(
        reverse("people:offboard", args=["lee"]),
        {"location": store.pk, "reason": "Left on 30 June", "expected": expected},
    )

    # Then the result page lists all 5 as checked in, and they are in stock with history
    assert response.status_code == 200
    body = response.content.decode()
    assert "offboarded" in body
    assert sorted(tags_in(response)) == sorted(a.tag for a in assets)
    assert body.count("Checked in to stock at IT store") == 5
    assert Asset.objects.filter(status="in_stock", location=store).count() == 5
    assert Asset.history.filter(history_action="check_in").count() == 5


def test_if_one_return_fails_none_is_applied_and_the_page_says_which_and_why(
    client, it_user, leaver, store
):
    # Given a leaver with 5 assets, and IT looking at their page
    assets = [make_asset("deployed", holder=leaver) for _ in range(5)]
    client.force_login(it_user)
    page = client.get(person_url(leaver)).content.decode()
    expected = re.findall(r'name="expected" value="([^"]+)"', page)
    # And meanwhile one of them is marked missing
    lost = lifecycle.mark_missing(assets[3], actor=it_user, reason="Not found in audit")

    # When IT submits the offboarding form
    response = client.post(
        reverse("people:offboard", args=["lee"]),
        {"location": store.pk, "reason": "Left", "expected": expected},
    )

    # Then nothing changed, and the page says which asset and why
    assert response.status_code == 409
    body = response.content.decode()
    assert "Nothing was returned: no asset was changed." in body
    alert = body.split('id="offboard-refused"')[1].split("</div>")[0]
    assert lost.tag in alert
    assert "missing" in alert
    assert Asset.objects.filter(assigned_user=leaver, status="deployed").count() == 4


def test_offboarding_form_errors_change_nothing(client, it_user, leaver):
    make_asset("deployed", holder=leaver)
    client.force_login(it_user)
    response = client.post(reverse("people:offboard", args=["lee"]), {"reason": ""})
    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode()
    assert Asset.objects.filter(assigned_user=leaver).count() == 1


@pytest.mark.parametrize("role", ["auditor", "manager", "employee"])
def test_roles_without_check_in_cannot_offboard(client, leaver, store, role):
    make_asset("deployed", holder=leaver)
    client.force_login(make_user(role))
    response = client.post(
        reverse("people:offboard", args=["lee"]), {"location": store.pk, "reason": "Left"}
    )
    assert response.status_code == 403
    assert Asset.objects.filter(assigned_user=leaver).count() == 1


# --- the people list -----------------------------------------------------------------------


def test_people_list_searches_and_counts_holdings_in_a_fixed_number_of_queries(
    client, it_user, team
):
    # Given 3 people, then 15, each holding 2 assets
    client.force_login(it_user)
    category = CategoryFactory()

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            person = make_user("employee", username=f"person{i:02d}", department=team)
            for _ in range(2):
                make_asset("deployed", holder=person, category=category)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("people:index"))
        assert response.status_code == 200
        return len(ctx.captured_queries)

    add(3, 0)
    few = count_queries()
    add(12, 3)
    many = count_queries()
    assert few == many

    # And the search finds one person, showing how many assets they hold
    response = client.get(reverse("people:index"), {"q": "person07"})
    body = response.content.decode()
    assert "/people/person07/" in body
    assert "/people/person08/" not in body
    assert "2 assets" in body


@pytest.mark.parametrize(
    ("role", "expected"), [("auditor", 200), ("manager", 403), ("employee", 403)]
)
def test_who_sees_the_people_list(client, role, expected):
    client.force_login(make_user(role))
    assert client.get(reverse("people:index")).status_code == expected


def test_the_nav_shows_people_to_it_staff(client, it_user):
    client.force_login(it_user)
    assert 'href="/people/"' in client.get(reverse("dashboard")).content.decode()


# --- bulk moves from the register ----------------------------------------------------------


def test_it_staff_tick_rows_confirm_and_check_them_in(client, it_user, leaver, store):
    # Given three deployed assets
    assets = [make_asset("deployed", holder=leaver) for _ in range(3)]
    client.force_login(it_user)

    # When IT opens the register, there is a checkbox per row and the bulk bar
    register = client.get(reverse("assets:list")).content.decode()
    assert 'name="tags"' in register
    assert 'name="action"' in register

    # And ticking two and choosing "check in" shows a confirmation page listing them
    chosen = [assets[0].tag, assets[2].tag]
    confirm = client.post(reverse("assets:bulk"), {"tags": chosen, "action": "check-in"})
    assert confirm.status_code == 200
    assert sorted(tags_in(confirm)) == sorted(chosen)
    assert Asset.objects.filter(status="deployed").count() == 3  # nothing yet

    # And confirming checks both in, and the result page lists them
    done = client.post(
        reverse("assets:bulk"),
        {
            "tags": chosen,
            "action": "check-in",
            "step": "confirm",
            "location": store.pk,
            "reason": "Desk clear-out",
        },
    )
    assert done.status_code == 200
    assert "2 assets checked in" in done.content.decode()
    assert set(Asset.objects.filter(status="in_stock").values_list("tag", flat=True)) == set(chosen)


def test_a_bulk_move_refused_for_one_asset_moves_nothing_and_names_it(client, it_user, leaver):
    deployed = make_asset("deployed", holder=leaver)
    in_stock = make_asset("in_stock")
    client.force_login(it_user)

    response = client.post(
        reverse("assets:bulk"),
        {"tags": [deployed.tag, in_stock.tag], "action": "check-in", "step": "confirm"},
    )

    assert response.status_code == 409
    body = response.content.decode()
    assert "Nothing was changed." in body
    assert f"{in_stock.tag} is in stock" in body
    deployed.refresh_from_db()
    assert deployed.status == "deployed"


def test_all_on_this_page_moves_every_row_shown(client, it_user, team):
    for _ in range(3):
        make_asset("in_stock")
    client.force_login(it_user)
    page_tags = list(Asset.objects.values_list("tag", flat=True))
    response = client.post(
        reverse("assets:bulk"),
        {
            "scope": "page",
            "page_tags": page_tags,
            "action": "deploy",
            "step": "confirm",
            "department": team.pk,
        },
    )
    assert response.status_code == 200
    assert Asset.objects.filter(status="deployed", assigned_department=team).count() == 3


@pytest.mark.parametrize("role", ["auditor", "manager", "employee"])
def test_roles_without_move_rights_get_no_bulk_bar_and_a_403(client, role):
    asset = make_asset("in_stock")
    client.force_login(make_user(role))
    assert 'name="action"' not in client.get(reverse("assets:list")).content.decode()
    response = client.post(reverse("assets:bulk"), {"tags": [asset.tag], "action": "check-in"})
    assert response.status_code == 403


def test_anonymous_bulk_posts_are_sent_to_sign_in(client):
    response = client.post(reverse("assets:bulk"), {"tags": ["X"], "action": "check-in"})
    assert response.status_code == 302


# --- the register as of a past day ---------------------------------------------------------


def test_the_register_as_of_a_past_day_shows_what_was_recorded_then(client, it_user, leaver):
    # Given a laptop deployed to Lee ten days ago, recorded as such then
    laptop = make_asset("in_stock", name="Time laptop")
    lifecycle.deploy(laptop, to=leaver, actor=it_user)
    ten_days_ago = timezone.now() - datetime.timedelta(days=10)
    Asset.history.filter(id=laptop.pk).update(history_date=ten_days_ago)
    then = {"status": "deployed", "holder": "Lee Ver"}
    # And today it is back in stock, and a new monitor was registered today
    lifecycle.check_in(laptop, actor=it_user)
    monitor = make_asset("in_stock", name="New monitor")
    client.force_login(it_user)

    # When IT views the register as of five days ago
    day = timezone.localdate() - datetime.timedelta(days=5)
    response = client.get(reverse("assets:list"), {"as_of": day.isoformat()})

    # Then it shows the laptop as it was then (deployed to Lee), not the monitor
    assert response.status_code == 200
    body = response.content.decode()
    assert tags_in(response) == [laptop.tag]
    assert monitor.tag not in body
    row = body.split(f"/assets/{laptop.tag}/")[1].split("</tr>")[0]
    assert "Deployed" in row and then["holder"] in row
    # And a banner says which day it is, and there is no bulk bar
    assert f"The register as it stood on {day:%-d %B %Y}" in body
    assert 'name="action"' not in body

    # And today's register shows it in stock
    today = client.get(reverse("assets:list")).content.decode()
    assert "In stock" in today.split(f"/assets/{laptop.tag}/")[1].split("</tr>")[0]


def test_the_register_as_of_runs_a_fixed_number_of_queries(client, it_user):
    client.force_login(it_user)
    day = timezone.localdate().isoformat()

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("assets:list"), {"as_of": day}).status_code == 200
        return len(ctx.captured_queries)

    holder = make_user("employee")
    for _ in range(3):
        make_asset("deployed", holder=holder, location=LocationFactory())
    few = count()
    for _ in range(12):
        make_asset("deployed", holder=holder, location=LocationFactory())
    assert count() == few


@pytest.mark.parametrize("value", ["yesterday", "2999-01-01"])
def test_an_as_of_that_cannot_be_used_is_explained(client, it_user, value):
    make_asset("in_stock")
    client.force_login(it_user)
    response = client.get(reverse("assets:list"), {"as_of": value})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Some filters could not be read" in body
    assert tags_in(response) == []
