"""The four roles of the design, as Django groups with their permissions.

Administrators are Django superusers. Later apps add their own permissions to these groups in
their own migrations.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MOVES = [
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
CATALOGUE = ["category", "manufacturer", "assetmodel", "vendor", "location", "department", "profile"]
RECORDS = ["wiperecord", "disposalrecord"]

ROLES = {
    "Employees": [],
    "Managers": [],
    "IT staff": (
        ["add_asset", "change_asset", "view_asset", *MOVES]
        + [f"{verb}_{model}" for model in CATALOGUE for verb in ("add", "change", "view")]
        + [f"{verb}_{model}" for model in RECORDS for verb in ("add", "view")]
    ),
    "Auditors": (
        ["view_asset", "mark_missing_asset", "mark_found_asset"]
        + [f"view_{model}" for model in CATALOGUE + RECORDS]
    ),
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; make them exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = Permission.objects.filter(content_type__app_label="assets", codename__in=codenames)
        missing = set(codenames) - set(perms.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Permissions not found for role {name}: {sorted(missing)}")
        group.permissions.add(*perms)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("assets", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
