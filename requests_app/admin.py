"""The admin: budgets are set here; requests and orders are looked at here, never moved.

A request's or an order's state changes only through ``requests_app.services`` (permissions,
approvals, on-order assets, notifications), so both are read-only here, with their history.
Budgets have no workflow: administrators set and correct them here, and each change is kept.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from .budgets import budget_summary, fiscal_year_label, fiscal_year_of
from .models import (
    Approval,
    AssetRequest,
    Budget,
    OrderedAsset,
    PurchaseOrder,
    PurchaseOrderLine,
    RequestAllocation,
)


class ViewOnlyMixin:
    """Those with the view permission read; nobody adds, edits or deletes here."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Budget)
class BudgetAdmin(SimpleHistoryAdmin):
    list_display = [
        "department",
        "year_label",
        "amount",
        "currency",
        "committed",
        "spent",
        "available",
    ]
    list_filter = ["fiscal_year", "department"]
    list_select_related = ["department"]
    search_fields = ["department__name"]
    autocomplete_fields = ["department"]
    readonly_fields = ["committed", "spent", "available"]

    @admin.display(description="Fiscal year", ordering="fiscal_year")
    def year_label(self, obj: Budget) -> str:
        return fiscal_year_label(obj.fiscal_year)

    def _summary(self, obj: Budget):
        """Computed once per row (the list shows three figures from it)."""
        if obj.pk is None:
            return None
        cache = getattr(obj, "_summary_cache", None)
        if cache is None:
            cache = obj._summary_cache = budget_summary(obj.department, obj.fiscal_year)
        return cache

    @admin.display(description="Committed")
    def committed(self, obj: Budget):
        summary = self._summary(obj)
        return summary.committed if summary else "–"

    @admin.display(description="Spent")
    def spent(self, obj: Budget):
        summary = self._summary(obj)
        return summary.spent if summary else "–"

    @admin.display(description="Available")
    def available(self, obj: Budget):
        summary = self._summary(obj)
        return summary.available if summary else "–"

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        """A new budget starts in the configured currency and the current fiscal year."""
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("currency", settings.ITAM_CURRENCY)
        initial.setdefault("fiscal_year", fiscal_year_of())
        return initial


class ApprovalInline(ViewOnlyMixin, admin.TabularInline):
    model = Approval
    extra = 0
    fields = ["step", "decision", "decided_by", "decided_at", "reason", "over_budget"]
    readonly_fields = fields


class AllocationInline(ViewOnlyMixin, admin.TabularInline):
    model = RequestAllocation
    extra = 0
    fields = ["asset", "allocated_by", "allocated_at"]
    readonly_fields = fields


@admin.register(AssetRequest)
class AssetRequestAdmin(ViewOnlyMixin, SimpleHistoryAdmin):
    list_display = [
        "pk",
        "status",
        "category",
        "quantity",
        "for_whom",
        "department",
        "requester",
        "estimated_cost",
        "created_at",
    ]
    list_filter = ["status", "department", "category", "needs_second_approval"]
    list_select_related = ["category", "department", "requester", "for_user"]
    search_fields = ["pk", "justification", "new_hire_name", "requester__username"]
    date_hierarchy = "created_at"
    inlines = [ApprovalInline, AllocationInline]
    history_list_display = ["status"]


class LineInline(ViewOnlyMixin, admin.TabularInline):
    model = PurchaseOrderLine
    extra = 0
    fields = [
        "category",
        "model",
        "description",
        "quantity",
        "unit_cost",
        "expected_date",
        "request",
        "department",
        "received",
    ]
    readonly_fields = fields

    @admin.display(description="Received")
    def received(self, obj: PurchaseOrderLine) -> str:
        arrived = obj.units.filter(received_at__isnull=False).count()
        return f"{arrived} of {obj.quantity}"


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(ViewOnlyMixin, SimpleHistoryAdmin):
    list_display = ["number", "vendor", "status", "currency", "created_by", "created_at", "sent_at"]
    list_filter = ["status", "vendor"]
    list_select_related = ["vendor", "created_by"]
    search_fields = ["number", "vendor__name", "notes"]
    date_hierarchy = "created_at"
    inlines = [LineInline]
    history_list_display = ["status"]


@admin.register(OrderedAsset)
class OrderedAssetAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["asset", "line", "received_at"]
    list_select_related = ["asset", "line__order"]
    search_fields = ["asset__tag", "line__order__number"]
