"""Stage 5 of the lifecycle: maintenance work, preventive plans and software licences with seats.

A licence key is a secret: only people with ``maintenance.view_license_key`` (IT staff) ever see it,
and it is kept out of the licence's history table so that no history view can leak it.
"""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .choices import MaintenanceKind

MONEY = {"max_digits": 12, "decimal_places": 2}


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last_day))


class MaintenanceRecord(models.Model):
    """One piece of work on one asset: a repair, a service, an upgrade, an update or an incident.

    A record that ``took_out_of_service`` is opened by ``lifecycle.start_maintenance`` and closed by
    ``lifecycle.complete_maintenance``; work done in place is logged already closed.
    """

    asset = models.ForeignKey(
        "assets.Asset", on_delete=models.PROTECT, related_name="maintenance_records"
    )
    kind = models.CharField(
        max_length=20, choices=MaintenanceKind.choices, default=MaintenanceKind.REPAIR
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    supplier = models.CharField(
        max_length=200, blank=True, help_text="Who did the work: a repairer, the vendor, in-house."
    )
    plan = models.ForeignKey(
        "maintenance.MaintenancePlan",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="records",
        help_text="The preventive plan this work fulfils, if any.",
    )
    took_out_of_service = models.BooleanField(
        default=True, help_text="The asset was in maintenance (not usable) while this was open."
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    cost = models.DecimalField(
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="What it cost us (zero when the warranty paid).",
    )
    warranty_covered = models.BooleanField(default=False)
    downtime = models.DurationField(
        null=True, blank=True, help_text="How long the asset was out of use."
    )
    resolution = models.TextField(blank=True, help_text="What was done, how it ended.")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="maintenance_opened"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="maintenance_closed",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        indexes = [
            models.Index(fields=["asset", "opened_at"], name="maint_asset_opened"),
            models.Index(fields=["plan", "asset", "closed_at"], name="maint_plan_asset_closed"),
        ]
        constraints = [
            # At most one open out-of-service record per asset: the one its maintenance state has.
            models.UniqueConstraint(
                fields=["asset"],
                condition=Q(closed_at__isnull=True, took_out_of_service=True),
                name="one_open_repair_per_asset",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("opened_at")),
                name="maintenance_closes_after_it_opens",
            ),
            models.CheckConstraint(
                condition=Q(cost__isnull=True) | Q(cost__gte=0), name="maintenance_cost_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("maintenance:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def kind_colour(self) -> str:
        return MaintenanceKind.colour(self.kind)

    @property
    def reference(self) -> str:
        return f"MR-{self.pk}"


class MaintenancePlan(models.Model):
    """Preventive maintenance every N months, for one asset or for every asset of a category.

    An asset's next due date is its last completed work under the plan plus the interval, or the
    plan's first due date when nothing has been done yet.
    """

    title = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=20, choices=MaintenanceKind.choices, default=MaintenanceKind.SERVICING
    )
    description = models.TextField(blank=True, help_text="What to do each time.")
    category = models.ForeignKey(
        "assets.Category",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="maintenance_plans",
    )
    asset = models.ForeignKey(
        "assets.Asset",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="maintenance_plans",
    )
    interval_months = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    first_due_on = models.DateField(help_text="When the first round is due.")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(category__isnull=False) & Q(asset__isnull=True))
                | (Q(category__isnull=True) & Q(asset__isnull=False)),
                name="plan_covers_a_category_or_an_asset",
            ),
            models.CheckConstraint(
                condition=Q(interval_months__gte=1), name="plan_interval_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (every {self.interval_months} months)"

    def get_absolute_url(self) -> str:
        return reverse("maintenance:plan", args=[self.pk])

    @property
    def scope_label(self) -> str:
        return f"every {self.category}" if self.category_id else str(self.asset)

    def next_due(self, last_done: datetime.date | None) -> datetime.date:
        return add_months(last_done, self.interval_months) if last_done else self.first_due_on


class SoftwareLicense(models.Model):
    """A software licence: a number of seats, each held by a person or installed on an asset."""

    product = models.CharField(max_length=200)
    version = models.CharField(max_length=100, blank=True)
    vendor = models.ForeignKey(
        "assets.Vendor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="licenses",
    )
    key = models.TextField(blank=True, help_text="Licence key or activation code: IT staff only.")
    seats = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    cost = models.DecimalField(
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="What the current term cost.",
    )
    purchased_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(
        null=True, blank=True, db_index=True, help_text="Empty for a perpetual licence."
    )
    renewal_terms = models.TextField(
        blank=True, help_text="How it renews: term, notice period, auto-renewal, contact."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="licenses_owned",
        help_text="Who looks after the renewal; told with IT staff.",
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The key never goes into history: no history page or API can show an old key.
    history = HistoricalRecords(excluded_fields=["key"])

    class Meta:
        ordering = ["product", "pk"]
        verbose_name = "software licence"
        verbose_name_plural = "software licences"
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1), name="license_has_a_seat"),
            models.CheckConstraint(
                condition=Q(cost__isnull=True) | Q(cost__gte=0), name="license_cost_positive"
            ),
        ]
        permissions = [
            ("view_license_key", "Can see licence keys"),
            ("renew_softwarelicense", "Can renew software licences"),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.version}".strip()

    def get_absolute_url(self) -> str:
        return reverse("maintenance:license", args=[self.pk])

    def days_left(self, today: datetime.date | None = None) -> int | None:
        if self.expires_on is None:
            return None
        return (self.expires_on - (today or timezone.localdate())).days

    @property
    def is_expired(self) -> bool:
        return self.expires_on is not None and self.expires_on < timezone.localdate()


class LicenseSeat(models.Model):
    """One seat in use: by a person or on an asset, from assignment until release."""

    license = models.ForeignKey(
        SoftwareLicense, on_delete=models.PROTECT, related_name="seat_assignments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="license_seats",
    )
    asset = models.ForeignKey(
        "assets.Asset",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="license_seats",
    )
    note = models.CharField(max_length=200, blank=True)
    assigned_at = models.DateTimeField(default=timezone.now)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    release_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-assigned_at", "-pk"]
        indexes = [models.Index(fields=["license", "released_at"], name="seat_license_open")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(asset__isnull=True))
                | (Q(user__isnull=True) & Q(asset__isnull=False)),
                name="seat_held_by_a_user_or_an_asset",
            ),
            models.UniqueConstraint(
                fields=["license", "user"],
                condition=Q(released_at__isnull=True, user__isnull=False),
                name="one_open_seat_per_user",
            ),
            models.UniqueConstraint(
                fields=["license", "asset"],
                condition=Q(released_at__isnull=True, asset__isnull=False),
                name="one_open_seat_per_asset",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.license} → {self.holder_label}"

    @property
    def holder_label(self) -> str:
        if self.user_id:
            return self.user.get_full_name() or self.user.get_username()
        return str(self.asset)

    @property
    def is_open(self) -> bool:
        return self.released_at is None


class LicenseRenewal(models.Model):
    """One renewal of a licence: the term it replaced and the one it bought."""

    license = models.ForeignKey(SoftwareLicense, on_delete=models.PROTECT, related_name="renewals")
    renewed_on = models.DateField(default=timezone.localdate)
    previous_expires_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    previous_seats = models.PositiveIntegerField()
    seats = models.PositiveIntegerField()
    cost = models.DecimalField(**MONEY, null=True, blank=True, validators=[MinValueValidator(0)])
    note = models.TextField(blank=True)
    renewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-renewed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.license} renewed on {self.renewed_on}"


ZERO = Decimal("0.00")
