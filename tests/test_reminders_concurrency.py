"""Two workers running the same reminder job at the same moment send one reminder, not two.

Real threads with their own PostgreSQL connections and real commits (``transaction=True``), so
messages are delivered by the after-commit hook exactly as in production (Celery eager in tests).
"""

from __future__ import annotations

import datetime
import threading
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from itam.models import Notification, Reminder
from itam.reminders import RunResult, run_job
from maintenance import licenses
from tests.factories import make_user
from tests.test_concurrency import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"
    ),
]


@pytest.fixture
def expiring_licence():
    """One licence 5 days from expiry and the one IT person who should hear about it."""
    it = make_user("it", username="it-only", email="it-only@example.com")
    make_user("employee", username="bystander")
    lic = licenses.create_license(
        actor=it,
        product="Acrobat Pro",
        seats=5,
        expires_on=timezone.localdate() + datetime.timedelta(days=5),
    )
    mail.outbox.clear()
    return it, lic


@contextmanager
def both_past_the_check(workers: int = 2):
    """Hold each run just before it inserts its reminder rows until every run gets there.

    Each run has then looked for earlier reminders and found none, so only the unique key and
    the run id stand between them and a second message: the worst case of two workers at once.
    """
    manager = Reminder.objects
    real_bulk_create = manager.bulk_create
    barrier = threading.Barrier(workers)

    def bulk_create_together(*args, **kwargs):
        barrier.wait(timeout=10)
        return real_bulk_create(*args, **kwargs)

    with mock.patch.object(manager, "bulk_create", bulk_create_together):
        yield


def delivered() -> tuple[int, int]:
    notes = Notification.objects.filter(kind="reminder:license_renewals").count()
    return notes, len(mail.outbox)


def test_two_runs_that_both_find_nothing_sent_yet_record_and_send_one(expiring_licence):
    """The unique key decides: without it (or without the run id) both runs would send."""
    it, lic = expiring_licence

    with both_past_the_check():
        results = race([lambda: run_job("license_renewals")] * 2)

    assert all(isinstance(result, RunResult) for result in results), results
    assert sorted(result.recorded for result in results) == [0, 1]
    assert sorted(result.messages for result in results) == [0, 1]
    assert list(Reminder.objects.values_list("object_id", "kind")) == [
        (lic.pk, "license_renewal_7")
    ]
    assert delivered() == (1, 1)
    assert mail.outbox[0].to == [it.email]
    assert Notification.objects.get().recipient == it

    # And a third run afterwards finds it already sent
    third = run_job("license_renewals")

    assert (third.due, third.recorded, third.messages) == (1, 0, 0)
    assert Reminder.objects.count() == 1
    assert delivered() == (1, 1)


def test_two_runs_started_at_the_same_instant_send_one_reminder(expiring_licence):
    it, lic = expiring_licence

    results = race([lambda: run_job("license_renewals")] * 2)

    assert sorted(result.recorded for result in results) == [0, 1], results
    assert list(Reminder.objects.values_list("object_id", flat=True)) == [lic.pk]
    assert delivered() == (1, 1)
    assert Notification.objects.get().recipient == it

    # And a third run afterwards finds it already sent
    third = run_job("license_renewals")

    assert (third.due, third.recorded, third.messages) == (1, 0, 0)
    assert Reminder.objects.count() == 1
    assert delivered() == (1, 1)


def test_many_workers_and_many_licences_still_send_each_reminder_once(expiring_licence):
    it, _ = expiring_licence
    owner = make_user("employee", username="owner")
    for n in range(20):
        licenses.create_license(
            actor=it,
            product=f"Tool {n}",
            seats=1,
            owner=owner if n % 2 else None,
            expires_on=timezone.localdate() + datetime.timedelta(days=n),
        )

    with both_past_the_check(workers=4):
        results = race([lambda: run_job("license_renewals")] * 4)

    assert all(isinstance(result, RunResult) for result in results), results
    assert sum(result.recorded for result in results) == 21
    assert Reminder.objects.count() == 21
    assert len(set(Reminder.objects.values_list("object_id", flat=True))) == 21
    # Each person hears about each licence once, whichever run told them
    for person, count in ((it, 21), (owner, 10)):
        bodies = Notification.objects.filter(recipient=person).values_list("body", flat=True)
        lines = [line.removeprefix("- ") for body in bodies for line in body.splitlines()]
        assert len(lines) == len(set(lines)) == count
