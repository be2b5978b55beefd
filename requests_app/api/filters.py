"""The filters of the requests and purchase-order lists in the API."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from assets.models import Category, Department, Vendor

from ..choices import OrderStatus, RequestStatus
from ..models import AssetRequest, PurchaseOrder
from ..services import can_decide

User = get_user_model()


class RequestFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=RequestStatus.choices, label="Status")
    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.all(), label="Department (id)"
    )
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), to_field_name="slug", label="Category (slug)"
    )
    for_user = django_filters.CharFilter(
        field_name="for_user__username", lookup_expr="iexact", label="For (username)"
    )
    requester = django_filters.CharFilter(
        field_name="requester__username", lookup_expr="iexact", label="Asked by (username)"
    )
    new_hire = django_filters.BooleanFilter(
        method="for_new_hire", label="Only requests for a new hire (true) or not (false)"
    )
    waiting_for_me = django_filters.BooleanFilter(
        method="decidable_by_me", label="Only requests I can approve or reject now"
    )
    created_after = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label="Created on or after"
    )
    created_before = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label="Created on or before"
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("created_at", "created_at"),
            ("needed_by", "needed_by"),
            ("estimated_cost", "estimated_cost"),
            ("status", "status"),
            ("id", "id"),
        ),
        label="Sort by",
    )

    class Meta:
        model = AssetRequest
        fields = ["status", "department", "category", "for_user", "requester"]

    def for_new_hire(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.exclude(new_hire_name="") if value else queryset.filter(new_hire_name="")

    def decidable_by_me(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        """Asks ``services.can_decide`` of each submitted request, so the rule lives in one place.

        Only submitted requests are read (a short list), with what ``can_decide`` needs.
        """
        if not value:
            return queryset
        user = self.request.user
        waiting = (
            queryset.filter(status=RequestStatus.SUBMITTED)
            .select_related("department")
            .prefetch_related("approvals")
        )
        ids = [request.pk for request in waiting if can_decide(user, request)]
        return queryset.filter(pk__in=ids)


class OrderFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=OrderStatus.choices, label="Status")
    vendor = django_filters.ModelChoiceFilter(queryset=Vendor.objects.all(), label="Vendor (id)")
    number = django_filters.CharFilter(lookup_expr="iexact", label="Order number")
    request = django_filters.NumberFilter(
        field_name="lines__request", distinct=True, label="Serves request (id)"
    )
    ordering = django_filters.OrderingFilter(
        fields=(("created_at", "created_at"), ("number", "number"), ("status", "status")),
        label="Sort by",
    )

    class Meta:
        model = PurchaseOrder
        fields = ["status", "vendor", "number"]
