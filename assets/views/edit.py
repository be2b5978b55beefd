"""Registering and editing assets: the forms collect, ``assets.lifecycle`` writes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.generic import FormView

from .. import lifecycle
from ..forms import AssetCreateForm, AssetEditForm, put_errors
from .detail import get_visible_asset


class _AssetFormView(PermissionRequiredMixin, FormView):
    template_name = "assets/asset_form.html"
    raise_exception = True  # signed in but not allowed: 403, not a login loop

    def form_invalid(self, form: Any) -> HttpResponse:
        """Re-show the form with its errors; 400 says nothing was saved."""
        return self.render_to_response(self.get_context_data(form=form), status=400)


class AssetCreateView(_AssetFormView):
    permission_required = "assets.add_asset"
    form_class = AssetCreateForm
    extra_context = {"page_title": "Register an asset", "submit_label": "Register asset"}

    def form_valid(self, form: AssetCreateForm) -> HttpResponse:
        try:
            asset = lifecycle.register(
                actor=self.request.user,
                on_order=form.cleaned_data.get("on_order", False),
                tag=form.cleaned_data.get("tag") or None,
                **form.details(),
            )
        except ValidationError as exc:
            put_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Registered {asset.tag}: {asset.name}.")
        return HttpResponseRedirect(asset.get_absolute_url())


class AssetEditView(_AssetFormView):
    permission_required = "assets.change_asset"
    form_class = AssetEditForm

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.asset = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The permission check comes first, so the answer never depends on whether a tag exists.
        if not self.has_permission():
            return self.handle_no_permission()
        self.asset = get_visible_asset(request, kwargs["tag"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": self.asset}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            asset=self.asset,
            page_title=f"Edit {self.asset.tag}",
            submit_label="Save changes",
            **kwargs,
        )

    def form_valid(self, form: AssetEditForm) -> HttpResponse:
        changed = form.details(only_changed=True)
        if not changed:
            messages.info(self.request, "Nothing changed, so nothing was saved.")
            return HttpResponseRedirect(self.asset.get_absolute_url())
        try:
            lifecycle.update_details(
                self.asset,
                actor=self.request.user,
                reason=form.cleaned_data.get("reason", ""),
                **changed,
            )
        except ValidationError as exc:
            put_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Saved the changes to {self.asset.tag}.")
        return HttpResponseRedirect(self.asset.get_absolute_url())
