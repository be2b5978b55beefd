"""End-of-life services: certificate uploads (checked by content) and retirement candidates.

Certificates are evidence an auditor may be shown years later, so only formats that cannot carry
script (PDF, PNG, JPEG) are kept, recognised by their first bytes: a browser's content type and a
file's name are whatever the uploader's machine says, and an SVG or HTML page named ``.pdf`` would
otherwise be stored and handed back.
"""

from __future__ import annotations

import calendar
import datetime
import operator
import uuid
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from maintenance.choices import MaintenanceKind
from maintenance.models import MaintenanceRecord

from .choices import ACTIVE_STATUSES, Condition
from .models import Asset, Category

MAX_CERTIFICATE_BYTES = 5 * 1024 * 1024
ACCEPTED = "Upload a PDF, PNG or JPEG file of at most 5 MB."


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extension: str
    magic: bytes


KINDS = (
    FileKind("application/pdf", "pdf", b"%PDF-"),
    FileKind("image/png", "png", b"\x89PNG\r\n\x1a\n"),
    FileKind("image/jpeg", "jpg", b"\xff\xd8\xff"),
)


def sniff(head: bytes) -> FileKind | None:
    """The accepted kind these first bytes start, or None."""
    return next((kind for kind in KINDS if head.startswith(kind.magic)), None)


def check_certificate_file(upload: UploadedFile) -> FileKind:
    """The upload's kind, or a ValidationError saying what is accepted (size, then content)."""
    if upload.size is not None and upload.size > MAX_CERTIFICATE_BYTES:
        size_mb = upload.size / (1024 * 1024)
        raise ValidationError(f"The file is {size_mb:.1f} MB: too large. {ACCEPTED}")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    kind = sniff(head)
    if kind is None:
        raise ValidationError(
            f"“{upload.name}” is not a PDF, PNG or JPEG file (checked by its content, not its "
            f"name). {ACCEPTED}"
        )
    return kind


def prepare_certificate_file(upload: UploadedFile) -> tuple[UploadedFile, str]:
    """The checked upload renamed to a random name with its true extension, and its type.

    The stored name never comes from the uploader (no path tricks, no misleading extension)."""
    kind = check_certificate_file(upload)
    upload.name = f"{uuid.uuid4().hex}.{kind.extension}"
    return upload, kind.content_type


def dispose_with_certificate(
    asset, *, actor, certificate_file: UploadedFile | None = None, **kwargs
):
    """``lifecycle.dispose`` plus the disposal certificate file, in one transaction.

    The file is checked before anything is written, so a refused file disposes of nothing."""
    from django.db import transaction

    from . import lifecycle

    content_type = ""
    if certificate_file:
        try:
            certificate_file, content_type = prepare_certificate_file(certificate_file)
        except ValidationError as exc:
            raise ValidationError({"certificate_file": exc.messages}) from exc
    stored = []
    try:
        with transaction.atomic():
            result = lifecycle.dispose(asset, actor=actor, **kwargs)
            if certificate_file:
                record = asset.__class__.objects.get(pk=asset.pk).disposal
                record.certificate_file = certificate_file
                record.certificate_content_type = content_type
                record._change_reason = "Disposal certificate file attached"
                record.save(update_fields=["certificate_file", "certificate_content_type"])
                stored.append(record.certificate_file)
    except BaseException:
        for file in stored:  # the row rolled back: do not leave its file behind
            file.storage.delete(file.name)
        raise
    return result


# --- retirement candidates ----------------------------------------------------------------------

PAST_LIFE, REPAIR_COST, FAILING = "past_life", "repair_cost", "failing"
REASONS = {
    PAST_LIFE: "Past expected life",
    REPAIR_COST: "Repairs cost over share of price",
    FAILING: "Out of warranty and failing",
}


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved by ``months`` (negative goes back), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(day.day, last))


def _past_life(today: datetime.date) -> Q:
    """purchase_date + the category's expected life < today, as one condition per life length
    in use (a handful), so the database filters and counts it without date arithmetic."""
    lives = (
        Category.objects.filter(expected_life_months__isnull=False, expected_life_months__gt=0)
        .values_list("expected_life_months", flat=True)
        .distinct()
    )
    condition = Q(pk__in=[])
    for months in sorted(set(lives)):
        condition |= Q(
            category__expected_life_months=months, purchase_date__lt=add_months(today, -months)
        )
    return condition


def retirement_candidates(
    queryset: QuerySet | None = None,
    *,
    today: datetime.date | None = None,
    repair_share: Decimal | None = None,
    reason: str = "",
) -> QuerySet:
    """Active assets worth retiring, each annotated with which reasons apply and its costs.

    Three queries at most whatever the number of assets (life lengths, count, page): the sums
    and counts are subqueries, so one asset's many repairs never multiply its row."""
    today = today or timezone.localdate()
    share = Decimal(str(repair_share if repair_share is not None else settings.ITAM_REPAIR_SHARE))
    year_ago = timezone.now() - datetime.timedelta(days=365)
    records = MaintenanceRecord.objects.filter(asset=OuterRef("pk"))
    repairs = records.filter(kind=MaintenanceKind.REPAIR)
    spent = records.order_by().values("asset").annotate(total=Sum("cost")).values("total")
    recent = (
        repairs.filter(opened_at__gte=year_ago)
        .order_by()
        .values("asset")
        .annotate(n=Count("pk"))
        .values("n")
    )
    queryset = Asset.objects.all() if queryset is None else queryset
    queryset = queryset.filter(status__in=ACTIVE_STATUSES).annotate(
        maintenance_cost=Coalesce(
            Subquery(spent, output_field=DecimalField(max_digits=14, decimal_places=2)),
            Value(Decimal("0")),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        ),
        recent_repairs=Coalesce(Subquery(recent, output_field=IntegerField()), Value(0)),
        open_repair=Exists(repairs.filter(closed_at__isnull=True)),
    )
    conditions = {
        PAST_LIFE: _past_life(today),
        REPAIR_COST: Q(purchase_cost__gt=0, maintenance_cost__gt=F("purchase_cost") * share),
        FAILING: Q(warranty_end__lt=today)
        & (
            Q(recent_repairs__gte=2)
            | Q(open_repair=True)
            | Q(condition__in=[Condition.POOR, Condition.BROKEN])
        ),
    }
    queryset = queryset.annotate(
        **{
            f"is_{name}": Case(When(condition, then=Value(True)), default=Value(False))
            for name, condition in conditions.items()
        }
    )
    wanted = (
        conditions[reason] if reason in conditions else reduce(operator.or_, conditions.values())
    )
    return (
        queryset.filter(wanted)
        .select_related("category", "location")
        .order_by("purchase_date", "tag")
    )


def reasons_of(asset: Asset) -> list[str]:
    """The labels of the reasons an annotated candidate is listed for."""
    return [label for name, label in REASONS.items() if getattr(asset, f"is_{name}", False)]


def age_months(asset: Asset, today: datetime.date | None = None) -> int | None:
    if asset.purchase_date is None:
        return None
    today = today or timezone.localdate()
    months = (today.year - asset.purchase_date.year) * 12 + today.month - asset.purchase_date.month
    return months - (today.day < asset.purchase_date.day)


def candidate_columns(today: datetime.date) -> list[tuple[str, Any]]:
    """The CSV's columns (``assets.csv_export.stream_csv``)."""
    return [
        ("Tag", lambda a: a.tag),
        ("Name", lambda a: a.name),
        ("Category", lambda a: a.category.name),
        ("Status", lambda a: a.get_status_display()),
        ("Location", lambda a: a.location.full_name if a.location else ""),
        ("Reasons", lambda a: "; ".join(reasons_of(a))),
        ("Purchase date", lambda a: a.purchase_date),
        ("Age (months)", lambda a: age_months(a, today)),
        ("Purchase cost", lambda a: a.purchase_cost),
        ("Maintenance cost", lambda a: a.maintenance_cost),
        ("Warranty end", lambda a: a.warranty_end),
        ("Repairs in 12 months", lambda a: a.recent_repairs),
        ("Open repair", lambda a: a.open_repair),
        ("Condition", lambda a: a.get_condition_display() if a.condition else ""),
    ]
