"""Web pages: places (locations and departments, with what is there and what it cost)."""

from django.urls import path

from .views import places

app_name = "places"

urlpatterns = [
    path("", places.index, name="index"),
    path("locations/<int:pk>/", places.location, name="location"),
    path("departments/<slug:slug>/", places.department, name="department"),
]
