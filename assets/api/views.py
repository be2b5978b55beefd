"""The assets API: the register, one asset, its lifecycle moves and history (the catalogue is
in ``assets.api.catalogue``).

Views stay thin: scoping comes from ``assets.visibility``, every change from ``assets.lifecycle``,
the list's filters from ``assets.filters.AssetFilterSet`` (the same as the register page).
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from assets import lifecycle
from assets.filters import AssetFilterSet, in_total_order
from assets.history import register_as_of, settled_for, timeline
from assets.models import Asset
from assets.visibility import visible_assets
from itam.api import DeepPagination
from maintenance.api.serializers import AssetMaintainedSerializer, MaintenanceBriefSerializer

from . import serializers as s
from .moves import MOVE_INPUTS, AcceptInput, ReportProblemInput
from .permissions import AssetPermission

# Everything the asset representation reads, in one query (locations nest up to four levels).
ASSET_RELATED = (
    "category",
    "model__manufacturer",
    "location__parent__parent__parent",
    "department",
    "vendor",
    "assigned_user",
    "assigned_location__parent__parent__parent",
    "assigned_department",
)

ERRORS = {
    400: OpenApiResponse(s.ValidationErrorSerializer, description="Bad input: see errors."),
    403: OpenApiResponse(s.ErrorSerializer, description="Your role does not allow this."),
    404: OpenApiResponse(s.ErrorSerializer, description="No such asset, or not one you can see."),
}
REFUSED = {
    409: OpenApiResponse(
        s.TransitionRefusedSerializer,
        description="The asset's current state does not allow this move.",
    )
}

AS_OF = OpenApiParameter(
    "as_of",
    OpenApiTypes.DATETIME,
    description=(
        "Show the register as it stood at this moment (ISO 8601; a date alone means its "
        "midnight; no zone means the server's). Rebuilt from history; read-only. Filters and "
        "ordering apply to the past state."
    ),
)


def parse_as_of(value: str) -> datetime.datetime:
    """An ``as_of`` query value as an aware datetime; a 400 naming the format if it is not one."""
    try:
        # A day alone means the end of that day, as on the register page. (Checked first:
        # parse_datetime would read "2026-01-31" as its midnight.)
        day = parse_date(value) if len(value.strip()) == 10 else None
        if day is not None:
            when = datetime.datetime.combine(day, datetime.time.max)
        else:
            when = parse_datetime(value)
    except ValueError:
        when = None
    if when is None:
        raise ValidationError(
            {"as_of": [f"“{value}” is not a date-time: use ISO 8601, e.g. 2025-06-30T17:00:00Z."]}
        )
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    try:
        # In UTC: PostgreSQL takes offsets only up to 15:59 while ISO 8601 allows more (the API
        # fuzz sent +16:45: a 500), and a moment at the calendar's very ends may not exist in UTC.
        return when.astimezone(datetime.UTC)
    except OverflowError:
        raise ValidationError(
            {"as_of": [f"“{value}” is past the ends of the calendar in UTC: pick another moment."]}
        ) from None


def _move_action(name: str):
    """The API endpoint for one lifecycle move: ``POST /api/v1/assets/<tag>/<url_name>/``."""
    move = lifecycle.MOVES[name]
    input_class = MOVE_INPUTS[name]
    response = {
        "wipe": s.AssetWipedSerializer,
        "dispose": s.AssetDisposedSerializer,
        "start_maintenance": AssetMaintainedSerializer,
        "complete_maintenance": AssetMaintainedSerializer,
    }.get(name, s.AssetDetailSerializer)
    sources = ", ".join(move.sources)
    targets = ", ".join(move.targets)

    def handler(self: AssetViewSet, request: Request, tag: str | None = None) -> Response:
        asset = self.get_object()  # 404 if you cannot see it, then 403 if you may not move it
        body = input_class(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        result = body.perform(asset, request.user)  # TransitionRefused -> 409
        return Response(self.moved(asset, name, result))

    handler.__name__ = name
    handler.__doc__ = f"{move.label}: from {sources} to {targets}."
    handler = action(detail=True, methods=["post"], url_path=move.url_name, url_name=move.url_name)(
        handler
    )
    # extend_schema goes outside action(), which would otherwise overwrite what it records.
    return extend_schema(
        operation_id=f"assets_{name}",
        summary=move.label,
        description=(
            f"{move.label} the asset: allowed from {sources}; it ends {targets}. Needs the "
            f"`{move.permission}` permission"
            + (" and a reason." if move.reason_required else ".")
            + " Answers the asset as it is now."
        ),
        request=input_class,
        responses={200: response, **ERRORS, **REFUSED},
    )(handler)


@extend_schema(tags=["assets"])
class AssetViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The asset register, addressed by tag. Status changes only through the lifecycle moves."""

    serializer_class = s.AssetSerializer
    permission_classes = [AssetPermission]
    filter_backends = [DjangoFilterBackend]
    filterset_class = AssetFilterSet
    pagination_class = DeepPagination
    lookup_field = "tag"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        """Only what this person may see (``visible_assets``); the past register for ``as_of``."""
        when = self.as_of()
        base = register_as_of(when) if when is not None else Asset.objects.all()
        return visible_assets(self.request.user, base.select_related(*ASSET_RELATED))

    def settled_for(self) -> int:
        """Seconds the list's count may be kept (``as_of`` well past): DeepPagination asks."""
        return settled_for(self.as_of())

    def as_of(self) -> datetime.datetime | None:
        if self.action != "list":
            return None
        value = self.request.query_params.get("as_of", "").strip()
        return parse_as_of(value) if value else None

    def filter_queryset(self, queryset):
        return in_total_order(self._filtered(queryset))

    def _filtered(self, queryset):
        if self.as_of() is None:
            return super().filter_queryset(queryset)
        # History rows are not Asset instances, so the backend refuses them; the filterset
        # itself only needs the field names, which history rows share.
        filterset = AssetFilterSet(
            self.request.query_params, queryset=queryset, request=self.request
        )
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        return filterset.qs

    def get_serializer_class(self):
        if self.action in MOVE_INPUTS:
            return MOVE_INPUTS[self.action]
        if self.action == "accept":
            return AcceptInput
        if self.action == "report_problem":
            return ReportProblemInput
        if self.action == "assignments":
            return s.AssignmentSerializer
        if self.action == "retrieve":
            return s.AssetDetailSerializer
        return super().get_serializer_class()

    def moved(self, asset: Asset, name: str, result) -> dict:
        """The asset after a move, with the wipe, disposal or maintenance record it wrote."""
        fresh = Asset.objects.select_related(*ASSET_RELATED).get(pk=asset.pk)
        context = self.get_serializer_context()
        data = s.AssetDetailSerializer(fresh, context=context).data
        if name == "wipe":
            data["wipe"] = s.WipeRecordSerializer(result, context=context).data
        elif name == "dispose":
            data["disposal"] = s.DisposalRecordSerializer(fresh.disposal, context=context).data
        elif name in ("start_maintenance", "complete_maintenance"):
            # The record the move opened or closed (none when completing without one).
            record = getattr(result, "_maintenance_record", None)
            brief = MaintenanceBriefSerializer(record, context=context)
            data["maintenance"] = brief.data if record is not None else None
        return data

    @extend_schema(
        summary="List assets",
        description=(
            "The register you may see (IT staff and auditors: everything; managers: their "
            "departments' and their own; others: what they hold), filtered and paginated."
        ),
        parameters=[AS_OF],
        responses={200: s.AssetSerializer(many=True), 400: ERRORS[400]},
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Register an asset",
        description="Creates the asset in stock with the next tag of the sequence, or with "
        "`tag` for a label already printed (refused if that tag was ever used). Needs "
        "`assets.add_asset`. `status` cannot be sent: it changes only through the moves.",
        responses={201: s.AssetSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        return super().create(request, *args, **kwargs)

    @extend_schema(summary="One asset", responses={200: s.AssetDetailSerializer, 404: ERRORS[404]})
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Edit an asset's details",
        description="Needs `assets.change_asset`. Status and holder are read-only: use the "
        "lifecycle moves. Sending them unchanged is accepted; changing them is a 400.",
        responses={200: s.AssetSerializer, **ERRORS},
    )
    def update(self, request: Request, *args, **kwargs) -> Response:
        return super().update(request, *args, **kwargs)

    @extend_schema(
        summary="Edit some of an asset's details",
        description="Like PUT, sending only the fields to change.",
        responses={200: s.AssetSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(
        summary="An asset's history",
        description="Every change of the asset, newest first: who, when, which move, from and "
        "to which status, why, and which fields changed. Not paginated.",
        responses={200: s.HistoryEntrySerializer(many=True), 404: ERRORS[404]},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request: Request, tag: str | None = None) -> Response:
        asset = self.get_object()
        rows = [
            entry.as_dict()
            | {"user_display": entry.user_display, "action_label": entry.action_label}
            for entry in timeline(asset, newest_first=True)
        ]
        return Response(s.HistoryEntrySerializer(rows, many=True).data)

    @extend_schema(
        operation_id="assets_accept",
        summary="Confirm receipt",
        description="The person the asset is deployed to says they have it: kept in the history "
        "with the time (`accepted_at`); the status stays deployed. When the category has "
        "acceptance terms (`acceptance_text` on /api/v1/categories/<slug>/), send "
        '`{"accept_terms": true}`: the deployment records the terms\' version '
        "(`current_assignment.accepted_terms_version`); without it: 400. Anyone else: 403; "
        "confirmed already: 409. Answers the asset as it is now.",
        request=AcceptInput,
        responses={
            200: s.AssetDetailSerializer,
            **ERRORS,
            409: OpenApiResponse(
                s.AcceptRefusedSerializer, description="Receipt was already confirmed."
            ),
        },
    )
    @action(detail=True, methods=["post"], url_path="accept", url_name="accept")
    def accept(self, request: Request, tag: str | None = None) -> Response:
        asset = self.get_object()
        body = AcceptInput(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        body.perform(asset, request.user)  # 403 unless you hold it, 409 if confirmed already
        return Response(self.moved(asset, "accept", None))

    @extend_schema(
        operation_id="assets_report_problem",
        summary="Report a problem",
        description="The person the asset is deployed to says what is wrong with it: kept on the "
        "deployment (`current_assignment.problem_report`) and in the history; IT staff get an "
        "inbox message and an e-mail. Anyone else: 403. Answers the asset as it is now.",
        request=ReportProblemInput,
        responses={200: s.AssetDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="report-problem", url_name="report-problem")
    def report_problem(self, request: Request, tag: str | None = None) -> Response:
        asset = self.get_object()
        body = ReportProblemInput(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        body.perform(asset, request.user)  # 403 unless you hold it
        return Response(self.moved(asset, "report_problem", None))

    @extend_schema(
        summary="An asset's deployments",
        description="Every deployment of the asset, newest first: holder, from and to, who "
        "started and ended it and with which move, the checklist as ticked, the acceptance "
        "(time and terms version) and any problem reported. The open one has `is_current` "
        "true. Not paginated.",
        responses={200: s.AssignmentSerializer(many=True), 404: ERRORS[404]},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def assignments(self, request: Request, tag: str | None = None) -> Response:
        asset = self.get_object()
        rows = asset.assignments.select_related(*s.ASSIGNMENT_RELATED)
        return Response(s.AssignmentSerializer(rows, many=True).data)

    receive = _move_action("receive")
    deploy = _move_action("deploy")
    transfer = _move_action("transfer")
    check_in = _move_action("check_in")
    start_maintenance = _move_action("start_maintenance")
    complete_maintenance = _move_action("complete_maintenance")
    mark_missing = _move_action("mark_missing")
    found = _move_action("found")
    retire = _move_action("retire")
    wipe = _move_action("wipe")
    dispose = _move_action("dispose")
    reinstate = _move_action("reinstate")
