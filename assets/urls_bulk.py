"""Web: bulk moves from the register (see issue 4)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
