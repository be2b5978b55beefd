"""Each role signs in with its demo account and lands on the dashboard it should see."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

ROLES = [
    # username, screenshot, headings the role sees, headings it must not see, "Register asset"
    ("sam.taylor", "dashboard-employee", ["My assets", "My requests"], ["The register by status"]),
    (
        "maria.garcia",
        "dashboard-manager",
        ["Your departments' assets by status", "My assets", "My requests"],
        ["The register by status"],
    ),
    ("priya.shah", "dashboard-it", ["The register by status", "Recent changes"], []),
    ("olivia.reed", "dashboard-auditor", ["The register by status", "Where the estate is"], []),
]


@pytest.mark.parametrize(("username", "shot", "sees", "hidden"), ROLES, ids=[r[0] for r in ROLES])
def test_each_role_signs_in_and_sees_its_home_page(visit, username, shot, sees, hidden):
    page = visit.as_(username)

    main = page.get_by_role("main")
    first_name = username.split(".")[0].capitalize()
    assert page.get_by_role("heading", level=1).inner_text() == f"Hello, {first_name}"
    for heading in sees:
        assert main.get_by_role("heading", name=heading).count() == 1, heading
    for heading in hidden:
        assert main.get_by_role("heading", name=heading).count() == 0, heading
    # Only IT staff register assets; everyone else is not offered the button.
    can_register = main.get_by_role("link", name="Register asset").count() == 1
    assert can_register == (username == "priya.shah")
    nav = page.get_by_role("navigation", name="Main")
    if username == "sam.taylor":  # an employee's register is what they hold
        assert nav.get_by_role("link", name="My assets", exact=True).count() == 1
    elif username != "maria.garcia":
        assert nav.get_by_role("link", name="Register", exact=True).count() == 1
    visit.shot(page, f"{shot}-desktop")
