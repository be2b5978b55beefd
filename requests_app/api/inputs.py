"""The bodies the requests and purchase-order API reads: one input serializer per endpoint.

They only map JSON to objects (slugs, usernames, ids; each unknown one is a 400 naming it) and
call ``requests_app.services``, which holds every rule: who may act, which state allows what,
budgets and notifications. Unknown keys are refused (``StrictInput``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from assets.api.serializers import StrictInput, location_field, pk_field, user_field
from assets.models import Asset, AssetModel, Category, Department, Vendor

from .. import services
from ..models import AssetRequest, PurchaseOrder, PurchaseOrderLine

DATE_FORMAT = "Give the date as YYYY-MM-DD, e.g. 2025-09-01."


def money_input(field: str, **kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        error_messages={
            "min_value": "An amount cannot be negative.",
            "invalid": "Enter an amount, e.g. 1249.99.",
            "max_decimal_places": "Give at most two decimals (whole cents).",
        },
        help_text=f"{field} as a string or number with at most two decimals.",
        **kwargs,
    )


def date_input(**kwargs: Any) -> serializers.DateField:
    return serializers.DateField(error_messages={"invalid": DATE_FORMAT}, **kwargs)


def category_field(**kwargs: Any) -> serializers.SlugRelatedField:
    kwargs.setdefault("help_text", "The category's slug (see /api/v1/categories/).")
    return serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Category.objects.all(),
        error_messages={
            "does_not_exist": "No category with slug “{value}”: see /api/v1/categories/."
        },
        **kwargs,
    )


def department_field(**kwargs: Any) -> serializers.PrimaryKeyRelatedField:
    return pk_field(Department.objects.all(), "department", "/api/v1/departments/", **kwargs)


# --- requests: input ----------------------------------------------------------------------------


class NewHireInput(StrictInput, serializers.Serializer):
    name = serializers.CharField(
        max_length=150,
        error_messages={
            "blank": "Give the new hire's name.",
            "required": "Give the new hire's name.",
        },
    )
    start_date = date_input(required=False, allow_null=True)
    department = department_field(
        help_text="Their department (id): its manager approves, its budget pays."
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["department"].error_messages["required"] = (
            "Give the new hire's department (id): see /api/v1/departments/."
        )
        return fields


class RequestInput(StrictInput, serializers.Serializer):
    """The body of ``POST /api/v1/requests/``: for yourself (default), a colleague, a new hire."""

    category = category_field()
    model = pk_field(
        AssetModel.objects.select_related("category", "manufacturer"),
        "asset model",
        required=False,
        allow_null=True,
        help_text="A specific model (id), optional.",
    )
    for_user = user_field(
        required=False,
        allow_null=True,
        help_text="Who will use it (username); leave out for yourself.",
    )
    new_hire = NewHireInput(
        required=False,
        allow_null=True,
        help_text="Instead of for_user: someone who starts soon and has no account yet.",
    )
    quantity = serializers.IntegerField(
        min_value=1,
        max_value=10_000,
        default=1,
        error_messages={"min_value": "Ask for at least one."},
    )
    justification = serializers.CharField(
        error_messages={
            "blank": "Say what it is for: the approver decides on this.",
            "required": "Say what it is for: the approver decides on this.",
        }
    )
    needed_by = date_input(required=False, allow_null=True)
    estimated_cost = money_input("The whole request's estimated cost", default=Decimal("0"))

    def validate(self, attrs: dict) -> dict:
        if attrs.get("for_user") is not None and attrs.get("new_hire") is not None:
            raise serializers.ValidationError(
                {
                    "for_user": [
                        "Ask either for a person with an account (for_user) or for a new "
                        "hire (new_hire), not both."
                    ]
                }
            )
        return attrs

    def perform(self, actor) -> AssetRequest:
        data = dict(self.validated_data)
        hire = data.pop("new_hire", None)
        new_hire = (
            services.NewHire(
                name=hire["name"],
                start_date=hire.get("start_date"),
                department=hire["department"],
            )
            if hire
            else None
        )
        return services.submit_request(actor=actor, new_hire=new_hire, **data)


class ApproveInput(StrictInput, serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="Optional note, kept."
    )

    def perform(self, request: AssetRequest, actor) -> AssetRequest:
        return services.approve_request(request, actor=actor, **self.validated_data)


def _required_reason(what: str) -> serializers.CharField:
    message = f"Say why: {what} needs a reason."
    return serializers.CharField(
        max_length=2000,
        help_text="Why: shown to the requester and kept in the history.",
        error_messages={"required": message, "blank": message},
    )


class RejectInput(StrictInput, serializers.Serializer):
    reason = _required_reason("a rejection")

    def perform(self, request: AssetRequest, actor) -> AssetRequest:
        return services.reject_request(request, actor=actor, **self.validated_data)


class RequestCancelInput(StrictInput, serializers.Serializer):
    reason = _required_reason("a cancellation")

    def perform(self, request: AssetRequest, actor) -> AssetRequest:
        return services.cancel_request(request, actor=actor, **self.validated_data)


class FulfilInput(StrictInput, serializers.Serializer):
    """Give an in-stock asset (deployed to the person now), or name the order that will."""

    asset = serializers.SlugRelatedField(
        slug_field="tag",
        queryset=Asset.objects.select_related("category"),
        required=False,
        help_text="Tag of an in-stock asset to deploy to the person.",
        error_messages={"does_not_exist": "No asset with tag “{value}”."},
    )
    purchase_order = pk_field(
        PurchaseOrder.objects.all(),
        "purchase order",
        "/api/v1/purchase-orders/",
        required=False,
        help_text="Or the purchase order (id) that will fulfil it; a line is added if needed.",
    )
    checklist = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="With an asset: the ids of the category's deployment steps done "
        "(see /api/v1/categories/<slug>/); every required step must be ticked.",
    )

    def validate(self, attrs: dict) -> dict:
        given = [key for key in ("asset", "purchase_order") if attrs.get(key) is not None]
        if len(given) != 1:
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        "Give exactly one of asset (tag) or purchase_order (id)."
                        + (" You gave both." if len(given) == 2 else "")
                    ]
                }
            )
        return attrs

    def perform(self, request: AssetRequest, actor) -> None:
        if "asset" in self.validated_data:
            services.fulfil_from_stock(
                request,
                actor=actor,
                asset=self.validated_data["asset"],
                checklist_done=self.validated_data.get("checklist"),
            )
        else:
            services.fulfil_by_order(
                request, actor=actor, order=self.validated_data["purchase_order"]
            )


class NewHireAccountInput(StrictInput, serializers.Serializer):
    """Link the new hire to an existing account (user), or create one (username, email)."""

    user = user_field(required=False, help_text="An existing account (username).")
    username = serializers.CharField(
        required=False, max_length=150, help_text="Or create an account with this username."
    )
    email = serializers.EmailField(required=False, allow_blank=True)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=150)

    def validate(self, attrs: dict) -> dict:
        if attrs.get("user") is not None and attrs.get("username"):
            raise serializers.ValidationError(
                {"user": ["Give user (an existing account) or username (a new one), not both."]}
            )
        if attrs.get("user") is None and not attrs.get("username"):
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        "Give user (an existing account's username) or username and email "
                        "(to create the account)."
                    ]
                }
            )
        if attrs.get("user") is not None:
            extra = [key for key in ("email", "first_name", "last_name") if key in attrs]
            if extra:
                raise serializers.ValidationError(
                    {key: ["Only used when creating an account (username)."] for key in extra}
                )
        return attrs

    def perform(self, request: AssetRequest, actor) -> None:
        data = dict(self.validated_data)
        user = data.pop("user", None)
        if user is not None:
            services.link_new_hire(request, actor=actor, user=user)
        else:
            services.create_new_hire_account(request, actor=actor, **data)


# --- purchase orders: input ---------------------------------------------------------------------


class OrderLineInput(StrictInput, serializers.Serializer):
    category = category_field(
        required=False, help_text="Category slug; defaults to the request's when request is given."
    )
    model = pk_field(
        AssetModel.objects.select_related("category", "manufacturer"),
        "asset model",
        required=False,
        allow_null=True,
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    quantity = serializers.IntegerField(
        min_value=1, max_value=10_000, error_messages={"min_value": "Order at least one."}
    )
    unit_cost = money_input("The price of one unit")
    expected_date = date_input(required=False, allow_null=True)
    request = pk_field(
        AssetRequest.objects.select_related("category", "department"),
        "request",
        "/api/v1/requests/",
        required=False,
        allow_null=True,
        help_text="The approved request this line serves (id): its units go to its person.",
    )
    department = department_field(
        required=False,
        allow_null=True,
        help_text="Whose budget pays (id); defaults to the request's department.",
    )

    def validate(self, attrs: dict) -> dict:
        if attrs.get("category") is None:
            request = attrs.get("request")
            if request is None:
                raise serializers.ValidationError(
                    {"category": ["Give the category (slug), or the request the line serves."]}
                )
            attrs["category"] = request.category
        return attrs


class OrderInput(StrictInput, serializers.Serializer):
    """The body of ``POST /api/v1/purchase-orders/``: a draft order; send it to register it."""

    vendor = pk_field(Vendor.objects.all(), "vendor")
    lines = OrderLineInput(many=True, allow_empty=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    currency = serializers.CharField(
        required=False, min_length=3, max_length=3, help_text="ISO 4217; defaults to the site's."
    )

    def perform(self, actor) -> PurchaseOrder:
        data = dict(self.validated_data)
        lines = [services.LineInput(**line) for line in data.pop("lines")]
        return services.create_order(actor=actor, lines=lines, **data)


class ReceiptInput(StrictInput, serializers.Serializer):
    line = pk_field(
        PurchaseOrderLine.objects.select_related("order", "category", "model"),
        "order line",
        help_text="The line's id (see the order's lines).",
    )
    serial_numbers = serializers.ListField(
        child=serializers.CharField(max_length=100),
        allow_empty=False,
        help_text="One serial number per unit that arrived.",
    )
    checklist = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Deployment steps done on arrival (step ids). Units for a request go to its "
        "person only when every required step is ticked; otherwise they wait in stock.",
    )


class OrderReceiveInput(StrictInput, serializers.Serializer):
    """Goods arrived: which lines, with one serial number per unit."""

    lines = ReceiptInput(many=True, allow_empty=False)
    location = location_field(required=False, help_text="Where they arrived (id).")

    def perform(self, order: PurchaseOrder, actor) -> list[Asset]:
        receipts = [
            services.Receipt(
                line=item["line"],
                serial_numbers=item["serial_numbers"],
                checklist_done=item.get("checklist"),
            )
            for item in self.validated_data["lines"]
        ]
        return services.receive_order(
            order, actor=actor, receipts=receipts, location=self.validated_data.get("location")
        )


class OrderSendInput(StrictInput, serializers.Serializer):
    """Sending takes no fields."""

    def perform(self, order: PurchaseOrder, actor) -> PurchaseOrder:
        return services.send_order(order, actor=actor)


class OrderCancelInput(StrictInput, serializers.Serializer):
    reason = _required_reason("a cancellation")

    def perform(self, order: PurchaseOrder, actor) -> PurchaseOrder:
        return services.cancel_order(order, actor=actor, **self.validated_data)
