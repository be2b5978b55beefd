"""Choices for requests and purchase orders, each with a badge colour."""

from django.db import models


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"
    ORDERING = "ordering", "Ordering"
    FULFILLED = "fulfilled", "Fulfilled"

    @classmethod
    def colour(cls, value: str) -> str:
        return {
            "submitted": "orange",
            "approved": "blue",
            "rejected": "red",
            "cancelled": "grey",
            "ordering": "purple",
            "fulfilled": "green",
        }.get(value, "grey")


OPEN_REQUEST_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.APPROVED, RequestStatus.ORDERING)


class ApprovalStep(models.TextChoices):
    MANAGER = "manager", "Department manager"
    IT = "it", "IT staff (second approval)"


class Decision(models.TextChoices):
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class OrderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    PARTIALLY_RECEIVED = "partially_received", "Partially received"
    RECEIVED = "received", "Received"
    CANCELLED = "cancelled", "Cancelled"

    @classmethod
    def colour(cls, value: str) -> str:
        return {
            "draft": "grey",
            "sent": "purple",
            "partially_received": "orange",
            "received": "green",
            "cancelled": "dark",
        }.get(value, "grey")


OPEN_ORDER_STATUSES = (OrderStatus.SENT, OrderStatus.PARTIALLY_RECEIVED)
