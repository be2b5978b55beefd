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


# --- every operation documents its answers -------------------------------------------------------


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


def test_every_operation_documents_its_success_and_the_shared_errors(schema):
    components = schema["components"]["schemas"]
    for path, method, operation in operations(schema):
        codes = set(operation["responses"])
        where = f"{method.upper()} {path}"
        assert codes & {"200", "201", "204"}, where
        if path == "/api/v1/auth/token/":  # the one way in without signing in
            assert "401" not in codes and "400" in codes
            continue
        assert {"401", "403", "404"} <= codes, where
        takes_input = "requestBody" in operation or any(
            p["in"] == "query" for p in operation.get("parameters", [])
        )
        if takes_input:
            assert "400" in codes, where
        for code in ("400", "401", "403", "404", "409"):
            if code in codes:
                content = operation["responses"][code]["content"]["application/json"]
                # every error has the handler's shape: a detail a person can act on (the
                # importer's 400 may also be its row report)
                shapes = [content["schema"]]
                while any("oneOf" in shape or "$ref" in shape for shape in shapes):
                    shapes = [
                        part
                        for shape in shapes
                        for part in (
                            [components[shape["$ref"].rsplit("/", 1)[-1]]]
                            if "$ref" in shape
                            else shape.get("oneOf", [shape])
                        )
                    ]
                assert any("detail" in shape.get("properties", {}) for shape in shapes), where


def test_deletes_answer_204_and_catalogue_deletes_document_the_409(schema):
    deletes = [(path, op) for path, method, op in operations(schema) if method == "delete"]
    assert deletes
    for path, operation in deletes:
        assert "204" in operation["responses"], path
    for name in ("categories/{slug}", "manufacturers/{id}", "locations/{id}", "vendors/{id}"):
        assert "409" in schema["paths"][f"/api/v1/{name}/"]["delete"]["responses"], name


def test_ids_in_paths_are_integers_and_tags_strings(schema):
    for path, _method, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "path":
                continue
            name, kind = parameter["name"], parameter["schema"]["type"]
            if name in ("id", "pk") or name.endswith("_id"):
                assert kind == "integer", (path, name)
            if name in ("tag", "slug", "username", "category_slug"):
                assert kind == "string", (path, name)


def test_paginated_lists_declare_their_envelope(schema):
    pages = {
        name: body
        for name, body in schema["components"]["schemas"].items()
        if name.startswith("Paginated")
    }
    assert "PaginatedManufacturerList" in pages and "PaginatedYearBudgetList" in pages
    for name, body in pages.items():
        assert set(body["required"]) >= {"count", "results"}, name
        assert body["properties"]["next"].get("nullable") is True, name
        assert body["properties"]["previous"].get("nullable") is True, name


def test_every_resource_the_pages_show_has_a_collection(schema):
    # The survey of issue 8: each has an API, not only a page or the admin.
    for path in (
        "/api/v1/manufacturers/",
        "/api/v1/asset-models/",
        "/api/v1/vendors/",
        "/api/v1/categories/{category_slug}/checklist/",
        "/api/v1/people/",
        "/api/v1/people/{username}/send-sign-in-link/",
        "/api/v1/budgets/",
        "/api/v1/loaner-pools/",
        "/api/v1/assets/{tag}/wipes/",
        "/api/v1/assets/{tag}/disposal/",
    ):
        assert path in schema["paths"], path
    for path in ("/api/v1/categories/", "/api/v1/locations/", "/api/v1/departments/"):
        assert "post" in schema["paths"][path], path


LISTS = [
    "/api/v1/assets/",
    "/api/v1/asset-models/",
    "/api/v1/audits/",
    "/api/v1/budgets/",
    "/api/v1/categories/",
    "/api/v1/departments/",
    "/api/v1/licenses/",
    "/api/v1/loaner-pools/",
    "/api/v1/locations/",
    "/api/v1/maintenance/",
    "/api/v1/maintenance-plans/",
    "/api/v1/manufacturers/",
    "/api/v1/notifications/",
    "/api/v1/people/",
    "/api/v1/purchase-orders/",
    "/api/v1/requests/",
    "/api/v1/reservations/",
    "/api/v1/vendors/",
]


@pytest.mark.parametrize("url", LISTS)
def test_each_collection_answers_its_envelope_and_sorts(url, schema):
    api = APIClient()
    api.force_authenticate(make_user("it"))

    response = api.get(url, {"page_size": 1})
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"count", "next", "previous", "results"}
    ordering = next(p for p in schema["paths"][url]["get"]["parameters"] if p["name"] == "ordering")
    assert ordering, url
    assert api.get(url, {"page": 999}).status_code == 404


def test_an_unknown_page_is_a_404_in_the_error_shape():
    api = APIClient()
    api.force_authenticate(make_user("it"))
    body = api.get("/api/v1/categories/", {"page": 5}).json()
    assert body == {"detail": "Invalid page.", "code": "not_found"}


def test_a_bare_validation_error_still_answers_errors_as_an_object():
    from rest_framework.exceptions import ValidationError

    from itam.api import exception_handler

    response = exception_handler(ValidationError("Pick one."), {})
    assert response.data == {
        "detail": "Pick one.",
        "code": "invalid",
        "errors": {"non_field_errors": ["Pick one."]},
    }


# --- the docs page loads nothing from outside --------------------------------------------------


def test_the_docs_page_and_its_script_use_only_local_files():
    import re

    api = signed_in()
    html = api.get("/api/v1/docs/").content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)

    assert any(u.endswith("swagger-ui-bundle.js") for u in urls)
    assert any(u.endswith("swagger-ui.css") for u in urls)
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
    script = api.get("/api/v1/docs/", {"script": ""}).content.decode()
    assert '"validatorUrl": null' in script  # no online validator badge
    assert not re.search(r"https?://", script.replace("http://testserver", ""))


def test_the_vendored_files_are_served_from_this_site():
    """Every file the docs page loads ships with the app (found by the static finders, so it
    does not depend on whether ``collectstatic`` ran before the tests)."""
    import re

    from django.conf import settings
    from django.contrib.staticfiles import finders

    api = signed_in()
    html = api.get("/api/v1/docs/").content.decode()
    urls = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert urls
    for url in urls:
        assert finders.find(url.removeprefix(settings.STATIC_URL)), url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("page", ["desktop"], indirect=True)
def test_the_docs_open_in_a_browser_without_any_outside_request(page, live_server):
    from tests.browser import screenshot, sign_in

    make_user("it", username="ivy")
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    sign_in(page, live_server, "ivy")

    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector("text=ITAM API")
    page.wait_for_selector(".opblock-summary-path")
    screenshot(page, "api-docs-desktop")
    paths = [
        text.replace("\u200b", "")
        for text in page.locator(".opblock-summary-path").all_inner_texts()
    ]
    assert "/api/v1/asset-models/" in paths and len(paths) > 10

    outside = [url for url in requested if not url.startswith(live_server.url)]
    assert outside == []
