"""Browser tests' shared pieces: headless Chromium (Debian's, through Playwright), a page on a
phone or desktop viewport, and signing in through the real form.

Loaded for every test run by ``pytest_plugins`` in the root conftest; Playwright itself is
imported only when a browser test runs. Chromium is ``$CHROMIUM_PATH`` or ``/usr/bin/chromium``;
without it browser tests are skipped, except on CI (``CI=true``), where that is a failure.

Playwright's sync API runs an event loop in the test's thread, which Django would take for async
code and refuse database access from; ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set for browser tests
only (the live server runs in its own threads and is not affected).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.factories import PASSWORD

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORTS: dict[str, dict[str, Any]] = {
    "phone": {
        "viewport": {"width": 375, "height": 740},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}
# Set ITAM_SCREENSHOTS to a folder (e.g. docs/screenshots) to keep the tests' screenshots.
SCREENSHOTS = os.environ.get("ITAM_SCREENSHOTS", "")


def chromium_or_skip() -> str:
    """The Chromium binary, or skip (fail on CI) saying what is missing."""
    path = os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM
    problem = ""
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        problem = f"no Chromium at {path}: install Debian's chromium or set CHROMIUM_PATH"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "Playwright is not installed: pip install -e '.[dev]'"
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Browser tests must run on CI, but {problem}")
        pytest.skip(f"Browser test skipped: {problem}")
    return path


@pytest.fixture
def chromium_args() -> list[str]:
    """Extra Chromium flags; a test module overrides this fixture (e.g. a fake camera)."""
    return []


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch, chromium_args: list[str]) -> Iterator[Any]:
    """A headless Chromium for one test."""
    path = chromium_or_skip()
    from django.db import connections
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=path, args=CHROMIUM_ARGS + chromium_args
        )
        try:
            yield chromium
        finally:
            chromium.close()
            # While Playwright's loop runs, asgiref keeps Django's connections per context, not
            # per thread: close them here, or the test database cannot be dropped at the end.
            connections.close_all()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh page on a phone (375x740, touch) unless parametrized indirectly with "desktop".

    Console errors and uncaught exceptions are collected on ``page.problems``; a test that ends
    with any fails, so a script broken by the CSP does not pass unnoticed.
    """
    kind = getattr(request, "param", "phone")
    context = browser.new_context(**VIEWPORTS[kind])
    tab = context.new_page()
    tab.problems = []
    tab.on("console", lambda m: tab.problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda error: tab.problems.append(str(error)))
    try:
        yield tab
        assert not tab.problems, tab.problems
    finally:
        context.close()


def sign_in(page: Any, live_server: Any, username: str, password: str = PASSWORD) -> None:
    """Sign in through the sign-in form, as a person would."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def screenshot(page: Any, name: str, *, full_page: bool = False) -> None:
    """Keep a screenshot when ITAM_SCREENSHOTS names a folder (CI artifacts, docs)."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=full_page)
