"""The maintenance and licences API: licences and their seats and renewals, maintenance records,
preventive plans.

Views stay thin: scoping comes from ``licenses.visible_licenses`` / ``visible_seats`` and
``services.visible_records`` (a licence or record you cannot see is a 404), every change from a
service function (which checks the permission again and holds the rules), the bodies from
``inputs``. A role without the right gets its 403 before its body is read.
"""

from __future__ import annotations

import datetime

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from assets.api.serializers import ErrorSerializer, ValidationErrorSerializer
from assets.visibility import sees_all_assets, visible_assets
from itam.api import days_param

from .. import licenses, services
from ..models import LicenseSeat, MaintenancePlan, MaintenanceRecord, SoftwareLicense
from . import inputs as i
from . import serializers as s
from .filters import LicenseFilterSet, PlanFilterSet, RecordFilterSet

BAD_INPUT = OpenApiResponse(ValidationErrorSerializer, description="Bad input: see errors.")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="Your role does not allow this.")
LICENSE_NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description="No such licence, or not one you can see."
)
RECORD_NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description="No such maintenance record, or not one you can see."
)
PLAN_NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such plan.")
SEAT_REFUSED = OpenApiResponse(
    s.SeatRefusedSerializer,
    description="Refused: every seat is taken, the holder has a seat already, the licence has "
    "expired, or the seat was released already.",
)
LICENSE_ERRORS = {400: BAD_INPUT, 403: FORBIDDEN, 404: LICENSE_NOT_FOUND}

SEAT_ID = OpenApiParameter(
    "seat_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Seat id."
)
ALL_SEATS = OpenApiParameter(
    "all", OpenApiTypes.BOOL, description="Also the released seats (default: only open ones)."
)
DAYS = OpenApiParameter(
    "days", OpenApiTypes.INT, description="Due within this many days from today (default 30)."
)

LICENSE_READER = "maintenance.view_softwarelicense"
PLAN_READER = "maintenance.view_maintenanceplan"


# --- permissions: the services check again (they are the rule); these only order the answers ---


class ActionPermission(BasePermission):
    """Signed in; then each action's permission, from the view's ``required`` table.

    Collection actions are checked before anything is read; actions on one object once it is
    found (so an object you cannot see is a 404, never a 403 that says it exists). DRF's own
    ``PermissionDenied``, so the browsable API hides a form you may not use instead of failing.
    """

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if not view.detail:
            self._check(request.user, view)
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        self._check(request.user, view)
        return True

    @staticmethod
    def _check(user, view) -> None:
        needed = view.required.get(view.action or "")
        if needed and not user.has_perm(needed[0]):
            raise PermissionDenied(needed[1])


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


# --- licences ----------------------------------------------------------------------------------


@extend_schema(tags=["licences"])
class LicenseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Software licences, their seats and renewals. Keys are shown to IT staff only."""

    permission_classes = [ActionPermission]
    filter_backends = [DjangoFilterBackend]
    filterset_class = LicenseFilterSet
    serializer_class = s.LicenseSerializer
    lookup_value_regex = "[0-9]+"
    required = {
        "create": ("maintenance.add_softwarelicense", "Only IT staff add licences."),
        "partial_update": ("maintenance.change_softwarelicense", "Only IT staff edit licences."),
        "assign_seat": ("maintenance.add_licenseseat", "Only IT staff assign licence seats."),
        "release_seat": ("maintenance.change_licenseseat", "Only IT staff release seats."),
        "renew": ("maintenance.renew_softwarelicense", "Only IT staff renew licences."),
        "orphaned_seats": (
            LICENSE_READER,
            "Only IT staff and auditors see the seats of people who have left.",
        ),
    }

    def get_queryset(self):
        """The licences this person may see, with their seat usage (one query a page)."""
        queryset = SoftwareLicense.objects.select_related("vendor", "owner")
        usage = licenses.with_usage(licenses.visible_licenses(self.request.user, queryset))
        return usage.order_by("product", "pk")  # a grouped query drops the model's ordering

    def get_serializer_class(self):
        return {
            "create": i.LicenseInput,
            "partial_update": i.LicenseInput,
            "seats": s.SeatSerializer,
            "assign_seat": i.SeatInput,
            "release_seat": i.ReleaseInput,
            "renew": i.RenewInput,
            "renewals": s.RenewalSerializer,
            "orphaned_seats": s.SeatSerializer,
        }.get(self.action, s.LicenseSerializer)

    def detail_of(self, pk: int) -> dict:
        """The licence as it is now, with its usage (read again after a change)."""
        fresh = self.get_queryset().get(pk=pk)
        return s.LicenseSerializer(fresh, context=self.get_serializer_context()).data

    @extend_schema(
        summary="List licences",
        description="The licences you may see (IT staff and auditors: all; others: those held "
        "by them, by assets they hold, or, for managers, by their departments' people), with "
        "seats used, free and orphaned. `key` is the real key for IT staff only.",
        responses={200: s.LicenseSerializer(many=True), 400: BAD_INPUT},
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="One licence", responses={200: s.LicenseSerializer, 404: LICENSE_NOT_FOUND}
    )
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Add a licence",
        description="Needs `maintenance.add_softwarelicense` (IT staff). Answers the licence "
        "with its usage.",
        request=i.LicenseInput,
        responses={201: s.LicenseSerializer, 400: BAD_INPUT, 403: FORBIDDEN},
    )
    def create(self, request: Request) -> Response:
        body = i.LicenseInput(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        created = body.save()
        return Response(self.detail_of(created.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a licence's details",
        description="Send only what changes; kept in the licence's history (never the key). "
        "Seats cannot drop below those in use (400 saying how many to release). Changing the "
        "key needs `maintenance.view_license_key`. Needs `maintenance.change_softwarelicense`.",
        request=i.LicenseInput,
        responses={200: s.LicenseSerializer, **LICENSE_ERRORS},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        license = self.get_object()
        body = i.LicenseInput(
            license, data=request.data, partial=True, context=self.get_serializer_context()
        )
        body.is_valid(raise_exception=True)
        body.save()
        return Response(self.detail_of(license.pk))

    # -- seats --

    @extend_schema(
        summary="A licence's seats",
        description="The open seats (`?all=1`: released ones too), newest first. IT staff and "
        "auditors see every seat; others only their own and, for managers, their "
        "departments' people's.",
        parameters=[ALL_SEATS],
        responses={200: s.SeatSerializer(many=True), 404: LICENSE_NOT_FOUND},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def seats(self, request: Request, pk: str | None = None) -> Response:
        license = self.get_object()
        rows = licenses.visible_seats(request.user, license)
        if not _truthy(request.query_params.get("all")):
            rows = rows.filter(released_at__isnull=True)
        page = self.paginate_queryset(rows)
        data = s.SeatSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    @extend_schema(
        operation_id="licenses_seats_assign",
        summary="Assign a seat",
        description='To a person (`{"user": "<username>"}`) or an asset (`{"asset": "<tag>"}`), '
        "not both. Refused with 409 (`seat_refused`) when every seat is taken, the holder "
        "already has one, or the licence has expired. Needs `maintenance.add_licenseseat`.",
        request=i.SeatInput,
        responses={201: s.SeatSerializer, **LICENSE_ERRORS, 409: SEAT_REFUSED},
    )
    @seats.mapping.post
    def assign_seat(self, request: Request, pk: str | None = None) -> Response:
        license = self.get_object()
        body = i.SeatInput(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        seat = body.perform(license, request.user)  # SeatRefused -> 409
        fresh = licenses.visible_seats(request.user, license).get(pk=seat.pk)
        data = s.SeatSerializer(fresh, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="licenses_seats_release",
        summary="Release a seat",
        description="The seat is free again; who released it, when and why are kept on it. "
        "Released already: 409. Needs `maintenance.change_licenseseat`.",
        parameters=[SEAT_ID],
        request=i.ReleaseInput,
        responses={200: s.SeatSerializer, **LICENSE_ERRORS, 409: SEAT_REFUSED},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"seats/(?P<seat_id>[0-9]+)/release",
        url_name="seat-release",
        filter_backends=[],
    )
    def release_seat(self, request: Request, pk: str | None = None, seat_id: str = "") -> Response:
        license = self.get_object()
        seat = get_object_or_404(licenses.visible_seats(request.user, license), pk=seat_id)
        body = i.ReleaseInput(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        body.perform(seat, request.user)
        fresh = licenses.visible_seats(request.user, license).get(pk=seat.pk)
        return Response(s.SeatSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Seats whose holders have left",
        description="Open seats still held by people whose account is deactivated or by "
        "retired or disposed assets: release them to free the seats. IT staff and auditors.",
        responses={200: s.SeatSerializer(many=True), 403: FORBIDDEN},
    )
    @action(detail=False, methods=["get"], url_path="orphaned-seats", filter_backends=[])
    def orphaned_seats(self, request: Request) -> Response:
        rows = licenses.orphaned_seats(
            LicenseSeat.objects.select_related(
                "license", "user", "asset", "assigned_by", "released_by"
            ).order_by("license__product", "license_id", "pk")
        )
        page = self.paginate_queryset(rows)
        data = s.SeatSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    # -- renewals --

    @extend_schema(
        summary="Renew",
        description="A new term: a new expiry (after the current one), its cost and optionally "
        "new seats (never below those in use). The renewal is kept; the licence's history "
        "says what changed. Needs `maintenance.renew_softwarelicense`. Answers the licence "
        "as it is now, with `renewal`.",
        request=i.RenewInput,
        responses={200: s.LicenseRenewedSerializer, **LICENSE_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def renew(self, request: Request, pk: str | None = None) -> Response:
        license = self.get_object()
        body = i.RenewInput(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        renewal = body.perform(license, request.user)
        data = self.detail_of(license.pk)
        data["renewal"] = s.RenewalSerializer(renewal, context=self.get_serializer_context()).data
        return Response(data)

    @extend_schema(
        summary="A licence's renewals",
        description="Every renewal, newest first. Not paginated.",
        responses={200: s.RenewalSerializer(many=True), 404: LICENSE_NOT_FOUND},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def renewals(self, request: Request, pk: str | None = None) -> Response:
        license = self.get_object()
        rows = license.renewals.select_related("renewed_by")
        return Response(s.RenewalSerializer(rows, many=True).data)


# --- maintenance records -----------------------------------------------------------------------


@extend_schema(tags=["maintenance"])
class MaintenanceRecordViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Maintenance records: repairs opened by start-maintenance, and work logged in place."""

    permission_classes = [ActionPermission]
    filter_backends = [DjangoFilterBackend]
    filterset_class = RecordFilterSet
    serializer_class = s.MaintenanceRecordSerializer
    lookup_value_regex = "[0-9]+"
    required = {
        "create": (services.MAINTAIN, "Your role does not allow you to record maintenance."),
        "partial_update": (
            "maintenance.change_maintenancerecord",
            "Your role does not allow you to change maintenance records.",
        ),
    }

    def get_queryset(self):
        queryset = MaintenanceRecord.objects.select_related(
            "asset", "plan", "opened_by", "closed_by"
        )
        return services.visible_records(self.request.user, queryset)

    def get_serializer_class(self):
        return {"create": i.RecordInput, "partial_update": i.RecordChangeInput}.get(
            self.action, s.MaintenanceRecordSerializer
        )

    def detail_of(self, pk: int) -> dict:
        fresh = self.get_queryset().get(pk=pk)
        return s.MaintenanceRecordSerializer(fresh, context=self.get_serializer_context()).data

    @extend_schema(
        summary="List maintenance records",
        description="The work you may see (IT staff and auditors: all; others: on assets they "
        "may see), newest first. Repairs that take an asset out of service are opened and "
        "closed by the asset's start-maintenance and complete-maintenance moves.",
        responses={200: s.MaintenanceRecordSerializer(many=True), 400: BAD_INPUT},
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="One maintenance record",
        responses={200: s.MaintenanceRecordSerializer, 404: RECORD_NOT_FOUND},
    )
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Log work done in place",
        description="A service, an update or an upgrade that did not take the asset out of "
        "use: recorded already done (its cost counts in the asset's total cost of "
        "ownership). To take an asset out of service use "
        "POST /api/v1/assets/<tag>/start-maintenance/. Needs `assets.maintain_asset`.",
        request=i.RecordInput,
        responses={201: s.MaintenanceRecordSerializer, 400: BAD_INPUT, 403: FORBIDDEN},
    )
    def create(self, request: Request) -> Response:
        body = i.RecordInput(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        record = body.perform(request.user)
        return Response(self.detail_of(record.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Correct a maintenance record",
        description="Send only what changes (the invoice arrived, the text was thin); kept in "
        "the record's history with `reason`. Needs `maintenance.change_maintenancerecord`.",
        request=i.RecordChangeInput,
        responses={
            200: s.MaintenanceRecordSerializer,
            400: BAD_INPUT,
            403: FORBIDDEN,
            404: RECORD_NOT_FOUND,
        },
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        record = self.get_object()
        body = i.RecordChangeInput(
            record, data=request.data, partial=True, context=self.get_serializer_context()
        )
        body.is_valid(raise_exception=True)
        body.perform(record, request.user)
        return Response(self.detail_of(record.pk))


# --- preventive plans --------------------------------------------------------------------------

_PLAN_READ = (PLAN_READER, "Only IT staff and auditors see maintenance plans.")


@extend_schema(tags=["maintenance"])
class MaintenancePlanViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Preventive maintenance plans: every N months, per category or per asset."""

    permission_classes = [ActionPermission]
    filter_backends = [DjangoFilterBackend]
    filterset_class = PlanFilterSet
    serializer_class = s.PlanSerializer
    lookup_value_regex = "[0-9]+"
    required = {
        "list": _PLAN_READ,
        "retrieve": _PLAN_READ,
        "create": ("maintenance.add_maintenanceplan", "Only IT staff plan maintenance."),
        "partial_update": (
            "maintenance.change_maintenanceplan",
            "Only IT staff change maintenance plans.",
        ),
    }

    def get_queryset(self):
        return MaintenancePlan.objects.select_related("category", "asset", "created_by")

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return i.PlanInput
        if self.action == "due":
            return s.DueItemSerializer
        return s.PlanSerializer

    def detail_of(self, pk: int) -> dict:
        fresh = self.get_queryset().get(pk=pk)
        return s.PlanSerializer(fresh, context=self.get_serializer_context()).data

    def get_object(self):
        # Readers only: the 403 comes before the 404, as plans are not scoped per person.
        ActionPermission._check(self.request.user, self)
        return super().get_object()

    @extend_schema(
        summary="List maintenance plans",
        description="IT staff and auditors (`maintenance.view_maintenanceplan`); others 403.",
        responses={200: s.PlanSerializer(many=True), 400: BAD_INPUT, 403: FORBIDDEN},
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="One maintenance plan",
        responses={200: s.PlanSerializer, 403: FORBIDDEN, 404: PLAN_NOT_FOUND},
    )
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Plan preventive maintenance",
        description="Every `interval_months` from `first_due_on`, for every asset of a "
        "`category` (slug) or one `asset` (tag). Needs `maintenance.add_maintenanceplan`.",
        request=i.PlanInput,
        responses={201: s.PlanSerializer, 400: BAD_INPUT, 403: FORBIDDEN},
    )
    def create(self, request: Request) -> Response:
        body = i.PlanInput(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        plan = body.save()
        return Response(self.detail_of(plan.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a maintenance plan",
        description="Send only what changes; `active: false` stops it. To move a plan from a "
        'category to one asset send both: `{"asset": "<tag>", "category": null}`. Needs '
        "`maintenance.change_maintenanceplan`.",
        request=i.PlanInput,
        responses={200: s.PlanSerializer, 400: BAD_INPUT, 403: FORBIDDEN, 404: PLAN_NOT_FOUND},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        plan = self.get_object()
        body = i.PlanInput(
            plan, data=request.data, partial=True, context=self.get_serializer_context()
        )
        body.is_valid(raise_exception=True)
        body.save()
        return Response(self.detail_of(plan.pk))

    @extend_schema(
        summary="Maintenance due",
        description="Every asset whose next round under an active plan is due within `days` "
        "(overdue ones included), per plan in due order. IT staff and auditors see every "
        "asset; others the assets they may see.",
        parameters=[DAYS],
        responses={200: s.DueItemSerializer(many=True), 400: BAD_INPUT},
    )
    @action(detail=False, methods=["get"], filter_backends=[])
    def due(self, request: Request) -> Response:
        until = timezone.localdate() + datetime.timedelta(days=days_param(request))
        user = request.user
        scope = None if sees_all_assets(user) else visible_assets(user)
        rows = list(services.due_items(until=until, assets=scope))
        page = self.paginate_queryset(rows)
        data = s.DueItemSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)
