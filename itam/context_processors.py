"""Values every page's layout needs."""

from django.conf import settings


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_is_it_staff": user.has_perm("assets.add_asset"),
        "nav_sees_register": user.has_perm("assets.view_asset"),
        "nav_is_auditor": user.groups.filter(name="Auditors").exists(),
        "itam_tag_prefix": settings.ITAM_TAG_PREFIX,
    }
