from django.contrib import admin
from django.urls import include, path

from . import accounts, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    # Ours first (same URLs and names as Django's): links from ITAM_BASE_URL, our set-password form.
    path(
        "accounts/password_reset/",
        accounts.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/<str:username>/send-sign-in-link/",
        accounts.send_sign_in_link_view,
        name="send-sign-in-link",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("assets/", include("assets.urls")),
    path("requests/", include("requests_app.urls")),
    path("people/", include("assets.urls_people")),
    path("places/", include("assets.urls_places")),
    path("loaners/", include("assets.urls_loaners")),
    path("reports/", include("assets.urls_reports")),
    path("imports/", include("assets.urls_imports")),
    # /maintenance/... and /licenses/...: one app, one namespace ("maintenance:").
    path("", include("maintenance.urls")),
    path("audits/", include("audits.urls")),
    path("t/<str:tag>", views.short_link, name="short-link"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_read, name="inbox-read"),
    path("api/v1/", include("itam.api_urls")),
    path("admin/", admin.site.urls),
]

# Under /api/ the error answers are JSON in the API's shape; elsewhere Django's pages.
handler400 = "itam.error_views.bad_request"
handler404 = "itam.error_views.not_found"
handler500 = "itam.error_views.server_error"
