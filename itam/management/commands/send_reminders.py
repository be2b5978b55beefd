"""Run the daily reminder jobs now: here in this process, or queued for the Celery workers."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from itam.reminders import JOBS, run_job
from itam.tasks import run_reminder_job


class Command(BaseCommand):
    help = (
        "Send the reminders due today (licence renewals, warranties, maintenance, audits, "
        "loaners, waiting requests). Safe to repeat: each reminder goes out once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--job",
            action="append",
            choices=list(JOBS),
            help="Only this job (repeat for several). Default: all of them.",
        )
        parser.add_argument(
            "--date",
            help="Run as if today were this date (YYYY-MM-DD), e.g. to catch up a missed day.",
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the jobs for the Celery workers instead of running them here.",
        )
        parser.add_argument(
            "--times",
            type=int,
            default=1,
            help="With --enqueue: queue each job this many times (to show that runs never "
            "send twice).",
        )

    def handle(self, *args, **options):
        day = None
        if options["date"]:
            try:
                day = datetime.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"--date {options['date']!r}: use YYYY-MM-DD.") from None
        jobs = options["job"] or list(JOBS)
        if options["enqueue"]:
            for _ in range(max(1, options["times"])):
                for name in jobs:
                    run_reminder_job.delay(name, day.isoformat() if day else None)
            self.stdout.write(f"Queued {len(jobs)} job(s) × {max(1, options['times'])}.")
            return
        for name in jobs:
            result = run_job(name, day)
            self.stdout.write(
                f"{name}: {result.due} due, {result.recorded} new reminder(s), "
                f"{result.messages} person(s) told"
            )
