"""API: imports (issue 8), at ``/api/v1/imports/``; before the router."""

from django.urls import path

from .imports import AssetImportView

urlpatterns = [
    path("assets/", AssetImportView.as_view(), name="api-import-assets"),
]
