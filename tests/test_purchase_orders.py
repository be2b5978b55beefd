"""Purchase orders: numbering, sending, receiving all or part of a line, and cancelling."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assets import lifecycle
from assets.choices import AssetStatus
from assets.models import Asset
from itam.errors import Conflict
from requests_app import services
from requests_app.choices import OrderStatus, RequestStatus
from requests_app.models import OrderedAsset
from tests.factories import make_asset
from tests.request_factories import approved_request, make_order, make_team

pytestmark = pytest.mark.django_db
History = Asset.history.model


def stock_line(team, quantity: int = 3, cost: str = "419.99") -> services.LineInput:
    return services.LineInput(
        category=team.laptops, model=team.laptop_model, quantity=quantity, unit_cost=cost
    )


def on_order(order) -> list[Asset]:
    return list(Asset.objects.filter(order_number=order.number, status=AssetStatus.ON_ORDER))


# --- numbering, drafting, sending --------------------------------------------------------------


def test_order_numbers_run_in_sequence_within_each_year() -> None:
    team = make_team()
    year = timezone.localdate().year
    first = make_order(team, lines=[stock_line(team)])
    second = make_order(team, lines=[stock_line(team)])
    assert (first.number, second.number) == (f"PO-{year}-0001", f"PO-{year}-0002")
    next_year = timezone.now().replace(year=year + 1, month=1, day=2)
    with mock.patch("django.utils.timezone.now", return_value=next_year):
        third = make_order(team, lines=[stock_line(team)])
    assert third.number == f"PO-{year + 1}-0001"


def test_only_it_staff_raise_an_order_and_each_line_is_checked() -> None:
    team = make_team()
    with pytest.raises(PermissionDenied):
        services.create_order(actor=team.manager, vendor=team.vendor, lines=[stock_line(team)])
    with pytest.raises(ValidationError) as error:
        services.create_order(
            actor=team.it,
            vendor=team.vendor,
            lines=[stock_line(team), services.LineInput(team.laptops, 0, "-1")],
        )
    assert error.value.message_dict == {
        "lines[2]": ["Line 2: order at least one; the unit cost must be an amount of 0 or more."]
    }


def test_a_draft_is_not_in_the_register_until_it_is_sent() -> None:
    # given a draft for three laptops
    team = make_team()
    order = make_order(team, lines=[stock_line(team)])
    assert on_order(order) == []
    # when it is sent
    order = services.send_order(order, actor=team.it)
    # then the three are in the register, on order, with their cost, vendor and order number
    assert order.status == OrderStatus.SENT and order.sent_at is not None
    units = on_order(order)
    assert len(units) == 3
    assert {(a.vendor, a.purchase_cost, a.model) for a in units} == {
        (team.vendor, order.lines.get().unit_cost, team.laptop_model)
    }
    # and it cannot be sent twice
    with pytest.raises(Conflict, match="is sent: it cannot be sent"):
        services.send_order(order, actor=team.it)


# --- receiving ----------------------------------------------------------------------------------


def test_partial_receipt_then_the_rest() -> None:
    # given a sent order for three
    team = make_team()
    order = make_order(team, lines=[stock_line(team)], send=True)
    line = order.lines.get()
    # when two arrive
    received = services.receive_order(
        order, actor=team.it, receipts=[services.Receipt(line, ["SN-1", "SN-2"])]
    )
    order.refresh_from_db()
    # then the order is partially received, two in stock with their serials, one still on order
    assert order.status == OrderStatus.PARTIALLY_RECEIVED
    assert [(a.status, a.serial_number) for a in received] == [
        (AssetStatus.IN_STOCK, "SN-1"),
        (AssetStatus.IN_STOCK, "SN-2"),
    ]
    assert all(a.purchase_date == timezone.localdate() for a in received)
    assert len(on_order(order)) == 1
    # when the last one arrives
    services.receive_order(order, actor=team.it, receipts=[services.Receipt(line, ["SN-3"])])
    order.refresh_from_db()
    # then the order is received and nothing more can arrive on it
    assert order.status == OrderStatus.RECEIVED
    assert on_order(order) == []
    with pytest.raises(Conflict, match="already arrived"):
        services.receive_order(order, actor=team.it, receipts=[services.Receipt(line, ["SN-4"])])


def test_receiving_more_than_was_ordered_is_refused_and_nothing_is_received() -> None:
    # given a sent order with two lines, one unit of the first already received
    team = make_team()
    order = make_order(
        team,
        lines=[stock_line(team, quantity=2), stock_line(team, quantity=1, cost="10.00")],
        send=True,
    )
    first, second = order.lines.order_by("pk")
    services.receive_order(order, actor=team.it, receipts=[services.Receipt(first, ["A"])])
    # when three more of the first line are said to arrive, with the second line's one
    with pytest.raises(ValidationError) as error:
        services.receive_order(
            order,
            actor=team.it,
            receipts=[
                services.Receipt(first, ["B", "C", "D"]),
                services.Receipt(second, ["E"]),
            ],
        )
    # then the message names the line and the numbers, and nothing at all was received
    assert error.value.message_dict == {
        f"line {first.pk}": [
            f"Line {first.pk} ({team.laptop_model}): 2 ordered and 1 already received, so at "
            "most 1 more can arrive, not 3."
        ]
    }
    assert OrderedAsset.objects.filter(received_at__isnull=False).count() == 1
    assert len(on_order(order)) == 2
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_RECEIVED


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (["X1", "X1"], "the same serial number is given twice"),
        (["X1", "x1"], "the same serial number is given twice"),
        (["X1", "  "], "a serial number is empty"),
        ([], "give a serial number for each unit"),
    ],
)
def test_serial_numbers_must_be_given_once_each(given: list[str], message: str) -> None:
    team = make_team()
    order = make_order(team, lines=[stock_line(team)], send=True)
    line = order.lines.get()
    with pytest.raises(ValidationError, match=message):
        services.receive_order(order, actor=team.it, receipts=[services.Receipt(line, given)])
    assert len(on_order(order)) == 3


def test_a_serial_already_in_the_register_is_refused() -> None:
    team = make_team()
    existing = make_asset(
        category=team.laptops, model=team.laptop_model, serial_number="5CG4301XYZ"
    )
    order = make_order(team, lines=[stock_line(team, quantity=1)], send=True)
    with pytest.raises(ValidationError, match=f"5CG4301XYZ \\({existing.tag}\\)"):
        services.receive_order(
            order,
            actor=team.it,
            receipts=[services.Receipt(order.lines.get(), ["5cg4301xyz"])],
        )
    assert len(on_order(order)) == 1


def test_a_serial_given_on_two_lines_is_refused() -> None:
    team = make_team()
    order = make_order(
        team, lines=[stock_line(team, quantity=1), stock_line(team, quantity=1)], send=True
    )
    first, second = order.lines.order_by("pk")
    with pytest.raises(ValidationError, match="given twice"):
        services.receive_order(
            order,
            actor=team.it,
            receipts=[services.Receipt(first, ["Q1"]), services.Receipt(second, ["Q1"])],
        )


def test_nothing_is_received_on_a_draft_or_a_cancelled_order() -> None:
    team = make_team()
    order = make_order(team, lines=[stock_line(team)])
    line = order.lines.get()
    with pytest.raises(Conflict, match="Send it first"):
        services.receive_order(order, actor=team.it, receipts=[services.Receipt(line, ["S"])])
    order = services.send_order(order, actor=team.it)
    services.cancel_order(order, actor=team.it, reason="Supplier cannot deliver")
    with pytest.raises(Conflict, match="is cancelled: it cannot be received") as error:
        services.receive_order(order, actor=team.it, receipts=[services.Receipt(line, ["S"])])
    assert error.value.details["current_status"] == OrderStatus.CANCELLED


def test_only_it_staff_receive() -> None:
    team = make_team()
    order = make_order(team, lines=[stock_line(team)], send=True)
    with pytest.raises(PermissionDenied):
        services.receive_order(
            order, actor=team.manager, receipts=[services.Receipt(order.lines.get(), ["S"])]
        )


def test_units_for_a_request_go_straight_to_its_person() -> None:
    # given a request for two headsets on a sent order
    team = make_team()
    request = approved_request(team, cost="300.00", quantity=2)
    order = make_order(team, requests=[request], send=True)
    line = order.lines.get()
    # when one arrives
    (first,) = services.receive_order(
        order, actor=team.it, receipts=[services.Receipt(line, ["H1"])]
    )
    # then it is deployed to the person and the request still waits for the other
    assert (first.status, first.assigned_user) == (AssetStatus.DEPLOYED, team.employee)
    request.refresh_from_db()
    assert request.status == RequestStatus.ORDERING
    # when the second arrives, the request is fulfilled
    services.receive_order(order, actor=team.it, receipts=[services.Receipt(line, ["H2"])])
    request.refresh_from_db()
    assert request.status == RequestStatus.FULFILLED
    assert request.allocations.count() == 2


# --- cancelling ---------------------------------------------------------------------------------


def test_cancelling_a_sent_order_withdraws_its_units_and_sends_requests_back() -> None:
    # given a sent order serving a request
    team = make_team()
    request = approved_request(team, cost="1450.00")
    order = make_order(team, requests=[request], send=True)
    (placeholder,) = on_order(order)
    tag = placeholder.tag
    # when IT cancels it (a reason is required)
    with pytest.raises(ValidationError):
        services.cancel_order(order, actor=team.it, reason="")
    order = services.cancel_order(order, actor=team.it, reason="Vendor out of stock")
    # then the on-order asset leaves the register, its history keeps who and why
    assert order.status == OrderStatus.CANCELLED
    assert not Asset.objects.filter(tag=tag).exists()
    last = History.objects.filter(tag=tag).latest("history_date")
    assert (last.history_type, last.history_action, last.history_user) == ("-", "withdraw", team.it)
    assert "Vendor out of stock" in last.history_change_reason
    # and the request is approved again, to be fulfilled another way
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    assert "cancelled" in request.history.latest().history_change_reason
    # and the tag is never used again
    newcomer = lifecycle.register(actor=team.it, name="Spare", category=team.laptops)
    assert newcomer.tag != tag and newcomer.tag > tag
    # and a cancelled order cannot be cancelled again
    with pytest.raises(Conflict, match="is cancelled"):
        services.cancel_order(order, actor=team.it, reason="Twice")


def test_cancelling_a_partly_received_order_keeps_what_arrived() -> None:
    team = make_team()
    order = make_order(team, lines=[stock_line(team)], send=True)
    (arrived,) = services.receive_order(
        order, actor=team.it, receipts=[services.Receipt(order.lines.get(), ["K1"])]
    )
    services.cancel_order(order, actor=team.it, reason="The rest is discontinued")
    arrived.refresh_from_db()
    assert arrived.status == AssetStatus.IN_STOCK
    assert on_order(order) == []


def test_a_received_order_cannot_be_cancelled() -> None:
    team = make_team()
    order = make_order(team, lines=[stock_line(team, quantity=1)], send=True)
    services.receive_order(
        order, actor=team.it, receipts=[services.Receipt(order.lines.get(), ["R1"])]
    )
    with pytest.raises(Conflict, match="is received: it cannot be cancelled"):
        services.cancel_order(order, actor=team.it, reason="Too late")


# --- fulfilling a request by an order ---------------------------------------------------------


def test_a_request_joins_a_draft_order_and_is_ordering_once_it_is_sent() -> None:
    team = make_team()
    request = approved_request(team, cost="2400.00", quantity=2)
    order = make_order(team, lines=[stock_line(team, quantity=1)])
    request = services.fulfil_by_order(request, actor=team.it, order=order)
    line = order.lines.get(request=request)
    assert (line.quantity, line.unit_cost, line.department) == (2, 1200, team.department)
    assert request.status == RequestStatus.APPROVED
    services.send_order(order, actor=team.it)
    request.refresh_from_db()
    assert request.status == RequestStatus.ORDERING
    assert OrderedAsset.objects.filter(line=line).count() == 2


def test_a_request_cannot_join_an_order_already_sent() -> None:
    # a line added after sending would never be in the register as on order
    team = make_team()
    request = approved_request(team)
    order = make_order(team, lines=[stock_line(team, quantity=1)], send=True)
    with pytest.raises(Conflict, match="Add requests to a draft order"):
        services.fulfil_by_order(request, actor=team.it, order=order)
    assert not order.lines.filter(request=request).exists()
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED


def test_an_order_refuses_a_request_that_is_no_longer_approved() -> None:
    team = make_team()
    request = approved_request(team)
    stale = type(request).objects.get(pk=request.pk)
    services.cancel_request(request, actor=team.employee, reason="Not needed")
    with pytest.raises(ValidationError, match="is cancelled, not approved"):
        make_order(team, requests=[stale])


def test_expected_dates_are_kept_on_the_line() -> None:
    team = make_team()
    due = timezone.localdate() + datetime.timedelta(days=10)
    line = stock_line(team, quantity=1)
    line.expected_date = due
    order = make_order(team, lines=[line])
    assert order.lines.get().expected_date == due
