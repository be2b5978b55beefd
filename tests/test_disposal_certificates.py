"""The disposal certificate PDF: per asset and per period or tag list, for IT staff and
auditors; what it says, and that it reads in a fixed number of queries."""

import datetime
import io

import pdfplumber
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from assets import lifecycle
from assets.models import DisposalRecord
from tests.factories import CategoryFactory, make_asset, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        "it": make_user("it", username="ivan-it", first_name="Ivan", last_name="Ito"),
        "it2": make_user("it", username="vera-it", first_name="Vera", last_name="Vo"),
        "auditor": make_user("auditor", username="audrey"),
        "manager": make_user("manager", username="mona"),
        "employee": make_user("employee", username="emil"),
    }


def web_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(response.content)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def disposed_laptop(people, *, on: datetime.date, serial: str = "SN-1", recipient: str = "GreenIT"):
    asset = make_asset(
        "retired",
        category=CategoryFactory(slug="laptops", name="Laptops", holds_data=True),
        serial_number=serial,
    )
    lifecycle.wipe(
        asset,
        actor=people["it"],
        method="purge",
        tool="Blancco",
        performed_by=people["it"],
        verified_by=people["it2"],
        certificate_reference="WIPE-77",
    )
    return lifecycle.dispose(
        asset,
        actor=people["it"],
        method="recycle",
        recipient=recipient,
        disposed_on=on,
        certificate_reference="WEEE-5",
    )


def test_asset_certificate_says_what_left_and_how(people, settings):
    settings.ITAM_ORGANISATION = "Acme Widgets"
    asset = disposed_laptop(people, on=datetime.date(2026, 3, 4))
    response = web_for(people["auditor"]).get(f"/assets/{asset.tag}/disposal-certificate.pdf")
    assert response.status_code == 200
    text = text_of(response)
    for expected in [
        "Acme Widgets",
        "Disposal certificate",
        asset.tag,
        "SN-1",
        "Laptops",
        "4 Mar 2026",
        "Recycle",
        "GreenIT",
        "Purge",
        "Ivan Ito / Vera Vo",
        "WEEE-5",
        "WIPE-77",
        "Released by",
        "Verified by",
        "page 1 of 1",
    ]:
        assert expected in text, expected


def test_asset_certificate_is_404_unless_disposed(people):
    asset = make_asset("retired")
    response = web_for(people["it"]).get(f"/assets/{asset.tag}/disposal-certificate.pdf")
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["employee", "manager"])
def test_certificates_are_403_for_employees_and_managers(people, role):
    asset = disposed_laptop(people, on=datetime.date(2026, 3, 4))
    web = web_for(people[role])
    assert web.get(f"/assets/{asset.tag}/disposal-certificate.pdf").status_code == 403
    assert web.get("/reports/disposal-certificate.pdf?from=2026-01-01").status_code == 403


def test_batch_certificate_by_period(people):
    inside = disposed_laptop(people, on=datetime.date(2026, 2, 10), serial="IN-1")
    before = disposed_laptop(people, on=datetime.date(2026, 1, 5), serial="OUT-1")
    response = web_for(people["it"]).get(
        "/reports/disposal-certificate.pdf?from=2026-02-01&to=2026-02-28"
    )
    assert response.status_code == 200
    text = text_of(response)
    assert "1 Feb 2026 to 28 Feb 2026" in text
    assert inside.tag in text
    assert before.tag not in text


def test_batch_certificate_by_tags(people):
    one = disposed_laptop(people, on=datetime.date(2026, 2, 10))
    two = disposed_laptop(people, on=datetime.date(2026, 1, 5))
    other = disposed_laptop(people, on=datetime.date(2026, 1, 6))
    response = web_for(people["auditor"]).get(
        f"/reports/disposal-certificate.pdf?tags={one.tag},{two.tag}"
    )
    text = text_of(response)
    assert one.tag in text and two.tag in text
    assert other.tag not in text


@pytest.mark.parametrize(
    "query", ["from=yesterday", "from=2026-03-01&to=2026-02-01", "to=2026-13-01"]
)
def test_batch_certificate_bad_dates_are_400(people, query):
    response = web_for(people["it"]).get(f"/reports/disposal-certificate.pdf?{query}")
    assert response.status_code == 400


def test_batch_certificate_reads_in_fixed_queries_and_pages(people):
    def count() -> int:
        web = web_for(people["auditor"])
        with CaptureQueriesContext(connection) as queries:
            response = web.get("/reports/disposal-certificate.pdf?from=2026-01-01&to=2026-12-31")
        assert response.status_code == 200
        return len(queries), response

    disposed_laptop(people, on=datetime.date(2026, 5, 1))
    few, _ = count()
    for day in range(1, 40):
        disposed_laptop(people, on=datetime.date(2026, 6, 1) + datetime.timedelta(days=day))
    many, response = count()
    assert DisposalRecord.objects.count() == 40
    assert many == few
    assert "page 2 of" in text_of(response)


def test_disposed_asset_page_links_to_its_certificate(people):
    asset = disposed_laptop(people, on=datetime.date(2026, 3, 4))
    page = web_for(people["auditor"]).get(f"/assets/{asset.tag}/").content.decode()
    assert f"/assets/{asset.tag}/disposal-certificate.pdf" in page


# --- screenshots (ITAM_SCREENSHOTS=docs/screenshots keeps them) ---------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("page", ["desktop", "phone"], indirect=True)
def test_retirement_candidates_in_a_browser(live_server, page, request):
    from maintenance.models import MaintenanceRecord
    from tests.browser import screenshot, sign_in
    from tests.factories import it_robot

    today = datetime.date.today()
    phones = CategoryFactory(slug="phones", name="Phones", expected_life_months=24)
    for n in range(3):
        make_asset(
            "in_stock",
            name=f"Pixel {n + 4}",
            category=phones,
            purchase_date=today - datetime.timedelta(days=800 + 40 * n),
        )
    costly = make_asset("in_stock", name="ThinkPad T14", purchase_cost=1200)
    MaintenanceRecord.objects.create(
        asset=costly, kind="repair", title="Board", cost=700, opened_by=it_robot()
    )
    make_user("it", username="ivy")
    sign_in(page, live_server, "ivy")
    response = page.goto(f"{live_server.url}/reports/retirement-candidates/")
    assert response.status == 200
    assert page.locator("td .flag", has_text="Past expected life").first.is_visible()
    kind = request.node.callspec.params["page"]
    screenshot(page, f"retirement-candidates-{kind}", full_page=True)


def test_disposal_certificate_screenshot(people, tmp_path):
    import os
    from pathlib import Path

    for n in range(3):
        disposed_laptop(people, on=datetime.date(2026, 3, 2 + n), serial=f"PF3X-00{n}")
    response = web_for(people["auditor"]).get(
        "/reports/disposal-certificate.pdf?from=2026-03-01&to=2026-03-31"
    )
    with pdfplumber.open(io.BytesIO(response.content)) as pdf:
        image = pdf.pages[0].to_image(resolution=110)
        folder = Path(os.environ.get("ITAM_SCREENSHOTS") or tmp_path)
        folder.mkdir(parents=True, exist_ok=True)
        image.save(str(folder / "disposal-certificate.png"))
