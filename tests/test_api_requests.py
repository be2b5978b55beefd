"""Requests through the API: asking, deciding, fulfilling, the onboarding story, receipt.

Everything here goes through HTTP only (the setup uses the shared helpers), as a script would.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from assets.models import Asset
from requests_app import services
from requests_app.models import AssetRequest, PurchaseOrder
from tests.factories import DepartmentFactory, make_asset, make_user
from tests.request_factories import approved_request, make_request, make_team, set_budget

pytestmark = pytest.mark.django_db

LIST = "/api/v1/requests/"


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post(user, path: str, body: dict | None = None):
    return api_for(user).post(path, body or {}, format="json")


def detail(request_id: int) -> str:
    return f"{LIST}{request_id}/"


def soon(days: int = 14) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


@pytest.fixture
def team():
    return make_team(budget="10000.00")


# --- asking -------------------------------------------------------------------------------------


def test_asking_for_a_colleague_answers_201_with_the_contract_shape(team) -> None:
    # given an employee and a colleague in the same department
    body = {
        "category": "laptops",
        "for_user": team.colleague.username,
        "quantity": 1,
        "justification": "Their laptop died",
        "needed_by": soon(),
        "estimated_cost": "1249.50",
    }

    # when the employee asks for a laptop for the colleague
    response = post(team.employee, LIST, body)

    # then it is submitted, for the colleague, in their department, with money as a string
    assert response.status_code == 201, response.json()
    data = response.json()
    assert isinstance(data["id"], int)
    assert data["status"] == "submitted"
    assert data["requester"] == team.employee.username
    assert data["for_user"] == team.colleague.username
    assert data["new_hire"] is None
    assert data["department"] == team.department.pk
    assert data["category"] == "laptops"
    assert data["estimated_cost"] == "1249.50"
    assert data["needed_by"] == body["needed_by"]
    assert data["pending_step"] == "manager"
    assert data["needs_second_approval"] is False
    assert AssetRequest.objects.get(pk=data["id"]).estimated_cost == Decimal("1249.50")


def test_asking_for_oneself_is_the_default(team) -> None:
    response = post(team.employee, LIST, {"category": "laptops", "justification": "Mine is slow"})

    assert response.status_code == 201, response.json()
    assert response.json()["for_user"] == team.employee.username
    assert response.json()["quantity"] == 1
    assert response.json()["estimated_cost"] == "0.00"


def test_asking_for_a_new_hire_without_an_account(team) -> None:
    other = DepartmentFactory(name="Sales", slug="sales")
    start = soon(21)

    response = post(
        team.employee,
        LIST,
        {
            "category": "laptops",
            "new_hire": {"name": "Jordan Lee", "start_date": start, "department": other.pk},
            "justification": "Jordan joins Sales",
            "estimated_cost": 1450,
        },
    )

    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["for_user"] is None
    assert data["new_hire"] == {"name": "Jordan Lee", "start_date": start}
    assert data["department"] == other.pk
    assert data["for_whom"] == "Jordan Lee (new hire)"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"category": "toasters"}, "category", "toasters"),
        ({"for_user": "nobody-here"}, "for_user", "nobody-here"),
        (
            {"new_hire": {"name": "Jo", "start_date": "2030-01-01", "department": "own"}},
            "for_user",
            "not both",
        ),
        ({"quantity": 0}, "quantity", "at least one"),
        ({"estimated_cost": "-5"}, "estimated_cost", "negative"),
        ({"estimated_cost": "12.345"}, "estimated_cost", "two decimals"),
        ({"estimated_cost": "lots"}, "estimated_cost", "amount"),
        ({"needed_by": "31/12/2030"}, "needed_by", "YYYY-MM-DD"),
        ({"justification": ""}, "justification", "what it is for"),
        ({"colour": "pink"}, "colour", "Unknown field"),
        ({"status": "approved"}, "status", "Unknown field"),
    ],
)
def test_bad_input_is_a_400_per_field_and_nothing_is_saved(team, change, field, words) -> None:
    # given a valid body with one thing wrong
    body = {
        "category": "laptops",
        "for_user": team.colleague.username,
        "quantity": 1,
        "justification": "Their laptop died",
        "estimated_cost": "1000.00",
    } | change
    if "new_hire" in body:  # the team's department, which the parameters cannot know
        body["new_hire"] = body["new_hire"] | {"department": team.department.pk}

    # when it is posted
    response = post(team.employee, LIST, body)

    # then the field is named with a message a person can act on, and nothing is saved
    assert response.status_code == 400, response.json()
    data = response.json()
    assert data["code"] == "invalid"
    assert field in data["errors"], data
    assert words.lower() in " ".join(map(str, data["errors"][field])).lower()
    assert AssetRequest.objects.count() == 0


def test_new_hire_needs_a_name_and_a_known_department(team) -> None:
    response = post(
        team.employee,
        LIST,
        {
            "category": "laptops",
            "new_hire": {"name": "Jo", "department": 999999},
            "justification": "x",
        },
    )
    missing = post(
        team.employee,
        LIST,
        {"category": "laptops", "new_hire": {"name": "Jo"}, "justification": "x"},
    )

    assert response.status_code == 400
    assert "999999" in str(response.json()["errors"]["new_hire"])
    assert missing.status_code == 400
    assert "department" in str(missing.json()["errors"]["new_hire"])
    assert AssetRequest.objects.count() == 0


def test_a_date_in_the_past_is_refused_by_the_service_as_a_400(team) -> None:
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()

    response = post(
        team.employee,
        LIST,
        {"category": "laptops", "justification": "x", "needed_by": yesterday},
    )

    assert response.status_code == 400
    assert "past" in str(response.json()["errors"]["needed_by"])


def test_signing_in_is_required() -> None:
    assert APIClient().get(LIST).status_code == 401
    assert APIClient().post(LIST, {}, format="json").status_code == 401


# --- seeing -------------------------------------------------------------------------------------


def test_detail_gives_the_approver_reuse_candidates_and_the_budget(team) -> None:
    # given a spare laptop in stock and a request waiting for the manager
    spare = make_asset("in_stock", category=team.laptops, name="Spare laptop")
    request = make_request(team, cost="1200.00")

    # when the manager opens the request
    data = api_for(team.manager).get(detail(request.pk)).json()

    # then they see the spare laptop, the budget figures as exact strings, and may decide
    assert [c["tag"] for c in data["reuse_candidates"]] == [spare.tag]
    assert data["reuse_candidates"][0]["url"].endswith(f"/api/v1/assets/{spare.tag}/")
    assert {"amount", "committed", "spent"} <= set(data["budget"])
    assert data["budget"]["amount"] == "10000.00"
    assert data["budget"]["committed"] == "0.00"
    assert data["budget"]["spent"] == "0.00"
    assert data["budget"]["available"] == "10000.00"
    assert data["can_decide"] is True
    assert data["over_budget"] is False
    assert data["holdings"] == []
    assert data["history"][0]["status"] == "submitted"
    assert data["history"][0]["user"] == team.employee.username


def test_the_requester_does_not_get_what_only_approvers_weigh(team) -> None:
    make_asset("in_stock", category=team.laptops)
    request = make_request(team)

    data = api_for(team.employee).get(detail(request.pk)).json()

    assert data["reuse_candidates"] is None
    assert data["budget"] is None
    assert data["holdings"] == []  # it is for them: they may see what they hold
    assert data["can_decide"] is False


def test_holdings_list_what_the_person_already_holds(team) -> None:
    held = make_asset("deployed", category=team.laptops, holder=team.employee)
    request = make_request(team)

    data = api_for(team.manager).get(detail(request.pk)).json()

    assert [h["tag"] for h in data["holdings"]] == [held.tag]


def test_another_departments_manager_gets_404_everywhere(team) -> None:
    # given a request in Engineering, and the manager of Sales
    request = make_request(team)
    sales = DepartmentFactory(name="Sales", slug="sales")
    other_manager = make_user("manager", department=sales, username="sales-manager")

    # then every endpoint answers 404 for them
    assert api_for(other_manager).get(detail(request.pk)).status_code == 404
    for action, body in [
        ("approve", {}),
        ("reject", {"reason": "no"}),
        ("cancel", {"reason": "no"}),
        ("fulfil", {"asset": "IT-000001"}),
        ("new-hire", {"user": "x"}),
    ]:
        response = post(other_manager, f"{detail(request.pk)}{action}/", body)
        assert response.status_code == 404, (action, response.json())
        assert response.json()["code"] == "not_found"
    assert request.pk not in [r["id"] for r in api_for(other_manager).get(LIST).json()["results"]]


def test_list_is_scoped_and_filtered(team) -> None:
    # given requests by two employees of one department, and one elsewhere
    mine = make_request(team, actor=team.employee)
    theirs = make_request(team, actor=team.colleague, category=team.software, cost="50")
    sales = DepartmentFactory(name="Sales", slug="sales")
    seller = make_user("employee", department=sales, username="seller")
    make_user("manager", department=sales, username="sales-boss")
    elsewhere = services.submit_request(
        actor=seller, category=team.laptops, justification="Sales laptop"
    )

    def ids(user, **params) -> set[int]:
        response = api_for(user).get(LIST, params)
        assert response.status_code == 200, response.json()
        return {r["id"] for r in response.json()["results"]}

    # then each sees their own scope, and the filters narrow it
    assert ids(team.employee) == {mine.pk}
    assert ids(team.manager) == {mine.pk, theirs.pk}
    assert ids(team.it) == {mine.pk, theirs.pk, elsewhere.pk}
    assert ids(make_user("auditor")) == {mine.pk, theirs.pk, elsewhere.pk}
    assert ids(team.it, category="software-licence") == {theirs.pk}
    assert ids(team.it, requester=team.colleague.username) == {theirs.pk}
    assert ids(team.it, for_user="seller") == {elsewhere.pk}
    assert ids(team.it, department=sales.pk) == {elsewhere.pk}
    assert ids(team.it, status="submitted") == {mine.pk, theirs.pk, elsewhere.pk}
    assert ids(team.it, status="approved") == set()
    ordered = api_for(team.it).get(LIST, {"ordering": "-estimated_cost"}).json()["results"]
    assert [r["id"] for r in ordered] == [mine.pk, theirs.pk, elsewhere.pk]
    assert api_for(team.it).get(LIST, {"status": "nonsense"}).status_code == 400


def test_waiting_for_me_lists_what_i_can_decide_now(settings, team) -> None:
    settings.ITAM_SECOND_APPROVAL_ABOVE = Decimal("1000")
    small = make_request(team, cost="500")
    big = make_request(team, cost="1500")
    services.approve_request(big, actor=team.manager)  # now waits for IT
    own = make_request(team, actor=team.manager, cost="100")  # the manager's own

    def waiting(user) -> set[int]:
        results = api_for(user).get(LIST, {"waiting_for_me": "true"}).json()["results"]
        return {r["id"] for r in results}

    assert waiting(team.manager) == {small.pk}
    assert waiting(team.it) == {big.pk}
    assert waiting(team.employee) == set()
    assert own.pk not in waiting(team.manager)


def test_the_list_runs_a_fixed_number_of_queries_whatever_the_page_size(team) -> None:
    for n in range(12):
        request = make_request(team, cost=str(100 + n))
        if n % 2:
            services.approve_request(request, actor=team.manager)
    api = api_for(team.it)
    api.get(LIST)  # warm the user's permission cache, as any earlier call would

    def count(page_size: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = api.get(LIST, {"page_size": page_size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == page_size
        return len(queries)

    small, large = count(2), count(12)
    assert small == large
    assert large <= 3  # count, the page, its approvals


# --- deciding -----------------------------------------------------------------------------------


def test_the_manager_approves_with_a_reason(team) -> None:
    request = make_request(team)

    response = post(team.manager, f"{detail(request.pk)}approve/", {"reason": "Old one is slow"})

    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "approved"
    assert data["pending_step"] is None
    assert [
        (a["step"], a["decision"], a["decided_by"], a["reason"]) for a in data["approvals"]
    ] == [("manager", "approved", team.manager.username, "Old one is slow")]
    assert [h["status"] for h in data["history"]] == ["submitted", "approved"]
    assert data["history"][-1]["user"] == team.manager.username


def test_an_employee_cannot_approve_403(team) -> None:
    # given a request the employee made (so they can see it)
    request = make_request(team)

    response = post(team.employee, f"{detail(request.pk)}approve/")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert AssetRequest.objects.get(pk=request.pk).status == "submitted"


def test_an_employee_cannot_approve_a_request_made_for_them_either(team) -> None:
    request = make_request(team, actor=team.colleague, for_user=team.employee)

    response = post(team.employee, f"{detail(request.pk)}approve/")

    assert response.status_code == 403


def test_the_manager_cannot_approve_their_own_request_403(team) -> None:
    request = make_request(team, actor=team.manager)

    response = post(team.manager, f"{detail(request.pk)}approve/")

    assert response.status_code == 403
    assert "own request" in response.json()["detail"]
    assert AssetRequest.objects.get(pk=request.pk).status == "submitted"


def test_an_auditor_sees_requests_but_cannot_approve(team) -> None:
    request = make_request(team)
    auditor = make_user("auditor")

    assert api_for(auditor).get(detail(request.pk)).status_code == 200
    assert post(auditor, f"{detail(request.pk)}approve/").status_code == 403


def test_second_approval_only_above_the_threshold_and_only_by_it_staff(settings, team) -> None:
    # given a threshold of 2000.00
    settings.ITAM_SECOND_APPROVAL_ABOVE = Decimal("2000.00")
    at_threshold = make_request(team, cost="2000.00")
    above = make_request(team, cost="2000.01")

    # when the manager approves both
    first = post(team.manager, f"{detail(at_threshold.pk)}approve/")
    second = post(team.manager, f"{detail(above.pk)}approve/")

    # then the one at the threshold is approved; the one above waits for IT
    assert first.json()["status"] == "approved"
    assert first.json()["needs_second_approval"] is False
    assert second.json()["status"] == "submitted"
    assert second.json()["needs_second_approval"] is True
    assert second.json()["pending_step"] == "it"

    # and neither the manager again nor an auditor can give the second approval; IT staff can
    assert post(team.manager, f"{detail(above.pk)}approve/").status_code == 403
    assert post(make_user("auditor"), f"{detail(above.pk)}approve/").status_code == 403
    final = post(team.it, f"{detail(above.pk)}approve/", {"reason": "Budgeted"})
    assert final.status_code == 200, final.json()
    assert final.json()["status"] == "approved"
    assert [a["step"] for a in final.json()["approvals"]] == ["manager", "it"]


def test_over_budget_is_shown_to_the_cent_and_approval_still_allowed(team) -> None:
    # given a budget of 2000.00 of which 1500.25 is committed by an approved request
    set_budget(team.department, "2000.00")
    approved_request(team, cost="1500.25")
    request = make_request(team, actor=team.colleague, cost="499.76")

    # when the manager opens the new request
    data = api_for(team.manager).get(detail(request.pk)).json()

    # then it shows as over budget, with exact figures
    assert data["over_budget"] is True
    assert data["budget"] == {
        "department": team.department.pk,
        "fiscal_year": data["budget"]["fiscal_year"],
        "label": data["budget"]["label"],
        "amount": "2000.00",
        "currency": data["budget"]["currency"],
        "committed": "1500.25",
        "spent": "0.00",
        "available": "499.75",
    }

    # and approving warns (recorded) but is allowed
    response = post(team.manager, f"{detail(request.pk)}approve/")
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    assert response.json()["over_budget"] is True
    assert response.json()["approvals"][0]["over_budget"] is True


def test_exactly_on_budget_is_not_over(team) -> None:
    set_budget(team.department, "2000.00")
    approved_request(team, cost="1500.25")
    request = make_request(team, actor=team.colleague, cost="499.75")

    assert api_for(team.manager).get(detail(request.pk)).json()["over_budget"] is False


def test_blocking_over_budget_refuses_approval_with_409(settings, team) -> None:
    settings.ITAM_BLOCK_OVER_BUDGET = True
    set_budget(team.department, "1000.00")
    request = make_request(team, cost="1000.01")

    response = post(team.manager, f"{detail(request.pk)}approve/")

    assert response.status_code == 409, response.json()
    data = response.json()
    assert data["code"] == "request_refused"
    assert data["current_status"] == "submitted"
    assert data["available"] == "1000.00"
    assert "budget" in data["detail"]
    assert AssetRequest.objects.get(pk=request.pk).status == "submitted"


def test_rejecting_needs_a_reason_and_then_closes_the_request(team) -> None:
    request = make_request(team)
    path = f"{detail(request.pk)}reject/"

    missing = post(team.manager, path)
    blank = post(team.manager, path, {"reason": "  "})
    done = post(team.manager, path, {"reason": "Use the spare one"})
    again = post(team.manager, f"{detail(request.pk)}approve/")

    assert missing.status_code == 400
    assert "reason" in missing.json()["errors"]
    assert blank.status_code == 400
    assert done.status_code == 200
    assert done.json()["status"] == "rejected"
    assert done.json()["history"][-1]["reason"].endswith("Use the spare one")
    assert again.status_code == 409
    assert again.json()["current_status"] == "rejected"


def test_the_requester_cancels_with_a_reason(team) -> None:
    request = make_request(team)

    response = post(team.employee, f"{detail(request.pk)}cancel/", {"reason": "Not needed"})

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert post(team.employee, f"{detail(request.pk)}cancel/", {"reason": "x"}).status_code == 409


def test_the_manager_cannot_cancel_someone_elses_request(team) -> None:
    request = make_request(team)

    response = post(team.manager, f"{detail(request.pk)}cancel/", {"reason": "No"})

    assert response.status_code == 403


def test_unknown_keys_in_an_action_body_are_refused(team) -> None:
    request = make_request(team)

    response = post(team.manager, f"{detail(request.pk)}approve/", {"reasn": "typo"})

    assert response.status_code == 400
    assert "reasn" in response.json()["errors"]


# --- fulfilling ---------------------------------------------------------------------------------


def test_in_stock_path_reuse_instead_of_buying(team) -> None:
    # given a laptop in stock and a request for one
    spare = make_asset("in_stock", category=team.laptops, name="Spare laptop")
    request_id = post(
        team.employee,
        LIST,
        {"category": "laptops", "justification": "Mine broke", "estimated_cost": "1200.00"},
    ).json()["id"]

    # when the manager sees the spare, approves, and IT allocates it
    shown = api_for(team.manager).get(detail(request_id)).json()["reuse_candidates"]
    assert spare.tag in [c["tag"] for c in shown]
    assert post(team.manager, f"{detail(request_id)}approve/").status_code == 200
    response = post(team.it, f"{detail(request_id)}fulfil/", {"asset": spare.tag})

    # then it is deployed to the employee and the request is fulfilled with no order
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "fulfilled"
    assert [a["tag"] for a in data["allocations"]] == [spare.tag]
    assert data["order_lines"] == []
    asset = api_for(team.it).get(f"/api/v1/assets/{spare.tag}/").json()
    assert asset["status"] == "deployed"
    assert asset["holder"]["username"] == team.employee.username
    assert not PurchaseOrder.objects.exists()
    assert [h["status"] for h in data["history"]] == ["submitted", "approved", "fulfilled"]


def test_fulfil_input_errors(team) -> None:
    request = approved_request(team)
    path = f"{detail(request.pk)}fulfil/"

    neither = post(team.it, path, {})
    both = post(team.it, path, {"asset": "IT-999999", "purchase_order": 1})
    unknown = post(team.it, path, {"asset": "IT-999999"})
    no_order = post(team.it, path, {"purchase_order": 999999})

    assert neither.status_code == 400
    assert "exactly one" in neither.json()["detail"]
    assert both.status_code == 400
    assert unknown.status_code == 400
    assert "IT-999999" in str(unknown.json()["errors"]["asset"])
    assert no_order.status_code == 400
    assert "999999" in str(no_order.json()["errors"]["purchase_order"])


def test_fulfilling_needs_it_staff_and_an_approved_request(team) -> None:
    spare = make_asset("in_stock", category=team.laptops)
    waiting = make_request(team)

    by_manager = post(team.manager, f"{detail(waiting.pk)}fulfil/", {"asset": spare.tag})
    too_early = post(team.it, f"{detail(waiting.pk)}fulfil/", {"asset": spare.tag})

    assert by_manager.status_code == 403
    assert too_early.status_code == 409
    assert too_early.json()["current_status"] == "submitted"
    assert Asset.objects.get(pk=spare.pk).status == "in_stock"


def test_a_deployed_asset_cannot_be_allocated(team) -> None:
    busy = make_asset("deployed", category=team.laptops)
    request = approved_request(team)

    response = post(team.it, f"{detail(request.pk)}fulfil/", {"asset": busy.tag})

    assert response.status_code == 409
    assert AssetRequest.objects.get(pk=request.pk).status == "approved"


def test_new_hire_endpoint_refuses_a_request_for_someone_with_an_account(team) -> None:
    request = approved_request(team)

    response = post(team.it, f"{detail(request.pk)}new-hire/", {"user": team.colleague.username})
    unknown = post(team.it, f"{detail(request.pk)}new-hire/", {"user": "ghost"})
    empty = post(team.it, f"{detail(request.pk)}new-hire/", {})

    assert response.status_code == 409
    assert unknown.status_code == 400
    assert "ghost" in str(unknown.json()["errors"]["user"])
    assert empty.status_code == 400


# --- the onboarding story, through the API only ---------------------------------------------------


def test_onboarding_a_new_hire_through_the_api_only(team) -> None:
    hiring_manager, it = team.employee, team.it

    # the hiring manager asks for a laptop for Jordan, who starts in two weeks
    created = post(
        hiring_manager,
        LIST,
        {
            "category": "laptops",
            "model": team.laptop_model.pk,
            "new_hire": {
                "name": "Jordan Lee",
                "start_date": soon(),
                "department": team.department.pk,
            },
            "quantity": 1,
            "justification": "Jordan joins the platform team",
            "needed_by": soon(),
            "estimated_cost": "1450.00",
        },
    )
    assert created.status_code == 201, created.json()
    request_id = created.json()["id"]

    # the department manager sees no laptop in stock, and approves
    shown = api_for(team.manager).get(detail(request_id)).json()
    assert shown["reuse_candidates"] == []
    approved = post(team.manager, f"{detail(request_id)}approve/", {"reason": "Welcome Jordan"})
    assert approved.json()["status"] == "approved"

    # IT raises a purchase order for it and sends it
    order = post(
        it,
        "/api/v1/purchase-orders/",
        {
            "vendor": team.vendor.pk,
            "lines": [
                {
                    "category": "laptops",
                    "model": team.laptop_model.pk,
                    "quantity": 1,
                    "unit_cost": "1450.00",
                    "request": request_id,
                }
            ],
        },
    )
    assert order.status_code == 201, order.json()
    order_id, line_id = order.json()["id"], order.json()["lines"][0]["id"]
    sent = post(it, f"/api/v1/purchase-orders/{order_id}/send/")
    assert sent.json()["status"] == "sent"
    tag = sent.json()["lines"][0]["assets"][0]["tag"]
    assert api_for(it).get(detail(request_id)).json()["status"] == "ordering"

    # the laptop shows in the register as on order from day one
    on_order = api_for(it).get("/api/v1/assets/", {"status": "on_order"}).json()["results"]
    assert tag in [a["tag"] for a in on_order]

    # it arrives: IT receives it with its serial; it waits in stock for Jordan's account
    received = post(
        it,
        f"/api/v1/purchase-orders/{order_id}/receive/",
        {"lines": [{"line": line_id, "serial_numbers": ["SN-JL-001"]}]},
    )
    assert received.status_code == 200, received.json()
    assert received.json()["status"] == "received"
    assert [a["tag"] for a in received.json()["received_assets"]] == [tag]
    asset = api_for(it).get(f"/api/v1/assets/{tag}/").json()
    assert (asset["status"], asset["serial_number"]) == ("in_stock", "SN-JL-001")

    # IT creates Jordan's account: the laptop is deployed to them
    linked = post(
        it, f"{detail(request_id)}new-hire/", {"username": "jlee", "email": "jlee@example.com"}
    )
    assert linked.status_code == 200, linked.json()
    assert linked.json()["for_user"] == "jlee"
    assert linked.json()["status"] == "fulfilled"
    assert [a["tag"] for a in linked.json()["allocations"]] == [tag]
    asset = api_for(it).get(f"/api/v1/assets/{tag}/").json()
    assert (asset["status"], asset["holder"]["username"]) == ("deployed", "jlee")

    # Jordan signs in and confirms receipt
    from django.contrib.auth import get_user_model

    jordan = get_user_model().objects.get(username="jlee")
    accepted = post(jordan, f"/api/v1/assets/{tag}/accept/")
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["accepted_at"] is not None

    # every step is in the asset's history and in the request's
    history = api_for(it).get(f"/api/v1/assets/{tag}/history/").json()
    steps = [(h["action"], h["to_status"], h["user"]) for h in reversed(history)]
    assert steps[0] == ("register", "on_order", it.username)
    assert ("receive", "in_stock", it.username) in steps
    assert ("deploy", "deployed", it.username) in steps
    assert steps[-1] == ("accept", "deployed", "jlee")
    assert any(c["new"] == "SN-JL-001" for h in history for c in h["changes"])
    story = api_for(it).get(detail(request_id)).json()
    statuses = [h["status"] for h in story["history"]]
    assert statuses[0] == "submitted"
    assert "approved" in statuses
    assert "ordering" in statuses
    assert statuses[-1] == "fulfilled"
    assert story["history"][1]["user"] == team.manager.username
    assert story["approvals"][0]["reason"] == "Welcome Jordan"
    assert story["order_lines"][0]["order"] == order_id
    assert story["order_lines"][0]["received"] == 1
    assert story["allocations"][0]["accepted_at"] is not None


# --- receipt confirmation -----------------------------------------------------------------------


def test_only_the_holder_confirms_receipt_and_only_once(team) -> None:
    asset = make_asset("deployed", category=team.laptops, holder=team.employee)
    path = f"/api/v1/assets/{asset.tag}/accept/"

    by_it = post(team.it, path)
    first = post(team.employee, path, {"reason": "Got it, thanks"})
    again = post(team.employee, path)
    stranger = post(team.colleague, path)

    assert by_it.status_code == 403
    assert by_it.json()["code"] == "permission_denied"
    assert first.status_code == 200
    assert first.json()["status"] == "deployed"
    assert first.json()["accepted_at"]
    assert again.status_code == 409
    assert again.json()["tag"] == asset.tag
    assert stranger.status_code == 404  # not theirs, so not visible to them
    last = api_for(team.it).get(f"/api/v1/assets/{asset.tag}/history/").json()[0]
    assert (last["action"], last["user"], last["reason"]) == (
        "accept",
        team.employee.username,
        "Got it, thanks",
    )


# --- the schema documents every body --------------------------------------------------------------


def test_the_schema_documents_each_body_and_error() -> None:
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]

    actions = {
        "/api/v1/requests/{id}/approve/": "requests_approve",
        "/api/v1/requests/{id}/reject/": "requests_reject",
        "/api/v1/requests/{id}/cancel/": "requests_cancel",
        "/api/v1/requests/{id}/fulfil/": "requests_fulfil",
        "/api/v1/requests/{id}/new-hire/": "requests_new_hire",
        "/api/v1/purchase-orders/{id}/send/": "purchase_orders_send",
        "/api/v1/purchase-orders/{id}/receive/": "purchase_orders_receive",
        "/api/v1/purchase-orders/{id}/cancel/": "purchase_orders_cancel",
    }
    for path, operation_id in actions.items():
        operation = paths[path]["post"]
        assert operation["operationId"] == operation_id
        if not path.endswith("/send/"):  # sending takes no fields
            assert "requestBody" in operation, path
        assert {"200", "400", "403", "404", "409"} <= set(operation["responses"]), path
    for path in ("/api/v1/requests/", "/api/v1/purchase-orders/"):
        assert {"201", "400", "403"} <= set(paths[path]["post"]["responses"])
    accept = paths["/api/v1/assets/{tag}/accept/"]["post"]
    assert {"200", "403", "404", "409"} <= set(accept["responses"])
    assert "/api/v1/notifications/read/" in paths
