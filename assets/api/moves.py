"""The bodies of the lifecycle moves: one input serializer per move, so the schema documents each.

Each turns its JSON into the keyword arguments of its ``assets.lifecycle`` function and calls it;
the lifecycle checks the permission and the state table and writes the history row.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from assets import lifecycle
from assets.choices import Condition, DisposalMethod, RetirementReason, WipeMethod
from assets.models import Asset, Department, WipeRecord
from assets.retirement import check_certificate_file, dispose_with_certificate
from maintenance.choices import MaintenanceKind
from maintenance.models import MaintenancePlan

from .serializers import StrictInput, location_field, pk_field, user_field


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
    location = location_field(required=False, help_text="Where it arrived (id).")


class DeployInput(MoveInput):
    move_name = "deploy"
    function = lifecycle.deploy
    user = user_field(required=False, help_text="Hand it to this person (username).")
    location = location_field(required=False, help_text="Or install it at this location (id).")
    department = pk_field(
        Department.objects.all(),
        "department",
        "/api/v1/departments/",
        required=False,
        help_text="Or lend it to this department (id).",
    )
    expected_return_date = serializers.DateField(
        required=False, allow_null=True, help_text="For loaners: when it should come back."
    )
    checklist = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        help_text="Ids of the category's checklist steps done (see /api/v1/categories/<slug>/); "
        "every required step must be here, or the move is refused (400).",
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
        data["checklist_done"] = data.pop("checklist", [])
        return data


class TransferInput(DeployInput):
    move_name = "transfer"
    function = lifecycle.transfer


class CheckInInput(MoveInput):
    move_name = "check_in"
    function = lifecycle.check_in
    location = location_field(required=False, help_text="Where it is put back (id).")
    condition = serializers.ChoiceField(
        choices=Condition.choices,
        required=False,
        help_text="How it came back; kept on the asset and in its history.",
    )


class StartMaintenanceInput(MoveInput):
    """Into maintenance: opens a maintenance record (answered as ``maintenance``)."""

    move_name = "start_maintenance"
    function = lifecycle.start_maintenance
    kind = serializers.CharField(
        required=False,
        max_length=20,
        help_text="What kind of work, defaults to repair: " + ", ".join(MaintenanceKind.values),
    )
    title = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="e.g. “Cracked screen”; defaults to the first line of the reason.",
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    supplier = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Who does the work: a repairer, the vendor, in-house.",
    )
    # default=None: left out means "not said", so the lifecycle applies the warranty default.
    warranty_covered = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Left out: true when the asset is under warranty today.",
    )
    plan = pk_field(
        MaintenancePlan.objects.all(),
        "maintenance plan",
        "/api/v1/maintenance-plans/",
        required=False,
        allow_null=True,
        help_text="The preventive plan this round fulfils (id).",
    )


class CompleteMaintenanceInput(MoveInput):
    """Out of maintenance: closes the open maintenance record with its cost and downtime."""

    move_name = "complete_maintenance"
    function = lifecycle.complete_maintenance
    return_to_holder = serializers.BooleanField(
        required=False,
        default=True,
        help_text="Give it back to the holder it had before maintenance (else: back to stock).",
    )
    location = location_field(required=False, help_text="Where it goes if back to stock (id).")
    cost = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        allow_null=True,
        help_text="What the work cost us (0 when the warranty paid); counts in the total cost "
        "of ownership. Left out: 0, or what the record says already.",
        error_messages={
            "min_value": "The cost cannot be negative.",
            "invalid": "Enter an amount, e.g. 120.00.",
            "max_decimal_places": "Give at most two decimals (whole cents).",
            "max_whole_digits": "That amount is too large.",
            "max_digits": "That amount is too large.",
        },
    )
    warranty_covered = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Left out: as said when the work started.",
    )
    resolution = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=10_000,
        help_text="What was done, how it ended.",
    )


class MarkMissingInput(MoveInput):
    move_name = "mark_missing"
    function = lifecycle.mark_missing


class FoundInput(MoveInput):
    move_name = "found"
    function = lifecycle.mark_found
    location = location_field(required=False, help_text="Where it was found (id).")


class RetireInput(MoveInput):
    move_name = "retire"
    function = lifecycle.retire
    retirement_reason = serializers.ChoiceField(
        choices=RetirementReason.choices,
        required=False,
        allow_blank=True,
        help_text="Why, as a category (kept on the asset for the retirement reports).",
    )


RETURN_ALIAS = "return"


def _checked_file(value):
    """An upload that is a PDF, PNG or JPEG by content, else a 400 saying what is accepted."""
    try:
        check_certificate_file(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages) from exc
    return value


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
    performed_by = user_field(
        required=False, help_text="Who did the wipe (username); defaults to you."
    )
    verified_by = user_field(
        required=False,
        allow_null=True,
        help_text="A second person who checked it (username); needed before disposal.",
    )
    performed_on = serializers.DateField(required=False, help_text="Defaults to today.")
    certificate_file = serializers.FileField(
        required=False,
        allow_empty_file=False,
        help_text="The wiping tool's report (multipart only): PDF, PNG or JPEG, at most 5 MB, "
        "checked by its content.",
    )

    def validate_certificate_file(self, value):
        return _checked_file(value)

    def perform(self, asset: Asset, actor) -> WipeRecord:
        arguments = self.arguments()
        arguments.setdefault("performed_by", actor)
        return lifecycle.wipe(asset, actor=actor, **arguments)


class DisposeInput(_CertificateMixin, MoveInput):
    move_name = "dispose"
    function = lifecycle.dispose
    method = serializers.ChoiceField(
        choices=[*DisposalMethod.choices, (RETURN_ALIAS, "Return to lessor (short form)")],
        help_text="recycle, donate, sell, destroy, or return (to the lessor; "
        "return_to_lessor is the same).",
    )
    recipient = serializers.CharField(required=False, allow_blank=True, max_length=200)
    proceeds = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        min_value=0,
        error_messages={"min_value": "Proceeds cannot be negative."},
    )
    disposed_on = serializers.DateField(required=False, help_text="Defaults to today.")
    certificate_file = serializers.FileField(
        required=False,
        allow_empty_file=False,
        help_text="The recycler's or buyer's certificate (multipart only): PDF, PNG or JPEG, "
        "at most 5 MB, checked by its content.",
    )

    def validate_method(self, value: str) -> str:
        return DisposalMethod.RETURN_TO_LESSOR.value if value == RETURN_ALIAS else value

    def validate_certificate_file(self, value):
        return _checked_file(value)

    def perform(self, asset: Asset, actor) -> Asset:
        return dispose_with_certificate(asset, actor=actor, **self.arguments())


class ReinstateInput(MoveInput):
    move_name = "reinstate"
    function = lifecycle.reinstate
    location = location_field(required=False, help_text="Where it goes back into stock (id).")


class AcceptInput(StrictInput, serializers.Serializer):
    """The holder confirms receipt; not a lifecycle move (the status stays deployed)."""

    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=500, help_text="Optional note, kept."
    )
    accept_terms = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Required (true) when the category has acceptance terms: the acceptance "
        "records the terms' version.",
    )

    def perform(self, asset: Asset, actor) -> Asset:
        return lifecycle.confirm_receipt(asset, actor=actor, **self.validated_data)


class ReportProblemInput(StrictInput, serializers.Serializer):
    """The holder says what is wrong with what they received; IT staff are told."""

    description = serializers.CharField(
        max_length=2000,
        help_text="What is wrong: kept on the deployment and in the history.",
        error_messages={
            "required": "Say what is wrong, so IT can fix it.",
            "blank": "Say what is wrong, so IT can fix it.",
        },
    )

    def perform(self, asset: Asset, actor):
        return lifecycle.report_problem(asset, actor=actor, **self.validated_data)


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
