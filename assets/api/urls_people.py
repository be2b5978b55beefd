"""API: people (see issue 4), at ``/api/v1/people/``; mounted before the router."""

from django.urls import path

from .people import OffboardView, PersonView

urlpatterns = [
    path("<str:username>/", PersonView.as_view(), name="api-person"),
    path("<str:username>/offboard/", OffboardView.as_view(), name="api-person-offboard"),
]
