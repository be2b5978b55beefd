"""API: the usage reports and the places summaries, mounted at /api/v1/reports/."""

from django.urls import path

from . import finance, places, reports, retirement

urlpatterns = [
    path("idle/", reports.IdleReport.as_view(), name="api-report-idle"),
    path(
        "loaners-overdue/",
        reports.OverdueLoanersReport.as_view(),
        name="api-report-loaners-overdue",
    ),
    path("ghost-assets/", reports.GhostAssetsReport.as_view(), name="api-report-ghost-assets"),
    path("by-department/", reports.ByDepartmentReport.as_view(), name="api-report-by-department"),
    path("utilisation/", reports.UtilisationReport.as_view(), name="api-report-utilisation"),
    path("locations/<int:pk>/", places.LocationSummary.as_view(), name="api-report-location"),
    path(
        "departments/<slug:slug>/",
        places.DepartmentSummary.as_view(),
        name="api-report-department",
    ),
    path(
        "lifecycle-cost/",
        finance.LifecycleCostReport.as_view(),
        name="api-report-lifecycle-cost",
    ),
    path(
        "retirement-by-category/",
        finance.RetirementByCategoryReport.as_view(),
        name="api-report-retirement-by-category",
    ),
    path("depreciation/", finance.DepreciationReport.as_view(), name="api-report-depreciation"),
    path("disposals/", finance.DisposalsReport.as_view(), name="api-report-disposals"),
    path(
        "retirement-candidates/",
        retirement.RetirementCandidatesReport.as_view(),
        name="api-report-retirement-candidates",
    ),
]
