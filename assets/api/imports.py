"""API: ``POST /api/v1/imports/<kind>/`` — a CSV of assets, locations, people or licences.

One path per kind of ``assets.importer.kinds.KINDS`` (each its own view class, so the schema
documents each), all thin: read the flags, the file and an optional column mapping; the kind's
runner checks every row and writes all of them or none (``skip_bad=1``: the good ones).
``dry_run=1`` reports without writing. An unknown kind is a 404.
"""

from __future__ import annotations

import json

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assets.importer.columns import IGNORE
from assets.importer.kinds import KINDS, ImportKind
from assets.importer.parsing import MAX_BYTES, FileRefused, refuse_binary

from . import serializers as s


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="As in a spreadsheet: the header is row 1.")
    column = serializers.CharField()
    message = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField(
        help_text="Of the updated rows, those that already matched: nothing written for them."
    )
    errors = ImportErrorSerializer(many=True)
    warnings = serializers.ListField(child=serializers.CharField())
    dry_run = serializers.BooleanField()
    applied = serializers.BooleanField()


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV, UTF-8 (BOM or not) or cp1252; ',' or ';'.")
    mapping = serializers.CharField(
        required=False,
        help_text='Optional JSON object: the file\'s column title -> an import field, or "" to '
        'ignore that column, e.g. {"Kit Type": "category", "Comments": ""}. It wins over the '
        "column names understood without it.",
    )


# A 400 is either the row report (bad rows: nothing written) or a plain error about the request.
REFUSED = PolymorphicProxySerializer(
    component_name="ImportRefused",
    serializers=[ImportReportSerializer, s.ErrorSerializer],
    resource_type_field_name=None,
)


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _flags(kind: ImportKind) -> list[OpenApiParameter]:
    return [
        OpenApiParameter(name, bool, description=text)
        for name, text in (
            ("dry_run", "Check and report; write nothing."),
            ("create", f"Create missing {kind.create_help}."),
            ("skip_bad", "Import the good rows and report the bad ones."),
        )
    ]


class _Refused(Exception):
    def __init__(self, detail: str):
        self.detail = detail


def _mapping(request: Request, kind: ImportKind) -> dict[str, str] | None:
    """The optional ``mapping`` field, checked against the kind's fields."""
    text = request.data.get("mapping")
    if text in (None, ""):
        return None
    try:
        mapping = json.loads(text)
    except ValueError:
        raise _Refused("“mapping” is not JSON: send an object of column title -> field.") from None
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        raise _Refused("“mapping” must be an object of column title -> field name (strings).")
    unknown = sorted({v for v in mapping.values() if v != IGNORE and v not in kind.aliases})
    if unknown:
        raise _Refused(
            f"Unknown {kind.label.lower()} import field(s) in “mapping”: {', '.join(unknown)}. "
            f'Use one of: {", ".join(kind.aliases)}, or "" to ignore a column.'
        )
    return mapping


class KindImportView(APIView):
    """The import of one kind; subclasses name it in ``slug``."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]
    slug = ""
    refusal = "Your role does not allow this import."

    def post(self, request: Request) -> Response:
        kind = KINDS[self.slug]
        user = request.user
        if not kind.allowed(user):
            raise PermissionDenied(self.refusal)
        upload = request.FILES.get("file")
        if upload is None:
            return Response({"detail": "Send the CSV as the multipart field “file”."}, status=400)
        if upload.size > MAX_BYTES:
            return Response({"detail": "The file is larger than 10 MB."}, status=400)
        data = upload.read()
        try:
            refuse_binary(data)
            report = kind.run(
                data,
                actor=user,
                dry_run=_flag(request, "dry_run"),
                create=_flag(request, "create"),
                skip_bad=_flag(request, "skip_bad"),
                mapping=_mapping(request, kind),
            )
        except FileRefused as problem:
            return Response({"detail": str(problem)}, status=400)
        except _Refused as problem:
            return Response({"detail": problem.detail}, status=400)
        refused = bool(report.errors) and not report.dry_run and not report.applied
        return Response(report.as_dict(), status=400 if refused else 200)


def _schema(slug: str, matching: str, who: str):
    """One documented operation per kind: its flags, its matching rule, who may use it."""
    kind = KINDS[slug]
    return extend_schema(
        summary=f"Import {kind.label.lower()} from CSV",
        description=f"{matching} Dry run, all-or-nothing and skip_bad as for every import.",
        request={"multipart/form-data": ImportUploadSerializer},
        parameters=_flags(kind),
        responses={
            200: ImportReportSerializer,
            400: OpenApiResponse(
                REFUSED,
                description="Bad rows (the report; nothing written), or a missing, unreadable or "
                "too large file, or a bad mapping.",
            ),
            403: OpenApiResponse(s.ErrorSerializer, description=who),
        },
        tags=["imports"],
    )


@_schema("assets", "Matches on asset tag, then serial number.", "Only IT staff import.")
class AssetImportView(KindImportView):
    """Import assets from CSV: match on tag then serial, update or register."""

    slug = "assets"
    refusal = "Importing assets is for IT staff."


@_schema(
    "locations",
    "Matches on (parent, name), case-insensitively; a parent by name or by path "
    "(“Building A › Floor 2”), in the file or here.",
    "Only IT staff import locations.",
)
class LocationImportView(KindImportView):
    """Import locations from CSV: match on (parent, name), update or create."""

    slug = "locations"
    refusal = "Importing locations is for IT staff."


@_schema(
    "people",
    "Matches on username, then e-mail; new accounts have no usable password. Setting roles, "
    "changing an account's e-mail and reactivating are for administrators; deactivating is "
    "refused while the person holds assets or licence seats.",
    "Only IT staff import people.",
)
class PeopleImportView(KindImportView):
    """Import people from CSV: match on username then e-mail, update or create."""

    slug = "people"
    refusal = "Importing people is for IT staff."


@_schema(
    "licenses",
    "Matches on the licence's ID (when the product agrees), else on product and key. Seats "
    "never drop below those in use.",
    "Only IT staff import licences: the file holds keys.",
)
class LicenseImportView(KindImportView):
    """Import software licences from CSV: match on ID or (product, key), update or create."""

    slug = "licenses"
    refusal = "Importing licences is for IT staff: the file holds licence keys."


VIEWS: dict[str, type[KindImportView]] = {
    view.slug: view
    for view in (AssetImportView, LocationImportView, PeopleImportView, LicenseImportView)
}


@extend_schema(exclude=True)
class UnknownKindView(APIView):
    """``/api/v1/imports/<anything else>/``: a JSON 404, not the HTML one."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, kind: str) -> Response:
        raise NotFound(f"There is no import of “{kind}”: use one of {', '.join(KINDS)}.")

    get = post
