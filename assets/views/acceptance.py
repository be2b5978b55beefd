"""The holder's side of a deployment: confirm receipt (accepting the category's terms) and report
a problem. The lifecycle engine decides who may and records it; these views show and collect."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.http import require_POST

from itam.errors import Conflict

from .. import lifecycle
from ..forms import AcceptForm, ReportProblemForm, put_errors
from ..models import Asset, Assignment
from .detail import get_visible_asset


def holds(user, asset: Asset) -> bool:
    """Whether to offer the holder's actions: the engine's own rule, checked again when it acts."""
    return lifecycle.is_holder(user, asset)


def open_assignment(asset: Asset) -> Assignment | None:
    return asset.assignments.filter(ended_at__isnull=True).first()


def _holder_asset(request: HttpRequest, tag: str, what: str) -> Asset:
    """404 for assets this person cannot see, 403 for those they can see but do not hold."""
    asset = get_visible_asset(request, tag)
    if not holds(request.user, asset):
        raise PermissionDenied(f"Only the person {asset.tag} is deployed to can {what}.")
    return asset


def _next_or(request: HttpRequest, default: str) -> str:
    """Where to go after a POST: ``next`` when it is a safe local address (the dashboard)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _render_accept(
    request: HttpRequest, asset: Asset, form: AcceptForm, *, status: int = 200
) -> HttpResponse:
    context = {
        "asset": asset,
        "form": form,
        "assignment": open_assignment(asset),
        "next": _next_or(request, ""),
        "page_title": f"Confirm receipt: {asset.tag}",
    }
    return render(request, "assets/accept.html", context, status=status)


def _accept(request: HttpRequest, asset: Asset) -> HttpResponse:
    """The POST of both the acceptance page and the old one-button confirmation."""
    form = AcceptForm(request.POST, asset=asset)
    if not form.is_valid():  # pragma: no cover - a checkbox cannot be invalid
        return _render_accept(request, asset, form, status=400)
    try:
        asset = lifecycle.confirm_receipt(asset, actor=request.user, **form.accept_kwargs())
    except Conflict as exc:
        messages.info(request, exc.message)
    except ValidationError as exc:
        put_errors(form, exc)
        return _render_accept(request, asset, form, status=400)
    else:
        text = f"Thank you: receipt of {asset.tag} {asset.name} is confirmed"
        if form.has_terms:
            version = asset.category.acceptance_version
            text += f", with the {asset.category} terms (version {version})"
        messages.success(request, text + ".")
    return HttpResponseRedirect(_next_or(request, asset.get_absolute_url()))


class AcceptView(View):
    """``/assets/<tag>/accept/``: the asset and its category's terms; POST confirms receipt."""

    http_method_names = ["get", "post", "head", "options"]

    def get(self, request: HttpRequest, tag: str) -> HttpResponse:
        asset = _holder_asset(request, tag, "confirm receipt")
        return _render_accept(request, asset, AcceptForm(asset=asset))

    def post(self, request: HttpRequest, tag: str) -> HttpResponse:
        return _accept(request, _holder_asset(request, tag, "confirm receipt"))


@require_POST
def confirm_receipt(request: HttpRequest, tag: str) -> HttpResponse:
    """The older one-button confirmation (kept for links already sent): the same handling as the
    acceptance page, so a category with terms still needs the box ticked. Someone other than the
    holder gets a 403 from the engine; a second confirmation is a message, not an error page."""
    return _accept(request, get_visible_asset(request, tag))


class ReportProblemView(View):
    """``/assets/<tag>/report-problem/``: the holder says what is wrong; IT staff are told."""

    http_method_names = ["get", "post", "head", "options"]

    def render_form(
        self, request: HttpRequest, asset: Asset, form: ReportProblemForm, *, status: int = 200
    ) -> HttpResponse:
        context = {
            "asset": asset,
            "form": form,
            "assignment": open_assignment(asset),
            "page_title": f"Report a problem: {asset.tag}",
        }
        return render(request, "assets/accept_problem.html", context, status=status)

    def get(self, request: HttpRequest, tag: str) -> HttpResponse:
        asset = _holder_asset(request, tag, "report a problem with it")
        return self.render_form(request, asset, ReportProblemForm())

    def post(self, request: HttpRequest, tag: str) -> HttpResponse:
        asset = _holder_asset(request, tag, "report a problem with it")
        form = ReportProblemForm(request.POST)
        if not form.is_valid():
            return self.render_form(request, asset, form, status=400)
        try:
            lifecycle.report_problem(
                asset, actor=request.user, description=form.cleaned_data["description"]
            )
        except ValidationError as exc:
            put_errors(form, exc)
            return self.render_form(request, asset, form, status=400)
        messages.success(
            request, f"Thank you: IT staff have been told about the problem with {asset.tag}."
        )
        return HttpResponseRedirect(asset.get_absolute_url())
