"""Stage 1 and 2 records: requests and their approvals, department budgets, purchase orders."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from .choices import ApprovalStep, Decision, OrderStatus, RequestStatus

MONEY = {"max_digits": 12, "decimal_places": 2}


class Budget(models.Model):
    """What a department may spend on equipment in one fiscal year."""

    department = models.ForeignKey(
        "assets.Department", on_delete=models.CASCADE, related_name="budgets"
    )
    fiscal_year = models.PositiveIntegerField(
        help_text="The calendar year in which the fiscal year starts."
    )
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, default="GBP")
    history = HistoricalRecords()

    class Meta:
        ordering = ["department__name", "-fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "fiscal_year"], name="one_budget_per_department_year"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.department} FY{self.fiscal_year}: {self.amount} {self.currency}"


class AssetRequest(models.Model):
    """ "I need a laptop": for oneself, a colleague, or a new hire without an account yet."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requests_made"
    )
    for_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests_for_me",
        help_text="Who will use it; empty for a new hire without an account yet.",
    )
    new_hire_name = models.CharField(max_length=150, blank=True)
    new_hire_start_date = models.DateField(null=True, blank=True)
    department = models.ForeignKey(
        "assets.Department",
        on_delete=models.PROTECT,
        related_name="asset_requests",
        help_text="Whose manager approves and whose budget pays.",
    )
    category = models.ForeignKey(
        "assets.Category", on_delete=models.PROTECT, related_name="asset_requests"
    )
    model = models.ForeignKey(
        "assets.AssetModel",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="asset_requests",
    )
    quantity = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    justification = models.TextField()
    needed_by = models.DateField(null=True, blank=True)
    estimated_cost = models.DecimalField(
        **MONEY,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
        help_text="The whole request's estimated cost (all units).",
    )
    status = models.CharField(
        max_length=20,
        choices=RequestStatus.choices,
        default=RequestStatus.SUBMITTED,
        editable=False,
        db_index=True,
    )
    needs_second_approval = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(for_user__isnull=False) | ~Q(new_hire_name=""),
                name="request_names_who_it_is_for",
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="request_quantity_positive"),
            models.CheckConstraint(
                condition=Q(estimated_cost__gte=0), name="request_cost_not_negative"
            ),
        ]
        permissions = [
            ("decide_any_request", "Can approve or reject any department's requests"),
            ("second_approve_request", "Can give the second (IT) approval"),
            ("fulfil_request", "Can fulfil approved requests"),
        ]

    def __str__(self) -> str:
        return f"Request #{self.pk}: {self.quantity} × {self.category} for {self.for_whom}"

    def get_absolute_url(self) -> str:
        return reverse("requests_app:detail", args=[self.pk])

    @property
    def for_whom(self) -> str:
        if self.for_user_id:
            return self.for_user.get_full_name() or self.for_user.get_username()
        return f"{self.new_hire_name} (new hire)"

    @property
    def is_for_new_hire(self) -> bool:
        return bool(self.new_hire_name)

    @property
    def status_colour(self) -> str:
        return RequestStatus.colour(self.status)


class Approval(models.Model):
    """One decision on a request: the manager's, and above the threshold a second one by IT."""

    request = models.ForeignKey(AssetRequest, on_delete=models.CASCADE, related_name="approvals")
    step = models.CharField(max_length=20, choices=ApprovalStep.choices)
    decision = models.CharField(max_length=20, choices=Decision.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approvals_given"
    )
    reason = models.TextField(blank=True)
    over_budget = models.BooleanField(
        default=False, help_text="The request went over the budget when decided."
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decided_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "step"], name="one_decision_per_step"),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()}: {self.get_decision_display()} by {self.decided_by}"


class PurchaseOrder(models.Model):
    number = models.CharField(max_length=30, unique=True, editable=False)
    vendor = models.ForeignKey(
        "assets.Vendor", on_delete=models.PROTECT, related_name="purchase_orders"
    )
    status = models.CharField(
        max_length=20,
        choices=OrderStatus.choices,
        default=OrderStatus.DRAFT,
        editable=False,
        db_index=True,
    )
    currency = models.CharField(max_length=3, default="GBP")
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="purchase_orders"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("send_purchaseorder", "Can send purchase orders"),
            ("receive_purchaseorder", "Can receive ordered goods"),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.vendor})"

    def get_absolute_url(self) -> str:
        return reverse("requests_app:order-detail", args=[self.pk])

    @property
    def status_colour(self) -> str:
        return OrderStatus.colour(self.status)


class PurchaseOrderLine(models.Model):
    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    category = models.ForeignKey("assets.Category", on_delete=models.PROTECT, related_name="+")
    model = models.ForeignKey(
        "assets.AssetModel", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.CharField(max_length=200, blank=True)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_cost = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    expected_date = models.DateField(null=True, blank=True)
    request = models.ForeignKey(
        AssetRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="order_lines",
        help_text="The request this line serves; received units go to its person.",
    )
    department = models.ForeignKey(
        "assets.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Whose budget pays; the request's department when the line serves one.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="line_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.item_name} @ {self.unit_cost}"

    @property
    def item_name(self) -> str:
        return self.description or (str(self.model) if self.model_id else str(self.category))

    @property
    def total(self) -> Decimal:
        return self.unit_cost * self.quantity


class OrderedAsset(models.Model):
    """The register's placeholder for one unit of a sent line, and when it arrived."""

    line = models.ForeignKey(PurchaseOrderLine, on_delete=models.CASCADE, related_name="units")
    asset = models.OneToOneField(
        "assets.Asset", on_delete=models.CASCADE, related_name="ordered_as"
    )
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.asset_id} on line {self.line_id}"


class RequestAllocation(models.Model):
    """An asset given to a request's person, from stock or from an order."""

    request = models.ForeignKey(AssetRequest, on_delete=models.CASCADE, related_name="allocations")
    asset = models.ForeignKey("assets.Asset", on_delete=models.PROTECT, related_name="allocations")
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    allocated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["allocated_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "asset"], name="allocate_asset_once"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} for request {self.request_id}"
