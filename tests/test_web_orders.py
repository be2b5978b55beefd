"""Purchase-order pages per role, receiving, and the onboarding story driven through the pages:
request for a new hire → manager approves → IT orders, sends, receives → account → receipt."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from assets.choices import AssetStatus
from assets.models import Asset
from requests_app import services
from requests_app.choices import OrderStatus, RequestStatus
from requests_app.models import AssetRequest, OrderedAsset, PurchaseOrder
from tests.factories import PASSWORD, make_asset, make_user
from tests.request_factories import approved_request, make_order, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return make_team("Engineering", budget="10000.00")


@pytest.fixture
def auditor():
    return make_user("auditor", username="auditor")


def url(name: str, *args) -> str:
    return reverse(f"requests_app:{name}", args=args)


def html_of(response) -> str:
    return response.content.decode()


# --- who may see and act -------------------------------------------------------------------


def test_orders_list_and_page_are_for_it_staff_and_auditors(client, team, auditor):
    order = make_order(team, requests=[approved_request(team)])
    for person, expected in (
        (team.it, 200),
        (auditor, 200),
        (team.manager, 403),
        (team.employee, 403),
    ):
        client.force_login(person)
        assert client.get(url("orders")).status_code == expected, person
        assert client.get(url("order-detail", order.pk)).status_code == expected, person
    client.force_login(team.it)
    assert client.get(url("order-detail", 999999)).status_code == 404
    listing = html_of(client.get(url("orders")))
    assert order.number in listing and "New order" in listing
    client.force_login(auditor)
    assert "New order" not in html_of(client.get(url("orders")))
    assert client.get(url("order-create")).status_code == 403


def test_auditor_reads_an_order_but_cannot_send_receive_or_cancel_it(client, team, auditor):
    order = make_order(team, requests=[approved_request(team)])
    client.force_login(auditor)
    html = html_of(client.get(url("order-detail", order.pk)))
    assert "Send to" not in html and "Cancel this order" not in html

    assert client.post(url("order-send", order.pk)).status_code == 403
    assert client.post(url("order-cancel", order.pk), {"reason": "x"}).status_code == 403
    services.send_order(order, actor=team.it)
    line = order.lines.get()
    response = client.post(url("order-receive", order.pk), {f"line_{line.pk}": "SN1"})
    assert response.status_code == 403
    assert not OrderedAsset.objects.filter(received_at__isnull=False).exists()


def test_orders_nav_link_for_those_who_read_orders(client, team, auditor):
    for person, shown in ((team.it, True), (auditor, True), (team.employee, False)):
        client.force_login(person)
        assert (f'href="{url("orders")}"' in html_of(client.get(reverse("dashboard")))) is shown


# --- a new order ---------------------------------------------------------------------------


def line_data(index: int, **fields) -> dict:
    return {f"lines-{index}-{name}": value for name, value in fields.items()}


def order_post(team, *lines: dict) -> dict:
    data = {
        "vendor": team.vendor.pk,
        "notes": "Q3 refresh",
        "lines-TOTAL_FORMS": "5",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "10",
    }
    for index in range(5):  # what a browser sends for an untouched row
        data.update(line_data(index, category="", model="", quantity="1", unit_cost=""))
    for line in lines:
        data.update(line)
    return data


def test_it_drafts_an_order_with_several_lines_and_empty_rows_are_ignored(client, team):
    client.force_login(team.it)
    assert client.get(url("order-create")).status_code == 200

    response = client.post(
        url("order-create"),
        order_post(
            team,
            line_data(0, category=team.laptops.pk, quantity="3", unit_cost="999.99"),
            line_data(
                1,
                category=team.software.pk,
                description="IDE licence",
                quantity="5",
                unit_cost="120",
                department=team.department.pk,
            ),
        ),
    )

    order = PurchaseOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == url("order-detail", order.pk)
    assert order.status == OrderStatus.DRAFT and order.lines.count() == 2
    html = html_of(client.get(response["Location"]))
    assert "3,599.97" in html  # 3 × 999.99 + 5 × 120.00, to the cent
    assert "Send to Northwind IT Supplies" in html


def test_an_order_without_lines_or_with_a_bad_line_saves_nothing(client, team):
    client.force_login(team.it)

    empty = client.post(url("order-create"), order_post(team))
    bad = client.post(
        url("order-create"),
        order_post(team, line_data(0, category=team.laptops.pk, quantity="0", unit_cost="-1")),
    )

    assert empty.status_code == 400 and "at least one line" in html_of(empty)
    assert bad.status_code == 400
    assert PurchaseOrder.objects.count() == 0


def test_only_it_staff_create_orders(client, team, auditor):
    for person in (auditor, team.manager, team.employee):
        client.force_login(person)
        response = client.post(
            url("order-create"),
            order_post(team, line_data(0, category=team.laptops.pk, quantity="1", unit_cost="1")),
        )
        assert response.status_code == 403
    assert PurchaseOrder.objects.count() == 0


# --- send, receive, cancel -----------------------------------------------------------------


@pytest.fixture
def sent_order(team):
    request = approved_request(team, quantity=2, cost="2400.00")
    return make_order(team, requests=[request], send=True)


def test_sending_puts_the_units_in_the_register_as_on_order(client, team):
    order = make_order(team, requests=[approved_request(team, quantity=2, cost="2000")])
    client.force_login(team.it)

    response = client.post(url("order-send", order.pk))

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.SENT
    html = html_of(client.get(url("order-detail", order.pk)))
    assert "2 units now in the register as on order" in html
    for unit in OrderedAsset.objects.select_related("asset"):
        assert unit.asset.status == AssetStatus.ON_ORDER
        assert f'href="{unit.asset.get_absolute_url()}"' in html
    assert "Receive goods" in html
    # sending again is refused with a message, not an error page
    again = client.post(url("order-send", order.pk))
    assert again.status_code == 409 and "Only a draft is sent" in html_of(again)


def test_receiving_more_than_ordered_shows_the_error_and_receives_nothing(client, team, sent_order):
    line = sent_order.lines.get()
    client.force_login(team.it)

    response = client.post(
        url("order-receive", sent_order.pk), {f"line_{line.pk}": "SN-1\nSN-2\nSN-3"}
    )

    assert response.status_code == 400
    html = html_of(response)
    assert "2 ordered and 0 already received, so at most 2 more can arrive, not 3" in html
    assert f'id="receive_line_{line.pk}_error"' in html
    assert "SN-1\nSN-2\nSN-3" in html  # what was typed is kept
    assert not OrderedAsset.objects.filter(received_at__isnull=False).exists()
    assert not Asset.objects.filter(serial_number__startswith="SN-").exists()
    sent_order.refresh_from_db()
    assert sent_order.status == OrderStatus.SENT


def test_receiving_part_then_the_rest(client, team, sent_order):
    line = sent_order.lines.get()
    client.force_login(team.it)

    client.post(url("order-receive", sent_order.pk), {f"line_{line.pk}": "SN-1\n\n"})
    sent_order.refresh_from_db()
    assert sent_order.status == OrderStatus.PARTIALLY_RECEIVED
    html = html_of(client.get(url("order-detail", sent_order.pk)))
    assert "up to 1 more can arrive" in html

    client.post(url("order-receive", sent_order.pk), {f"line_{line.pk}": "SN-2"})
    sent_order.refresh_from_db()
    assert sent_order.status == OrderStatus.RECEIVED
    request = line.request
    request.refresh_from_db()
    assert request.status == RequestStatus.FULFILLED
    assert set(
        Asset.objects.filter(assigned_user=team.employee).values_list("serial_number", flat=True)
    ) == {"SN-1", "SN-2"}
    assert "Receive goods" not in html_of(client.get(url("order-detail", sent_order.pk)))


def test_receiving_nothing_says_which_lines(client, team, sent_order):
    client.force_login(team.it)
    response = client.post(url("order-receive", sent_order.pk), {})
    assert response.status_code == 400
    assert "Say which lines arrived" in html_of(response)


def test_cancelling_needs_a_reason_and_then_nothing_can_be_received(client, team, sent_order):
    line = sent_order.lines.get()
    client.force_login(team.it)

    assert client.post(url("order-cancel", sent_order.pk), {"reason": ""}).status_code == 400
    done = client.post(url("order-cancel", sent_order.pk), {"reason": "Vendor out of stock"})
    assert done.status_code == 302
    sent_order.refresh_from_db()
    assert sent_order.status == OrderStatus.CANCELLED
    request = line.request
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED  # to be fulfilled another way

    response = client.post(url("order-receive", sent_order.pk), {f"line_{line.pk}": "SN-9"})
    assert response.status_code == 409
    assert "Nothing can be received on a cancelled order" in html_of(response)
    assert not Asset.objects.filter(serial_number="SN-9").exists()


# --- the whole onboarding story, through the pages -----------------------------------------


def test_onboarding_a_new_hire_through_the_web_pages(client, team, settings):
    settings.ITAM_SECOND_APPROVAL_ABOVE = Decimal("2000")
    # 1. The hiring manager asks for a laptop for a new hire
    client.force_login(team.employee)
    response = client.post(
        url("create"),
        {
            "who": "new_hire",
            "new_hire_name": "Jordan Lee",
            "new_hire_department": team.department.pk,
            "category": team.laptops.pk,
            "model": team.laptop_model.pk,
            "quantity": "1",
            "justification": "Jordan joins the platform team",
            "estimated_cost": "1450.00",
        },
    )
    request = AssetRequest.objects.get()
    assert response.status_code == 302

    # 2. The manager sees no laptop in stock and the budget, and approves
    client.force_login(team.manager)
    html = html_of(client.get(url("detail", request.pk)))
    assert "No Laptops in stock" in html and "10,000.00 GBP" in html
    assert client.post(url("approve", request.pk), {"reason": "Welcome"}).status_code == 302

    # 3. IT raises an order from the request page, prefilled, and sends it
    client.force_login(team.it)
    html = html_of(client.get(url("detail", request.pk)))
    assert 'value="1450.00"' in html  # unit cost prefilled from the estimate
    response = client.post(
        url("order", request.pk), {"vendor": team.vendor.pk, "unit_cost": "1399.00"}
    )
    order = PurchaseOrder.objects.get()
    assert response["Location"] == url("order-detail", order.pk)
    assert client.post(url("order-send", order.pk)).status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.ORDERING
    laptop = Asset.objects.get(ordered_as__line__order=order)
    assert laptop.status == AssetStatus.ON_ORDER

    # 4. The laptop arrives: received with its serial, into stock (nobody to deploy to yet)
    line = order.lines.get()
    response = client.post(url("order-receive", order.pk), {f"line_{line.pk}": "PF3X9Z"})
    assert response.status_code == 302
    laptop.refresh_from_db()
    assert laptop.status == AssetStatus.IN_STOCK and laptop.serial_number == "PF3X9Z"
    order_page = html_of(client.get(url("order-detail", order.pk)))
    assert "Received 1 unit" in order_page and laptop.tag in order_page

    # 5. IT creates the new hire's account: the laptop is deployed to it
    html = html_of(client.get(url("detail", request.pk)))
    assert "Jordan Lee has no account yet" in html
    response = client.post(
        url("new-hire", request.pk),
        {"mode": "create", "username": "jordan.lee", "email": "jordan@example.com"},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    laptop.refresh_from_db()
    jordan = request.for_user
    assert jordan.username == "jordan.lee"
    assert request.status == RequestStatus.FULFILLED
    assert laptop.status == AssetStatus.DEPLOYED and laptop.assigned_user == jordan

    # 6. Jordan signs in and confirms receipt on the asset page
    jordan.set_password(PASSWORD)
    jordan.save()
    client.logout()
    assert (
        client.post(reverse("login"), {"username": "jordan.lee", "password": PASSWORD}).status_code
        == 302
    )
    dashboard = html_of(client.get(reverse("dashboard")))
    assert laptop.tag in dashboard and "Confirm receipt" in dashboard
    asset_page = html_of(client.get(laptop.get_absolute_url()))
    assert f'action="{reverse("assets:confirm-receipt", args=[laptop.tag])}"' in asset_page
    response = client.post(reverse("assets:confirm-receipt", args=[laptop.tag]))
    assert response.status_code == 302
    laptop.refresh_from_db()
    assert laptop.accepted_at is not None

    # Every step shows on the asset page and on the request page
    asset_page = html_of(client.get(laptop.get_absolute_url()))
    assert "Receipt confirmed" in asset_page and "Confirm receipt</button>" not in asset_page
    for words in (f"Ordered on {order.number}", f"Received on {order.number}", "Request #"):
        assert words in asset_page, words
    request_page = html_of(client.get(url("detail", request.pk)))
    assert "Receipt confirmed" in request_page
    client.force_login(team.it)
    steps = client.get(url("detail", request.pk)).context["timeline"]
    statuses = [(s.from_status, s.to_status) for s in reversed(steps)]
    assert statuses[0] == ("", "submitted")
    assert ("submitted", "approved") in statuses
    assert ("approved", "ordering") in statuses
    assert statuses[-1][1] == "fulfilled"
    reasons = " ".join(s.reason for s in steps)
    assert order.number in reasons and "jordan.lee" in reasons
    assert any(s.note == "Linked to the new hire's account" for s in steps)


def test_with_a_laptop_in_stock_allocation_skips_procurement(client, team):
    spare = make_asset("in_stock", name="Spare laptop", category=team.laptops)
    client.force_login(team.employee)
    client.post(
        url("create"),
        {
            "who": "me",
            "category": team.laptops.pk,
            "quantity": "1",
            "justification": "Broken screen",
            "estimated_cost": "1200",
        },
    )
    request = AssetRequest.objects.get()
    client.force_login(team.manager)
    assert spare.tag in html_of(client.get(url("detail", request.pk)))
    client.post(url("approve", request.pk))

    client.force_login(team.it)
    client.post(url("allocate", request.pk), {"asset": spare.tag})

    request.refresh_from_db()
    spare.refresh_from_db()
    assert request.status == RequestStatus.FULFILLED
    assert spare.assigned_user == team.employee
    assert PurchaseOrder.objects.count() == 0


def test_new_hire_linked_to_an_existing_account(client, team):
    hire_request = services.submit_request(
        actor=team.employee,
        category=team.laptops,
        new_hire=services.NewHire("Sam Park", None, team.department),
        justification="Sam starts Monday",
        estimated_cost="1000",
    )
    sam = make_user("employee", username="sam.park", department=team.department)
    client.force_login(team.it)

    bad = client.post(url("new-hire", hire_request.pk), {"mode": "link", "user": "nobody"})
    good = client.post(url("new-hire", hire_request.pk), {"mode": "link", "user": "sam.park"})

    assert bad.status_code == 400 and "No current person" in html_of(bad)
    assert good.status_code == 302
    hire_request.refresh_from_db()
    assert hire_request.for_user == sam


def test_taken_username_is_refused_next_to_the_field(client, team):
    hire_request = services.submit_request(
        actor=team.employee,
        category=team.laptops,
        new_hire=services.NewHire("Sam Park", None, team.department),
        justification="Sam starts Monday",
    )
    client.force_login(team.it)
    response = client.post(
        url("new-hire", hire_request.pk), {"mode": "create", "username": team.colleague.username}
    )
    assert response.status_code == 400
    assert "is taken" in html_of(response)
    assert 'id="account_username_error"' in html_of(response)
    hire_request.refresh_from_db()
    assert hire_request.for_user is None


def test_only_it_staff_raise_an_order_for_a_request(client, team, auditor):
    request = approved_request(team)
    for person in (team.manager, team.employee, auditor):
        client.force_login(person)
        response = client.post(
            url("order", request.pk), {"vendor": team.vendor.pk, "unit_cost": "100"}
        )
        assert response.status_code == 403
    assert PurchaseOrder.objects.count() == 0
