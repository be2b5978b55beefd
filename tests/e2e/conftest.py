"""The end-to-end suite's server and browser: the app as production runs it, driven by Chromium.

Once for the package (``tests/e2e``): a PostgreSQL database of its own beside DATABASE_URL's
(``itam_e2e_<pid>``), migrated and filled by ``seed_demo``; gunicorn with 2 workers, DEBUG=0,
plain HTTP on a free loopback port, e-mail to files; one headless Chromium. Everything is stopped
and the database dropped at the end, pass or fail. Each test gets a fresh browser context (its
own cookies), so journeys do not lean on each other's sessions, only on the shared demo data.

Without PostgreSQL in DATABASE_URL the suite is skipped, saying so; on CI (``CI=true``) that is a
failure, as is a missing Chromium. Screenshots go to ``$ITAM_SCREENSHOTS`` when set
(``scripts/screenshots.sh`` sets it to docs/screenshots), else to a temporary folder, so every
run still takes them.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser import CHROMIUM_ARGS, VIEWPORTS, chromium_or_skip

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
DEMO_PASSWORD = "itam-demo"  # README, "Demo logins"
DEMO_ASSETS = 80
ON_CI = os.environ.get("CI", "").lower() == "true"
# The environment the server must not inherit from the caller (its own settings decide).
STRIPPED_PREFIXES = ("DJANGO_", "CELERY_", "ITAM_", "EMAIL_", "SECURE_", "SESSION_", "CSRF_")
STRIPPED_PREFIXES += ("AXES_",)


@dataclass
class Server:
    """The running app: its base URL and where its e-mails land."""

    url: str
    mail_dir: Path
    shots: Path

    def mails(self) -> list[str]:
        """Every e-mail sent so far (filemail writes one file per connection), oldest first."""
        files = sorted(self.mail_dir.glob("*"), key=lambda p: p.stat().st_mtime)
        return [f.read_text(errors="replace") for f in files]


def _postgres_url_or_skip() -> urllib.parse.SplitResult:
    url = os.environ.get("DATABASE_URL", "")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        problem = (
            "the end-to-end suite needs PostgreSQL: set DATABASE_URL=postgres://... "
            f"(it is {'SQLite, the default' if not url else parts.scheme})"
        )
        if ON_CI:
            pytest.fail(f"End-to-end tests must run on CI, but {problem}")
        pytest.skip(f"End-to-end tests skipped: {problem}")
    return parts


def _server_db(parts: urllib.parse.SplitResult, action: str, name: str) -> None:
    """Create or drop the suite's own database, through the server's maintenance database."""
    import psycopg

    server = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if action == "create":
            conn.execute(f'CREATE DATABASE "{name}"')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Migrate and seed in one process: Django starts once.
SETUP_SCRIPT = f"""
import django
from django.core.management import call_command
django.setup()
call_command("migrate", interactive=False, verbosity=0)
call_command("seed_demo", assets={DEMO_ASSETS})
"""


def _run(env: dict[str, str], *args: str, log: Path) -> None:
    with log.open("ab") as out:
        done = subprocess.run([PYTHON, *args], cwd=ROOT, env=env, stdout=out, stderr=out)
    if done.returncode:
        pytest.fail(f"Setting up the demo failed; its output:\n{log.read_text()[-4000:]}")


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{url}/accounts/login/", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer at {url}; its log:\n{log.read_text()[-4000:]}")


def _stop(process: subprocess.Popen) -> None:
    """gunicorn runs in its own session: stop its group (master and workers) by its id."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@pytest.fixture(scope="package")
def e2e_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app on gunicorn over its own seeded PostgreSQL database, for the whole package."""
    parts = _postgres_url_or_skip()
    chromium_or_skip()
    work = tmp_path_factory.mktemp("e2e")
    name = f"itam_e2e_{os.getpid()}"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    mail_dir = work / "mail"
    shots = Path(os.environ.get("ITAM_SCREENSHOTS") or work / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(STRIPPED_PREFIXES)}
    env.update(
        DJANGO_SETTINGS_MODULE="itam.settings",
        DEBUG="0",
        SECRET_KEY=f"e2e-{secrets.token_urlsafe(40)}",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        # Plain HTTP: a Secure cookie would not come back (production keeps them Secure).
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        DATABASE_URL=parts._replace(path=f"/{name}").geturl(),
        REDIS_URL="",  # Celery tasks (e-mails) run in the web process
        EMAIL_URL=f"filemail://{mail_dir}",
        ITAM_BASE_URL=url,
        PYTHONUNBUFFERED="1",
    )
    log = work / "server.log"
    process: subprocess.Popen | None = None
    _server_db(parts, "create", name)
    try:
        # collectstatic needs no database: it runs while the database is migrated and seeded.
        with (work / "static.log").open("wb") as out:
            static = subprocess.Popen(
                [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=out,
            )
        _run(env, "-c", SETUP_SCRIPT, log=log)
        if static.wait():
            pytest.fail(f"collectstatic failed:\n{(work / 'static.log').read_text()[-4000:]}")
        command = [GUNICORN, "itam.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"]
        command += ["--timeout", "60", "--graceful-timeout", "5", "--error-logfile", str(log)]
        if (
            "--no-control-socket"
            in subprocess.run(
                [GUNICORN, "--help"], capture_output=True, text=True, check=False
            ).stdout
        ):
            command.append("--no-control-socket")
        with log.open("ab") as out:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
            )
        _wait_until_up(url, process, log)
        yield Server(url=url, mail_dir=mail_dir, shots=shots)
    finally:
        if process is not None:
            _stop(process)
        _server_db(parts, "drop", name)
        if not os.environ.get("ITAM_E2E_KEEP"):
            shutil.rmtree(mail_dir, ignore_errors=True)


@pytest.fixture(scope="package")
def e2e_browser(e2e_server: Server) -> Iterator[Any]:
    """One headless Chromium for the package (launching one costs about a second)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread, which Django would take for async
    # code; this process never touches the database here (the server does), so that is safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_or_skip(), args=CHROMIUM_ARGS
            )
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Visit:
    """Opens pages for one test: each ``as_`` is a new context (cookies) on a viewport."""

    def __init__(self, browser: Any, server: Server) -> None:
        self.browser = browser
        self.server = server
        self.contexts: list[Any] = []
        self.problems: list[str] = []
        self.expected: set[tuple[str, int]] = set()

    def page(self, kind: str = "desktop") -> Any:
        """A blank page in a fresh context; console errors are collected to fail the test."""
        options = dict(VIEWPORTS[kind]) if kind in VIEWPORTS else {}
        if kind == "iphone":
            options = {
                "viewport": {"width": 390, "height": 844},
                "is_mobile": True,
                "has_touch": True,
                "device_scale_factor": 2,
            }
        context = self.browser.new_context(base_url=self.server.url, **options)
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        tab = context.new_page()
        tab.on("console", lambda m: self._console(m, tab))
        tab.on("pageerror", lambda error: self.problems.append(str(error)))
        return tab

    def _console(self, message: Any, tab: Any) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        found = re.search(r"responded with a status of (\d{3})", message.text)
        if found and (url, int(found.group(1))) in self.expected:
            return
        self.problems.append(f"{message.text} ({url} on {tab.url})")

    def expect_status(self, path: str, status: int) -> None:
        """Let the page at ``path`` answer ``status``: a form sent back with its errors is a 400
        by design, and Chromium logs any 4xx page as a console error, which fails the test."""
        self.expected.add((self.server.url + path, status))

    def as_(self, username: str, kind: str = "desktop", password: str = DEMO_PASSWORD) -> Any:
        """A page signed in as ``username`` through the sign-in form, as a person would."""
        tab = self.page(kind)
        sign_in(tab, username, password)
        return tab

    def shot(self, tab: Any, name: str, *, full_page: bool = False) -> Path:
        path = self.server.shots / f"{name}.png"
        tab.screenshot(path=str(path), full_page=full_page)
        return path

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def sign_in(tab: Any, username: str, password: str = DEMO_PASSWORD) -> None:
    tab.goto("/accounts/login/")
    tab.get_by_label("Username").fill(username)
    tab.get_by_label("Password").fill(password)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture
def visit(e2e_browser: Any, e2e_server: Server) -> Iterator[Visit]:
    """Pages for this test; it fails if any page logged a console error (e.g. a CSP refusal)."""
    visits = Visit(e2e_browser, e2e_server)
    try:
        yield visits
        assert not visits.problems, visits.problems
    finally:
        visits.close()
