"""Confirm receipt: the holder says they have the asset; the lifecycle engine records it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from itam.errors import Conflict

from .. import lifecycle
from .detail import get_visible_asset


@require_POST
def confirm_receipt(request: HttpRequest, tag: str) -> HttpResponse:
    """POST only. Someone other than the holder gets a 403 (``MoveNotPermitted``); a second
    confirmation is a message, not an error page. Goes back to ``next`` (the dashboard) if safe."""
    asset = get_visible_asset(request, tag)
    try:
        asset = lifecycle.confirm_receipt(asset, actor=request.user)
    except Conflict as exc:
        messages.info(request, exc.message)
    else:
        messages.success(request, f"Thank you: receipt of {asset.tag} {asset.name} is confirmed.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = asset.get_absolute_url()
    return HttpResponseRedirect(target)
