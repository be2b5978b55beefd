"""Project-wide Celery tasks."""

import datetime

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from .accounts import link_lifetime, sign_in_link
from .models import Notification

User = get_user_model()


SUBJECT_LENGTH = Notification._meta.get_field("subject").max_length


def one_line_subject(subject: str) -> str:
    """A subject fit for the inbox and a mail header: one line, cut to the inbox's length."""
    subject = " ".join(subject.split())
    if len(subject) > SUBJECT_LENGTH:
        subject = subject[: SUBJECT_LENGTH - 1].rstrip() + "…"
    return subject


@shared_task
def deliver_notification(user_ids: list[int], kind: str, subject: str, body: str, url: str) -> int:
    """Write inbox rows and send the e-mails; returns how many people were told.

    No automatic retry: a retry after a mail failure would put a second copy in the inboxes.
    Subjects are made from names people typed (a product, an asset, a plan): a line break in one
    would make every e-mail fail, and a long one would not fit the inbox.
    """
    subject = one_line_subject(subject)
    people = list(User.objects.filter(pk__in=user_ids, is_active=True))
    Notification.objects.bulk_create(
        Notification(recipient=person, kind=kind, subject=subject, body=body, url=url)
        for person in people
    )
    link = f"{settings.ITAM_BASE_URL}{url}" if url else ""
    text = "\n\n".join(part for part in (body, link) if part)
    for person in people:
        if person.email:
            send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [person.email])
    return len(people)


def _reachable(user_id: int):
    """The active person with an e-mail address to send a link to, or None."""
    return User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()


@shared_task
def send_sign_in_link(user_id: int) -> bool:
    """E-mail a person a one-time "choose your password" link; False if there is nobody to tell.

    Runs after commit, so the account exists; the link is absolute from ITAM_BASE_URL.
    """
    user = _reachable(user_id)
    if user is None:
        return False
    context = {
        "user": user,
        "link": sign_in_link(user),
        "login_url": f"{settings.ITAM_BASE_URL}{reverse('login')}",
        "reset_url": f"{settings.ITAM_BASE_URL}{reverse('password_reset')}",
        "lifetime": link_lifetime(),
        "new_account": not user.has_usable_password(),
    }
    subject = render_to_string("registration/welcome_email_subject.txt", context)
    subject = " ".join(subject.split())  # one line: a header must not hold a newline
    body = render_to_string("registration/welcome_email.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True


@shared_task
def send_password_reset(user_id: int, email: str) -> bool:
    """E-mail the "choose a new password" link someone asked for at ``email``; False if nobody.

    Queued by the reset form, so the form answers as fast for unknown addresses as for known
    ones. The token is made here, when the mail is written, and the link is from ITAM_BASE_URL.
    """
    user = _reachable(user_id)
    if user is None:
        return False
    context = {
        "email": email,
        "user": user,
        "link": sign_in_link(user),
        "lifetime": link_lifetime(),
    }
    subject = one_line_subject(render_to_string("registration/password_reset_subject.txt", context))
    body = render_to_string("registration/password_reset_email.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True


@shared_task
def run_reminder_job(name: str, today: str | None = None) -> dict:
    """One daily reminder job (beat runs each at ITAM_REMINDER_TIME); idempotent, see reminders."""
    from dataclasses import asdict

    from .reminders import run_job

    day = datetime.date.fromisoformat(today) if today else None
    return asdict(run_job(name, day))
