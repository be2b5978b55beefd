"""The live definition of the four roles (Django groups) and their permissions.

Migration ``assets/0002_roles`` created them; this keeps them complete after every ``migrate``
and ``flush`` (both emit ``post_migrate``), so a permission added by a later app reaches its
role without a hand-written fix-up. It only adds; it never strips a permission an administrator
granted by hand.
"""

from django.contrib.auth.models import Group, Permission

MOVE_PERMISSIONS = [
    "receive_asset",
    "deploy_asset",
    "transfer_asset",
    "check_in_asset",
    "maintain_asset",
    "mark_missing_asset",
    "mark_found_asset",
    "retire_asset",
    "wipe_asset",
    "dispose_asset",
    "reinstate_asset",
]
_CATALOGUE = [
    "category",
    "manufacturer",
    "assetmodel",
    "vendor",
    "location",
    "department",
    "profile",
]
_RECORDS = ["wiperecord", "disposalrecord"]

EMPLOYEES, MANAGERS, IT_STAFF, AUDITORS = "Employees", "Managers", "IT staff", "Auditors"

# Auditors run audits end to end; IT staff can too (small teams audit their own stock rooms).
_AUDIT_WORK = [
    "view_auditsession",
    "add_auditsession",
    "scan_auditsession",
    "close_auditsession",
    "apply_auditsession",
    "print_tags",
    "view_auditscan",
    "view_auditline",
]

# role -> {app_label: [codenames]}
ROLES: dict[str, dict[str, list[str]]] = {
    EMPLOYEES: {},
    MANAGERS: {},
    IT_STAFF: {
        "assets": ["add_asset", "change_asset", "view_asset", *MOVE_PERMISSIONS]
        + [f"{verb}_{model}" for model in _CATALOGUE for verb in ("add", "change", "view")]
        + [f"{verb}_{model}" for model in _RECORDS for verb in ("add", "view")],
        "maintenance": [
            f"{verb}_{model}"
            for model in ("maintenancerecord", "maintenanceplan", "softwarelicense", "licenseseat")
            for verb in ("add", "change", "view")
        ]
        + ["view_license_key", "renew_softwarelicense"],
        "requests_app": [
            "view_assetrequest",
            "second_approve_request",
            "fulfil_request",
            "add_purchaseorder",
            "change_purchaseorder",
            "view_purchaseorder",
            "send_purchaseorder",
            "receive_purchaseorder",
            "view_budget",
        ],
        "audits": _AUDIT_WORK,
    },
    AUDITORS: {
        # No move of their own: assets change only through audit outcomes (audits.apply_*).
        "assets": ["view_asset"] + [f"view_{model}" for model in _CATALOGUE + _RECORDS],
        "requests_app": ["view_assetrequest", "view_purchaseorder", "view_budget"],
        # Everything readable; never the licence keys.
        "maintenance": [
            "view_maintenancerecord",
            "view_maintenanceplan",
            "view_softwarelicense",
            "view_licenseseat",
        ],
        # Assets change only through audit outcomes (lifecycle moves that name the audit).
        "audits": _AUDIT_WORK,
    },
}


def sync_roles(**kwargs) -> None:
    """Create missing groups and give each its permissions (a ``post_migrate`` receiver)."""
    for name, by_app in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codenames in by_app.items():
            perms = Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
            group.permissions.add(*perms)
