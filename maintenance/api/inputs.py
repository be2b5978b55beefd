"""The bodies the maintenance and licences API reads: one input serializer per endpoint.

They only turn JSON into objects (usernames, tags, slugs, ids; an unknown one is a 400 naming
it) and call ``maintenance.services`` or ``maintenance.licenses``, which hold every rule: who
may act, seats never over-allocated, what a record or a plan must say. Unknown keys are refused
(``StrictInput``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from rest_framework import serializers

from assets.api.serializers import StrictInput, pk_field, user_field
from assets.models import Asset, Category, Vendor

from .. import licenses, services
from ..choices import MaintenanceKind
from ..models import (
    LicenseRenewal,
    LicenseSeat,
    MaintenancePlan,
    MaintenanceRecord,
    SoftwareLicense,
)
from .serializers import MaintenanceRecordSerializer

KINDS = "One of " + ", ".join(MaintenanceKind.values)
DATE_FORMAT = "Give the date as YYYY-MM-DD, e.g. 2026-09-01."


def money_input(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        error_messages={
            "min_value": "An amount cannot be negative.",
            "invalid": "Enter an amount, e.g. 120.00.",
            "max_decimal_places": "Give at most two decimals (whole cents).",
            "max_digits": "That amount is too large.",
            "max_whole_digits": "That amount is too large.",
        },
        **kwargs,
    )


def date_input(**kwargs: Any) -> serializers.DateField:
    return serializers.DateField(error_messages={"invalid": DATE_FORMAT}, **kwargs)


def text_input(max_length: int | None = None, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, max_length=max_length, **kwargs)


def asset_field(**kwargs: Any) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="tag",
        queryset=Asset.objects.all(),
        error_messages={"does_not_exist": "No asset with tag “{value}”."},
        **kwargs,
    )


def plan_field(**kwargs: Any) -> serializers.PrimaryKeyRelatedField:
    return pk_field(
        MaintenancePlan.objects.all(), "maintenance plan", "/api/v1/maintenance-plans/", **kwargs
    )


def reason_input(help_text: str = "Why: kept in the history.") -> serializers.CharField:
    return text_input(max_length=500, help_text=help_text)


def warranty_input(help_text: str) -> serializers.BooleanField:
    # default=None: left out means "not said" (the service decides), in JSON and in forms alike.
    return serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text=help_text
    )


def kind_input(help_text: str) -> serializers.CharField:
    # A plain string (the services name the kinds in their refusal); the enum of the kinds is
    # documented once, on the records' answers.
    return serializers.CharField(required=False, max_length=20, help_text=f"{help_text} {KINDS}.")


def _given(data: dict) -> dict:
    """The validated fields a client sent (a partial body leaves the rest alone)."""
    return {key: value for key, value in data.items() if key != "reason"}


# --- licences ----------------------------------------------------------------------------------

_LICENSE_OUTPUT = frozenset(
    {
        "id",
        "url",
        "vendor_name",
        "seats_used",
        "seats_free",
        "seats_orphaned",
        "utilisation",
        "days_left",
        "is_expired",
        "owner_name",
        "created_at",
        "renewal",
    }
)


class LicenseInput(StrictInput, serializers.Serializer):
    """``POST /api/v1/licenses/`` (all of it) and ``PATCH /api/v1/licenses/<id>/`` (a part)."""

    # A licence's GET answer may be sent back: its read-only keys are ignored.
    tolerated = _LICENSE_OUTPUT

    product = serializers.CharField(
        max_length=200,
        help_text="e.g. “Adobe Acrobat Pro”.",
        error_messages={
            "required": "Name the product, e.g. “Adobe Acrobat Pro”.",
            "blank": "Name the product, e.g. “Adobe Acrobat Pro”.",
        },
    )
    version = text_input(max_length=100)
    vendor = pk_field(
        Vendor.objects.all(), "vendor", required=False, allow_null=True, help_text="Vendor id."
    )
    key = text_input(help_text="Licence key or activation code; only IT staff can read it back.")
    seats = serializers.IntegerField(
        min_value=1,
        max_value=10_000_000,
        help_text="How many people or assets may hold it at once.",
        error_messages={
            "required": "How many seats: a whole number, at least 1.",
            "invalid": "How many seats: a whole number, at least 1.",
            "min_value": "How many seats: a whole number, at least 1.",
        },
    )
    cost = money_input(required=False, allow_null=True, help_text="What the current term cost.")
    purchased_on = date_input(required=False, allow_null=True)
    expires_on = date_input(
        required=False, allow_null=True, help_text="Leave empty for a perpetual licence."
    )
    renewal_terms = text_input(help_text="Term, notice period, auto-renewal, contact.")
    owner = user_field(
        required=False, allow_null=True, help_text="Who looks after the renewal (username)."
    )
    notes = text_input()
    reason = reason_input()

    def to_representation(self, instance):
        # The browsable API pre-fills its edit form with this: never a key the reader may not see.
        data = super().to_representation(instance)
        request = self.context.get("request")
        data["key"] = licenses.key_for(request.user if request else None, instance)
        return data

    def create(self, validated_data: dict) -> SoftwareLicense:
        data = dict(validated_data)
        reason = data.pop("reason", "")
        return licenses.create_license(actor=self.context["request"].user, reason=reason, **data)

    def update(self, instance: SoftwareLicense, validated_data: dict) -> SoftwareLicense:
        return licenses.update_license(
            instance,
            actor=self.context["request"].user,
            reason=validated_data.get("reason", ""),
            **_given(validated_data),
        )


class SeatInput(StrictInput, serializers.Serializer):
    """``POST /api/v1/licenses/<id>/seats/``: a seat for one person or one asset."""

    user = user_field(required=False, help_text="Give the seat to this person (username).")
    asset = asset_field(required=False, help_text="Or install it on this asset (tag).")
    note = text_input(max_length=200, help_text="e.g. the ticket or the request it is for.")

    def validate(self, attrs: dict) -> dict:
        given = [key for key in ("user", "asset") if attrs.get(key) is not None]
        if len(given) != 1:
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        "Give the seat to one holder: user (username) or asset (tag)."
                        + (" You gave both." if len(given) == 2 else "")
                    ]
                }
            )
        return attrs

    def perform(self, license: SoftwareLicense, actor) -> LicenseSeat:
        return licenses.assign_seat(license, actor=actor, **self.validated_data)


class ReleaseInput(StrictInput, serializers.Serializer):
    """``POST /api/v1/licenses/<id>/seats/<seat_id>/release/``."""

    reason = reason_input("Why it is given back, e.g. “Left the company”; kept on the seat.")

    def perform(self, seat: LicenseSeat, actor) -> LicenseSeat:
        return licenses.release_seat(seat, actor=actor, **self.validated_data)


class RenewInput(StrictInput, serializers.Serializer):
    """``POST /api/v1/licenses/<id>/renew/``: a new term."""

    expires_on = date_input(help_text="The renewed term's end: after the current expiry.")
    cost = money_input(required=False, allow_null=True, help_text="What the new term cost.")
    seats = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=10_000_000,
        help_text="The seats of the new term; leave out to keep them.",
        error_messages={
            "min_value": "How many seats: a whole number, at least 1.",
            "max_value": "At most 10,000,000 seats.",
        },
    )
    renewed_on = date_input(required=False, allow_null=True, help_text="Defaults to today.")
    note = text_input(help_text="e.g. the order number or the terms agreed.")

    def get_fields(self):
        fields = super().get_fields()
        message = "Give the new expiry date of the renewed term."
        fields["expires_on"].error_messages.update(required=message, null=message)
        return fields

    def perform(self, license: SoftwareLicense, actor) -> LicenseRenewal:
        return licenses.renew_license(license, actor=actor, **self.validated_data)


# --- maintenance records -----------------------------------------------------------------------


class RecordInput(StrictInput, serializers.Serializer):
    """``POST /api/v1/maintenance/``: work done in place, logged already closed."""

    asset = asset_field(help_text="The asset worked on (tag).")
    kind = kind_input("What kind of work; defaults to servicing.")
    title = text_input(max_length=200, help_text="e.g. “Annual service”, “BIOS update”.")
    description = text_input()
    supplier = text_input(max_length=200, help_text="Who did it: a repairer, the vendor, in-house.")
    cost = money_input(required=False, allow_null=True, help_text="What it cost us; default 0.")
    warranty_covered = warranty_input("Left out: true when the asset is under warranty.")
    performed_on = date_input(required=False, allow_null=True, help_text="Defaults to today.")
    downtime = serializers.DurationField(
        required=False,
        allow_null=True,
        help_text="How long it was out of use, e.g. “01:30:00” or ISO 8601 “PT1H30M”.",
    )
    plan = plan_field(
        required=False, allow_null=True, help_text="The preventive plan this round fulfils (id)."
    )
    resolution = text_input(help_text="What was done, how it ended.")

    def perform(self, actor) -> MaintenanceRecord:
        data = dict(self.validated_data)
        asset = data.pop("asset")
        return services.log_work(asset, actor=actor, **data)


class RecordChangeInput(StrictInput, serializers.Serializer):
    """``PATCH /api/v1/maintenance/<id>/``: correct a record (the invoice arrives)."""

    tolerated = frozenset(
        {
            "id",
            "reference",
            "url",
            "kind_label",
            "asset",
            "asset_name",
            "is_open",
            "opened_at",
            "closed_at",
            "plan",
            "plan_title",
            "took_out_of_service",
            "downtime",
            "downtime_seconds",
            "opened_by",
            "closed_by",
        }
    )

    # Echoed back unchanged they are ignored; changed, they are a 400 saying why.
    fixed = {
        "asset": "A record stays with the asset it was opened on: log the work on that asset.",
        "plan": "The plan a record fulfils is set when the work is logged or started.",
        "opened_at": "Set when the work started.",
        "closed_at": "Set by complete-maintenance.",
        "downtime": "Measured from opening to closing.",
        "took_out_of_service": "Set by how the work was recorded.",
    }

    kind = kind_input("What kind of work it was.")
    title = serializers.CharField(max_length=200, required=False)
    description = text_input()
    supplier = text_input(max_length=200)
    cost = money_input(required=False, allow_null=True)
    warranty_covered = serializers.BooleanField(required=False)
    resolution = text_input()
    reason = reason_input()

    def to_internal_value(self, data):
        if isinstance(data, Mapping) and self.instance is not None:
            shown = MaintenanceRecordSerializer(self.instance).data
            errors = {
                key: [message]
                for key, message in self.fixed.items()
                if key in data and data[key] != shown[key]
            }
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

    def perform(self, record: MaintenanceRecord, actor) -> MaintenanceRecord:
        return services.update_record(
            record,
            actor=actor,
            reason=self.validated_data.get("reason", ""),
            **_given(self.validated_data),
        )


# --- preventive plans --------------------------------------------------------------------------


class PlanInput(StrictInput, serializers.Serializer):
    """``POST /api/v1/maintenance-plans/`` and ``PATCH .../<id>/``: every N months, for a
    category (slug) or one asset (tag)."""

    tolerated = frozenset(
        {
            "id",
            "url",
            "kind_label",
            "category_name",
            "asset_name",
            "scope",
            "created_by",
            "created_at",
        }
    )

    title = serializers.CharField(
        max_length=200,
        help_text="e.g. “Annual service”.",
        error_messages={
            "required": "Give the plan a title, e.g. “Annual service”.",
            "blank": "Give the plan a title, e.g. “Annual service”.",
        },
    )
    kind = kind_input("What kind of work; defaults to servicing.")
    description = text_input(help_text="What to do each time.")
    category = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Category.objects.all(),
        required=False,
        allow_null=True,
        help_text="Every asset of this category (slug); or give asset.",
        error_messages={
            "does_not_exist": "No category with slug “{value}”: see /api/v1/categories/."
        },
    )
    asset = asset_field(required=False, allow_null=True, help_text="Or one asset (tag).")
    interval_months = serializers.IntegerField(
        min_value=1,
        max_value=120,
        help_text="Every how many months.",
        error_messages={
            "required": "Every how many months: a whole number from 1 to 120.",
            "invalid": "Every how many months: a whole number from 1 to 120.",
            "min_value": "Every how many months: a whole number from 1 to 120.",
            "max_value": "Every how many months: a whole number from 1 to 120.",
        },
    )
    first_due_on = date_input(help_text="When the first round is due.")
    active = serializers.BooleanField(
        required=False, help_text="Only on change: false stops the plan (kept in history)."
    )
    reason = reason_input()

    def get_fields(self):
        fields = super().get_fields()
        fields["first_due_on"].error_messages["required"] = "When is the first round due?"
        return fields

    def validate(self, attrs: dict) -> dict:
        if self.instance is None and "active" in attrs:
            raise serializers.ValidationError(
                {"active": ["A new plan is active; stop it later with a change."]}
            )
        return attrs

    def create(self, validated_data: dict) -> MaintenancePlan:
        return services.create_plan(actor=self.context["request"].user, **_given(validated_data))

    def update(self, instance: MaintenancePlan, validated_data: dict) -> MaintenancePlan:
        return services.update_plan(
            instance,
            actor=self.context["request"].user,
            reason=validated_data.get("reason", ""),
            **_given(validated_data),
        )
