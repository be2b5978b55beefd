"""Edges found while integrating: order numbers under races, part-delivered commitments,
and who learns what when they may not act."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections

from requests_app import services
from requests_app.budgets import budget_summary
from tests.factories import make_asset
from tests.request_factories import approved_request, make_order, make_request, make_team, serials

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_concurrent_first_orders_of_the_year_get_distinct_numbers():
    # Given a year with no purchase order yet
    team = make_team()
    lines = [services.LineInput(category=team.laptops, quantity=1, unit_cost="10.00")]
    barrier = threading.Barrier(4)
    numbers, errors = [], []

    def raise_order():
        try:
            barrier.wait(timeout=10)
            order = services.create_order(actor=team.it, vendor=team.vendor, lines=lines)
            numbers.append(order.number)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    # When four IT staff raise an order at the same instant
    threads = [threading.Thread(target=raise_order) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # Then every order is created, each with its own number
    assert errors == []
    assert len(set(numbers)) == 4


def test_a_part_delivered_request_commits_only_what_is_still_to_come():
    # Given an approved request for 4 laptops at 1000.00 the lot, ordered on a sent PO
    team = make_team(budget="10000.00")
    request = approved_request(team, quantity=4, cost="1000.00")
    order = make_order(team, requests=[request], send=True)
    line = order.lines.get()
    # And one of the four arrives and goes to the person, then the rest of the order is cancelled
    services.receive_order(order, actor=team.it, receipts=[services.Receipt(line, serials("S", 1))])
    services.cancel_order(order, actor=team.it, reason="Vendor out of stock")
    request.refresh_from_db()
    assert request.status == "approved"

    # Then the budget commits three quarters of the estimate, and the delivered unit is spent
    summary = budget_summary(team.department)
    assert summary.committed == Decimal("750.00")
    assert summary.spent == Decimal("250.00")


def test_someone_who_may_not_decide_hears_that_before_any_input_problem():
    team = make_team()
    request = make_request(team)
    with pytest.raises(PermissionDenied):
        services.reject_request(request, actor=team.colleague, reason="")


def test_receiving_nothing_on_a_cancelled_order_says_it_is_cancelled():
    team = make_team()
    order = make_order(team, requests=[approved_request(team)], send=True)
    services.cancel_order(order, actor=team.it, reason="Not needed")
    with pytest.raises(services.OrderRefused, match="cancelled"):
        services.receive_order(order, actor=team.it, receipts=[])


def test_stock_candidates_are_offered_before_buying():
    team = make_team()
    spare = make_asset("in_stock", category=team.laptops, model=team.laptop_model)
    request = approved_request(team, model=team.laptop_model)
    assert [a.tag for a in services.reuse_candidates(request)] == [spare.tag]
