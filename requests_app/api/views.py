"""The requests and purchase-orders API.

Views stay thin: scoping comes from ``services.visible_requests``, every change from a service
function (which checks who may act and what the state allows), and the bodies from the input
serializers. A request you cannot see is a 404 on every endpoint; purchase orders are for roles
with ``requests_app.view_purchaseorder`` (IT staff, auditors), a 403 for everyone else.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from assets.api.serializers import (
    ErrorSerializer,
    TransitionRefusedSerializer,
    ValidationErrorSerializer,
)

from ..models import (
    Approval,
    AssetRequest,
    OrderedAsset,
    PurchaseOrder,
    PurchaseOrderLine,
    RequestAllocation,
)
from ..services import visible_requests
from . import inputs as i
from . import serializers as s
from .filters import OrderFilterSet, RequestFilterSet

BAD_INPUT = OpenApiResponse(ValidationErrorSerializer, description="Bad input: see errors.")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="Your role does not allow this.")
REQUEST_NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description="No such request, or not one you can see."
)
ORDER_NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such purchase order.")
REQUEST_REFUSED = OpenApiResponse(
    s.RequestRefusedSerializer,
    description="The request's current state does not allow this (or, with "
    "ITAM_BLOCK_OVER_BUDGET, approving would go over the budget).",
)
ORDER_REFUSED = OpenApiResponse(
    s.OrderRefusedSerializer, description="The order's current state does not allow this."
)
REQUEST_ERRORS = {400: BAD_INPUT, 403: FORBIDDEN, 404: REQUEST_NOT_FOUND, 409: REQUEST_REFUSED}
# Fulfilling from stock deploys the asset: its own state can refuse too, in the asset's shape
# (the API fuzz met that 409 where only the request's was documented).
FULFIL_REFUSED = OpenApiResponse(
    PolymorphicProxySerializer(
        component_name="FulfilRefused",
        serializers=[s.RequestRefusedSerializer, TransitionRefusedSerializer],
        resource_type_field_name=None,
    ),
    description="The request's state does not allow it (`request`), or the asset's state does "
    "not allow deploying it (`tag`, `allowed_moves`), e.g. it is already deployed.",
)
ORDER_ERRORS = {400: BAD_INPUT, 403: FORBIDDEN, 404: ORDER_NOT_FOUND, 409: ORDER_REFUSED}

REQUEST_RELATED = (
    "requester",
    "for_user",
    "department__manager",
    "category",
    "model__manufacturer",
)


# --- permissions: a role without the right gets its 403 before its body is validated ------------
# The services check again (they are the rule); these only order the answers.

_REQUEST_ACTIONS = {
    "fulfil": ("requests_app.fulfil_request", "Only IT staff fulfil requests."),
    "new_hire": ("requests_app.fulfil_request", "Only IT staff link a new hire to an account."),
}
_ORDER_ACTIONS = {
    "list": ("requests_app.view_purchaseorder", "Only IT staff and auditors see purchase orders."),
    "retrieve": (
        "requests_app.view_purchaseorder",
        "Only IT staff and auditors see purchase orders.",
    ),
    "create": ("requests_app.add_purchaseorder", "Only IT staff raise purchase orders."),
    "send": ("requests_app.send_purchaseorder", "Only IT staff send purchase orders."),
    "receive": ("requests_app.receive_purchaseorder", "Only IT staff receive goods."),
    "cancel": ("requests_app.change_purchaseorder", "Only IT staff cancel orders."),
}


def _check(user, table: dict, action_name: str | None) -> None:
    needed = table.get(action_name or "")
    if needed and not user.has_perm(needed[0]):
        raise PermissionDenied(needed[1])


class RequestPermission(BasePermission):
    """Signed in; the IT-only actions need their permission once the request is found."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, obj) -> bool:
        _check(request.user, _REQUEST_ACTIONS, view.action)
        return True


class OrderPermission(BasePermission):
    """Signed in, and the action's permission (seeing orders needs ``view_purchaseorder``)."""

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        _check(request.user, _ORDER_ACTIONS, view.action)
        return True


# --- requests -----------------------------------------------------------------------------------


def _request_action(
    name: str,
    input_class,
    summary: str,
    description: str,
    url_path: str = "",
    refused: OpenApiResponse = REQUEST_REFUSED,
):
    """``POST /api/v1/requests/<id>/<action>/``: find it (404), validate the body, call the
    service, answer the request as it is now."""

    def handler(self: RequestViewSet, request: Request, pk: str | None = None) -> Response:
        asset_request = self.get_object()
        body = input_class(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        body.perform(asset_request, request.user)
        return Response(self.detail_of(asset_request.pk))

    handler.__name__ = name
    handler.__doc__ = description
    path = url_path or name
    handler = action(detail=True, methods=["post"], url_path=path, url_name=path)(handler)
    return extend_schema(
        operation_id=f"requests_{name}",
        summary=summary,
        description=description,
        request=input_class,
        responses={200: s.RequestDetailSerializer, **REQUEST_ERRORS, 409: refused},
    )(handler)


@extend_schema(tags=["requests"])
@extend_schema_view(
    list=extend_schema(
        summary="List requests",
        description="The requests you may see (IT staff and auditors: all; managers: their "
        "departments'; others: those they made or that are for them), newest first. "
        "`waiting_for_me=true` keeps those you can approve or reject now.",
        responses={200: s.RequestSerializer(many=True), 400: BAD_INPUT},
    ),
    retrieve=extend_schema(
        summary="One request",
        description="With its decisions, allocations, order lines and history (oldest first). "
        "`reuse_candidates`, `budget` and `holdings` are null unless you weigh the request "
        "(see the fields).",
        responses={200: s.RequestDetailSerializer, 404: REQUEST_NOT_FOUND},
    ),
    create=extend_schema(
        summary="Ask for equipment",
        description="For yourself (leave out for_user), a colleague (for_user: username) or a "
        "new hire without an account (new_hire). Its department's manager is asked to decide. "
        "Answers the new request (status submitted).",
        request=i.RequestInput,
        responses={201: s.RequestDetailSerializer, 400: BAD_INPUT, 403: FORBIDDEN},
    ),
)
class RequestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Requests for equipment, their decisions and their fulfilment."""

    permission_classes = [RequestPermission]
    filter_backends = [DjangoFilterBackend]
    filterset_class = RequestFilterSet
    serializer_class = s.RequestSerializer

    def get_queryset(self):
        """Only what this person may see (``visible_requests``), with what the answer reads."""
        queryset = AssetRequest.objects.select_related(*REQUEST_RELATED)
        if self.action == "list":
            queryset = queryset.prefetch_related("approvals")
        else:
            queryset = self._with_details(queryset)
        return visible_requests(self.request.user, queryset)

    @staticmethod
    def _with_details(queryset):
        return queryset.prefetch_related(
            Prefetch("approvals", Approval.objects.select_related("decided_by")),
            Prefetch(
                "allocations", RequestAllocation.objects.select_related("asset", "allocated_by")
            ),
        )

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.RequestDetailSerializer
        if self.action == "create":
            return i.RequestInput
        return self.input_classes.get(self.action, s.RequestSerializer)

    def detail_of(self, pk: int) -> dict:
        """The request as it is now, after a change (read again: the service saved a copy)."""
        fresh = self._with_details(AssetRequest.objects.select_related(*REQUEST_RELATED)).get(pk=pk)
        return s.RequestDetailSerializer(fresh, context=self.get_serializer_context()).data

    def create(self, request: Request, *args, **kwargs) -> Response:
        body = i.RequestInput(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        created = body.perform(request.user)
        return Response(self.detail_of(created.pk), status=status.HTTP_201_CREATED)

    approve = _request_action(
        "approve",
        i.ApproveInput,
        "Approve",
        "Approve the step the request waits for: its department's manager first (never on "
        "their own request), then IT staff when the estimated cost is above "
        "ITAM_SECOND_APPROVAL_ABOVE. Over budget is recorded and shown; it is refused (409) "
        "only when ITAM_BLOCK_OVER_BUDGET is on.",
    )
    reject = _request_action(
        "reject",
        i.RejectInput,
        "Reject",
        "Reject the request at the step it waits for; the reason is required and sent to the "
        "requester.",
    )
    cancel = _request_action(
        "cancel",
        i.RequestCancelInput,
        "Cancel",
        "Withdraw a submitted or approved request (the requester, the person it is for, or IT "
        "staff); the reason is required.",
    )
    fulfil = _request_action(
        "fulfil",
        i.FulfilInput,
        "Fulfil",
        'IT staff: give an in-stock asset ({"asset": tag}; it is deployed to the person at '
        'once) or name the purchase order that will ({"purchase_order": id}; a line is added '
        "for the request if the order has none). Needs `requests_app.fulfil_request`.",
        refused=FULFIL_REFUSED,
    )
    new_hire = _request_action(
        "new_hire",
        i.NewHireAccountInput,
        "Link or create the new hire's account",
        'IT staff: the new hire now has an account ({"user": username}) or needs one '
        '({"username", "email"}: created without a usable password, in the request\'s '
        "department). Equipment already received for the request is deployed to them.",
        url_path="new-hire",
    )

    input_classes = {
        "approve": i.ApproveInput,
        "reject": i.RejectInput,
        "cancel": i.RequestCancelInput,
        "fulfil": i.FulfilInput,
        "new_hire": i.NewHireAccountInput,
    }


# --- purchase orders ----------------------------------------------------------------------------


def _order_action(name: str, input_class, summary: str, description: str, response=None):
    """``POST /api/v1/purchase-orders/<id>/<action>/``: validate, call the service, answer."""
    response = response or s.OrderSerializer

    def handler(self: PurchaseOrderViewSet, request: Request, pk: str | None = None) -> Response:
        order = self.get_object()
        body = input_class(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        result = body.perform(order, request.user)
        context = self.get_serializer_context()
        if name == "receive":
            context["received"] = result
        fresh = self.get_queryset().get(pk=order.pk)
        return Response(response(fresh, context=context).data)

    handler.__name__ = name
    handler.__doc__ = description
    handler = action(detail=True, methods=["post"], url_path=name, url_name=name)(handler)
    return extend_schema(
        operation_id=f"purchase_orders_{name}",
        summary=summary,
        description=description,
        request=input_class,
        responses={200: response, **ORDER_ERRORS},
    )(handler)


@extend_schema(tags=["purchase orders"])
@extend_schema_view(
    list=extend_schema(
        summary="List purchase orders",
        description="IT staff and auditors only (`requests_app.view_purchaseorder`); others 403. "
        "Each with its lines: ordered, received, outstanding and the assets' tags.",
        responses={200: s.OrderSerializer(many=True), 400: BAD_INPUT, 403: FORBIDDEN},
    ),
    retrieve=extend_schema(
        summary="One purchase order",
        responses={200: s.OrderSerializer, 403: FORBIDDEN, 404: ORDER_NOT_FOUND},
    ),
    create=extend_schema(
        summary="Raise a purchase order",
        description="A draft order with its lines; a line may serve an approved request "
        "(`request`: id), and then its units go to the request's person on receipt. Send it "
        "to put its units in the register as on order. Needs `requests_app.add_purchaseorder`.",
        request=i.OrderInput,
        responses={201: s.OrderSerializer, 400: BAD_INPUT, 403: FORBIDDEN},
    ),
)
class PurchaseOrderViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Purchase orders: draft, send (units appear on order), receive (with serials), cancel."""

    permission_classes = [OrderPermission]
    filter_backends = [DjangoFilterBackend]
    filterset_class = OrderFilterSet
    serializer_class = s.OrderSerializer

    def get_queryset(self):
        units = OrderedAsset.objects.select_related("asset__assigned_user")
        lines = PurchaseOrderLine.objects.select_related(
            "category", "model__manufacturer"
        ).prefetch_related(Prefetch("units", units))
        return PurchaseOrder.objects.select_related("vendor", "created_by").prefetch_related(
            Prefetch("lines", lines)
        )

    def get_serializer_class(self):
        return {
            "create": i.OrderInput,
            "send": i.OrderSendInput,
            "receive": i.OrderReceiveInput,
            "cancel": i.OrderCancelInput,
        }.get(self.action, s.OrderSerializer)

    def create(self, request: Request, *args, **kwargs) -> Response:
        body = i.OrderInput(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        order = body.perform(request.user)
        fresh = self.get_queryset().get(pk=order.pk)
        data = s.OrderSerializer(fresh, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    send = _order_action(
        "send",
        i.OrderSendInput,
        "Send",
        "Send a draft to the vendor: every unit appears in the register as on_order, and the "
        "requests it serves become ordering. Needs `requests_app.send_purchaseorder`.",
    )
    receive = _order_action(
        "receive",
        i.OrderReceiveInput,
        "Receive",
        "Goods arrived, all or part of each line listed: one serial number per unit. The "
        "assets go into stock (at `location`) and units serving a request are deployed to its "
        "person. More than outstanding, an unknown line or a line of another order is a 400 "
        "and nothing is received; a cancelled or draft order is a 409. Needs "
        "`requests_app.receive_purchaseorder`.",
        response=s.OrderReceivedSerializer,
    )
    cancel = _order_action(
        "cancel",
        i.OrderCancelInput,
        "Cancel",
        "Cancel what has not arrived: its on-order assets leave the register (kept in history) "
        "and the requests it served go back to approved. Reason required. Needs "
        "`requests_app.change_purchaseorder`.",
    )
