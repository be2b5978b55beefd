"""Who may open which page, per role: what each can do on the web and what each must not."""

import pytest
from django.urls import reverse

from assets.models import Asset
from tests.factories import DepartmentFactory, make_asset, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two departments, each with a manager and an employee holding a laptop."""
    sales, finance = DepartmentFactory(name="Sales"), DepartmentFactory(name="Finance")
    people = {
        "sales_manager": make_user("manager", username="sam", department=sales),
        "sales_employee": make_user("employee", username="eve", department=sales),
        "finance_manager": make_user("manager", username="fred", department=finance),
        "finance_employee": make_user("employee", username="fay", department=finance),
        "it": make_user("it", username="ian"),
        "auditor": make_user("auditor", username="ada"),
    }
    eve_laptop = make_asset("deployed", holder=people["sales_employee"], name="Eve laptop")
    fay_laptop = make_asset("deployed", holder=people["finance_employee"], name="Fay laptop")
    spare = make_asset("in_stock", name="Spare monitor")
    return {**people, "eve_laptop": eve_laptop, "fay_laptop": fay_laptop, "spare": spare}


def page_urls(tag: str) -> list[str]:
    return [
        reverse("dashboard"),
        reverse("assets:list"),
        reverse("assets:create"),
        reverse("assets:detail", args=[tag]),
        reverse("assets:edit", args=[tag]),
        reverse("assets:move", args=[tag, "deploy"]),
        reverse("short-link", args=[tag]),
    ]


def test_anonymous_is_sent_to_sign_in_from_every_page(client, world):
    # Given nobody is signed in
    for url in page_urls(world["spare"].tag):
        # When they open a page
        response = client.get(url)
        # Then they land on the sign-in page, coming back afterwards
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login") + "?next="), url


def test_anonymous_post_to_a_move_changes_nothing(client, world):
    spare = world["spare"]
    response = client.post(reverse("assets:move", args=[spare.tag, "retire"]), {"reason": "x"})
    assert response.status_code == 302
    spare.refresh_from_db()
    assert spare.status == "in_stock"


# --- employee ------------------------------------------------------------------------------


def test_employee_sees_their_own_assets_and_nothing_else(client, world):
    client.force_login(world["sales_employee"])

    dashboard = client.get(reverse("dashboard")).content.decode()
    register = client.get(reverse("assets:list")).content.decode()

    assert world["eve_laptop"].tag in dashboard
    assert world["eve_laptop"].tag in register
    for other in ("fay_laptop", "spare"):
        assert world[other].tag not in dashboard
        assert world[other].tag not in register
    assert "My assets" in register
    assert "Register asset" not in register


def test_employee_gets_404_on_another_persons_asset_by_page_and_by_short_link(client, world):
    client.force_login(world["sales_employee"])
    fay_tag = world["fay_laptop"].tag

    assert client.get(reverse("assets:detail", args=[fay_tag])).status_code == 404
    assert client.get(reverse("short-link", args=[fay_tag])).status_code == 404
    # and the answer for a tag that does not exist at all is the same
    assert client.get(reverse("short-link", args=["IT-999999"])).status_code == 404


def test_employee_opens_their_own_asset_by_short_link(client, world):
    client.force_login(world["sales_employee"])
    tag = world["eve_laptop"].tag

    response = client.get(reverse("short-link", args=[tag]))

    assert response.status_code == 302
    assert response["Location"] == reverse("assets:detail", args=[tag])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Eve laptop" in page.content.decode()


def test_employee_sees_no_buttons_and_cannot_register_edit_or_move(client, world):
    client.force_login(world["sales_employee"])
    laptop = world["eve_laptop"]

    page = client.get(reverse("assets:detail", args=[laptop.tag])).content.decode()
    assert "Edit details" not in page
    assert reverse("assets:move", args=[laptop.tag, "check-in"]) not in page

    assert client.get(reverse("assets:create")).status_code == 403
    assert client.post(reverse("assets:create"), {"name": "Mine"}).status_code == 403
    assert client.get(reverse("assets:edit", args=[laptop.tag])).status_code == 403
    response = client.post(reverse("assets:move", args=[laptop.tag, "check-in"]), {})
    assert response.status_code == 403
    laptop.refresh_from_db()
    assert laptop.status == "deployed"
    assert laptop.assigned_user == world["sales_employee"]


def test_employee_forbidden_from_moves_whatever_the_tag(client, world):
    """The 403 comes before the lookup: it never tells whether a tag exists."""
    client.force_login(world["sales_employee"])
    existing = client.get(reverse("assets:move", args=[world["fay_laptop"].tag, "deploy"]))
    missing = client.get(reverse("assets:move", args=["IT-999999", "deploy"]))
    assert existing.status_code == missing.status_code == 403


# --- manager -------------------------------------------------------------------------------


def test_manager_sees_their_departments_assets_not_another_departments(client, world):
    client.force_login(world["sales_manager"])
    owned = make_asset(
        "in_stock",
        name="Sales printer",
        department=world["sales_manager"].managed_departments.get(),
    )

    register = client.get(reverse("assets:list")).content.decode()

    assert world["eve_laptop"].tag in register  # held by someone in Sales
    assert owned.tag in register  # owned by Sales
    assert world["fay_laptop"].tag not in register
    assert world["spare"].tag not in register
    assert client.get(reverse("assets:detail", args=[world["eve_laptop"].tag])).status_code == 200
    assert client.get(reverse("assets:detail", args=[world["fay_laptop"].tag])).status_code == 404
    assert client.get(reverse("short-link", args=[world["fay_laptop"].tag])).status_code == 404


def test_manager_dashboard_counts_only_their_departments(client, world):
    client.force_login(world["sales_manager"])

    response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    assert "Your departments' assets by status" in response.content.decode()
    assert response.context["total"] == 1  # Eve's laptop; not Fay's, not the spare


def test_manager_cannot_register_edit_or_move(client, world):
    client.force_login(world["sales_manager"])
    laptop = world["eve_laptop"]
    assert client.get(reverse("assets:create")).status_code == 403
    assert client.get(reverse("assets:edit", args=[laptop.tag])).status_code == 403
    assert client.get(reverse("assets:move", args=[laptop.tag, "check-in"])).status_code == 403
    assert "Edit details" not in client.get(laptop.get_absolute_url()).content.decode()


# --- IT staff ------------------------------------------------------------------------------


def test_it_staff_see_everything_and_every_move_the_state_allows(client, world):
    client.force_login(world["it"])

    register = client.get(reverse("assets:list")).content.decode()
    for key in ("eve_laptop", "fay_laptop", "spare"):
        assert world[key].tag in register
    assert "Register asset" in register
    assert "Asset register" in register

    spare_page = client.get(world["spare"].get_absolute_url()).content.decode()
    for move in ("deploy", "start-maintenance", "mark-missing", "retire"):
        assert reverse("assets:move", args=[world["spare"].tag, move]) in spare_page
    assert reverse("assets:move", args=[world["spare"].tag, "check-in"]) not in spare_page
    assert "Edit details" in spare_page
    assert client.get(reverse("assets:create")).status_code == 200
    assert (
        client.get(reverse("assets:move", args=[world["spare"].tag, "deploy"])).status_code == 200
    )


def test_it_staff_dashboard_shows_counts_by_status_linking_to_the_register(client, world):
    client.force_login(world["it"])

    response = client.get(reverse("dashboard"))

    page = response.content.decode()
    cards = {card["value"]: card for card in response.context["status_cards"]}
    assert cards["deployed"]["count"] == 2
    assert cards["in_stock"]["count"] == 1
    assert 'href="/assets/?status=deployed"' in page
    assert "Recent changes" in page
    assert world["spare"].tag in page


# --- auditor -------------------------------------------------------------------------------


def test_auditor_reads_everything_but_gets_403_on_deploy_get_and_post(client, world):
    client.force_login(world["auditor"])
    spare = world["spare"]
    history_before = spare.history.count()

    assert client.get(reverse("assets:detail", args=[world["fay_laptop"].tag])).status_code == 200
    form = client.get(reverse("assets:move", args=[spare.tag, "deploy"]))
    posted = client.post(
        reverse("assets:move", args=[spare.tag, "deploy"]),
        {"user": world["auditor"].username, "reason": "I want it"},
    )

    assert form.status_code == 403
    assert posted.status_code == 403
    assert "not allowed" in posted.content.decode()
    spare.refresh_from_db()
    assert spare.status == "in_stock"
    assert spare.assigned_user is None
    assert spare.history.count() == history_before


def test_auditor_sees_no_move_buttons_and_no_edit(client, world):
    client.force_login(world["auditor"])
    spare = world["spare"]

    page = client.get(spare.get_absolute_url()).content.decode()

    for move in ("mark-missing", "deploy", "retire"):
        assert reverse("assets:move", args=[spare.tag, move]) not in page
    assert "Edit details" not in page
    assert client.get(reverse("assets:create")).status_code == 403
    assert client.get(reverse("assets:edit", args=[spare.tag])).status_code == 403


def test_auditor_cannot_mark_an_asset_missing_outside_an_audit(client, world):
    client.force_login(world["auditor"])
    spare = world["spare"]

    response = client.post(
        reverse("assets:move", args=[spare.tag, "mark-missing"]),
        {"reason": "Not on shelf B2 during the audit"},
    )

    assert response.status_code == 403
    spare.refresh_from_db()
    assert spare.status == "in_stock"


# --- error pages ---------------------------------------------------------------------------


def test_404_page_is_in_the_shared_layout(client, world):
    client.force_login(world["it"])
    response = client.get("/assets/IT-999999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Nothing here" in page
    assert "Skip to content" in page


def test_unknown_move_is_404(client, world):
    client.force_login(world["it"])
    response = client.get(reverse("assets:move", args=[world["spare"].tag, "teleport"]))
    assert response.status_code == 404
    assert Asset.objects.get(pk=world["spare"].pk).status == "in_stock"


def test_403_page_explains_and_keeps_the_layout(client, world):
    client.force_login(world["sales_employee"])
    response = client.get(reverse("assets:create"))
    page = response.content.decode()
    assert response.status_code == 403
    assert "You are not allowed to do that" in page
    assert "Sign out" in page
