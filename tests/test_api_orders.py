"""Purchase orders through the API: raise, send (on order in the register), receive, cancel."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from assets.models import Asset
from requests_app.models import AssetRequest, OrderedAsset, PurchaseOrder
from tests.factories import LocationFactory, make_user
from tests.request_factories import approved_request, make_order, make_request, make_team

pytestmark = pytest.mark.django_db

LIST = "/api/v1/purchase-orders/"


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post(user, path: str, body: dict | None = None):
    return api_for(user).post(path, body or {}, format="json")


def order_path(order_id: int, action: str = "") -> str:
    return f"{LIST}{order_id}/" + (f"{action}/" if action else "")


@pytest.fixture
def team():
    return make_team(budget="20000.00")


def line_body(team, **extra) -> dict:
    return {"category": "laptops", "quantity": 2, "unit_cost": "1234.50"} | extra


# --- raising and sending ------------------------------------------------------------------------


def test_raising_an_order_for_a_request_answers_the_contract_shape(team) -> None:
    # given an approved request for a laptop
    request = approved_request(team, cost="1450.00")

    # when IT raises an order with one line for it
    response = post(
        team.it,
        LIST,
        {
            "vendor": team.vendor.pk,
            "lines": [
                {
                    "category": "laptops",
                    "model": team.laptop_model.pk,
                    "quantity": 1,
                    "unit_cost": "1450.00",
                    "request": request.pk,
                }
            ],
            "notes": "Deliver to HQ",
        },
    )

    # then it is a draft with its line, money as strings, nothing in the register yet
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "draft"
    assert data["number"].startswith("PO-")
    assert data["vendor"] == team.vendor.pk
    assert data["created_by"] == team.it.username
    assert data["total"] == "1450.00"
    [line] = data["lines"]
    assert (line["category"], line["model"], line["quantity"]) == (
        "laptops",
        team.laptop_model.pk,
        1,
    )
    assert (line["unit_cost"], line["total"], line["request"]) == ("1450.00", "1450.00", request.pk)
    assert (line["received"], line["outstanding"], line["assets"]) == (0, 1, [])
    assert line["department"] == team.department.pk
    assert not Asset.objects.exists()


def test_a_line_for_a_request_may_leave_out_the_category(team) -> None:
    request = approved_request(team, cost="900.00")

    response = post(
        team.it,
        LIST,
        {
            "vendor": team.vendor.pk,
            "lines": [{"request": request.pk, "quantity": 1, "unit_cost": "900"}],
        },
    )

    assert response.status_code == 201, response.json()
    assert response.json()["lines"][0]["category"] == "laptops"


def test_sending_puts_every_unit_in_the_register_as_on_order(team) -> None:
    created = post(team.it, LIST, {"vendor": team.vendor.pk, "lines": [line_body(team)]})
    order_id = created.json()["id"]

    response = post(team.it, order_path(order_id, "send"))

    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "sent"
    assert data["sent_at"]
    tags = [unit["tag"] for unit in data["lines"][0]["assets"]]
    assert len(tags) == 2
    register = api_for(team.it).get("/api/v1/assets/", {"status": "on_order"}).json()
    assert sorted(a["tag"] for a in register["results"]) == sorted(tags)
    assert {a["order_number"] for a in register["results"]} == {data["number"]}
    again = post(team.it, order_path(order_id, "send"))
    assert again.status_code == 409
    assert (again.json()["code"], again.json()["current_status"]) == ("order_refused", "sent")


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"vendor": 999999}, "vendor", "999999"),
        ({"lines": []}, "lines", ""),
        ({"lines": "many"}, "lines", ""),
        (
            {"lines": [{"category": "toasters", "quantity": 1, "unit_cost": "1"}]},
            "lines",
            "toasters",
        ),
        (
            {"lines": [{"category": "laptops", "quantity": 0, "unit_cost": "1"}]},
            "lines",
            "at least",
        ),
        (
            {"lines": [{"category": "laptops", "quantity": 1, "unit_cost": "-1"}]},
            "lines",
            "negative",
        ),
        (
            {
                "lines": [
                    {"category": "laptops", "quantity": 1, "unit_cost": "1", "request": 999999}
                ]
            },
            "lines",
            "999999",
        ),
        (
            {"lines": [{"category": "laptops", "quantity": 1, "unit_cost": "1", "due": "x"}]},
            "lines",
            "Unknown field",
        ),
        ({"status": "sent"}, "status", "Unknown field"),
    ],
)
def test_bad_order_input_is_a_400_and_nothing_is_saved(team, change, field, words) -> None:
    body = {"vendor": team.vendor.pk, "lines": [line_body(team)]} | change

    response = post(team.it, LIST, body)

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert words.lower() in response.json()["detail"].lower()
    assert not PurchaseOrder.objects.exists()


def test_a_line_for_a_request_not_yet_approved_is_refused_by_the_service(team) -> None:
    waiting = make_request(team)

    response = post(
        team.it,
        LIST,
        {"vendor": team.vendor.pk, "lines": [line_body(team, quantity=1, request=waiting.pk)]},
    )

    assert response.status_code == 400
    assert "not approved" in response.json()["detail"]
    assert not PurchaseOrder.objects.exists()


# --- who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["employee", "manager"])
def test_purchase_orders_are_403_for_employees_and_managers(team, role) -> None:
    order = make_order(team, requests=[approved_request(team)])
    user = team.employee if role == "employee" else team.manager

    for response in (
        api_for(user).get(LIST),
        api_for(user).get(order_path(order.pk)),
        post(user, LIST, {"vendor": team.vendor.pk, "lines": [line_body(team)]}),
        post(user, order_path(order.pk, "send")),
        post(user, order_path(order.pk, "receive"), {"lines": []}),
        post(user, order_path(order.pk, "cancel"), {"reason": "x"}),
    ):
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    assert PurchaseOrder.objects.get(pk=order.pk).status == "draft"


def test_auditors_read_orders_but_change_nothing(team) -> None:
    order = make_order(team, requests=[approved_request(team)])
    auditor = make_user("auditor")

    assert api_for(auditor).get(LIST).json()["count"] == 1
    assert api_for(auditor).get(order_path(order.pk)).json()["number"] == order.number
    assert post(auditor, order_path(order.pk, "send")).status_code == 403
    assert api_for(team.it).get(order_path(999999)).status_code == 404


def test_the_list_filters_and_runs_a_fixed_number_of_queries(team) -> None:
    for _ in range(6):
        make_order(team, requests=[approved_request(team, cost="100.00")], send=True)
    draft = make_order(team, requests=[approved_request(team, cost="100.00")])
    api = api_for(team.it)
    api.get(LIST)  # warm the user's permission cache

    def count(page_size: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = api.get(LIST, {"page_size": page_size})
        assert len(response.json()["results"]) == page_size
        return len(queries)

    assert count(2) == count(7) <= 5
    drafts = api.get(LIST, {"status": "draft"}).json()["results"]
    assert [o["id"] for o in drafts] == [draft.pk]
    assert api.get(LIST, {"vendor": team.vendor.pk}).json()["count"] == 7


# --- receiving ----------------------------------------------------------------------------------


def sent_order(team, quantity: int = 2):
    request = approved_request(team, cost=str(1000 * quantity), quantity=quantity)
    order = make_order(team, requests=[request], send=True)
    return order, order.lines.get(), request


def test_receiving_part_of_a_line_then_the_rest(team) -> None:
    # given an order of two laptops for an employee's request
    order, line, request = sent_order(team, quantity=2)
    room = LocationFactory(name="IT store")

    # when one arrives, then the other
    first = post(
        team.it,
        order_path(order.pk, "receive"),
        {"lines": [{"line": line.pk, "serial_numbers": ["SN-A"]}], "location": room.pk},
    )
    second = post(
        team.it,
        order_path(order.pk, "receive"),
        {"lines": [{"line": line.pk, "serial_numbers": ["SN-B"]}]},
    )

    # then the order is partially received, then received; both go to the employee
    assert first.status_code == 200, first.json()
    assert first.json()["status"] == "partially_received"
    assert (first.json()["lines"][0]["received"], first.json()["lines"][0]["outstanding"]) == (1, 1)
    [arrived] = first.json()["received_assets"]
    assert arrived["serial_number"] == "SN-A"
    assert arrived["location_name"] == "IT store"
    assert second.json()["status"] == "received"
    assert second.json()["lines"][0]["outstanding"] == 0
    holders = {unit["holder"] for unit in second.json()["lines"][0]["assets"]}
    assert holders == {team.employee.username}
    assert AssetRequest.objects.get(pk=request.pk).status == "fulfilled"


def test_receiving_more_than_ordered_is_a_400_naming_the_line_and_nothing_arrives(team) -> None:
    order, line, _ = sent_order(team, quantity=2)

    response = post(
        team.it,
        order_path(order.pk, "receive"),
        {"lines": [{"line": line.pk, "serial_numbers": ["SN-1", "SN-2", "SN-3"]}]},
    )

    assert response.status_code == 400, response.json()
    message = response.json()["detail"]
    assert f"Line {line.pk}" in message
    assert "2 ordered" in message
    assert "not 3" in message
    assert not OrderedAsset.objects.filter(received_at__isnull=False).exists()
    assert set(Asset.objects.values_list("status", flat=True)) == {"on_order"}
    assert PurchaseOrder.objects.get(pk=order.pk).status == "sent"


def test_receiving_on_a_cancelled_order_is_a_409(team) -> None:
    order, line, request = sent_order(team, quantity=1)
    cancelled = post(team.it, order_path(order.pk, "cancel"), {"reason": "Vendor out of stock"})

    response = post(
        team.it,
        order_path(order.pk, "receive"),
        {"lines": [{"line": line.pk, "serial_numbers": ["SN-1"]}]},
    )

    assert cancelled.status_code == 200, cancelled.json()
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["lines"][0]["outstanding"] == 0
    assert AssetRequest.objects.get(pk=request.pk).status == "approved"
    assert not Asset.objects.exists()  # the on-order placeholder left the register
    assert response.status_code == 409
    data = response.json()
    assert (data["code"], data["current_status"], data["order"]) == (
        "order_refused",
        "cancelled",
        order.pk,
    )
    assert "cancelled" in data["detail"]


def test_receiving_on_a_draft_is_a_409(team) -> None:
    order = make_order(team, requests=[approved_request(team)])

    response = post(
        team.it,
        order_path(order.pk, "receive"),
        {"lines": [{"line": order.lines.get().pk, "serial_numbers": ["SN-1"]}]},
    )

    assert response.status_code == 409
    assert "Send it first" in response.json()["detail"]


def test_receiving_an_unknown_line_or_a_line_of_another_order_is_a_400(team) -> None:
    order, _, _ = sent_order(team, quantity=1)
    _, other_line, _ = sent_order(team, quantity=1)

    unknown = post(
        team.it,
        order_path(order.pk, "receive"),
        {"lines": [{"line": 999999, "serial_numbers": ["SN-1"]}]},
    )
    foreign = post(
        team.it,
        order_path(order.pk, "receive"),
        {"lines": [{"line": other_line.pk, "serial_numbers": ["SN-1"]}]},
    )
    no_serials = post(
        team.it,
        order_path(order.pk, "receive"),
        {"lines": [{"line": other_line.pk, "serial_numbers": []}]},
    )
    nothing = post(team.it, order_path(order.pk, "receive"), {"lines": []})

    assert unknown.status_code == 400
    assert "No order line with id 999999" in unknown.json()["detail"]
    assert foreign.status_code == 400
    assert f"Line {other_line.pk} is not on {order.number}" in foreign.json()["detail"]
    assert no_serials.status_code == 400
    assert nothing.status_code == 400
    assert not OrderedAsset.objects.filter(received_at__isnull=False).exists()


def test_cancelling_needs_a_reason(team) -> None:
    order, _, _ = sent_order(team, quantity=1)

    response = post(team.it, order_path(order.pk, "cancel"))

    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    assert PurchaseOrder.objects.get(pk=order.pk).status == "sent"


def test_fulfil_by_order_adds_a_line_to_a_draft(team) -> None:
    request = approved_request(team, cost="800.00")
    draft = post(
        team.it,
        LIST,
        {"vendor": team.vendor.pk, "lines": [line_body(team, quantity=1)]},
    ).json()

    response = post(
        team.it, f"/api/v1/requests/{request.pk}/fulfil/", {"purchase_order": draft["id"]}
    )

    assert response.status_code == 200, response.json()
    assert [line["order"] for line in response.json()["order_lines"]] == [draft["id"]]
    lines = api_for(team.it).get(order_path(draft["id"])).json()["lines"]
    assert [line["request"] for line in lines] == [None, request.pk]
    assert lines[1]["unit_cost"] == "800.00"
