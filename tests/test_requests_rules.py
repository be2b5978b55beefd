"""Who may decide on a request, when the second approval is needed, and what a decision needs."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from itam.errors import Conflict
from itam.models import Notification
from requests_app import services
from requests_app.choices import ApprovalStep, Decision, RequestStatus
from requests_app.models import Approval
from tests.factories import AssetModelFactory, DepartmentFactory, make_user
from tests.request_factories import approved_request, make_request, make_team, new_hire

pytestmark = pytest.mark.django_db


# --- who approves -----------------------------------------------------------------------------


def test_the_department_manager_approves_in_one_step_below_the_threshold() -> None:
    # given a request under the threshold
    team = make_team()
    request = make_request(team, cost="1999.99")
    assert services.approvers_for(request) == [team.manager]
    # when the department's manager approves it
    request = services.approve_request(request, actor=team.manager)
    # then it is approved, with the manager's decision on record
    assert request.status == RequestStatus.APPROVED
    approval = request.approvals.get()
    assert (approval.step, approval.decision, approval.decided_by) == (
        ApprovalStep.MANAGER,
        Decision.APPROVED,
        team.manager,
    )


def test_a_manager_cannot_approve_another_departments_request() -> None:
    team = make_team()
    other = make_team("Sales")
    request = make_request(team)
    assert not services.can_decide(other.manager, request)
    with pytest.raises(PermissionDenied, match="Only the manager of Engineering"):
        services.approve_request(request, actor=other.manager)
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    assert not Approval.objects.exists()


def test_a_manager_cannot_approve_their_own_request() -> None:
    # given a manager asking for themselves
    team = make_team()
    request = make_request(team, actor=team.manager)
    # then they cannot decide on it
    assert not services.can_decide(team.manager, request)
    with pytest.raises(PermissionDenied, match="their own request"):
        services.approve_request(request, actor=team.manager)
    assert not Approval.objects.exists()


def test_a_manager_cannot_approve_a_request_made_for_them() -> None:
    # given an employee asking on their manager's behalf
    team = make_team()
    request = make_request(team, for_user=team.manager)
    # then the manager cannot approve equipment for themselves
    with pytest.raises(PermissionDenied, match="their own request"):
        services.approve_request(request, actor=team.manager)
    assert not Approval.objects.exists()


def test_a_managers_own_request_goes_to_the_administrators(
    django_capture_on_commit_callbacks,
) -> None:
    # given an administrator and a manager asking for themselves
    team = make_team()
    admin = make_user("admin", username="root")
    with django_capture_on_commit_callbacks(execute=True):
        request = make_request(team, actor=team.manager)
    # then the administrator is asked (not the manager), and may decide
    assert services.approvers_for(request) == [admin]
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["root"]
    assert services.approve_request(request, actor=admin).status == RequestStatus.APPROVED


@pytest.mark.parametrize("role", ["employee", "auditor", "it"])
def test_nobody_but_a_manager_gives_the_first_approval(role: str) -> None:
    # given a request and someone of the same department who is not its manager
    team = make_team()
    request = make_request(team)
    someone = make_user(role, department=team.department, username=f"a-{role}")
    # then they cannot approve nor reject it
    assert not services.can_decide(someone, request)
    with pytest.raises(PermissionDenied):
        services.approve_request(request, actor=someone)
    with pytest.raises(PermissionDenied):
        services.reject_request(request, actor=someone, reason="No")
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


# --- the second approval ------------------------------------------------------------------------


def test_above_the_threshold_it_staff_give_the_second_approval(
    settings, django_capture_on_commit_callbacks
) -> None:
    # given a threshold of 2000 and a request one penny above it
    settings.ITAM_SECOND_APPROVAL_ABOVE = Decimal("2000")
    team = make_team()
    request = make_request(team, cost="2000.01")
    assert request.needs_second_approval

    # when the manager approves
    with django_capture_on_commit_callbacks(execute=True):
        request = services.approve_request(request, actor=team.manager)
    # then it still waits, now for IT staff, who are asked; the requester hears how far it got
    assert request.status == RequestStatus.SUBMITTED
    assert services.pending_step(request) == ApprovalStep.IT
    assert set(services.approvers_for(request)) == {team.it, team.it_second}
    assert Notification.objects.filter(recipient=team.it, kind="request_waiting").exists()
    assert Notification.objects.filter(recipient=team.employee, kind="request_decision").exists()
    # and the manager cannot give the second approval too
    with pytest.raises(PermissionDenied, match="IT staff decide the second step"):
        services.approve_request(request, actor=team.manager)

    # when IT staff approve
    request = services.approve_request(request, actor=team.it)
    # then it is approved with two decisions on record
    assert request.status == RequestStatus.APPROVED
    assert [(a.step, a.decided_by) for a in request.approvals.all()] == [
        (ApprovalStep.MANAGER, team.manager),
        (ApprovalStep.IT, team.it),
    ]


def test_exactly_at_the_threshold_one_approval_is_enough(settings) -> None:
    settings.ITAM_SECOND_APPROVAL_ABOVE = Decimal("2000")
    team = make_team()
    request = make_request(team, cost="2000.00")
    assert not request.needs_second_approval
    request = services.approve_request(request, actor=team.manager)
    assert request.status == RequestStatus.APPROVED
    assert request.approvals.count() == 1


@pytest.mark.parametrize("role", ["employee", "auditor", "manager"])
def test_only_it_staff_give_the_second_approval(settings, role: str) -> None:
    settings.ITAM_SECOND_APPROVAL_ABOVE = Decimal("500")
    team = make_team()
    request = services.approve_request(make_request(team, cost="800"), actor=team.manager)
    someone = make_user(role, department=DepartmentFactory(name="Other"), username=f"b-{role}")
    with pytest.raises(PermissionDenied):
        services.approve_request(request, actor=someone)
    assert services.pending_step(request) == ApprovalStep.IT


def test_the_same_person_cannot_give_both_approvals(settings) -> None:
    # given IT's own manager, who is also IT staff, and a costly request from their department
    settings.ITAM_SECOND_APPROVAL_ABOVE = Decimal("500")
    team = make_team()
    it_department = DepartmentFactory(name="IT", slug="it")
    it_head = make_user("manager", department=it_department, username="it-head")
    it_head.groups.add(team.it.groups.get())
    engineer = make_user("employee", department=it_department, username="it-engineer")
    request = make_request(team, actor=engineer, cost="9800")
    # when the head of IT approves the first step
    request = services.approve_request(request, actor=it_head)
    # then they are not asked for, nor allowed, the second
    assert it_head not in services.approvers_for(request)
    with pytest.raises(PermissionDenied):
        services.approve_request(request, actor=it_head)
    # and another IT staff member gives it
    assert services.approve_request(request, actor=team.it).status == RequestStatus.APPROVED


def test_it_staff_can_reject_at_the_second_step(settings) -> None:
    settings.ITAM_SECOND_APPROVAL_ABOVE = Decimal("500")
    team = make_team()
    request = services.approve_request(make_request(team, cost="800"), actor=team.manager)
    request = services.reject_request(request, actor=team.it, reason="A refurbished one will do")
    assert request.status == RequestStatus.REJECTED
    assert request.approvals.get(step=ApprovalStep.IT).decision == Decision.REJECTED


# --- what a decision needs ---------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_rejection_needs_a_reason(reason: str) -> None:
    team = make_team()
    request = make_request(team)
    with pytest.raises(ValidationError) as error:
        services.reject_request(request, actor=team.manager, reason=reason)
    assert "reason" in error.value.message_dict
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


def test_a_rejection_tells_the_requester_and_the_person_why(
    django_capture_on_commit_callbacks,
) -> None:
    # given a request made by one employee for another
    team = make_team()
    request = make_request(team, for_user=team.colleague)
    # when the manager rejects it with a reason
    with django_capture_on_commit_callbacks(execute=True):
        services.reject_request(request, actor=team.manager, reason="Use the spare in the store")
    # then both are told, with the reason, and the history keeps it
    assert {m.to[0] for m in mail.outbox} == {team.employee.email, team.colleague.email}
    assert all("Use the spare in the store" in m.body for m in mail.outbox)
    latest = request.history.latest()
    assert latest.status == RequestStatus.REJECTED
    assert latest.history_user == team.manager
    assert "Use the spare in the store" in latest.history_change_reason


def _in_state(team, state: str):
    request = make_request(team)
    if state == "approved":
        return services.approve_request(request, actor=team.manager)
    if state == "rejected":
        return services.reject_request(request, actor=team.manager, reason="Not this year")
    if state == "cancelled":
        return services.cancel_request(request, actor=team.employee, reason="Found one")
    raise ValueError(state)


@pytest.mark.parametrize("state", ["approved", "rejected", "cancelled"])
@pytest.mark.parametrize("approve", [True, False])
def test_a_decision_on_a_request_that_is_not_waiting_is_a_conflict(
    state: str, approve: bool
) -> None:
    team = make_team()
    request = _in_state(team, state)
    with pytest.raises(Conflict) as error:
        services.decide(request, actor=team.manager, approve=approve, reason="Again")
    assert f"is {state}" in error.value.message
    assert error.value.details["current_status"] == state
    request.refresh_from_db()
    assert request.status == state


# --- cancelling ---------------------------------------------------------------------------------


def test_the_requester_cancels_with_a_reason_and_the_person_it_was_for_is_told(
    django_capture_on_commit_callbacks,
) -> None:
    team = make_team()
    request = approved_request(team, for_user=team.colleague)
    with pytest.raises(ValidationError):
        services.cancel_request(request, actor=team.employee, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        request = services.cancel_request(request, actor=team.employee, reason="Leaving")
    assert request.status == RequestStatus.CANCELLED
    assert [m.to for m in mail.outbox] == [[team.colleague.email]]


def test_others_cannot_cancel_and_an_ordered_request_is_not_cancelled() -> None:
    team = make_team()
    request = approved_request(team)
    with pytest.raises(PermissionDenied):
        services.cancel_request(request, actor=team.manager, reason="Mine to cancel?")
    order = services.create_order(
        actor=team.it,
        vendor=team.vendor,
        lines=[services.LineInput(category=team.laptops, quantity=1, unit_cost=1, request=request)],
    )
    services.send_order(order, actor=team.it)
    with pytest.raises(Conflict, match="is ordering"):
        services.cancel_request(request, actor=team.employee, reason="Changed my mind")


# --- asking -------------------------------------------------------------------------------------


def test_a_request_says_what_is_wrong_with_it() -> None:
    team = make_team()
    other_model = AssetModelFactory(category=team.software)
    with pytest.raises(ValidationError) as error:
        services.submit_request(
            actor=team.employee,
            category=team.laptops,
            model=other_model,
            justification=" ",
            quantity=0,
            needed_by=timezone.localdate() - datetime.timedelta(days=1),
            estimated_cost="-5",
        )
    assert set(error.value.message_dict) == {
        "model",
        "justification",
        "quantity",
        "needed_by",
        "estimated_cost",
    }


def test_a_request_is_for_a_person_or_a_new_hire_not_both() -> None:
    team = make_team()
    with pytest.raises(ValidationError, match="not both"):
        make_request(team, for_user=team.colleague, new_hire=new_hire(team))


def test_a_person_without_a_department_cannot_ask_as_nobody_could_approve() -> None:
    team = make_team()
    drifter = make_user("employee", username="no-department")
    with pytest.raises(ValidationError, match="belongs to no department"):
        make_request(team, actor=drifter)


def test_money_is_kept_to_the_cent() -> None:
    team = make_team()
    request = make_request(team, cost="1249.999")
    request.refresh_from_db()
    assert request.estimated_cost == Decimal("1250.00")


def test_a_new_hire_account_needs_a_free_username() -> None:
    team = make_team()
    request = approved_request(team, new_hire=new_hire(team))
    with pytest.raises(ValidationError, match="taken"):
        services.create_new_hire_account(request, actor=team.it, username=team.employee.username)
    with pytest.raises(PermissionDenied):
        services.create_new_hire_account(request, actor=team.manager, username="jordan.lee")
