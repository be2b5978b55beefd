from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("assets/", include("assets.urls")),
    path("requests/", include("requests_app.urls")),
    path("t/<str:tag>", views.short_link, name="short-link"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_read, name="inbox-read"),
    path("api/v1/", include("itam.api_urls")),
    path("admin/", admin.site.urls),
]
