"""The reminder machinery: daily jobs that find what is due and tell the right people once.

Each job's ``collect(today)`` (in the app that owns the records) yields ``Due`` items. ``run_job``
records them as ``Reminder`` rows, whose unique key (object, kind, due date) makes the job
idempotent: rows are inserted with ON CONFLICT DO NOTHING under this run's id, and only the items
whose row this run inserted are sent. A re-run the same day, or a second worker running the same
job at the same moment, finds nothing new and sends nothing.

Each person gets one message per job and run: the item itself when there is one, a digest
listing them when there are several, so a morning with 300 warranties ending is one e-mail.
"""

from __future__ import annotations

import datetime
import importlib
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from .models import Reminder
from .notifications import notify_user_ids
from .schedule import REMINDER_JOBS

DIGEST_LINES = 50


@dataclass
class Due:
    """One thing due, for whom, and how to say it."""

    object_id: int
    kind: str
    due_on: datetime.date
    recipients: set[int]
    subject: str  # when it is the only item in a person's message
    line: str  # one line of a digest
    url: str = ""


@dataclass(frozen=True)
class Job:
    name: str
    model: str  # "app_label.ModelName" of the objects reminded about
    title: str  # a digest's subject: "<title>: 12"
    collect: str  # dotted path of collect(today) -> Iterable[Due]
    list_url: str = ""  # where a digest links to


JOBS: dict[str, Job] = {
    job.name: job
    for job in [
        Job(
            "license_renewals",
            "maintenance.SoftwareLicense",
            "Licence renewals due",
            "maintenance.reminders.license_renewals",
            "/licenses/?expiring=60",
        ),
        Job(
            "warranty_ends",
            "assets.Asset",
            "Warranties ending",
            "maintenance.reminders.warranty_ends",
            "/maintenance/warranties/",
        ),
        Job(
            "maintenance_due",
            "assets.Asset",
            "Preventive maintenance due",
            "maintenance.reminders.maintenance_due",
            "/maintenance/due/",
        ),
        Job(
            "audits_due",
            "assets.Asset",
            "Audits due or overdue",
            "assets.reminders.audits_due",
            "/assets/?audit=due",
        ),
        Job(
            "loaners_overdue",
            "assets.Asset",
            "Loaners overdue",
            "assets.reminders.loaners_overdue",
            "/reports/loaners-overdue/",
        ),
        Job(
            "requests_waiting",
            "requests_app.AssetRequest",
            "Requests waiting for your decision",
            "requests_app.reminders.requests_waiting",
            "/requests/approvals/",
        ),
    ]
}
assert tuple(JOBS) == REMINDER_JOBS, "itam.schedule.REMINDER_JOBS and JOBS must list the same jobs"


def _collector(job: Job) -> Callable[[datetime.date], Iterable[Due]]:
    module, name = job.collect.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


@dataclass
class RunResult:
    job: str
    due: int = 0  # items due today, new or not
    recorded: int = 0  # reminders this run recorded (and so sent)
    messages: int = 0  # messages queued (one per person)
    kinds: dict[str, int] = field(default_factory=dict)


def run_job(name: str, today: datetime.date | None = None) -> RunResult:
    """Record and send what is due for one job; safe to run any number of times, concurrently."""
    if name not in JOBS:
        raise ValueError(f"Unknown reminder job {name!r}: use one of {', '.join(JOBS)}.")
    job = JOBS[name]
    today = today or timezone.localdate()
    items = list(_collector(job)(today))
    result = RunResult(job=name, due=len(items))
    if not items:
        return result
    content_type = ContentType.objects.get_for_model(apps.get_model(job.model))
    run_id = uuid.uuid4()
    with transaction.atomic():
        # Skip what earlier runs recorded, so a daily re-run inserts only what is new...
        earlier = set(
            Reminder.objects.filter(
                content_type=content_type,
                kind__in={item.kind for item in items},
                due_on__range=(
                    min(item.due_on for item in items),
                    max(item.due_on for item in items),
                ),
            ).values_list("object_id", "kind", "due_on")
        )
        fresh = [i for i in items if (i.object_id, i.kind, i.due_on) not in earlier]
        # One order for every run, so concurrent runs take the same unique-index locks in the
        # same order and cannot deadlock each other.
        fresh.sort(key=lambda i: (i.object_id, i.kind, i.due_on))
        # ...and let the unique key settle races with a run that is doing the same right now.
        Reminder.objects.bulk_create(
            [
                Reminder(
                    kind=item.kind,
                    content_type=content_type,
                    object_id=item.object_id,
                    due_on=item.due_on,
                    run_id=run_id,
                    recipients=len(item.recipients),
                )
                for item in fresh
            ],
            ignore_conflicts=True,
            batch_size=2000,
        )
        mine = set(
            Reminder.objects.filter(run_id=run_id).values_list("object_id", "kind", "due_on")
        )
        sent = [i for i in fresh if (i.object_id, i.kind, i.due_on) in mine]
        result.recorded = len(sent)
        for item in sent:
            result.kinds[item.kind] = result.kinds.get(item.kind, 0) + 1
        result.messages = _send(job, sent)
    return result


def _send(job: Job, items: list[Due]) -> int:
    """One message per person: the item itself, or a digest of all of theirs."""
    by_person: dict[int, list[Due]] = defaultdict(list)
    for item in items:
        for person in item.recipients:
            by_person[person].append(item)
    # People with the same list get the same message: one task for all of them.
    groups: dict[tuple, list[int]] = defaultdict(list)
    for person, theirs in by_person.items():
        groups[tuple(id(item) for item in theirs)].append(person)
    index = {id(item): item for item in items}
    for key, people in groups.items():
        theirs = [index[i] for i in key]
        if len(theirs) == 1:
            only = theirs[0]
            notify_user_ids(
                people,
                kind=f"reminder:{job.name}",
                subject=only.subject,
                body=only.line,
                url=only.url,
            )
            continue
        theirs.sort(key=lambda item: (item.due_on, item.line))
        lines = [f"- {item.line}" for item in theirs[:DIGEST_LINES]]
        if len(theirs) > DIGEST_LINES:
            lines.append(f"… and {len(theirs) - DIGEST_LINES} more.")
        notify_user_ids(
            people,
            kind=f"reminder:{job.name}",
            subject=f"{job.title}: {len(theirs)}",
            body="\n".join(lines),
            url=job.list_url,
        )
    return len(by_person)


def run_all(today: datetime.date | None = None) -> list[RunResult]:
    return [run_job(name, today) for name in JOBS]
