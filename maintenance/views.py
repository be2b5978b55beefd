"""Placeholder: the maintenance and licence pages are being built."""

from django.http import HttpRequest, HttpResponse


def placeholder(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Coming soon", content_type="text/plain")
