"""What the assets API reads and writes.

Serializers only translate JSON to arguments: every change goes through ``assets.lifecycle``,
which checks permissions and the state table and writes the history row. The moves' bodies
are in ``assets.api.moves``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assets import lifecycle
from assets.choices import AssetStatus, DisposalMethod, WipeMethod
from assets.links import TagLinks
from assets.models import (
    Asset,
    AssetModel,
    Assignment,
    Category,
    ChecklistItem,
    Department,
    DisposalRecord,
    Location,
    Vendor,
    WipeRecord,
)
from maintenance import services as maintenance_services

User = get_user_model()

LIFECYCLE_HINT = (
    "Status is read-only: change it with a lifecycle move, "
    "POST /api/v1/assets/<tag>/<action>/ ({actions})."
)
HOLDER_HINT = "The holder changes only through the deploy, transfer and check-in moves."
TAG_HINT = "A tag cannot be changed once given: it is on the label."

# Keys a client might send that the API refuses with a message saying what to do instead.
_HOLDER_KEYS = ("holder", "assigned_user", "assigned_location", "assigned_department", "user")


def _lifecycle_hint() -> str:
    return LIFECYCLE_HINT.format(actions=", ".join(m.url_name for m in lifecycle.MOVES.values()))


def user_field(**kwargs: Any) -> serializers.SlugRelatedField:
    """People are named by username in bodies; an unknown one is a 400 that says so."""
    return serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.all(),
        error_messages={"does_not_exist": "No user with username “{value}”."},
        **kwargs,
    )


def category_field(**kwargs) -> serializers.SlugRelatedField:
    """A category named by its slug, with an error that says where to find the slugs."""
    return serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Category.objects.all(),
        help_text="The category's slug (see /api/v1/categories/).",
        error_messages={
            "does_not_exist": "No category with slug “{value}”: see /api/v1/categories/."
        },
        **kwargs,
    )


def pk_field(
    queryset, noun: str, listing: str = "", **kwargs: Any
) -> serializers.PrimaryKeyRelatedField:
    """A related object by id, with a message naming the thing and where to look ids up."""
    where = f": see {listing}" if listing else ""
    return serializers.PrimaryKeyRelatedField(
        queryset=queryset,
        error_messages={
            "does_not_exist": f"No {noun} with id {{pk_value}}{where}.",
            "incorrect_type": f"Give the {noun}'s id as a number.",
        },
        **kwargs,
    )


def location_field(**kwargs: Any) -> serializers.PrimaryKeyRelatedField:
    return pk_field(Location.objects.all(), "location", "/api/v1/locations/", **kwargs)


class StrictInput:
    """Refuse keys an endpoint does not know, so a typo is a 400 and not silently ignored."""

    # Read-only keys of another representation a client may echo back (a GET body sent by PUT).
    tolerated: frozenset[str] = frozenset()

    def refusal(self, key: str, value: Any) -> str | None:
        """A message for a known key the client may not send, or None to let it through."""
        return None

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            known = set(self.fields)
            errors: dict[str, str] = {}
            for key, value in data.items():
                # the browsable API's form token, and read-only keys echoed back
                if key == "csrfmiddlewaretoken" or key in self.tolerated:
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


class ChecklistItemSerializer(serializers.ModelSerializer):
    """A step IT ticks off when deploying; send the ids ticked as ``checklist`` on deploy."""

    class Meta:
        model = ChecklistItem
        fields = ["id", "text", "required", "position"]


class CategorySerializer(serializers.ModelSerializer):
    checklist = ChecklistItemSerializer(
        many=True,
        read_only=True,
        help_text="The deployment checklist: every required step's id must be in a deploy or "
        "transfer body's `checklist`.",
    )
    acceptance_version = serializers.IntegerField(
        read_only=True,
        help_text="Goes up by one each time the acceptance text changes; acceptances keep it.",
    )

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
            "acceptance_text",
            "acceptance_version",
            "checklist",
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


def holder_of(obj) -> dict | None:
    """An asset's or a deployment's holder as JSON, from its three holder columns."""
    if obj.assigned_user_id:
        user = obj.assigned_user
        return {
            "kind": "user",
            "id": user.pk,
            "name": user.get_full_name() or user.get_username(),
            "username": user.get_username(),
        }
    if obj.assigned_location_id:
        place = obj.assigned_location
        return {"kind": "location", "id": place.pk, "name": place.full_name}
    if obj.assigned_department_id:
        dept = obj.assigned_department
        return {"kind": "department", "id": dept.pk, "name": dept.name, "slug": dept.slug}
    return None


class ChecklistStepSerializer(serializers.Serializer):
    """One step as it stood at deployment, and whether it was done."""

    item = serializers.IntegerField(help_text="The checklist item's id.")
    text = serializers.CharField()
    required = serializers.BooleanField()
    done = serializers.BooleanField()


class AssignmentSerializer(serializers.ModelSerializer):
    """One deployment: who had the asset, from when to when, its checklist and acceptance."""

    holder = serializers.SerializerMethodField()
    started_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    ended_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    checklist = ChecklistStepSerializer(many=True, read_only=True)
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id",
            "holder",
            "is_current",
            "started_at",
            "started_by",
            "expected_return_date",
            "ended_at",
            "ended_by",
            "end_action",
            "checklist",
            "accepted_at",
            "accepted_terms_version",
            "problem_reported_at",
            "problem_report",
        ]
        read_only_fields = fields

    @extend_schema_field(HolderSerializer(allow_null=True))
    def get_holder(self, assignment: Assignment) -> dict | None:
        return holder_of(assignment)

    def get_is_current(self, assignment: Assignment) -> bool:
        return assignment.ended_at is None


# What a deployment's representation reads, in the same query.
ASSIGNMENT_RELATED = (
    "assigned_user",
    "assigned_location__parent__parent__parent",
    "assigned_department",
    "started_by",
    "ended_by",
)


class AssetSerializer(StrictInput, serializers.ModelSerializer):
    """An asset as scripts see it; ``status`` and the holder are read-only (use the moves)."""

    # In the detail's GET answer; read-only.
    tolerated = frozenset(
        {"current_assignment", "under_warranty", "maintenance_cost", "total_cost_of_ownership"}
    )

    tag = serializers.CharField(
        required=False,
        max_length=40,
        help_text="Leave out to get the next tag of the sequence; give one only for a label "
        "that is already printed. Never reused, never changed.",
    )
    url = serializers.SerializerMethodField(help_text="This asset in the API.")
    web_url = serializers.SerializerMethodField(help_text="This asset's page.")
    status_label = serializers.SerializerMethodField()
    category = category_field()
    category_name = serializers.CharField(source="category.name", read_only=True)
    model = pk_field(AssetModel.objects.all(), "asset model", required=False, allow_null=True)
    model_name = serializers.StringRelatedField(source="model", read_only=True)
    location = location_field(
        required=False, allow_null=True, help_text="Where the asset physically is (id)."
    )
    location_name = serializers.SerializerMethodField()
    department = pk_field(
        Department.objects.all(),
        "department",
        "/api/v1/departments/",
        required=False,
        allow_null=True,
        help_text="The owning department (id).",
    )
    department_name = serializers.SerializerMethodField()
    vendor = pk_field(Vendor.objects.all(), "vendor", required=False, allow_null=True)
    vendor_name = serializers.StringRelatedField(source="vendor", read_only=True)
    holder = serializers.SerializerMethodField()
    condition = serializers.CharField(
        read_only=True,
        help_text="How it came back at its last check-in (new, good, fair, poor, broken); "
        "empty when never noted.",
    )
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
            "accepted_at",
            "condition",
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
        read_only_fields = [
            "status",
            "assigned_at",
            "expected_return_date",
            "accepted_at",
            "created_at",
        ]
        extra_kwargs = {
            "purchase_cost": {"error_messages": {"min_value": "Cost cannot be negative."}},
        }

    # -- output (also used for historical rows of ``register_as_of``: same field names) --

    def get_url(self, asset) -> str:
        return self._links("api-asset-detail", absolute=True)(asset.tag)

    def get_web_url(self, asset) -> str:
        return self._links("assets:detail")(asset.tag)

    def _links(self, name: str, *, absolute: bool = False) -> TagLinks:
        """One ``TagLinks`` per URL for this serializer, shared by a list's rows."""
        cached = self.__dict__.setdefault("_tag_links", {})
        if name not in cached:
            request = self.context.get("request") if absolute else None
            cached[name] = TagLinks(name, request.build_absolute_uri if request else None)
        return cached[name]

    def get_status_label(self, asset) -> str:
        return lifecycle.status_label(asset.status)

    def get_location_name(self, asset) -> str | None:
        return asset.location.full_name if asset.location_id else None

    def get_department_name(self, asset) -> str | None:
        return asset.department.name if asset.department_id else None

    @extend_schema_field(HolderSerializer(allow_null=True))
    def get_holder(self, asset) -> dict | None:
        # Read from the three columns (not ``Asset.holder``) so historical rows work too.
        return holder_of(asset)

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
        if key == "tag" and self.instance is not None:
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
        validated_data.pop("tag", None)  # only ever the unchanged tag (see ``refusal``)
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


class AssetDetailSerializer(AssetSerializer):
    """One asset, with its open deployment (the register's list leaves it out: one query less
    per page, and a page's query count stays fixed)."""

    current_assignment = serializers.SerializerMethodField(
        help_text="The open deployment (holder, dates, checklist, acceptance, problem report); "
        "null when nobody holds it."
    )
    under_warranty = serializers.SerializerMethodField(
        help_text="The warranty runs until warranty_end, today included; repairs default to "
        "warranty-covered while it does."
    )
    maintenance_cost = serializers.DecimalField(
        source="_cost_of_ownership.maintenance",
        max_digits=14,
        decimal_places=2,
        read_only=True,
        help_text="Everything spent on its maintenance (warranty work at what we paid).",
    )
    total_cost_of_ownership = serializers.DecimalField(
        source="_cost_of_ownership.total",
        max_digits=14,
        decimal_places=2,
        read_only=True,
        help_text="Purchase cost plus maintenance cost.",
    )

    class Meta(AssetSerializer.Meta):
        fields = [
            *AssetSerializer.Meta.fields,
            "current_assignment",
            "under_warranty",
            "maintenance_cost",
            "total_cost_of_ownership",
        ]

    def to_representation(self, asset):
        # One aggregate query for both cost fields; only here, so the register's list of many
        # assets keeps its fixed number of queries.
        asset._cost_of_ownership = maintenance_services.cost_of_ownership(asset)
        return super().to_representation(asset)

    def get_under_warranty(self, asset) -> bool:
        return maintenance_services.under_warranty(asset)

    @extend_schema_field(AssignmentSerializer(allow_null=True))
    def get_current_assignment(self, asset) -> dict | None:
        current = (
            asset.assignments.filter(ended_at__isnull=True)
            .select_related(*ASSIGNMENT_RELATED)
            .first()
        )
        return AssignmentSerializer(current, context=self.context).data if current else None


class AssetWipedSerializer(AssetDetailSerializer):
    """The answer to a wipe: the asset, and the wipe record just written."""

    wipe = WipeRecordSerializer(read_only=True)

    class Meta(AssetDetailSerializer.Meta):
        fields = [*AssetDetailSerializer.Meta.fields, "wipe"]


class AssetDisposedSerializer(AssetDetailSerializer):
    """The answer to a disposal: the asset, and its disposal record."""

    disposal = DisposalRecordSerializer(read_only=True)

    class Meta(AssetDetailSerializer.Meta):
        fields = [*AssetDetailSerializer.Meta.fields, "disposal"]


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


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {},
        "description": "Messages per field: usually a list of strings; for a nested body, the "
        "same shape again per nested field or list position. Form-wide messages are under "
        "`non_field_errors`.",
    }
)
class FieldErrorsField(serializers.DictField):
    pass


class ValidationErrorSerializer(ErrorSerializer):
    errors = FieldErrorsField()


class AcceptRefusedSerializer(ErrorSerializer):
    tag = serializers.CharField()
    move = serializers.CharField(help_text="accept")


class TransitionRefusedSerializer(ErrorSerializer):
    tag = serializers.CharField()
    current_status = serializers.CharField(help_text=_STATUSES)
    move = serializers.CharField()
    allowed_moves = serializers.ListField(child=serializers.CharField())
