"""API: ``POST /api/v1/imports/assets/`` — a CSV of assets (ours or Snipe-IT's layout).

Thin: reads the flags and the file; ``assets.importer.service`` checks every row and writes all
of them or none (``skip_bad=1``: the good ones). ``dry_run=1`` reports without writing.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assets.importer import service
from assets.importer.parsing import MAX_BYTES

from . import serializers as s


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="As in a spreadsheet: the header is row 1.")
    column = serializers.CharField()
    message = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    errors = ImportErrorSerializer(many=True)
    warnings = serializers.ListField(child=serializers.CharField())
    dry_run = serializers.BooleanField()
    applied = serializers.BooleanField()


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV, UTF-8 (BOM or not) or cp1252; ',' or ';'.")


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


FLAGS = [
    OpenApiParameter(name, bool, description=text)
    for name, text in (
        ("dry_run", "Check and report; write nothing."),
        ("create", "Create missing categories, models, makers, suppliers, places and people."),
        ("skip_bad", "Import the good rows and report the bad ones."),
    )
]


class AssetImportView(APIView):
    """Import assets from CSV: match on tag then serial, update or register."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        parameters=FLAGS,
        responses={
            200: ImportReportSerializer,
            400: OpenApiResponse(ImportReportSerializer, description="Bad rows: nothing written."),
            403: OpenApiResponse(s.ErrorSerializer, description="Only IT staff import."),
        },
        tags=["imports"],
    )
    def post(self, request: Request) -> Response:
        user = request.user
        if not (user.has_perm("assets.add_asset") and user.has_perm("assets.change_asset")):
            raise PermissionDenied("Importing assets is for IT staff.")
        upload = request.FILES.get("file")
        if upload is None:
            return Response({"detail": "Send the CSV as the multipart field “file”."}, status=400)
        if upload.size > MAX_BYTES:
            return Response({"detail": "The file is larger than 10 MB."}, status=400)
        try:
            report = service.import_assets(
                upload.read(),
                actor=user,
                dry_run=_flag(request, "dry_run"),
                create=_flag(request, "create"),
                skip_bad=_flag(request, "skip_bad"),
            )
        except service.FileRefused as problem:
            return Response({"detail": str(problem)}, status=400)
        refused = bool(report.errors) and not report.dry_run and not report.applied
        return Response(report.as_dict(), status=400 if refused else 200)
