"""Project-level pages: the dashboard and the QR short link."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def dashboard(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ITAM")


def short_link(request: HttpRequest, tag: str) -> HttpResponse:
    return redirect("assets:detail", tag=tag)
