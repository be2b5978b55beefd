"""Template helpers for the maintenance and licence pages."""

from __future__ import annotations

import datetime

from django import template

register = template.Library()


@register.filter
def downtime(value: datetime.timedelta | None) -> str:
    """Time out of use as a person says it: '3 days 4 hours', '5 hours', '20 minutes'."""
    if not isinstance(value, datetime.timedelta):
        return ""
    minutes = max(0, round(value.total_seconds() / 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)

    def unit(count: int, name: str) -> str:
        return f"{count} {name}{'s' if count != 1 else ''}"

    if days:
        return unit(days, "day") + (f" {unit(hours, 'hour')}" if hours else "")
    if hours:
        return unit(hours, "hour") + (f" {unit(minutes, 'minute')}" if minutes else "")
    return unit(max(minutes, 1), "minute") if value.total_seconds() > 0 else "none"


@register.filter
def days_phrase(days: int | None) -> str:
    """Days until a date in words: 'today', 'tomorrow', 'in 12 days', '3 days ago'."""
    if days is None:
        return ""
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    return f"in {days} days" if days > 0 else f"{-days} days ago"
