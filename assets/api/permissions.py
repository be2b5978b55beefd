"""Who may do what through the assets API.

Reading is scoped by ``assets.visibility`` (an asset you cannot see is a 404). Writing needs the
same permission the lifecycle checks; it is checked here first, once the asset is found, so a
role without the right gets a 403 before its body is validated.
"""

from rest_framework.permissions import BasePermission

from assets import lifecycle
from assets.lifecycle import MoveNotPermitted

_WRITE_PERMISSIONS = {
    "create": ("assets.add_asset", "register assets"),
    "update": ("assets.change_asset", "edit assets"),
    "partial_update": ("assets.change_asset", "edit assets"),
}


def required_permission(action: str | None) -> tuple[str, str] | None:
    """The permission an API action needs and what it lets you do, or None for reads."""
    if action in _WRITE_PERMISSIONS:
        return _WRITE_PERMISSIONS[action]
    move = lifecycle.MOVES.get(action or "")
    if move is not None:
        return move.permission, f"{move.label.lower()} assets"
    return None


def _check(user, action: str | None) -> None:
    needed = required_permission(action)
    if needed and not user.has_perm(needed[0]):
        raise MoveNotPermitted(f"Your role does not allow you to {needed[1]}.")


class AssetPermission(BasePermission):
    """Signed in to read; the action's permission to write (403 JSON naming what is missing)."""

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if view.action == "create":
            _check(request.user, view.action)
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        _check(request.user, view.action)
        return True
