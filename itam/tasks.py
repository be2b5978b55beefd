"""Project-wide Celery tasks."""

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail

from .models import Notification

User = get_user_model()


@shared_task
def deliver_notification(user_ids: list[int], kind: str, subject: str, body: str, url: str) -> int:
    """Write inbox rows and send the e-mails; returns how many people were told.

    No automatic retry: a retry after a mail failure would put a second copy in the inboxes.
    """
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
