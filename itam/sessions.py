"""Deactivating an account ends its sign-ins for good: its browser sessions and its API token.

Django refuses an inactive person's session and token, but only while the account stays inactive:
both survive, so reactivating the account (a returning contractor, a mistaken deactivation) would
let an old cookie, or a token copied into a script months ago, straight back in. Deactivation
deletes them instead, and voids the sign-in links already sent; a reactivated person signs in
again (or is sent a new link) and gets a new token.

Every way of deactivating ends them: ``assets.offboarding`` calls :func:`end_sessions` itself (it
updates the row without a signal), and any save of a user that switches ``is_active`` off (the
admin, the people importer) does it through the handlers below, connected in ``ItamConfig``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.utils import timezone
from rest_framework.authtoken.models import Token

from .models import SignInEnd


def end_sessions(user) -> int:
    """Delete ``user``'s sessions and API token; returns how many sessions were ended."""
    return end_sessions_of([user.pk])


def end_sessions_of(user_ids: Iterable[int]) -> int:
    """Delete these people's sessions and API tokens; returns how many sessions were ended.

    A session row keeps its user only inside its signed data, so the unexpired rows are read and
    decoded one by one (expired rows can never sign anyone in again, so they are skipped): one
    pass over the live sessions, whatever the number of people. Session engines that keep
    nothing in the database (signed cookies, plain cache) have no rows to find here.
    """
    wanted = {str(pk) for pk in user_ids}
    if not wanted:
        return 0
    Token.objects.filter(user_id__in=wanted).delete()
    now = timezone.now()
    SignInEnd.objects.bulk_create(  # voids the sign-in links already sent (itam.accounts)
        [SignInEnd(user_id=int(pk), ended_at=now) for pk in wanted],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["ended_at"],
    )
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store_class, "get_model_class"):
        return 0
    decoder = store_class()
    live = store_class.get_model_class().objects.filter(expire_date__gt=timezone.now())
    keys = [
        key
        for key, data in live.values_list("session_key", "session_data").iterator(chunk_size=2000)
        if str(decoder.decode(data).get(SESSION_KEY)) in wanted
    ]
    for key in keys:
        store_class().delete(key)  # the database row, and the cached copy if the engine has one
    return len(keys)


_noted: ContextVar[set[int] | None] = ContextVar("itam_sessions_noted", default=None)


@contextmanager
def ending_sessions_together() -> Iterator[None]:
    """Within the block, deactivating saves only note whom to sign out; at its end one pass
    over the sessions signs out those still inactive (a row rolled back is left alone).

    For imports, which may switch off hundreds of accounts in one request: one pass over the
    live sessions instead of one per person, and none while the import's rows are locked.
    """
    noted: set[int] = set()
    token = _noted.set(noted)
    try:
        yield
    finally:
        _noted.reset(token)
    if noted:
        User = get_user_model()
        end_sessions_of(
            User.objects.filter(pk__in=noted, is_active=False).values_list("pk", flat=True)
        )


def note_deactivation(sender, instance, raw: bool = False, update_fields=None, **kwargs) -> None:
    """``pre_save`` of the user model: remember whether this save switches an active account off.

    Only a save that writes ``is_active=False`` over an active row counts, so other saves (the
    last-login stamp at each sign-in, a rename, a password an administrator sets) cost nothing.
    """
    instance.__dict__.pop("_itam_ends_sessions", None)
    if raw or instance.is_active or instance.pk is None:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    if sender._default_manager.filter(pk=instance.pk, is_active=True).exists():
        instance._itam_ends_sessions = True


def end_sessions_on_deactivation(sender, instance, **kwargs) -> None:
    """``post_save`` of the user model: end the sign-ins of an account this save switched off."""
    if instance.__dict__.pop("_itam_ends_sessions", False):
        noted = _noted.get()
        if noted is None:
            end_sessions(instance)
        else:
            noted.add(instance.pk)
