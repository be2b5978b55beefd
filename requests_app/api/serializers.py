"""What the requests and purchase-order API answers (the bodies it reads are in ``inputs``).

Money is a string with two decimals ("1234.50"), exact to the cent, never a float.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assets.api.serializers import ErrorSerializer
from assets.models import Asset

from .. import services
from ..budgets import BudgetSummary, budget_summary
from ..choices import ApprovalStep, Decision, OrderStatus, RequestStatus
from ..models import (
    Approval,
    AssetRequest,
    PurchaseOrder,
    PurchaseOrderLine,
)


def money(**kwargs: Any) -> serializers.DecimalField:
    """Money out: a string with two decimals, exact to the cent."""
    return serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, **kwargs)


def _name(user) -> str | None:
    return (user.get_full_name() or user.get_username()) if user is not None else None


# --- small read-only shapes ---------------------------------------------------------------------


class AssetBriefSerializer(serializers.Serializer):
    """An asset in a list inside a request or an order: enough to recognise and look it up."""

    tag = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField(help_text="The asset's lifecycle status.")
    category = serializers.CharField(source="category.slug")
    model_name = serializers.SerializerMethodField()
    serial_number = serializers.CharField(allow_blank=True)
    location_name = serializers.SerializerMethodField()
    purchase_date = serializers.DateField(allow_null=True)
    url = serializers.SerializerMethodField(help_text="The asset in the API.")

    def get_model_name(self, asset: Asset) -> str | None:
        return str(asset.model) if asset.model_id else None

    def get_location_name(self, asset: Asset) -> str | None:
        return asset.location.full_name if asset.location_id else None

    def get_url(self, asset: Asset) -> str:
        path = reverse("api-asset-detail", args=[asset.tag])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class NewHireSerializer(serializers.Serializer):
    name = serializers.CharField()
    start_date = serializers.DateField(allow_null=True)


class ApprovalSerializer(serializers.ModelSerializer):
    step = serializers.CharField(help_text=", ".join(ApprovalStep.values))
    step_label = serializers.CharField(source="get_step_display")
    decision = serializers.CharField(help_text=", ".join(Decision.values))
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by_name = serializers.SerializerMethodField()
    over_budget = serializers.BooleanField(
        help_text="The request went over the department's budget when this was decided."
    )

    class Meta:
        model = Approval
        fields = [
            "step",
            "step_label",
            "decision",
            "decided_by",
            "decided_by_name",
            "reason",
            "over_budget",
            "decided_at",
        ]

    def get_decided_by_name(self, approval: Approval) -> str:
        return _name(approval.decided_by)


class AllocationSerializer(serializers.Serializer):
    """An asset given to the request's person."""

    tag = serializers.CharField(source="asset.tag")
    name = serializers.CharField(source="asset.name")
    status = serializers.CharField(source="asset.status")
    accepted_at = serializers.DateTimeField(
        source="asset.accepted_at", allow_null=True, help_text="When the holder confirmed receipt."
    )
    allocated_at = serializers.DateTimeField()
    allocated_by = serializers.CharField(source="allocated_by.username")


class RequestLineSerializer(serializers.Serializer):
    """A purchase-order line that serves the request."""

    id = serializers.IntegerField()
    order = serializers.IntegerField(source="order_id")
    order_number = serializers.CharField(source="order.number")
    order_status = serializers.CharField(
        source="order.status", help_text=", ".join(OrderStatus.values)
    )
    quantity = serializers.IntegerField()
    unit_cost = money()
    expected_date = serializers.DateField(allow_null=True)
    received = serializers.SerializerMethodField()

    def get_received(self, line: PurchaseOrderLine) -> int:
        return sum(1 for unit in line.units.all() if unit.received_at is not None)


class RequestHistorySerializer(serializers.Serializer):
    """One change of the request: when, who, the status after it, why."""

    at = serializers.DateTimeField(source="history_date")
    user = serializers.SerializerMethodField(help_text="Username; null for the system.")
    user_display = serializers.SerializerMethodField()
    status = serializers.CharField(help_text=", ".join(RequestStatus.values))
    reason = serializers.CharField(source="history_change_reason", allow_null=True)

    def get_user(self, row) -> str | None:
        return row.history_user.get_username() if row.history_user_id else None

    def get_user_display(self, row) -> str:
        return _name(row.history_user) if row.history_user_id else "System"


class BudgetSerializer(serializers.Serializer):
    """The department's budget for the current fiscal year, to the cent."""

    department = serializers.IntegerField()
    fiscal_year = serializers.IntegerField()
    label = serializers.CharField()
    amount = money(allow_null=True, help_text="Null when no budget is set for the year.")
    currency = serializers.CharField()
    committed = money(help_text="Approved requests not yet ordered, plus open orders' units.")
    spent = money(help_text="The cost of assets received in the fiscal year.")
    available = money(allow_null=True, help_text="amount − committed − spent; null if no budget.")


# --- requests: output ---------------------------------------------------------------------------


class RequestSerializer(serializers.ModelSerializer):
    """A request as lists show it."""

    # A plain string: a second "status" enum would collide with the asset's in the schema.
    status = serializers.CharField(read_only=True, help_text=", ".join(RequestStatus.values))
    url = serializers.SerializerMethodField(help_text="This request in the API.")
    web_url = serializers.SerializerMethodField(help_text="This request's page.")
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    requester = serializers.SlugRelatedField(slug_field="username", read_only=True)
    requester_name = serializers.SerializerMethodField()
    for_user = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        help_text="Username of who will use it; null for a new hire without an account yet.",
    )
    for_whom = serializers.CharField(read_only=True, help_text="The person's name, for display.")
    new_hire = serializers.SerializerMethodField()
    department_name = serializers.CharField(source="department.name", read_only=True)
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    model_name = serializers.StringRelatedField(source="model", read_only=True)
    estimated_cost = money(help_text="The whole request's estimated cost (all units).")
    currency = serializers.SerializerMethodField()
    pending_step = serializers.SerializerMethodField()

    class Meta:
        model = AssetRequest
        fields = [
            "id",
            "url",
            "web_url",
            "status",
            "status_label",
            "requester",
            "requester_name",
            "for_user",
            "for_whom",
            "new_hire",
            "department",
            "department_name",
            "category",
            "category_name",
            "model",
            "model_name",
            "quantity",
            "justification",
            "needed_by",
            "estimated_cost",
            "currency",
            "needs_second_approval",
            "pending_step",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_url(self, obj: AssetRequest) -> str:
        path = reverse("api-request-detail", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_web_url(self, obj: AssetRequest) -> str:
        return obj.get_absolute_url()

    def get_requester_name(self, obj: AssetRequest) -> str:
        return _name(obj.requester)

    @extend_schema_field(NewHireSerializer(allow_null=True))
    def get_new_hire(self, obj: AssetRequest) -> dict | None:
        if not obj.is_for_new_hire:
            return None
        return NewHireSerializer(
            {"name": obj.new_hire_name, "start_date": obj.new_hire_start_date}
        ).data

    def get_currency(self, obj: AssetRequest) -> str:
        return settings.ITAM_CURRENCY

    @extend_schema_field(
        serializers.CharField(
            allow_null=True,
            help_text="The approval step it waits for (manager, it); null once decided.",
        )
    )
    def get_pending_step(self, obj: AssetRequest) -> str | None:
        return services.pending_step(obj)


class RequestDetailSerializer(RequestSerializer):
    """One request with its decisions, allocations, order lines and history.

    ``reuse_candidates``, ``budget`` and ``holdings`` are what an approver weighs: they are given
    to whoever can decide the pending step, to the department's manager and to IT staff (who
    fulfil), and ``holdings`` also to the person it is for. For anyone else they are null.
    """

    approvals = ApprovalSerializer(many=True, read_only=True)
    allocations = AllocationSerializer(many=True, read_only=True)
    order_lines = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()
    over_budget = serializers.SerializerMethodField()
    can_decide = serializers.SerializerMethodField()
    holdings = serializers.SerializerMethodField()
    reuse_candidates = serializers.SerializerMethodField()
    budget = serializers.SerializerMethodField()

    class Meta(RequestSerializer.Meta):
        fields = [
            *RequestSerializer.Meta.fields,
            "approvals",
            "allocations",
            "order_lines",
            "history",
            "over_budget",
            "can_decide",
            "holdings",
            "reuse_candidates",
            "budget",
        ]
        read_only_fields = fields

    # -- who sees what an approver weighs --

    def _viewer(self):
        request = self.context.get("request")
        return request.user if request else None

    def _weighs(self, obj: AssetRequest) -> bool:
        user = self._viewer()
        if user is None or not user.is_authenticated:
            return False
        return (
            services.can_decide(user, obj)
            or obj.department.manager_id == user.pk
            or user.has_perm("requests_app.fulfil_request")
        )

    def _budget(self, obj: AssetRequest) -> BudgetSummary:
        cache = self.context.setdefault("_budgets", {})
        if obj.department_id not in cache:
            cache[obj.department_id] = budget_summary(obj.department)
        return cache[obj.department_id]

    # -- fields --

    @extend_schema_field(RequestLineSerializer(many=True))
    def get_order_lines(self, obj: AssetRequest) -> list[dict]:
        lines = obj.order_lines.select_related("order").prefetch_related("units")
        return RequestLineSerializer(lines, many=True).data

    @extend_schema_field(RequestHistorySerializer(many=True))
    def get_history(self, obj: AssetRequest) -> list[dict]:
        """Oldest first: the request's timeline reads from submission to fulfilment."""
        rows = obj.history.select_related("history_user").order_by("history_date", "history_id")
        return RequestHistorySerializer(rows, many=True).data

    @extend_schema_field(
        serializers.BooleanField(
            help_text="While submitted: approving it would take the department over its budget "
            "for the year. Once decided: whether it did when decided."
        )
    )
    def get_over_budget(self, obj: AssetRequest) -> bool:
        if obj.status == RequestStatus.SUBMITTED:
            return self._budget(obj).would_exceed(obj.estimated_cost)
        return any(approval.over_budget for approval in obj.approvals.all())

    @extend_schema_field(
        serializers.BooleanField(help_text="Whether you can approve or reject it now.")
    )
    def get_can_decide(self, obj: AssetRequest) -> bool:
        user = self._viewer()
        return bool(user) and services.can_decide(user, obj)

    @extend_schema_field(
        AssetBriefSerializer(
            many=True,
            allow_null=True,
            help_text="What the person already holds. Null unless you weigh the request or it "
            "is for you; empty for a new hire without an account.",
        )
    )
    def get_holdings(self, obj: AssetRequest) -> list[dict] | None:
        user = self._viewer()
        if not (self._weighs(obj) or (user is not None and user.pk == obj.for_user_id)):
            return None
        if obj.for_user_id is None:
            return []
        assets = (
            Asset.objects.filter(assigned_user_id=obj.for_user_id)
            .select_related("category", "model__manufacturer", "location__parent__parent__parent")
            .order_by("tag")
        )
        return AssetBriefSerializer(assets, many=True, context=self.context).data

    @extend_schema_field(
        AssetBriefSerializer(
            many=True,
            allow_null=True,
            help_text="In-stock assets of the category (the requested model first) that could "
            "be given instead of buying. Null unless you can decide, manage the department, or "
            "fulfil requests; empty once the request is closed.",
        )
    )
    def get_reuse_candidates(self, obj: AssetRequest) -> list[dict] | None:
        if not self._weighs(obj):
            return None
        if obj.status not in (
            RequestStatus.SUBMITTED,
            RequestStatus.APPROVED,
            RequestStatus.ORDERING,
        ):
            return []
        candidates = services.reuse_candidates(obj).select_related(
            "location__parent__parent__parent"
        )
        return AssetBriefSerializer(candidates, many=True, context=self.context).data

    @extend_schema_field(
        BudgetSerializer(
            allow_null=True,
            help_text="The department's budget this fiscal year. Null unless you can decide, "
            "manage the department, or fulfil requests.",
        )
    )
    def get_budget(self, obj: AssetRequest) -> dict | None:
        if not self._weighs(obj):
            return None
        return BudgetSerializer(self._budget(obj).as_dict()).data


# --- purchase orders: output --------------------------------------------------------------------


class OrderedUnitSerializer(serializers.Serializer):
    """One unit of a sent line: its asset in the register, and when it arrived."""

    tag = serializers.CharField(source="asset.tag")
    status = serializers.CharField(source="asset.status")
    serial_number = serializers.CharField(source="asset.serial_number", allow_blank=True)
    holder = serializers.SerializerMethodField(help_text="Username it is deployed to, if any.")
    received_at = serializers.DateTimeField(allow_null=True)

    def get_holder(self, unit) -> str | None:
        asset = unit.asset
        return asset.assigned_user.get_username() if asset.assigned_user_id else None


class OrderLineSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    model_name = serializers.StringRelatedField(source="model", read_only=True)
    item_name = serializers.CharField(read_only=True)
    unit_cost = money()
    total = money(help_text="quantity × unit_cost")
    received = serializers.SerializerMethodField(help_text="Units arrived.")
    outstanding = serializers.SerializerMethodField(
        help_text="Units still to arrive (0 once the order is cancelled)."
    )
    assets = OrderedUnitSerializer(
        source="units",
        many=True,
        read_only=True,
        help_text="The register's assets for this line (from the moment the order is sent).",
    )

    class Meta:
        model = PurchaseOrderLine
        fields = [
            "id",
            "category",
            "category_name",
            "model",
            "model_name",
            "description",
            "item_name",
            "quantity",
            "unit_cost",
            "total",
            "expected_date",
            "request",
            "department",
            "received",
            "outstanding",
            "assets",
        ]
        read_only_fields = fields

    def get_received(self, line: PurchaseOrderLine) -> int:
        return sum(1 for unit in line.units.all() if unit.received_at is not None)

    def get_outstanding(self, line: PurchaseOrderLine) -> int:
        if line.order.status == OrderStatus.CANCELLED:
            return 0
        return line.quantity - self.get_received(line)


class OrderSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="This order in the API.")
    web_url = serializers.SerializerMethodField(help_text="This order's page.")
    status = serializers.CharField(read_only=True, help_text=", ".join(OrderStatus.values))
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    vendor_name = serializers.CharField(source="vendor.name", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    total = serializers.SerializerMethodField()
    lines = OrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "number",
            "url",
            "web_url",
            "status",
            "status_label",
            "vendor",
            "vendor_name",
            "currency",
            "notes",
            "created_by",
            "created_at",
            "sent_at",
            "total",
            "lines",
        ]
        read_only_fields = fields

    def get_url(self, order: PurchaseOrder) -> str:
        path = reverse("api-purchase-order-detail", args=[order.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_web_url(self, order: PurchaseOrder) -> str:
        return order.get_absolute_url()

    @extend_schema_field(money(help_text="The sum of the lines."))
    def get_total(self, order: PurchaseOrder) -> str:
        total = sum((line.total for line in order.lines.all()), Decimal("0.00"))
        return f"{total.quantize(Decimal('0.01'))}"


class OrderReceivedSerializer(OrderSerializer):
    """The answer to a receipt: the order now, and the assets that just arrived."""

    received_assets = serializers.SerializerMethodField()

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "received_assets"]
        read_only_fields = fields

    @extend_schema_field(AssetBriefSerializer(many=True))
    def get_received_assets(self, order: PurchaseOrder) -> list[dict]:
        return AssetBriefSerializer(
            self.context.get("received", []), many=True, context=self.context
        ).data


# --- errors (for the schema) --------------------------------------------------------------------


class RequestRefusedSerializer(ErrorSerializer):
    request = serializers.IntegerField()
    current_status = serializers.CharField(help_text=", ".join(RequestStatus.values))
    available = serializers.CharField(
        required=False, help_text="Budget left, when approval is blocked over budget."
    )


class OrderRefusedSerializer(ErrorSerializer):
    order = serializers.IntegerField()
    current_status = serializers.CharField(help_text=", ".join(OrderStatus.values))
