"""Values every page's layout needs: the navigation for this person."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

# Sections other apps provide, shown once their URL exists: (label, URL name, permission or "").
SECTION_LINKS: tuple[tuple[str, str, str], ...] = (
    ("Requests", "requests_app:list", ""),
    ("Maintenance", "maintenance:list", ""),
    ("Licences", "maintenance:licenses", ""),
    ("Audits", "audits:list", ""),
)


def _section_links(request: HttpRequest) -> list[dict]:
    links = []
    for label, url_name, permission in SECTION_LINKS:
        if permission and not request.user.has_perm(permission):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        links.append({"label": label, "url": url, "active": request.path.startswith(url)})
    return links


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_is_it_staff": user.has_perm("assets.add_asset"),
        "nav_sees_register": user.has_perm("assets.view_asset"),
        # A callable, so the query runs only on pages that ask.
        "nav_is_auditor": lambda: user.groups.filter(name="Auditors").exists(),
        "nav_sections": _section_links(request),
        "itam_tag_prefix": settings.ITAM_TAG_PREFIX,
    }
