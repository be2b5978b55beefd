from django.urls import include, path

from audits.views.tags import asset_qr

from . import views
from .views import retirement
from .views.acceptance import AcceptView, ReportProblemView, confirm_receipt
from .views.export import asset_export

app_name = "assets"

urlpatterns = [
    path("", views.AssetListView.as_view(), name="list"),
    path("new/", views.AssetCreateView.as_view(), name="create"),
    path("bulk/", include("assets.urls_bulk")),
    path("export.csv", asset_export, name="export"),
    path("<str:tag>/", views.AssetDetailView.as_view(), name="detail"),
    # The asset's QR code (encodes its /t/<tag> short link) as a download: qr.png or qr.svg.
    path("<str:tag>/qr.<str:fmt>", asset_qr, name="qr"),
    path("<str:tag>/edit/", views.AssetEditView.as_view(), name="edit"),
    path("<str:tag>/confirm-receipt/", confirm_receipt, name="confirm-receipt"),
    path("<str:tag>/accept/", AcceptView.as_view(), name="accept"),
    path("<str:tag>/report-problem/", ReportProblemView.as_view(), name="report-problem"),
    # End-of-life evidence (before the move pattern).
    path(
        "<str:tag>/wipes/<int:pk>/certificate",
        retirement.wipe_certificate,
        name="wipe-certificate",
    ),
    path(
        "<str:tag>/disposal-certificate.pdf",
        retirement.disposal_certificate,
        name="disposal-certificate",
    ),
    path(
        "<str:tag>/disposal/certificate",
        retirement.disposal_certificate_file,
        name="disposal-certificate-file",
    ),
    path("<str:tag>/<slug:move>/", views.AssetMoveView.as_view(), name="move"),
]
