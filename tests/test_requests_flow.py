"""From "I need a laptop" to a deployed, confirmed asset: the seed's onboarding story end to end."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import transaction

from assets import lifecycle
from assets.choices import AssetStatus
from assets.history import timeline
from itam.models import Notification
from requests_app import services
from requests_app.choices import OrderStatus, RequestStatus
from requests_app.models import AssetRequest, PurchaseOrder
from tests.factories import make_asset
from tests.request_factories import make_team, new_hire

pytestmark = pytest.mark.django_db


def inbox(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def mailed_to(user) -> list[str]:
    return [m.subject for m in mail.outbox if user.email in m.to]


def request_story(request: AssetRequest) -> list[tuple[str, str, str]]:
    """(status, who, why) for every history row of the request, oldest first."""
    rows = request.history.order_by("history_date", "history_id").select_related("history_user")
    return [(r.status, r.history_user.username, r.history_change_reason) for r in rows]


def test_onboarding_a_new_hire_with_no_laptop_in_stock(django_capture_on_commit_callbacks) -> None:
    # given a department with a budget, a hiring manager in it, and no laptop in stock
    team = make_team(budget="10000.00")
    hiring_manager = team.employee
    hire = new_hire(team, name="Jordan Lee")

    # when the hiring manager asks for a laptop and for software access for the new hire
    with django_capture_on_commit_callbacks(execute=True):
        laptop_request = services.submit_request(
            actor=hiring_manager,
            category=team.laptops,
            model=team.laptop_model,
            new_hire=hire,
            justification="Jordan joins the platform team",
            estimated_cost="1450.00",
        )
        software_request = services.submit_request(
            actor=hiring_manager,
            category=team.software,
            new_hire=hire,
            justification="Jordan needs the IDE licence",
            estimated_cost="120.00",
        )
    # then both wait for the department manager, who is told by inbox and e-mail
    assert laptop_request.status == software_request.status == RequestStatus.SUBMITTED
    assert laptop_request.for_whom == "Jordan Lee (new hire)"
    assert inbox(team.manager) == ["request_waiting", "request_waiting"]
    assert mailed_to(team.manager) == [
        f"Request #{laptop_request.pk} waits for your decision",
        f"Request #{software_request.pk} waits for your decision",
    ]
    assert inbox(team.it) == []

    # when the manager approves both (one step: both are under the threshold)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_request(laptop_request, actor=team.manager, reason="Budgeted headcount")
        services.approve_request(software_request, actor=team.manager)
    # then the requester hears of it and IT staff are asked to allocate or order
    assert inbox(hiring_manager) == ["request_approved", "request_approved"]
    assert inbox(team.it) == ["request_to_fulfil", "request_to_fulfil"]
    assert inbox(team.it_second) == ["request_to_fulfil", "request_to_fulfil"]
    assert f"Request #{laptop_request.pk} was approved" in mailed_to(hiring_manager)

    # and there is nothing in stock to reuse, so IT raises one order for both and sends it
    laptop_request.refresh_from_db()
    assert list(services.reuse_candidates(laptop_request)) == []
    order = services.create_order(
        actor=team.it,
        vendor=team.vendor,
        lines=[
            services.LineInput(
                category=team.laptops,
                model=team.laptop_model,
                quantity=1,
                unit_cost="1449.00",
                request=laptop_request,
            ),
            services.LineInput(
                category=team.software,
                description="JetBrains IDE, one seat",
                quantity=1,
                unit_cost="119.00",
                request=software_request,
            ),
        ],
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        order = services.send_order(order, actor=team.it)
    # then from that moment the laptop is in the register, on order, and the requests are ordering
    laptop_line, software_line = order.lines.order_by("pk")
    laptop = laptop_line.units.get().asset
    assert laptop.status == AssetStatus.ON_ORDER
    assert laptop.order_number == order.number
    assert laptop.purchase_cost == Decimal("1449.00")
    laptop_request.refresh_from_db()
    assert laptop_request.status == RequestStatus.ORDERING
    assert inbox(hiring_manager)[:2] == ["request_ordering", "request_ordering"]

    # when the goods arrive and IT receives them with their serial numbers
    received = services.receive_order(
        order,
        actor=team.it,
        receipts=[
            services.Receipt(line=laptop_line, serial_numbers=["5CG4301XYZ"]),
            services.Receipt(line=software_line, serial_numbers=["JB-2291-KEY"]),
        ],
    )
    # then they are tagged and in stock, waiting for the new hire's account
    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED
    laptop.refresh_from_db()
    assert laptop in received
    assert laptop.status == AssetStatus.IN_STOCK
    assert laptop.serial_number == "5CG4301XYZ"
    assert laptop.tag.startswith("IT-")

    # when IT creates the new hire's account
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.create_new_hire_account(
            laptop_request, actor=team.it, username="jordan.lee", email="jordan.lee@example.com"
        )
        jordan = services.User.objects.get(username="jordan.lee")
        services.link_new_hire(software_request, actor=team.it, user=jordan)
    # then the laptop and the licence are deployed to them and both requests are fulfilled
    laptop.refresh_from_db()
    assert laptop.status == AssetStatus.DEPLOYED
    assert laptop.assigned_user == jordan
    assert jordan.get_full_name() == "Jordan Lee"
    assert jordan.profile.department == team.department
    assert not jordan.has_usable_password()
    for request in (laptop_request, software_request):
        request.refresh_from_db()
        assert request.status == RequestStatus.FULFILLED
    assert "request_fulfilled" in inbox(jordan)
    assert f"Request #{laptop_request.pk} is ready: {laptop.tag}" in mailed_to(jordan)
    assert "request_fulfilled" in inbox(hiring_manager)

    # when the new hire signs in and confirms receipt
    lifecycle.confirm_receipt(laptop, actor=jordan)

    # then the asset's history tells the whole story, with who and why at every step
    story = [
        (e.action, e.to_status, e.user, e.reason) for e in timeline(laptop, newest_first=False)
    ]
    assert story == [
        ("register", "on_order", "it-staff", f"Ordered on {order.number}"),
        ("receive", "in_stock", "it-staff", f"Received on {order.number}"),
        (
            "deploy",
            "deployed",
            "it-staff",
            f"Request #{laptop_request.pk}: Jordan joins the platform team",
        ),
        ("accept", "deployed", "jordan.lee", "Receipt confirmed by the holder"),
    ]
    # and so does the request's
    assert request_story(laptop_request) == [
        ("submitted", hiring_manager.username, "Submitted"),
        ("approved", team.manager.username, "Budgeted headcount"),
        ("ordering", "it-staff", f"Ordered on {order.number}"),
        ("ordering", "it-staff", "Jordan Lee is jordan.lee"),
        ("fulfilled", "it-staff", f"Fulfilled: {laptop.tag} deployed"),
    ]
    assert laptop_request.approvals.get().decided_by == team.manager


def test_a_laptop_in_stock_is_offered_and_allocating_it_skips_procurement(
    django_capture_on_commit_callbacks,
) -> None:
    # given an approved request for a model, and laptops in stock: another model first by date
    team = make_team()
    other_model = make_asset(category=team.laptops, name="Old ThinkPad", purchase_date="2023-01-01")
    same_model = make_asset(category=team.laptops, model=team.laptop_model, name="Latitude")
    deployed = make_asset("deployed", category=team.laptops, model=team.laptop_model)
    make_asset(category=team.software, name="A licence seat")
    request = services.submit_request(
        actor=team.employee,
        category=team.laptops,
        model=team.laptop_model,
        justification="Screen failed",
        estimated_cost="1450.00",
    )
    services.approve_request(request, actor=team.manager)

    # when the approver (and then IT) looks for stock to reuse
    candidates = list(services.reuse_candidates(request))

    # then the in-stock laptops are offered, the requested model first; nothing deployed or other
    assert candidates == [same_model, other_model]
    assert deployed not in candidates

    # when IT allocates the one in stock
    with django_capture_on_commit_callbacks(execute=True):
        asset = services.fulfil_from_stock(request, actor=team.it, asset=same_model)

    # then it is deployed to the person, the request is fulfilled, and nothing was ordered
    assert asset.status == AssetStatus.DEPLOYED
    assert asset.assigned_user == team.employee
    request.refresh_from_db()
    assert request.status == RequestStatus.FULFILLED
    assert [s for s, _, _ in request_story(request)] == ["submitted", "approved", "fulfilled"]
    assert not PurchaseOrder.objects.exists()
    assert request.allocations.get().asset == asset
    assert inbox(team.employee)[0] == "request_fulfilled"
    assert timeline(asset)[0].reason == f"Request #{request.pk}: Screen failed"


def test_nothing_is_sent_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks,
) -> None:
    # given a team
    team = make_team()

    # when a request is submitted inside a transaction that then fails
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        doomed = services.submit_request(
            actor=team.employee,
            category=team.laptops,
            justification="Will roll back",
            estimated_cost="100.00",
        )
        assert doomed.pk
        raise RuntimeError("something later failed")

    # then no request is kept, and nobody was told about it
    assert callbacks == []
    assert not AssetRequest.objects.exists()
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_a_refused_decision_tells_nobody(django_capture_on_commit_callbacks) -> None:
    # given a submitted request
    team = make_team()
    request = services.submit_request(
        actor=team.employee,
        category=team.laptops,
        justification="Broken hinge",
        estimated_cost="900.00",
    )
    # when the manager of another department tries to approve it
    outsider = make_team("Sales").manager
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        services.approve_request(request, actor=outsider)
    # then nothing went out and the request still waits
    assert not Notification.objects.filter(kind="request_approved").exists()
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
