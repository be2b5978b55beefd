"""The admin: the catalogue, places and people for administrators; assets for looking, not moving.

An asset's status changes only through ``assets.lifecycle``, so here it is read-only, assets are
registered in the app (which allocates the tag) and never deleted (the record is kept forever).
Edits of descriptive fields go through ``lifecycle.update_details`` so they leave the same history
row an edit in the app would. Wipe and disposal records are evidence: view only.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from . import lifecycle
from .choices import AssetStatus
from .models import (
    Asset,
    AssetModel,
    Assignment,
    Category,
    ChecklistItem,
    Department,
    DisposalRecord,
    Location,
    Manufacturer,
    Profile,
    TagSequence,
    Vendor,
    WipeRecord,
)

User = get_user_model()


class ReadOnlyAdmin(SimpleHistoryAdmin):
    """Evidence written by the lifecycle: those with the view permission read it, nobody edits."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ChecklistItemInline(admin.TabularInline):
    """The steps IT ticks off when deploying an asset of the category, in order."""

    model = ChecklistItem
    extra = 1
    fields = ["position", "text", "required"]
    ordering = ["position", "pk"]


@admin.register(Category)
class CategoryAdmin(SimpleHistoryAdmin):
    """Categories with their deployment checklist and acceptance terms.

    The terms' version is read-only: ``Category.save`` raises it whenever the text changes, so
    each acceptance keeps which text the holder accepted.
    """

    list_display = [
        "name",
        "kind",
        "holds_data",
        "audit_interval_days",
        "expected_life_months",
        "terms",
    ]
    list_filter = ["kind", "holds_data"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ChecklistItemInline]
    readonly_fields = ["acceptance_version"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "slug",
                    "kind",
                    "holds_data",
                    "audit_interval_days",
                    "expected_life_months",
                    "description",
                ]
            },
        ),
        (
            "Acceptance terms",
            {
                "fields": ["acceptance_text", "acceptance_version"],
                "description": "Shown to the holder when they confirm receipt. Saving a changed "
                "text makes a new version; earlier acceptances keep theirs.",
            },
        ),
    ]

    @admin.display(description="Terms")
    def terms(self, obj: Category) -> str:
        return f"version {obj.acceptance_version}" if obj.acceptance_text else "—"


@admin.register(Manufacturer)
class ManufacturerAdmin(SimpleHistoryAdmin):
    list_display = ["name", "website"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(AssetModel)
class AssetModelAdmin(SimpleHistoryAdmin):
    list_display = ["name", "manufacturer", "model_number", "category"]
    list_filter = ["category", "manufacturer"]
    list_select_related = ["manufacturer", "category"]
    search_fields = ["name", "model_number", "manufacturer__name"]
    autocomplete_fields = ["manufacturer", "category"]


@admin.register(Vendor)
class VendorAdmin(SimpleHistoryAdmin):
    list_display = ["name", "email", "phone", "website"]
    search_fields = ["name", "email"]


@admin.register(Location)
class LocationAdmin(SimpleHistoryAdmin):
    list_display = ["full_name", "kind"]
    list_filter = ["kind"]
    list_select_related = ["parent__parent__parent"]
    search_fields = ["name", "parent__name", "parent__parent__name"]
    autocomplete_fields = ["parent"]
    ordering = ["parent__parent__name", "parent__name", "name"]

    @admin.display(description="Location", ordering="name")
    def full_name(self, obj: Location) -> str:
        return obj.full_name


@admin.register(Department)
class DepartmentAdmin(SimpleHistoryAdmin):
    list_display = ["name", "cost_centre", "manager"]
    list_select_related = ["manager"]
    search_fields = ["name", "slug", "cost_centre"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["manager"]


@admin.register(Profile)
class ProfileAdmin(SimpleHistoryAdmin):
    list_display = ["user", "department", "job_title", "employee_number"]
    list_filter = ["department"]
    list_select_related = ["user", "department"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "employee_number"]
    autocomplete_fields = ["user", "department"]


class ProfileInline(admin.StackedInline):
    """A person's department and job title, edited on the user's own admin page."""

    model = Profile
    can_delete = False
    autocomplete_fields = ["department"]
    fields = ["department", "job_title", "employee_number", "phone"]


if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [ProfileInline]
    list_display = ["username", "first_name", "last_name", "email", "department", "is_active"]
    list_filter = [*DjangoUserAdmin.list_filter, "profile__department"]
    list_select_related = ["profile__department"]

    @admin.display(description="Department", ordering="profile__department__name")
    def department(self, obj) -> str:
        profile = getattr(obj, "profile", None)
        return profile.department.name if profile and profile.department else ""


@admin.register(Asset)
class AssetAdmin(SimpleHistoryAdmin):
    list_display = ["tag", "name", "status", "category", "holder_display", "location", "department"]
    list_filter = ["status", "category", "department", "location__parent__parent"]
    list_select_related = [
        "category",
        "department",
        "assigned_user",
        "assigned_department",
        "assigned_location__parent__parent",
        "location__parent__parent",
    ]
    search_fields = ["tag", "name", "serial_number", "order_number"]
    date_hierarchy = "purchase_date"
    autocomplete_fields = ["category", "model", "location", "department", "vendor"]
    fields = [
        "tag",
        "status",
        "holder_display",
        *lifecycle.EDITABLE_FIELDS,
        "assigned_at",
        "expected_return_date",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [
        "tag",
        "status",
        "holder_display",
        "assigned_at",
        "expected_return_date",
        "created_at",
        "updated_at",
    ]
    history_list_display = ["history_action", "history_from_status", "status"]

    @admin.display(description="Held by")
    def holder_display(self, obj: Asset) -> str:
        holder = obj.holder
        return (
            str(holder.get_full_name() or holder) if isinstance(holder, User) else str(holder or "")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Registration allocates the tag and writes the first history row: use the app or API."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        """Asset records and their history are kept forever, even after disposal."""
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.status == AssetStatus.DISPOSED:
            return False  # a disposed asset's record stays as it was
        return super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Asset, form, change: bool) -> None:
        """Save through the lifecycle's edit, so the history row says who and why."""
        changed = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in lifecycle.EDITABLE_FIELDS
        }
        if changed:
            saved = lifecycle.update_details(
                obj, actor=request.user, reason="Edited in the admin", **changed
            )
            obj.pk, obj.updated_at = saved.pk, saved.updated_at


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    """Deployments as the lifecycle recorded them: who had what, when, and what they accepted.

    Read only: the lifecycle opens and closes them (deployments have no history table of their
    own; the asset's history is the record).
    """

    list_display = [
        "asset",
        "holder_display",
        "started_at",
        "ended_at",
        "end_action",
        "accepted_at",
        "accepted_terms_version",
        "problem_reported_at",
    ]
    list_filter = ["end_action", "started_at"]
    list_select_related = [
        "asset",
        "assigned_user",
        "assigned_department",
        "assigned_location__parent__parent__parent",
    ]
    search_fields = ["asset__tag", "assigned_user__username", "problem_report"]
    date_hierarchy = "started_at"

    @admin.display(description="Held by")
    def holder_display(self, obj: Assignment) -> str:
        holder = obj.holder
        return (
            str(holder.get_full_name() or holder) if isinstance(holder, User) else str(holder or "")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(WipeRecord)
class WipeRecordAdmin(ReadOnlyAdmin):
    list_display = ["asset", "method", "performed_on", "performed_by", "verified_by"]
    list_filter = ["method", "performed_on"]
    list_select_related = ["asset", "performed_by", "verified_by"]
    search_fields = ["asset__tag", "certificate_reference"]


@admin.register(DisposalRecord)
class DisposalRecordAdmin(ReadOnlyAdmin):
    list_display = ["asset", "method", "disposed_on", "recipient", "proceeds", "recorded_by"]
    list_filter = ["method", "disposed_on"]
    list_select_related = ["asset", "recorded_by"]
    search_fields = ["asset__tag", "recipient", "certificate_reference"]


@admin.register(TagSequence)
class TagSequenceAdmin(admin.ModelAdmin):
    """The tag counters, for looking: changing one by hand could hand out a tag twice."""

    list_display = ["prefix", "last_number"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
