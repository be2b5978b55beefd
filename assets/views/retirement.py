"""End-of-life pages: certificate downloads, disposal certificate PDFs, retirement candidates.

Uploaded certificates are private files: no URL maps MEDIA_ROOT, so these views are the only way
out, and each checks the role (``assets.view_wiperecord`` / ``view_disposalrecord``: IT staff and
auditors) before it looks the asset up, so other roles learn nothing about tags or file ids.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from .. import certificates, retirement
from ..choices import AssetStatus
from ..csv_export import dated, stream_csv
from ..models import Asset, DisposalRecord, WipeRecord
from ..reports import ReportFilterForm, filter_assets
from ..visibility import sees_all_assets
from .detail import get_visible_asset, scoped_assets
from .reports import page_of

WIPE_PERMISSION = "assets.view_wiperecord"
DISPOSAL_PERMISSION = "assets.view_disposalrecord"


def require(request: HttpRequest, permission: str, what: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(f"{what} are for IT staff and auditors.")


def private_file(file: FieldFile, content_type: str, download_name: str) -> FileResponse:
    """A stored upload as an attachment, never rendered inline, with the type it was stored as."""
    if not file:
        raise Http404("No certificate file was uploaded.")
    try:
        handle = file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The certificate file is missing from storage.") from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name,
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _extension(record) -> str:
    return record.certificate_file.name.rsplit(".", 1)[-1] if record.certificate_file else "bin"


def wipe_certificate(request: HttpRequest, tag: str, pk: int) -> HttpResponse:
    """The wipe's uploaded certificate, for IT staff and auditors only."""
    require(request, WIPE_PERMISSION, "Wipe certificates")
    asset = get_visible_asset(request, tag)
    record = get_object_or_404(WipeRecord, pk=pk, asset=asset)
    name = f"{asset.tag}-wipe-{record.pk}-certificate.{_extension(record)}"
    return private_file(record.certificate_file, record.certificate_content_type, name)


def disposal_certificate_file(request: HttpRequest, tag: str) -> HttpResponse:
    """The recycler's or buyer's uploaded certificate, for IT staff and auditors."""
    require(request, DISPOSAL_PERMISSION, "Disposal certificates")
    asset = get_visible_asset(request, tag)
    if asset.status != AssetStatus.DISPOSED:
        raise Http404(f"{asset.tag} has not been disposed of.")
    record = get_object_or_404(DisposalRecord, asset=asset)
    name = f"{asset.tag}-disposal-certificate.{_extension(record)}"
    return private_file(record.certificate_file, record.certificate_content_type, name)


# --- disposal certificate PDFs ------------------------------------------------------------------


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def disposal_certificate(request: HttpRequest, tag: str) -> HttpResponse:
    """One asset's disposal certificate; 404 until it is disposed of."""
    require(request, DISPOSAL_PERMISSION, "Disposal certificates")
    asset = get_visible_asset(request, tag)
    found = list(certificates.disposed_assets(Asset.objects.filter(pk=asset.pk)))
    if not found:
        raise Http404(f"{asset.tag} has not been disposed of.")
    disposal = found[0].disposal
    content = certificates.certificate_pdf(
        found,
        title=f"Disposal certificate: {asset.tag}",
        period=f"{disposal.disposed_on:%-d %b %Y}",
        reference=disposal.certificate_reference,
    )
    return _pdf_response(content, f"disposal-certificate-{asset.tag}.pdf")


MAX_BATCH_TAGS = 2000


def _date_param(request: HttpRequest, name: str) -> datetime.date | None:
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"“{value}” is not a date: give {name} as YYYY-MM-DD.") from None


def batch_disposal_certificate(request: HttpRequest) -> HttpResponse:
    """Every disposal in ``?from=&to=`` (dates, either may be left out), or of ``?tags=a,b``."""
    require(request, DISPOSAL_PERMISSION, "Disposal certificates")
    start, end = _date_param(request, "from"), _date_param(request, "to")
    tags = [t.strip() for t in request.GET.get("tags", "").replace("\n", ",").split(",")]
    tags = [t for t in tags if t]
    if start and end and start > end:
        raise BadRequest("The period ends before it starts: “from” must be on or before “to”.")
    if len(tags) > MAX_BATCH_TAGS:
        raise BadRequest(f"At most {MAX_BATCH_TAGS} tags per certificate.")
    if not tags and start is None and end is None:
        today = timezone.localdate()
        start, end = today.replace(day=1), today  # this month so far
    queryset = certificates.in_period(
        certificates.disposed_assets(scoped_assets(request)), start, end
    )
    if tags:
        queryset = queryset.filter(tag__in=tags)
    period = certificates.period_label(start, end)
    if tags:
        period = f"{len(tags)} tag{'s' if len(tags) != 1 else ''} listed" + (
            f", {period}" if start or end else ""
        )
    content = certificates.certificate_pdf(
        list(queryset), title="Disposal certificate", period=period
    )
    name = "disposal-certificate"
    if start or end:
        name += f"-{start or 'start'}-to-{end or timezone.localdate()}"
    return _pdf_response(content, f"{name}.pdf")


# --- retirement candidates ----------------------------------------------------------------------


class CandidateFilterForm(ReportFilterForm):
    reason = forms.ChoiceField(
        choices=[("", "Any reason"), *retirement.REASONS.items()], required=False, label="Why"
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["department"]


def candidates_for(request: HttpRequest, params) -> tuple[CandidateFilterForm, bool, object]:
    """The filter form, whether it reads, and the candidates it selects (IT staff, auditors)."""
    if not sees_all_assets(request.user):
        raise PermissionDenied("Retirement candidates are for IT staff and auditors.")
    form = CandidateFilterForm(params or None, user=request.user)
    valid = not form.is_bound or form.is_valid()
    data = form.cleaned_data if form.is_bound and valid else {}
    queryset = filter_assets(
        scoped_assets(request), category=data.get("category"), location=data.get("location")
    )
    items = retirement.retirement_candidates(queryset, reason=data.get("reason") or "")
    return form, valid, items if valid else items.none()


def retirement_candidates(request: HttpRequest) -> HttpResponse:
    """The candidates page; ``?format=csv`` streams them all."""
    form, valid, items = candidates_for(request, request.GET)
    today = timezone.localdate()
    if request.GET.get("format", "").lower() == "csv" and valid:
        return stream_csv(
            dated("retirement-candidates"), retirement.candidate_columns(today), items
        )
    page = page_of(request, items)
    rows = [
        {"asset": a, "reasons": retirement.reasons_of(a), "age": retirement.age_months(a, today)}
        for a in page.object_list
    ]
    share = Decimal(str(settings.ITAM_REPAIR_SHARE)) * 100
    return render(
        request,
        "assets/retirement_candidates.html",
        {
            "page_title": "Retirement candidates",
            "form": form,
            "filter_errors": not valid,
            "filters_active": any(request.GET.get(name) for name in form.fields),
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
            "rows": rows,
            "share_percent": f"{share.normalize():f}",
            "can_retire": request.user.has_perm("assets.retire_asset"),
        },
    )
