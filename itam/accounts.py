"""Getting people into their accounts: sign-in links and password reset, on our own layout.

Every link in these e-mails is absolute from ``settings.ITAM_BASE_URL``, never from the request's
Host header, so a forged Host cannot point a reset link at someone else's server.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterator

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_encode
from django.views.decorators.http import require_POST

User = get_user_model()

SEND_PERMISSION = "requests_app.fulfil_request"


def link_lifetime() -> str:
    """``PASSWORD_RESET_TIMEOUT`` in words ("3 days"), so the e-mail says when the link dies."""
    seconds = int(settings.PASSWORD_RESET_TIMEOUT)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"


class SignInLinkTokens(PasswordResetTokenGenerator):
    """Django's one-time link tokens, also void once the account's sign-ins have been ended.

    Django's token changes when the password or the last sign-in does, not when an account is
    switched off; a welcome or reset link sent before someone left would otherwise work again if
    the account is switched back on within the link's lifetime.
    """

    def _make_hash_value(self, user, timestamp: int) -> str:
        from .models import SignInEnd

        ended = SignInEnd.objects.filter(user_id=user.pk).values_list("ended_at", flat=True)
        stamp = ended.first()
        return super()._make_hash_value(user, timestamp) + (stamp.isoformat() if stamp else "")


sign_in_tokens = SignInLinkTokens()


def sign_in_link(user) -> str:
    """The one-time "choose your password" link for ``user``, absolute from ITAM_BASE_URL."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = sign_in_tokens.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return f"{settings.ITAM_BASE_URL}{path}"


def can_send_sign_in_link(actor) -> bool:
    """IT staff (who create new hires' accounts) and superusers may send sign-in links."""
    return bool(actor.is_active and (actor.is_superuser or actor.has_perm(SEND_PERMISSION)))


def send_sign_in_link(user, *, actor) -> None:
    """Queue a fresh sign-in link for ``user`` after commit (IT staff re-send an expired welcome).

    Earlier links stay valid until they expire or a password is chosen: tokens are not stored.
    """
    if not can_send_sign_in_link(actor):
        raise PermissionDenied("Only IT staff send sign-in links.")
    if not user.is_active:
        raise ValidationError(f"{user.get_username()}'s account is inactive: no link sent.")
    if not user.email:
        raise ValidationError(f"{user.get_username()} has no e-mail address: add one first.")
    queue_sign_in_link(user)


def queue_sign_in_link(user) -> None:
    """Send the sign-in e-mail once the current transaction commits (never if it rolls back)."""
    from .tasks import send_sign_in_link as task

    user_id = user.pk
    transaction.on_commit(lambda: task.delay(user_id))


@require_POST
def send_sign_in_link_view(request: HttpRequest, username: str) -> HttpResponse:
    """POST from a request or people page: e-mail ``username`` a new sign-in link."""
    if not can_send_sign_in_link(request.user):
        raise PermissionDenied("Only IT staff send sign-in links.")
    user = get_object_or_404(User, username=username)
    try:
        send_sign_in_link(user, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Sent a sign-in link to {user.get_username()} at {user.email}.")
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(next_url)
    return redirect("dashboard")


def _same_address(a: str, b: str) -> bool:
    """Case-insensitive and Unicode-normalised, so a look-alike address does not match."""

    def fold(text: str) -> str:
        return unicodedata.normalize("NFKC", text).casefold()

    return fold(a) == fold(b)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Also reaches active people without a usable password, e.g. a new hire whose link expired."""

    def get_users(self, email: str) -> Iterator:
        email_field = User.get_email_field_name()
        people = User._default_manager.filter(
            **{f"{email_field}__iexact": email, "is_active": True}
        )
        return (person for person in people if _same_address(email, getattr(person, email_field)))


RESET_WINDOW_SECONDS = 3600


def _within_hourly_limit(key: str, limit: int) -> bool:
    """Count one more use of ``key`` in the current hour; False once ``limit`` is passed.

    A fixed window in the shared cache (Redis in production), so every gunicorn worker counts
    together; ``add`` then ``incr`` is atomic there.
    """
    if limit <= 0:
        return True
    cache.add(key, 0, RESET_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RESET_WINDOW_SECONDS)
        count = 1
    return count <= limit


def _address_key(email: str) -> str:
    """The throttle's key for an address, folded like the look-up and hashed (no PII in Redis)."""
    folded = unicodedata.normalize("NFKC", email).casefold().strip()
    return "reset-address:" + hashlib.sha256(folded.encode()).hexdigest()


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset view: links from ITAM_BASE_URL, mail queued, requests throttled.

    The e-mail goes through Celery, so the answer takes as long for an unknown address as for a
    known one (sending in the request would tell them apart by time) and a slow or broken mail
    server never shows here. At most ``ITAM_RESET_PER_ADDRESS`` mails an hour go to one address,
    so the form cannot flood someone's inbox; past that the page looks the same and nothing is
    sent. At most ``ITAM_RESET_PER_CLIENT`` requests an hour come from one client address; past
    that the form says to wait, since probing many addresses is the only reason to get there.
    """

    form_class = PasswordResetForm
    token_generator = sign_in_tokens

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        from axes.helpers import get_client_ip_address

        from .tasks import send_password_reset

        client = get_client_ip_address(self.request) or "unknown"
        if not _within_hourly_limit(f"reset-client:{client}", settings.ITAM_RESET_PER_CLIENT):
            form.add_error(
                None,
                "Too many reset requests have come from your network this hour. Wait an hour "
                "and try again, or ask IT staff to send you a sign-in link.",
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        email = form.cleaned_data["email"]
        if _within_hourly_limit(_address_key(email), settings.ITAM_RESET_PER_ADDRESS):
            for user in form.get_users(email):
                send_password_reset.delay(user.pk, email)
        return HttpResponseRedirect(self.get_success_url())


class SetPasswordForm(auth_forms.SetPasswordForm):
    """The validators' messages go on the first field, next to the rules they explain."""

    def __init__(self, user, *args, **kwargs) -> None:
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].label = "Password"
        self.fields["new_password2"].label = "The same password again"
        self.fields["new_password2"].help_text = "So a typing slip does not lock you out."

    def clean(self) -> dict:
        self.validate_passwords("new_password1", "new_password2")
        if not self.has_error("new_password2"):
            self.validate_password_for_user(self.user, "new_password1")
        return self.cleaned_data


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's set-password step (one-time link), with our form."""

    form_class = SetPasswordForm
    token_generator = sign_in_tokens
