"""Retirement, wipe and disposal: the API contract scripts rely on, the rules, certificate
uploads (checked by content) and their private downloads, per role."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from assets import lifecycle
from assets.choices import AssetStatus
from assets.models import Asset, WipeRecord
from assets.retirement import MAX_CERTIFICATE_BYTES
from tests.factories import CategoryFactory, it_robot, make_asset, make_user

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!doctype html><html><script>alert(1)</script></html>"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def people():
    return {
        "it": make_user("it", username="ivan-it"),
        "it2": make_user("it", username="vera-it"),
        "auditor": make_user("auditor", username="audrey"),
        "manager": make_user("manager", username="mona"),
        "employee": make_user("employee", username="emil"),
    }


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def web_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def laptop(status: str = "retired"):
    return make_asset(status, category=CategoryFactory(slug="laptops", holds_data=True))


def upload(content: bytes, name: str = "cert.pdf", content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- the API contract ---------------------------------------------------------------------------


def test_wipe_then_dispose_by_json_contract(people):
    # Given a retired data-holding laptop
    asset = laptop()
    api = api_for(people["it"])
    # When a script wipes it with the documented body
    wiped = api.post(
        f"/api/v1/assets/{asset.tag}/wipe/",
        {
            "method": "purge",
            "tool": "Blancco 7",
            "performed_by": "ivan-it",
            "verified_by": "vera-it",
            "certificate": "BL-2026-001",
        },
        format="json",
    )
    # Then the wipe is recorded, verified, with the reference
    assert wiped.status_code == 200, wiped.json()
    wipe = wiped.json()["wipe"]
    assert wipe["method"] == "purge"
    assert wipe["performed_by"] == "ivan-it"
    assert wipe["verified_by"] == "vera-it"
    assert wipe["is_verified"] is True
    assert wipe["certificate_reference"] == "BL-2026-001"
    assert wiped.json()["status"] == AssetStatus.RETIRED
    # When it is disposed of with the documented body
    disposed = api.post(
        f"/api/v1/assets/{asset.tag}/dispose/",
        {"method": "recycle", "recipient": "GreenIT Ltd", "proceeds": "12.50", "reason": "EOL"},
        format="json",
    )
    assert disposed.status_code == 200, disposed.json()
    body = disposed.json()
    assert body["status"] == AssetStatus.DISPOSED
    assert body["disposal"]["method"] == "recycle"
    assert body["disposal"]["recipient"] == "GreenIT Ltd"
    assert body["disposal"]["proceeds"] == "12.50"


@pytest.mark.parametrize("method", ["return", "return_to_lessor"])
def test_dispose_accepts_return_for_return_to_lessor(people, method):
    asset = make_asset("retired")  # holds no data: no wipe needed
    response = api_for(people["it"]).post(
        f"/api/v1/assets/{asset.tag}/dispose/",
        {"method": method, "recipient": "LeaseCo"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["disposal"]["method"] == "return_to_lessor"


def test_dispose_unknown_method_is_400(people):
    asset = make_asset("retired")
    response = api_for(people["it"]).post(
        f"/api/v1/assets/{asset.tag}/dispose/", {"method": "bury"}, format="json"
    )
    assert response.status_code == 400
    assert "method" in str(response.json())


# --- the rules ----------------------------------------------------------------------------------


def test_dispose_without_verified_wipe_is_409_saying_what_to_do(people):
    asset = laptop()
    api = api_for(people["it"])
    # An unverified wipe does not count
    api.post(
        f"/api/v1/assets/{asset.tag}/wipe/",
        {"method": "clear", "performed_by": "ivan-it"},
        format="json",
    )
    response = api.post(
        f"/api/v1/assets/{asset.tag}/dispose/", {"method": "recycle"}, format="json"
    )
    assert response.status_code == 409
    assert "verified wipe" in str(response.json())
    assert Asset.objects.get(pk=asset.pk).status == AssetStatus.RETIRED


def test_wipe_verified_by_its_performer_is_400(people):
    asset = laptop()
    response = api_for(people["it"]).post(
        f"/api/v1/assets/{asset.tag}/wipe/",
        {"method": "purge", "performed_by": "ivan-it", "verified_by": "ivan-it"},
        format="json",
    )
    assert response.status_code == 400
    assert "verified_by" in response.json().get("errors", response.json())
    assert not WipeRecord.objects.filter(asset=asset).exists()


def test_disposed_is_terminal_in_api_and_lifecycle(people):
    asset = laptop("disposed")
    api = api_for(people["it"])
    for action, body in [
        ("reinstate", {}),
        ("retire", {}),
        ("wipe", {"method": "purge", "performed_by": "ivan-it"}),
        ("dispose", {"method": "recycle"}),
        ("deploy", {"user": "emil"}),
        ("mark-missing", {}),
    ]:
        body = {**body, "reason": "try again"}
        response = api.post(f"/api/v1/assets/{asset.tag}/{action}/", body, format="json")
        assert response.status_code == 409, (action, response.status_code, response.content)
    with pytest.raises(lifecycle.TransitionRefused):
        lifecycle.reinstate(asset, actor=people["it"], reason="try again")
    with pytest.raises(lifecycle.TransitionRefused):
        lifecycle.dispose(asset, actor=people["it"], method="recycle")
    assert Asset.objects.get(pk=asset.pk).status == AssetStatus.DISPOSED


def test_disposed_tag_is_never_issued_again(people):
    asset = make_asset("disposed")
    with pytest.raises(ValidationError) as refused:
        lifecycle.register(actor=people["it"], name="New", category=asset.category, tag=asset.tag)
    assert "never reused" in str(refused.value)
    fresh = [
        lifecycle.register(actor=people["it"], name="New", category=asset.category).tag
        for _ in range(3)
    ]
    assert asset.tag not in fresh


def test_reinstating_a_retired_asset_returns_it_to_stock(people):
    asset = make_asset("retired")
    response = api_for(people["it"]).post(
        f"/api/v1/assets/{asset.tag}/reinstate/", {"reason": "Still fine"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert Asset.objects.get(pk=asset.pk).status == AssetStatus.IN_STOCK


# --- certificate uploads ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "content_type", "stored_type"),
    [
        (PDF, "report.pdf", "application/pdf", "application/pdf"),
        (PNG, "photo.png", "image/png", "image/png"),
        (JPEG, "scan.jpeg", "image/jpeg", "image/jpeg"),
        # named and labelled wrongly, but a real PNG: kept, as what it is
        (PNG, "report.pdf", "application/pdf", "image/png"),
    ],
)
def test_wipe_by_multipart_keeps_the_certificate(people, content, name, content_type, stored_type):
    asset = laptop()
    response = api_for(people["it"]).post(
        f"/api/v1/assets/{asset.tag}/wipe/",
        {
            "method": "destroy",
            "performed_by": "ivan-it",
            "verified_by": "vera-it",
            "certificate": "SHRED-9",
            "certificate_file": upload(content, name, content_type),
        },
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    record = WipeRecord.objects.get(asset=asset)
    assert record.certificate_content_type == stored_type
    assert record.certificate_file.name.startswith(f"private/wipe-certificates/{asset.pk}/")
    assert name not in record.certificate_file.name  # never the uploader's name
    with record.certificate_file.open("rb") as stored:
        assert stored.read() == content


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        (SVG, "cert.svg", "image/svg+xml"),
        (HTML, "cert.html", "text/html"),
        (SVG, "cert.pdf", "application/pdf"),  # mislabelled
        (HTML, "cert.png", "image/png"),  # mislabelled
        (b"GIF89a" + b"\x00" * 20, "cert.gif", "image/gif"),
    ],
)
def test_wipe_refuses_files_that_are_not_pdf_png_jpeg(people, content, name, content_type):
    asset = laptop()
    response = api_for(people["it"]).post(
        f"/api/v1/assets/{asset.tag}/wipe/",
        {
            "method": "purge",
            "performed_by": "ivan-it",
            "certificate_file": upload(content, name, content_type),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert "PDF, PNG or JPEG" in str(response.json())
    assert not WipeRecord.objects.filter(asset=asset).exists()


def test_wipe_refuses_a_file_over_5_mb(people):
    asset = laptop()
    big = PDF + b"0" * (MAX_CERTIFICATE_BYTES + 1 - len(PDF))
    response = api_for(people["it"]).post(
        f"/api/v1/assets/{asset.tag}/wipe/",
        {"method": "purge", "performed_by": "ivan-it", "certificate_file": upload(big)},
        format="multipart",
    )
    assert response.status_code == 400
    assert "too large" in str(response.json())


def test_lifecycle_wipe_checks_the_file_too(people):
    asset = laptop()
    with pytest.raises(ValidationError) as refused:
        lifecycle.wipe(
            asset,
            actor=people["it"],
            method="purge",
            performed_by=people["it"],
            certificate_file=upload(SVG, "x.svg", "image/svg+xml"),
        )
    assert "certificate_file" in refused.value.message_dict


def test_dispose_by_multipart_keeps_the_certificate(people):
    asset = make_asset("retired")
    response = api_for(people["it"]).post(
        f"/api/v1/assets/{asset.tag}/dispose/",
        {"method": "sell", "proceeds": "40", "certificate_file": upload(PDF)},
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    asset.refresh_from_db()
    assert asset.disposal.certificate_content_type == "application/pdf"


def test_dispose_with_a_bad_file_disposes_of_nothing(people):
    asset = make_asset("retired")
    response = api_for(people["it"]).post(
        f"/api/v1/assets/{asset.tag}/dispose/",
        {"method": "sell", "certificate_file": upload(HTML, "c.pdf")},
        format="multipart",
    )
    assert response.status_code == 400
    assert Asset.objects.get(pk=asset.pk).status == AssetStatus.RETIRED


def test_web_wipe_form_is_multipart_and_keeps_the_file(people):
    asset = laptop()
    web = web_for(people["it"])
    page = web.get(f"/assets/{asset.tag}/wipe/")
    assert 'enctype="multipart/form-data"' in page.content.decode()
    response = web.post(
        f"/assets/{asset.tag}/wipe/",
        {
            "method": "purge",
            "performed_by": "ivan-it",
            "verified_by": "vera-it",
            "certificate_file": upload(PNG, "shot.png", "image/png"),
        },
    )
    assert response.status_code == 302
    assert WipeRecord.objects.get(asset=asset).certificate_content_type == "image/png"


def test_web_wipe_form_refuses_svg_with_what_is_accepted(people):
    asset = laptop()
    response = web_for(people["it"]).post(
        f"/assets/{asset.tag}/wipe/",
        {
            "method": "purge",
            "performed_by": "ivan-it",
            "certificate_file": upload(SVG, "cert.pdf", "application/pdf"),
        },
    )
    assert response.status_code == 400
    assert "PDF, PNG or JPEG" in response.content.decode()
    assert not WipeRecord.objects.filter(asset=asset).exists()


# --- private downloads --------------------------------------------------------------------------


def wiped_with_file(people, content=PDF):
    asset = laptop()
    record = lifecycle.wipe(
        asset,
        actor=people["it"],
        method="purge",
        performed_by=people["it"],
        verified_by=people["it2"],
        certificate_file=upload(content),
    )
    return asset, record


@pytest.mark.parametrize("role", ["it", "auditor"])
def test_certificate_download_is_an_attachment_with_its_type(people, role):
    asset, record = wiped_with_file(people)
    response = web_for(people[role]).get(f"/assets/{asset.tag}/wipes/{record.pk}/certificate")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize("role", ["employee", "manager"])
def test_certificate_download_is_403_for_employees_and_managers(people, role):
    asset, record = wiped_with_file(people)
    response = web_for(people[role]).get(f"/assets/{asset.tag}/wipes/{record.pk}/certificate")
    assert response.status_code == 403


def test_a_guessed_file_id_of_another_asset_is_404(people):
    _, record = wiped_with_file(people)
    other = laptop()
    response = web_for(people["auditor"]).get(f"/assets/{other.tag}/wipes/{record.pk}/certificate")
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["employee", "manager"])
def test_a_guessed_file_id_is_403_for_other_roles(people, role):
    _, record = wiped_with_file(people)
    other = laptop()
    response = web_for(people[role]).get(f"/assets/{other.tag}/wipes/{record.pk}/certificate")
    assert response.status_code == 403


def test_certificates_are_not_served_as_media(people, client):
    _asset, record = wiped_with_file(people)
    client.force_login(people["it"])
    assert client.get(f"/media/{record.certificate_file.name}").status_code == 404


def test_disposal_certificate_file_download(people):
    asset = make_asset("retired")
    api_for(people["it"]).post(
        f"/api/v1/assets/{asset.tag}/dispose/",
        {"method": "sell", "certificate_file": upload(JPEG, "r.jpg", "image/jpeg")},
        format="multipart",
    )
    url = f"/assets/{asset.tag}/disposal/certificate"
    response = web_for(people["auditor"]).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("attachment;")
    assert web_for(people["employee"]).get(url).status_code == 403
    assert web_for(people["manager"]).get(url).status_code == 403


@pytest.mark.parametrize("role", ["auditor", "manager", "employee"])
def test_only_it_staff_wipe_and_dispose(people, role):
    asset = laptop()
    api = api_for(people[role])
    wipe = api.post(
        f"/api/v1/assets/{asset.tag}/wipe/",
        {"method": "purge", "performed_by": "ivan-it", "verified_by": "vera-it"},
        format="json",
    )
    dispose = api.post(f"/api/v1/assets/{asset.tag}/dispose/", {"method": "recycle"}, format="json")
    retire = api.post(
        f"/api/v1/assets/{make_asset('in_stock').tag}/retire/", {"reason": "old"}, format="json"
    )
    # Auditors see the asset, so they learn they may not (403); others may not see it at all.
    assert wipe.status_code in (403, 404)
    assert dispose.status_code in (403, 404)
    assert retire.status_code in (403, 404)
    if role == "auditor":
        assert wipe.status_code == dispose.status_code == retire.status_code == 403
    assert not WipeRecord.objects.filter(asset=asset).exists()


# --- retirement candidates ----------------------------------------------------------------------


def repair(asset, cost="0", *, closed=True, days_ago=30):
    from django.utils import timezone

    from maintenance.models import MaintenanceRecord

    opened = timezone.now() - datetime.timedelta(days=days_ago)
    return MaintenanceRecord.objects.create(
        asset=asset,
        kind="repair",
        title="Fix",
        opened_by=it_robot(),
        cost=Decimal(cost),
        opened_at=opened,
        closed_at=opened + datetime.timedelta(days=1) if closed else None,
    )


def candidates_estate():
    today = datetime.date.today()
    old_cat = CategoryFactory(slug="phones", name="Phones", expected_life_months=24)
    old = make_asset(
        "in_stock", category=old_cat, purchase_date=today - datetime.timedelta(days=900)
    )
    young = make_asset(
        "in_stock", category=old_cat, purchase_date=today - datetime.timedelta(days=30)
    )
    costly = make_asset("in_stock", purchase_date=today, purchase_cost=Decimal("1000"))
    repair(costly, "300")
    repair(costly, "250")
    failing = make_asset(
        "in_stock", purchase_date=today, warranty_end=today - datetime.timedelta(days=1)
    )
    repair(failing, "10")
    repair(failing, "10", days_ago=60)
    retired_old = make_asset(
        "retired", category=old_cat, purchase_date=today - datetime.timedelta(days=900)
    )
    return {"old": old, "young": young, "costly": costly, "failing": failing, "gone": retired_old}


def test_retirement_candidates_reasons(people):
    estate = candidates_estate()
    response = api_for(people["auditor"]).get("/api/v1/reports/retirement-candidates/")
    assert response.status_code == 200, response.content
    rows = {row["tag"]: row for row in response.json()["results"]}
    assert rows[estate["old"].tag]["reasons"] == ["past_life"]
    assert rows[estate["costly"].tag]["reasons"] == ["repair_cost"]
    assert rows[estate["costly"].tag]["maintenance_cost"] == "550.00"
    assert rows[estate["failing"].tag]["reasons"] == ["failing"]
    assert estate["young"].tag not in rows
    assert estate["gone"].tag not in rows
    only = api_for(people["it"]).get("/api/v1/reports/retirement-candidates/?reason=failing")
    assert [row["tag"] for row in only.json()["results"]] == [estate["failing"].tag]


def test_retirement_candidates_share_setting(people, settings):
    estate = candidates_estate()
    settings.ITAM_REPAIR_SHARE = Decimal("0.6")
    response = api_for(people["it"]).get("/api/v1/reports/retirement-candidates/")
    assert estate["costly"].tag not in {row["tag"] for row in response.json()["results"]}


def test_retirement_candidates_page_and_csv(people):
    estate = candidates_estate()
    web = web_for(people["it"])
    page = web.get("/reports/retirement-candidates/")
    assert page.status_code == 200
    html = page.content.decode()
    assert estate["old"].tag in html
    assert f"/assets/{estate['old'].tag}/retire/" in html
    csv = web.get("/reports/retirement-candidates/?format=csv&reason=past_life")
    body = b"".join(csv.streaming_content).decode()
    assert estate["old"].tag in body and estate["costly"].tag not in body
    auditor_page = web_for(people["auditor"]).get("/reports/retirement-candidates/")
    assert "/retire/" not in auditor_page.content.decode()


@pytest.mark.parametrize("role", ["employee", "manager"])
def test_retirement_candidates_403_for_other_roles(people, role):
    assert web_for(people[role]).get("/reports/retirement-candidates/").status_code == 403
    api = api_for(people[role])
    assert api.get("/api/v1/reports/retirement-candidates/").status_code == 403


def test_retirement_candidates_query_count_is_fixed(people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cat = CategoryFactory(slug="old", expected_life_months=12)

    def add(n):
        for _ in range(n):
            asset = make_asset("in_stock", category=cat, purchase_date=datetime.date(2020, 1, 1))
            repair(asset, "5")

    def count():
        web = web_for(people["it"])
        with CaptureQueriesContext(connection) as queries:
            response = web.get("/reports/retirement-candidates/?page_size=200")
        assert response.status_code == 200
        return len(queries), response.content.decode().count('class="tag-link"')

    add(5)
    few, shown = count()
    assert shown == 5
    add(45)
    many, shown = count()
    assert shown == 50
    assert many == few
