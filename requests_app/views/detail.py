"""The request page and its actions: decide, cancel, allocate, order, and the new hire's account.

Each action is a POST to its own URL. The view finds the request within ``visible_requests``
(404 otherwise), hands the form's input to the service, and shows what the service says: a
``PermissionDenied`` is a 403, a refusal (``Conflict``) an error message on the page (409), a
``ValidationError`` errors on the form (400), with nothing saved.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.text import slugify
from django.views import View

from assets.models import Asset
from itam.errors import Conflict

from .. import services
from ..budgets import budget_summary
from ..choices import OPEN_REQUEST_STATUSES, RequestStatus
from ..forms import (
    AllocateForm,
    LinkUserForm,
    NewHireAccountForm,
    OrderForRequestForm,
    ReasonForm,
    put_service_errors,
)
from ..models import Approval, AssetRequest
from .queries import request_timeline

FULFIL = "requests_app.fulfil_request"
CENT = Decimal("0.01")


def get_visible_request(request: HttpRequest, pk: int) -> AssetRequest:
    """The request if this person may see it; unknown and unseen ones are the same 404."""
    queryset = services.visible_requests(
        request.user,
        AssetRequest.objects.select_related(
            "requester",
            "for_user",
            "department__manager",
            "category",
            "model__manufacturer",
        ).prefetch_related(
            Prefetch("approvals", queryset=Approval.objects.select_related("decided_by"))
        ),
    )
    return get_object_or_404(queryset, pk=pk)


def outstanding(asset_request: AssetRequest) -> int:
    """Units still to give (for prefilling the order form; the service re-checks)."""
    return max(asset_request.quantity - asset_request.allocations.count(), 0)


def suggested_username(name: str) -> str:
    return slugify(name).replace("-", ".")[:150]


def default_forms(asset_request: AssetRequest) -> dict[str, forms.Form]:
    """Every action's empty form; ids are prefixed so several forms share one page."""
    unit_cost = None
    if asset_request.quantity and asset_request.estimated_cost:
        unit_cost = (asset_request.estimated_cost / asset_request.quantity).quantize(CENT)
    return {
        "approve": ReasonForm(
            label="Reason (optional)", help_text="Kept in the history.", auto_id="approve_%s"
        ),
        "reject": ReasonForm(
            label="Reason for rejecting",
            help_text="Required: the requester sees it.",
            auto_id="reject_%s",
        ),
        "cancel": ReasonForm(
            label="Reason for cancelling", help_text="Required.", auto_id="cancel_%s"
        ),
        "allocate": AllocateForm(auto_id="allocate_%s", category=asset_request.category),
        "order": OrderForRequestForm(
            auto_id="order_%s",
            initial={"unit_cost": unit_cost, "expected_date": asset_request.needed_by},
        ),
        "account": NewHireAccountForm(
            auto_id="account_%s",
            initial={"username": suggested_username(asset_request.new_hire_name)},
        ),
        "link": LinkUserForm(auto_id="link_%s"),
    }


def detail_context(
    request: HttpRequest, asset_request: AssetRequest, bound: dict[str, forms.Form] | None = None
) -> dict[str, Any]:
    """What the page shows this person: the request, and before a decision what helps decide."""
    user = request.user
    status = asset_request.status
    deciding = services.can_decide(user, asset_request)
    is_open = status in OPEN_REQUEST_STATUSES
    may_fulfil = user.has_perm(FULFIL)
    can_fulfil = may_fulfil and status in (RequestStatus.APPROVED, RequestStatus.ORDERING)
    waiting_for_account = asset_request.is_for_new_hire and asset_request.for_user_id is None
    context: dict[str, Any] = {
        "req": asset_request,
        "page_title": f"Request #{asset_request.pk}",
        "approvals": list(asset_request.approvals.all()),
        "pending_step": services.pending_step(asset_request),
        "can_decide": deciding,
        "can_cancel": status in (RequestStatus.SUBMITTED, RequestStatus.APPROVED)
        and (user.pk in (asset_request.requester_id, asset_request.for_user_id) or may_fulfil),
        "can_fulfil": can_fulfil,
        "can_allocate": can_fulfil and not waiting_for_account,
        # One-click allocation only when nothing must be ticked on the way out.
        "quick_allocate": not asset_request.category.checklist.filter(required=True).exists(),
        "can_order": can_fulfil and user.has_perm("requests_app.add_purchaseorder"),
        "can_link_account": may_fulfil and waiting_for_account and is_open,
        "timeline": request_timeline(asset_request),
        "allocations": list(
            asset_request.allocations.select_related("asset__category", "allocated_by")
        ),
        "order_lines": list(
            asset_request.order_lines.select_related("order__vendor").order_by("pk")
        ),
        "forms": {**default_forms(asset_request), **(bound or {})},
    }
    # Decision support: for the approver, the department's manager, and IT staff and auditors,
    # while the request is open.
    supported = (
        deciding
        or asset_request.department.manager_id == user.pk
        or user.has_perm("requests_app.view_budget")
    )
    if is_open and supported:
        budget = budget_summary(asset_request.department)
        cost = asset_request.estimated_cost
        if status == RequestStatus.SUBMITTED:
            over = budget.would_exceed(cost)
            overshoot = budget.committed + budget.spent + cost - budget.amount if over else None
        else:  # already counted in "committed"
            over = budget.available is not None and budget.available < 0
            overshoot = -budget.available if over else None
        context.update(
            support=True,
            budget=budget,
            over_budget=over,
            overshoot=overshoot,
            candidates=list(services.reuse_candidates(asset_request)),
            holdings=list(
                Asset.objects.filter(assigned_user=asset_request.for_user)
                .select_related("category", "model__manufacturer")
                .order_by("tag")
            )
            if asset_request.for_user_id
            else [],
        )
    return context


def render_request(
    request: HttpRequest,
    asset_request: AssetRequest,
    *,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "requests_app/request_detail.html",
        detail_context(request, asset_request, bound),
        status=status,
    )


class RequestDetailView(View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return render_request(request, get_visible_request(request, pk))


class RequestActionView(View):
    """POST only: one action on one request, through the services."""

    http_method_names = ["post"]
    form_key = ""

    def make_form(self, data: Any) -> forms.Form:
        form = default_forms(self.asset_request)[self.form_key]
        return form.__class__(data, **self.form_kwargs(form))

    @staticmethod
    def form_kwargs(form: forms.Form) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"auto_id": form.auto_id}
        if isinstance(form, AllocateForm):
            kwargs["category"] = form.category
        if isinstance(form, ReasonForm):
            kwargs.update(
                label=form.fields["reason"].label, help_text=form.fields["reason"].help_text
            )
        return kwargs

    def perform(self, form: forms.Form) -> HttpResponse:
        raise NotImplementedError

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        self.asset_request = get_visible_request(request, pk)
        form = self.make_form(request.POST)
        if not form.is_valid():
            return self.invalid(form)
        try:
            with transaction.atomic():
                return self.perform(form)
        except Conflict as exc:
            messages.error(request, exc.message)
            return render_request(request, get_visible_request(request, pk), status=409)
        except ValidationError as exc:
            put_service_errors(form, exc, getattr(self, "aliases", None))
            return self.invalid(form)

    def invalid(self, form: forms.Form) -> HttpResponse:
        return render_request(
            self.request,
            get_visible_request(self.request, self.asset_request.pk),
            bound={self.form_key: form},
            status=400,
        )

    def back(self, text: str) -> HttpResponse:
        messages.success(self.request, text)
        return HttpResponseRedirect(self.asset_request.get_absolute_url())


class ApproveView(RequestActionView):
    form_key = "approve"

    def perform(self, form: forms.Form) -> HttpResponse:
        done = services.approve_request(
            self.asset_request, actor=self.request.user, reason=form.cleaned_data["reason"]
        )
        if done.status == RequestStatus.SUBMITTED:
            return self.back(
                f"Approved. Request #{done.pk} now waits for the second approval by IT staff."
            )
        return self.back(f"Approved. IT staff will allocate or order for request #{done.pk}.")


class RejectView(RequestActionView):
    form_key = "reject"

    def perform(self, form: forms.Form) -> HttpResponse:
        done = services.reject_request(
            self.asset_request, actor=self.request.user, reason=form.cleaned_data["reason"]
        )
        return self.back(f"Rejected request #{done.pk}; the requester has been told why.")


class CancelView(RequestActionView):
    form_key = "cancel"

    def perform(self, form: forms.Form) -> HttpResponse:
        done = services.cancel_request(
            self.asset_request, actor=self.request.user, reason=form.cleaned_data["reason"]
        )
        return self.back(f"Cancelled request #{done.pk}.")


class AllocateView(RequestActionView):
    form_key = "allocate"

    def perform(self, form: forms.Form) -> HttpResponse:
        tag = form.cleaned_data["asset"].strip()
        asset = Asset.objects.filter(tag__iexact=tag).first()
        if asset is None:
            raise ValidationError({"asset": f"No asset has the tag “{tag}”."})
        asset = services.fulfil_from_stock(
            self.asset_request,
            actor=self.request.user,
            asset=asset,
            checklist_done=form.cleaned_data.get("checklist"),
        )
        return self.back(f"{asset.tag} is deployed to {self.asset_request.for_whom}.")


class OrderView(RequestActionView):
    """Raise a purchase order with one line for this request, then go to the order."""

    form_key = "order"
    aliases = {"lines[1]": "unit_cost"}

    def perform(self, form: forms.Form) -> HttpResponse:
        data, asset_request = form.cleaned_data, self.asset_request
        order = services.create_order(
            actor=self.request.user,
            vendor=data["vendor"],
            notes=data.get("notes", ""),
            lines=[
                services.LineInput(
                    category=asset_request.category,
                    model=asset_request.model,
                    quantity=outstanding(asset_request),
                    unit_cost=data["unit_cost"],
                    expected_date=data.get("expected_date"),
                    request=asset_request,
                    department=asset_request.department,
                )
            ],
        )
        # Recorded on the request too, so its timeline says which order fulfils it.
        services.fulfil_by_order(asset_request, actor=self.request.user, order=order)
        messages.success(
            self.request,
            f"{order.number} is drafted for request #{asset_request.pk}. Check it, then send it.",
        )
        return HttpResponseRedirect(order.get_absolute_url())


class NewHireView(RequestActionView):
    """Create the new hire's account, or link the one they already have."""

    def make_form(self, data: Any) -> forms.Form:
        self.form_key = "link" if data.get("mode") == "link" else "account"
        return super().make_form(data)

    def perform(self, form: forms.Form) -> HttpResponse:
        actor = self.request.user
        if self.form_key == "link":
            done = services.link_new_hire(
                self.asset_request, actor=actor, user=form.cleaned_data["user"]
            )
        else:
            done = services.create_new_hire_account(
                self.asset_request,
                actor=actor,
                username=form.cleaned_data["username"],
                email=form.cleaned_data.get("email", ""),
            )
        account = done.for_user.get_username()
        text = f"{done.new_hire_name} is now {account}."
        if done.allocations.exists():
            text += " Equipment waiting for them is deployed to the account."
        if self.form_key == "account":
            if done.for_user.email:
                text += f" A sign-in link to choose a password was sent to {done.for_user.email}."
            else:
                text += (
                    " It has no e-mail address, so no sign-in link was sent: add one in the "
                    "admin, then send the link, or set a password there."
                )
        return self.back(text)
