"""The admin for stage 5: plans and licences for administrators; records and seats to look at.

Maintenance records, seats and renewals are written by the services (with their rules and
history), so here they are read-only. A licence key appears only to people with
``maintenance.view_license_key``, as everywhere else.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from .licenses import can_see_key
from .models import LicenseRenewal, LicenseSeat, MaintenancePlan, MaintenanceRecord, SoftwareLicense


class ReadOnlyMixin:
    """Evidence written by the services: readable, never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(MaintenanceRecord)
class MaintenanceRecordAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["reference", "asset", "kind", "title", "opened_at", "closed_at", "cost"]
    list_filter = ["kind", "warranty_covered", "took_out_of_service"]
    search_fields = ["title", "asset__tag", "supplier"]
    list_select_related = ["asset"]
    date_hierarchy = "opened_at"


@admin.register(MaintenancePlan)
class MaintenancePlanAdmin(SimpleHistoryAdmin):
    list_display = ["title", "kind", "category", "asset", "interval_months", "active"]
    list_filter = ["active", "kind", "category"]
    search_fields = ["title", "asset__tag"]
    list_select_related = ["category", "asset"]
    raw_id_fields = ["asset"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request: HttpRequest, obj: MaintenancePlan, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class SeatInline(ReadOnlyMixin, admin.TabularInline):
    model = LicenseSeat
    fields = ["user", "asset", "assigned_at", "released_at", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False


class RenewalInline(ReadOnlyMixin, admin.TabularInline):
    model = LicenseRenewal
    fields = ["renewed_on", "previous_expires_on", "expires_on", "previous_seats", "seats", "cost"]
    readonly_fields = fields
    extra = 0
    can_delete = False


class SoftwareLicenseForm(forms.ModelForm):
    class Meta:
        model = SoftwareLicense
        fields = [
            "product",
            "version",
            "vendor",
            "key",
            "seats",
            "cost",
            "purchased_on",
            "expires_on",
            "renewal_terms",
            "owner",
            "notes",
        ]

    def clean_seats(self) -> int:
        seats = self.cleaned_data["seats"]
        if self.instance.pk:
            used = self.instance.seat_assignments.filter(released_at__isnull=True).count()
            if seats < used:
                raise forms.ValidationError(
                    f"{used} seats are in use: release {used - seats} before cutting the licence "
                    f"to {seats}."
                )
        return seats


@admin.register(SoftwareLicense)
class SoftwareLicenseAdmin(SimpleHistoryAdmin):
    """Licences; deleting one is refused (seats and renewals keep it), the key shows only to
    those allowed to see keys, and seats never drop below those in use."""

    form = SoftwareLicenseForm

    list_display = ["product", "version", "vendor", "seats", "expires_on"]
    list_filter = ["vendor"]
    search_fields = ["product", "version"]
    list_select_related = ["vendor"]
    raw_id_fields = ["owner"]
    inlines = [SeatInline, RenewalInline]

    def get_exclude(self, request: HttpRequest, obj=None):
        return [] if can_see_key(request.user) else ["key"]

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(LicenseSeat)
class LicenseSeatAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["license", "user", "asset", "assigned_at", "released_at"]
    list_filter = ["released_at"]
    search_fields = ["license__product", "user__username", "asset__tag"]
    list_select_related = ["license", "user", "asset"]
