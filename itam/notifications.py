"""Tell people things: an in-app inbox row and an e-mail, sent by a Celery task after commit."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Q, QuerySet

User = get_user_model()


def notify(recipients: Iterable, *, kind: str, subject: str, body: str = "", url: str = "") -> None:
    """Queue one message per person once the current transaction commits (never if it rolls back).

    ``url`` is a path inside the app; e-mails make it absolute from ``ITAM_BASE_URL``, never from
    a request's Host header.
    """
    user_ids = sorted({user.pk for user in recipients if user is not None and user.is_active})
    if not user_ids:
        return
    from .tasks import deliver_notification

    transaction.on_commit(lambda: deliver_notification.delay(user_ids, kind, subject, body, url))


def notify_user_ids(
    user_ids: Iterable[int], *, kind: str, subject: str, body: str = "", url: str = ""
) -> None:
    """``notify`` for callers that hold ids, not users (the reminder jobs); inactive people are
    skipped when the message is delivered."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    from .tasks import deliver_notification

    transaction.on_commit(lambda: deliver_notification.delay(ids, kind, subject, body, url))


def users_with_permission(codename: str) -> QuerySet:
    """Active people granted ``app_label.codename`` through a role or directly (not superusers)."""
    app_label, name = codename.split(".", 1)
    perm = Permission.objects.filter(content_type__app_label=app_label, codename=name).first()
    if perm is None:
        return User.objects.none()
    return User.objects.filter(
        Q(groups__permissions=perm) | Q(user_permissions=perm), is_active=True
    ).distinct()
