"""The one shared Asset model; its ``status`` is written only by ``assets.lifecycle``."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ..choices import AssetStatus, Condition, RetirementReason


class AssetHistoryExtras(models.Model):
    """Extra columns on every history row, so each row says which move made it and from where."""

    history_action = models.CharField(max_length=40, blank=True, default="")
    history_from_status = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        abstract = True


class TagSequence(models.Model):
    """The last number handed out per tag prefix; only ever goes up, so tags are never reused."""

    prefix = models.CharField(max_length=20, unique=True)
    last_number = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last_number}"


_ONE_HOLDER = (
    Q(assigned_user__isnull=False, assigned_location__isnull=True, assigned_department__isnull=True)
    | Q(
        assigned_user__isnull=True,
        assigned_location__isnull=False,
        assigned_department__isnull=True,
    )
    | Q(
        assigned_user__isnull=True,
        assigned_location__isnull=True,
        assigned_department__isnull=False,
    )
)
_NO_HOLDER = Q(
    assigned_user__isnull=True, assigned_location__isnull=True, assigned_department__isnull=True
)


class Asset(models.Model):
    tag = models.CharField(max_length=40, unique=True, editable=False)
    name = models.CharField(max_length=200)
    status = models.CharField(
        max_length=20, choices=AssetStatus.choices, default=AssetStatus.IN_STOCK, editable=False
    )
    category = models.ForeignKey("assets.Category", on_delete=models.PROTECT, related_name="assets")
    model = models.ForeignKey(
        "assets.AssetModel", on_delete=models.PROTECT, null=True, blank=True, related_name="assets"
    )
    serial_number = models.CharField(max_length=100, blank=True, db_index=True)
    location = models.ForeignKey(
        "assets.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assets",
        help_text="Where the asset physically is.",
    )
    department = models.ForeignKey(
        "assets.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_assets",
        help_text="The department that owns (paid for) the asset.",
    )
    # The holder while deployed: exactly one of these three.
    assigned_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="held_assets",
    )
    assigned_location = models.ForeignKey(
        "assets.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="held_assets",
    )
    assigned_department = models.ForeignKey(
        "assets.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="held_assets",
    )
    assigned_at = models.DateTimeField(null=True, blank=True, editable=False)
    expected_return_date = models.DateField(null=True, blank=True, editable=False)
    accepted_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the holder confirmed receipt."
    )
    vendor = models.ForeignKey(
        "assets.Vendor", on_delete=models.PROTECT, null=True, blank=True, related_name="assets"
    )
    purchase_date = models.DateField(null=True, blank=True)
    purchase_cost = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0, message="Cost cannot be negative.")],
    )
    order_number = models.CharField(max_length=100, blank=True)
    warranty_end = models.DateField(null=True, blank=True)
    next_audit_date = models.DateField(null=True, blank=True, db_index=True)
    # Set by ``lifecycle.retire`` (kept through disposal, cleared by ``reinstate``): the reports'
    # "age and cost at retirement" read them without walking the history.
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)
    retirement_reason = models.CharField(
        max_length=30, choices=RetirementReason.choices, blank=True, editable=False
    )
    condition = models.CharField(
        max_length=20, choices=Condition.choices, blank=True, help_text="Noted at check-in."
    )
    reservable = models.BooleanField(
        default=False, help_text="In a loaner pool: people can book it for dates."
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(bases=[AssetHistoryExtras], excluded_fields=["updated_at"])

    class Meta:
        ordering = ["tag"]
        indexes = [
            models.Index(fields=["status", "tag"], name="asset_status_tag"),
            models.Index(fields=["category", "status"], name="asset_category_status"),
            # The register's sorts end with the tag, so pages never overlap: (name, tag) walks in
            # order, and with the category first it serves "Laptops by name" (12.6 -> 0.6 ms for
            # page 20 of 12,500).
            models.Index(fields=["name", "tag"], name="asset_name_tag"),
            models.Index(fields=["category", "name", "tag"], name="asset_category_name_tag"),
            models.Index(fields=["purchase_date"], name="asset_purchase_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(purchase_cost__isnull=True) | Q(purchase_cost__gte=0),
                name="asset_cost_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(status=AssetStatus.DEPLOYED) | _ONE_HOLDER,
                name="deployed_asset_has_one_holder",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        AssetStatus.DEPLOYED,
                        AssetStatus.IN_MAINTENANCE,
                        AssetStatus.MISSING,
                    ]
                )
                | _NO_HOLDER,
                name="only_held_assets_have_holder",
            ),
        ]
        permissions = [
            ("receive_asset", "Can receive ordered assets"),
            ("deploy_asset", "Can deploy assets"),
            ("transfer_asset", "Can transfer deployed assets"),
            ("check_in_asset", "Can check assets in"),
            ("maintain_asset", "Can start and complete maintenance"),
            ("mark_missing_asset", "Can mark assets missing"),
            ("mark_found_asset", "Can mark missing assets found"),
            ("retire_asset", "Can retire assets"),
            ("wipe_asset", "Can record data wipes"),
            ("dispose_asset", "Can dispose of assets"),
            ("reinstate_asset", "Can reinstate retired assets"),
        ]

    def __str__(self) -> str:
        return f"{self.tag} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("assets:detail", args=[self.tag])

    @property
    def holder(self):
        """The user, location or department holding the asset, or None."""
        return self.assigned_user or self.assigned_location or self.assigned_department

    @property
    def holder_kind(self) -> str:
        if self.assigned_user_id:
            return "user"
        if self.assigned_location_id:
            return "location"
        if self.assigned_department_id:
            return "department"
        return ""

    @property
    def status_colour(self) -> str:
        return AssetStatus.colour(self.status)

    def current_wipes(self) -> models.QuerySet:
        """Wipes recorded since the asset was last retired.

        A wipe from before a reinstatement says nothing about the data written since, so only
        these count towards disposal (and on the certificates and the compliance report).
        """
        wipes = self.wipes.all()
        if self.retired_at is not None:
            wipes = wipes.filter(created_at__gte=self.retired_at)
        return wipes

    @property
    def has_verified_wipe(self) -> bool:
        return (
            self.current_wipes()
            .filter(verified_by__isnull=False)
            .exclude(verified_by=models.F("performed_by"))
            .exists()
        )
