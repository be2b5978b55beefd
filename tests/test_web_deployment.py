"""Deployments through the pages: the checklist on deploy and transfer, the condition at check-in,
the acceptance page with terms, problem reports, and who may see and do what."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from assets import lifecycle
from assets.models import Asset, Assignment, ChecklistItem
from itam.models import Notification
from tests.factories import CategoryFactory, DepartmentFactory, make_asset, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    dept = DepartmentFactory(name="Engineering", slug="engineering")
    return {
        "it": make_user("it", username="ivy-it", first_name="Ivy", last_name="Tech"),
        "manager": make_user("manager", username="mona", department=dept),
        "eve": make_user(
            "employee", username="eve", first_name="Eve", last_name="Stone", department=dept
        ),
        "fay": make_user(
            "employee", username="fay", first_name="Fay", last_name="Wong", department=dept
        ),
    }


@pytest.fixture
def laptops():
    category = CategoryFactory(
        name="Laptops", slug="laptops", acceptance_text="Keep it locked away at night."
    )
    category.steps = [
        ChecklistItem.objects.create(category=category, text="Enrol in MDM", position=1),
        ChecklistItem.objects.create(category=category, text="Install VPN", position=2),
        ChecklistItem.objects.create(
            category=category, text="Copy old files", required=False, position=3
        ),
    ]
    return category


def as_user(client, user):
    client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


def deployed_to(holder, category, it) -> Asset:
    asset = make_asset("in_stock", category=category, name="Work laptop")
    ids = [i.pk for i in category.checklist.all() if i.required]
    return lifecycle.deploy(asset, to=holder, actor=it, checklist_done=ids)


def move_url(asset: Asset, move: str) -> str:
    return reverse("assets:move", args=[asset.tag, move])


# --- the deploy and transfer forms ------------------------------------------------------------


def test_the_deploy_form_shows_the_checklist_with_required_steps_marked(client, team, laptops):
    asset = make_asset("in_stock", category=laptops)
    page = html(as_user(client, team["it"]).get(move_url(asset, "deploy")))
    assert "Laptops checklist" in page
    for item in laptops.steps:
        assert f'name="checklist" value="{item.pk}"' in page
        assert item.text in page
    assert page.count("flag--required") == 2 and "Optional" in page


def test_deploy_with_an_unticked_required_step_shows_why_and_changes_nothing(client, team, laptops):
    # given a laptop in stock
    asset = make_asset("in_stock", category=laptops)
    history = asset.history.count()
    # when IT deploys it ticking only the optional step
    response = as_user(client, team["it"]).post(
        move_url(asset, "deploy"), {"user": "eve", "checklist": [str(laptops.steps[2].pk)]}
    )
    # then the form comes back with the engine's message next to the checklist
    assert response.status_code == 400
    page = html(response)
    assert "Nothing was saved" in page
    errors = re.search(
        r'<ul class="field__errors" id="id_checklist_error"[^>]*>(.*?)</ul>', page, re.S
    )
    assert errors and "Tick every required step" in errors.group(1)
    assert "Enrol in MDM; Install VPN" in errors.group(1)
    # the ticked step stays ticked
    assert re.search(rf'value="{laptops.steps[2].pk}"[^>]*checked', page)
    # and nothing changed
    asset.refresh_from_db()
    assert (asset.status, asset.assigned_user, asset.history.count()) == ("in_stock", None, history)
    assert not Assignment.objects.filter(asset=asset).exists()


def test_deploy_with_the_required_steps_records_the_checklist(client, team, laptops):
    asset = make_asset("in_stock", category=laptops)
    ticked = [str(i.pk) for i in laptops.steps if i.required]
    response = as_user(client, team["it"]).post(
        move_url(asset, "deploy"), {"user": "eve", "checklist": ticked}
    )
    assert response.status_code == 302
    page = html(client.get(asset.get_absolute_url()))
    assert "Current deployment" in page and "Checklist at deployment" in page
    assert page.count("checklist__item--done") == 2
    assert page.count("checklist__item--open") == 1
    assert "Copy old files" in page and "not done" in page
    assert "Awaiting confirmation" in page


def test_a_category_without_a_checklist_shows_no_checklist(client, team):
    asset = make_asset("in_stock")
    page = html(as_user(client, team["it"]).get(move_url(asset, "deploy")))
    assert 'name="checklist"' not in page
    assert (
        as_user(client, team["it"]).post(move_url(asset, "deploy"), {"user": "eve"}).status_code
        == 302
    )


def test_transfer_asks_for_the_checklist_and_the_page_names_both_holders(client, team, laptops):
    # given a laptop deployed to Eve
    asset = deployed_to(team["eve"], laptops, team["it"])
    as_user(client, team["it"])
    # a transfer without the required steps is refused
    refused = client.post(move_url(asset, "transfer"), {"user": "fay"})
    assert refused.status_code == 400 and "Tick every required step" in html(refused)
    assert Asset.objects.get(pk=asset.pk).assigned_user == team["eve"]
    # when it is transferred with them
    ticked = [str(i.pk) for i in laptops.steps if i.required]
    assert (
        client.post(move_url(asset, "transfer"), {"user": "fay", "checklist": ticked}).status_code
        == 302
    )
    # then the asset page shows one history naming both, and Eve's deployment as past
    page = html(client.get(asset.get_absolute_url()))
    assert "Transferred from Eve Stone to Fay Wong" in page
    deployments = page[page.index('id="deployments-h"') :]
    assert "Eve Stone" in deployments and "Transferred" in deployments
    assert "by Ivy Tech" in deployments


# --- check-in condition -------------------------------------------------------------------------


def test_check_in_notes_the_condition_on_the_asset_and_in_history(client, team):
    asset = make_asset("deployed", holder=team["eve"])
    as_user(client, team["it"])
    form = html(client.get(move_url(asset, "check-in")))
    assert '<select name="condition"' in form and "Poor: needs attention" in form
    response = client.post(move_url(asset, "check-in"), {"condition": "poor", "reason": "Returned"})
    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.condition == "poor"
    page = html(client.get(asset.get_absolute_url()))
    assert "<dt>Condition</dt><dd>Poor: needs attention</dd>" in page
    history = page[page.index('id="history-h"') :]
    assert re.search(
        r'<th scope="row">Condition</th>\s*<td class="change-old">—</td>\s*'
        r'<td class="change-new">Poor: needs attention</td>',
        history,
    )
    past = Assignment.objects.get(asset=asset)
    assert past.end_action == "check_in"
    assert "Checked in" in page[page.index('id="deployments-h"') :]


def test_an_unknown_condition_is_a_form_error(client, team):
    asset = make_asset("deployed", holder=team["eve"])
    response = as_user(client, team["it"]).post(move_url(asset, "check-in"), {"condition": "shiny"})
    assert response.status_code == 400
    assert Asset.objects.get(pk=asset.pk).status == "deployed"


# --- acceptance ---------------------------------------------------------------------------------


def test_the_holder_reads_the_terms_and_accepts_them(client, team, laptops):
    asset = deployed_to(team["eve"], laptops, team["it"])
    accept = reverse("assets:accept", args=[asset.tag])
    as_user(client, team["eve"])
    # the dashboard and the asset page lead to the acceptance page
    assert f'href="{accept}?next=/"' in html(client.get(reverse("dashboard")))
    assert f'href="{accept}"' in html(client.get(asset.get_absolute_url()))
    # the page shows the terms, their version and the box
    page = html(client.get(accept))
    assert "Keep it locked away at night." in page and "version 1" in page
    assert 'name="accept_terms"' in page and "Confirm receipt</button>" in page
    # without the box: refused with the engine's message, nothing recorded
    refused = client.post(accept)
    assert refused.status_code == 400 and "accept the Laptops terms" in html(refused)
    assert Asset.objects.get(pk=asset.pk).accepted_at is None
    # with it: accepted, the version kept, shown on the asset page
    response = client.post(accept, {"accept_terms": "on"})
    assert response.status_code == 302 and response["Location"] == asset.get_absolute_url()
    assert Assignment.objects.get(asset=asset).accepted_terms_version == 1
    page = html(client.get(asset.get_absolute_url()))
    assert "Receipt confirmed" in page and "terms version 1" in page
    # coming back to the page says it is done
    assert "Receipt confirmed" in html(client.get(accept))


def test_the_old_confirm_address_needs_the_box_when_there_are_terms(client, team, laptops):
    asset = deployed_to(team["eve"], laptops, team["it"])
    confirm = reverse("assets:confirm-receipt", args=[asset.tag])
    as_user(client, team["eve"])
    refused = client.post(confirm)
    assert refused.status_code == 400 and "accept the Laptops terms" in html(refused)
    assert client.post(confirm, {"accept_terms": "on"}).status_code == 302
    assert Asset.objects.get(pk=asset.pk).accepted_at is not None


def test_after_the_terms_change_the_page_shows_each_acceptances_version(client, team, laptops):
    # given Eve accepted version 1 and returned the laptop, and the terms changed
    asset = deployed_to(team["eve"], laptops, team["it"])
    lifecycle.confirm_receipt(asset, actor=team["eve"], accept_terms=True)
    lifecycle.check_in(asset, actor=team["it"])
    laptops.acceptance_text = "Keep it locked away. Report loss within a day."
    laptops.save()
    # when Fay gets it and accepts through the page
    ids = [i.pk for i in laptops.steps if i.required]
    lifecycle.deploy(asset, to=team["fay"], actor=team["it"], checklist_done=ids)
    accept = reverse("assets:accept", args=[asset.tag])
    page = html(as_user(client, team["fay"]).get(accept))
    assert "Report loss within a day." in page and "version 2" in page
    client.post(accept, {"accept_terms": "on"})
    # then IT sees version 2 on the current deployment and version 1 on Eve's
    page = html(as_user(client, team["it"]).get(asset.get_absolute_url()))
    assert "terms version 2" in page
    deployments = page[page.index('id="deployments-h"') :]
    assert "Eve Stone" in deployments and "terms v1" in deployments


@pytest.mark.parametrize("who, status", [("it", 403), ("manager", 403), ("fay", 404)])
def test_only_the_holder_may_open_or_post_the_acceptance_page(client, team, laptops, who, status):
    asset = deployed_to(team["eve"], laptops, team["it"])
    as_user(client, team[who])
    for url in (
        reverse("assets:accept", args=[asset.tag]),
        reverse("assets:report-problem", args=[asset.tag]),
    ):
        assert client.get(url).status_code == status
        assert client.post(url, {"accept_terms": "on", "description": "x"}).status_code == status
    assert (
        client.post(
            reverse("assets:confirm-receipt", args=[asset.tag]), {"accept_terms": "on"}
        ).status_code
        == status
    )
    asset.refresh_from_db()
    assert asset.accepted_at is None
    assert not Assignment.objects.exclude(problem_report="").exists()
    if who != "fay":  # those who can see the asset get no holder buttons on its page
        page = html(client.get(asset.get_absolute_url()))
        assert "Report a problem" not in page and "Confirm receipt</button>" not in page


def test_an_employee_sees_only_their_own_assets(client, team):
    mine = make_asset("deployed", holder=team["eve"], name="Eve's phone")
    theirs = make_asset("deployed", holder=team["fay"], name="Fay's phone")
    as_user(client, team["eve"])
    assert client.get(theirs.get_absolute_url()).status_code == 404
    register = html(client.get(reverse("assets:list")))
    assert mine.tag in register and theirs.tag not in register
    dashboard = html(client.get(reverse("dashboard")))
    assert mine.tag in dashboard and theirs.tag not in dashboard


# --- problem reports -----------------------------------------------------------------------------


def test_the_holder_reports_a_problem_and_it_shows_for_it(
    client, team, laptops, django_capture_on_commit_callbacks
):
    asset = deployed_to(team["eve"], laptops, team["it"])
    report = reverse("assets:report-problem", args=[asset.tag])
    as_user(client, team["eve"])
    assert f'href="{report}"' in html(client.get(reverse("dashboard")))
    assert "What is wrong?" in html(client.get(report))
    # an empty report is refused
    empty = client.post(report, {"description": "  "})
    assert empty.status_code == 400 and "Say what is wrong" in html(empty)
    # a real one is recorded, and IT staff get an inbox row
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(report, {"description": "The hinge is cracked"})
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=team["it"], kind="asset_problem").exists()
    assert "Problem reported" in html(client.get(reverse("dashboard")))
    # IT sees it highlighted on the asset page
    page = html(as_user(client, team["it"]).get(asset.get_absolute_url()))
    alert = page[page.index("problem-alert") : page.index('id="holder-h"')]
    assert "The hinge is cracked" in alert and "Eve Stone" in alert


def test_holder_actions_need_a_deployed_asset(client, team):
    asset = make_asset("deployed", holder=team["eve"])
    lifecycle.check_in(asset, actor=team["it"])
    # no longer held: Eve cannot see it any more
    as_user(client, team["eve"])
    assert client.get(reverse("assets:accept", args=[asset.tag])).status_code == 404


# --- the admin ----------------------------------------------------------------------------------


def test_the_admin_edits_terms_and_checklist_and_shows_deployments_read_only(client, team, laptops):
    deployed_to(team["eve"], laptops, team["it"])
    as_user(client, make_user("admin", username="root"))
    page = html(client.get(reverse("admin:assets_category_change", args=[laptops.pk])))
    assert 'name="acceptance_text"' in page and 'name="acceptance_version"' not in page
    assert "Enrol in MDM" in page and 'name="checklist-0-text"' in page
    listing = client.get(reverse("admin:assets_assignment_changelist"))
    assert listing.status_code == 200 and "Eve Stone" in html(listing)
    assert client.get(reverse("admin:assets_assignment_add")).status_code == 403
