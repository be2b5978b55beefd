from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AuditLine, AuditScan, AuditSession


@admin.register(AuditSession)
class AuditSessionAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "status", "auditor", "due_date", "created_at", "closed_at")
    list_filter = ("status",)
    raw_id_fields = ("location", "category", "auditor")


@admin.register(AuditScan)
class AuditScanAdmin(admin.ModelAdmin):
    list_display = ("code", "session", "result", "found_at", "scanned_by", "scanned_at")
    list_filter = ("result",)
    raw_id_fields = ("session", "asset", "found_at", "register_location", "scanned_by")

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a scan is evidence: never edited


@admin.register(AuditLine)
class AuditLineAdmin(admin.ModelAdmin):
    list_display = ("code", "session", "outcome", "applied_action", "applied_at")
    list_filter = ("outcome", "applied_action")
    raw_id_fields = (
        "session",
        "asset",
        "scan",
        "register_location",
        "found_location",
        "applied_by",
    )

    def has_change_permission(self, request, obj=None) -> bool:
        return False
