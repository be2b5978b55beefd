"""The filters of the licence, maintenance-record and plan lists in the API.

The licence search never looks at the key: a search that matched it would let anyone guess a
key one character at a time.
"""

from __future__ import annotations

import datetime

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from ..choices import MaintenanceKind
from ..models import MaintenancePlan, MaintenanceRecord, SoftwareLicense


class LicenseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", label="Search product, version, vendor, renewal terms and notes"
    )
    vendor = django_filters.CharFilter(method="by_vendor", label="Vendor (id or name)")
    owner = django_filters.CharFilter(
        field_name="owner__username", lookup_expr="iexact", label="Owner (username)"
    )
    expiring = django_filters.NumberFilter(
        min_value=0,
        max_value=3650,
        method="expiring_within",
        label="Expiring within this many days (today included; not those expired already)",
    )
    expired = django_filters.BooleanFilter(method="by_expired", label="Expired (true) or not")
    ordering = django_filters.OrderingFilter(
        fields=(
            ("product", "product"),
            ("vendor__name", "vendor"),
            ("expires_on", "expires_on"),
            ("seats", "seats"),
            ("seats_used", "seats_used"),
            ("cost", "cost"),
            ("purchased_on", "purchased_on"),
            ("created_at", "created_at"),
            ("id", "id"),
        ),
        label="Sort by",
    )

    class Meta:
        model = SoftwareLicense
        fields = ["q", "vendor", "owner", "expiring", "expired"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(product__icontains=value)
            | Q(version__icontains=value)
            | Q(vendor__name__icontains=value)
            | Q(renewal_terms__icontains=value)
            | Q(notes__icontains=value)
        )

    def by_vendor(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if value.isascii() and value.isdigit() and len(value) <= 12:
            return queryset.filter(vendor_id=int(value))
        return queryset.filter(vendor__name__iexact=value)

    def expiring_within(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if value is None:
            return queryset
        if value < 0:
            return queryset.none()
        today = timezone.localdate()
        return queryset.filter(
            expires_on__range=(today, today + datetime.timedelta(days=int(value)))
        )

    def by_expired(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        past = Q(expires_on__lt=timezone.localdate())
        return queryset.filter(past) if value else queryset.exclude(past)


class RecordFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search title, description, supplier")
    asset = django_filters.CharFilter(
        field_name="asset__tag", lookup_expr="iexact", label="Asset (tag)"
    )
    kind = django_filters.MultipleChoiceFilter(choices=MaintenanceKind.choices, label="Kind")
    open = django_filters.BooleanFilter(
        field_name="closed_at", lookup_expr="isnull", label="Still open (true) or done (false)"
    )
    supplier = django_filters.CharFilter(lookup_expr="icontains", label="Supplier contains")
    plan = django_filters.NumberFilter(
        field_name="plan_id", min_value=1, max_value=2**31 - 1, label="Preventive plan (id)"
    )
    warranty_covered = django_filters.BooleanFilter(label="Covered by the warranty")
    opened_after = django_filters.DateFilter(
        field_name="opened_at", lookup_expr="date__gte", label="Opened on or after"
    )
    opened_before = django_filters.DateFilter(
        field_name="opened_at", lookup_expr="date__lte", label="Opened on or before"
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("opened_at", "opened_at"),
            ("closed_at", "closed_at"),
            ("cost", "cost"),
            ("kind", "kind"),
            ("asset__tag", "asset"),
            ("id", "id"),
        ),
        label="Sort by",
    )

    class Meta:
        model = MaintenanceRecord
        fields = ["asset", "kind", "open", "supplier", "plan", "warranty_covered"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(description__icontains=value)
            | Q(supplier__icontains=value)
            | Q(resolution__icontains=value)
        )


class PlanFilterSet(django_filters.FilterSet):
    category = django_filters.CharFilter(
        field_name="category__slug", lookup_expr="iexact", label="Category (slug)"
    )
    asset = django_filters.CharFilter(
        field_name="asset__tag", lookup_expr="iexact", label="Asset (tag)"
    )
    kind = django_filters.MultipleChoiceFilter(choices=MaintenanceKind.choices, label="Kind")
    active = django_filters.BooleanFilter(label="Active (true) or stopped (false)")
    ordering = django_filters.OrderingFilter(
        fields=(
            ("title", "title"),
            ("interval_months", "interval_months"),
            ("first_due_on", "first_due_on"),
            ("id", "id"),
        ),
        label="Sort by",
    )

    class Meta:
        model = MaintenancePlan
        fields = ["category", "asset", "kind", "active"]
