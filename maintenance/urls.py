"""Maintenance pages under /maintenance/ and licence pages under /licenses/ (one namespace).

The reminder e-mails link to /licenses/<id>/, /licenses/?expiring=60, /maintenance/warranties/
and /maintenance/due/: keep those paths.
"""

from django.urls import path

from . import views
from .views.export import license_export, record_export

app_name = "maintenance"

urlpatterns = [
    path("maintenance/", views.RecordListView.as_view(), name="list"),
    path("maintenance/export.csv", record_export, name="export"),
    path("maintenance/log/", views.LogWorkView.as_view(), name="log"),
    path("maintenance/due/", views.DueView.as_view(), name="due"),
    path("maintenance/warranties/", views.WarrantiesView.as_view(), name="warranties"),
    path("maintenance/plans/", views.PlanListView.as_view(), name="plans"),
    path("maintenance/plans/new/", views.PlanFormView.as_view(), name="plan-new"),
    path("maintenance/plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan"),
    path(
        "maintenance/plans/<int:pk>/edit/",
        views.PlanFormView.as_view(editing=True),
        name="plan-edit",
    ),
    path("maintenance/<int:pk>/", views.RecordDetailView.as_view(), name="detail"),
    path("maintenance/<int:pk>/edit/", views.RecordEditView.as_view(), name="edit"),
    path("licenses/", views.LicenseListView.as_view(), name="licenses"),
    path("licenses/export.csv", license_export, name="licenses-export"),
    path("licenses/new/", views.LicenseFormView.as_view(), name="license-new"),
    path("licenses/orphaned/", views.OrphanedSeatsView.as_view(), name="licenses-orphaned"),
    path("licenses/<int:pk>/", views.LicenseDetailView.as_view(), name="license"),
    path(
        "licenses/<int:pk>/edit/",
        views.LicenseFormView.as_view(editing=True),
        name="license-edit",
    ),
    path("licenses/<int:pk>/renew/", views.RenewView.as_view(), name="license-renew"),
    path("licenses/<int:pk>/seats/", views.AssignSeatView.as_view(), name="license-assign"),
    path(
        "licenses/seats/<int:pk>/release/",
        views.ReleaseSeatView.as_view(),
        name="seat-release",
    ),
]
