"""The OpenAPI schema and its docs page, and the reference lists scripts look ids up in."""

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

from assets import lifecycle
from assets.choices import LocationKind
from tests.factories import CategoryFactory, DepartmentFactory, LocationFactory, make_user

pytestmark = pytest.mark.django_db


def test_schema_generates_and_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"

    # fails (SystemExit / SchemaGenerationError) on any warning or validation error
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    schema = yaml.safe_load(out.read_text())
    paths = schema["paths"]
    assert "/api/v1/assets/" in paths
    assert "/api/v1/assets/{tag}/history/" in paths
    for move in lifecycle.MOVES.values():
        operation = paths[f"/api/v1/assets/{{tag}}/{move.url_name}/"]["post"]
        assert operation["operationId"] == f"assets_{move.name}"
        assert "requestBody" in operation
        assert {"200", "400", "403", "404", "409"} <= set(operation["responses"])


def signed_in() -> APIClient:
    api = APIClient()
    api.force_authenticate(make_user("employee"))
    return api


def test_schema_and_docs_need_sign_in_like_everything_else():
    assert APIClient().get("/api/v1/schema/").status_code == 401
    assert APIClient().get("/api/v1/docs/").status_code == 401


def test_schema_endpoint_answers():
    response = signed_in().get("/api/v1/schema/", {"format": "json"})

    assert response.status_code == 200
    assert response.json()["info"]["title"] == "ITAM API"


def test_docs_page_renders_with_vendored_swagger_ui_under_its_csp():
    api = signed_in()
    response = api.get("/api/v1/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert "<script>" not in html  # no inline script: the page's own CSP forbids it
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" in policy.split("style-src")[1].split(";")[0]
    script = api.get("/api/v1/docs/", {"script": ""})
    assert script.status_code == 200
    assert "/api/v1/schema/" in script.content.decode()


def test_reference_lists_for_any_signed_in_person():
    site = LocationFactory(name="HQ")
    room = LocationFactory(name="Room 1", kind=LocationKind.ROOM, parent=site)
    boss = make_user("employee", username="boss")
    dept = DepartmentFactory(name="Sales", slug="sales", manager=boss)
    CategoryFactory(name="Laptops", slug="laptops", holds_data=True)
    api = APIClient()
    api.force_authenticate(make_user("employee", username="reader"))

    categories = api.get("/api/v1/categories/").json()["results"]
    locations = api.get("/api/v1/locations/", {"ordering": "id"}).json()["results"]
    departments = api.get("/api/v1/departments/").json()["results"]

    laptops = next(c for c in categories if c["slug"] == "laptops")
    assert {"id", "name", "slug", "kind", "holds_data", "audit_interval_days"} <= set(laptops)
    assert laptops["holds_data"] is True
    assert [(loc["id"], loc["parent"], loc["full_name"]) for loc in locations] == [
        (site.pk, None, "HQ"),
        (room.pk, site.pk, "HQ › Room 1"),
    ]
    assert departments == [
        {
            "id": dept.pk,
            "name": "Sales",
            "slug": "sales",
            "cost_centre": "",
            "manager": "boss",
            "manager_name": boss.get_full_name(),
        }
    ]
    assert api.get("/api/v1/categories/laptops/").json()["name"] == "Laptops"
    assert api.get(f"/api/v1/locations/?parent={site.pk}").json()["count"] == 1


def test_reference_lists_are_read_only_for_employees():
    # IT staff write the catalogue (tests/test_api_catalogue.py); nobody else does.
    api = APIClient()
    api.force_authenticate(make_user("employee"))
    assert api.post("/api/v1/categories/", {"name": "X", "slug": "x"}).status_code == 403
