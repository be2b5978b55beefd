from django.urls import path

from . import views

app_name = "requests_app"

urlpatterns = [
    path("", views.placeholder, name="list"),
    path("<int:pk>/", views.placeholder, name="detail"),
    path("orders/<int:pk>/", views.placeholder, name="order-detail"),
]
