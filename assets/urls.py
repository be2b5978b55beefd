from django.urls import path

from . import views

app_name = "assets"

urlpatterns = [
    path("<str:tag>/", views.placeholder, name="detail"),
]
