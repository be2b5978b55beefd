"""Audit sessions: walk a place, scan what is there, and reconcile it with the register.

A session's scope is a location and everything under it, optionally narrowed to one category.
Scans are kept forever; closing writes one ``AuditLine`` per asset or code with its outcome, and the
one-click actions that carry an outcome into the register (move here, mark missing, mark found) go
through ``assets.lifecycle`` and are stamped on the line.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from assets.choices import Condition

from .choices import Action, AuditStatus, Outcome, ScanResult

CODE_MAX_LENGTH = 200


class AuditSession(models.Model):
    location = models.ForeignKey(
        "assets.Location",
        on_delete=models.PROTECT,
        related_name="audit_sessions",
        help_text="The place audited, with everything under it.",
    )
    category = models.ForeignKey(
        "assets.Category",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_sessions",
        help_text="Only assets of this category are expected (all categories when empty).",
    )
    auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="audits_assigned",
        help_text="Who walks the site.",
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=AuditStatus.choices, default=AuditStatus.OPEN, editable=False
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="audits_started",
        editable=False,
    )
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audits_closed",
        editable=False,
    )
    expected_count = models.PositiveIntegerField(
        null=True, blank=True, editable=False, help_text="How many assets the register expected."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "due_date"], name="audit_status_due")]
        permissions = [
            ("scan_auditsession", "Can record scans in audits"),
            ("close_auditsession", "Can close audits"),
            ("apply_auditsession", "Can apply audit outcomes to assets"),
            ("print_tags", "Can print QR tag sheets"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.location}"

    def get_absolute_url(self) -> str:
        return reverse("audits:detail", args=[self.pk])

    @property
    def reference(self) -> str:
        """How history rows and reports name the audit: ``AU-12``."""
        return f"AU-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == AuditStatus.OPEN

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date is not None and self.due_date < timezone.localdate()


class AuditScan(models.Model):
    """One code read in one audit: idempotent per (audit, code)."""

    session = models.ForeignKey(AuditSession, on_delete=models.PROTECT, related_name="scans")
    code = models.CharField(
        max_length=CODE_MAX_LENGTH, help_text="The asset's tag, or the code as read when unknown."
    )
    # SET_NULL: an order withdrawn after its asset was scanned deletes the asset; the code keeps
    # the tag, so the scan still says what was read.
    asset = models.ForeignKey(
        "assets.Asset",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_scans",
    )
    scanned_at = models.DateTimeField(default=timezone.now)
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="audit_scans"
    )
    found_at = models.ForeignKey(
        "assets.Location",
        on_delete=models.PROTECT,
        related_name="audit_scans",
        help_text="Where the auditor found it.",
    )
    register_location = models.ForeignKey(
        "assets.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Where the register had it when scanned.",
    )
    condition = models.CharField(max_length=20, choices=Condition.choices, blank=True)
    result = models.CharField(max_length=20, choices=ScanResult.choices)
    message = models.CharField(max_length=300, blank=True, help_text="The answer shown at once.")

    class Meta:
        ordering = ["-scanned_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "code"], name="one_scan_per_code_per_audit")
        ]
        indexes = [models.Index(fields=["session", "-scanned_at"], name="audit_scan_recent")]

    def __str__(self) -> str:
        return f"{self.code} in AU-{self.session_id}"

    @property
    def result_colour(self) -> str:
        return ScanResult.colour(self.result)


class AuditLine(models.Model):
    """One row of a closed audit's reconciliation, and what was done about it."""

    session = models.ForeignKey(AuditSession, on_delete=models.PROTECT, related_name="lines")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    code = models.CharField(max_length=CODE_MAX_LENGTH)
    asset = models.ForeignKey(
        "assets.Asset",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_lines",
    )
    scan = models.OneToOneField(
        AuditScan, on_delete=models.PROTECT, null=True, blank=True, related_name="line"
    )
    register_location = models.ForeignKey(
        "assets.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Where the register had it at closing.",
    )
    register_status = models.CharField(
        max_length=20, blank=True, help_text="The asset's state at closing."
    )
    found_location = models.ForeignKey(
        "assets.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    applied_action = models.CharField(max_length=20, choices=Action.choices, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    refusal = models.CharField(
        max_length=500, blank=True, help_text="Why the last attempt to apply it was refused."
    )

    class Meta:
        ordering = ["outcome", "code"]
        constraints = [
            models.UniqueConstraint(fields=["session", "code"], name="one_line_per_code_per_audit")
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.get_outcome_display()}"
