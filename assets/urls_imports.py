"""Web: CSV imports (issue 8), at ``/imports/``: upload, map columns, check, import."""

from django.urls import path

from .views import imports

app_name = "imports"

urlpatterns = [
    path("", imports.index, name="index"),
    path("<slug:kind>/", imports.upload, name="upload"),
    path("<slug:kind>/sample.csv", imports.sample, name="sample"),
    path("<slug:kind>/<int:job_id>/", imports.job, name="job"),
    path("<slug:kind>/<int:job_id>/check/", imports.check, name="check"),
    path("<slug:kind>/<int:job_id>/import/", imports.apply, name="apply"),
    path("<slug:kind>/<int:job_id>/problems.csv", imports.errors_csv, name="problems"),
]
