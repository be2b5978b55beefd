"""Purchase orders: the list, a new order, the order page, and send / cancel / receive.

Reading needs ``view_purchaseorder`` (IT staff and auditors); every change goes through the
services, which check their own permission and the order's state.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views import View
from django.views.generic import ListView

from assets.views.register import error_list
from itam.errors import Conflict

from .. import services
from ..choices import OrderStatus
from ..forms import (
    OrderFilterSet,
    OrderForm,
    OrderLineFormSet,
    ReasonForm,
    ReceiveForm,
    put_service_errors,
)
from ..models import OrderedAsset, PurchaseOrder, PurchaseOrderLine
from .queries import order_timeline

VIEW_ORDERS = "requests_app.view_purchaseorder"
RECEIVABLE = (OrderStatus.SENT, OrderStatus.PARTIALLY_RECEIVED)


class OrderListView(PermissionRequiredMixin, ListView):
    permission_required = VIEW_ORDERS
    raise_exception = True
    template_name = "requests_app/order_list.html"
    context_object_name = "orders"

    def get_queryset(self) -> QuerySet:
        base = PurchaseOrder.objects.select_related("vendor", "created_by").annotate(
            line_count=Count("lines", distinct=True),
            units=Count("lines__units", distinct=True),
            received=Count(
                "lines__units", filter=Q(lines__units__received_at__isnull=False), distinct=True
            ),
        )
        self.filterset = OrderFilterSet(self.request.GET or None, queryset=base)
        if self.filterset.is_bound and not self.filterset.is_valid():
            return base.none()
        return self.filterset.qs.order_by("-created_at", "-pk")

    def get_paginate_by(self, queryset: QuerySet) -> int:
        return settings.ITAM_PAGE_SIZE

    def paginate_queryset(self, queryset: QuerySet, page_size: int) -> tuple:
        paginator = Paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = self.filterset.form
        filter_errors = self.filterset.is_bound and not self.filterset.is_valid()
        return super().get_context_data(
            page_title="Purchase orders",
            filter_form=form,
            filter_errors=filter_errors,
            filter_error_list=error_list(form) if filter_errors else [],
            filters_active=any(self.request.GET.get(name) for name in form.fields),
            can_add=self.request.user.has_perm("requests_app.add_purchaseorder"),
            **kwargs,
        )


class OrderCreateView(PermissionRequiredMixin, View):
    """A new draft order: a vendor and up to ten lines (empty rows are ignored)."""

    permission_required = "requests_app.add_purchaseorder"
    raise_exception = True

    def render_form(
        self, form: OrderForm, formset: forms.BaseFormSet, status: int = 200
    ) -> HttpResponse:
        context = {"page_title": "New purchase order", "form": form, "formset": formset}
        return render(self.request, "requests_app/order_form.html", context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_form(OrderForm(), OrderLineFormSet(prefix="lines"))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = OrderForm(request.POST)
        formset = OrderLineFormSet(request.POST, prefix="lines")
        if not (form.is_valid() and formset.is_valid()):
            return self.render_form(form, formset, status=400)
        filled = formset.filled_forms()
        lines = [
            services.LineInput(
                category=f.cleaned_data["category"],
                model=f.cleaned_data.get("model"),
                description=f.cleaned_data.get("description", ""),
                quantity=f.cleaned_data["quantity"],
                unit_cost=f.cleaned_data["unit_cost"],
                expected_date=f.cleaned_data.get("expected_date"),
                department=f.cleaned_data.get("department"),
            )
            for f in filled
        ]
        try:
            order = services.create_order(
                actor=request.user,
                vendor=form.cleaned_data["vendor"],
                lines=lines,
                notes=form.cleaned_data.get("notes", ""),
            )
        except ValidationError as exc:
            # The service numbers lines 1.. in the order given: put each on its row.
            if hasattr(exc, "error_dict"):
                for key, errors in exc.error_dict.items():
                    index = key.removeprefix("lines[").removesuffix("]")
                    if index.isdigit() and 0 < int(index) <= len(filled):
                        for error in errors:
                            filled[int(index) - 1].add_error(None, error)
                    else:
                        for error in errors:
                            form.add_error(None, error)
            else:
                form.add_error(None, exc)
            return self.render_form(form, formset, status=400)
        messages.success(request, f"{order.number} is drafted. Check it, then send it.")
        return HttpResponseRedirect(order.get_absolute_url())


def get_order(request: HttpRequest, pk: int) -> PurchaseOrder:
    return get_object_or_404(PurchaseOrder.objects.select_related("vendor", "created_by"), pk=pk)


def order_lines(order: PurchaseOrder) -> list[PurchaseOrderLine]:
    """The lines with their units (and those units' assets) in three queries, and counts."""
    lines = list(
        order.lines.select_related(
            "category", "model__manufacturer", "department", "request"
        ).prefetch_related(
            Prefetch(
                "units",
                queryset=OrderedAsset.objects.select_related("asset__assigned_user").order_by("pk"),
            )
        )
    )
    for line in lines:
        units = list(line.units.all())
        line.unit_list = units
        line.received_count = sum(1 for u in units if u.received_at is not None)
        line.pending = sum(1 for u in units if u.received_at is None)
        line.outstanding = (
            0 if order.status == OrderStatus.CANCELLED else line.quantity - line.received_count
        )
    return lines


def order_context(
    request: HttpRequest,
    order: PurchaseOrder,
    *,
    receive_form: ReceiveForm | None = None,
    cancel_form: ReasonForm | None = None,
) -> dict[str, Any]:
    user = request.user
    lines = order_lines(order)
    receivable = order.status in RECEIVABLE and user.has_perm("requests_app.receive_purchaseorder")
    waiting_lines = [line for line in lines if line.pending]
    return {
        "order": order,
        "page_title": order.number,
        "lines": lines,
        "order_total": sum((line.total for line in lines), start=0),
        "timeline": order_timeline(order),
        "can_send": order.status == OrderStatus.DRAFT
        and user.has_perm("requests_app.send_purchaseorder"),
        "can_cancel": order.status not in (OrderStatus.RECEIVED, OrderStatus.CANCELLED)
        and user.has_perm("requests_app.change_purchaseorder"),
        "can_receive": receivable and bool(waiting_lines),
        "receive_form": receive_form or ReceiveForm(lines=waiting_lines, auto_id="receive_%s"),
        "cancel_form": cancel_form
        or ReasonForm(label="Reason for cancelling", help_text="Required.", auto_id="cancel_%s"),
    }


def render_order(request: HttpRequest, order: PurchaseOrder, *, status: int = 200, **forms_):
    return render(
        request,
        "requests_app/order_detail.html",
        order_context(request, order, **forms_),
        status=status,
    )


class OrderDetailView(PermissionRequiredMixin, View):
    permission_required = VIEW_ORDERS
    raise_exception = True

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return render_order(request, get_order(request, pk))


class OrderActionView(PermissionRequiredMixin, View):
    """POST only; the services check who may and whether the order's state allows it.

    Only those who may read orders get this far: a refused form re-renders the whole order, so
    an employee's empty POST must never reach it (it used to show them the order with a 400).
    """

    http_method_names = ["post"]
    permission_required = VIEW_ORDERS
    raise_exception = True

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        order = get_order(request, pk)
        try:
            return self.perform(request, order)
        except Conflict as exc:
            messages.error(request, exc.message)
            return render_order(request, get_order(request, pk), status=409)

    def perform(self, request: HttpRequest, order: PurchaseOrder) -> HttpResponse:
        raise NotImplementedError

    @staticmethod
    def back(request: HttpRequest, order: PurchaseOrder, text: str) -> HttpResponse:
        messages.success(request, text)
        return HttpResponseRedirect(order.get_absolute_url())


class SendOrderView(OrderActionView):
    def perform(self, request: HttpRequest, order: PurchaseOrder) -> HttpResponse:
        order = services.send_order(order, actor=request.user)
        units = OrderedAsset.objects.filter(line__order=order).count()
        return self.back(
            request,
            order,
            f"{order.number} is sent to {order.vendor}. {units} unit{'s' if units != 1 else ''} "
            "now in the register as on order.",
        )


class CancelOrderView(OrderActionView):
    def perform(self, request: HttpRequest, order: PurchaseOrder) -> HttpResponse:
        form = ReasonForm(
            request.POST, label="Reason for cancelling", help_text="Required.", auto_id="cancel_%s"
        )
        form.is_valid()
        try:
            services.cancel_order(order, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            put_service_errors(form, exc)
            return render_order(request, order, status=400, cancel_form=form)
        return self.back(request, order, f"{order.number} is cancelled.")


class ReceiveOrderView(OrderActionView):
    def perform(self, request: HttpRequest, order: PurchaseOrder) -> HttpResponse:
        # Every line with units waiting, and any other line serials were typed for: the service
        # then says why it cannot arrive (e.g. the order is cancelled, or nothing is left).
        lines = [
            line
            for line in order_lines(order)
            if line.pending or request.POST.get(ReceiveForm.field_name(line), "").strip()
        ]
        form = ReceiveForm(request.POST, lines=lines, auto_id="receive_%s")
        if not form.is_valid():
            return render_order(request, order, status=400, receive_form=form)
        receipts = [
            services.Receipt(line=line, serial_numbers=serials) for line, serials in form.receipts()
        ]
        try:
            received = services.receive_order(
                order,
                actor=request.user,
                receipts=receipts,
                location=form.cleaned_data.get("location"),
            )
        except ValidationError as exc:
            form.service_errors(exc)
            return render_order(request, order, status=400, receive_form=form)
        tags = ", ".join(asset.tag for asset in received)
        return self.back(
            request,
            order,
            f"Received {len(received)} unit{'s' if len(received) != 1 else ''}: {tags}.",
        )
