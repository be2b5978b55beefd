"""Deployments (who had an asset, from when to when, with its checklist and acceptance) and
bookings of loaner-pool assets."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from ..choices import ReservationStatus


class Assignment(models.Model):
    """One deployment of an asset to one holder, from deploy/transfer until it leaves them."""

    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="assignments")
    assigned_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
    )
    assigned_location = models.ForeignKey(
        "assets.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_department = models.ForeignKey(
        "assets.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    expected_return_date = models.DateField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_action = models.CharField(
        max_length=40, blank=True, help_text="The move that ended it: check_in, transfer..."
    )
    checklist = models.JSONField(
        default=list,
        blank=True,
        help_text='The category\'s steps at deployment: [{"item", "text", "required", "done"}].',
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_terms_version = models.PositiveIntegerField(null=True, blank=True)
    problem_reported_at = models.DateTimeField(null=True, blank=True)
    problem_report = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["asset", "ended_at"], name="assignment_open")]
        constraints = [
            models.UniqueConstraint(
                fields=["asset"],
                condition=Q(ended_at__isnull=True),
                name="one_open_assignment_per_asset",
            )
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} to {self.holder} from {self.started_at:%Y-%m-%d}"

    @property
    def holder(self):
        return self.assigned_user or self.assigned_location or self.assigned_department


class Reservation(models.Model):
    """A booking of a pool asset (or of "any asset of this model") for a date range."""

    asset = models.ForeignKey(
        "assets.Asset",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reservations",
        help_text="The asset booked; chosen from the pool when booking 'any of this model'.",
    )
    model = models.ForeignKey(
        "assets.AssetModel",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reservations",
        help_text="Set when the person asked for any asset of this model.",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reservations"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(
        max_length=20,
        choices=ReservationStatus.choices,
        default=ReservationStatus.BOOKED,
        db_index=True,
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_on", "pk"]
        indexes = [models.Index(fields=["asset", "starts_on", "ends_on"], name="reservation_span")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="reservation_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(asset__isnull=False) | Q(model__isnull=False),
                name="reservation_names_asset_or_model",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id or self.model_id} for {self.person} {self.starts_on}–{self.ends_on}"
