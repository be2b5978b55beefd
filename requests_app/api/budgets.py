"""The budgets API: what each department may spend per fiscal year, and where it stands.

``/api/v1/budgets/``: IT staff and auditors (``requests_app.view_budget``) read every budget; a
manager reads their departments' (as the request page shows them while they decide); others
see none (an id they may not see is a 404). Administrators set and correct budgets, as in the
admin (``add_``/``change_``/``delete_budget``). Committed, spent and available come from
``requests_app.budgets.budget_summary`` on one budget (several queries each, so not on lists).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from assets.api.catalogue import CatalogueViewSet
from assets.api.serializers import StrictInput, pk_field
from assets.models import Department

from ..budgets import budget_summary, fiscal_year_label, fiscal_year_of
from ..models import Budget
from .serializers import money

FIRST_YEAR, LAST_YEAR = 1900, 9998


def visible_budgets(user, queryset: QuerySet | None = None) -> QuerySet:
    """Every budget for ``view_budget``; a manager's departments' budgets; otherwise none."""
    queryset = Budget.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    if user.has_perm("requests_app.view_budget"):
        return queryset
    return queryset.filter(department__manager=user)


class YearBudgetSerializer(StrictInput, serializers.ModelSerializer):
    """A budget as lists show it (the figures are on one budget: ``YearBudgetDetailSerializer``)."""

    url = serializers.SerializerMethodField(help_text="This budget, with its figures.")
    department = pk_field(Department.objects.all(), "department", "/api/v1/departments/")
    department_name = serializers.CharField(source="department.name", read_only=True)
    department_slug = serializers.CharField(source="department.slug", read_only=True)
    fiscal_year = serializers.IntegerField(
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        help_text="The calendar year in which the fiscal year starts "
        "(ITAM_FISCAL_YEAR_START_MONTH says which month).",
    )
    label = serializers.SerializerMethodField(help_text="e.g. FY2026 or FY2026/27.")
    currency = serializers.CharField(
        max_length=3,
        required=False,
        help_text="ISO 4217 code; defaults to ITAM_CURRENCY.",
    )

    class Meta:
        model = Budget
        fields = [
            "id",
            "url",
            "department",
            "department_name",
            "department_slug",
            "fiscal_year",
            "label",
            "amount",
            "currency",
        ]
        validators: list = []  # one per department and year: checked in validate(), with a message
        extra_kwargs = {
            "amount": {"error_messages": {"min_value": "A budget cannot be negative."}},
        }

    def get_url(self, budget: Budget) -> str:
        path = reverse("api-budget-detail", args=[budget.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_label(self, budget: Budget) -> str:
        return fiscal_year_label(budget.fiscal_year)

    def validate_currency(self, value: str) -> str:
        code = value.strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise serializers.ValidationError("Give a three-letter currency code, e.g. GBP.")
        return code

    def validate(self, attrs: dict) -> dict:
        department = attrs.get("department") or getattr(self.instance, "department", None)
        year = attrs.get("fiscal_year") or getattr(self.instance, "fiscal_year", None)
        twin = Budget.objects.filter(department=department, fiscal_year=year)
        if self.instance is not None:
            twin = twin.exclude(pk=self.instance.pk)
        if twin.exists():
            raise serializers.ValidationError(
                {
                    "fiscal_year": f"{department} already has a budget for "
                    f"{fiscal_year_label(year)}: edit that one."
                }
            )
        if self.instance is None:
            attrs.setdefault("currency", settings.ITAM_CURRENCY)
        return attrs


class YearBudgetDetailSerializer(YearBudgetSerializer):
    committed = money(
        source="_summary.committed",
        help_text="Approved requests not yet ordered, plus open orders' units still to arrive "
        "(the current fiscal year only; 0.00 for others).",
    )
    spent = money(
        source="_summary.spent",
        help_text="The purchase cost of the department's assets bought in the fiscal year.",
    )
    available = money(source="_summary.available", help_text="amount − committed − spent.")

    class Meta(YearBudgetSerializer.Meta):
        fields = [*YearBudgetSerializer.Meta.fields, "committed", "spent", "available"]

    def to_representation(self, budget: Budget) -> dict:
        budget._summary = budget_summary(budget.department, budget.fiscal_year)
        return super().to_representation(budget)


class BudgetFilterSet(filters.FilterSet):
    department = filters.NumberFilter(field_name="department_id", label="Department (id)")
    department_slug = filters.CharFilter(field_name="department__slug", label="Department (slug)")
    fiscal_year = filters.NumberFilter(label="Fiscal year (the year it starts in)")
    current = filters.BooleanFilter(method="in_current_year", label="Only this fiscal year's")

    class Meta:
        model = Budget
        fields = ["department", "department_slug", "fiscal_year", "current"]

    def in_current_year(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        year = fiscal_year_of()
        return queryset.filter(fiscal_year=year) if value else queryset.exclude(fiscal_year=year)


READERS = (
    "IT staff and auditors see every budget; a manager their departments'; others none "
    "(an id you may not see is a 404)."
)
WRITERS = "Administrators (the add or change permission on budgets); others 403."


@extend_schema(tags=["budgets"])
@extend_schema_view(
    list=extend_schema(
        summary="List budgets",
        description=f"{READERS} Newest fiscal year first within each department. The figures "
        "(committed, spent, available) are on each budget's own URL. `q` searches department "
        "names.",
    ),
    retrieve=extend_schema(
        summary="One budget, with what is committed, spent and available",
        description=READERS,
        responses={200: YearBudgetDetailSerializer},
    ),
    create=extend_schema(
        summary="Set a department's budget for a fiscal year",
        description=f"{WRITERS} One budget per department and year (400 otherwise).",
        responses={201: YearBudgetDetailSerializer},
    ),
    update=extend_schema(
        summary="Replace a budget", description=WRITERS, responses={200: YearBudgetDetailSerializer}
    ),
    partial_update=extend_schema(
        summary="Correct a budget", description=WRITERS, responses={200: YearBudgetDetailSerializer}
    ),
    destroy=extend_schema(
        summary="Delete a budget",
        description="Administrators (the delete permission on budgets); others 403.",
        responses={204: None},
    ),
)
class BudgetViewSet(CatalogueViewSet):
    """Department budgets per fiscal year; each change is kept in its history."""

    queryset = Budget.objects.select_related("department")
    filterset_class = BudgetFilterSet
    search_fields = ["department__name"]
    ordering_fields = ["fiscal_year", "department__name", "amount", "id"]
    ordering = ["department__name", "-fiscal_year"]

    def get_queryset(self) -> QuerySet:
        return visible_budgets(self.request.user, super().get_queryset())

    def get_serializer_class(self):
        return YearBudgetSerializer if self.action == "list" else YearBudgetDetailSerializer
