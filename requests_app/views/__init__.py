"""The request pages: lists, the new-request form, the request page and its actions, and the
purchase-order pages. Thin: every rule lives in ``requests_app.services``."""

from .create import RequestCreateView
from .detail import (
    AllocateView,
    ApproveView,
    CancelView,
    NewHireView,
    OrderView,
    RejectView,
    RequestDetailView,
)
from .lists import ApprovalsView, RequestListView
from .orders import (
    CancelOrderView,
    OrderCreateView,
    OrderDetailView,
    OrderListView,
    ReceiveOrderView,
    SendOrderView,
)

__all__ = [
    "AllocateView",
    "ApprovalsView",
    "ApproveView",
    "CancelOrderView",
    "CancelView",
    "NewHireView",
    "OrderCreateView",
    "OrderDetailView",
    "OrderListView",
    "OrderView",
    "ReceiveOrderView",
    "RejectView",
    "RequestCreateView",
    "RequestDetailView",
    "RequestListView",
    "SendOrderView",
]
