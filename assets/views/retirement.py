"""End-of-life pages: certificate downloads, disposal certificate PDFs, retirement candidates.

Uploaded certificates are private files: no URL maps MEDIA_ROOT, so these views are the only way
out, and each checks the role (``assets.view_wiperecord`` / ``view_disposalrecord``: IT staff and
auditors) before it looks the asset up, so other roles learn nothing about tags or file ids.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from ..choices import AssetStatus
from ..models import DisposalRecord, WipeRecord
from .detail import get_visible_asset

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
