"""API: imports (issue 8), at ``/api/v1/imports/``; before the router. One path per kind."""

from django.urls import path

from .imports import VIEWS, UnknownKindView

urlpatterns = [
    *(path(f"{slug}/", view.as_view(), name=f"api-import-{slug}") for slug, view in VIEWS.items()),
    path("<str:kind>/", UnknownKindView.as_view(), name="api-import-unknown"),
]
