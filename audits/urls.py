"""Pages under /audits/: sessions, the scan page, reconciliation, tag sheets."""

from django.urls import path

from .views import sessions, tags
from .views.export import audit_export

app_name = "audits"

urlpatterns = [
    path("", sessions.AuditListView.as_view(), name="list"),
    path("export.csv", audit_export, name="export"),
    path("new/", sessions.AuditCreateView.as_view(), name="create"),
    path("overdue/", sessions.OverdueView.as_view(), name="overdue"),
    path("<int:pk>/", sessions.AuditDetailView.as_view(), name="detail"),
    path("<int:pk>/scan/", sessions.ScanView.as_view(), name="scan"),
    path("<int:pk>/scan/leave/", sessions.leave_scan_view, name="scan-leave"),
    path("<int:pk>/close/", sessions.close_view, name="close"),
    path("<int:pk>/apply/", sessions.apply_view, name="apply"),
    path("<int:pk>/report.csv", sessions.report_csv, name="report-csv"),
    path("<int:pk>/report.pdf", sessions.report_pdf, name="report-pdf"),
    # Tag sheets: the form, the print-ready page and the PDF (the PDF's URL is a contract).
    path("tag-sheet/", tags.TagSheetView.as_view(), name="tag-sheet"),
    path("tag-sheet/print/", tags.tag_sheet_print, name="tag-sheet-print"),
    path("tag-sheet.pdf", tags.tag_sheet_pdf, name="tag-sheet-pdf"),
    # The print page's geometry per label template (page size, label size, every cell, in mm).
    path("tag-sheet/<slug:template>.css", tags.tag_sheet_css, name="tag-sheet-css"),
]
