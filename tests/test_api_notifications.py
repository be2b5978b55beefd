"""The in-app inbox through the API: mine only, unread filter, marking read."""

from __future__ import annotations

import datetime

import pytest
from rest_framework.test import APIClient

from itam.models import Notification
from tests.factories import make_user
from tests.request_factories import make_team

pytestmark = pytest.mark.django_db

LIST = "/api/v1/notifications/"
READ = "/api/v1/notifications/read/"


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def note(user, subject: str, **fields) -> Notification:
    return Notification.objects.create(recipient=user, kind="test", subject=subject, **fields)


@pytest.fixture
def people():
    return make_user("employee", username="ada"), make_user("employee", username="bob")


def subjects(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [n["subject"] for n in response.json()["results"]]


def test_the_list_shows_only_mine_newest_first(people) -> None:
    ada, bob = people
    note(ada, "First for Ada")
    note(bob, "For Bob")
    note(ada, "Second for Ada", url="/requests/1/")

    response = api_for(ada).get(LIST)

    assert subjects(response) == ["Second for Ada", "First for Ada"]
    item = response.json()["results"][0]
    assert {"id", "kind", "subject", "body", "url", "created_at", "read_at", "is_read"} <= set(item)
    assert (item["url"], item["is_read"], item["read_at"]) == ("/requests/1/", False, None)


def test_unread_filter(people) -> None:
    ada, _ = people
    Notification.objects.filter(pk=note(ada, "Old news").pk).update(
        read_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    )
    note(ada, "Fresh")

    assert subjects(api_for(ada).get(LIST, {"unread": "true"})) == ["Fresh"]
    assert subjects(api_for(ada).get(LIST, {"unread": "false"})) == ["Old news"]


def test_marking_given_ids_read(people) -> None:
    ada, _ = people
    first, second = note(ada, "One"), note(ada, "Two")

    response = api_for(ada).post(READ, {"ids": [first.pk]}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json() == {"marked": 1, "unread": 1}
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None


def test_marking_all_read_keeps_the_first_read_time(people) -> None:
    ada, bob = people
    already = note(ada, "Seen")
    api_for(ada).post(READ, {"ids": [already.pk]}, format="json")
    already.refresh_from_db()
    first_read = already.read_at
    note(ada, "New")
    bobs = note(bob, "Bob's")

    response = api_for(ada).post(READ, {"all": True}, format="json")

    assert response.json() == {"marked": 1, "unread": 0}
    already.refresh_from_db()
    bobs.refresh_from_db()
    assert already.read_at == first_read
    assert bobs.read_at is None  # someone else's inbox is untouched


@pytest.mark.parametrize(
    "body",
    [{}, {"ids": []}, {"all": False}, {"ids": [1], "all": True}, {"ids": ["x"]}, {"every": True}],
)
def test_marking_needs_ids_or_all(people, body) -> None:
    ada, _ = people
    note(ada, "Keep unread")

    response = api_for(ada).post(READ, body, format="json")

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid"
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_someone_elses_ids_are_refused_and_nothing_is_marked(people) -> None:
    ada, bob = people
    mine = note(ada, "Mine")
    theirs = note(bob, "Bob's")

    response = api_for(ada).post(READ, {"ids": [mine.pk, theirs.pk]}, format="json")

    assert response.status_code == 400
    assert str(theirs.pk) in response.json()["detail"]
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_signing_in_is_required() -> None:
    assert APIClient().get(LIST).status_code == 401
    assert APIClient().post(READ, {"all": True}, format="json").status_code == 401


def test_a_request_waiting_reaches_the_managers_inbox(django_capture_on_commit_callbacks) -> None:
    # given a team, and an employee asking for a laptop through the API
    team = make_team()
    with django_capture_on_commit_callbacks(execute=True):
        created = api_for(team.employee).post(
            "/api/v1/requests/",
            {"category": "laptops", "justification": "Mine is slow"},
            format="json",
        )
    assert created.status_code == 201

    # then the manager's inbox has it, unread, linking to the request; the employee's has not
    inbox = api_for(team.manager).get(LIST, {"unread": "true"}).json()["results"]
    assert [n["kind"] for n in inbox] == ["request_waiting"]
    assert inbox[0]["url"] == created.json()["web_url"]
    assert api_for(team.employee).get(LIST).json()["count"] == 0
