"""The REST API under /api/v1/: collections, token login, the OpenAPI schema and its docs.

DRF views are exempt from ``LoginRequiredMiddleware`` (DRF marks them ``login_required =
False``): token requests carry no session, and DRF's own ``IsAuthenticated`` answers 401 JSON.
"""

from django.urls import include, path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from assets.api.catalogue import (
    AssetModelViewSet,
    CategoryViewSet,
    ChecklistItemViewSet,
    DepartmentViewSet,
    LocationViewSet,
    ManufacturerViewSet,
    VendorViewSet,
)
from assets.api.evidence import (
    DisposalCertificateView,
    DisposalView,
    WipeCertificateView,
    WipeListView,
)
from assets.api.loaners import LoanerPoolViewSet
from assets.api.people_list import PeopleListView, SendSignInLinkView
from assets.api.views import AssetViewSet
from audits.api.views import AuditViewSet, LabelTemplateViewSet
from itam.api_auth import TokenLoginView
from itam.api_notifications import NotificationViewSet
from maintenance.api.views import LicenseViewSet, MaintenancePlanViewSet, MaintenanceRecordViewSet
from requests_app.api.budgets import BudgetViewSet
from requests_app.api.views import PurchaseOrderViewSet, RequestViewSet

# Swagger UI sets inline styles as it renders; its scripts are vendored files (the sidecar) and
# the split view serves its own init script as a file, so no inline script is needed.
DOCS_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}


class Router(DefaultRouter):
    """The API root at /api/v1/; no ``.json`` suffixes, since tags may contain dots."""

    include_format_suffixes = False


router = Router()
router.register("assets", AssetViewSet, basename="api-asset")
router.register("categories", CategoryViewSet, basename="api-category")
router.register("locations", LocationViewSet, basename="api-location")
router.register("departments", DepartmentViewSet, basename="api-department")
router.register("manufacturers", ManufacturerViewSet, basename="api-manufacturer")
router.register("asset-models", AssetModelViewSet, basename="api-asset-model")
router.register("vendors", VendorViewSet, basename="api-vendor")
router.register("requests", RequestViewSet, basename="api-request")
router.register("purchase-orders", PurchaseOrderViewSet, basename="api-purchase-order")
router.register("budgets", BudgetViewSet, basename="api-budget")
router.register("notifications", NotificationViewSet, basename="api-notification")
router.register("licenses", LicenseViewSet, basename="api-license")
router.register("maintenance", MaintenanceRecordViewSet, basename="api-maintenance")
router.register("maintenance-plans", MaintenancePlanViewSet, basename="api-maintenance-plan")
router.register("loaner-pools", LoanerPoolViewSet, basename="api-loaner-pool")
router.register("audits", AuditViewSet, basename="api-audit")
router.register("label-templates", LabelTemplateViewSet, basename="api-label-template")

urlpatterns = [
    path("auth/token/", TokenLoginView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/",
        csp_override(DOCS_CSP)(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    # Before the router, whose asset routes would read "bulk" as a tag.
    path("assets/bulk/", include("assets.api.urls_bulk")),
    path("assets/<str:tag>/wipes/", WipeListView.as_view(), name="api-asset-wipes"),
    path(
        "assets/<str:tag>/wipes/<int:pk>/certificate/",
        WipeCertificateView.as_view(),
        name="api-asset-wipe-certificate",
    ),
    path("assets/<str:tag>/disposal/", DisposalView.as_view(), name="api-asset-disposal"),
    path(
        "assets/<str:tag>/disposal/certificate/",
        DisposalCertificateView.as_view(),
        name="api-asset-disposal-certificate",
    ),
    path("people/", PeopleListView.as_view(), name="api-people"),
    path(
        "people/<str:username>/send-sign-in-link/",
        SendSignInLinkView.as_view(),
        name="api-person-sign-in-link",
    ),
    path("people/", include("assets.api.urls_people")),
    path("reservations/", include("assets.api.urls_reservations")),
    path("reports/", include("assets.api.urls_reports")),
    path("imports/", include("assets.api.urls_imports")),
    path(
        "categories/<slug:category_slug>/checklist/",
        ChecklistItemViewSet.as_view({"get": "list", "post": "create"}),
        name="api-checklist-list",
    ),
    path(
        "categories/<slug:category_slug>/checklist/<int:pk>/",
        ChecklistItemViewSet.as_view(
            {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
        ),
        name="api-checklist-detail",
    ),
    *router.urls,
]
