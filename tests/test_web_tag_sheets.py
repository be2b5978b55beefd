"""Tag-sheet pages and QR downloads over HTTP: who may use them, what bad input answers, token
auth for scripts, and that what is downloaded decodes to the asset's short link."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
import zxingcpp
from django.urls import reverse
from PIL import Image
from rest_framework.authtoken.models import Token

from .factories import CategoryFactory, LocationFactory, make_asset, make_user

pytestmark = pytest.mark.django_db

BASE_URL = "https://itam.example.com"
FORM = "/audits/tag-sheet/"
PRINT = "/audits/tag-sheet/print/"
PDF = "/audits/tag-sheet.pdf"
TOLERANCE = 0.5  # mm


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.ITAM_BASE_URL = BASE_URL


@pytest.fixture
def assets():
    return [make_asset(name=f"Laptop {n}") for n in range(3)]


@pytest.fixture
def tags(assets):
    return ",".join(asset.tag for asset in assets)


def client_for(client, role: str):
    client.force_login(make_user(role))
    return client


def decode_png(data: bytes) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))]


# --- who may print ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["auditor", "it"])
def test_auditors_and_it_staff_get_the_form_the_print_page_and_the_pdf(client, role, tags):
    client_for(client, role)
    assert client.get(FORM).status_code == 200
    query = f"?template=avery-5160&tags={tags}&start=1"
    page = client.get(PRINT + query)
    assert page.status_code == 200
    assert page.content.decode().count('<svg xmlns="http://www.w3.org/2000/svg" class="label') == 3
    pdf = client.get(PDF + query)
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


@pytest.mark.parametrize("role", ["employee", "manager"])
def test_employees_and_managers_may_not(client, role, tags):
    client_for(client, role)
    query = f"?template=avery-5160&tags={tags}"
    for url in (FORM, FORM + query, PRINT + query, PDF + query):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"print tag sheets" in response.content


def test_signed_out_people_are_sent_to_sign_in(client, tags):
    for url in (FORM, PRINT + f"?tags={tags}", PDF + f"?tags={tags}"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# --- the PDF for scripts --------------------------------------------------------------------------


def test_the_pdf_accepts_an_api_token(client, tags):
    # Given an auditor's API token and no session
    token = Token.objects.create(user=make_user("auditor"))
    # When a script asks with it
    response = client.get(
        f"{PDF}?template=avery-l7160&tags={tags}&start=2",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    # Then it gets the PDF inline, named after the template and the day
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('inline; filename="tag-sheet-avery-l7160-')
    assert response["Content-Disposition"].endswith('.pdf"')


def test_a_bad_token_is_401_and_a_token_without_the_permission_is_403(client, tags):
    bad = client.get(f"{PDF}?tags={tags}", HTTP_AUTHORIZATION="Token not-a-real-key")
    assert bad.status_code == 401
    assert bad["WWW-Authenticate"] == "Token"
    assert not bad.content.startswith(b"%PDF")
    other_scheme = client.get(f"{PDF}?tags={tags}", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert other_scheme.status_code == 401
    employee = Token.objects.create(user=make_user("employee"))
    refused = client.get(f"{PDF}?tags={tags}", HTTP_AUTHORIZATION=f"Token {employee.key}")
    assert refused.status_code == 403


def test_a_script_posts_a_long_tag_list_with_its_token_and_no_csrf_cookie(tags):
    from django.test import Client

    token = Token.objects.create(user=make_user("auditor"))
    strict = Client(enforce_csrf_checks=True)  # a script: no session, no CSRF cookie
    response = strict.post(
        PDF, {"template": "avery-5160", "tags": tags}, HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_a_token_opens_only_the_pdf(client, tags):
    token = Token.objects.create(user=make_user("auditor"))
    response = client.get(f"{PRINT}?tags={tags}", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 302  # pages want a session


# --- bad input ------------------------------------------------------------------------------------


def test_bad_input_is_a_400_that_says_what_to_fix(client, assets, tags):
    client_for(client, "auditor")
    cases = [
        (f"?template=avery-1&tags={tags}", "Unknown label template “avery-1”: use one of "),
        (f"?template=avery-5163&tags={tags}&start=11", "from 1 to 10"),
        ("?template=avery-5160&tags=IT-999999,FOO", "Not in the register: IT-999999, FOO"),
        ("?template=avery-5160", "No assets selected"),
    ]
    for query, message in cases:
        for url in (FORM, PRINT):
            response = client.get(url + query)
            assert response.status_code == 400, (url, query)
            assert message in response.content.decode(), (url, query)
        pdf = client.get(PDF + query)
        assert pdf.status_code == 400
        assert pdf["Content-Type"] == "text/plain; charset=utf-8"
        assert message in pdf.content.decode()
    # Someone at the form (a browser asks for HTML) gets the form back with the message
    page = client.get(PDF + cases[2][0], HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert page.status_code == 400
    assert "text/html" in page["Content-Type"]
    assert "Not in the register: IT-999999, FOO" in page.content.decode()


def test_more_than_five_thousand_labels_are_refused(client, monkeypatch):
    from audits import tagsheets

    monkeypatch.setattr(tagsheets, "MAX_LABELS", 2)
    room = LocationFactory(name="Store")
    for _ in range(3):
        make_asset(location=room)
    client_for(client, "it")
    response = client.get(f"{PDF}?location={room.pk}")
    assert response.status_code == 400
    assert "That is 3 labels; one sheet run prints at most 2. Narrow the selection" in (
        response.content.decode()
    )


# --- long lists: the form posts ------------------------------------------------------------------


def test_a_long_pasted_list_is_posted_and_carried_to_the_pdf(client):
    # Given 400 assets whose tags, pasted one a line, would make a URL longer than 4 KB
    assets = [make_asset(name=f"Chair {n}") for n in range(400)]
    pasted = "\n".join(asset.tag for asset in reversed(assets))
    assert len(f"{PRINT}?{urlencode({'tags': pasted})}") > 4096
    client_for(client, "auditor")
    # When the form posts them, the preview counts them
    preview = client.post(FORM, {"template": "avery-l7651", "tags": pasted, "start": "1"})
    assert preview.status_code == 200
    assert "400 labels on 7 sheets" in preview.content.decode()
    # And the print page carries them on to its PDF and Back buttons, comma-separated
    page = client.post(PRINT, {"template": "avery-l7651", "tags": pasted, "start": "1"})
    body = page.content.decode()
    assert page.status_code == 200
    assert body.count("label--empty") == 7 * 65 - 400
    carried = ",".join(asset.tag for asset in reversed(assets))
    assert body.count(f'<input type="hidden" name="tags" value="{carried}">') == 2
    pdf = client.post(PDF, {"template": "avery-l7651", "tags": carried, "start": "1"})
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"


def test_posts_need_the_csrf_token(tags):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(make_user("auditor"))
    for url in (FORM, PRINT, PDF):
        assert strict.post(url, {"tags": tags}).status_code == 403


# --- the form and the print page ----------------------------------------------------------------


def test_the_form_lists_the_templates_with_their_label_counts(client):
    client_for(client, "auditor")
    body = client.get(FORM).content.decode()
    assert "Avery 5160: 30 labels of 66.7 × 25.4 mm on US Letter" in body
    assert "Avery L7651: 65 labels of 38.1 × 21.2 mm on A4" in body
    assert "Thermal 62 × 29 mm: one 62 × 29 mm label a page" in body


def test_the_form_previews_the_count_and_carries_the_register_filters(client):
    laptops = CategoryFactory(name="Laptops", slug="laptops")
    for _ in range(31):
        make_asset("deployed", category=laptops)
    make_asset("in_stock", category=laptops)
    client_for(client, "auditor")
    response = client.get(f"{FORM}?status=deployed&category=laptops&template=avery-5160&start=1")
    body = response.content.decode()
    assert response.status_code == 200
    assert "31 labels on 2 sheets" in body
    assert "Status: Deployed" in body and "Category: Laptops" in body
    assert '<input type="hidden" name="status" value="deployed">' in body
    assert '<input type="hidden" name="category" value="laptops">' in body


def test_start_position_skips_cells_on_the_print_page(client, tags):
    client_for(client, "auditor")
    response = client.get(f"{PRINT}?template=avery-5160&tags={tags}&start=5")
    body = response.content.decode()
    assert body.count('class="label cell-') == 30
    assert body.count("label--empty") == 27  # 4 skipped, 23 left after the 3 labels
    assert '<div class="label cell-4"><svg' in body
    css_url = reverse("audits:tag-sheet-css", args=["avery-5160"])
    assert f'href="{css_url}?v=' in body
    assert "style=" not in body  # the CSP forbids inline styles


def test_the_template_stylesheet_needs_no_session_and_is_the_geometry(client):
    response = client.get("/audits/tag-sheet/avery-l7160.css")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert "@page { size: 210mm 297mm; margin: 0; }" in response.content.decode()
    assert client.get("/audits/tag-sheet/avery-0000.css").status_code == 404


def test_the_register_links_its_filters_to_the_form_for_those_who_print(client):
    client_for(client, "auditor")
    body = client.get("/assets/?status=deployed&page=2&q=dell").content.decode()
    assert 'href="/audits/tag-sheet/?status=deployed&amp;q=dell">Print tags</a>' in body
    client.logout()
    client_for(client, "manager")
    assert "Print tags" not in client.get("/assets/").content.decode()


# --- the asset's own QR code ----------------------------------------------------------------------


def test_qr_downloads_decode_to_the_assets_short_link(client):
    asset = make_asset()
    client_for(client, "auditor")
    png = client.get(f"/assets/{asset.tag}/qr.png")
    assert png.status_code == 200
    assert png["Content-Type"] == "image/png"
    assert png["Content-Disposition"] == f'attachment; filename="{asset.tag}-qr.png"'
    assert decode_png(png.content) == [f"{BASE_URL}/t/{asset.tag}"]

    svg = client.get(f"/assets/{asset.tag}/qr.svg")
    assert svg.status_code == 200
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg["Content-Disposition"] == f'attachment; filename="{asset.tag}-qr.svg"'
    root = ET.fromstring(svg.content)
    assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) == 1
    assert b"<script" not in svg.content


def test_the_code_never_takes_the_host_from_the_request(client, settings):
    settings.ALLOWED_HOSTS = ["*"]
    asset = make_asset()
    client_for(client, "it")
    png = client.get(f"/assets/{asset.tag}/qr.png", HTTP_HOST="evil.example")
    assert decode_png(png.content) == [f"{BASE_URL}/t/{asset.tag}"]


def test_an_employee_gets_their_own_code_and_a_404_for_anyone_elses(client):
    employee = make_user("employee")
    mine = make_asset("deployed", holder=employee)
    theirs = make_asset("deployed", holder=make_user("employee"))
    client.force_login(employee)
    assert client.get(f"/assets/{mine.tag}/qr.png").status_code == 200
    assert client.get(f"/assets/{theirs.tag}/qr.png").status_code == 404
    assert client.get(f"/assets/{theirs.tag}/qr.svg").status_code == 404
    assert client.get("/assets/IT-999999/qr.svg").status_code == 404
    assert client.get(f"/assets/{mine.tag}/qr.gif").status_code == 404


def test_the_asset_page_shows_the_code_and_its_links(client):
    employee = make_user("employee")
    asset = make_asset("deployed", holder=employee)
    client.force_login(employee)
    body = client.get(f"/assets/{asset.tag}/").content.decode()
    assert f"{BASE_URL}/t/{asset.tag}" in body
    assert f'href="/assets/{asset.tag}/qr.png"' in body
    assert f'href="/assets/{asset.tag}/qr.svg"' in body
    assert "<svg" in body and "Print tag" not in body  # employees do not print sheets
    client.logout()
    client_for(client, "auditor")
    body = client.get(f"/assets/{asset.tag}/").content.decode()
    assert f'href="/audits/tag-sheet/?tags={asset.tag}">Print tag</a>' in body


# --- the print page, printed by a browser ---------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("page", ["desktop"], indirect=True)
def test_the_print_page_prints_the_same_sheet_as_the_pdf(live_server, page, settings):
    """Chromium prints the page at the template's paper size, every code decodes, and each
    sits in its cell exactly where the PDF puts it (the print page and PDF share one layout).
    The shared ``page`` fixture fails the test on any console error (a script the CSP blocked).
    """
    import pdfplumber

    from audits.labels import TEMPLATES, label_content, layout_for
    from tests.browser import sign_in

    settings.ITAM_BASE_URL = BASE_URL
    assets = [make_asset(name=f"Monitor {n}") for n in range(5)]
    make_user("auditor", username="printer")
    sign_in(page, live_server, "printer")
    query = "?template=avery-l7160&start=3&tags=" + ",".join(a.tag for a in assets)
    response = page.goto(live_server.url + PRINT + query)
    assert response.status == 200
    assert page.locator("[data-print]").is_visible()  # the script ran under the CSP
    printed = page.pdf(prefer_css_page_size=True)
    template = TEMPLATES["avery-l7160"]
    layout = layout_for(template)
    with pdfplumber.open(io.BytesIO(printed)) as pdf:
        assert len(pdf.pages) == 1
        sheet = pdf.pages[0]
        assert sheet.width * 25.4 / 72 == pytest.approx(210, abs=0.5)
        assert sheet.height * 25.4 / 72 == pytest.approx(297, abs=0.5)
        results = zxingcpp.read_barcodes(sheet.to_image(resolution=300).original)
    found = {}
    for result in results:
        corners = (result.position.top_left, result.position.bottom_right)
        found[result.text] = tuple(c * 25.4 / 300 for p in corners for c in (p.x, p.y))
    assert sorted(found) == sorted(f"{BASE_URL}/t/{a.tag}" for a in assets)
    for index, asset in enumerate(assets):
        left, top = template.cell_origin(2 + index)
        url = f"{BASE_URL}/t/{asset.tag}"
        content = label_content(layout, tag=asset.tag, name=asset.name, url=url)
        x0, y0, x1, y1 = found[url]
        # The decoder's corners are the symbol's outer corners: the same half millimetre
        assert x0 == pytest.approx(left + content.symbol.x, abs=TOLERANCE)
        assert y0 == pytest.approx(top + content.symbol.y, abs=TOLERANCE)
        assert x1 == pytest.approx(left + content.symbol.x + content.symbol.width, abs=TOLERANCE)
        assert y1 == pytest.approx(top + content.symbol.y + content.symbol.height, abs=TOLERANCE)
