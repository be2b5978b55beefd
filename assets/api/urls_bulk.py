"""API: bulk moves (see issue 4), at ``/api/v1/assets/bulk/<action>/``; before the router."""

from django.urls import path

from .bulk import BulkCheckInView, BulkDeployView, BulkRelocateView

urlpatterns = [
    path("check-in/", BulkCheckInView.as_view(), name="api-bulk-check-in"),
    path("relocate/", BulkRelocateView.as_view(), name="api-bulk-relocate"),
    path("deploy/", BulkDeployView.as_view(), name="api-bulk-deploy"),
]
