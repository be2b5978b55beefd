"""An asset's wipes and disposal through the API: shown to whoever may see the asset (as on its
page), certificate files only to IT staff and auditors, nothing about invisible tags."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from assets import lifecycle
from tests.factories import CategoryFactory, DepartmentFactory, make_asset, make_user

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


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


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf")


@pytest.fixture
def disposed(people):
    """A laptop wiped once before a reinstatement, wiped again, and disposed of, with files."""
    it, it2 = people["it"], people["it2"]
    asset = make_asset("retired", category=CategoryFactory(slug="laptops", holds_data=True))
    lifecycle.wipe(asset, actor=it, method="clear", performed_by=it, tool="dd")
    asset = lifecycle.reinstate(asset, actor=it, reason="Needed again")
    asset = lifecycle.retire(asset, actor=it, reason="End of life")
    lifecycle.wipe(
        asset,
        actor=it,
        method="purge",
        tool="Blancco",
        performed_by=it,
        verified_by=it2,
        certificate_reference="WIPE-77",
        certificate_file=pdf(),
    )
    asset = lifecycle.dispose(
        asset,
        actor=it,
        method="recycle",
        recipient="GreenIT",
        disposed_on=datetime.date(2026, 3, 4),
        certificate_reference="WEEE-5",
    )
    asset.disposal.certificate_file.save("weee.pdf", pdf(), save=False)
    asset.disposal.certificate_content_type = "application/pdf"
    asset.disposal.save()
    return asset


@pytest.mark.parametrize("role", ["it", "auditor"])
def test_it_and_auditors_read_the_evidence_and_download_its_files(role, people, disposed):
    api = api_for(people[role])

    wipes = api.get(f"/api/v1/assets/{disposed.tag}/wipes/").json()
    assert [(w["method"], w["counts"], w["is_verified"]) for w in wipes] == [
        ("purge", True, True),
        ("clear", False, False),
    ]
    assert wipes[0]["verified_by"] == "vera-it" and wipes[0]["certificate_reference"] == "WIPE-77"
    assert wipes[1]["certificate_file_url"] is None  # nothing uploaded
    disposal = api.get(f"/api/v1/assets/{disposed.tag}/disposal/").json()
    assert (disposal["method"], disposal["recipient"], disposal["disposed_on"]) == (
        "recycle",
        "GreenIT",
        "2026-03-04",
    )

    for url in (wipes[0]["certificate_file_url"], disposal["certificate_file_url"]):
        download = api.get(url)
        assert download.status_code == 200
        assert download["Content-Type"] == "application/pdf"
        assert download["Content-Disposition"].startswith("attachment")
        assert b"".join(download.streaming_content) == PDF


def test_a_manager_sees_their_departments_evidence_but_not_the_files(people):
    ops = DepartmentFactory(name="Ops", slug="ops", manager=people["manager"])
    mine = make_asset("retired", department=ops)
    lifecycle.wipe(mine, actor=people["it"], method="destroy", performed_by=people["it"])
    api = api_for(people["manager"])

    wipes = api.get(f"/api/v1/assets/{mine.tag}/wipes/")
    assert wipes.status_code == 200 and wipes.json()[0]["method"] == "destroy"
    assert wipes.json()[0]["certificate_file_url"] is None
    refused = api.get(f"/api/v1/assets/{mine.tag}/wipes/{wipes.json()[0]['id']}/certificate/")
    assert refused.status_code == 403


@pytest.mark.parametrize("role", ["employee", "manager"])
def test_an_asset_you_cannot_see_is_a_404_and_its_files_a_403(role, people, disposed):
    api = api_for(people[role])
    wipe = disposed.wipes.first()

    assert api.get(f"/api/v1/assets/{disposed.tag}/wipes/").status_code == 404
    assert api.get(f"/api/v1/assets/{disposed.tag}/disposal/").status_code == 404
    # the files' role check comes first: nothing is learnt about the tag
    for url in (
        f"/api/v1/assets/{disposed.tag}/wipes/{wipe.pk}/certificate/",
        f"/api/v1/assets/{disposed.tag}/disposal/certificate/",
        "/api/v1/assets/NO-SUCH-TAG/disposal/certificate/",
    ):
        response = api.get(url)
        assert response.status_code == 403
        assert "IT staff and auditors" in response.json()["detail"]


def test_no_disposal_yet_and_unknown_ids_are_404(people, disposed):
    api = api_for(people["it"])
    in_stock = make_asset("in_stock")
    other = make_asset("retired", category=CategoryFactory(slug="phones", holds_data=True))
    lifecycle.wipe(other, actor=people["it"], method="clear", performed_by=people["it"])

    assert api.get(f"/api/v1/assets/{in_stock.tag}/disposal/").status_code == 404
    assert api.get(f"/api/v1/assets/{in_stock.tag}/wipes/").json() == []
    assert api.get("/api/v1/assets/NO-SUCH-TAG/wipes/").status_code == 404
    # a wipe of another asset is not found under this one
    stranger = other.wipes.first()
    url = f"/api/v1/assets/{disposed.tag}/wipes/{stranger.pk}/certificate/"
    assert api.get(url).status_code == 404
    assert (
        api.get(f"/api/v1/assets/{other.tag}/wipes/{stranger.pk}/certificate/").status_code == 404
    )


def test_the_wipes_list_costs_a_fixed_number_of_queries(people, django_assert_max_num_queries):
    asset = make_asset("retired", category=CategoryFactory(slug="laptops", holds_data=True))
    for _ in range(6):
        lifecycle.wipe(
            asset,
            actor=people["it"],
            method="purge",
            performed_by=people["it"],
            verified_by=people["it2"],
        )
    api = api_for(people["auditor"])

    with django_assert_max_num_queries(5):
        response = api.get(f"/api/v1/assets/{asset.tag}/wipes/")
    assert len(response.json()) == 6
