"""Per role on the API: who sees what, who may change what, and how scripts sign in."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assets.models import Asset
from tests.factories import PASSWORD, CategoryFactory, DepartmentFactory, make_asset, make_user

pytestmark = pytest.mark.django_db

LIST = "/api/v1/assets/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def tags(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["tag"] for row in response.json()["results"]}


@pytest.fixture
def org():
    """Two departments; an employee and a manager in each; assets held and owned around them."""
    sales = DepartmentFactory(name="Sales", slug="sales")
    ops = DepartmentFactory(name="Ops", slug="ops")
    people = {
        "emp": make_user("employee", username="emp", department=sales),
        "colleague": make_user("employee", username="colleague", department=sales),
        "stranger": make_user("employee", username="stranger", department=ops),
        "manager": make_user("manager", username="sales-boss", department=sales),
        "auditor": make_user("auditor", username="audrey"),
        "it": make_user("it", username="ivan"),
    }
    assets = {
        "emp": make_asset("deployed", holder=people["emp"]),
        "colleague": make_asset("deployed", holder=people["colleague"]),
        "stranger": make_asset("deployed", holder=people["stranger"]),
        "sales_owned": make_asset("in_stock", department=sales),
        "stock": make_asset("in_stock"),
    }
    return people, assets


def test_employee_sees_only_what_they_hold(org):
    people, assets = org
    api = client_for(people["emp"])

    assert tags(api.get(LIST)) == {assets["emp"].tag}
    assert api.get(f"{LIST}{assets['emp'].tag}/").status_code == 200


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("get", "history/", None),
        ("patch", "", {"name": "Mine now"}),
        ("post", "check-in/", {"reason": "x"}),
        ("post", "mark-missing/", {"reason": "x"}),
        ("post", "retire/", {"reason": "x"}),
    ],
)
def test_employee_gets_404_for_another_persons_asset(org, method, suffix, body):
    # Given an employee who guesses a colleague's tag
    people, assets = org
    target = assets["colleague"]
    api = client_for(people["emp"])

    # When they read it or try a move on it
    response = getattr(api, method)(f"{LIST}{target.tag}/{suffix}", body, format="json")

    # Then it is as if it did not exist, and nothing changed
    assert response.status_code == 404
    assert response.json()["detail"] == "Not found."
    target.refresh_from_db()
    assert target.status == "deployed"


def test_an_unknown_tag_and_an_unseen_tag_answer_the_same(org):
    people, assets = org
    api = client_for(people["emp"])
    unseen = api.post(f"{LIST}{assets['stock'].tag}/deploy/", {"user": "emp"}, format="json")
    unknown = api.post(f"{LIST}IT-999999/deploy/", {"user": "emp"}, format="json")
    assert unseen.status_code == unknown.status_code == 404
    assert unseen.json() == unknown.json()


def test_employee_cannot_move_even_what_they_hold(org):
    people, assets = org
    api = client_for(people["emp"])

    response = api.post(f"{LIST}{assets['emp'].tag}/check-in/", {}, format="json")

    assert response.status_code == 403
    assert "check in" in response.json()["detail"]


def test_manager_sees_their_department_only(org):
    people, assets = org
    api = client_for(people["manager"])

    assert tags(api.get(LIST)) == {
        assets["emp"].tag,
        assets["colleague"].tag,
        assets["sales_owned"].tag,
    }
    assert api.get(f"{LIST}{assets['stranger'].tag}/").status_code == 404


def test_manager_can_see_but_not_deploy(org):
    people, assets = org
    api = client_for(people["manager"])

    response = api.post(
        f"{LIST}{assets['sales_owned'].tag}/deploy/", {"user": "emp"}, format="json"
    )

    assert response.status_code == 403
    assert Asset.objects.get(pk=assets["sales_owned"].pk).status == "in_stock"


def test_auditor_reads_everything(org):
    people, assets = org
    api = client_for(people["auditor"])

    assert tags(api.get(LIST)) == {a.tag for a in assets.values()}
    assert api.get(f"{LIST}{assets['stranger'].tag}/history/").status_code == 200


def test_auditor_cannot_deploy_and_the_asset_is_unchanged(org):
    people, assets = org
    api = client_for(people["auditor"])
    stock = assets["stock"]
    rows = stock.history.count()

    response = api.post(f"{LIST}{stock.tag}/deploy/", {"user": "emp"}, format="json")

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Your role does not allow you to deploy assets.",
        "code": "permission_denied",
    }
    stock.refresh_from_db()
    assert stock.status == "in_stock"
    assert stock.history.count() == rows


def test_auditor_without_the_right_gets_403_before_body_checks(org):
    people, assets = org
    api = client_for(people["auditor"])
    response = api.post(f"{LIST}{assets['stock'].tag}/deploy/", {"user": "nobody"}, format="json")
    assert response.status_code == 403


def test_auditor_changes_assets_only_through_audits_never_by_a_move_of_their_own(org):
    people, assets = org
    api = client_for(people["auditor"])
    stock = assets["stock"]
    rows = stock.history.count()

    missing = api.post(
        f"{LIST}{stock.tag}/mark-missing/", {"reason": "Not on shelf"}, format="json"
    )

    assert missing.status_code == 403
    stock.refresh_from_db()
    assert stock.status == "in_stock" and stock.history.count() == rows


def test_employee_cannot_create(org):
    people, _ = org
    CategoryFactory(slug="laptops")
    response = client_for(people["emp"]).post(
        LIST, {"name": "Mine", "category": "laptops"}, format="json"
    )
    assert response.status_code == 403
    assert not Asset.objects.filter(name="Mine").exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", LIST),
        ("post", LIST),
        ("get", "/api/v1/assets/IT-000001/"),
        ("post", "/api/v1/assets/IT-000001/deploy/"),
        ("get", "/api/v1/assets/IT-000001/history/"),
        ("get", "/api/v1/categories/"),
        ("get", "/api/v1/locations/"),
        ("get", "/api/v1/departments/"),
        ("get", "/api/v1/"),
    ],
)
def test_anonymous_gets_401_json_not_a_login_redirect(method, path):
    response = getattr(APIClient(), method)(path, {}, format="json")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert "credentials" in response.json()["detail"]
    assert response["WWW-Authenticate"] == "Token"


def test_a_bad_token_is_a_401():
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get(LIST).status_code == 401


def test_token_auth_works():
    # Given a script's token for an IT user (as `manage.py drf_create_token` makes)
    user = make_user("it", username="script-bot")
    token = Token.objects.create(user=user)
    mine = make_asset()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    # When it reads and changes the register with no session at all
    listed = api.get(LIST)
    retired = api.post(f"{LIST}{mine.tag}/retire/", {"reason": "Scripted"}, format="json")

    # Then it is that user
    assert listed.status_code == 200
    assert retired.status_code == 200
    row = mine.history.order_by("-history_date", "-history_id").first()
    assert row.history_user == user


def test_token_endpoint_swaps_a_password_for_a_token():
    user = make_user("employee", username="scripter")

    ok = APIClient().post(
        "/api/v1/auth/token/", {"username": "scripter", "password": PASSWORD}, format="json"
    )
    bad = APIClient().post(
        "/api/v1/auth/token/", {"username": "scripter", "password": "wrong"}, format="json"
    )

    assert ok.status_code == 200
    assert ok.json()["token"] == Token.objects.get(user=user).key
    assert bad.status_code == 400


def test_session_auth_works_for_a_signed_in_browser(org):
    people, assets = org
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(people["emp"])

    listed = api.get(LIST)
    unsafe = api.post(f"{LIST}{assets['emp'].tag}/check-in/", {}, format="json")

    assert tags(listed) == {assets["emp"].tag}
    assert unsafe.status_code == 403  # no CSRF token: refused before anything else
    assert "CSRF" in unsafe.json()["detail"]
