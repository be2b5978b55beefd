"""The usage reports as JSON (paginated) or CSV (``?format=csv`` or ``Accept: text/csv``).

Same queries (``assets.reports``), same filters, same people as the report pages: IT staff and
auditors read every report; a department's manager reads the by-department report for the
departments they manage; anyone else gets a 403.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from assets import csv_export as cx
from assets import reports as r
from assets.choices import AssetStatus

from .serializers import ErrorSerializer, HolderSerializer, ValidationErrorSerializer, holder_of


class CSVRenderer(BaseRenderer):
    """Lets ``?format=csv`` and ``Accept: text/csv`` through content negotiation.

    The report views stream the file themselves; this only renders an error's message.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type=None, renderer_context=None) -> bytes:
        if isinstance(data, dict) and "detail" in data:
            return f"{data['detail']}\n".encode()
        return b""


FILTERS = [
    OpenApiParameter("category", OpenApiTypes.STR, description="Category slug."),
    OpenApiParameter(
        "department",
        OpenApiTypes.STR,
        description="Department slug: assets it owns, it holds, or its people hold.",
    ),
    OpenApiParameter(
        "location", OpenApiTypes.INT, description="Location id, with everything inside it."
    ),
    OpenApiParameter(
        "format",
        OpenApiTypes.STR,
        enum=["json", "csv"],
        description="`csv` streams every matching row as a CSV file (not paginated); the "
        "default is paginated JSON.",
    ),
]
DAYS = OpenApiParameter(
    "days",
    OpenApiTypes.INT,
    description="Idle for more than this many days (default 90).",
)
ERRORS = {
    400: OpenApiResponse(ValidationErrorSerializer, description="A filter could not be read."),
    403: OpenApiResponse(ErrorSerializer, description="Your role cannot read this report."),
}
CSV_NOTE = " With `?format=csv` the whole list downloads as CSV (UTF-8 with BOM), unpaginated."


# --- what a row looks like --------------------------------------------------------------------


class ReportAssetSerializer(serializers.Serializer):
    """An asset in a report: enough to act on it; the full record is at ``url``."""

    tag = serializers.CharField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=AssetStatus.choices)
    category = serializers.CharField(source="category.slug")
    category_name = serializers.CharField(source="category.name")
    location = serializers.IntegerField(source="location_id", allow_null=True)
    location_name = serializers.SerializerMethodField()
    department = serializers.SerializerMethodField(help_text="The owning department's slug.")
    holder = serializers.SerializerMethodField()
    assigned_at = serializers.DateTimeField(allow_null=True)
    expected_return_date = serializers.DateField(allow_null=True)
    purchase_date = serializers.DateField(allow_null=True)
    purchase_cost = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    url = serializers.SerializerMethodField(help_text="The asset in the API.")

    def get_location_name(self, asset) -> str | None:
        return asset.location.full_name if asset.location_id else None

    def get_department(self, asset) -> str | None:
        return asset.department.slug if asset.department_id else None

    @extend_schema_field(HolderSerializer(allow_null=True))
    def get_holder(self, asset) -> dict | None:
        return holder_of(asset)

    def get_url(self, asset) -> str:
        path = reverse("api-asset-detail", args=[asset.tag])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class IdleAssetSerializer(ReportAssetSerializer):
    in_stock_since = serializers.DateTimeField(
        help_text="When it last moved into stock (from the history)."
    )
    days_idle = serializers.SerializerMethodField()

    def get_days_idle(self, asset) -> int:
        return cx.days_since(asset.in_stock_since, self.context["today"])


class OverdueLoanerSerializer(ReportAssetSerializer):
    days_overdue = serializers.SerializerMethodField()

    def get_days_overdue(self, asset) -> int:
        return cx.days_since(asset.expected_return_date, self.context["today"])


class GhostAssetSerializer(ReportAssetSerializer):
    holder_last_login = serializers.DateTimeField(
        source="assigned_user.last_login", allow_null=True
    )


class UtilisationSerializer(serializers.Serializer):
    asset = ReportAssetSerializer()
    registered_at = serializers.DateTimeField(allow_null=True)
    life_days = serializers.FloatField(help_text="Days since registration (to disposal).")
    deployed_days = serializers.FloatField(help_text="Days spent deployed, from the history.")
    deployed_percent = serializers.FloatField(
        source="percent", allow_null=True, help_text="deployed_days / life_days, 0–100."
    )


class DepartmentLineSerializer(serializers.Serializer):
    department = serializers.CharField(source="slug", allow_null=True, help_text="Slug.")
    name = serializers.CharField()
    by_status = serializers.DictField(
        child=serializers.IntegerField(), help_text="Owned assets per status."
    )
    owned = serializers.IntegerField(help_text="Assets the department owns.")
    owned_cost = serializers.DecimalField(max_digits=14, decimal_places=2)
    held = serializers.IntegerField(help_text="Deployed to the department or to its people.")
    held_cost = serializers.DecimalField(max_digits=14, decimal_places=2)


# --- the views --------------------------------------------------------------------------------


class ReportView(GenericAPIView):
    """One report: parse the filters, run the query, answer a page of JSON or the whole CSV."""

    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]
    filter_backends: list = []
    form_class = r.ReportFilterForm
    csv_name = "report"
    everyone_with_departments = False  # True: managers may read it for their departments

    def check_reader(self) -> list[int] | None:
        departments = r.report_departments(self.request.user)
        if departments is None:
            return None
        if self.everyone_with_departments and departments:
            return departments
        raise PermissionDenied("This report is for IT staff and auditors.")

    def filters(self) -> dict:
        form = self.form_class(self.request.query_params, user=self.request.user)
        if not form.is_valid():
            raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
        return form.cleaned_data

    def base(self, cleaned: dict) -> QuerySet:
        kwargs = {name: cleaned.get(name) for name in ("category", "department", "location")}
        return r.filter_assets(r.scoped(self.request.user), **kwargs)

    def wants_csv(self) -> bool:
        return getattr(self.request.accepted_renderer, "format", "") == "csv"

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def respond(self, items, columns: list) -> Any:
        if self.wants_csv():
            return cx.stream_csv(cx.dated(self.csv_name), columns, items)
        page = self.paginate_queryset(items)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def _list_schema(summary: str, description: str, serializer, extra=()) -> Any:
    return extend_schema(
        tags=["reports"],
        summary=summary,
        description=description + CSV_NOTE,
        parameters=[*extra, *FILTERS],
        responses={
            (200, "application/json"): serializer(many=True),
            (200, "text/csv"): OpenApiTypes.STR,
            **ERRORS,
        },
    )


class IdleReport(ReportView):
    serializer_class = IdleAssetSerializer
    form_class = r.IdleFilterForm
    csv_name = "idle"

    @_list_schema(
        "Idle in stock",
        "Assets in stock for more than `days` days since the last history row that moved "
        "them into stock, oldest first.",
        IdleAssetSerializer,
        extra=[DAYS],
    )
    def get(self, request: Request) -> Any:
        self.check_reader()
        cleaned = self.filters()
        items = r.idle_in_stock(self.base(cleaned), days=cleaned["days"])
        return self.respond(items, cx.idle_columns(timezone.localdate()))


class OverdueLoanersReport(ReportView):
    serializer_class = OverdueLoanerSerializer
    csv_name = "loaners-overdue"

    @_list_schema(
        "Loaners overdue",
        "Deployed assets whose expected return date is before today, longest overdue first.",
        OverdueLoanerSerializer,
    )
    def get(self, request: Request) -> Any:
        self.check_reader()
        items = r.loaners_overdue(self.base(self.filters()))
        return self.respond(items, cx.overdue_columns(timezone.localdate()))


class GhostAssetsReport(ReportView):
    serializer_class = GhostAssetSerializer
    csv_name = "ghost-assets"

    @_list_schema(
        "Ghost assets",
        "Assets still held by people whose accounts are deactivated.",
        GhostAssetSerializer,
    )
    def get(self, request: Request) -> Any:
        self.check_reader()
        return self.respond(r.ghost_assets(self.base(self.filters())), cx.GHOST_COLUMNS)


class UtilisationReport(ReportView):
    serializer_class = UtilisationSerializer
    csv_name = "utilisation"

    @_list_schema(
        "Utilisation",
        "Each asset's share of its life spent deployed: time in `deployed` between its "
        "history rows over time since registration (to disposal for disposed assets). Assets "
        "still on order are left out. Ordered by tag.",
        UtilisationSerializer,
    )
    def get(self, request: Request) -> Any:
        self.check_reader()
        base = self.base(self.filters())
        now = timezone.now()
        if self.wants_csv():
            return cx.stream_csv(
                cx.dated(self.csv_name),
                cx.UTILISATION_COLUMNS,
                r.utilisation_stream(base, now=now),
            )
        page = self.paginate_queryset(r.utilisation_candidates(base))
        rows = r.utilisation(page, now=now)
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


class ByDepartmentReport(ReportView):
    serializer_class = DepartmentLineSerializer
    csv_name = "holdings-by-department"
    everyone_with_departments = True
    pagination_class = None

    @extend_schema(
        tags=["reports"],
        summary="Holdings and cost by department",
        description="Per department: owned assets by status with their purchase cost, and "
        "what is deployed to the department or its people. IT staff and auditors get every "
        "department (and a line for assets no department owns); a manager gets theirs. Not "
        "paginated; `department` is not a filter here." + CSV_NOTE,
        parameters=[p for p in FILTERS if p.name != "department"],
        responses={
            (200, "application/json"): DepartmentLineSerializer(many=True),
            (200, "text/csv"): OpenApiTypes.STR,
            **ERRORS,
        },
    )
    def get(self, request: Request) -> Any:
        departments = self.check_reader()
        cleaned = self.filters()
        cleaned["department"] = None
        lines = r.by_department(self.base(cleaned), departments=departments)
        if self.wants_csv():
            return cx.stream_csv(cx.dated(self.csv_name), cx.department_columns(), lines)
        return Response(self.get_serializer(lines, many=True).data)
