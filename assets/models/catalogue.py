"""What kinds of things the organisation owns: categories, makes and models, and who sells them."""

from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from ..choices import CategoryKind


class Category(models.Model):
    """The type of an asset; it decides data-wipe rules, audit cadence and expected life."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(
        max_length=20, choices=CategoryKind.choices, default=CategoryKind.HARDWARE
    )
    holds_data = models.BooleanField(
        default=False,
        help_text="Assets of this category store data and need a verified wipe before disposal.",
    )
    audit_interval_days = models.PositiveIntegerField(
        default=365,
        validators=[MinValueValidator(1)],
        help_text="How often each asset must be seen by an audit.",
    )
    expected_life_months = models.PositiveIntegerField(
        default=48, help_text="Used for depreciation and retirement candidates."
    )
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Manufacturer(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    website = models.URLField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AssetModel(models.Model):
    """A make and model, e.g. Dell Latitude 7450; many assets share one."""

    manufacturer = models.ForeignKey(Manufacturer, on_delete=models.PROTECT, related_name="models")
    name = models.CharField(max_length=150)
    model_number = models.CharField(max_length=100, blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="models")
    history = HistoricalRecords()

    class Meta:
        ordering = ["manufacturer__name", "name"]
        verbose_name = "asset model"
        constraints = [
            models.UniqueConstraint(fields=["manufacturer", "name"], name="unique_model_per_maker")
        ]

    def __str__(self) -> str:
        return f"{self.manufacturer.name} {self.name}"


class Vendor(models.Model):
    """Who sold us an asset (and later, who repairs it)."""

    name = models.CharField(max_length=150, unique=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    website = models.URLField(blank=True)
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("admin:assets_vendor_change", args=[self.pk])
