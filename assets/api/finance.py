"""The money and end-of-life reports as JSON, or CSV (``?format=csv`` or ``Accept: text/csv``).

Same figures (``assets.lifecycle_reports``), same filters, same people as the pages. Amounts are
decimal strings with two places, never floats. The disposals report keeps the shape scripts rely
on: ``{"from", "to", "count", "results": [{..., "wipes": [...]}]}``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assets import csv_export as cx
from assets import lifecycle_reports as lr
from assets import reports as r
from assets.views import finance as pages
from itam.api import Pagination

from .reports import FILTERS, CSVRenderer
from .serializers import ErrorSerializer, ValidationErrorSerializer

CANNOT_LISTED = 100


def money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=2, **kwargs)


def _period_params(what: str) -> list[OpenApiParameter]:
    return [
        OpenApiParameter(
            "from", OpenApiTypes.DATE, description=f"First day (YYYY-MM-DD) of {what}, inclusive."
        ),
        OpenApiParameter(
            "to", OpenApiTypes.DATE, description=f"Last day (YYYY-MM-DD) of {what}, inclusive."
        ),
        FORMAT,
    ]


FORMAT = next(p for p in FILTERS if p.name == "format")
STATUS = OpenApiParameter("status", OpenApiTypes.STR, description="Asset status, e.g. disposed.")
AS_OF = OpenApiParameter(
    "as_of", OpenApiTypes.DATE, description="Book values on this date (YYYY-MM-DD); default today."
)
PAGING = [
    OpenApiParameter("page", OpenApiTypes.INT, description="Page number (JSON only)."),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="Rows per page, at most 500."),
]
ERRORS = {
    400: OpenApiResponse(
        ValidationErrorSerializer, description="A filter or date could not be read."
    ),
    403: OpenApiResponse(ErrorSerializer, description="Your role cannot read this report."),
}


# --- shapes -------------------------------------------------------------------------------------


class CostRowSerializer(serializers.Serializer):
    tag = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    category = serializers.CharField(source="category.slug")
    purchase_cost = money(allow_null=True)
    maintenance_cost = money()
    proceeds = money(help_text="What the disposal brought in (0 if none).")
    lifecycle_cost = money(help_text="purchase_cost + maintenance_cost - proceeds.")


class CostTotalsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    purchase = money()
    maintenance = money()
    proceeds = money()
    lifecycle = money()


class LifecycleCostPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    totals = CostTotalsSerializer(help_text="Over every matching asset, not just this page.")
    results = CostRowSerializer(many=True)


class ReasonCountsField(serializers.DictField):
    child = serializers.IntegerField()


class RetirementLineSerializer(serializers.Serializer):
    category = serializers.CharField(source="slug", help_text="Slug; empty on the total.")
    category_name = serializers.CharField(source="category")
    count = serializers.IntegerField()
    average_age_months = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    median_age_months = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    average_purchase_cost = money(allow_null=True)
    average_maintenance_cost = money(allow_null=True)
    reasons = serializers.SerializerMethodField(
        help_text="Retirements per reason; `not_stated` for none recorded."
    )

    def get_reasons(self, line) -> dict[str, int]:
        return {value or "not_stated": count for value, _, count in line.reason_counts()}


class RetirementReportSerializer(serializers.Serializer):
    from_ = serializers.DateField(allow_null=True)
    to = serializers.DateField(allow_null=True)
    results = RetirementLineSerializer(many=True)
    total = RetirementLineSerializer()

    def get_fields(self) -> dict:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class DepreciationRowSerializer(serializers.Serializer):
    tag = serializers.CharField(source="asset.tag")
    name = serializers.CharField(source="asset.name")
    status = serializers.CharField(source="asset.status")
    category = serializers.CharField(source="asset.category.slug")
    purchase_date = serializers.DateField(source="asset.purchase_date")
    purchase_cost = money(source="cost")
    expected_life_months = serializers.IntegerField(source="life_months")
    months_elapsed = serializers.IntegerField()
    monthly = money(help_text="cost / life, rounded half up to the cent.")
    accumulated = money(help_text="cost × months / life (capped at cost), rounded once.")
    book_value = money(help_text="cost - accumulated, never below 0.")


class CannotSerializer(serializers.Serializer):
    tag = serializers.CharField()
    name = serializers.CharField()
    reason = serializers.CharField()


class DepreciationTotalsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    cost = money()
    accumulated = money()
    book_value = money()
    monthly = money(help_text="What the assets still depreciating lose per month.")


class CannotGroupSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = CannotSerializer(many=True, help_text=f"The first {CANNOT_LISTED}.")


class DepreciationPageSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    totals = DepreciationTotalsSerializer()
    cannot_be_depreciated = CannotGroupSerializer(
        help_text="Assets with no purchase cost or date (or a category with no life)."
    )
    results = DepreciationRowSerializer(many=True)


class WipeEvidenceSerializer(serializers.Serializer):
    method = serializers.CharField(help_text="clear, purge or destroy (NIST SP 800-88).")
    tool = serializers.CharField()
    performed_by = serializers.SerializerMethodField()
    verified_by = serializers.SerializerMethodField()
    performed_on = serializers.DateField()
    certificate = serializers.CharField(source="certificate_reference")

    def get_performed_by(self, wipe) -> str:
        return wipe.performed_by.get_username()

    def get_verified_by(self, wipe) -> str | None:
        return wipe.verified_by.get_username() if wipe.verified_by_id else None


class DisposalEvidenceSerializer(serializers.Serializer):
    tag = serializers.CharField(source="asset.tag")
    name = serializers.CharField(source="asset.name")
    serial_number = serializers.CharField(source="asset.serial_number")
    category = serializers.CharField(source="asset.category.slug")
    holds_data = serializers.BooleanField(source="asset.category.holds_data")
    disposed_on = serializers.DateField()
    method = serializers.CharField()
    recipient = serializers.CharField()
    proceeds = money()
    certificate = serializers.CharField(source="certificate_reference")
    wipe_evidence = serializers.ChoiceField(
        choices=[lr.VERIFIED, lr.NO_DATA, lr.NO_VERIFIED_WIPE],
        source="evidence",
        help_text="`NO VERIFIED WIPE`: a data-holding asset went without one. Look into it.",
    )
    wipes = WipeEvidenceSerializer(many=True, source="asset.wipes.all")


class DisposalsReportSerializer(serializers.Serializer):
    from_ = serializers.DateField(allow_null=True)
    to = serializers.DateField(allow_null=True)
    count = serializers.IntegerField()
    results = DisposalEvidenceSerializer(many=True)

    def get_fields(self) -> dict:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


# --- the views ----------------------------------------------------------------------------------


def _schema(summary: str, description: str, body, params: list) -> Any:
    return extend_schema(
        tags=["reports"],
        summary=summary,
        description=description
        + " With `?format=csv` every row downloads as CSV (UTF-8 with BOM), unpaginated.",
        parameters=params,
        responses={
            (200, "application/json"): body,
            (200, "text/csv"): OpenApiTypes.STR,
            **ERRORS,
        },
    )


class FinanceReport(APIView):
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]
    managers = True

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        pages.check_reader(request, managers=self.managers)

    def cleaned(self, form_class) -> dict:
        form = form_class(self.request.query_params, user=self.request.user)
        if not form.is_valid():
            errors = {name: list(e) for name, e in form.errors.items()}
            if "from_" in errors:
                errors["from"] = errors.pop("from_")
            if "__all__" in errors:
                errors["non_field_errors"] = errors.pop("__all__")
            raise ValidationError(errors)
        return form.cleaned_data

    def wants_csv(self) -> bool:
        return getattr(self.request.accepted_renderer, "format", "") == "csv"

    def paginate(self, items):
        self.paginator = Pagination()
        return self.paginator.paginate_queryset(items, self.request, view=self)

    def envelope(self, page: list, **extra) -> dict:
        return {
            "count": self.paginator.page.paginator.count,
            "next": self.paginator.get_next_link(),
            "previous": self.paginator.get_previous_link(),
            **extra,
            "results": page,
        }


class LifecycleCostReport(FinanceReport):
    @_schema(
        "Lifecycle cost per asset",
        "Purchase cost + maintenance cost (sum of its maintenance records) - disposal proceeds, "
        "exact to the cent, the most expensive first, with totals over every matching asset. "
        "IT staff and auditors see every asset; a manager what their departments own.",
        LifecycleCostPageSerializer,
        [*[p for p in FILTERS if p.name != "format"], STATUS, *PAGING, FORMAT],
    )
    def get(self, request: Request) -> Any:
        base = pages.lifecycle_cost_items(request.user, self.cleaned(lr.LifecycleCostFilterForm))
        items = lr.lifecycle_costs(base)
        if self.wants_csv():
            return cx.stream_csv(cx.dated("lifecycle-cost"), pages.LIFECYCLE_COLUMNS, items)
        page = self.paginate(items)
        totals = CostTotalsSerializer(lr.lifecycle_totals(base)).data
        return Response(self.envelope(CostRowSerializer(page, many=True).data, totals=totals))


class RetirementByCategoryReport(FinanceReport):
    @_schema(
        "Age and cost at retirement by category",
        "Retired and disposed assets whose retirement falls in the period, per category: "
        "count, average and median age in whole months (from the purchase date, or "
        "registration without one, to retirement), average purchase and maintenance cost, "
        "and count per retirement reason. Not paginated (one line per category).",
        RetirementReportSerializer,
        _period_params("retirement"),
    )
    def get(self, request: Request) -> Any:
        cleaned = self.cleaned(lr.PeriodFilterForm)
        start, end = cleaned.get("from_"), cleaned.get("to")
        lines = lr.retirement_by_category(lr.finance_scoped(request.user), start, end)
        if self.wants_csv():
            return cx.stream_csv(
                cx.dated("retirement-by-category"), pages.retirement_columns(), lines
            )
        data = RetirementReportSerializer(
            {"from": start, "to": end, "results": lines, "total": lr.retirement_totals(lines)}
        ).data
        return Response(data)


class DepreciationReport(FinanceReport):
    @_schema(
        "Depreciation and book value",
        "Straight line over the category's expected life from the purchase date: monthly = "
        "cost / life; accumulated = cost × whole months elapsed / life, capped at cost; book "
        "value = cost - accumulated, never below 0; each figure rounded once to the cent, half "
        "up. On the books on `as_of`: bought on or before it and not disposed of on or before "
        "it (assets still on order are left out); those without a purchase cost or date are "
        "counted under `cannot_be_depreciated`. Highest book value first. A manager sees what "
        "their departments own.",
        DepreciationPageSerializer,
        [p for p in FILTERS if p.name in ("category", "department")] + [AS_OF, *PAGING, FORMAT],
    )
    def get(self, request: Request) -> Any:
        report = pages.depreciation_report(request.user, self.cleaned(lr.DepreciationFilterForm))
        if self.wants_csv():
            return cx.stream_csv(
                f"depreciation-as-of-{report.as_of.isoformat()}.csv",
                pages.depreciation_columns(report.as_of),
                report.rows,
            )
        page = self.paginate(report.rows)
        totals = report.totals
        cannot = {
            "count": report.cannot_count,
            "results": [
                {"tag": a.tag, "name": a.name, "reason": lr.cannot_depreciate_reason(a)}
                for a in report.cannot[:CANNOT_LISTED]
            ],
        }
        return Response(
            self.envelope(
                DepreciationRowSerializer(page, many=True).data,
                as_of=report.as_of,
                totals=DepreciationTotalsSerializer(totals).data,
                cannot_be_depreciated=CannotGroupSerializer(cannot).data,
            )
        )


class DisposalsReport(FinanceReport):
    managers = False

    @_schema(
        "Disposals with their wipe evidence",
        "The compliance report: every disposal whose date falls in the period, with the "
        "asset, method, recipient, proceeds, certificate and every data wipe of the asset "
        "(method, tool, who performed it, who verified it, date, certificate). IT staff and "
        "auditors only. Not paginated.",
        DisposalsReportSerializer,
        _period_params("the disposals"),
    )
    def get(self, request: Request) -> Any:
        errors, dates = {}, {}
        for name in ("from", "to"):
            try:
                dates[name] = lr.parse_date(request.query_params.get(name), name)
            except ValueError as error:
                errors[name] = [str(error)]
        if errors:
            raise ValidationError(errors)
        start, end = dates["from"], dates["to"]
        if start and end and start > end:
            raise ValidationError({"to": ["“to” is before “from”."]})
        records = lr.disposals(r.scoped(request.user), start, end)
        if self.wants_csv():
            return cx.stream_csv(cx.dated("disposals"), pages.DISPOSAL_COLUMNS, records)
        records = list(records)
        for record in records:
            record.evidence = lr.wipe_status(record)
        data = DisposalsReportSerializer(
            {"from": start, "to": end, "count": len(records), "results": records}
        ).data
        return Response(data)
