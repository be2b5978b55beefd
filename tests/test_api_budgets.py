"""The budgets API: IT staff and auditors read all, managers their departments', employees none;
administrators set and correct them; each budget shows committed, spent and available."""

import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from requests_app.budgets import fiscal_year_bounds, fiscal_year_of
from requests_app.models import Budget
from tests.factories import DepartmentFactory, make_asset, make_user
from tests.request_factories import approved_request, make_team, set_budget

pytestmark = pytest.mark.django_db

URL = "/api/v1/budgets/"


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def budgets():
    team = make_team("Engineering", budget="10000.00")
    year = fiscal_year_of()
    set_budget(team.department, "8000.00", year - 1)
    sales = DepartmentFactory(name="Sales", slug="sales")
    set_budget(sales, "5000.00")
    return {"team": team, "sales": sales, "year": year}


def ids(response) -> list[tuple[str, int]]:
    return [(b["department_slug"], b["fiscal_year"]) for b in response.json()["results"]]


@pytest.mark.parametrize("role", ["it", "auditor"])
def test_it_staff_and_auditors_read_every_budget(role, budgets):
    year = budgets["year"]
    response = api_for(make_user(role)).get(URL)

    assert response.status_code == 200
    assert ids(response) == [("engineering", year), ("engineering", year - 1), ("sales", year)]
    first = response.json()["results"][0]
    assert first["amount"] == "10000.00" and first["currency"] == "GBP"
    assert first["label"].startswith(f"FY{year}")
    assert "committed" not in first  # the figures are on the budget's own URL


def test_a_manager_reads_their_departments_budgets_only(budgets):
    team = budgets["team"]
    api = api_for(team.manager)

    assert ids(api.get(URL)) == [
        ("engineering", budgets["year"]),
        ("engineering", budgets["year"] - 1),
    ]
    theirs = Budget.objects.get(department=budgets["sales"])
    assert api.get(f"{URL}{theirs.pk}/").status_code == 404


def test_an_employee_sees_no_budget(budgets):
    api = api_for(budgets["team"].employee)
    mine = Budget.objects.filter(department=budgets["team"].department).first()

    assert api.get(URL).json()["count"] == 0
    assert api.get(f"{URL}{mine.pk}/").status_code == 404


def test_a_budget_shows_what_is_committed_spent_and_available(budgets):
    team = budgets["team"]
    approved_request(team, cost="1500.00")
    first_day, _ = fiscal_year_bounds(budgets["year"])
    for cost in ("900.00", "400.00"):
        make_asset(department=team.department, purchase_cost=Decimal(cost), purchase_date=first_day)
    last_year = first_day - datetime.timedelta(days=1)
    make_asset(department=team.department, purchase_cost=Decimal("50.00"), purchase_date=last_year)
    budget = Budget.objects.get(department=team.department, fiscal_year=budgets["year"])

    body = api_for(team.manager).get(f"{URL}{budget.pk}/").json()

    assert (body["committed"], body["spent"], body["available"]) == (
        "1500.00",
        "1300.00",
        "7200.00",
    )


def test_filters_search_and_ordering(budgets):
    api = api_for(make_user("auditor"))
    year = budgets["year"]
    team = budgets["team"]

    assert ids(api.get(URL, {"current": "true", "ordering": "-amount"})) == [
        ("engineering", year),
        ("sales", year),
    ]
    assert ids(api.get(URL, {"fiscal_year": year - 1})) == [("engineering", year - 1)]
    assert ids(api.get(URL, {"department": team.department.pk, "ordering": "fiscal_year"})) == [
        ("engineering", year - 1),
        ("engineering", year),
    ]
    assert ids(api.get(URL, {"department_slug": "sales"})) == [("sales", year)]
    assert ids(api.get(URL, {"q": "sal"})) == [("sales", year)]


def test_administrators_set_and_correct_budgets(budgets):
    admin = api_for(make_user("admin", username="root"))
    finance = DepartmentFactory(name="Finance", slug="finance")
    year = budgets["year"]

    created = admin.post(
        URL, {"department": finance.pk, "fiscal_year": year, "amount": "2500.50"}, format="json"
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["amount"], body["currency"], body["available"]) == ("2500.50", "GBP", "2500.50")
    twin = admin.post(
        URL, {"department": finance.pk, "fiscal_year": year, "amount": "1"}, format="json"
    )
    assert twin.status_code == 400 and "already has a budget" in twin.json()["detail"]
    negative = admin.patch(f"{URL}{body['id']}/", {"amount": "-5"}, format="json")
    assert negative.status_code == 400
    assert negative.json()["errors"]["amount"] == ["A budget cannot be negative."]
    fixed = admin.patch(f"{URL}{body['id']}/", {"amount": "3000", "currency": "eur"}, format="json")
    assert (fixed.json()["amount"], fixed.json()["currency"]) == ("3000.00", "EUR")
    assert Budget.history.filter(id=body["id"]).first().history_user.username == "root"
    assert admin.delete(f"{URL}{body['id']}/").status_code == 204


@pytest.mark.parametrize("role", ["employee", "manager", "auditor", "it"])
def test_nobody_else_writes_budgets(role, budgets):
    budget = Budget.objects.get(department=budgets["sales"])
    api = api_for(make_user(role, department=budgets["sales"]))

    created = api.post(
        URL,
        {"department": budgets["sales"].pk, "fiscal_year": 2031, "amount": "1"},
        format="json",
    )
    assert created.status_code == 403
    assert created.json()["detail"] == "Your role does not allow you to add budgets."
    assert api.patch(f"{URL}{budget.pk}/", {"amount": "1"}, format="json").status_code == 403
    assert api.delete(f"{URL}{budget.pk}/").status_code == 403
    assert Budget.objects.get(pk=budget.pk).amount == Decimal("5000.00")


def test_a_year_out_of_range_is_a_400_not_a_crash(budgets):
    admin = api_for(make_user("admin", username="root"))
    response = admin.post(
        URL,
        {"department": budgets["sales"].pk, "fiscal_year": 0, "amount": "1"},
        format="json",
    )
    assert response.status_code == 400 and "fiscal_year" in response.json()["errors"]


def test_the_list_costs_a_fixed_number_of_queries(budgets, django_assert_max_num_queries):
    for n in range(15):
        set_budget(DepartmentFactory(), "100.00", budgets["year"] - n)
    api = api_for(make_user("it"))

    with django_assert_max_num_queries(6):
        response = api.get(URL, {"page_size": 100})
    assert response.json()["count"] == 18
