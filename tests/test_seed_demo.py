"""``seed_demo``: a demo organisation with every state, every role and a believable history."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from assets.choices import AssetStatus
from assets.models import Asset, Department, WipeRecord
from itam.models import Notification
from requests_app import services
from requests_app.budgets import budget_summary, fiscal_year_of
from requests_app.choices import OrderStatus, RequestStatus
from requests_app.models import Approval, AssetRequest, Budget, PurchaseOrder

User = get_user_model()
History = Asset.history.model
ROLE_GROUPS = ["Employees", "Managers", "IT staff", "Auditors"]

pytestmark = pytest.mark.django_db


def seed(assets: int = 24) -> str:
    out = StringIO()
    call_command("seed_demo", assets=assets, stdout=out)
    return out.getvalue()


def test_every_status_is_represented() -> None:
    seed()
    statuses = set(Asset.objects.values_list("status", flat=True))
    assert statuses == set(AssetStatus.values)
    # the asset stories make exactly the number asked for; purchase orders add their own
    assert Asset.objects.filter(ordered_as__isnull=True).count() == 24


def test_people_in_every_role_and_every_department_has_a_manager() -> None:
    output = seed()
    for group in ROLE_GROUPS:
        assert User.objects.filter(groups__name=group).exists(), group
    assert User.objects.filter(is_superuser=True, username="admin").exists()
    assert User.objects.filter(groups__name="IT staff").count() == 2
    for department in Department.objects.all():
        assert department.manager is not None, department
        assert department.manager.profile.department == department
    # the logins are printed for the person who ran it
    for username in ["admin", "priya.shah", "olivia.reed", "maria.garcia", "sam.taylor"]:
        assert username in output
    assert "itam-demo" in output


def test_demo_logins_work() -> None:
    seed()
    assert User.objects.get(username="sam.taylor").check_password("itam-demo")


def test_history_has_users_reasons_and_past_timestamps() -> None:
    # given a demo made today
    before = timezone.now()
    seed()
    rows = History.objects.all()
    # then every history row says who, why and which move, and happened in the past two years
    assert rows.count() > Asset.objects.count()
    assert not rows.filter(history_user__isnull=True).exists()
    assert not rows.filter(history_change_reason="").exists()
    assert not rows.filter(history_action="").exists()
    assert not rows.filter(history_date__gt=before).exists()
    oldest = rows.order_by("history_date").first().history_date
    assert oldest < before - datetime.timedelta(days=180)
    assert oldest > before - datetime.timedelta(days=800)


def test_each_history_replays_as_a_chain_of_moves() -> None:
    seed()
    for asset in Asset.objects.all():
        rows = list(asset.history.order_by("history_date", "history_id"))
        assert rows[0].history_action == "register"
        assert rows[-1].status == asset.status
        for previous, row in itertools.pairwise(rows):
            assert row.history_date > previous.history_date
            assert row.history_from_status == previous.status, (asset.tag, row.history_action)
        assert asset.created_at <= rows[0].history_date


def test_disposed_data_holding_assets_were_wiped_and_verified_first() -> None:
    seed(assets=60)
    disposed = Asset.objects.filter(status=AssetStatus.DISPOSED, category__holds_data=True)
    assert disposed.exists()
    for asset in disposed:
        wipe = WipeRecord.objects.filter(asset=asset, verified_by__isnull=False).get()
        assert wipe.verified_by != wipe.performed_by
        assert wipe.performed_on <= asset.disposal.disposed_on


def test_a_second_run_creates_nothing() -> None:
    seed()
    counts = _counts()
    output = seed()
    assert "already seeded" in output
    assert "jordan.lee" in output
    assert _counts() == counts


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (
            Asset,
            History,
            User,
            AssetRequest,
            AssetRequest.history.model,
            Approval,
            Budget,
            PurchaseOrder,
            Notification,
        )
    )


def test_refuses_a_database_that_holds_someone_elses_data() -> None:
    User.objects.create_user("admin", password="x")
    with pytest.raises(CommandError, match="empty database"):
        seed()
    assert not Asset.objects.exists()


class _Undo(Exception):
    """Raised to roll a first seeding back, so the same database can be seeded again."""


def test_is_deterministic() -> None:
    # given a demo seeded and then rolled back
    try:
        with transaction.atomic():
            seed()
            first = _snapshot()
            raise _Undo
    except _Undo:
        pass
    assert not Asset.objects.exists()
    # when it is seeded again, then it is the same demo
    seed()
    assert _snapshot() == first


def _snapshot() -> tuple[list, ...]:
    return (
        list(Asset.objects.order_by("tag").values_list("tag", "name", "status", "serial_number")),
        list(AssetRequest.objects.order_by("created_at").values_list("status", "estimated_cost")),
        list(PurchaseOrder.objects.order_by("number").values_list("number", "status")),
        list(Budget.objects.order_by("department__name", "fiscal_year").values_list("amount")),
    )


# --- requests and procurement -----------------------------------------------------------------


def test_every_request_and_order_state_is_represented() -> None:
    seed()
    assert set(AssetRequest.objects.values_list("status", flat=True)) == set(RequestStatus.values)
    assert set(PurchaseOrder.objects.values_list("status", flat=True)) == set(OrderStatus.values)
    waiting = AssetRequest.objects.filter(status=RequestStatus.SUBMITTED)
    assert {services.pending_step(r) for r in waiting} == {"manager", "it"}
    rejected = AssetRequest.objects.get(status=RequestStatus.REJECTED)
    assert rejected.approvals.get().reason
    cancelled = AssetRequest.objects.get(status=RequestStatus.CANCELLED)
    assert cancelled.history.latest().history_change_reason.startswith("Cancelled: ")
    ordering = AssetRequest.objects.get(status=RequestStatus.ORDERING)
    assert ordering.order_lines.get().order.status == OrderStatus.SENT
    # fulfilled both from stock (no order line) and through a received order
    fulfilled = AssetRequest.objects.filter(status=RequestStatus.FULFILLED)
    assert fulfilled.filter(order_lines__isnull=True).exists()
    assert fulfilled.filter(order_lines__order__status=OrderStatus.RECEIVED).exists()
    assert AssetRequest.objects.exclude(new_hire_name="").count() == 3


def test_the_onboarding_example_is_complete() -> None:
    # the new hire's laptop: ordered, received with a serial, deployed, and receipt confirmed
    seed()
    jordan = User.objects.get(username="jordan.lee")
    assert jordan.check_password("itam-demo")
    laptop = jordan.held_assets.get(category__name="Laptops")
    actions = list(
        laptop.history.order_by("history_date").values_list(
            "history_action", "history_user__username"
        )
    )
    assert [a for a, _ in actions] == ["register", "receive", "deploy", "accept"]
    assert actions[-1][1] == "jordan.lee"
    assert laptop.serial_number and laptop.accepted_at is not None
    request = AssetRequest.objects.get(allocations__asset=laptop)
    statuses = list(request.history.order_by("history_date").values_list("status", flat=True))
    assert statuses[0] == "submitted" and statuses[-1] == "fulfilled"
    assert {"approved", "ordering"} <= set(statuses)
    assert jordan.held_assets.filter(category__kind="software").exists()
    assert Notification.objects.filter(recipient=jordan, kind="request_fulfilled").exists()


def test_budgets_for_two_years_and_one_department_near_its_limit() -> None:
    seed()
    year = fiscal_year_of()
    for department in Department.objects.all():
        years = set(department.budgets.values_list("fiscal_year", flat=True))
        assert years == {year - 1, year}, department
    people = budget_summary(Department.objects.get(name="People"))
    assert Decimal("0") <= people.available < Decimal("200")
    waiting = AssetRequest.objects.get(department__name="People", status="submitted")
    assert people.would_exceed(waiting.estimated_cost)


def test_request_history_and_notifications_are_in_the_past() -> None:
    before = timezone.now()
    seed()
    rows = AssetRequest.history.model.objects.all()
    assert not rows.filter(history_user__isnull=True).exists()
    assert not rows.filter(history_change_reason="").exists()
    assert not rows.filter(history_date__gt=before).exists()
    assert not Notification.objects.filter(created_at__gt=before).exists()
    assert Notification.objects.filter(kind="request_waiting").exists()
    assert mail.outbox == []  # seeding a database sends no e-mail


def test_seeding_sends_no_email_even_after_commit(django_capture_on_commit_callbacks) -> None:
    # The demo makes a new hire's account with an e-mail address: no welcome mail may go out.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        seed(assets=300)  # the full demo: loaner bookings need a pool of stock
    assert mail.outbox == []
    assert callbacks == []  # nothing queued for a worker either
