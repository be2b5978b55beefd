from django.urls import path

from . import views
from .views.export import request_export

app_name = "requests_app"

urlpatterns = [
    path("", views.RequestListView.as_view(), name="list"),
    path("new/", views.RequestCreateView.as_view(), name="create"),
    path("export.csv", request_export, name="export"),
    path("approvals/", views.ApprovalsView.as_view(), name="approvals"),
    path("<int:pk>/", views.RequestDetailView.as_view(), name="detail"),
    path("<int:pk>/approve/", views.ApproveView.as_view(), name="approve"),
    path("<int:pk>/reject/", views.RejectView.as_view(), name="reject"),
    path("<int:pk>/cancel/", views.CancelView.as_view(), name="cancel"),
    path("<int:pk>/allocate/", views.AllocateView.as_view(), name="allocate"),
    path("<int:pk>/order/", views.OrderView.as_view(), name="order"),
    path("<int:pk>/new-hire/", views.NewHireView.as_view(), name="new-hire"),
    path("orders/", views.OrderListView.as_view(), name="orders"),
    path("orders/new/", views.OrderCreateView.as_view(), name="order-create"),
    path("orders/<int:pk>/", views.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<int:pk>/send/", views.SendOrderView.as_view(), name="order-send"),
    path("orders/<int:pk>/cancel/", views.CancelOrderView.as_view(), name="order-cancel"),
    path("orders/<int:pk>/receive/", views.ReceiveOrderView.as_view(), name="order-receive"),
]
