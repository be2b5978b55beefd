"""Department budgets: committed and spent to the cent, over-budget warnings, fiscal years."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from itam.errors import Conflict
from requests_app import services
from requests_app.budgets import (
    budget_summary,
    fiscal_year_bounds,
    fiscal_year_label,
    fiscal_year_of,
    spent_for,
)
from requests_app.models import Approval, Budget
from tests.factories import make_asset, make_user
from tests.request_factories import (
    approved_request,
    make_order,
    make_request,
    make_team,
    serials,
    set_budget,
)

pytestmark = pytest.mark.django_db


def test_three_approved_requests_commit_exactly_their_sum() -> None:
    # given three requests whose costs add up to a round thousand
    team = make_team(budget="5000.00")
    for cost in ("333.33", "333.33", "333.34"):
        approved_request(team, cost=cost)
    # then exactly 1000.00 is committed (a float sum would not be), none spent
    summary = budget_summary(team.department)
    assert summary.committed == Decimal("1000.00")
    assert isinstance(summary.committed, Decimal)
    assert summary.spent == Decimal("0.00")
    assert summary.available == Decimal("4000.00")


def test_only_approved_requests_commit() -> None:
    # given requests waiting, rejected and cancelled, and one approved
    team = make_team(budget="5000.00")
    make_request(team, cost="100.00")
    services.reject_request(make_request(team, cost="200.00"), actor=team.manager, reason="No")
    services.cancel_request(
        approved_request(team, cost="400.00"), actor=team.employee, reason="Not needed"
    )
    approved_request(team, cost="800.00")
    # then only the approved one is committed
    assert budget_summary(team.department).committed == Decimal("800.00")


def test_a_sent_order_commits_each_unit_until_it_is_received_then_it_is_spent() -> None:
    # given an approved request for three laptops at 419.99, on a sent order
    team = make_team(budget="10000.00")
    request = approved_request(team, cost="1259.97", quantity=3)
    order = make_order(team, requests=[request])
    # a draft order commits nothing more: the request's estimate is counted once
    assert budget_summary(team.department).committed == Decimal("1259.97")
    order = services.send_order(order, actor=team.it)
    line = order.lines.get()
    assert line.unit_cost == Decimal("419.99")
    summary = budget_summary(team.department)
    assert (summary.committed, summary.spent) == (Decimal("1259.97"), Decimal("0.00"))

    # when one unit arrives
    services.receive_order(
        order, actor=team.it, receipts=[services.Receipt(line=line, serial_numbers=["A1"])]
    )
    # then it moves from committed to spent
    summary = budget_summary(team.department)
    assert (summary.committed, summary.spent) == (Decimal("839.98"), Decimal("419.99"))

    # when the other two arrive
    services.receive_order(
        order, actor=team.it, receipts=[services.Receipt(line=line, serial_numbers=["A2", "A3"])]
    )
    # then all of it is spent and nothing is committed
    summary = budget_summary(team.department)
    assert (summary.committed, summary.spent) == (Decimal("0.00"), Decimal("1259.97"))
    assert summary.available == Decimal("8740.03")


def test_a_cancelled_order_commits_nothing_and_its_request_commits_again() -> None:
    team = make_team(budget="10000.00")
    request = approved_request(team, cost="1500.00")
    order = make_order(team, requests=[request], send=True)
    services.cancel_order(order, actor=team.it, reason="Vendor out of stock")
    # the request is approved again, so its estimate is committed (once)
    assert budget_summary(team.department).committed == Decimal("1500.00")


def test_reusing_stock_frees_the_commitment_and_spends_nothing() -> None:
    team = make_team(budget="3000.00")
    spare = make_asset(category=team.laptops, purchase_cost=Decimal("999.00"))
    request = approved_request(team, cost="1400.00")
    services.fulfil_from_stock(request, actor=team.it, asset=spare)
    summary = budget_summary(team.department)
    assert (summary.committed, summary.spent) == (Decimal("0.00"), Decimal("0.00"))


def test_an_order_line_for_stock_pays_from_the_department_it_names() -> None:
    team = make_team(budget="10000.00")
    other = make_team("Sales", budget="10000.00")
    order = make_order(
        team,
        lines=[
            services.LineInput(
                category=team.laptops, quantity=2, unit_cost="10.05", department=other.department
            )
        ],
        send=True,
    )
    assert budget_summary(other.department).committed == Decimal("20.10")
    assert budget_summary(team.department).committed == Decimal("0.00")
    services.receive_order(
        order,
        actor=team.it,
        receipts=[services.Receipt(line=order.lines.get(), serial_numbers=serials("S", 2))],
    )
    assert budget_summary(other.department).spent == Decimal("20.10")


# --- over budget ------------------------------------------------------------------------------


def _nearly_spent(team) -> None:
    """Budget 1000.00 with 800.00 already committed."""
    set_budget(team.department, "1000.00")
    approved_request(team, cost="800.00")


def test_an_over_budget_request_is_flagged_and_approved_by_default(settings) -> None:
    # given a budget with 200.00 left and a request for 200.01
    settings.ITAM_BLOCK_OVER_BUDGET = False
    team = make_team()
    _nearly_spent(team)
    request = make_request(team, cost="200.01")
    assert budget_summary(team.department).would_exceed(request.estimated_cost)
    # when the manager approves
    request = services.approve_request(request, actor=team.manager)
    # then it is approved, and the decision records that it went over
    assert request.status == "approved"
    assert request.approvals.get().over_budget is True
    assert budget_summary(team.department).available == Decimal("-0.01")


def test_a_request_that_uses_the_last_penny_is_not_over_budget() -> None:
    team = make_team()
    _nearly_spent(team)
    request = services.approve_request(make_request(team, cost="200.00"), actor=team.manager)
    assert request.approvals.get().over_budget is False
    assert budget_summary(team.department).available == Decimal("0.00")


def test_over_budget_approval_is_refused_when_the_setting_says_block(settings) -> None:
    settings.ITAM_BLOCK_OVER_BUDGET = True
    team = make_team()
    _nearly_spent(team)
    request = make_request(team, cost="200.01")
    with pytest.raises(Conflict, match=r"over its FY\d{4} budget \(200\.00 GBP left"):
        services.approve_request(request, actor=team.manager)
    request.refresh_from_db()
    assert request.status == "submitted"
    assert not Approval.objects.filter(request=request).exists()
    # and a rejection is still possible, recorded as over budget
    services.reject_request(request, actor=team.manager, reason="Over budget")
    assert Approval.objects.get(request=request).over_budget is True


def test_without_a_budget_nothing_is_over_budget(settings) -> None:
    settings.ITAM_BLOCK_OVER_BUDGET = True
    team = make_team()
    summary = budget_summary(team.department)
    assert summary.amount is None and not summary.has_budget and summary.available is None
    request = services.approve_request(make_request(team, cost="1999.00"), actor=team.manager)
    assert request.status == "approved"
    assert request.approvals.get().over_budget is False


# --- fiscal years -------------------------------------------------------------------------------


def test_fiscal_years_starting_in_april(settings) -> None:
    settings.ITAM_FISCAL_YEAR_START_MONTH = 4
    assert fiscal_year_of(datetime.date(2025, 3, 31)) == 2024
    assert fiscal_year_of(datetime.date(2025, 4, 1)) == 2025
    assert fiscal_year_of(datetime.date(2026, 1, 15)) == 2025
    assert fiscal_year_bounds(2025) == (datetime.date(2025, 4, 1), datetime.date(2026, 3, 31))
    assert fiscal_year_label(2025) == "FY2025/26"


def test_calendar_fiscal_years_by_default(settings) -> None:
    settings.ITAM_FISCAL_YEAR_START_MONTH = 1
    assert fiscal_year_of(datetime.date(2025, 12, 31)) == 2025
    assert fiscal_year_bounds(2025) == (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
    assert fiscal_year_label(2025) == "FY2025"


def test_spending_falls_in_the_fiscal_year_of_its_purchase_date(settings) -> None:
    # given purchases on the last day of one April fiscal year and the first of the next
    settings.ITAM_FISCAL_YEAR_START_MONTH = 4
    team = make_team()
    for day, cost in ((datetime.date(2025, 3, 31), "100.10"), (datetime.date(2025, 4, 1), "0.20")):
        make_asset(
            category=team.laptops,
            department=team.department,
            purchase_date=day,
            purchase_cost=Decimal(cost),
        )
    make_asset("on_order", category=team.laptops, department=team.department)  # not yet spent
    # then each counts in its own year
    assert spent_for(team.department, 2024) == Decimal("100.10")
    assert spent_for(team.department, 2025) == Decimal("0.20")


def test_commitments_count_against_the_current_year_only() -> None:
    team = make_team()
    current = fiscal_year_of()
    set_budget(team.department, "500.00", current - 1)
    set_budget(team.department, "900.00", current)
    approved_request(team, cost="300.00")
    assert budget_summary(team.department).committed == Decimal("300.00")
    last_year = budget_summary(team.department, current - 1)
    assert (last_year.amount, last_year.committed) == (Decimal("500.00"), Decimal("0.00"))


# --- the admin: where administrators set budgets ------------------------------------------------


def test_an_administrator_sets_a_budget_in_the_admin_and_the_change_is_kept(client) -> None:
    # given an administrator and a department with something committed
    team = make_team()
    approved_request(team, cost="250.00")
    admin_user = make_user("admin", username="root-admin")
    client.force_login(admin_user)
    year = fiscal_year_of()
    # when they add the department's budget for the year
    page = client.get(reverse("admin:requests_app_budget_add"))
    assert page.status_code == 200
    response = client.post(
        reverse("admin:requests_app_budget_add"),
        {"department": team.department.pk, "fiscal_year": year, "amount": "12500.50",
         "currency": "GBP"},
    )  # fmt: skip
    assert response.status_code == 302
    # then it counts, its history says who set it, and the list shows the figures
    budget = Budget.objects.get(department=team.department, fiscal_year=year)
    assert budget_summary(team.department).available == Decimal("12250.50")
    assert budget.history.get().history_user == admin_user
    listing = client.get(reverse("admin:requests_app_budget_changelist")).content.decode()
    assert "12500.50" in listing and "250.00" in listing


def test_requests_and_orders_are_read_only_in_the_admin(client) -> None:
    team = make_team()
    request = approved_request(team)
    order = make_order(team, requests=[request], send=True)
    client.force_login(make_user("admin", username="root-admin"))
    for name, obj in (("assetrequest", request), ("purchaseorder", order)):
        change = client.get(reverse(f"admin:requests_app_{name}_change", args=[obj.pk]))
        assert change.status_code == 200
        assert 'name="status"' not in change.content.decode()
        history = client.get(reverse(f"admin:requests_app_{name}_history", args=[obj.pk]))
        assert history.status_code == 200
        assert client.get(reverse(f"admin:requests_app_{name}_add")).status_code == 403
        assert (
            client.post(reverse(f"admin:requests_app_{name}_change", args=[obj.pk])).status_code
            == 403
        )
    assert client.get(reverse("admin:requests_app_orderedasset_changelist")).status_code == 200
