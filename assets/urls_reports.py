"""Web pages: the usage reports (each also a CSV with ``?format=csv``)."""

from django.urls import path

from .views import finance, reports, retirement

app_name = "reports"

urlpatterns = [
    path("", reports.index, name="index"),
    path("idle/", reports.idle, name="idle"),
    path("loaners-overdue/", reports.loaners_overdue, name="loaners-overdue"),
    path("ghost-assets/", reports.ghost_assets, name="ghost-assets"),
    path("by-department/", reports.by_department, name="by-department"),
    path("utilisation/", reports.utilisation, name="utilisation"),
    path("lifecycle-cost/", finance.lifecycle_cost, name="lifecycle-cost"),
    path("lifecycle-cost.csv", finance.lifecycle_cost, {"as_csv": True}, name="lifecycle-cost-csv"),
    path(
        "retirement-by-category/",
        finance.retirement_by_category,
        name="retirement-by-category",
    ),
    path(
        "retirement-by-category.csv",
        finance.retirement_by_category,
        {"as_csv": True},
        name="retirement-by-category-csv",
    ),
    path("depreciation/", finance.depreciation, name="depreciation"),
    path("depreciation.csv", finance.depreciation, {"as_csv": True}, name="depreciation-csv"),
    path("disposals/", finance.disposals, name="disposals"),
    path("disposals.csv", finance.disposals, {"as_csv": True}, name="disposals-csv"),
    path(
        "disposal-certificate.pdf",
        retirement.batch_disposal_certificate,
        name="disposal-certificate",
    ),
    path(
        "retirement-candidates/",
        retirement.retirement_candidates,
        name="retirement-candidates",
    ),
]
