"""Web pages: people (see issue 4), at ``/people/``."""

from django.urls import path

from .views.people import OffboardView, PeopleIndexView, PersonView

app_name = "people"

urlpatterns = [
    path("", PeopleIndexView.as_view(), name="index"),
    path("<str:username>/", PersonView.as_view(), name="detail"),
    path("<str:username>/offboard/", OffboardView.as_view(), name="offboard"),
]
