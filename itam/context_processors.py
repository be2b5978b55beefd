"""Values every page's layout needs: the navigation for this person, and their unread count."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from assets.models import Department

# Sections other apps provide, shown once their URL exists: (label, URL name, permission or "").
# "approver" is shown to department managers and to those who give the second approval.
SECTION_LINKS: tuple[tuple[str, str, str], ...] = (
    ("Requests", "requests_app:list", ""),
    ("Approvals", "requests_app:approvals", "approver"),
    ("Orders", "requests_app:orders", "requests_app.view_purchaseorder"),
    ("Loaners", "loaners:index", ""),
    ("People", "people:index", "assets.view_asset"),
    ("Places", "places:index", "assets.view_asset"),
    ("Reports", "reports:index", "assets.view_asset"),
    ("Maintenance", "maintenance:list", ""),
    ("Licences", "maintenance:licenses", ""),
    ("Audits", "audits:list", "audits.view_auditsession"),
)
APPROVER_PERMISSIONS = ("requests_app.decide_any_request", "requests_app.second_approve_request")


def _inbox_and_roles(user) -> dict:
    """Unread notifications and whether the person manages a department: one small query."""
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            unread=Count("notifications", filter=Q(notifications__read_at__isnull=True)),
            manages=Exists(Department.objects.filter(manager=OuterRef("pk"))),
        )
        .values("unread", "manages")
        .first()
    )
    return row or {"unread": 0, "manages": False}


def _section_links(request: HttpRequest, *, approver: bool) -> list[dict]:
    links = []
    for label, url_name, permission in SECTION_LINKS:
        if permission == "approver":
            if not approver:
                continue
        elif permission and not request.user.has_perm(permission):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        links.append({"label": label, "url": url, "active": False})
    # Only the most specific section is current: /requests/approvals/ is "Approvals".
    matching = [link for link in links if request.path.startswith(link["url"])]
    if matching:
        max(matching, key=lambda link: len(link["url"]))["active"] = True
    return links


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    counts = _inbox_and_roles(user)
    approver = counts["manages"] or any(user.has_perm(p) for p in APPROVER_PERMISSIONS)
    return {
        "nav_is_it_staff": user.has_perm("assets.add_asset"),
        "nav_sees_register": user.has_perm("assets.view_asset"),
        # A callable, so the query runs only on pages that ask.
        "nav_is_auditor": lambda: user.groups.filter(name="Auditors").exists(),
        "nav_sections": _section_links(request, approver=approver),
        "nav_unread": counts["unread"],
        "itam_tag_prefix": settings.ITAM_TAG_PREFIX,
    }
