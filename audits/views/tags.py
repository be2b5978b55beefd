"""QR codes and tag sheets: the asset's code as a download, the sheet form, print page and PDF.

The rules (what gets printed, where each label goes) live in ``audits.tagsheets``; these views
check who asks, read the query string and answer. Printing changes nothing, so the pages are
GETs (the PDF's URL is a contract for scripts); the form also POSTs, because a long pasted list
of tags does not fit in a URL (gunicorn refuses request lines over 4 KB, about 300 tags).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from assets.choices import AssetStatus
from assets.forms import locations
from assets.models import Category, Department
from assets.visibility import visible_assets

from .. import services
from ..labels import DEFAULT_TEMPLATE, TEMPLATES
from ..qr import png, short_url, svg, svg_document
from ..tagsheets import (
    FILTER_KEYS,
    TagSheet,
    build_sheet,
    has_filters,
    print_pages,
    render_pdf,
    sheet_query,
    template_css,
)

QR_FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]")
# Register filters shown in words on the form (the rest by their own value).
FILTER_NAMES = {
    "q": "Search",
    "status": "Status",
    "category": "Category",
    "model": "Model",
    "department": "Department",
    "holder": "Held by",
    "vendor": "Vendor",
    "serial_number": "Serial number",
    "purchased_after": "Purchased on or after",
    "purchased_before": "Purchased on or before",
    "warranty": "Warranty",
    "audit": "Audit",
}


def _require_printer(user) -> None:
    services.require(user, services.PRINT_TAGS, "print tag sheets")


# --- the asset's own code ---------------------------------------------------------------------


@require_GET
def asset_qr(request: HttpRequest, tag: str, fmt: str) -> HttpResponse:
    """``qr.png`` / ``qr.svg``: the code for the asset's short link, for anyone who sees it."""
    if fmt not in QR_FORMATS:
        raise Http404("QR codes come as qr.png or qr.svg.")
    # Unknown tags and tags this person may not see get the same 404.
    asset = get_object_or_404(visible_assets(request.user).only("pk", "tag"), tag=tag)
    url = short_url(asset.tag)
    if fmt == "png":
        body: bytes | str = png(url)
    else:
        body = svg_document(url, title=f"{asset.tag}: {url}")
    response = HttpResponse(body, content_type=QR_FORMATS[fmt])
    filename = _UNSAFE_FILENAME.sub("_", asset.tag)
    response["Content-Disposition"] = f'attachment; filename="{filename}-qr.{fmt}"'
    response["Cache-Control"] = "private, max-age=3600"
    return response


def qr_context(asset) -> dict[str, Any]:
    """What the asset page's QR block shows: the code inline, its link, and where to get it."""
    url = short_url(asset.tag)
    return {
        "qr_svg": svg(url, title=f"QR code for {asset.tag}"),
        "qr_url": url,
        "qr_png_url": reverse("assets:qr", args=[asset.tag, "png"]),
        "qr_svg_url": reverse("assets:qr", args=[asset.tag, "svg"]),
        "qr_print_url": reverse("audits:tag-sheet") + "?" + urlencode({"tags": asset.tag}),
    }


# --- the form ---------------------------------------------------------------------------------


class TagSheetForm(forms.Form):
    """The sheet form: what the person chose, shown back with what to fix.

    Fields are plain strings so that ``build_sheet`` is the one judge of every value (one
    message per problem, the same ones the PDF URL answers with).
    """

    template = forms.CharField(
        label="Label template",
        required=False,
        widget=forms.Select(choices=[(t.slug, t.option_text) for t in TEMPLATES.values()]),
    )
    start = forms.CharField(
        label="Start at label",
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}),
        help_text="To use up a half-used sheet: 1 is the top-left label, counting across "
        "each row, then down.",
    )
    tags = forms.CharField(
        label="Tags",
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 5,
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "IT-000123\nIT-000124, IT-000125",
            }
        ),
        help_text="One a line or separated by commas (scanned links work too). Printed in this "
        "order. When there are tags, the location and filters below are not used.",
    )
    location = forms.CharField(
        label="Or: everything at a location",
        required=False,
        widget=forms.Select(),
        help_text="Includes everything inside it (rooms in a building), in tag order.",
    )

    def __init__(self, *args: Any, user=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.sheet: TagSheet | None = None
        places = sorted(
            ((str(place.pk), place.full_name) for place in locations()),
            key=lambda choice: choice[1].lower(),
        )
        self.fields["location"].widget.choices = [("", "No location"), *places]
        max_start = max(t.per_page for t in TEMPLATES.values())
        self.fields["start"].widget.attrs["max"] = max_start

    def clean(self) -> dict[str, Any]:
        try:
            self.sheet = build_sheet(self.user, self.data)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return self.cleaned_data


def _asks_for_sheet(params) -> bool:
    return any(params.get(key) for key in ("template", "start", "tags")) or has_filters(params)


def _filter_summary(params) -> list[dict[str, str]]:
    """The register filters this sheet carries, in words ("Status: Deployed, In stock")."""
    names = {
        "status": dict(AssetStatus.choices),
        "category": dict(Category.objects.values_list("slug", "name")),
        "department": {str(pk): name for pk, name in Department.objects.values_list("pk", "name")},
    }
    rows = []
    for key in FILTER_KEYS:
        if key == "location":
            continue
        values = [v for v in params.getlist(key) if v]
        if values:
            shown = [str(names.get(key, {}).get(value, value)) for value in values]
            rows.append({"label": FILTER_NAMES.get(key, key), "value": ", ".join(shown)})
    return rows


def _params(request: HttpRequest):
    """What the person asked for: the form's POST, or the query string."""
    return request.POST if request.method == "POST" else request.GET


def _form_page(request: HttpRequest, form: TagSheetForm, *, status: int = 200) -> HttpResponse:
    params = _params(request)
    query = sheet_query(params)
    context = {
        "page_title": "Tag sheets",
        "form": form,
        "sheet": form.sheet,
        "first_page_cells": _first_page(form.sheet) if form.sheet else [],
        "carried": [(k, v) for k, v in query if k in FILTER_KEYS and k != "location"],
        "filter_summary": _filter_summary(params),
        "without_filters_url": reverse("audits:tag-sheet")
        + _query([(k, v) for k, v in query if k in ("template", "start", "tags")]),
        "register_url": reverse("assets:list")
        + _query([(k, v) for k, v in query if k in FILTER_KEYS]),
    }
    return render(request, "audits/tag_sheet.html", context, status=status)


def _first_page(sheet: TagSheet) -> list[dict[str, Any]]:
    """The first sheet in miniature: skipped labels, labels printed, labels left blank."""
    filled = dict(sheet.pages[0])
    return [
        {
            "skipped": cell < sheet.start - 1,
            "filled": cell in filled,
            "tag": filled[cell].tag if cell in filled else "",
        }
        for cell in range(sheet.template.per_page)
    ]


def _query(pairs: list[tuple[str, str]]) -> str:
    return "?" + urlencode(pairs) if pairs else ""


class TagSheetView(View):
    """``/audits/tag-sheet/``: choose the assets, the template and where to start; preview."""

    def get(self, request: HttpRequest) -> HttpResponse:
        _require_printer(request.user)
        params = _params(request)
        if not _asks_for_sheet(params):
            form = TagSheetForm(user=request.user, initial={"template": DEFAULT_TEMPLATE})
            return _form_page(request, form)
        form = TagSheetForm(params, user=request.user)
        return _form_page(request, form, status=200 if form.is_valid() else 400)

    post = get  # the form posts long lists of tags; nothing is changed either way


# --- the print page and the PDF ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def tag_sheet_print(request: HttpRequest) -> HttpResponse:
    """The print-ready page: labels placed in millimetres by the template's stylesheet."""
    _require_printer(request.user)
    form = TagSheetForm(_params(request), user=request.user)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    sheet = form.sheet
    assert sheet is not None
    query = sheet_query(_params(request))
    css = template_css(sheet.template)
    context = {
        "sheet": sheet,
        "template": sheet.template,
        "pages": print_pages(sheet),
        "css_url": reverse("audits:tag-sheet-css", args=[sheet.template.slug])
        + "?v="
        + hashlib.sha256(css.encode()).hexdigest()[:12],
        # Back and Download PDF post the same choices (a long list of tags fits no URL).
        "carried": query,
    }
    return render(request, "audits/tag_sheet_print.html", context)


@login_not_required
@require_GET
def tag_sheet_css(request: HttpRequest, template: str) -> HttpResponse:
    """A template's geometry as CSS (no data in it, so no sign-in needed; cached by version)."""
    if template not in TEMPLATES:
        raise Http404("No such label template.")
    response = HttpResponse(template_css(TEMPLATES[template]), content_type="text/css")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def _csrf_refusal(request: HttpRequest) -> HttpResponse | None:
    """Django's own CSRF check, run by hand (as DRF does for session-authenticated requests)."""
    check = CsrfViewMiddleware(lambda _request: HttpResponse())
    check.process_request(request)
    return check.process_view(request, None, (), {})


@csrf_exempt  # checked below for sessions; a token request carries no cookie to forge
@login_not_required
@require_http_methods(["GET", "POST"])
def tag_sheet_pdf(request: HttpRequest) -> HttpResponse:
    """The sheet as a PDF. Scripts may send ``Authorization: Token <key>`` instead of a session,
    with GET or, for long tag lists, POST.

    It opts out of the sign-in middleware only to read the token: nobody without a session or
    a valid token gets past the checks below, and a session's POST must carry its CSRF token.
    """
    if request.user.is_authenticated and request.method == "POST":
        refusal = _csrf_refusal(request)
        if refusal is not None:
            return refusal
    if not request.user.is_authenticated:
        if not request.META.get("HTTP_AUTHORIZATION"):
            return redirect_to_login(request.get_full_path())
        try:
            found = TokenAuthentication().authenticate(request)
        except AuthenticationFailed as error:
            found, reason = None, str(error.detail)
        else:
            reason = "Send “Authorization: Token <key>” with an API token."
        if found is None:
            response = HttpResponse(
                f"Not signed in: {reason}\n", status=401, content_type="text/plain; charset=utf-8"
            )
            response["WWW-Authenticate"] = "Token"
            return response
        request.user = found[0]
    _require_printer(request.user)
    form = TagSheetForm(_params(request), user=request.user)
    if not form.is_valid():
        if "text/html" in request.headers.get("Accept", ""):
            return _form_page(request, form, status=400)  # a person, from the form
        lines = [str(message) for messages in form.errors.values() for message in messages]
        body = "The tag sheet could not be made:\n" + "".join(f"- {m}\n" for m in lines)
        return HttpResponse(body, status=400, content_type="text/plain; charset=utf-8")
    sheet = form.sheet
    assert sheet is not None
    response = HttpResponse(render_pdf(sheet), content_type="application/pdf")
    filename = sheet.filename("pdf", timezone.localdate())
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
