"""GET /api/v1/people/ (as /people/: IT staff and auditors) and sending a sign-in link."""

import pytest
from rest_framework.test import APIClient

from tests.factories import DepartmentFactory, make_asset, make_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/people/"


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def staff():
    sales = DepartmentFactory(name="Sales", slug="sales")
    ann = make_user("employee", username="ann", first_name="Ann", last_name="Archer")
    ann.profile.department = sales
    ann.profile.job_title = "Account manager"
    ann.profile.save()
    bob = make_user("employee", username="bob", first_name="Bob", last_name="Baker")
    gone = make_user("employee", username="cy", first_name="Cy", last_name="Cole", is_active=False)
    make_asset("deployed", holder=ann)
    make_asset("deployed", holder=ann)
    return {"ann": ann, "bob": bob, "cy": gone}


@pytest.mark.parametrize("role", ["it", "auditor"])
def test_it_staff_and_auditors_list_everyone(role, staff):
    api = api_for(make_user(role, username="viewer", first_name="Zed", last_name="Zulu"))

    body = api.get(URL).json()

    rows = {p["username"]: p for p in body["results"]}
    assert {"ann", "bob", "cy", "viewer"} <= set(rows)
    ann = rows["ann"]
    assert ann["name"] == "Ann Archer" and ann["held_count"] == 2
    assert ann["department"] == {
        "id": staff["ann"].profile.department_id,
        "name": "Sales",
        "slug": "sales",
    }
    assert ann["job_title"] == "Account manager"
    assert ann["url"].endswith("/api/v1/people/ann/") and ann["web_url"] == "/people/ann/"
    assert rows["bob"]["department"] is None and rows["bob"]["held_count"] == 0


@pytest.mark.parametrize("role", ["employee", "manager"])
def test_others_get_a_403_as_on_the_page(role, staff):
    response = api_for(make_user(role)).get(URL)

    assert response.status_code == 403
    assert response.json()["detail"] == "Only IT staff and auditors see the list of people."
    assert b"Archer" not in response.content


def test_search_filters_and_ordering(staff):
    api = api_for(make_user("it", username="it1", first_name="Ivy", last_name="Ives"))

    def names(**params) -> list[str]:
        return [p["username"] for p in api.get(URL, params).json()["results"]]

    assert names(q="archer") == ["ann"]
    assert names(q="bob@example") == ["bob"]
    assert names(department="sales") == ["ann"]
    assert names(holding="true") == ["ann"]
    assert "ann" not in names(holding="false")
    assert names(is_active="false") == ["cy"]
    assert names(ordering="-held_count")[0] == "ann"
    assert names(ordering="username")[:3] == ["ann", "bob", "cy"]


def test_the_list_costs_a_fixed_number_of_queries(staff, django_assert_max_num_queries):
    for _ in range(15):
        make_user("employee", department=DepartmentFactory())
    api = api_for(make_user("it"))

    with django_assert_max_num_queries(6):
        response = api.get(URL, {"page_size": 100})
    assert response.json()["count"] >= 18


def test_it_staff_send_a_sign_in_link(staff, mailoutbox, django_capture_on_commit_callbacks):
    api = api_for(make_user("it"))

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{URL}bob/send-sign-in-link/")

    assert response.status_code == 200
    assert response.json()["email"] == "bob@example.com"
    assert [m.to for m in mailoutbox] == [["bob@example.com"]]


def test_a_sign_in_link_is_refused_with_a_reason(staff, mailoutbox):
    it = api_for(make_user("it"))

    inactive = it.post(f"{URL}cy/send-sign-in-link/")
    assert inactive.status_code == 400 and "inactive" in inactive.json()["detail"]
    assert it.post(f"{URL}nobody/send-sign-in-link/").status_code == 404
    employee = api_for(staff["bob"]).post(f"{URL}ann/send-sign-in-link/")
    assert employee.status_code == 403
    assert mailoutbox == []
