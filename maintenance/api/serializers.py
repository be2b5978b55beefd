"""What the maintenance and licences API answers (the bodies it reads are in ``inputs``).

A licence key goes out only through ``licenses.key_for``: the real key for people with
``maintenance.view_license_key``, a fixed mask for everyone else. Money is a string with two
decimals, exact to the cent.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assets.api.serializers import AssetDetailSerializer, ErrorSerializer

from .. import licenses
from ..choices import MaintenanceKind
from ..models import (
    LicenseRenewal,
    LicenseSeat,
    MaintenancePlan,
    MaintenanceRecord,
    SoftwareLicense,
)

_KINDS = "One of " + ", ".join(MaintenanceKind.values)


def _api_url(serializer: serializers.Serializer, name: str, pk: int) -> str:
    path = reverse(name, args=[pk])
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request else path


def _name(user) -> str | None:
    return (user.get_full_name() or user.get_username()) if user is not None else None


def money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, **kwargs)


# --- licences ----------------------------------------------------------------------------------


class LicenseSerializer(serializers.ModelSerializer):
    """A licence with its seat usage; read from ``licenses.with_usage`` (one query a page)."""

    url = serializers.SerializerMethodField(help_text="This licence in the API.")
    vendor = serializers.PrimaryKeyRelatedField(read_only=True, help_text="The vendor's id.")
    vendor_name = serializers.StringRelatedField(source="vendor", read_only=True)
    key = serializers.SerializerMethodField(
        help_text=f"The licence key for IT staff; “{licenses.MASK}” for everyone else (empty "
        "when the licence has no key)."
    )
    cost = money(allow_null=True, help_text="What the current term cost.")
    seats_used = serializers.IntegerField(read_only=True, help_text="Seats held now.")
    seats_free = serializers.SerializerMethodField(help_text="Seats that can still be assigned.")
    seats_orphaned = serializers.IntegerField(
        read_only=True,
        help_text="Seats still held by people who have left or by retired or disposed assets.",
    )
    utilisation = serializers.SerializerMethodField(help_text="Seats used as a % of seats.")
    days_left = serializers.SerializerMethodField(
        help_text="Days until it expires (negative once expired); null for a perpetual licence."
    )
    is_expired = serializers.BooleanField(read_only=True)
    owner = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="Who looks after the renewal."
    )
    owner_name = serializers.SerializerMethodField()

    class Meta:
        model = SoftwareLicense
        fields = [
            "id",
            "url",
            "product",
            "version",
            "vendor",
            "vendor_name",
            "key",
            "seats",
            "seats_used",
            "seats_free",
            "seats_orphaned",
            "utilisation",
            "cost",
            "purchased_on",
            "expires_on",
            "days_left",
            "is_expired",
            "renewal_terms",
            "owner",
            "owner_name",
            "notes",
            "created_at",
        ]
        read_only_fields = fields

    def get_url(self, license: SoftwareLicense) -> str:
        return _api_url(self, "api-license-detail", license.pk)

    def get_key(self, license: SoftwareLicense) -> str:
        request = self.context.get("request")
        return licenses.key_for(request.user if request else None, license)

    def get_seats_free(self, license: SoftwareLicense) -> int:
        return max(license.seats - license.seats_used, 0)

    @extend_schema_field(serializers.DecimalField(max_digits=6, decimal_places=1))
    def get_utilisation(self, license: SoftwareLicense) -> str:
        return str(licenses.utilisation(license, license.seats_used))

    def get_days_left(self, license: SoftwareLicense) -> int | None:
        return license.days_left()

    def get_owner_name(self, license: SoftwareLicense) -> str | None:
        return _name(license.owner)


class SeatSerializer(serializers.ModelSerializer):
    """One seat: held by a person (``user``) or installed on an asset (``asset``)."""

    license = serializers.IntegerField(source="license_id", read_only=True)
    license_name = serializers.SerializerMethodField()
    user = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="The person (username), or null."
    )
    user_name = serializers.SerializerMethodField()
    asset = serializers.SlugRelatedField(
        slug_field="tag", read_only=True, help_text="The asset (tag), or null."
    )
    asset_name = serializers.SerializerMethodField()
    holder = serializers.CharField(source="holder_label", read_only=True)
    holder_left = serializers.SerializerMethodField(
        help_text="Still held by a person who has left or by a retired or disposed asset."
    )
    is_open = serializers.BooleanField(read_only=True, help_text="False once released.")
    assigned_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    released_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = LicenseSeat
        fields = [
            "id",
            "license",
            "license_name",
            "user",
            "user_name",
            "asset",
            "asset_name",
            "holder",
            "holder_left",
            "note",
            "is_open",
            "assigned_at",
            "assigned_by",
            "released_at",
            "released_by",
            "release_reason",
        ]
        read_only_fields = fields

    def get_license_name(self, seat: LicenseSeat) -> str:
        return str(seat.license)

    def get_user_name(self, seat: LicenseSeat) -> str | None:
        return _name(seat.user) if seat.user_id else None

    def get_asset_name(self, seat: LicenseSeat) -> str | None:
        return seat.asset.name if seat.asset_id else None

    def get_holder_left(self, seat: LicenseSeat) -> bool:
        if not seat.is_open:
            return False
        if seat.user_id:
            return not seat.user.is_active
        return seat.asset.status in licenses.GONE_STATUSES


class RenewalSerializer(serializers.ModelSerializer):
    """One renewal: the term it replaced and the one it bought."""

    cost = money(allow_null=True)
    renewed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = LicenseRenewal
        fields = [
            "id",
            "renewed_on",
            "previous_expires_on",
            "expires_on",
            "previous_seats",
            "seats",
            "cost",
            "note",
            "renewed_by",
            "created_at",
        ]
        read_only_fields = fields


class LicenseRenewedSerializer(LicenseSerializer):
    """The answer to a renewal: the licence as it is now, and the renewal just recorded."""

    renewal = RenewalSerializer(read_only=True)

    class Meta(LicenseSerializer.Meta):
        fields = [*LicenseSerializer.Meta.fields, "renewal"]
        read_only_fields = fields


class SeatRefusedSerializer(ErrorSerializer):
    """409: no free seat, a duplicate seat, an expired licence or a seat released already."""

    license = serializers.IntegerField(required=False)
    seats = serializers.IntegerField(required=False, help_text="When full: the seats it has.")
    seats_used = serializers.IntegerField(required=False, help_text="When full: seats in use.")


# --- maintenance records -----------------------------------------------------------------------


class MaintenanceBriefSerializer(serializers.ModelSerializer):
    """A maintenance record in another answer (a maintenance move): enough to look it up."""

    url = serializers.SerializerMethodField(help_text="The record in the API.")
    reference = serializers.CharField(read_only=True, help_text="MR-<id>, as in the history.")
    kind = serializers.CharField(read_only=True, help_text=_KINDS)
    is_open = serializers.BooleanField(read_only=True)
    cost = money(allow_null=True)

    class Meta:
        model = MaintenanceRecord
        fields = [
            "id",
            "reference",
            "url",
            "kind",
            "title",
            "is_open",
            "opened_at",
            "closed_at",
            "cost",
            "warranty_covered",
        ]
        read_only_fields = fields

    def get_url(self, record: MaintenanceRecord) -> str:
        return _api_url(self, "api-maintenance-detail", record.pk)


class MaintenanceRecordSerializer(MaintenanceBriefSerializer):
    """One piece of work on one asset, open (the asset is in maintenance) or done."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    asset = serializers.SlugRelatedField(slug_field="tag", read_only=True)
    asset_name = serializers.CharField(source="asset.name", read_only=True)
    plan = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="The preventive plan it fulfils (id), or null."
    )
    plan_title = serializers.SerializerMethodField()
    took_out_of_service = serializers.BooleanField(
        read_only=True,
        help_text="Opened by start-maintenance (the asset was out of use); false for work "
        "logged in place.",
    )
    downtime_seconds = serializers.SerializerMethodField(
        help_text="How long the asset was out of use, in seconds; null when not known."
    )
    opened_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    closed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta(MaintenanceBriefSerializer.Meta):
        fields = [
            *MaintenanceBriefSerializer.Meta.fields,
            "kind_label",
            "asset",
            "asset_name",
            "description",
            "supplier",
            "plan",
            "plan_title",
            "took_out_of_service",
            "downtime",
            "downtime_seconds",
            "resolution",
            "opened_by",
            "closed_by",
        ]
        read_only_fields = fields

    def get_plan_title(self, record: MaintenanceRecord) -> str | None:
        return record.plan.title if record.plan_id else None

    def get_downtime_seconds(self, record: MaintenanceRecord) -> int | None:
        return int(record.downtime.total_seconds()) if record.downtime is not None else None


class AssetMaintainedSerializer(AssetDetailSerializer):
    """The answer to a maintenance move: the asset, and the maintenance record it opened or
    closed (null when completing an asset that had no open record)."""

    maintenance = MaintenanceBriefSerializer(read_only=True, allow_null=True)

    class Meta(AssetDetailSerializer.Meta):
        fields = [*AssetDetailSerializer.Meta.fields, "maintenance"]


# --- preventive plans --------------------------------------------------------------------------


class PlanSerializer(serializers.ModelSerializer):
    """Preventive maintenance every N months, for a category (slug) or one asset (tag)."""

    url = serializers.SerializerMethodField(help_text="This plan in the API.")
    kind = serializers.CharField(read_only=True, help_text=_KINDS)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    category_name = serializers.SerializerMethodField()
    asset = serializers.SlugRelatedField(slug_field="tag", read_only=True)
    asset_name = serializers.SerializerMethodField()
    scope = serializers.CharField(source="scope_label", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = MaintenancePlan
        fields = [
            "id",
            "url",
            "title",
            "kind",
            "kind_label",
            "description",
            "category",
            "category_name",
            "asset",
            "asset_name",
            "scope",
            "interval_months",
            "first_due_on",
            "active",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_url(self, plan: MaintenancePlan) -> str:
        return _api_url(self, "api-maintenance-plan-detail", plan.pk)

    def get_category_name(self, plan: MaintenancePlan) -> str | None:
        return plan.category.name if plan.category_id else None

    def get_asset_name(self, plan: MaintenancePlan) -> str | None:
        return plan.asset.name if plan.asset_id else None


class DueItemSerializer(serializers.Serializer):
    """One asset whose next round under a plan is due (``services.DueItem``)."""

    plan = serializers.IntegerField(source="plan.pk", help_text="The plan's id.")
    plan_title = serializers.CharField(source="plan.title")
    kind = serializers.CharField(source="plan.kind", help_text=_KINDS)
    asset = serializers.CharField(source="tag", help_text="The asset's tag.")
    asset_name = serializers.CharField(source="name")
    last_done = serializers.DateField(
        allow_null=True, help_text="When the last round was done; null if never."
    )
    due_on = serializers.DateField()
    overdue_days = serializers.IntegerField(help_text="Days past due (negative: not yet due).")
