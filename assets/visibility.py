"""Who may see which assets: the one place that scopes querysets per person.

IT staff and auditors (``assets.view_asset``) see the whole register. A manager sees what they
hold and what their departments own or hold. Everyone else sees only what they hold.
"""

from django.db.models import Q, QuerySet

from .models import Asset


def sees_all_assets(user) -> bool:
    return user.is_authenticated and user.has_perm("assets.view_asset")


def visible_assets(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Asset.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    if sees_all_assets(user):
        return queryset
    scope = Q(assigned_user=user)
    if user.managed_departments.exists():
        scope |= (
            Q(department__manager=user)
            | Q(assigned_department__manager=user)
            | Q(assigned_user__profile__department__manager=user)
        )
    return queryset.filter(scope)


def can_see_asset(user, asset: Asset) -> bool:
    return visible_assets(user, Asset.objects.filter(pk=asset.pk)).exists()
