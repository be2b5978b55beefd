"""Shared API pieces: pagination and one error shape for every failure."""

from functools import partial

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import Conflict
from .paging import DeferredJoinPaginator


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class DeepPagination(Pagination):
    """For long lists of wide, joined rows (the asset register): ids first, see itam/paging.py.

    A view with ``settled_for()`` (the asset list as of a past moment) has its count kept.
    """

    django_paginator_class = DeferredJoinPaginator

    def paginate_queryset(self, queryset, request, view=None):
        settled = view.settled_for() if hasattr(view, "settled_for") else 0
        self.django_paginator_class = partial(DeferredJoinPaginator, settled_for=settled)
        return super().paginate_queryset(queryset, request, view)


def _flatten(detail) -> str:
    if isinstance(detail, dict):
        parts = []
        for field, value in detail.items():
            text = _flatten(value)
            parts.append(text if field in ("non_field_errors", "__all__") else f"{field}: {text}")
        return " ".join(parts)
    if isinstance(detail, list):
        return " ".join(_flatten(item) for item in detail)
    return str(detail)


def exception_handler(exc, context):
    """Errors are JSON ``{"detail": "...", ...}`` with a message a person can act on.

    State conflicts (an asset move or a request step the current state refuses) become 409 with
    their details (for assets: the current status and the allowed moves); Django
    validation errors raised by services become 400 with the fields that need fixing.
    """
    if isinstance(exc, Conflict):
        return Response(
            {"detail": exc.message, "code": exc.code, **exc.details},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = ValidationError(detail)
    if isinstance(exc, PermissionDenied) and str(exc):
        return Response({"detail": str(exc), "code": "permission_denied"}, status=403)
    if isinstance(exc, DataError) and _is_nul_refusal(exc):
        return _nul_refused(context)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, Http404):
        response.data = {"detail": "Not found.", "code": "not_found"}
    elif isinstance(exc, ValidationError) and isinstance(response.data, dict | list):
        # Always an object per field, as the schema says; a bare list is form-wide.
        fields = (
            response.data
            if isinstance(response.data, dict)
            else {"non_field_errors": response.data}
        )
        response.data = {"detail": _flatten(fields), "code": "invalid", "errors": fields}
    elif isinstance(exc, APIException) and isinstance(response.data, dict):
        response.data.setdefault(
            "code", exc.get_codes() if isinstance(exc.detail, str) else "error"
        )
        if isinstance(exc, ParseError):
            # Every 400 has the same shape: a body that is not JSON has no field to blame.
            response.data.setdefault("errors", {})
    return response


NUL_MESSAGE = (
    "The request contains a NUL character (\\x00 or %00), which no text here may hold: "
    "remove it and send the request again."
)


def _is_nul_refusal(exc: DataError) -> bool:
    """PostgreSQL's driver refuses text with NUL in it (SQLite stores it).

    Bodies are checked by DRF's CharField, but a tag or name in the path, or a query parameter a
    view reads itself, reaches the database as it came (found by the API fuzz): one answer here
    rather than a check in every view.
    """
    return "NUL (0x00)" in str(exc)


def _nul_refused(context) -> Response:
    """In the path: 404, as on SQLite (nothing is named so); elsewhere a 400 that says why."""
    kwargs = (context or {}).get("kwargs") or {}
    if any("\x00" in str(value) for value in kwargs.values()):
        return Response({"detail": "Not found.", "code": "not_found"}, status=404)
    return Response(
        {"detail": NUL_MESSAGE, "code": "invalid", "errors": {"non_field_errors": [NUL_MESSAGE]}},
        status=status.HTTP_400_BAD_REQUEST,
    )


def days_param(request, name: str = "days", default: int = 30) -> int:
    """A ``?days=`` look-ahead for "due within" lists: 0 to 3660, else a 400 that says so."""
    value = request.query_params.get(name, "").strip() or str(default)
    try:
        days = int(value)
        if not 0 <= days <= 3660:
            raise ValueError
    except ValueError:
        raise ValidationError(
            {name: [f"“{value}” is not a number of days from 0 to 3660."]}
        ) from None
    return days
