"""Badges and money for the request and purchase-order pages."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from ..choices import OrderStatus, RequestStatus

register = template.Library()


@register.simple_tag
def request_badge(value: str) -> SafeString:
    """A request's status as a coloured badge; the label carries the meaning."""
    if value not in RequestStatus.values:
        return format_html("")
    return format_html(
        '<span class="badge badge-{}">{}</span>',
        RequestStatus.colour(value),
        RequestStatus(value).label,
    )


@register.simple_tag
def order_badge(value: str) -> SafeString:
    """A purchase order's status as a coloured badge."""
    if value not in OrderStatus.values:
        return format_html("")
    return format_html(
        '<span class="badge badge-{}">{}</span>',
        OrderStatus.colour(value),
        OrderStatus(value).label,
    )


@register.filter
def money(value: Decimal | int | None, currency: str = "") -> str:
    """1234.5 -> '1,234.50' (exact: Decimal formatting, never float); '—' when unknown."""
    if value is None or value == "":
        return "—"
    text = f"{Decimal(value):,.2f}"
    return f"{text} {currency}" if currency else text


@register.filter
def internal_url(value: str) -> str:
    """A notification's link, only when it is a path inside this site (never javascript: or
    another host); otherwise empty, so the template shows no link."""
    value = (value or "").strip()
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return ""
