"""Small template helpers for asset pages: status badges and readable holders."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from ..choices import AssetStatus

register = template.Library()


@register.filter
def status_label(value: str) -> str:
    """'in_stock' -> 'In stock'; unknown values are shown as they are."""
    return AssetStatus(value).label if value in AssetStatus.values else (value or "")


@register.simple_tag
def status_badge(value: str) -> SafeString:
    """A coloured badge; the colour is decoration, the label carries the meaning."""
    if not value:
        return format_html("")
    return format_html(
        '<span class="badge badge-{}">{}</span>', AssetStatus.colour(value), status_label(value)
    )


@register.filter
def person(user) -> str:
    """A person's full name, or their username when no name is recorded."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


@register.filter
def action_label(action: str) -> str:
    """A history row's move in words: 'check_in' -> 'Check in', 'register' -> 'Registered'."""
    from ..lifecycle import MOVES

    if action in MOVES:
        return MOVES[action].label
    return {"register": "Registered", "edit": "Details edited", "create": "Created"}.get(
        action, (action or "Change").replace("_", " ").capitalize()
    )


@register.filter
def field_changes(changes: list) -> list:
    """The changes other than status, which the timeline already shows as badges."""
    return [change for change in changes if change.field != "status"]
