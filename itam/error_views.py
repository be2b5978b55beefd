"""Django's error pages, except under /api/, where a script gets the API's JSON error shape.

DRF answers its own errors as JSON, but a URL that matches no API route (``/api/v1/audits/abc/``
where ids are numbers, a typo in a path) never reaches DRF: Django's 404 page answered it in HTML,
which the OpenAPI schema does not allow and a script cannot read (found by the API fuzz).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _what_was_wrong(exception: Exception) -> str:
    """Django's own refusals of a request, in words a script's author can act on."""
    if isinstance(exception, TooManyFieldsSent):
        return (
            f"Too many fields in the request: at most {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}. "
            "Send fewer at once."
        )
    if isinstance(exception, TooManyFilesSent):
        return f"Too many files in the request: at most {settings.DATA_UPLOAD_MAX_NUMBER_FILES}."
    if isinstance(exception, RequestDataTooBig):
        return (
            f"The request body is too large: at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} "
            "bytes besides uploaded files."
        )
    return "Bad request."


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        # The shape of every API 400 (itam.api.exception_handler): no one field to blame.
        return JsonResponse(
            {"detail": _what_was_wrong(exception), "code": "bad_request", "errors": {}},
            status=400,
        )
    return defaults.bad_request(request, exception)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"detail": "Not found: no such API address; see /api/v1/docs/.", "code": "not_found"},
            status=404,
        )
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"detail": "Something went wrong on our side; it has been logged.", "code": "error"},
            status=500,
        )
    return defaults.server_error(request)
