"""Deployments through the API: checklists on deploy and transfer, condition at check-in,
acceptance with terms, problem reports, the asset's deployments and the categories' checklists."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from assets import lifecycle
from assets.models import Asset, Assignment, ChecklistItem
from itam.models import Notification
from tests.factories import CategoryFactory, DepartmentFactory, make_asset, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    dept = DepartmentFactory(name="Engineering", slug="engineering")
    return {
        "it": make_user("it", username="ivy-it"),
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
    category = CategoryFactory(name="Laptops", slug="laptops", acceptance_text="Keep it safe.")
    category.steps = [
        ChecklistItem.objects.create(category=category, text="Enrol in MDM", position=1),
        ChecklistItem.objects.create(category=category, text="Install VPN", position=2),
        ChecklistItem.objects.create(
            category=category, text="Copy old files", required=False, position=3
        ),
    ]
    category.required_ids = [i.pk for i in category.steps if i.required]
    return category


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post(user, path: str, body: dict | None = None):
    return api(user).post(path, body or {}, format="json")


def url(asset: Asset, action: str = "") -> str:
    return f"/api/v1/assets/{asset.tag}/" + (f"{action}/" if action else "")


# --- checklists ----------------------------------------------------------------------------------


def test_deploy_without_a_required_step_is_a_400_and_changes_nothing(team, laptops):
    asset = make_asset("in_stock", category=laptops)
    history = asset.history.count()
    response = post(
        team["it"], url(asset, "deploy"), {"user": "eve", "checklist": [laptops.steps[0].pk]}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "Tick every required step" in body["errors"]["checklist"][0]
    assert "Install VPN" in body["detail"]
    asset.refresh_from_db()
    assert (asset.status, asset.assigned_user, asset.history.count()) == ("in_stock", None, history)
    assert not Assignment.objects.filter(asset=asset).exists()


def test_deploy_with_the_checklist_shows_the_current_deployment(team, laptops):
    asset = make_asset("in_stock", category=laptops)
    response = post(
        team["it"], url(asset, "deploy"), {"user": "eve", "checklist": laptops.required_ids}
    )
    assert response.status_code == 200, response.json()
    current = response.json()["current_assignment"]
    assert current["holder"]["username"] == "eve"
    assert current["started_by"] == "ivy-it" and current["is_current"] is True
    assert [(s["text"], s["done"]) for s in current["checklist"]] == [
        ("Enrol in MDM", True),
        ("Install VPN", True),
        ("Copy old files", False),
    ]
    assert current["accepted_at"] is None and current["accepted_terms_version"] is None
    assert current["problem_report"] == ""


def test_a_checklist_that_is_not_a_list_of_ids_is_a_400(team, laptops):
    asset = make_asset("in_stock", category=laptops)
    response = post(team["it"], url(asset, "deploy"), {"user": "eve", "checklist": ["mdm"]})
    assert response.status_code == 400 and "checklist" in response.json()["errors"]


def test_transfer_takes_the_checklist_and_the_deployments_list_names_both(team, laptops):
    asset = make_asset("in_stock", category=laptops)
    post(team["it"], url(asset, "deploy"), {"user": "eve", "checklist": laptops.required_ids})
    refused = post(team["it"], url(asset, "transfer"), {"user": "fay"})
    assert refused.status_code == 400 and "checklist" in refused.json()["errors"]
    moved = post(
        team["it"], url(asset, "transfer"), {"user": "fay", "checklist": laptops.required_ids}
    )
    assert moved.status_code == 200 and moved.json()["holder"]["username"] == "fay"

    deployments = api(team["it"]).get(url(asset, "assignments")).json()
    assert [(d["holder"]["username"], d["is_current"], d["end_action"]) for d in deployments] == [
        ("fay", True, ""),
        ("eve", False, "transfer"),
    ]
    assert deployments[1]["ended_by"] == "ivy-it"
    history = api(team["it"]).get(url(asset, "history")).json()
    assert history[0]["action"] == "transfer"
    assert (history[0]["from_status"], history[0]["to_status"]) == ("deployed", "deployed")
    assert history[0]["reason"] == "Transferred from Eve Stone to Fay Wong"


def test_the_category_shows_its_checklist_and_terms(team, laptops):
    body = api(team["eve"]).get("/api/v1/categories/laptops/").json()
    assert body["acceptance_text"] == "Keep it safe." and body["acceptance_version"] == 1
    assert [(i["id"], i["text"], i["required"]) for i in body["checklist"]] == [
        (i.pk, i.text, i.required) for i in laptops.steps
    ]


# --- check-in ------------------------------------------------------------------------------------


def test_check_in_takes_the_condition(team):
    asset = make_asset("deployed", holder=team["eve"])
    bad = post(team["it"], url(asset, "check-in"), {"condition": "shiny"})
    assert bad.status_code == 400 and "condition" in bad.json()["errors"]
    response = post(team["it"], url(asset, "check-in"), {"condition": "broken"})
    assert response.status_code == 200
    assert response.json()["condition"] == "broken"
    assert response.json()["current_assignment"] is None
    history = api(team["it"]).get(url(asset, "history")).json()[0]
    assert any(c["field"] == "condition" and c["new"] == "Broken" for c in history["changes"])


# --- acceptance ----------------------------------------------------------------------------------


def test_accepting_terms_needs_accept_terms_and_records_the_version(team, laptops):
    asset = make_asset("in_stock", category=laptops)
    lifecycle.deploy(asset, to=team["eve"], actor=team["it"], checklist_done=laptops.required_ids)
    missing = post(team["eve"], url(asset, "accept"))
    assert missing.status_code == 400
    assert "accept the Laptops terms" in missing.json()["errors"]["accept_terms"][0]
    assert Asset.objects.get(pk=asset.pk).accepted_at is None

    accepted = post(team["eve"], url(asset, "accept"), {"accept_terms": True})
    assert accepted.status_code == 200
    assert accepted.json()["accepted_at"] is not None
    assert accepted.json()["current_assignment"]["accepted_terms_version"] == 1


def test_a_later_acceptance_records_the_new_version_and_the_old_keeps_its_own(team, laptops):
    asset = make_asset("in_stock", category=laptops)
    lifecycle.deploy(asset, to=team["eve"], actor=team["it"], checklist_done=laptops.required_ids)
    post(team["eve"], url(asset, "accept"), {"accept_terms": True})
    post(team["it"], url(asset, "check-in"))
    laptops.acceptance_text = "Keep it safe. Never lend it."
    laptops.save()
    post(team["it"], url(asset, "deploy"), {"user": "fay", "checklist": laptops.required_ids})
    post(team["fay"], url(asset, "accept"), {"accept_terms": True})
    deployments = api(team["it"]).get(url(asset, "assignments")).json()
    assert [(d["holder"]["username"], d["accepted_terms_version"]) for d in deployments] == [
        ("fay", 2),
        ("eve", 1),
    ]


@pytest.mark.parametrize("who, status", [("it", 403), ("manager", 403), ("fay", 404)])
def test_only_the_holder_accepts_or_reports(team, laptops, who, status):
    asset = make_asset("in_stock", category=laptops)
    lifecycle.deploy(asset, to=team["eve"], actor=team["it"], checklist_done=laptops.required_ids)
    accept = post(team[who], url(asset, "accept"), {"accept_terms": True})
    report = post(team[who], url(asset, "report-problem"), {"description": "Broken"})
    assert (accept.status_code, report.status_code) == (status, status)
    if status == 403:
        assert accept.json()["code"] == "permission_denied"
    asset.refresh_from_db()
    assert asset.accepted_at is None
    assert not Assignment.objects.exclude(problem_report="").exists()


def test_an_employee_lists_only_their_own_assets(team):
    mine = make_asset("deployed", holder=team["eve"])
    theirs = make_asset("deployed", holder=team["fay"])
    listed = api(team["eve"]).get("/api/v1/assets/").json()["results"]
    assert [a["tag"] for a in listed] == [mine.tag]
    assert api(team["eve"]).get(url(theirs)).status_code == 404
    assert api(team["eve"]).get(url(theirs, "assignments")).status_code == 404


# --- problem reports -----------------------------------------------------------------------------


def test_the_holder_reports_a_problem_and_it_staff_are_told(
    team, laptops, django_capture_on_commit_callbacks
):
    asset = make_asset("in_stock", category=laptops)
    lifecycle.deploy(asset, to=team["eve"], actor=team["it"], checklist_done=laptops.required_ids)
    blank = post(team["eve"], url(asset, "report-problem"), {"description": ""})
    assert blank.status_code == 400 and "Say what is wrong" in blank.json()["detail"]
    with django_capture_on_commit_callbacks(execute=True):
        response = post(team["eve"], url(asset, "report-problem"), {"description": "No charger"})
    assert response.status_code == 200
    assert response.json()["current_assignment"]["problem_report"] == "No charger"
    assert Notification.objects.filter(recipient=team["it"], kind="asset_problem").exists()
    seen_by_it = api(team["it"]).get(url(asset)).json()["current_assignment"]
    assert seen_by_it["problem_report"] == "No charger"
    assert seen_by_it["problem_reported_at"] is not None


# --- the schema ----------------------------------------------------------------------------------


def test_the_schema_documents_the_deployment_endpoints() -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    report = paths["/api/v1/assets/{tag}/report-problem/"]["post"]
    assert report["operationId"] == "assets_report_problem"
    assert {"200", "400", "403", "404"} <= set(report["responses"])
    assert "200" in paths["/api/v1/assets/{tag}/assignments/"]["get"]["responses"]
    components = schema["components"]["schemas"]
    assert "checklist" in components["DeployInputRequest"]["properties"]
    assert "condition" in components["CheckInInputRequest"]["properties"]
    assert "accept_terms" in components["AcceptInputRequest"]["properties"]
    assert "current_assignment" in components["AssetDetail"]["properties"]
