"""What the audits API reads and answers.

Inputs only turn JSON into objects (a location id, a category slug, a username; an unknown one is
a 400 that says where to look it up) and hand them to ``audits.services``, which holds every rule.
Places are named from one ``services.Places`` read per request (``context["places"]``), never by
walking parents row by row.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assets.api.serializers import ErrorSerializer, StrictInput, pk_field, user_field
from assets.choices import Condition
from assets.models import Category, Location

from ..choices import ACTION_OUTCOME, Action, Outcome, ScanResult
from ..models import AuditScan, AuditSession
from ..services import Places

DATE_FORMAT = "Give the date as YYYY-MM-DD, e.g. 2026-09-01."
CONDITIONS = f"Choose a condition: {', '.join(Condition.values)} (or leave it empty)."
ACTIONS = f"Choose one of: {', '.join(Action.values)}."
# Which one-click action settles each outcome (the others need none).
OUTCOME_ACTION = {outcome.value: action.value for action, outcome in ACTION_OUTCOME.items()}


def _api_url(serializer: serializers.Serializer, name: str, pk: int) -> str:
    path = reverse(name, args=[pk])
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request else path


def _name(user) -> str | None:
    return (user.get_full_name() or user.get_username()) if user is not None else None


def _places(serializer: serializers.Serializer) -> Places:
    """The request's one read of the location tree (made on first use)."""
    context = serializer.context
    if "places" not in context:
        context["places"] = Places()
    return context["places"]


def place(places: Places, pk: int | None) -> dict | None:
    if pk is None:
        return None
    return {"id": pk, "name": places.name.get(pk, ""), "full_name": places.full_name(pk)}


# --- shared pieces -------------------------------------------------------------------------------


class AuditPlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    full_name = serializers.CharField(help_text="The whole path, e.g. “HQ › Room 101”.")


class AuditAssetSerializer(serializers.Serializer):
    tag = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField(help_text="The asset's lifecycle status now.")


class AuditProgressSerializer(serializers.Serializer):
    expected = serializers.IntegerField(
        help_text="Assets the register expects in the scope (open: now; closed: at closing)."
    )
    seen_expected = serializers.IntegerField(help_text="Of those, how many were scanned.")
    scanned = serializers.IntegerField(help_text="Every scan, whatever it answered.")
    by_result = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Scans per result: " + ", ".join(ScanResult.values) + ".",
    )


class AuditLinksSerializer(serializers.Serializer):
    scan_page = serializers.CharField(help_text="The phone scan page.")
    scans = serializers.CharField(help_text="This audit's scans in the API.")
    results = serializers.CharField(help_text="The reconciliation (live preview while open).")
    report_csv = serializers.CharField(help_text="The reconciliation as CSV.")
    report_pdf = serializers.CharField(help_text="The reconciliation as PDF.")


class AuditConflictSerializer(ErrorSerializer):
    audit = serializers.IntegerField(help_text="The audit in the way (id).")


# --- audits --------------------------------------------------------------------------------------


class AuditSerializer(serializers.ModelSerializer):
    """An audit session; ``progress`` comes from the view (``context["progress"]``)."""

    reference = serializers.CharField(read_only=True, help_text="How history rows name it: AU-n.")
    url = serializers.SerializerMethodField(help_text="This audit in the API.")
    web_url = serializers.SerializerMethodField(help_text="This audit's page.")
    status = serializers.CharField(read_only=True, help_text="open or closed.")
    location = serializers.SerializerMethodField(
        help_text="The audited place; everything under it is in scope."
    )
    category = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        help_text="Only assets of this category are expected (null: all categories).",
    )
    category_name = serializers.SerializerMethodField()
    auditor = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="Who walks the site."
    )
    auditor_name = serializers.SerializerMethodField()
    is_overdue = serializers.BooleanField(read_only=True, help_text="Open past its due date.")
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    closed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    progress = serializers.SerializerMethodField()
    urls = serializers.SerializerMethodField()

    class Meta:
        model = AuditSession
        fields = [
            "id",
            "reference",
            "url",
            "web_url",
            "status",
            "location",
            "category",
            "category_name",
            "auditor",
            "auditor_name",
            "due_date",
            "is_overdue",
            "notes",
            "created_at",
            "created_by",
            "closed_at",
            "closed_by",
            "expected_count",
            "progress",
            "urls",
        ]
        read_only_fields = fields

    def get_url(self, audit: AuditSession) -> str:
        return _api_url(self, "api-audit-detail", audit.pk)

    def get_web_url(self, audit: AuditSession) -> str:
        return reverse("audits:detail", args=[audit.pk])

    @extend_schema_field(AuditPlaceSerializer)
    def get_location(self, audit: AuditSession) -> dict | None:
        return place(_places(self), audit.location_id)

    def get_category_name(self, audit: AuditSession) -> str | None:
        return audit.category.name if audit.category_id else None

    def get_auditor_name(self, audit: AuditSession) -> str | None:
        return _name(audit.auditor)

    @extend_schema_field(AuditProgressSerializer)
    def get_progress(self, audit: AuditSession) -> dict | None:
        return self.context.get("progress", {}).get(audit.pk)

    @extend_schema_field(AuditLinksSerializer)
    def get_urls(self, audit: AuditSession) -> dict:
        return {
            "scan_page": reverse("audits:scan", args=[audit.pk]),
            "scans": _api_url(self, "api-audit-scans", audit.pk),
            "results": _api_url(self, "api-audit-results", audit.pk),
            "report_csv": reverse("audits:report-csv", args=[audit.pk]),
            "report_pdf": reverse("audits:report-pdf", args=[audit.pk]),
        }


class AuditInput(StrictInput, serializers.Serializer):
    """``POST /api/v1/audits/``: start an audit of a place (and everything under it)."""

    location = pk_field(
        Location.objects.all(),
        "location",
        "/api/v1/locations/",
        help_text="The place to audit (id); every place under it is included.",
    )
    category = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Category.objects.all(),
        required=False,
        allow_null=True,
        help_text="Only this category (slug); leave out to expect every category.",
        error_messages={
            "does_not_exist": "No category with slug “{value}”: see /api/v1/categories/."
        },
    )
    auditor = user_field(
        required=False,
        allow_null=True,
        help_text="Who walks the site (username); defaults to you. They need the Auditors or "
        "IT staff role.",
    )
    due_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="When it should be done: today or later.",
        error_messages={"invalid": DATE_FORMAT},
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)

    def get_fields(self):
        fields = super().get_fields()
        message = "Choose the location to audit: its id (see /api/v1/locations/)."
        fields["location"].error_messages.update(required=message, null=message)
        fields["auditor"].error_messages["does_not_exist"] = (
            "No user with username “{value}”: leave it out to audit yourself."
        )
        return fields


# --- scans ---------------------------------------------------------------------------------------


class ScanSerializer(serializers.ModelSerializer):
    """One code read in an audit, with the answer it got."""

    tag = serializers.SerializerMethodField(help_text="The asset's tag; null for an unknown code.")
    asset = serializers.SerializerMethodField(help_text="The asset scanned; null when unknown.")
    result = serializers.CharField(help_text="One of " + ", ".join(ScanResult.values) + ".")
    result_label = serializers.CharField(source="get_result_display")
    found_at = serializers.SerializerMethodField(help_text="Where the auditor found it.")
    register_location = serializers.SerializerMethodField(
        help_text="Where the register had it when scanned (null: unknown or no place)."
    )
    condition = serializers.CharField(
        help_text="As the auditor noted it: " + ", ".join(Condition.values) + ", or empty."
    )
    scanned_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    scanned_by_name = serializers.SerializerMethodField()

    class Meta:
        model = AuditScan
        fields = [
            "id",
            "code",
            "tag",
            "asset",
            "result",
            "result_label",
            "message",
            "found_at",
            "register_location",
            "condition",
            "scanned_at",
            "scanned_by",
            "scanned_by_name",
        ]
        read_only_fields = fields

    def get_tag(self, scan: AuditScan) -> str | None:
        return scan.asset.tag if scan.asset_id else None

    @extend_schema_field(AuditAssetSerializer(allow_null=True))
    def get_asset(self, scan: AuditScan) -> dict | None:
        asset = scan.asset
        if asset is None:
            return None
        return {"tag": asset.tag, "name": asset.name, "status": asset.status}

    @extend_schema_field(AuditPlaceSerializer)
    def get_found_at(self, scan: AuditScan) -> dict | None:
        return place(_places(self), scan.found_at_id)

    @extend_schema_field(AuditPlaceSerializer(allow_null=True))
    def get_register_location(self, scan: AuditScan) -> dict | None:
        return place(_places(self), scan.register_location_id)

    def get_scanned_by_name(self, scan: AuditScan) -> str | None:
        return _name(scan.scanned_by)


class ScanRecordedSerializer(ScanSerializer):
    """The answer to a scan: the scan (the first one, for a repeat) and what to tell the auditor."""

    message = serializers.CharField(
        help_text="What to show at once; a repeat says when and by whom it was scanned first."
    )
    created = serializers.BooleanField(help_text="True for a new scan (201).")
    duplicate = serializers.BooleanField(help_text="True when the code was scanned before (200).")
    progress = AuditProgressSerializer()

    class Meta(ScanSerializer.Meta):
        fields = [*ScanSerializer.Meta.fields, "created", "duplicate", "progress"]
        read_only_fields = fields


class ScanInput(StrictInput, serializers.Serializer):
    """``POST /api/v1/audits/<id>/scans/``: one code as scanned or typed."""

    tag = serializers.CharField(
        allow_blank=True,
        max_length=2000,
        help_text="The tag, or what a scanner read from the label's QR code (…/t/<tag>).",
        error_messages={"max_length": "That is too long to be a tag: scan it again."},
    )
    location = pk_field(
        Location.objects.all(),
        "location",
        "/api/v1/locations/",
        required=False,
        allow_null=True,
        help_text="Where it was found (id): the audited place or one under it; defaults to the "
        "audited place.",
    )
    condition = serializers.ChoiceField(
        choices=Condition.choices,
        required=False,
        allow_blank=True,
        help_text="How it looks, if worth noting.",
        error_messages={"invalid_choice": CONDITIONS},
    )

    def get_fields(self):
        fields = super().get_fields()
        message = "Scan a code or type a tag."
        fields["tag"].error_messages.update(required=message, null=message)
        return fields


# --- results -------------------------------------------------------------------------------------


class AuditReconciliationSerializer(serializers.Serializer):
    """What closing concluded: codes per outcome (``Reconciliation.as_dict()``)."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.CharField(help_text="open (a live preview) or closed (frozen).")
    closed_at = serializers.DateTimeField(allow_null=True)
    expected = serializers.IntegerField(
        allow_null=True, help_text="Assets the register expected (null while open)."
    )
    found = serializers.ListField(child=serializers.CharField(), help_text="Found as expected.")
    misplaced = serializers.ListField(
        child=serializers.CharField(), help_text="Found, but the register has them elsewhere."
    )
    missing = serializers.ListField(child=serializers.CharField(), help_text="Not found.")
    unknown = serializers.ListField(
        child=serializers.CharField(), help_text="Codes no asset has, as read."
    )
    recovered = serializers.ListField(
        child=serializers.CharField(), help_text="Marked missing in the register, but found."
    )
    flagged = serializers.ListField(
        child=serializers.CharField(),
        help_text="Retired, disposed of or still on order, yet on the floor.",
    )


class AuditResultLineSerializer(serializers.Serializer):
    outcome = serializers.CharField(help_text="One of " + ", ".join(Outcome.values) + ".")
    outcome_label = serializers.CharField()
    code = serializers.CharField(help_text="The asset's tag, or the code as read when unknown.")
    tag = serializers.CharField(allow_null=True, help_text="Null for an unknown code.")
    asset = AuditAssetSerializer(allow_null=True)
    register_location = AuditPlaceSerializer(
        allow_null=True, help_text="Where the register has it (at closing, once closed)."
    )
    found_location = AuditPlaceSerializer(allow_null=True, help_text="Where it was found.")
    action = serializers.CharField(
        allow_null=True,
        help_text="The action that carries this outcome into the register (POST apply), null "
        "when there is none or it has been applied.",
    )
    applied_action = serializers.CharField(help_text="Empty until applied.")
    applied_at = serializers.DateTimeField(allow_null=True)
    applied_by = serializers.CharField(allow_null=True, help_text="Username.")
    refusal = serializers.CharField(help_text="Why the last attempt to apply it was refused.")


class AuditResultsSerializer(AuditReconciliationSerializer):
    expected = serializers.IntegerField(
        allow_null=True,
        help_text="Assets the register expected at closing; while open, those it expects now.",
    )
    lines = AuditResultLineSerializer(many=True)


def line_asset_id(line: Any) -> int | None:
    """The asset of an ``AuditLine`` or of a preview's ``Line``, without loading it."""
    if hasattr(line, "asset_id"):
        return line.asset_id
    return line.asset.pk if line.asset is not None else None


def result_line(line: Any, places: Places, assets: dict[int, Any]) -> dict:
    """One row of the results; ``assets`` are the lines' assets, read in one query."""
    asset = assets.get(line_asset_id(line))
    applied_at = getattr(line, "applied_at", None)
    applied_by = getattr(line, "applied_by", None)
    pending = OUTCOME_ACTION.get(line.outcome) if applied_at is None else None
    return {
        "outcome": line.outcome,
        "outcome_label": Outcome(line.outcome).label,
        "code": line.code,
        "tag": asset.tag if asset is not None else None,
        "asset": (
            {"tag": asset.tag, "name": asset.name, "status": asset.status} if asset else None
        ),
        "register_location": place(places, line.register_location_id),
        "found_location": place(places, line.found_location_id),
        "action": pending,
        "applied_action": getattr(line, "applied_action", ""),
        "applied_at": applied_at,
        "applied_by": applied_by.get_username() if applied_by is not None else None,
        "refusal": getattr(line, "refusal", ""),
    }


# --- applying outcomes ---------------------------------------------------------------------------


class ApplyInput(StrictInput, serializers.Serializer):
    """``POST /api/v1/audits/<id>/apply/``: carry one outcome into the register."""

    action = serializers.ChoiceField(
        choices=Action.choices,
        help_text="move (misplaced: move them here), missing (not found: mark missing), found "
        "(recovered: mark found).",
        error_messages={"invalid_choice": ACTIONS, "required": ACTIONS, "null": ACTIONS},
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        allow_null=True,
        max_length=10_000,
        help_text="Only these (tags waiting for the action); leave out for all of them.",
    )


class ApplyRefusedSerializer(serializers.Serializer):
    tag = serializers.CharField()
    message = serializers.CharField(help_text="Why it was not applied (the asset changed since).")


class ApplyReportSerializer(serializers.Serializer):
    action = serializers.CharField()
    applied = serializers.ListField(child=serializers.CharField(), help_text="Tags changed.")
    refused = ApplyRefusedSerializer(many=True)
    remaining = serializers.IntegerField(
        help_text="Lines still waiting for this action (always 0 through the API, which "
        "applies every line asked for)."
    )


# --- overdue -------------------------------------------------------------------------------------


class AuditOverdueSerializer(serializers.Serializer):
    location = serializers.IntegerField(allow_null=True, help_text="Null: assets with no place.")
    location_name = serializers.CharField(help_text="The place's full name.")
    overdue = serializers.IntegerField(help_text="Assets past their next audit date.")
    due_soon = serializers.IntegerField(help_text="Assets due within `days`.")
    oldest_due = serializers.DateField(allow_null=True)
    open_audit = serializers.IntegerField(allow_null=True, help_text="An open audit of it (id).")
    open_audit_reference = serializers.CharField(allow_null=True)


def overdue_row(row: Any) -> dict:
    audit = row.open_audit
    return {
        "location": row.location_id,
        "location_name": row.location_name,
        "overdue": row.overdue,
        "due_soon": row.due_soon,
        "oldest_due": row.oldest_due,
        "open_audit": audit.pk if audit is not None else None,
        "open_audit_reference": audit.reference if audit is not None else None,
    }


# --- label templates -----------------------------------------------------------------------------


class LabelTemplateSerializer(serializers.Serializer):
    """A tag-sheet template's geometry (millimetres from the page's top-left corner)."""

    slug = serializers.CharField(help_text="The `template` of /audits/tag-sheet.pdf.")
    name = serializers.CharField()
    description = serializers.CharField(source="option_text")
    paper = serializers.CharField()
    page_width = serializers.FloatField(help_text="mm")
    page_height = serializers.FloatField(help_text="mm")
    top = serializers.FloatField(help_text="mm from the page's top edge to the first label's.")
    left = serializers.FloatField(help_text="mm from the page's left edge to the first label's.")
    label_width = serializers.FloatField(help_text="mm")
    label_height = serializers.FloatField(help_text="mm")
    pitch_x = serializers.FloatField(help_text="mm from one label's left edge to the next one's.")
    pitch_y = serializers.FloatField(help_text="mm from one label's top edge to the next one's.")
    columns = serializers.IntegerField()
    rows = serializers.IntegerField()
    per_page = serializers.IntegerField()
    corner_radius = serializers.FloatField(help_text="mm")
    pdf_url = serializers.SerializerMethodField(
        help_text="The sheet as PDF: add `&tags=IT-000001,IT-000002` and optionally `&start=n`."
    )

    def get_pdf_url(self, template: Any) -> str:
        return f"{reverse('audits:tag-sheet-pdf')}?template={template.slug}"
