"""What kinds of things the organisation owns: categories, makes and models, and who sells them."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from ..choices import CategoryKind

MAX_AUDIT_INTERVAL_DAYS = 3660
MAX_EXPECTED_LIFE_MONTHS = 600


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
    # Bounded: dates are computed from both (next audit, end of life), and a date past year
    # 9999 cannot be (the API fuzz made a category of 2,147,483,647 days: a 500 on every asset).
    audit_interval_days = models.PositiveIntegerField(
        default=365,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_AUDIT_INTERVAL_DAYS)],
        help_text="How often each asset must be seen by an audit (at most every 10 years).",
    )
    expected_life_months = models.PositiveIntegerField(
        default=48,
        validators=[MaxValueValidator(MAX_EXPECTED_LIFE_MONTHS)],
        help_text="Used for depreciation and retirement candidates (at most 50 years).",
    )
    description = models.TextField(blank=True)
    acceptance_text = models.TextField(
        blank=True,
        help_text="Terms the holder accepts on receipt (use policy, EULA). Editing them makes a "
        "new version; each acceptance records the version it accepted.",
    )
    acceptance_version = models.PositiveIntegerField(default=0, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        """A changed acceptance text is a new version (the old one stays in the history)."""
        previous = (
            Category.objects.filter(pk=self.pk).values_list("acceptance_text", flat=True).first()
            if self.pk
            else ""
        )
        if (self.acceptance_text or "") != (previous or ""):
            self.acceptance_version += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "acceptance_version"}
        super().save(*args, **kwargs)


class ChecklistItem(models.Model):
    """A step IT ticks off when deploying an asset of the category ("enrol in MDM")."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="checklist")
    text = models.CharField(max_length=200)
    required = models.BooleanField(
        default=True, help_text="A deployment is refused until a required step is ticked."
    )
    position = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["category", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.category}: {self.text}"


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
