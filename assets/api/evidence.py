"""An asset's end-of-life evidence: its data wipes and its disposal, and their certificate files.

``GET /api/v1/assets/<tag>/wipes/`` and ``/disposal/`` show what the asset's page shows, to whoever
may see the asset (else 404, as for the asset). The uploaded certificate files are private, as on
the pages: ``.../wipes/<id>/certificate/`` and ``.../disposal/certificate/`` need
``assets.view_wiperecord`` / ``view_disposalrecord`` (IT staff and auditors), checked before the
asset is looked up, so other roles learn nothing about tags. The files leave through
``assets.views.retirement.private_file`` (an attachment, never rendered inline).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assets.choices import AssetStatus
from assets.models import Asset, DisposalRecord, WipeRecord
from assets.views.retirement import DISPOSAL_PERMISSION, WIPE_PERMISSION, private_file
from assets.visibility import visible_assets

from .serializers import DisposalRecordSerializer, WipeRecordSerializer


def _asset(request: Request, tag: str) -> Asset:
    """The asset by tag, or 404 for unknown tags and tags this person may not see alike."""
    return get_object_or_404(visible_assets(request.user), tag=tag)


def _absolute(request: Request | None, path: str) -> str:
    return request.build_absolute_uri(path) if request else path


class WipeOfAssetSerializer(WipeRecordSerializer):
    counts = serializers.SerializerMethodField(
        help_text="Recorded since the asset's current retirement: only these clear it for "
        "disposal (and appear on its certificate)."
    )
    notes = serializers.CharField(read_only=True)
    certificate_file_url = serializers.SerializerMethodField(
        help_text="The uploaded certificate (IT staff and auditors); null when none was "
        "uploaded or you may not download it."
    )

    class Meta(WipeRecordSerializer.Meta):
        fields = [*WipeRecordSerializer.Meta.fields, "counts", "notes", "certificate_file_url"]

    def get_counts(self, wipe: WipeRecord) -> bool:
        return wipe.counts_for(self.context["asset"])

    def get_certificate_file_url(self, wipe: WipeRecord) -> str | None:
        request = self.context.get("request")
        if not wipe.certificate_file or not (request and request.user.has_perm(WIPE_PERMISSION)):
            return None
        path = reverse("api-asset-wipe-certificate", args=[wipe.asset.tag, wipe.pk])
        return _absolute(request, path)


class DisposalOfAssetSerializer(DisposalRecordSerializer):
    certificate_file_url = serializers.SerializerMethodField(
        help_text="The recycler's or buyer's certificate (IT staff and auditors); null when "
        "none was uploaded or you may not download it."
    )
    certificate_pdf_url = serializers.SerializerMethodField(
        help_text="The disposal certificate this system prints (PDF, a web page: sign in); "
        "null unless you may see disposal records."
    )

    class Meta(DisposalRecordSerializer.Meta):
        fields = [
            *DisposalRecordSerializer.Meta.fields,
            "certificate_file_url",
            "certificate_pdf_url",
        ]

    def _may(self) -> bool:
        request = self.context.get("request")
        return bool(request and request.user.has_perm(DISPOSAL_PERMISSION))

    def get_certificate_file_url(self, disposal: DisposalRecord) -> str | None:
        if not disposal.certificate_file or not self._may():
            return None
        path = reverse("api-asset-disposal-certificate", args=[disposal.asset.tag])
        return _absolute(self.context.get("request"), path)

    def get_certificate_pdf_url(self, disposal: DisposalRecord) -> str | None:
        if not self._may():
            return None
        path = reverse("assets:disposal-certificate", args=[disposal.asset.tag])
        return _absolute(self.context.get("request"), path)


FILE = {
    (200, "*/*"): OpenApiResponse(
        OpenApiTypes.BINARY,
        description="The file as uploaded, as an attachment; its Content-Type is the type it "
        "was stored with (PDF or an image, usually).",
    )
}


class WipeListView(APIView):
    @extend_schema(
        tags=["assets"],
        operation_id="assets_wipes",
        summary="An asset's data wipes",
        description="Every wipe recorded for the asset, newest first: method (NIST SP 800-88), "
        "tool, who did it and who verified it, and whether it counts for the current "
        "retirement. Whoever may see the asset; not paginated.",
        responses={200: WipeOfAssetSerializer(many=True)},
    )
    def get(self, request: Request, tag: str) -> Response:
        asset = _asset(request, tag)
        wipes = asset.wipes.select_related("asset", "performed_by", "verified_by")
        context = {"request": request, "asset": asset}
        return Response(WipeOfAssetSerializer(wipes, many=True, context=context).data)


class DisposalView(APIView):
    @extend_schema(
        tags=["assets"],
        operation_id="assets_disposal",
        summary="An asset's disposal",
        description="How, when and to whom a disposed-of asset went, and its proceeds. Whoever "
        "may see the asset; 404 when it has not been disposed of.",
        responses={200: DisposalOfAssetSerializer},
    )
    def get(self, request: Request, tag: str) -> Response:
        asset = _asset(request, tag)
        if asset.status != AssetStatus.DISPOSED:
            raise Http404
        record = get_object_or_404(
            DisposalRecord.objects.select_related("asset", "recorded_by"), asset=asset
        )
        return Response(DisposalOfAssetSerializer(record, context={"request": request}).data)


class WipeCertificateView(APIView):
    @extend_schema(
        tags=["assets"],
        operation_id="assets_wipe_certificate",
        summary="Download a wipe's certificate file",
        description="IT staff and auditors (`assets.view_wiperecord`; 403 otherwise). 404 when "
        "the wipe has no file.",
        responses=FILE,
    )
    def get(self, request: Request, tag: str, pk: int) -> HttpResponse:
        if not request.user.has_perm(WIPE_PERMISSION):
            raise PermissionDenied("Wipe certificates are for IT staff and auditors.")
        asset = _asset(request, tag)
        record = get_object_or_404(WipeRecord, pk=pk, asset=asset)
        name = f"{asset.tag}-wipe-{record.pk}-certificate.{_extension(record)}"
        return private_file(record.certificate_file, record.certificate_content_type, name)


class DisposalCertificateView(APIView):
    @extend_schema(
        tags=["assets"],
        operation_id="assets_disposal_certificate",
        summary="Download the disposal's certificate file",
        description="The recycler's or buyer's certificate as uploaded. IT staff and auditors "
        "(`assets.view_disposalrecord`; 403 otherwise). 404 when there is none.",
        responses=FILE,
    )
    def get(self, request: Request, tag: str) -> HttpResponse:
        if not request.user.has_perm(DISPOSAL_PERMISSION):
            raise PermissionDenied("Disposal certificates are for IT staff and auditors.")
        asset = _asset(request, tag)
        if asset.status != AssetStatus.DISPOSED:
            raise Http404
        record = get_object_or_404(DisposalRecord, asset=asset)
        name = f"{asset.tag}-disposal-certificate.{_extension(record)}"
        return private_file(record.certificate_file, record.certificate_content_type, name)


def _extension(record) -> str:
    return record.certificate_file.name.rsplit(".", 1)[-1] if record.certificate_file else "bin"
