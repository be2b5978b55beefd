"""CSRF on every form and every state-changing route, and the security headers on every page.

The forms are found on the real pages (every HTML route of the world, as IT staff and as an
employee), so a new form without ``{% csrf_token %}`` fails here, not in a user's browser.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.routes import object_urls, plain_urls
from tests.security.test_flaw_classes import database
from tests.security.test_xss import html_pages

pytestmark = pytest.mark.django_db


class _Forms(HTMLParser):
    """Collects each ``<form method="post">`` with the names of the inputs inside it."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, set[str]]] = []
        self._current: set[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form" and (values.get("method") or "").lower() == "post":
            self._current = set()
            self.forms.append((values.get("action") or "(this page)", self._current))
        elif tag == "input" and self._current is not None:
            self._current.add(values.get("name") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


@pytest.mark.parametrize("role", ["it", "amy"])
def test_every_post_form_on_every_page_carries_a_csrf_token(world, role):
    client = Client()
    client.force_login(getattr(world, role))
    seen, missing = 0, []
    for name, url in html_pages(world):
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = _Forms()
        parser.feed(response.content.decode())
        for action, inputs in parser.forms:
            seen += 1
            if "csrfmiddlewaretoken" not in inputs:
                missing.append((name, action))
    assert not missing, missing
    assert seen > (40 if role == "it" else 5), seen  # the sweep really met the forms


def test_a_post_without_its_csrf_token_is_refused_on_every_route_and_changes_nothing(world):
    """A signed-in browser tricked into posting from another site: every route refuses it, the
    API too (its session sign-in needs the token; scripts use an API token instead)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.it)
    before = database()
    accepted = []
    for route, url in [*plain_urls(), *object_urls(world)]:
        response = client.post(url, {"note": "forged"})
        # Refused for the missing token itself, not by some later permission check (a read-only
        # view that takes no POST at all says so in its Allow header)
        read_only = response.has_header("Allow") and "POST" not in response["Allow"]
        if response.status_code != 403 or not (read_only or b"csrf" in response.content.lower()):
            accepted.append((route.name, response.status_code))
    assert not accepted, accepted
    assert database() == before


def test_the_sign_in_form_itself_needs_its_token():
    response = Client(enforce_csrf_checks=True).post(
        reverse("login"), {"username": "anyone", "password": "whatever"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("signed_in", [False, True])
def test_pages_carry_the_security_headers(world, signed_in):
    client = Client()
    if signed_in:
        client.force_login(world.it)
    for url in (reverse("login"), "/", reverse("assets:list"), "/api/v1/assets/"):
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY", url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url
        policy = dict(
            (part.split()[0], part.split()[1:])
            for part in response["Content-Security-Policy"].split(";")
            if part.strip()
        )
        # Scripts from this site, or carrying this response's nonce: nothing inline, no eval
        scripts = policy["script-src"]
        assert all(s == "'self'" or s.startswith("'nonce-") for s in scripts), (url, scripts)
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
