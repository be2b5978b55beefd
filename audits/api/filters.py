"""The filters of the audit list in the API (``/api/v1/audits/``)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from ..choices import AuditStatus
from ..models import AuditSession


def _overdue() -> Q:
    return Q(status=AuditStatus.OPEN, due_date__lt=timezone.localdate())


class AuditFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AuditStatus.choices, label="Open or closed")
    location = django_filters.NumberFilter(
        field_name="location_id",
        min_value=1,
        max_value=2**31 - 1,
        label="The audited location (id; the audit's own place, not the places under it)",
    )
    category = django_filters.CharFilter(
        field_name="category__slug", lookup_expr="iexact", label="Category (slug)"
    )
    auditor = django_filters.CharFilter(
        field_name="auditor__username", lookup_expr="iexact", label="Auditor (username)"
    )
    overdue = django_filters.BooleanFilter(
        method="by_overdue", label="Open and past its due date (true), or not (false)"
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("created_at", "created_at"),
            ("due_date", "due_date"),
            ("closed_at", "closed_at"),
            ("status", "status"),
            ("location__name", "location"),
            ("id", "id"),
        ),
        label="Sort by",
    )

    class Meta:
        model = AuditSession
        fields = ["status", "location", "category", "auditor", "overdue"]

    def by_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(_overdue()) if value else queryset.exclude(_overdue())
