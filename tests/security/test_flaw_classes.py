"""More classes of flaw peers have shipped: state changed by a GET, a session that outlives its
user's deactivation, Host headers in links, uploads that carry script, and guessing passwords."""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
import zxingcpp
from django.apps import apps
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assets.choices import AssetStatus
from assets.models import Asset, DisposalRecord, ImportJob, WipeRecord
from audits.models import AuditScan
from itam.accounts import sign_in_link
from itam.reminders import JOBS, run_job
from tests.factories import PASSWORD, CategoryFactory, LocationFactory, make_asset, make_user
from tests.security.routes import SKIPPED, kwargs_for, routes

pytestmark = pytest.mark.django_db

# Tables a GET may write: the session and sign-in bookkeeping, not the organisation's data.
BOOKKEEPING = {"sessions", "axes", "admin", "contenttypes"}


def database() -> dict[str, list[tuple]]:
    """Every row of every table of the app's data, in full, by model."""
    rows = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in BOOKKEEPING or model._meta.proxy:
            continue
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "last_login"]
        rows[model._meta.label] = list(model.objects.order_by("pk").values_list(*fields))
    return rows


def changes(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after[label]]


def every_url(world) -> list[tuple[str, str]]:
    found = []
    for route in routes():
        if route.name in SKIPPED:
            continue
        found.append((route.name, reverse(route.name, kwargs=kwargs_for(route, world))))
    return found


# --- 1. state changes over GET -------------------------------------------------------------------


def test_a_get_of_any_url_changes_nothing(world):
    """A GET (a link, a prefetch, an <img>) changes nothing, whoever sends it: IT staff, who may do
    the most; the auditor, who scans; Amy, who holds the laptop (accept, confirm receipt); her
    manager, who approves. The short link /t/<tag> is among the URLs: without the headers of a
    tag opened by a phone's camera (tests/test_web_audits.py) it records no scan."""
    urls = every_url(world)
    before = database()
    for user in (world.it, world.auditor, world.amy, world.sales_manager):
        client, api = Client(), APIClient()
        client.force_login(user)
        api.force_authenticate(user)
        for name, url in urls:
            response = (api if url.startswith("/api/") else client).get(url)
            assert response.status_code < 500, (user.username, name, url, response.status_code)
        assert changes(before, database()) == [], user.username


def test_the_sweep_would_see_a_change(world, client):
    """The snapshot is not blind: the one documented GET that writes (a scan opened by a phone's
    camera inside an audit) shows up in it."""
    client.force_login(world.auditor)
    fresh = make_asset("in_stock", name="Unscanned", location=world.site)
    client.get(reverse("audits:scan", args=[world.audit.pk]))  # the phone is in scan mode
    before = database()
    opened = {"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
    client.get(reverse("short-link", args=[fresh.tag]), headers=opened)
    assert AuditScan.objects.filter(asset=fresh).exists()
    assert "audits.AuditScan" in changes(before, database())


# --- 2. a deactivated person -----------------------------------------------------------------


def test_a_signed_in_session_ends_on_the_next_request_after_deactivation(client):
    person = make_user("employee", username="leaver")
    assert (
        client.post(reverse("login"), {"username": "leaver", "password": PASSWORD}).status_code
        == 302
    )
    assert client.get("/").status_code == 200

    person.is_active = False
    person.save(update_fields=["is_active"])

    home = client.get("/")
    assert home.status_code == 302 and home["Location"].startswith(reverse("login"))
    assert client.get("/api/v1/assets/").status_code in (401, 403)


def test_an_api_token_is_refused_after_deactivation():
    person = make_user("it", username="script-owner")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=person).key}")
    assert api.get("/api/v1/assets/").status_code == 200

    person.is_active = False
    person.save(update_fields=["is_active"])

    assert api.get("/api/v1/assets/").status_code == 401
    assert not Token.objects.filter(user=person).exists()  # deleted, not only refused


def _signed_in(username: str) -> tuple[Client, APIClient, str]:
    """A browser signed in through the sign-in form, and a script with the API token it got."""
    credentials = {"username": username, "password": PASSWORD}
    browser = Client()
    assert browser.post(reverse("login"), credentials).status_code == 302
    assert browser.get("/").status_code == 200
    script = APIClient()
    key = script.post("/api/v1/auth/token/", credentials).json()["token"]
    script.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert script.get("/api/v1/people/").status_code == 200
    return browser, script, key


def _by_offboarding(person, it) -> None:
    from assets.offboarding import offboard

    offboard(person, actor=it, location=LocationFactory(), reason="Left", deactivate=True)


def _by_the_offboarding_api(person, it) -> None:
    api = APIClient()
    api.force_authenticate(it)
    answer = api.post(
        f"/api/v1/people/{person.username}/offboard/",
        {"location": LocationFactory().pk, "reason": "Left", "deactivate": True},
        format="json",
    )
    assert answer.status_code == 200 and answer.json()["deactivated"], answer.content


def _by_saving_the_account(person, it) -> None:
    """What the admin's user page does with the "Active" box unticked."""
    person.is_active = False
    person.save()


def _by_the_people_importer(person, it) -> None:
    from assets.importer.people import import_people

    report = import_people(f"Username,Active\n{person.username},no\n".encode(), actor=it)
    assert report.applied and not report.errors, report.errors


@pytest.mark.parametrize(
    "deactivate",
    [_by_offboarding, _by_the_offboarding_api, _by_saving_the_account, _by_the_people_importer],
    ids=["offboarding", "offboarding-api", "admin-save", "importer"],
)
def test_deactivation_ends_sessions_and_tokens_for_good_even_after_reactivation(deactivate):
    """Refusing an inactive account is not enough: a cookie, token or sign-in link from before the
    deactivation must not work again when the account is reactivated. Only the leaver is signed
    out."""
    it = make_user("it", username="it-staff")
    person = make_user("it", username="leaver")  # IT staff, so the token reads the people list
    make_user("it", username="stayer")
    browser, script, old_key = _signed_in("leaver")
    stayer_browser, stayer_script, _ = _signed_in("stayer")
    person.refresh_from_db()  # signed in: the link's token covers the last sign-in
    old_link = urlsplit(sign_in_link(person)).path  # a welcome or reset e-mail, still unused
    assert Client().get(old_link).status_code == 302  # valid: on to choosing a password

    deactivate(person, it)
    person.refresh_from_db()
    assert not person.is_active
    person.is_active = True  # back, e.g. a contractor's new contract
    person.save()

    home = browser.get("/")
    assert home.status_code == 302 and home["Location"].startswith(reverse("login"))
    assert script.get("/api/v1/people/").status_code == 401
    assert Client().get(old_link).context["validlink"] is False
    assert Client().get(urlsplit(sign_in_link(person)).path).status_code == 302  # a new one works
    assert _signed_in("leaver")[2] != old_key  # signing in again works, with a new token
    assert stayer_browser.get("/").status_code == 200
    assert stayer_script.get("/api/v1/people/").status_code == 200


def test_saving_an_active_account_keeps_its_sessions_and_token():
    """Only deactivation ends sign-ins: a rename, or the last-login stamp, does not."""
    person = make_user("it", username="keeper")
    browser, script, _ = _signed_in("keeper")
    person.first_name = "Renamed"
    person.save()
    person.refresh_from_db()
    person.is_active = False
    person.save(update_fields=["first_name"])  # is_active not written: nothing changes
    assert browser.get("/").status_code == 200
    assert script.get("/api/v1/people/").status_code == 200


def test_an_import_that_switches_off_many_accounts_reads_the_sessions_once(monkeypatch):
    """One pass over the live sessions for the whole file, after its rows are written; a row
    the import did not apply signs nobody out."""
    from assets.importer.people import import_people
    from itam import sessions

    it = make_user("it", username="it-staff")
    leavers = [make_user("it", username=f"leaver{n}") for n in range(3)]
    signed_in = {person.username: _signed_in(person.username) for person in leavers}
    passes = []
    real = sessions.end_sessions_of
    monkeypatch.setattr(
        sessions, "end_sessions_of", lambda ids: passes.append(set(ids)) or real(ids)
    )

    rows = "".join(f"{person.username},no\n" for person in leavers[:2])
    report = import_people(f"Username,Active\n{rows}".encode(), actor=it)
    assert report.applied and not report.errors, report.errors

    assert passes == [{leavers[0].pk, leavers[1].pk}]
    for person in leavers[:2]:
        assert signed_in[person.username][0].get("/").status_code == 302
        assert signed_in[person.username][1].get("/api/v1/people/").status_code == 401
    assert signed_in["leaver2"][0].get("/").status_code == 200


def test_a_deactivation_rolled_back_inside_a_batch_signs_nobody_out():
    from django.db import transaction

    from itam.sessions import ending_sessions_together

    person = make_user("it", username="nearly-leaver")
    browser, script, _ = _signed_in("nearly-leaver")
    with ending_sessions_together(), transaction.atomic():
        person.is_active = False
        person.save()  # noted...
        transaction.set_rollback(True)  # ...but the import's rows are undone
    assert browser.get("/").status_code == 200
    assert script.get("/api/v1/people/").status_code == 200


# --- 3. a forged Host header never reaches a link --------------------------------------------

BASE = "https://itam.example.com"


@pytest.fixture
def forged_host(settings):
    settings.ITAM_BASE_URL = BASE
    settings.ALLOWED_HOSTS = ["*"]  # the worst case: a server that accepts any Host


def test_reminder_emails_link_to_the_base_url_whatever_host_a_request_carried(
    world, client, forged_host, django_capture_on_commit_callbacks
):
    import datetime

    from django.utils import timezone

    from maintenance import licenses

    today = timezone.localdate()
    licenses.create_license(
        actor=world.it, product="Visio", seats=1, expires_on=today + datetime.timedelta(days=5)
    )
    make_asset("in_stock", name="Warranty", warranty_end=today + datetime.timedelta(days=3))
    make_asset("in_stock", name="Count me", next_audit_date=today - datetime.timedelta(days=1))
    # a request through the forged host in the same process first (nothing may remember it)
    client.force_login(world.it)
    assert client.get("/", HTTP_HOST="evil.example").status_code == 200
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        for name in JOBS:
            run_job(name, today)

    subjects = [m.subject for m in mail.outbox]
    assert any("Licence" in s for s in subjects), subjects
    assert any("Warrant" in s for s in subjects), subjects
    assert any("Audit" in s for s in subjects), subjects
    for message in mail.outbox:
        assert "evil.example" not in message.body
        assert BASE in message.body, message.body


def test_qr_codes_and_the_tag_sheet_hold_the_base_url_not_the_host(world, client, forged_host):
    client.force_login(world.it)
    tag = world.laptop.tag
    png = client.get(reverse("assets:qr", args=[tag, "png"]), HTTP_HOST="evil.example")
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))]
    assert decoded == [f"{BASE}/t/{tag}"]
    svg = client.get(reverse("assets:qr", args=[tag, "svg"]), HTTP_HOST="evil.example")
    assert f"{BASE}/t/{tag}" in svg.content.decode()
    pages = [
        client.get(reverse("assets:detail", args=[tag]), HTTP_HOST="evil.example"),
        client.get(
            reverse("audits:tag-sheet-print"),
            {"template": "avery-5160", "tags": tag, "start": 1},
            HTTP_HOST="evil.example",
        ),
    ]
    for page in [png, svg, *pages]:
        assert page.status_code == 200
        assert b"evil.example" not in page.content
    # the sheet's labels draw the very code that decodes to the base URL above
    drawn = re.search(r'<path[^>]* d="([^"]+)"', svg.content.decode()).group(1)
    assert drawn in pages[1].content.decode()


# --- 4. uploads that carry script ------------------------------------------------------------

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!doctype html><html><script>alert(1)</script></html>"
BAD_FILES = [
    (SVG, "cert.svg", "image/svg+xml"),
    (HTML, "cert.html", "text/html"),
    (HTML, "cert.pdf", "application/pdf"),  # named and labelled a PDF, bytes of a web page
]


@pytest.fixture
def it_staff():
    """Two members of IT staff (a wipe needs a second to verify it), without the whole world."""
    make_user("it", username="vera")
    return make_user("it", username="ian")


def retired(holds_data: bool):
    slug = "data-kit" if holds_data else "plain-kit"
    return make_asset("retired", category=CategoryFactory(slug=slug, holds_data=holds_data))


@pytest.mark.parametrize("api", [False, True], ids=["web", "api"])
@pytest.mark.parametrize("move", ["wipe", "dispose"])
@pytest.mark.parametrize(("content", "name", "content_type"), BAD_FILES)
def test_a_certificate_that_is_not_a_pdf_or_image_is_refused(
    it_staff, api, move, content, name, content_type
):
    asset = retired(holds_data=move == "wipe")
    form = {
        "wipe": {"method": "purge", "performed_by": "ian", "verified_by": "vera"},
        "dispose": {"method": "recycle"},
    }[move]
    form["certificate_file"] = SimpleUploadedFile(name, content, content_type=content_type)
    if api:
        client = APIClient()
        client.force_authenticate(it_staff)
        response = client.post(f"/api/v1/assets/{asset.tag}/{move}/", form, format="multipart")
        text = str(response.json())
    else:
        client = Client()
        client.force_login(it_staff)
        response = client.post(f"/assets/{asset.tag}/{move}/", form)
        text = response.content.decode()
    assert response.status_code == 400
    assert "PDF, PNG or JPEG" in text
    assert Asset.objects.get(pk=asset.pk).status == AssetStatus.RETIRED
    assert not WipeRecord.objects.filter(asset=asset).exists()
    assert not DisposalRecord.objects.filter(asset=asset).exists()


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.mark.parametrize("api", [False, True], ids=["web", "api"])
def test_a_csv_import_refuses_a_picture_named_csv(it_staff, api):
    """Found here: the API read a PNG as cp1252 and answered that no column was known."""
    before = ImportJob.objects.count()
    upload = SimpleUploadedFile("assets.csv", PNG, content_type="text/csv")
    if api:
        client = APIClient()
        client.force_authenticate(it_staff)
        response = client.post("/api/v1/imports/assets/", {"file": upload}, format="multipart")
        text = str(response.json())
    else:
        client = Client()
        client.force_login(it_staff)
        response = client.post("/imports/assets/", {"file": upload, "create": "on"})
        text = response.content.decode()
    assert response.status_code == 400
    assert "not a CSV file" in text
    assert ImportJob.objects.count() == before


# --- 5. guessing a password through the sign-in form -----------------------------------------


def test_the_sign_in_form_pauses_an_account_after_too_many_wrong_passwords(settings):
    guessed = make_user("employee", username="guessed")
    other = make_user("employee", username="bystander")
    attacker = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        wrong = attacker.post(reverse("login"), {"username": "guessed", "password": "nope"})
        assert wrong.status_code == 200
        assert "_auth_user_id" not in attacker.session

    last = attacker.post(reverse("login"), {"username": "guessed", "password": "nope"})
    assert last.status_code == 429  # the limit is reached: paused from now on

    # the right password is now refused too, with a page that says to wait or ask IT
    locked = attacker.post(reverse("login"), {"username": "guessed", "password": PASSWORD})
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Sign-in is paused" in page
    assert "Wait, then try again" in page and "tell IT staff" in page
    assert "_auth_user_id" not in attacker.session
    assert Client().get("/").status_code == 302  # and nothing signed anyone in

    # another person signing in from the same address is not locked out
    bystander = Client()
    ok = bystander.post(reverse("login"), {"username": other.username, "password": PASSWORD})
    assert ok.status_code == 302
    assert bystander.session["_auth_user_id"] == str(other.pk)
    assert guessed.is_active
