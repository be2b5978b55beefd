"""factory_boy factories for the domain, and helpers to make people in each role."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from assets import lifecycle
from assets.choices import LocationKind
from assets.models import (
    Asset,
    AssetModel,
    Category,
    Department,
    Location,
    Manufacturer,
    Profile,
    Vendor,
)

User = get_user_model()
PASSWORD = "correct-horse-battery-staple"

ROLE_GROUPS = {
    "employee": "Employees",
    "manager": "Managers",
    "it": "IT staff",
    "auditor": "Auditors",
}


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Department {n}")
    slug = factory.Sequence(lambda n: f"department-{n}")


def make_user(role: str | None = None, *, department: Department | None = None, **kwargs):
    """A person in a role ('employee', 'manager', 'it', 'auditor', or 'admin' for superuser)."""
    if role == "admin":
        kwargs.setdefault("is_superuser", True)
        kwargs.setdefault("is_staff", True)
    user = UserFactory(**kwargs)
    if role in ROLE_GROUPS:
        user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
    Profile.objects.update_or_create(user=user, defaults={"department": department})
    if role == "manager" and department is not None:
        department.manager = user
        department.save()
    return user


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    holds_data = False
    audit_interval_days = 365


class ManufacturerFactory(DjangoModelFactory):
    class Meta:
        model = Manufacturer
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Maker {n}")
    slug = factory.Sequence(lambda n: f"maker-{n}")


class AssetModelFactory(DjangoModelFactory):
    class Meta:
        model = AssetModel

    manufacturer = factory.SubFactory(ManufacturerFactory)
    name = factory.Sequence(lambda n: f"Model {n}")
    category = factory.SubFactory(CategoryFactory)


class VendorFactory(DjangoModelFactory):
    class Meta:
        model = Vendor
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Vendor {n}")


class LocationFactory(DjangoModelFactory):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Site {n}")
    kind = LocationKind.SITE
    parent = None


def it_robot():
    """An IT staff member used by factories to perform setup moves."""
    return make_user("it", username="factory-it")


def make_asset(status: str = "in_stock", *, actor=None, holder=None, **fields) -> Asset:
    """Register an asset through the lifecycle engine and move it to ``status`` the real way."""
    actor = actor or it_robot()
    fields.setdefault("name", "Laptop")
    fields.setdefault("category", CategoryFactory())
    fields.setdefault("purchase_cost", Decimal("1000.00"))
    fields.setdefault("purchase_date", datetime.date(2025, 1, 15))
    asset = lifecycle.register(actor=actor, on_order=(status == "on_order"), **fields)
    if status in ("on_order", "in_stock"):
        return asset
    if status in ("deployed", "in_maintenance_deployed"):
        asset = lifecycle.deploy(asset, to=holder or make_user("employee"), actor=actor)
        if status == "deployed":
            return asset
        return lifecycle.start_maintenance(asset, actor=actor, reason="Screen cracked")
    if status == "in_maintenance":
        return lifecycle.start_maintenance(asset, actor=actor, reason="Fan noise")
    if status == "missing":
        return lifecycle.mark_missing(asset, actor=actor, reason="Not found in audit")
    asset = lifecycle.retire(asset, actor=actor, reason="End of life")
    if status == "retired":
        return asset
    if status == "disposed":
        if asset.category.holds_data:
            lifecycle.wipe(
                asset,
                actor=actor,
                method="purge",
                performed_by=actor,
                verified_by=make_user("it", username="factory-verifier"),
            )
        return lifecycle.dispose(asset, actor=actor, method="recycle")
    raise ValueError(f"unknown status {status}")
