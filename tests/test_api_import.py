"""The import API: POST /api/v1/imports/assets/ with a CSV; dry run, refusal, skip_bad, roles."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from assets.models import Asset
from tests.factories import CategoryFactory, make_user
from tests.test_import_assets import big_csv

pytestmark = pytest.mark.django_db

URL = "/api/v1/imports/assets/"
DATA = Path(__file__).parent / "data"


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def upload(api, data: bytes, query: str = "", name: str = "assets.csv"):
    file = SimpleUploadedFile(name, data, content_type="text/csv")
    return api.post(f"{URL}{query}", {"file": file}, format="multipart")


@pytest.fixture
def it_api():
    return api_for(make_user("it"))


@pytest.fixture
def laptops():
    return CategoryFactory(name="Laptops", slug="laptops")


def test_thousand_rows_three_bad(it_api, laptops):
    data = big_csv(
        1000,
        {3: ("Purchase Date", "2024-02-30"), 40: ("Cost", "-1"), 900: ("Status", "Loaned")},
    )
    dry = upload(it_api, data, "?dry_run=1&create=1")
    assert dry.status_code == 200
    body = dry.json()
    # The good rows: what the import does with skip_bad=1, or once the bad ones are fixed.
    assert (body["rows"], body["created"], body["updated"]) == (1000, 997, 0)
    assert [(e["row"], e["column"]) for e in body["errors"]] == [
        (5, "Purchase Date"),
        (42, "Cost"),
        (902, "Status"),
    ]
    assert all(e["message"] for e in body["errors"])
    assert Asset.objects.count() == 0

    refused = upload(it_api, data, "?create=1")
    assert refused.status_code == 400
    assert len(refused.json()["errors"]) == 3 and refused.json()["applied"] is False
    assert Asset.objects.count() == 0

    skipped = upload(it_api, data, "?create=1&skip_bad=1")
    assert skipped.status_code == 200
    assert skipped.json()["created"] == 997 and len(skipped.json()["errors"]) == 3
    assert Asset.objects.count() == 997


def test_dry_run_of_good_file_counts_without_writing(it_api):
    response = upload(it_api, (DATA / "import_snipeit.csv").read_bytes(), "?dry_run=1&create=1")
    assert response.status_code == 200
    assert response.json()["created"] == 6 and response.json()["errors"] == []
    assert Asset.objects.count() == 0


def test_snipeit_file_applies_then_reimport_updates(it_api):
    data = (DATA / "import_snipeit.csv").read_bytes()
    first = upload(it_api, data, "?create=1")
    assert first.status_code == 200, first.json()
    assert (first.json()["created"], first.json()["updated"]) == (6, 0)
    deployed = Asset.objects.get(tag="SNIPE-003")
    assert deployed.status == "deployed" and deployed.assigned_user.email == "bob@example.com"
    again = upload(it_api, data, "?create=1")
    assert (again.json()["created"], again.json()["updated"]) == (0, 6)
    assert Asset.objects.count() == 6


def test_bom_and_semicolon_file(it_api, laptops):
    data = "\ufeffAsset Tag;Name;Category;Purchase Cost\nEU-1;Portátil;Laptops;1.234,56 €\n"
    response = upload(it_api, data.encode("utf-8"))
    assert response.status_code == 200, response.json()
    asset = Asset.objects.get(tag="EU-1")
    assert asset.name == "Portátil" and str(asset.purchase_cost) == "1234.56"


def test_cp1252_file(it_api, laptops):
    data = "Asset Tag,Name,Category\nW-1,Café laptop,Laptops\n".encode("cp1252")
    assert upload(it_api, data).status_code == 200
    assert Asset.objects.get(tag="W-1").name == "Café laptop"


def test_missing_file_and_unreadable_file(it_api):
    assert it_api.post(URL, {}, format="multipart").status_code == 400
    response = upload(it_api, b"")
    assert response.status_code == 400 and "header" in response.json()["detail"]


@pytest.mark.parametrize("role", ["employee", "manager", "auditor"])
def test_only_it_staff_may_import(role, laptops):
    response = upload(api_for(make_user(role)), big_csv(2), "?dry_run=1")
    assert response.status_code == 403
    assert Asset.objects.count() == 0


def test_anonymous_is_refused():
    response = upload(APIClient(), big_csv(1))
    assert response.status_code in (401, 403)


def test_mapping_field_reaches_the_import(it_api, laptops):
    data = b"Kit Type,Asset Tag,Comments\nLaptops,MAP-1,ignore me\n"
    mapping = json.dumps({"Kit Type": "category", "Comments": ""})
    file = SimpleUploadedFile("assets.csv", data, content_type="text/csv")
    response = it_api.post(URL, {"file": file, "mapping": mapping}, format="multipart")
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 1 and response.json()["warnings"] == []
    assert Asset.objects.get(tag="MAP-1").category == laptops


def test_mapping_to_an_unknown_field_is_a_400_naming_it(it_api, laptops):
    file = SimpleUploadedFile("assets.csv", big_csv(1), content_type="text/csv")
    mapping = json.dumps({"Name": "colour"})
    response = it_api.post(URL, {"file": file, "mapping": mapping}, format="multipart")
    assert response.status_code == 400 and "colour" in response.json()["detail"]
    assert Asset.objects.count() == 0


def test_unknown_kind_is_a_404(it_api):
    response = it_api.post("/api/v1/imports/spaceships/", {}, format="multipart")
    assert response.status_code == 404 and "spaceships" in response.json()["detail"]
