"""Auditors change assets only through audit outcomes: take back their direct mark missing/found.

Issue 2 gave the Auditors group ``assets.mark_missing_asset`` and ``assets.mark_found_asset``
before audits existed. ``assets.roles.sync_roles`` only ever adds, so the removal is done here,
once. Other groups and hand-made grants to single users are left alone.
"""

from django.db import migrations

CODENAMES = ["mark_missing_asset", "mark_found_asset"]


def take_back(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Auditors").first()
    if group is None:
        return
    perms = Permission.objects.filter(content_type__app_label="assets", codename__in=CODENAMES)
    group.permissions.remove(*perms)


def give_back(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Auditors").first()
    if group is None:
        return
    perms = Permission.objects.filter(content_type__app_label="assets", codename__in=CODENAMES)
    group.permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0001_initial"),
        ("assets", "0002_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(take_back, give_back)]
