"""What the assets API reads and writes.

Serializers only translate JSON to arguments: every change goes through ``assets.lifecycle``,
which checks permissions and the state table and writes the history row. There is one input
serializer per lifecycle move so the OpenAPI schema documents each body.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assets import lifecycle
from assets.choices import AssetStatus, DisposalMethod, WipeMethod
from assets.models import (
    Asset,
    AssetModel,
    Category,
    Department,
    DisposalRecord,
    Location,
    Vendor,
    WipeRecord,
)

User = get_user_model()

LIFECYCLE_HINT = (
    "Status is read-only: change it with a lifecycle move, "
    "POST /api/v1/assets/<tag>/<action>/ ({actions})."
)
HOLDER_HINT = "The holder changes only through the deploy, transfer and check-in moves."
TAG_HINT = "Tags are assigned by the system and cannot be set or changed."

# Keys a client might send that the API refuses with a message saying what to do instead.
_HOLDER_KEYS = ("holder", "assigned_user", "assigned_location", "assigned_department", "user")


def _lifecycle_hint() -> str:
    return LIFECYCLE_HINT.format(actions=", ".join(m.url_name for m in lifecycle.MOVES.values()))


def _user_field(**kwargs: Any) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.all(),
        error_messages={"does_not_exist": "No user with username “{value}”."},
        **kwargs,
    )


def _pk_field(queryset, noun: str, listing: str = "", **kwargs: Any):
    where = f": see {listing}" if listing else ""
    return serializers.PrimaryKeyRelatedField(
        queryset=queryset,
        error_messages={
            "does_not_exist": f"No {noun} with id {{pk_value}}{where}.",
            "incorrect_type": f"Give the {noun}'s id as a number.",
        },
        **kwargs,
    )


def _location_field(**kwargs: Any):
    return _pk_field(Location.objects.all(), "location", "/api/v1/locations/", **kwargs)


class StrictInput:
    """Refuse keys an endpoint does not know, so a typo is a 400 and not silently ignored."""

    def refusal(self, key: str, value: Any) -> str | None:
        """A message for a known key the client may not send, or None to let it through."""
        return None

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            known = set(self.fields)
            errors: dict[str, str] = {}
            for key, value in data.items():
                if key == "csrfmiddlewaretoken":  # browsable API forms
                    continue
                message = self.refusal(key, value)
                if message:
                    errors[key] = [message]
                elif key not in known:
                    errors[key] = [f"Unknown field “{key}”."]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


# --- reference data ---------------------------------------------------------------------------


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = [
            "id",
            "name",
            "slug",
            "kind",
            "holds_data",
            "audit_interval_days",
            "expected_life_months",
            "description",
        ]


class LocationSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Location
        fields = ["id", "name", "kind", "parent", "full_name", "address"]


class DepartmentSerializer(serializers.ModelSerializer):
    manager = serializers.SlugRelatedField(slug_field="username", read_only=True)
    manager_name = serializers.SerializerMethodField()

    class Meta:
        model = Department
        fields = ["id", "name", "slug", "cost_centre", "manager", "manager_name"]

    def get_manager_name(self, department: Department) -> str | None:
        manager = department.manager
        return (manager.get_full_name() or manager.get_username()) if manager else None


# --- assets -----------------------------------------------------------------------------------


class HolderSerializer(serializers.Serializer):
    """Who holds a deployed asset: one user, location or department."""

    kind = serializers.ChoiceField(choices=["user", "location", "department"])
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="Full name of the person, location or department.")
    username = serializers.CharField(required=False, help_text="Only for a user.")
    slug = serializers.CharField(required=False, help_text="Only for a department.")


class AssetSerializer(StrictInput, serializers.ModelSerializer):
    """An asset as scripts see it; ``status`` and the holder are read-only (use the moves)."""

    url = serializers.SerializerMethodField(help_text="This asset in the API.")
    web_url = serializers.SerializerMethodField(help_text="This asset's page.")
    status_label = serializers.SerializerMethodField()
    category = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Category.objects.all(),
        help_text="The category's slug (see /api/v1/categories/).",
        error_messages={
            "does_not_exist": "No category with slug “{value}”: see /api/v1/categories/."
        },
    )
    category_name = serializers.CharField(source="category.name", read_only=True)
    model = _pk_field(AssetModel.objects.all(), "asset model", required=False, allow_null=True)
    model_name = serializers.StringRelatedField(source="model", read_only=True)
    location = _location_field(
        required=False, allow_null=True, help_text="Where the asset physically is (id)."
    )
    location_name = serializers.SerializerMethodField()
    department = _pk_field(
        Department.objects.all(),
        "department",
        "/api/v1/departments/",
        required=False,
        allow_null=True,
        help_text="The owning department (id).",
    )
    department_name = serializers.SerializerMethodField()
    vendor = _pk_field(Vendor.objects.all(), "vendor", required=False, allow_null=True)
    vendor_name = serializers.StringRelatedField(source="vendor", read_only=True)
    holder = serializers.SerializerMethodField()
    updated_at = serializers.SerializerMethodField()
    reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="Why: stored on the history row.",
    )

    class Meta:
        model = Asset
        fields = [
            "id",
            "tag",
            "url",
            "web_url",
            "name",
            "status",
            "status_label",
            "category",
            "category_name",
            "model",
            "model_name",
            "serial_number",
            "location",
            "location_name",
            "department",
            "department_name",
            "holder",
            "assigned_at",
            "expected_return_date",
            "vendor",
            "vendor_name",
            "purchase_date",
            "purchase_cost",
            "order_number",
            "warranty_end",
            "next_audit_date",
            "notes",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["status", "assigned_at", "expected_return_date", "created_at"]
        extra_kwargs = {
            "purchase_cost": {"error_messages": {"min_value": "Cost cannot be negative."}},
        }

    # -- output (also used for historical rows of ``register_as_of``: same field names) --

    def get_url(self, asset) -> str:
        path = reverse("api-asset-detail", args=[asset.tag])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_web_url(self, asset) -> str:
        return reverse("assets:detail", args=[asset.tag])

    def get_status_label(self, asset) -> str:
        return lifecycle.status_label(asset.status)

    def get_location_name(self, asset) -> str | None:
        return asset.location.full_name if asset.location_id else None

    def get_department_name(self, asset) -> str | None:
        return asset.department.name if asset.department_id else None

    @extend_schema_field(HolderSerializer(allow_null=True))
    def get_holder(self, asset) -> dict | None:
        # Read from the three columns (not ``Asset.holder``) so historical rows work too.
        if asset.assigned_user_id:
            user = asset.assigned_user
            return {
                "kind": "user",
                "id": user.pk,
                "name": user.get_full_name() or user.get_username(),
                "username": user.get_username(),
            }
        if asset.assigned_location_id:
            place = asset.assigned_location
            return {"kind": "location", "id": place.pk, "name": place.full_name}
        if asset.assigned_department_id:
            dept = asset.assigned_department
            return {"kind": "department", "id": dept.pk, "name": dept.name, "slug": dept.slug}
        return None

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_updated_at(self, asset):
        # History rows do not keep updated_at; their history_date is the same moment.
        value = getattr(asset, "updated_at", None) or getattr(asset, "history_date", None)
        return serializers.DateTimeField().to_representation(value) if value else None

    # -- input --

    def refusal(self, key: str, value: Any) -> str | None:
        # Sending back an unchanged read-only value (a GET body re-sent by PUT) is harmless.
        if key in ("tag", "status", "holder") and self.instance is not None:
            field = self.fields[key]
            if field.to_representation(field.get_attribute(self.instance)) == value:
                return None
        if key == "tag":
            return TAG_HINT
        if key == "status":
            return _lifecycle_hint()
        if key in _HOLDER_KEYS:
            return HOLDER_HINT
        if key == "expected_return_date":
            if self.instance is not None and str(value) == str(self.instance.expected_return_date):
                return None
            return "The expected return date is set by the deploy and transfer moves."
        return None

    def create(self, validated_data: dict) -> Asset:
        reason = validated_data.pop("reason", "")
        return lifecycle.register(
            actor=self.context["request"].user, reason=reason, **validated_data
        )

    def update(self, instance: Asset, validated_data: dict) -> Asset:
        reason = validated_data.pop("reason", "")
        return lifecycle.update_details(
            instance, actor=self.context["request"].user, reason=reason, **validated_data
        )


class WipeRecordSerializer(serializers.ModelSerializer):
    # A plain string on output: the choice set is documented once, on the wipe move's body.
    method = serializers.CharField(read_only=True, help_text=", ".join(WipeMethod.values))
    performed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    verified_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    is_verified = serializers.BooleanField(read_only=True)

    class Meta:
        model = WipeRecord
        fields = [
            "id",
            "method",
            "tool",
            "performed_by",
            "verified_by",
            "is_verified",
            "performed_on",
            "certificate_reference",
            "created_at",
        ]


class DisposalRecordSerializer(serializers.ModelSerializer):
    method = serializers.CharField(read_only=True, help_text=", ".join(DisposalMethod.values))
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = DisposalRecord
        fields = [
            "id",
            "method",
            "recipient",
            "proceeds",
            "disposed_on",
            "certificate_reference",
            "recorded_by",
            "created_at",
        ]


class AssetWipedSerializer(AssetSerializer):
    """The answer to a wipe: the asset, and the wipe record just written."""

    wipe = WipeRecordSerializer(read_only=True)

    class Meta(AssetSerializer.Meta):
        fields = [*AssetSerializer.Meta.fields, "wipe"]


class AssetDisposedSerializer(AssetSerializer):
    """The answer to a disposal: the asset, and its disposal record."""

    disposal = DisposalRecordSerializer(read_only=True)

    class Meta(AssetSerializer.Meta):
        fields = [*AssetSerializer.Meta.fields, "disposal"]


_STATUSES = "One of " + ", ".join(AssetStatus.values)


# --- history ----------------------------------------------------------------------------------


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    old = serializers.CharField(allow_blank=True)
    new = serializers.CharField(allow_blank=True)


class HistoryEntrySerializer(serializers.Serializer):
    """One row of an asset's history: who, when, which move, from and to which state, why."""

    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    user = serializers.CharField(allow_null=True, help_text="Username; null for the system.")
    user_display = serializers.CharField()
    action = serializers.CharField(help_text="register, edit, or the move (deploy, check_in...).")
    action_label = serializers.CharField()
    # Plain strings here: the status enum is documented once, on the asset.
    from_status = serializers.CharField(
        allow_null=True, help_text=f"{_STATUSES}; null when registered."
    )
    to_status = serializers.CharField(help_text=_STATUSES)
    reason = serializers.CharField(allow_blank=True)
    changes = ChangeSerializer(many=True)


# --- errors (for the schema: the shapes ``itam.api.exception_handler`` answers with) ------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words a person can act on.")
    code = serializers.CharField(required=False)


class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per field.",
    )


class TransitionRefusedSerializer(ErrorSerializer):
    tag = serializers.CharField()
    current_status = serializers.CharField(help_text=_STATUSES)
    move = serializers.CharField()
    allowed_moves = serializers.ListField(child=serializers.CharField())


# --- lifecycle moves: one input serializer each -----------------------------------------------


class MoveInput(StrictInput, serializers.Serializer):
    """The body of ``POST /api/v1/assets/<tag>/<action>/``; ``perform`` calls the lifecycle."""

    move_name: str = ""
    function: Callable[..., Any]

    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=500, help_text="Why: kept in the history."
    )

    def get_fields(self):
        fields = super().get_fields()
        move = lifecycle.MOVES[self.move_name]
        if move.reason_required:
            message = f"Say why ({move.label.lower()} needs a reason)."
            fields["reason"] = serializers.CharField(
                max_length=500,
                help_text="Why: kept in the history (required for this move).",
                error_messages={"required": message, "blank": message},
            )
        return fields

    def arguments(self) -> dict[str, Any]:
        """The keyword arguments of the lifecycle function, from the validated body."""
        return dict(self.validated_data)

    def perform(self, asset: Asset, actor) -> Any:
        return type(self).function(asset, actor=actor, **self.arguments())


class ReceiveInput(MoveInput):
    move_name = "receive"
    function = lifecycle.receive
    serial_number = serializers.CharField(required=False, allow_blank=True, max_length=100)
    location = _location_field(required=False, help_text="Where it arrived (id).")


class DeployInput(MoveInput):
    move_name = "deploy"
    function = lifecycle.deploy
    user = _user_field(required=False, help_text="Hand it to this person (username).")
    location = _location_field(required=False, help_text="Or install it at this location (id).")
    department = _pk_field(
        Department.objects.all(),
        "department",
        "/api/v1/departments/",
        required=False,
        help_text="Or lend it to this department (id).",
    )
    expected_return_date = serializers.DateField(
        required=False, allow_null=True, help_text="For loaners: when it should come back."
    )

    def validate(self, attrs: dict) -> dict:
        given = [key for key in ("user", "location", "department") if attrs.get(key) is not None]
        if len(given) != 1:
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        "Give exactly one holder: user (username), location (id) or "
                        "department (id)." + (f" You gave {', '.join(given)}." if given else "")
                    ]
                }
            )
        return attrs

    def arguments(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        holder = [data.pop(key, None) for key in ("user", "location", "department")]
        data["to"] = next(h for h in holder if h is not None)
        return data


class TransferInput(DeployInput):
    move_name = "transfer"
    function = lifecycle.transfer


class CheckInInput(MoveInput):
    move_name = "check_in"
    function = lifecycle.check_in
    location = _location_field(required=False, help_text="Where it is put back (id).")


class StartMaintenanceInput(MoveInput):
    move_name = "start_maintenance"
    function = lifecycle.start_maintenance


class CompleteMaintenanceInput(MoveInput):
    move_name = "complete_maintenance"
    function = lifecycle.complete_maintenance
    return_to_holder = serializers.BooleanField(
        required=False,
        default=True,
        help_text="Give it back to the holder it had before maintenance (else: back to stock).",
    )
    location = _location_field(required=False, help_text="Where it goes if back to stock (id).")


class MarkMissingInput(MoveInput):
    move_name = "mark_missing"
    function = lifecycle.mark_missing


class FoundInput(MoveInput):
    move_name = "found"
    function = lifecycle.mark_found
    location = _location_field(required=False, help_text="Where it was found (id).")


class RetireInput(MoveInput):
    move_name = "retire"
    function = lifecycle.retire


class _CertificateMixin(serializers.Serializer):
    certificate = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Certificate reference."
    )
    certificate_reference = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Same as certificate."
    )

    def validate(self, attrs: dict) -> dict:
        short = attrs.pop("certificate", None)
        long = attrs.get("certificate_reference")
        if short is not None and long is not None and short != long:
            raise serializers.ValidationError(
                {"certificate": "certificate and certificate_reference differ: send one."}
            )
        if short is not None:
            attrs["certificate_reference"] = short
        return attrs


class WipeInput(_CertificateMixin, MoveInput):
    """A data wipe per NIST SP 800-88; the asset stays retired."""

    move_name = "wipe"
    function = lifecycle.wipe
    method = serializers.ChoiceField(
        choices=WipeMethod.choices, help_text="NIST SP 800-88: clear, purge or destroy."
    )
    tool = serializers.CharField(required=False, allow_blank=True, max_length=200)
    performed_by = _user_field(
        required=False, help_text="Who did the wipe (username); defaults to you."
    )
    verified_by = _user_field(
        required=False,
        allow_null=True,
        help_text="A second person who checked it (username); needed before disposal.",
    )
    performed_on = serializers.DateField(required=False, help_text="Defaults to today.")

    def perform(self, asset: Asset, actor) -> WipeRecord:
        arguments = self.arguments()
        arguments.setdefault("performed_by", actor)
        return lifecycle.wipe(asset, actor=actor, **arguments)


class DisposeInput(_CertificateMixin, MoveInput):
    move_name = "dispose"
    function = lifecycle.dispose
    method = serializers.ChoiceField(choices=DisposalMethod.choices)
    recipient = serializers.CharField(required=False, allow_blank=True, max_length=200)
    proceeds = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        min_value=0,
        error_messages={"min_value": "Proceeds cannot be negative."},
    )
    disposed_on = serializers.DateField(required=False, help_text="Defaults to today.")


class ReinstateInput(MoveInput):
    move_name = "reinstate"
    function = lifecycle.reinstate
    location = _location_field(required=False, help_text="Where it goes back into stock (id).")


MOVE_INPUTS: dict[str, type[MoveInput]] = {
    cls.move_name: cls
    for cls in [
        ReceiveInput,
        DeployInput,
        TransferInput,
        CheckInInput,
        StartMaintenanceInput,
        CompleteMaintenanceInput,
        MarkMissingInput,
        FoundInput,
        RetireInput,
        WipeInput,
        DisposeInput,
        ReinstateInput,
    ]
}
