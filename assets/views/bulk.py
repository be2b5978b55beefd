"""Bulk moves from the register: the chosen assets, a confirmation page, then the result.

The register posts the ticked tags and an action here; this page lists them with the action's
fields; confirming calls the bulk engine (``assets.lifecycle.bulk``), which decides, all or none.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from ..choices import Condition
from ..forms import LocationChoiceField, put_errors
from ..lifecycle import bulk
from ..models import Asset, ChecklistItem, Department
from .register import ROW_RELATED


class BulkForm(forms.Form):
    """The action's own fields; ``move_kwargs`` turns them into the engine's arguments."""

    reason = forms.CharField(
        required=False,
        max_length=500,
        help_text="Why: kept in every asset's history.",
        widget=forms.TextInput,
    )

    def __init__(self, *args: Any, action: bulk.BulkAction, assets: list[Asset], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.action = action
        if action.name == "check-in":
            self.fields["location"] = LocationChoiceField(
                label="Put back at",
                empty_label="Where each one is now",
                help_text="Leave as it is to keep each asset's location.",
            )
            self.fields["condition"] = forms.ChoiceField(
                label="Condition",
                required=False,
                choices=[("", "Not noted"), *Condition.choices],
            )
        elif action.name == "relocate":
            self.fields["location"] = LocationChoiceField(
                label="Move to", required=True, empty_label="Choose a location"
            )
        else:
            self.fields["department"] = forms.ModelChoiceField(
                Department.objects.order_by("name"),
                label="Deploy to department",
                empty_label="Choose a department",
            )
            category_ids = {asset.category_id for asset in assets}
            items = ChecklistItem.objects.filter(category_id__in=category_ids).select_related(
                "category"
            )
            if items:
                self.fields["checklist"] = forms.MultipleChoiceField(
                    label="Deployment steps done",
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                    choices=[
                        (
                            item.pk,
                            f"{item.category.name}: {item.text}"
                            + (" (required)" if item.required else ""),
                        )
                        for item in items
                    ],
                    help_text="Tick what IT has done for every asset of that category.",
                )
        self.order_fields(["department", "location", "condition", "checklist", "reason"])

    def move_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if self.action.name == "deploy":
            data["to"] = data.pop("department")
            data["checklist_done"] = [int(pk) for pk in data.pop("checklist", [])]
        return data


def chosen_tags(request: HttpRequest) -> list[str]:
    """The ticked rows, or every row of the page when "all on this page" was chosen."""
    data = request.POST if request.method == "POST" else request.GET
    if data.get("scope") == "page":
        return data.getlist("page_tags")
    return data.getlist("tags")


class BulkMoveView(View):
    """GET or POST from the register: confirm; POST with ``step=confirm``: do it."""

    http_method_names = ["get", "post", "head", "options"]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        data = request.POST if request.method == "POST" else request.GET
        self.action = bulk.BULK_ACTIONS.get(data.get("action", ""))
        if self.action is None:
            messages.error(request, "Choose what to do with the ticked assets.")
            return HttpResponseRedirect(reverse("assets:list"))
        # Permission before lookup: a role that may not move learns nothing about tags.
        if not request.user.has_perm(self.action.permission):
            raise PermissionDenied(
                f"Your role does not allow you to {self.action.label.lower()} assets."
            )
        tags = chosen_tags(request)
        if not tags:
            messages.error(request, "Tick at least one asset first.")
            return HttpResponseRedirect(_safe_next(request) or reverse("assets:list"))
        try:
            found = bulk.resolve_tags(request.user, tags)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(reverse("assets:list"))
        by_pk = {
            a.pk: a
            for a in Asset.objects.select_related(*ROW_RELATED).filter(pk__in=[a.pk for a in found])
        }
        self.assets = [by_pk[a.pk] for a in found]
        return super().dispatch(request, *args, **kwargs)

    def render_confirm(
        self, form: BulkForm, *, refused: bulk.BulkRefused | None = None, status: int = 200
    ) -> HttpResponse:
        problems = bulk.preview(self.action, self.assets)
        if refused is not None:
            problems = dict(refused.refusals)
        context = {
            "action": self.action,
            "assets": self.assets,
            "rows": [(asset, problems.get(asset.tag, "")) for asset in self.assets],
            "problem_count": len(problems),
            "refused": refused,
            "form": form,
            "page_title": f"{self.action.label}: {len(self.assets)} assets",
        }
        return render(self.request, "assets/bulk_confirm.html", context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_confirm(BulkForm(action=self.action, assets=self.assets))

    def post(self, request: HttpRequest) -> HttpResponse:
        if request.POST.get("step") != "confirm":
            return self.render_confirm(BulkForm(action=self.action, assets=self.assets))
        form = BulkForm(request.POST, action=self.action, assets=self.assets)
        if not form.is_valid():
            return self.render_confirm(form, status=400)
        try:
            moved = self.action.function(self.assets, actor=request.user, **form.move_kwargs())
        except bulk.BulkRefused as refused:
            return self.render_confirm(form, refused=refused, status=refused.status_code)
        except ValidationError as error:
            put_errors(form, error)
            return self.render_confirm(form, status=400)
        fresh = {
            a.pk: a
            for a in Asset.objects.select_related(*ROW_RELATED).filter(pk__in=[a.pk for a in moved])
        }
        context = {
            "action": self.action,
            "assets": [fresh[a.pk] for a in self.assets],
            "reason": form.cleaned_data.get("reason", ""),
            "page_title": f"{self.action.label}: done",
        }
        return render(request, "assets/bulk_result.html", context)


def _safe_next(request: HttpRequest) -> str:
    """``next`` only when it points inside this site (never an open redirect)."""
    target = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""
