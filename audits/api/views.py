"""The audits API: ``/api/v1/audits/`` sessions, their scans, close, results, apply, overdue.

Views stay thin: every change is a call into ``audits.services`` (which checks the permission
again and holds the rules); the bodies are read by the input serializers. Audits are
all-or-nothing (auditors and IT staff see every one, nobody else any), so the permission is
checked before the audit is looked up: a role without it gets its 403 whatever the id, and a
reader gets a 404 only for an id that does not exist.
"""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from assets.api.serializers import ErrorSerializer, ValidationErrorSerializer
from assets.models import Asset
from itam.api import days_param

from .. import labels, services
from ..models import AuditSession
from . import serializers as s
from .filters import AuditFilterSet

BAD_INPUT = OpenApiResponse(ValidationErrorSerializer, description="Bad input: see errors.")
FORBIDDEN = OpenApiResponse(
    ErrorSerializer, description="Your role does not allow this (only auditors and IT staff)."
)
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No audit with this id.")
CLOSED = OpenApiResponse(
    s.AuditConflictSerializer,
    description="The audit is closed (`audit_closed`): it takes no more scans.",
)
ALREADY_OPEN = OpenApiResponse(
    s.AuditConflictSerializer,
    description="An audit of this place (and category) is open already; `audit` is its id.",
)
STILL_OPEN = OpenApiResponse(
    s.AuditConflictSerializer, description="The audit is still open (`audit_open`): close it first."
)
READ_ERRORS = {403: FORBIDDEN, 404: NOT_FOUND}

DAYS = OpenApiParameter(
    "days",
    OpenApiTypes.INT,
    description="“Due soon” means due within this many days from today (default 30, at most 3660).",
)

READ = (services.VIEW, "Your role does not allow you to see audits.")


# --- permissions: the services check again (they are the rule); these only order the answers ---


class AuditPermission(BasePermission):
    """Signed in (else 401); then the view's ``always`` permissions and the action's own
    (else 403, with the message of the first one missing)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        for permission, message in (*view.always, *view.required.get(view.action or "", ())):
            if not user.has_perm(permission):
                raise PermissionDenied(message)
        return True


# --- audits --------------------------------------------------------------------------------------


@extend_schema(tags=["audits"])
class AuditViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Audit sessions: start one, scan into it, close it into a reconciliation, apply outcomes."""

    permission_classes = [AuditPermission]
    filter_backends = [DjangoFilterBackend]
    filterset_class = AuditFilterSet
    serializer_class = s.AuditSerializer
    lookup_value_regex = "[0-9]+"
    always = [READ]
    required = {
        "create": [(services.START, "Your role does not allow you to start audits.")],
        "scans": [("audits.view_auditscan", "Your role does not allow you to see audit scans.")],
        "record_scan": [(services.SCAN, "Your role does not allow you to record audit scans.")],
        "close": [(services.CLOSE, "Your role does not allow you to close audits.")],
        "results": [
            ("audits.view_auditline", "Your role does not allow you to see audit results.")
        ],
        "apply": [(services.APPLY, "Your role does not allow you to apply audit outcomes.")],
    }

    def get_queryset(self):
        return services.visible_audits(self.request.user).select_related(
            "location", "category", "auditor", "created_by", "closed_by"
        )

    def get_serializer_class(self):
        return {
            "create": s.AuditInput,
            "scans": s.ScanSerializer,
            "record_scan": s.ScanInput,
            "apply": s.ApplyInput,
        }.get(self.action, s.AuditSerializer)

    def context_with_places(self) -> dict:
        return {**self.get_serializer_context(), "places": services.Places()}

    def audits_data(self, audits: list[AuditSession]) -> list:
        context = self.context_with_places()
        context["progress"] = services.progress_for(audits, context["places"])
        return s.AuditSerializer(audits, many=True, context=context).data

    def detail_of(self, audit: AuditSession) -> dict:
        context = self.context_with_places()
        context["progress"] = {audit.pk: services.progress(audit)}
        return s.AuditSerializer(audit, context=context).data

    @extend_schema(
        summary="List audits",
        description="Every audit, newest first (auditors and IT staff; others 403), with its "
        "progress. Filter by `status`, `location` (id), `category` (slug), `auditor` "
        "(username), `overdue=true` (open and past the due date).",
        responses={200: s.AuditSerializer(many=True), 400: BAD_INPUT, 403: FORBIDDEN},
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.audits_data(page))

    @extend_schema(summary="One audit", responses={200: s.AuditSerializer, **READ_ERRORS})
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return Response(self.detail_of(self.get_object()))

    @extend_schema(
        summary="Start an audit",
        description="Of a `location` (id) and everything under it, optionally one `category` "
        "(slug), walked by `auditor` (username; default you) by `due_date`. One open audit "
        "per place and category: a second is a 409 naming the open one. Needs "
        "`audits.add_auditsession` (auditors and IT staff).",
        request=s.AuditInput,
        responses={201: s.AuditSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 409: ALREADY_OPEN},
    )
    def create(self, request: Request) -> Response:
        body = s.AuditInput(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        audit = services.start_audit(actor=request.user, **body.validated_data)
        fresh = self.get_queryset().get(pk=audit.pk)
        return Response(self.detail_of(fresh), status=status.HTTP_201_CREATED)

    # -- scans --

    @extend_schema(
        operation_id="audits_scans",
        summary="An audit's scans",
        description="Every code scanned into the audit, newest first, with the answer each got.",
        responses={200: s.ScanSerializer(many=True), **READ_ERRORS},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def scans(self, request: Request, pk: str | None = None) -> Response:
        audit = self.get_object()
        rows = audit.scans.select_related("asset", "scanned_by").order_by("-scanned_at", "-pk")
        page = self.paginate_queryset(rows)
        data = s.ScanSerializer(page, many=True, context=self.context_with_places()).data
        return self.get_paginated_response(data)

    @extend_schema(
        operation_id="audits_scans_record",
        summary="Record a scan",
        description="A tag as typed or read from a label (the QR code's …/t/<tag> URL works "
        "too), where it was found (`location`, default the audited place) and its "
        "`condition`. Answers at once: expected here, belongs elsewhere, marked missing, "
        "retired, disposed of, on order, unknown tag. A new scan is a 201 with "
        "`created: true`; the same code again is a 200 with the first scan and "
        "`duplicate: true` (nothing changes). Needs `audits.scan_auditsession`.",
        request=s.ScanInput,
        responses={
            201: s.ScanRecordedSerializer,
            200: OpenApiResponse(
                s.ScanRecordedSerializer, description="Scanned before: the first scan."
            ),
            400: BAD_INPUT,
            **READ_ERRORS,
            409: CLOSED,
        },
    )
    @scans.mapping.post
    def record_scan(self, request: Request, pk: str | None = None) -> Response:
        audit = self.get_object()
        body = s.ScanInput(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        context = self.context_with_places()
        answer = services.record_scan(
            audit,
            actor=request.user,
            code=data["tag"],
            found_at=data.get("location"),
            condition=data.get("condition", ""),
            places=context["places"],
        )
        shown = s.ScanSerializer(answer.scan, context=context).data
        shown.update(
            message=answer.message,
            created=answer.created,
            duplicate=not answer.created,
            progress=services.progress(audit, context["places"], cached_expected=True),
        )
        code = status.HTTP_201_CREATED if answer.created else status.HTTP_200_OK
        return Response(shown, status=code)

    # -- closing and results --

    @extend_schema(
        operation_id="audits_close",
        summary="Close an audit",
        description="Freezes the reconciliation: `found`, `misplaced`, `missing`, `unknown` "
        "(and `recovered`, `flagged`) tags, and moves the seen assets' next audit date on "
        "by their category's interval. No more scans afterwards. Needs "
        "`audits.close_auditsession`.",
        request=None,
        responses={200: s.AuditReconciliationSerializer, **READ_ERRORS, 409: CLOSED},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def close(self, request: Request, pk: str | None = None) -> Response:
        report = services.close_audit(self.get_object(), actor=request.user)
        return Response(s.AuditReconciliationSerializer(report.as_dict()).data)

    @extend_schema(
        operation_id="audits_results",
        summary="An audit's results",
        description="The reconciliation with one line per asset or code: frozen once closed, "
        "a live preview while open (`status: open`, what closing now would say). Each line "
        "says which `action` would carry it into the register, and what was applied.",
        responses={200: s.AuditResultsSerializer, **READ_ERRORS},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def results(self, request: Request, pk: str | None = None) -> Response:
        audit = self.get_object()
        report = services.results(audit)
        if audit.is_open:
            lines = sorted(report.lines, key=lambda line: (line.outcome, line.code))
        else:
            lines = list(audit.lines.select_related("applied_by").order_by("outcome", "code"))
        ids = {s.line_asset_id(line) for line in lines} - {None}
        assets = Asset.objects.filter(pk__in=ids).only("pk", "tag", "name", "status")
        by_pk = {asset.pk: asset for asset in assets}
        places = services.Places()
        data = report.as_dict()
        data["expected"] = report.expected  # while open: what the register expects now
        data["lines"] = [s.result_line(line, places, by_pk) for line in lines]
        return Response(s.AuditResultsSerializer(data).data)

    @extend_schema(
        operation_id="audits_apply",
        summary="Apply an outcome",
        description="Carries one outcome of a closed audit into the register through the "
        "lifecycle, each with a history row naming the audit: `move` (misplaced assets move "
        "here), `missing` (not found: marked missing), `found` (marked missing but found). "
        "`tags` narrows it to some of them. An asset someone changed meanwhile is listed in "
        "`refused` with the reason, not forced; running it again applies only what is left. "
        "Needs `audits.apply_auditsession` (and, for missing/found, that move's permission).",
        request=s.ApplyInput,
        responses={200: s.ApplyReportSerializer, 400: BAD_INPUT, **READ_ERRORS, 409: STILL_OPEN},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def apply(self, request: Request, pk: str | None = None) -> Response:
        audit = self.get_object()
        body = s.ApplyInput(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        report = services.apply_outcome(
            audit,
            actor=request.user,
            action=body.validated_data["action"],
            tags=body.validated_data.get("tags"),
        )
        return Response(s.ApplyReportSerializer(report.as_dict()).data)

    # -- what is due --

    @extend_schema(
        operation_id="audits_overdue",
        summary="Places with audits overdue",
        description="Per location: active assets past their next audit date (`overdue`) or due "
        "within `days` (`due_soon`), the oldest due date and any open audit of the place, "
        "most overdue first. Not paginated.",
        parameters=[DAYS],
        responses={200: s.AuditOverdueSerializer(many=True), 400: BAD_INPUT, 403: FORBIDDEN},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def overdue(self, request: Request) -> Response:
        rows = services.overdue_by_location(soon_days=days_param(request))
        return Response(s.AuditOverdueSerializer([s.overdue_row(r) for r in rows], many=True).data)


# --- label templates -----------------------------------------------------------------------------

TEMPLATE_NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description="No such template: see /api/v1/label-templates/."
)


@extend_schema(tags=["audits"])
class LabelTemplateViewSet(viewsets.ViewSet):
    """The tag-sheet templates and their geometry, for scripts that fetch sheets as PDF."""

    permission_classes = [AuditPermission]
    lookup_field = "slug"
    lookup_value_regex = "[a-z0-9-]+"
    # For whoever prints tag sheets, whether or not they may see audits.
    always = [(services.PRINT_TAGS, "Your role does not allow you to print tag sheets.")]
    required: dict = {}

    @extend_schema(
        summary="Tag-sheet templates",
        description="Every label template with its page, margins, label size, pitch, rows and "
        "columns (mm). Not paginated. Needs `audits.print_tags` (auditors and IT staff).",
        responses={200: s.LabelTemplateSerializer(many=True), 403: FORBIDDEN},
    )
    def list(self, request: Request) -> Response:
        rows = list(labels.TEMPLATES.values())
        return Response(s.LabelTemplateSerializer(rows, many=True).data)

    @extend_schema(
        summary="One tag-sheet template",
        responses={200: s.LabelTemplateSerializer, 403: FORBIDDEN, 404: TEMPLATE_NOT_FOUND},
    )
    def retrieve(self, request: Request, slug: str | None = None) -> Response:
        template = labels.TEMPLATES.get(slug or "")
        if template is None:
            raise NotFound()
        return Response(s.LabelTemplateSerializer(template).data)
