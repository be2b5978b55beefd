"""The Celery beat schedule: one daily entry per reminder job.

Kept free of model imports, so settings can build the schedule before Django's apps load.
"""

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

# The job names of itam/reminders.py, in the order a person would read their reminders.
REMINDER_JOBS = (
    "license_renewals",
    "warranty_ends",
    "maintenance_due",
    "audits_due",
    "loaners_overdue",
    "requests_waiting",
)


def reminder_schedule(at: str) -> dict:
    """``{"reminders-<job>": {...}}`` at ``at`` ("HH:MM", local time) every day."""
    try:
        hour, minute = (int(part) for part in at.split(":"))
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise ValueError
    except ValueError:
        raise ImproperlyConfigured(
            f"ITAM_REMINDER_TIME={at!r}: give a time of day as HH:MM, e.g. 06:30."
        ) from None
    return {
        f"reminders-{job}": {
            "task": "itam.tasks.run_reminder_job",
            "schedule": crontab(hour=hour, minute=minute),
            "args": (job,),
            # A day-old run is pointless: the next one covers it.
            "options": {"expires": 23 * 3600},
        }
        for job in REMINDER_JOBS
    }
