"""API: reservations (see issue 4). Mounted in itam/api_urls.py before the router."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
