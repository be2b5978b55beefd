"""The person API lists the licence seats a person holds (the offboarding checklist needs them)."""

import pytest
from rest_framework.test import APIClient

from maintenance import licenses
from tests.factories import it_robot, make_user

pytestmark = pytest.mark.django_db


def test_a_persons_open_seats_are_listed():
    # Given Sam holding one seat and having released another
    it = it_robot()
    sam = make_user("employee", username="sam")
    office = licenses.create_license(actor=it, product="Office", seats=5, key="SECRET-KEY-77")
    visio = licenses.create_license(actor=it, product="Visio", seats=5)
    licenses.assign_seat(office, actor=it, user=sam)
    old = licenses.assign_seat(visio, actor=it, user=sam)
    licenses.release_seat(old, actor=it)

    # When IT staff read Sam's record through the API
    client = APIClient()
    client.force_authenticate(it)
    body = client.get("/api/v1/people/sam/").json()

    # Then only the open seat is listed, by licence and holder
    assert [(seat["license_name"], seat["user"]) for seat in body["licence_seats"]] == [
        ("Office", "sam")
    ]


def test_the_person_api_never_shows_a_key_to_the_person_themselves():
    it = it_robot()
    sam = make_user("employee", username="sam")
    office = licenses.create_license(actor=it, product="Office", seats=5, key="SECRET-KEY-77")
    licenses.assign_seat(office, actor=it, user=sam)

    client = APIClient()
    client.force_authenticate(sam)
    response = client.get("/api/v1/people/sam/")

    assert response.status_code == 200
    assert response.json()["licence_seats"][0]["license_name"] == "Office"
    assert b"SECRET-KEY-77" not in response.content
