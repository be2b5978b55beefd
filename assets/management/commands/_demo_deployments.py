"""``seed_demo``'s last stage: deployment checklists, acceptance terms and the loaner pool.

Runs after the asset and request stories (whose deployments predate checklists), in the last
minutes before "now" on the demo clock, through the lifecycle like everything else: a fresh
laptop deployment with its checklist ticked and a problem reported by its holder, the demo
employee accepting the phone terms before they were revised, and a few laptops in the loaner pool.
Notifications become inbox rows only: seeding sends no e-mail.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.contrib.auth import get_user_model

from assets import lifecycle
from assets.choices import AssetStatus
from assets.models import Asset, Category, ChecklistItem
from itam.models import Notification

from ._demo_data import (
    CHECKLISTS,
    LAPTOP_TERMS,
    LOANER_POOL_SIZE,
    PHONE_TERMS_V1,
    PHONE_TERMS_V2,
    PROBLEM_REPORT,
)

User = get_user_model()
STEP = datetime.timedelta(seconds=20)


@contextmanager
def _inbox_only() -> Iterator[None]:
    """The lifecycle's notifications as inbox rows dated by the demo clock, and no e-mail."""

    def notify(recipients, *, kind: str, subject: str, body: str = "", url: str = "") -> None:
        people = {u.pk: u for u in recipients if u is not None and u.is_active}
        Notification.objects.bulk_create(
            Notification(recipient=p, kind=kind, subject=subject, body=body, url=url)
            for p in people.values()
        )

    with mock.patch("itam.notifications.notify", notify):
        yield


def _set_terms(category: Category, text: str, *, actor, reason: str) -> None:
    category.acceptance_text = text
    category._history_user = actor
    category._change_reason = reason
    category.save()


def seed_deployments(org, clock, real_now: datetime.datetime, employee_username: str) -> None:
    """Checklists and terms, then the deployments that show them off (see the module doc)."""
    clock.set(max(clock.current, real_now - datetime.timedelta(minutes=4)) + STEP)

    def tick() -> None:
        clock.set(clock.current + STEP)

    admin, (priya, _tom) = org.admin, org.it_staff
    laptops, phones = org.categories["Laptops"], org.categories["Mobile phones"]
    for name, steps in CHECKLISTS.items():
        for position, (text, required) in enumerate(steps, start=1):
            item = ChecklistItem(
                category=org.categories[name], text=text, required=required, position=position
            )
            item._history_user = admin
            item.save()
    _set_terms(laptops, LAPTOP_TERMS, actor=admin, reason="Laptop use terms introduced")
    _set_terms(phones, PHONE_TERMS_V1, actor=admin, reason="Phone use terms introduced")
    tick()

    # The demo employee accepts the phone terms (version 1); then they are revised (version 2).
    employee = User.objects.get(username=employee_username)
    phone = employee.held_assets.filter(category=phones, status=AssetStatus.DEPLOYED).first()
    if phone is not None and phone.accepted_at is None:
        lifecycle.confirm_receipt(phone, actor=employee, accept_terms=True)
        tick()
    _set_terms(phones, PHONE_TERMS_V2, actor=admin, reason="Roaming rule added")
    tick()

    spare = list(
        Asset.objects.filter(category=laptops, status=AssetStatus.IN_STOCK, reservable=False)
        .select_related("category")
        .order_by("tag")
    )
    # A new laptop for an engineer, every required step ticked (the optional one left), and a
    # problem its holder reports the same afternoon.
    if spare:
        laptop = spare.pop(0)
        holder = User.objects.get(username="noah.patel")
        required = [i.pk for i in laptops.checklist.all() if i.required]
        laptop = lifecycle.deploy(
            laptop, to=holder, actor=priya, reason="Hardware refresh", checklist_done=required
        )
        tick()
        with _inbox_only():
            lifecycle.report_problem(laptop, actor=holder, description=PROBLEM_REPORT)
        tick()

    # The loaner pool: a few spare laptops people can book for dates.
    for laptop in spare[:LOANER_POOL_SIZE]:
        laptop.reservable = True
        lifecycle.stamp_history(
            laptop,
            actor=priya,
            reason="Added to the loaner pool",
            action="edit",
            from_status=laptop.status,
        )
        laptop.save()
        tick()
