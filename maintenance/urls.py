"""Maintenance pages under /maintenance/ and licence pages under /licenses/ (one namespace)."""

from django.urls import path

from . import views

app_name = "maintenance"

urlpatterns = [
    path("maintenance/", views.placeholder, name="list"),
    path("licenses/", views.placeholder, name="licenses"),
]
