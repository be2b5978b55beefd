"""Sign-in, sign-out, lockout, the layout, and stored XSS on every page that shows user data."""

import pytest
from django.urls import reverse

from assets import lifecycle
from tests.factories import PASSWORD, CategoryFactory, make_asset, make_user

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


# --- sign-in, sign-out, lockout ------------------------------------------------------------


def test_sign_in_page_is_open_and_labelled(client):
    response = client.get(reverse("login"))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_username">' in page
    assert '<label for="id_password">' in page
    assert "Sign out" not in page


def test_sign_in_lands_on_the_dashboard_and_sign_out_is_a_post(client):
    make_user("employee", username="eve", first_name="Eve")

    signed_in = client.post(reverse("login"), {"username": "eve", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert signed_in["Location"] == reverse("dashboard")
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "Hello, Eve" in dashboard
    assert f'action="{reverse("logout")}"' in dashboard  # the header's sign-out form

    signed_out = client.post(reverse("logout"))
    assert signed_out.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302  # back to sign-in


def test_wrong_password_says_so(client):
    make_user("employee", username="eve")
    response = client.post(reverse("login"), {"username": "eve", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_too_many_failures_show_the_lockout_page(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    make_user("employee", username="eve")
    for _ in range(3):
        response = client.post(reverse("login"), {"username": "eve", "password": "wrong"})

    response = client.post(reverse("login"), {"username": "eve", "password": PASSWORD})

    assert response.status_code == 429
    page = response.content.decode()
    assert "Sign-in is paused" in page
    assert "too many failed sign-in attempts" in page
    assert "15 minutes" in page
    assert client.get(reverse("dashboard")).status_code == 302  # still not signed in


# --- layout --------------------------------------------------------------------------------


def test_layout_has_skip_link_main_landmark_and_no_inline_styles(client):
    client.force_login(make_user("it", username="ian"))
    asset = make_asset("in_stock")
    for url in (reverse("dashboard"), reverse("assets:list"), asset.get_absolute_url()):
        page = client.get(url).content.decode()
        assert '<a class="skip-link" href="#main">' in page
        assert '<main id="main"' in page
        assert "style=" not in page  # the CSP allows no inline styles
        assert "<script>" not in page  # nor inline scripts without a nonce


def test_nav_says_register_for_it_staff_and_my_assets_for_employees(client):
    client.force_login(make_user("it", username="ian"))
    assert ">Register</a>" in client.get(reverse("dashboard")).content.decode()
    client.force_login(make_user("employee", username="eve"))
    assert ">My assets</a>" in client.get(reverse("dashboard")).content.decode()


def test_employee_dashboard_lists_what_they_hold(client):
    eve = make_user("employee", username="eve")
    mine = make_asset("deployed", holder=eve, name="Eve phone")
    client.force_login(eve)

    response = client.get(reverse("dashboard"))

    page = response.content.decode()
    assert mine.tag in page and "Eve phone" in page
    assert "by status" not in page  # counts are for those who oversee the register


def test_dashboard_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    it_user = make_user("it", username="ian")
    for n in range(15):
        make_asset("deployed", holder=it_user, name=f"Mine {n}")
    client.force_login(it_user)
    # 17: the estate's charts, what ends soon and the spend add six (tests/test_dashboard.py).
    with django_assert_max_num_queries(17):
        assert client.get(reverse("dashboard")).status_code == 200


# --- stored XSS ----------------------------------------------------------------------------


def test_script_in_name_notes_and_reason_is_escaped_everywhere(client):
    it_user = make_user("it", username="ian")
    eve = make_user("employee", username="eve", first_name=SCRIPT)
    asset = make_asset(
        "in_stock",
        name=SCRIPT,
        notes=SCRIPT,
        serial_number=SCRIPT,
        category=CategoryFactory(name=SCRIPT),
    )
    lifecycle.deploy(asset, to=eve, actor=it_user, reason=SCRIPT)
    client.force_login(it_user)

    pages = {
        "register": client.get(reverse("assets:list")),
        "asset page": client.get(asset.get_absolute_url()),
        "dashboard": client.get(reverse("dashboard")),
        "move form": client.get(reverse("assets:move", args=[asset.tag, "transfer"])),
    }

    for where, response in pages.items():
        page = response.content.decode()
        assert response.status_code == 200, where
        assert SCRIPT not in page, where
        assert ESCAPED in page, where
    timeline = pages["asset page"].context["timeline"]
    assert timeline[0].reason == SCRIPT  # the reason is in the timeline, shown escaped


def test_script_in_a_filter_value_is_escaped(client):
    client.force_login(make_user("it", username="ian"))
    page = client.get(reverse("assets:list"), {"q": SCRIPT, "holder": SCRIPT}).content.decode()
    assert SCRIPT not in page
    assert ESCAPED in page


def test_asset_page_queries_do_not_grow_with_its_history(client):
    it_user = make_user("it", username="ian")
    people = [make_user("employee", username=f"p{n}") for n in range(12)]
    asset = make_asset("in_stock", name="Busy laptop")
    client.force_login(it_user)

    def page_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(asset.get_absolute_url()).status_code == 200
        return len(ctx.captured_queries)

    lifecycle.deploy(asset, to=people[0], actor=it_user, reason="first")
    short = page_queries()
    for person in people[1:]:
        lifecycle.transfer(asset, to=person, actor=it_user, reason=f"to {person.username}")
    long = page_queries()

    assert len(client.get(asset.get_absolute_url()).context["timeline"]) == 13
    assert long == short
