"""Web pages: the usage reports (each also a CSV with ``?format=csv``)."""

from django.urls import path

from .views import reports

app_name = "reports"

urlpatterns = [
    path("", reports.index, name="index"),
    path("idle/", reports.idle, name="idle"),
    path("loaners-overdue/", reports.loaners_overdue, name="loaners-overdue"),
    path("ghost-assets/", reports.ghost_assets, name="ghost-assets"),
    path("by-department/", reports.by_department, name="by-department"),
    path("utilisation/", reports.utilisation, name="utilisation"),
]
