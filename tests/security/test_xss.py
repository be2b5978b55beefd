"""Stored XSS: a script payload in every free-text field, then every page that can show it.

The world is built with the payload appended to every text a person types (names, notes,
justifications, reasons, titles...), through the real services, so history rows carry it as old
and new values too. Every HTML page, for every role, must show it escaped and never raw.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from tests.security.conftest import PAYLOAD, build_world
from tests.security.routes import object_urls, plain_urls

pytestmark = pytest.mark.django_db

RAW = ("<script>alert(1)", "<img src=x")
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

# Pages that are not HTML: files people download, opened outside the browser's page context.
NOT_HTML = (".csv", ".pdf", ".ics", ".css", ".svg", ".png", "certificate")

# Pages that must show the payload (escaped): the field is on them.
SHOWN_ON = {
    "assets:detail",
    "requests_app:detail",
    "requests_app:detail (decided)",
    "maintenance:detail",
    "maintenance:license",
    "maintenance:plan",
    "audits:detail",
    "audits:detail (closed)",
    "people:detail",
    "places:location",
    "places:department",
    "requests_app:order-detail",
    "assets:list",
    "dashboard",
    "inbox",
}


# Not typed by people, or checked by shape before they are stored (never shown as typed).
NOT_TYPED = {
    "auth.User.password",
    "auth.User.username",  # letters, digits and @.+-_ only
    "auth.User.email",
    "auth.Permission.name",
    "auth.Permission.codename",
    "auth.Group.name",
    "assets.TagSequence.prefix",
    "assets.ImportMapping.column",
    "assets.ImportMapping.field",
    "itam.Reminder.kind",
    "itam.Notification.kind",
    "itam.Notification.url",
}


def _not_typed(model, name: str) -> bool:
    label = f"{model._meta.label}.{name}"
    return (
        label in NOT_TYPED
        or name in {"history_action", "history_from_status", "certificate_file"}
        or name.endswith("content_type")
        # too narrow to hold a tag at all (a currency code): PostgreSQL refuses the payload
        or (model._meta.get_field(name).max_length or 1000) < 40
    )


@pytest.fixture
def poisoned():
    """The world through the services, then the payload in any text field they left out."""
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    from itam.models import Notification

    world = build_world(PAYLOAD)
    Notification.objects.create(
        recipient=world.it, kind="test", subject=f"Hello{PAYLOAD}", body=PAYLOAD, url="/inbox/"
    )
    for model, name in free_text_fields():
        if _not_typed(model, name):
            continue
        rows = model._default_manager.exclude(**{f"{name}__contains": "<script>"})
        width = model._meta.get_field(name).max_length or len(PAYLOAD)
        # the row's key at the end keeps unique names unique
        rows.update(**{name: Concat(Value(PAYLOAD[: width - 12]), Cast("pk", CharField()))})
    return world


def _url(name: str, obj) -> str:
    return reverse(name, args=[obj.pk])


def html_pages(world) -> list[tuple[str, str]]:
    pages = [(route.name, url) for route, url in plain_urls() if not route.api]
    pages += [(route.name, url) for route, url in object_urls(world) if not route.api]
    # The routes take the open audit and the pending request; a closed audit shows its frozen
    # lines (codes, refusals) and a decided request its approvers' reasons.
    pages += [
        ("audits:detail (closed)", _url("audits:detail", world.extra["closed_audit"])),
        (
            "requests_app:detail (decided)",
            _url("requests_app:detail", world.extra["decided_request"]),
        ),
    ]
    return [(name, url) for name, url in pages if not url.endswith(NOT_HTML)]


@pytest.mark.parametrize("role", ["it", "amy", "auditor", "sales_manager"])
def test_the_payload_is_escaped_on_every_page_that_shows_it(poisoned, role):
    client = Client()
    client.force_login(getattr(poisoned, role))
    raw, shown = [], set()
    for name, url in html_pages(poisoned):
        response = client.get(url, {"q": PAYLOAD, "search": PAYLOAD})
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        page = response.content.decode()
        if any(marker in page for marker in RAW):
            raw.append((name, url))
        if ESCAPED in page:
            shown.add(name)
    assert not raw, raw
    if role == "it":  # IT staff see every page: the payload was really on them, escaped
        assert shown >= SHOWN_ON, SHOWN_ON - shown


def test_a_javascript_link_in_a_website_field_is_not_a_live_link(client, world):
    from assets.models import Manufacturer, Vendor

    Vendor.objects.update(website="javascript:alert(1)")
    Manufacturer.objects.update(website="javascript:alert(1)")
    client.force_login(world.it)
    for name, url in html_pages(world):
        response = client.get(url)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            assert 'href="javascript:' not in response.content.decode(), name


def free_text_fields() -> list[tuple[type, str]]:
    """Every CharField and TextField people can type into, in our apps (history tables too)."""
    from django.apps import apps
    from django.db import models

    fields = []
    for label in ("assets", "maintenance", "audits", "requests_app", "itam", "auth"):
        for model in apps.get_app_config(label).get_models():
            for f in model._meta.get_fields():
                text = isinstance(f, models.CharField | models.TextField)
                if text and not f.choices and f.editable and not isinstance(f, models.SlugField):
                    fields.append((model, f.name))
    return fields


def test_the_world_puts_the_payload_in_every_free_text_field(poisoned):
    """So a new text field without a payload in the XSS world is noticed, not silently skipped."""
    missing = sorted(
        f"{model._meta.label}.{name}"
        for model, name in free_text_fields()
        if not _not_typed(model, name)
        and not model._default_manager.filter(**{f"{name}__contains": "<"}).exists()
    )
    assert not missing, missing


def test_audit_lines_renewals_and_decisions_show_their_own_text_escaped(poisoned):
    """The texts only these rows carry are on their pages, escaped and never raw: a closed
    audit's unknown code and refused action, a licence renewal's note, an approver's reason."""
    from audits.models import AuditLine
    from maintenance.models import LicenseRenewal
    from requests_app.models import Approval

    audit, decided = poisoned.extra["closed_audit"], poisoned.extra["decided_request"]
    unknown = AuditLine.objects.get(session=audit, asset__isnull=True)
    refused = AuditLine.objects.get(session=audit, asset__isnull=False)
    shown_on = {
        _url("audits:detail", audit): [unknown.code, refused.refusal],
        _url("maintenance:license", poisoned.license): [
            LicenseRenewal.objects.get(license=poisoned.license).note
        ],
        _url("requests_app:detail", decided): [Approval.objects.get(request=decided).reason],
    }
    client = Client()
    client.force_login(poisoned.it)
    for url, texts in shown_on.items():
        page = client.get(url).content.decode()
        for text in texts:
            assert "<" in text and escape(text) in page, (url, text)
            assert text not in page, (url, text)
