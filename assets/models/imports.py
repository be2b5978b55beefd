"""The web import's records: an uploaded file on its way in, and each person's column choices.

The file is kept in the row (``BinaryField``, at most ``parsing.MAX_BYTES``) rather than under
MEDIA_ROOT: it lives for days, not years, belongs to one person, and goes when its row goes, so
there is no orphan file to clean up and no path to guard.
"""

from django.conf import settings
from django.db import models


class ImportJobState(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded"
    CHECKED = "checked", "Checked"
    APPLIED = "applied", "Imported"
    REFUSED = "refused", "Refused"


class ImportJob(models.Model):
    """One upload, from the mapping step to the import; applied at most once."""

    kind = models.SlugField(max_length=30)  # a key of ``assets.importer.kinds.KINDS``
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs"
    )
    filename = models.CharField(max_length=255, blank=True)
    data = models.BinaryField()
    header = models.JSONField(default=list)  # the file's column titles, as written
    samples = models.JSONField(default=list)  # per column: its first few values
    row_count = models.PositiveIntegerField(default=0)
    mapping = models.JSONField(default=dict)  # column title -> field ("" ignores it)
    create = models.BooleanField(default=False)  # create missing categories, places, people...
    report = models.JSONField(null=True, blank=True)  # the last ``ImportReport.as_dict()``
    state = models.CharField(
        max_length=10, choices=ImportJobState.choices, default=ImportJobState.UPLOADED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["uploaded_by", "created_at"])]

    def __str__(self) -> str:
        return f"Import of {self.kind} from {self.filename or 'a file'} ({self.state})"


class ImportMapping(models.Model):
    """A column title a person mapped once, pre-selected in every later file of that kind."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_mappings"
    )
    kind = models.SlugField(max_length=30)
    column = models.CharField(max_length=200)  # ``columns.normalise``d title
    field = models.CharField(max_length=50, blank=True)  # "" means "ignore this column"
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "column"], name="import_mapping_one_per_column"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind} “{self.column}” → {self.field or 'ignored'}"
