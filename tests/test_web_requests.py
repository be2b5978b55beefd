"""The request pages per role: my requests, new request, approvals, the request page and its
forms (approve, reject, cancel, allocate). Behaviour a person notices, given/when/then."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assets.choices import AssetStatus
from requests_app import services
from requests_app.choices import RequestStatus
from requests_app.models import AssetRequest
from requests_app.views.queries import approval_queue
from tests.factories import DepartmentFactory, make_asset, make_user
from tests.request_factories import approved_request, make_request, make_team, new_hire, set_budget

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def team():
    return make_team("Engineering", budget="5000.00")


@pytest.fixture
def others():
    """Another department with its own manager and employee, and an auditor."""
    sales = DepartmentFactory(name="Sales", slug="sales")
    return {
        "department": sales,
        "manager": make_user("manager", username="sales-manager", department=sales),
        "employee": make_user("employee", username="sales-employee", department=sales),
        "auditor": make_user("auditor", username="auditor"),
    }


def url(name: str, *args) -> str:
    return reverse(f"requests_app:{name}", args=args)


def page(client, path: str, **params) -> tuple[int, str]:
    response = client.get(path, params)
    return response.status_code, response.content.decode()


# --- anonymous -----------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in_and_cannot_act(client, team):
    request = make_request(team)
    for path in (url("list"), url("create"), url("approvals"), url("detail", request.pk)):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("login")), path

    response = client.post(url("approve", request.pk), {"reason": "ok"})

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


# --- my requests ---------------------------------------------------------------------------


def test_employee_sees_requests_they_made_and_those_for_them_only(client, team, others):
    mine = make_request(team, justification="Mine")
    for_me = make_request(team, actor=team.colleague, for_user=team.employee)
    colleagues = make_request(team, actor=team.colleague, justification="Not mine")
    elsewhere = make_request(team, actor=others["employee"])
    client.force_login(team.employee)

    status, html = page(client, url("list"))

    assert status == 200
    assert "My requests" in html
    listed = {r.pk for r in client.get(url("list")).context["requests"]}
    assert listed == {mine.pk, for_me.pk}
    assert colleagues.pk not in listed and elsewhere.pk not in listed
    assert "All requests" not in html  # no tab to see more
    assert 'class="badge badge-orange">Submitted' in html


def test_it_staff_see_all_requests_and_filter_them(client, team, others):
    laptop = make_request(team)
    software = make_request(team, category=team.software, cost="50")
    elsewhere = make_request(team, actor=others["employee"])
    services.reject_request(laptop, actor=team.manager, reason="Not this year")
    client.force_login(team.it)

    everything = client.get(url("list"), {"scope": "all"})
    rejected = client.get(url("list"), {"scope": "all", "status": "rejected"})
    sales = client.get(url("list"), {"scope": "all", "department": others["department"].pk})
    software_only = client.get(url("list"), {"scope": "all", "category": "software-licence"})

    assert {r.pk for r in everything.context["requests"]} == {
        laptop.pk,
        software.pk,
        elsewhere.pk,
    }
    assert [r.pk for r in rejected.context["requests"]] == [laptop.pk]
    assert [r.pk for r in sales.context["requests"]] == [elsewhere.pk]
    assert [r.pk for r in software_only.context["requests"]] == [software.pk]
    assert "All requests" in everything.content.decode()


def test_manager_has_a_tab_for_their_departments_requests(client, team, others):
    mine_dept = make_request(team)
    elsewhere = make_request(team, actor=others["employee"])
    client.force_login(team.manager)

    response = client.get(url("list"), {"scope": "departments"})

    assert [r.pk for r in response.context["requests"]] == [mine_dept.pk]
    assert elsewhere.pk not in {r.pk for r in response.context["requests"]}
    # asking for "all" without the permission falls back to "mine"
    assert client.get(url("list"), {"scope": "all"}).context["scope"] == "mine"


def test_requests_list_runs_the_same_number_of_queries_for_3_and_30_rows(client, team):
    client.force_login(team.it)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url("list"), {"scope": "all"}).status_code == 200
        return len(ctx.captured_queries)

    for n in range(3):
        make_request(team, justification=f"r{n}", model=team.laptop_model)
    small = count()
    hire = new_hire(team)
    for n in range(27):
        if n % 2:
            make_request(team, justification=f"r{n}", new_hire=hire)
        else:
            make_request(team, justification=f"r{n}", for_user=team.colleague)
    large = count()

    assert len(client.get(url("list"), {"scope": "all"}).context["requests"]) == 30
    assert large == small


# --- new request ---------------------------------------------------------------------------


def form_data(team, **overrides) -> dict:
    data = {
        "who": "me",
        "category": team.laptops.pk,
        "model": "",
        "quantity": "1",
        "justification": "My laptop is five years old",
        "needed_by": "",
        "estimated_cost": "1200.00",
    }
    data.update(overrides)
    return data


def test_employee_asks_for_a_laptop_for_themselves(client, team):
    client.force_login(team.employee)
    form = client.get(url("create"))
    assert form.status_code == 200
    assert f"{team.laptop_model.manufacturer.name} {team.laptop_model.name} (Laptops)" in (
        form.content.decode()
    )

    response = client.post(url("create"), form_data(team, model=team.laptop_model.pk))

    request = AssetRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("detail", request.pk)
    assert request.requester == team.employee and request.for_user == team.employee
    assert request.status == RequestStatus.SUBMITTED
    assert request.estimated_cost == Decimal("1200.00")
    assert request.department == team.department
    detail = client.get(response["Location"]).content.decode()
    assert f"Request #{request.pk} is submitted" in detail


def test_asking_for_a_colleague_and_for_a_new_hire(client, team):
    client.force_login(team.manager)
    start = timezone.localdate() + datetime.timedelta(days=20)

    for_colleague = client.post(
        url("create"), form_data(team, who="colleague", for_user=team.colleague.username)
    )
    for_hire = client.post(
        url("create"),
        form_data(
            team,
            who="new_hire",
            new_hire_name="Jordan Lee",
            new_hire_start_date=start.isoformat(),
            new_hire_department=team.department.pk,
        ),
    )

    assert for_colleague.status_code == 302 and for_hire.status_code == 302
    colleague_request, hire_request = AssetRequest.objects.order_by("pk")
    assert colleague_request.for_user == team.colleague
    assert hire_request.for_user is None and hire_request.new_hire_name == "Jordan Lee"
    assert hire_request.new_hire_start_date == start
    detail = client.get(url("detail", hire_request.pk)).content.decode()
    assert "Jordan Lee" in detail and "New hire" in detail and "No account yet" in detail


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"justification": ""}, "justification", "Say what it is for"),
        ({"needed_by": "2000-01-01"}, "needed_by", "in the past"),
        ({"quantity": "0"}, "quantity", "greater than or equal to 1"),
        ({"estimated_cost": "-5"}, "estimated_cost", "greater than or equal to 0"),
        ({"who": "colleague", "for_user": "nobody"}, "for_user", "No current person"),
        ({"who": "colleague", "for_user": ""}, "for_user", "Give the colleague"),
        ({"who": "new_hire"}, "new_hire_name", "Give the new hire"),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(
    client, team, overrides, field, message
):
    client.force_login(team.employee)

    response = client.post(url("create"), form_data(team, **overrides))

    assert response.status_code == 400
    assert AssetRequest.objects.count() == 0
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any(message in e for e in errors[field]), errors[field]
    assert f'id="id_{field}_error"' in response.content.decode()
    assert "Nothing was saved" in response.content.decode()


def test_a_model_of_another_category_is_refused_by_the_service_next_to_the_model(client, team):
    phone_model = team.laptop_model.__class__.objects.create(
        manufacturer=team.laptop_model.manufacturer, name="Pixel", category=team.software
    )
    client.force_login(team.employee)

    response = client.post(url("create"), form_data(team, model=phone_model.pk))

    assert response.status_code == 400
    assert "is a Software licence, not a Laptops" in response.context["form"].errors["model"][0]
    assert AssetRequest.objects.count() == 0


def test_someone_without_a_department_is_told_why_next_to_who(client, team):
    loner = make_user("employee", username="loner")
    client.force_login(loner)

    response = client.post(url("create"), form_data(team))

    assert response.status_code == 400
    assert "belongs to no department" in response.context["form"].errors["who"][0]


# --- approvals queue -----------------------------------------------------------------------


def test_approvals_lists_what_each_person_may_decide(client, team, others, settings):
    settings.ITAM_SECOND_APPROVAL_ABOVE = Decimal("2000")
    small = make_request(team, cost="900")
    big = make_request(team, cost="2500", justification="Workstation")
    own = make_request(team, actor=team.manager, justification="The manager's own")
    elsewhere = make_request(team, actor=others["employee"])
    services.approve_request(big, actor=team.manager)  # now waits for IT

    def queue(user) -> set[int]:
        client.force_login(user)
        response = client.get(url("approvals"))
        assert response.status_code == 200
        return {r.pk for r in response.context["requests"]}

    assert queue(team.manager) == {small.pk}  # not their own, not the one they approved
    assert queue(others["manager"]) == {elsewhere.pk}
    assert queue(team.it) == {big.pk}  # the second approval
    assert queue(team.employee) == set()
    assert queue(others["auditor"]) == set()
    # The queue agrees with the services' rule for every person and request.
    people = [team.manager, others["manager"], team.it, team.employee, others["auditor"]]
    for person in people:
        expected = {r.pk for r in AssetRequest.objects.all() if services.can_decide(person, r)}
        assert set(approval_queue(person).values_list("pk", flat=True)) == expected, person
    assert own.pk not in queue(team.manager)


def test_approvals_link_appears_for_approvers_only(client, team):
    client.force_login(team.manager)
    assert f'href="{url("approvals")}"' in client.get(reverse("dashboard")).content.decode()
    client.force_login(team.employee)
    html = client.get(reverse("dashboard")).content.decode()
    assert f'href="{url("approvals")}"' not in html
    assert f'href="{url("list")}"' in html  # "Requests" for everyone


def test_approvals_page_runs_a_fixed_number_of_queries(client, team):
    client.force_login(team.manager)
    for n in range(2):
        make_request(team, justification=f"a{n}")
    with CaptureQueriesContext(connection) as small:
        client.get(url("approvals"))
    for n in range(12):
        make_request(team, justification=f"b{n}", for_user=team.colleague)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url("approvals"))
    assert len(response.context["requests"]) == 14
    assert len(large.captured_queries) == len(small.captured_queries)


# --- the request page ----------------------------------------------------------------------


def test_who_may_open_a_request_page(client, team, others):
    request = make_request(team)
    allowed = [team.employee, team.manager, team.it, others["auditor"]]
    refused = [team.colleague, others["manager"], others["employee"]]
    for person in allowed:
        client.force_login(person)
        assert client.get(url("detail", request.pk)).status_code == 200, person
    for person in refused:
        client.force_login(person)
        assert client.get(url("detail", request.pk)).status_code == 404, person
    client.force_login(team.it)
    assert client.get(url("detail", 999999)).status_code == 404


def test_approver_sees_stock_holdings_and_budget_before_deciding(client, team):
    spare = make_asset("in_stock", name="Spare laptop", category=team.laptops)
    make_asset("in_stock", name="Spare licence", category=team.software)
    held = make_asset("deployed", holder=team.employee, name="Old phone")
    set_budget(team.department, "1000.00")
    request = make_request(team, cost="1200.00")
    client.force_login(team.manager)

    response = client.get(url("detail", request.pk))
    html = response.content.decode()

    assert response.status_code == 200
    support = html.index("Before you decide")
    decision = html.index("Your decision")
    assert support < decision  # shown before the decision form
    assert spare.tag in html[support:decision] and "Spare licence" not in html
    assert held.tag in html[support:decision]
    assert "Over budget." in html
    assert "would take Engineering 200.00 GBP over its" in html
    budget = response.context["budget"]
    assert budget.amount == Decimal("1000.00") and budget.available == Decimal("1000.00")
    assert f'action="{url("approve", request.pk)}"' in html
    assert f'action="{url("reject", request.pk)}"' in html
    # Deciding is for the approver: no IT fulfilment forms here.
    assert f'action="{url("allocate", request.pk)}"' not in html


def test_within_budget_there_is_no_warning_and_without_one_it_says_so(client, team):
    within = make_request(team, cost="100.00")
    client.force_login(team.manager)
    html = client.get(url("detail", within.pk)).content.decode()
    assert "Over budget." not in html
    assert "5,000.00 GBP" in html

    elsewhere = DepartmentFactory(name="Research", slug="research")
    boss = make_user("manager", username="research-boss", department=elsewhere)
    researcher = make_user("employee", username="researcher", department=elsewhere)
    unbudgeted = make_request(team, actor=researcher)
    client.force_login(boss)
    html = client.get(url("detail", unbudgeted.pk)).content.decode()
    assert "No budget set for Research" in html
    assert "Over budget." not in html


def test_requester_and_auditor_see_no_decision_form(client, team, others):
    request = make_request(team)
    for person in (team.employee, others["auditor"]):
        client.force_login(person)
        html = client.get(url("detail", request.pk)).content.decode()
        assert "Your decision" not in html, person
        assert f'action="{url("approve", request.pk)}"' not in html
    client.force_login(team.employee)
    assert "Waiting for the decision of Engineering's manager" in (
        client.get(url("detail", request.pk)).content.decode()
    )


# --- deciding ------------------------------------------------------------------------------


def test_manager_approves_and_the_page_shows_the_decision_and_timeline(client, team):
    request = make_request(team)
    client.force_login(team.manager)

    response = client.post(url("approve", request.pk), {"reason": "Good case"})

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    html = client.get(url("detail", request.pk)).content.decode()
    assert "Approved. IT staff will allocate or order" in html
    assert "Good case" in html
    assert 'badge badge-orange">Submitted</span> <span aria-label="to">→</span>' in html
    timeline = client.get(url("detail", request.pk)).context["timeline"]
    assert [(s.from_status, s.to_status) for s in timeline] == [
        ("submitted", "approved"),
        ("", "submitted"),
    ]
    assert timeline[0].username == team.manager.username


def test_reject_needs_a_reason_shown_next_to_the_field(client, team):
    request = make_request(team)
    client.force_login(team.manager)

    response = client.post(url("reject", request.pk), {"reason": "  "})

    assert response.status_code == 400
    html = response.content.decode()
    assert "a rejection needs a reason" in html
    assert 'id="reject_reason_error"' in html
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED

    response = client.post(url("reject", request.pk), {"reason": "Use a spare"})
    request.refresh_from_db()
    assert response.status_code == 302 and request.status == RequestStatus.REJECTED


def test_who_cannot_decide(client, team, others):
    request = make_request(team)
    own = make_request(team, actor=team.manager, justification="Mine")
    cases = [
        (team.employee, request, 403),  # the requester: never their own
        (team.colleague, request, 404),  # cannot even see it
        (others["manager"], request, 404),  # another department's manager
        (others["auditor"], request, 403),  # reads, never acts
        (team.it, request, 403),  # IT give the second approval only
        (team.manager, own, 403),  # a manager's own request
    ]
    for person, target, expected in cases:
        client.force_login(person)
        for action in ("approve", "reject"):
            response = client.post(url(action, target.pk), {"reason": "x"})
            assert response.status_code == expected, (person, action)
        target.refresh_from_db()
        assert target.status == RequestStatus.SUBMITTED
    assert client.get(url("approve", request.pk)).status_code == 405  # GET changes nothing


def test_second_approval_is_needed_above_the_threshold_and_only_then(client, team, settings):
    settings.ITAM_SECOND_APPROVAL_ABOVE = Decimal("2000")
    cheap = make_request(team, cost="2000.00")
    dear = make_request(team, cost="2000.01")
    client.force_login(team.manager)

    client.post(url("approve", cheap.pk))
    client.post(url("approve", dear.pk))

    cheap.refresh_from_db(), dear.refresh_from_db()
    assert cheap.status == RequestStatus.APPROVED
    assert dear.status == RequestStatus.SUBMITTED
    html = client.get(url("detail", dear.pk)).content.decode()
    assert "waiting for the second approval by IT staff" in html
    client.force_login(team.it)
    assert "(second approval)" in client.get(url("detail", dear.pk)).content.decode()
    assert client.post(url("approve", dear.pk)).status_code == 302
    dear.refresh_from_db()
    assert dear.status == RequestStatus.APPROVED


def test_deciding_twice_is_refused_with_a_message(client, team):
    request = make_request(team)
    client.force_login(team.manager)
    client.post(url("approve", request.pk))

    response = client.post(url("reject", request.pk), {"reason": "changed my mind"})

    assert response.status_code in (403, 409)
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED


# --- cancelling ----------------------------------------------------------------------------


def test_requester_cancels_with_a_reason(client, team):
    request = make_request(team)
    client.force_login(team.employee)
    assert "Cancel this request" in client.get(url("detail", request.pk)).content.decode()

    missing = client.post(url("cancel", request.pk), {"reason": ""})
    assert missing.status_code == 400
    assert "a cancellation needs a reason" in missing.content.decode()

    done = client.post(url("cancel", request.pk), {"reason": "Found one in a drawer"})
    assert done.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED
    html = client.get(url("detail", request.pk)).content.decode()
    assert "Found one in a drawer" in html
    assert "Cancel this request" not in html


def test_who_cannot_cancel(client, team, others):
    request = make_request(team)
    for person, expected in ((team.manager, 403), (others["auditor"], 403), (team.colleague, 404)):
        client.force_login(person)
        assert client.post(url("cancel", request.pk), {"reason": "x"}).status_code == expected
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


# --- fulfilling from stock -----------------------------------------------------------------


def test_it_allocates_an_in_stock_laptop_shown_as_a_candidate(client, team):
    spare = make_asset("in_stock", name="Spare laptop", category=team.laptops)
    request = approved_request(team)
    client.force_login(team.it)
    html = client.get(url("detail", request.pk)).content.decode()
    assert f'action="{url("allocate", request.pk)}"' in html
    assert f'value="{spare.tag}"' in html

    response = client.post(url("allocate", request.pk), {"asset": spare.tag})

    assert response.status_code == 302
    request.refresh_from_db()
    spare.refresh_from_db()
    assert request.status == RequestStatus.FULFILLED
    assert spare.status == AssetStatus.DEPLOYED and spare.assigned_user == team.employee
    html = client.get(url("detail", request.pk)).content.decode()
    assert f"{spare.tag} is deployed to" in html
    assert f'href="{spare.get_absolute_url()}"' in html


def test_allocating_a_wrong_or_unknown_tag_is_shown_on_the_form(client, team):
    licence = make_asset("in_stock", name="A licence", category=team.software)
    request = approved_request(team)
    client.force_login(team.it)

    wrong = client.post(url("allocate", request.pk), {"asset": licence.tag})
    unknown = client.post(url("allocate", request.pk), {"asset": "NOPE-1"})

    assert wrong.status_code == 400 and "the request is for a Laptops" in wrong.content.decode()
    assert unknown.status_code == 400 and "No asset has the tag" in unknown.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED


def test_only_it_staff_allocate(client, team, others):
    spare = make_asset("in_stock", name="Spare laptop", category=team.laptops)
    request = approved_request(team)
    for person in (team.manager, team.employee, others["auditor"]):
        client.force_login(person)
        response = client.post(url("allocate", request.pk), {"asset": spare.tag})
        assert response.status_code == 403, person
    spare.refresh_from_db()
    assert spare.status == AssetStatus.IN_STOCK


# --- stored XSS ----------------------------------------------------------------------------


def test_script_in_justification_and_reasons_is_escaped(client, team):
    request = make_request(team, justification=SCRIPT)
    client.force_login(team.manager)
    client.post(url("reject", request.pk), {"reason": SCRIPT})

    for person, path in (
        (team.manager, url("detail", request.pk)),
        (team.employee, url("detail", request.pk)),
        (team.it, url("list") + "?scope=all"),
    ):
        client.force_login(person)
        html = client.get(path).content.decode()
        assert SCRIPT not in html, path
    html = client.get(url("detail", request.pk)).content.decode()
    assert ESCAPED in html
