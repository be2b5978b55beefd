"""Evidence of the end of an asset's life: data wipes (NIST SP 800-88) and disposals."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from ..choices import DisposalMethod, WipeMethod


def wipe_certificate_path(instance, filename: str) -> str:
    """Under a private folder of MEDIA_ROOT that no URL maps (downloads go through a view)."""
    return f"private/wipe-certificates/{instance.asset_id}/{filename}"


def disposal_certificate_path(instance, filename: str) -> str:
    return f"private/disposal-certificates/{instance.asset_id}/{filename}"


class WipeRecord(models.Model):
    asset = models.ForeignKey("assets.Asset", on_delete=models.PROTECT, related_name="wipes")
    method = models.CharField(max_length=20, choices=WipeMethod.choices)
    tool = models.CharField(max_length=200, blank=True, help_text="Software or device used.")
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="wipes_performed"
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="wipes_verified",
    )
    performed_on = models.DateField()
    certificate_reference = models.CharField(max_length=200, blank=True)
    # The wiping tool's report; private: downloaded only through the certificate view.
    certificate_file = models.FileField(upload_to=wipe_certificate_path, blank=True, max_length=255)
    certificate_content_type = models.CharField(max_length=50, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-performed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True) | ~Q(verified_by=F("performed_by")),
                name="wipe_verifier_differs_from_performer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} wipe of {self.asset_id} on {self.performed_on}"

    @property
    def is_verified(self) -> bool:
        return self.verified_by_id is not None and self.verified_by_id != self.performed_by_id

    def counts_for(self, asset) -> bool:
        """Recorded during the asset's current retirement (see ``Asset.current_wipes``)."""
        return asset.retired_at is None or self.created_at >= asset.retired_at


class DisposalRecord(models.Model):
    asset = models.OneToOneField("assets.Asset", on_delete=models.PROTECT, related_name="disposal")
    method = models.CharField(max_length=20, choices=DisposalMethod.choices)
    recipient = models.CharField(max_length=200, blank=True)
    proceeds = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    disposed_on = models.DateField()
    certificate_reference = models.CharField(max_length=200, blank=True)
    # The recycler's or buyer's certificate; private, as the wipe's.
    certificate_file = models.FileField(
        upload_to=disposal_certificate_path, blank=True, max_length=255
    )
    certificate_content_type = models.CharField(max_length=50, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="disposals_recorded"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Disposal of {self.asset_id} ({self.get_method_display()})"
