"""Deployments in the engine: checklists, acceptance by the holder only, terms versions, problem
reports, transfers as one history, and the condition noted at check-in."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from assets import lifecycle
from assets.models import Asset, Assignment, ChecklistItem
from assets.visibility import visible_assets
from itam.models import Notification
from tests.factories import CategoryFactory, DepartmentFactory, make_asset, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    """An IT engineer, a department with its manager and two employees."""
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
    """A category with two required steps and an optional one, and acceptance terms."""
    category = CategoryFactory(name="Laptops", slug="laptops", acceptance_text="Keep it safe.")
    steps = [
        ChecklistItem.objects.create(category=category, text="Enrol in MDM", position=1),
        ChecklistItem.objects.create(category=category, text="Install VPN", position=2),
        ChecklistItem.objects.create(
            category=category, text="Copy old files", required=False, position=3
        ),
    ]
    category.steps = steps
    return category


def required_ids(category) -> list[int]:
    return [item.pk for item in category.steps if item.required]


def snapshot(asset: Asset) -> tuple:
    fresh = Asset.objects.get(pk=asset.pk)
    return (
        fresh.status,
        fresh.assigned_user_id,
        fresh.history.count(),
        Assignment.objects.filter(asset=asset).count(),
    )


# --- checklists ---------------------------------------------------------------------------------


def test_deploy_with_an_unticked_required_step_is_refused_and_changes_nothing(team, laptops):
    # given a laptop in stock whose category has two required steps
    asset = make_asset("in_stock", category=laptops)
    before = snapshot(asset)
    # when IT ticks only one of them
    with pytest.raises(ValidationError) as refused:
        lifecycle.deploy(
            asset, to=team["eve"], actor=team["it"], checklist_done=[laptops.steps[0].pk]
        )
    # then the move is refused naming the missing step, and nothing changed
    assert "Install VPN" in refused.value.message_dict["checklist"][0]
    assert "Enrol in MDM" not in refused.value.message_dict["checklist"][0]
    assert snapshot(asset) == before


def test_optional_steps_may_stay_unticked_and_are_recorded_as_not_done(team, laptops):
    asset = make_asset("in_stock", category=laptops)
    lifecycle.deploy(asset, to=team["eve"], actor=team["it"], checklist_done=required_ids(laptops))
    assignment = Assignment.objects.get(asset=asset, ended_at__isnull=True)
    assert [(s["text"], s["required"], s["done"]) for s in assignment.checklist] == [
        ("Enrol in MDM", True, True),
        ("Install VPN", True, True),
        ("Copy old files", False, False),
    ]
    assert assignment.started_by == team["it"] and assignment.assigned_user == team["eve"]


def test_a_step_of_another_category_is_refused(team, laptops):
    other = ChecklistItem.objects.create(category=CategoryFactory(), text="Other")
    asset = make_asset("in_stock", category=laptops)
    with pytest.raises(ValidationError, match="not on the Laptops checklist"):
        lifecycle.deploy(
            asset,
            to=team["eve"],
            actor=team["it"],
            checklist_done=[*required_ids(laptops), other.pk],
        )
    assert Asset.objects.get(pk=asset.pk).status == "in_stock"


def test_transfer_needs_the_checklist_too_and_keeps_one_history_naming_both(team, laptops):
    # given a laptop deployed to Eve
    asset = make_asset("in_stock", category=laptops)
    lifecycle.deploy(asset, to=team["eve"], actor=team["it"], checklist_done=required_ids(laptops))
    # when it is transferred to Fay without the checklist, then it is refused
    with pytest.raises(ValidationError):
        lifecycle.transfer(asset, to=team["fay"], actor=team["it"])
    # when it is transferred with the checklist
    lifecycle.transfer(
        asset, to=team["fay"], actor=team["it"], checklist_done=required_ids(laptops)
    )
    # then one continuous history: deployed to deployed, never through stock, both holders named
    rows = list(asset.history.order_by("history_date", "history_id"))
    assert [r.history_action for r in rows] == ["register", "deploy", "transfer"]
    transfer = rows[-1]
    assert (transfer.history_from_status, transfer.status) == ("deployed", "deployed")
    # (the engine names the old holder by username and the new one by full name)
    reason = transfer.history_change_reason
    assert reason == "Transferred from Eve Stone to Fay Wong"
    assert not any(r.status == "in_stock" for r in rows[1:])
    # and two deployments: Eve's closed by the transfer at the moment Fay's opened
    eves, fays = Assignment.objects.filter(asset=asset).order_by("started_at")
    assert (eves.assigned_user, eves.end_action, eves.ended_by) == (
        team["eve"],
        "transfer",
        team["it"],
    )
    assert fays.assigned_user == team["fay"] and fays.ended_at is None
    assert eves.ended_at == fays.started_at


# --- acceptance -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["it", "fay", "manager"])
def test_only_the_holder_can_accept(team, laptops, who):
    asset = make_asset("in_stock", category=laptops)
    lifecycle.deploy(asset, to=team["eve"], actor=team["it"], checklist_done=required_ids(laptops))
    before = snapshot(asset)
    with pytest.raises(lifecycle.MoveNotPermitted, match="Only the person"):
        lifecycle.confirm_receipt(asset, actor=team[who], accept_terms=True)
    assert snapshot(asset) == before
    assert Asset.objects.get(pk=asset.pk).accepted_at is None


def test_an_employee_sees_only_their_own_assets(team, laptops):
    mine = make_asset("deployed", holder=team["eve"])
    theirs = make_asset("deployed", holder=team["fay"])
    make_asset("in_stock")
    assert list(visible_assets(team["eve"])) == [mine]
    assert theirs not in visible_assets(team["eve"])
    # the manager of their department sees both
    assert set(visible_assets(team["manager"])) == {mine, theirs}


def test_terms_must_be_accepted_and_the_version_is_recorded(team, laptops):
    # given a laptop deployed to Eve, whose category's terms are at version 1
    asset = make_asset("in_stock", category=laptops)
    lifecycle.deploy(asset, to=team["eve"], actor=team["it"], checklist_done=required_ids(laptops))
    assert laptops.acceptance_version == 1
    # when she confirms without accepting the terms, then it is refused
    with pytest.raises(ValidationError) as refused:
        lifecycle.confirm_receipt(asset, actor=team["eve"])
    assert "accept the Laptops terms" in refused.value.message_dict["accept_terms"][0]
    # when she accepts them
    lifecycle.confirm_receipt(asset, actor=team["eve"], accept_terms=True)
    # then the deployment and the history keep the time and the version
    assignment = Assignment.objects.get(asset=asset, ended_at__isnull=True)
    assert assignment.accepted_terms_version == 1 and assignment.accepted_at is not None
    last = asset.history.order_by("-history_date", "-history_id").first()
    assert (last.history_action, last.history_user) == ("accept", team["eve"])
    assert "version 1" in last.history_change_reason


def test_a_new_text_is_a_new_version_and_old_acceptances_keep_theirs(team, laptops):
    # given Eve accepted version 1 and gave the laptop back
    asset = make_asset("in_stock", category=laptops)
    lifecycle.deploy(asset, to=team["eve"], actor=team["it"], checklist_done=required_ids(laptops))
    lifecycle.confirm_receipt(asset, actor=team["eve"], accept_terms=True)
    lifecycle.check_in(asset, actor=team["it"])
    # when the terms change and the laptop goes to Fay, who accepts
    laptops.acceptance_text = "Keep it safe. Never lend it to anyone."
    laptops.save()
    assert laptops.acceptance_version == 2
    lifecycle.deploy(asset, to=team["fay"], actor=team["it"], checklist_done=required_ids(laptops))
    lifecycle.confirm_receipt(asset, actor=team["fay"], accept_terms=True)
    # then Fay's acceptance records version 2 and Eve's still version 1
    versions = dict(
        Assignment.objects.filter(asset=asset).values_list(
            "assigned_user__username", "accepted_terms_version"
        )
    )
    assert versions == {"eve": 1, "fay": 2}


def test_without_terms_no_version_is_recorded(team):
    asset = make_asset("deployed", holder=team["eve"])
    lifecycle.confirm_receipt(asset, actor=team["eve"])
    assignment = Assignment.objects.get(asset=asset)
    assert assignment.accepted_at is not None and assignment.accepted_terms_version is None


# --- problem reports ------------------------------------------------------------------------------


def test_a_problem_report_is_recorded_and_it_staff_are_told(
    team, laptops, django_capture_on_commit_callbacks
):
    asset = make_asset("in_stock", category=laptops)
    lifecycle.deploy(asset, to=team["eve"], actor=team["it"], checklist_done=required_ids(laptops))
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.report_problem(asset, actor=team["eve"], description="The screen flickers")
    assignment = Assignment.objects.get(asset=asset, ended_at__isnull=True)
    assert assignment.problem_report == "The screen flickers"
    assert assignment.problem_reported_at is not None
    inbox = Notification.objects.get(recipient=team["it"], kind="asset_problem")
    assert asset.tag in inbox.subject and "The screen flickers" in inbox.body
    assert not Notification.objects.filter(recipient=team["eve"], kind="asset_problem").exists()
    last = asset.history.order_by("-history_date", "-history_id").first()
    assert last.history_action == "report_problem" and last.history_user == team["eve"]


@pytest.mark.parametrize("who", ["it", "fay", "manager"])
def test_only_the_holder_reports_a_problem(team, who):
    asset = make_asset("deployed", holder=team["eve"])
    with pytest.raises(lifecycle.MoveNotPermitted):
        lifecycle.report_problem(asset, actor=team[who], description="Broken")
    assert not Assignment.objects.exclude(problem_report="").exists()


def test_a_problem_report_needs_words(team):
    asset = make_asset("deployed", holder=team["eve"])
    with pytest.raises(ValidationError, match="Say what is wrong"):
        lifecycle.report_problem(asset, actor=team["eve"], description="  ")


# --- check-in -----------------------------------------------------------------------------------


def test_the_condition_at_check_in_is_kept_on_the_asset_and_in_history(team):
    asset = make_asset("deployed", holder=team["eve"])
    lifecycle.check_in(asset, actor=team["it"], condition="fair")
    asset.refresh_from_db()
    assert asset.condition == "fair" and asset.status == "in_stock"
    last = asset.history.order_by("-history_date", "-history_id").first()
    assert last.condition == "fair"
    assert "condition: fair" in last.history_change_reason
    assignment = Assignment.objects.get(asset=asset)
    assert assignment.end_action == "check_in" and assignment.ended_at is not None


def test_an_unknown_condition_is_refused(team):
    asset = make_asset("deployed", holder=team["eve"])
    with pytest.raises(ValidationError, match="Choose one of"):
        lifecycle.check_in(asset, actor=team["it"], condition="shiny")
    assert Asset.objects.get(pk=asset.pk).status == "deployed"
