"""Web pages: places (see issue 4)."""

from django.urls import path  # noqa: F401

app_name = "places"

urlpatterns: list = []
