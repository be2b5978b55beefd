"""The licences API: /api/v1/licenses/, seats, renewals, key masking, roles, and the race for
the last seat on PostgreSQL."""

import datetime
import threading

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from maintenance import licenses
from maintenance.licenses import MASK, SeatRefused
from maintenance.models import LicenseSeat, SoftwareLicense
from tests.factories import DepartmentFactory, VendorFactory, it_robot, make_asset, make_user

pytestmark = pytest.mark.django_db

LIST = "/api/v1/licenses/"
# Distinctive, so that finding any part of it in a response means it leaked.
KEY = "QX7-KEYLEAK-93ZT-PLUM-4471"
TODAY = timezone.localdate


def detail(license) -> str:
    return f"{LIST}{license.pk}/"


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def make_license(*, seats=5, key=KEY, expires_in=200, **fields) -> SoftwareLicense:
    fields.setdefault("product", "Acrobat Pro")
    expires_on = TODAY() + datetime.timedelta(days=expires_in) if expires_in is not None else None
    return licenses.create_license(
        actor=it_robot(), seats=seats, key=key, expires_on=expires_on, **fields
    )


def give_seat(license, holder):
    if hasattr(holder, "tag"):
        return licenses.assign_seat(license, actor=it_robot(), asset=holder)
    return licenses.assign_seat(license, actor=it_robot(), user=holder)


class Team:
    """A department with its manager, an employee in it, an outsider, IT staff and an auditor."""

    def __init__(self):
        self.dept = DepartmentFactory(name="Sales", slug="sales")
        self.manager = make_user("manager", username="mia-manager", department=self.dept)
        self.employee = make_user("employee", username="eve", department=self.dept)
        self.outsider = make_user("employee", username="otto")
        self.it = make_user("it", username="ian-it")
        self.auditor = make_user("auditor", username="aud")

    def by_role(self, role):
        return {
            "employee": self.employee,
            "manager": self.manager,
            "auditor": self.auditor,
            "it": self.it,
        }[role]


@pytest.fixture
def team():
    return Team()


# --- the contract shapes -------------------------------------------------------------------------


def test_create_with_the_contract_body_answers_201_with_the_licence(team):
    expires = (TODAY() + datetime.timedelta(days=365)).isoformat()

    response = api_for(team.it).post(
        LIST,
        {"product": "Figma", "seats": 3, "expires_on": expires, "key": KEY, "cost": "900.00"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["product"], body["seats"], body["expires_on"], body["key"]) == (
        "Figma",
        3,
        expires,
        KEY,
    )
    assert (body["seats_used"], body["seats_free"], body["utilisation"]) == (0, 3, "0.0")
    assert body["cost"] == "900.00"
    license = SoftwareLicense.objects.get(pk=body["id"])
    assert license.key == KEY
    assert body["url"].endswith(f"/api/v1/licenses/{license.pk}/")
    # the key never goes into the licence's history
    assert not hasattr(license.history.first(), "key")


def test_list_item_has_every_documented_field(team):
    vendor = VendorFactory(name="Adobe")
    license = make_license(
        seats=3,
        version="2025",
        vendor=vendor,
        cost="1200.00",
        purchased_on=TODAY() - datetime.timedelta(days=100),
        renewal_terms="Yearly, 30 days notice",
        owner=team.it,
        notes="Finance team",
    )
    give_seat(license, team.employee)
    leaver = make_user("employee", username="left")
    give_seat(license, leaver)
    leaver.is_active = False
    leaver.save()

    body = api_for(team.it).get(LIST).json()

    assert body["count"] == 1
    item = body["results"][0]
    expected = {
        "id": license.pk,
        "product": "Acrobat Pro",
        "version": "2025",
        "vendor": vendor.pk,
        "vendor_name": "Adobe",
        "key": KEY,
        "seats": 3,
        "seats_used": 2,
        "seats_free": 1,
        "seats_orphaned": 1,
        "utilisation": "66.7",
        "cost": "1200.00",
        "purchased_on": (TODAY() - datetime.timedelta(days=100)).isoformat(),
        "expires_on": (TODAY() + datetime.timedelta(days=200)).isoformat(),
        "days_left": 200,
        "is_expired": False,
        "renewal_terms": "Yearly, 30 days notice",
        "owner": "ian-it",
        "notes": "Finance team",
    }
    assert {name: item[name] for name in expected} == expected
    assert item["url"].endswith(f"/api/v1/licenses/{license.pk}/")


def test_a_perpetual_licence_has_no_days_left(team):
    make_license(expires_in=None)

    item = api_for(team.it).get(LIST).json()["results"][0]

    assert (item["expires_on"], item["days_left"], item["is_expired"]) == (None, None, False)


# --- the key is for IT staff only ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["employee", "manager", "auditor"])
def test_the_key_never_leaves_for_other_roles(team, role):
    # Given a licence whose seat the employee holds (so every role here can see it)
    license = make_license()
    seat = give_seat(license, team.employee)
    licenses.renew_license(
        license, actor=it_robot(), expires_on=TODAY() + datetime.timedelta(days=400)
    )
    api = api_for(team.by_role(role))

    # When they read it every way the API offers, and try the writes
    reads = [
        api.get(LIST),
        api.get(LIST, {"q": "Acrobat"}),
        api.get(detail(license)),
        api.get(f"{detail(license)}seats/"),
        api.get(f"{detail(license)}seats/", {"all": "1"}),
        api.get(f"{detail(license)}renewals/"),
    ]
    browsable = [  # the browsable API's pages, with their pre-filled forms
        api.get(url, HTTP_ACCEPT="text/html")
        for url in (LIST, detail(license), f"{detail(license)}seats/")
    ]
    writes = [
        api.post(LIST, {"product": "X", "seats": 1, "key": KEY}, format="json"),
        api.patch(detail(license), {"notes": "x"}, format="json"),
        api.post(
            f"{detail(license)}renew/",
            {"expires_on": (TODAY() + datetime.timedelta(days=900)).isoformat()},
            format="json",
        ),
        api.post(f"{detail(license)}seats/{seat.pk}/release/", {}, format="json"),
    ]

    # Then they see the licence, masked, and the key appears nowhere
    assert [r.status_code for r in reads + browsable] == [200] * (len(reads) + len(browsable))
    assert [r.status_code for r in writes] == [403] * len(writes)
    for response in reads + browsable + writes:
        assert KEY.encode() not in response.content
        assert b"KEYLEAK" not in response.content
    assert reads[0].json()["results"][0]["key"] == MASK
    assert reads[2].json()["key"] == MASK


def test_it_staff_see_the_key_everywhere_a_licence_is_answered(team):
    api = api_for(team.it)
    created = api.post(LIST, {"product": "Figma", "seats": 2, "key": KEY}, format="json")
    pk = created.json()["id"]
    renewed = api.post(
        f"{LIST}{pk}/renew/",
        {"expires_on": (TODAY() + datetime.timedelta(days=400)).isoformat()},
        format="json",
    )

    for response in (created, renewed, api.get(LIST), api.get(f"{LIST}{pk}/")):
        assert response.status_code in (200, 201)
        assert KEY.encode() in response.content


def test_someone_who_may_add_and_renew_but_not_read_keys_gets_the_mask(team):
    # Given a person granted licence admin rights by hand, without the key permission
    clerk = make_user("employee", username="clerk")
    clerk.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="maintenance",
            codename__in=["add_softwarelicense", "renew_softwarelicense", "view_softwarelicense"],
        )
    )
    api = api_for(clerk)

    created = api.post(LIST, {"product": "Figma", "seats": 2, "key": KEY}, format="json")
    renewed = api.post(
        f"{LIST}{created.json()['id']}/renew/",
        {"expires_on": (TODAY() + datetime.timedelta(days=400)).isoformat()},
        format="json",
    )

    assert (created.status_code, renewed.status_code) == (201, 200)
    for response in (created, renewed):
        assert response.json()["key"] == MASK
        assert KEY.encode() not in response.content
    # nor in the browsable API's edit form, were they allowed to edit
    clerk.user_permissions.add(Permission.objects.get(codename="change_softwarelicense"))
    clerk = type(clerk).objects.get(pk=clerk.pk)  # a fresh permission cache
    page = api_for(clerk).get(f"{LIST}{created.json()['id']}/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert b"PATCH" in page.content
    assert KEY.encode() not in page.content


def test_a_licence_without_a_key_shows_an_empty_key_not_the_mask(team):
    license = make_license(key="")
    give_seat(license, team.employee)

    assert api_for(team.employee).get(detail(license)).json()["key"] == ""


def test_the_search_never_matches_the_key(team):
    make_license()

    for user in (team.it, team.auditor):
        assert api_for(user).get(LIST, {"q": "KEYLEAK"}).json()["count"] == 0
        assert api_for(user).get(LIST, {"q": "Acrobat"}).json()["count"] == 1


def test_ordering_by_key_is_refused(team):
    make_license()

    response = api_for(team.auditor).get(LIST, {"ordering": "key"})

    assert response.status_code == 400


# --- seats ---------------------------------------------------------------------------------------


def seats_url(license) -> str:
    return f"{detail(license)}seats/"


def test_assign_a_seat_to_a_person_answers_201_with_the_seat(team):
    license = make_license(seats=2)

    response = api_for(team.it).post(
        seats_url(license), {"user": "eve", "note": "REQ-12"}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["user"], body["asset"], body["note"], body["is_open"]) == (
        "eve",
        None,
        "REQ-12",
        True,
    )
    assert body["assigned_by"] == "ian-it"
    assert body["license"] == license.pk
    assert LicenseSeat.objects.get(pk=body["id"]).user == team.employee


def test_assign_a_seat_to_an_asset_by_tag(team):
    license = make_license(seats=2)
    laptop = make_asset("deployed", holder=team.employee)

    response = api_for(team.it).post(seats_url(license), {"asset": laptop.tag}, format="json")

    assert response.status_code == 201, response.json()
    assert (response.json()["asset"], response.json()["user"]) == (laptop.tag, None)


def test_assigning_more_seats_than_the_licence_has_is_a_409_saying_what_to_do(team):
    # Given a licence with two seats, both taken
    license = make_license(seats=2)
    give_seat(license, team.employee)
    give_seat(license, team.manager)

    # When IT gives a third person a seat
    response = api_for(team.it).post(seats_url(license), {"user": "otto"}, format="json")

    # Then it is refused with a message naming the way out, and no seat is created
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "seat_refused"
    assert "All 2 seats of Acrobat Pro are in use" in body["detail"]
    assert "release one, or renew with more seats" in body["detail"]
    assert (body["license"], body["seats"], body["seats_used"]) == (license.pk, 2, 2)
    assert license.seat_assignments.filter(released_at=None).count() == 2


def test_a_second_seat_for_the_same_person_is_a_409(team):
    license = make_license(seats=5)
    give_seat(license, team.employee)

    response = api_for(team.it).post(seats_url(license), {"user": "eve"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "seat_refused"
    assert "already holds a seat" in response.json()["detail"]
    assert license.seat_assignments.count() == 1


def test_a_seat_of_an_expired_licence_is_a_409(team):
    license = make_license(expires_in=-1)

    response = api_for(team.it).post(seats_url(license), {"user": "eve"}, format="json")

    assert response.status_code == 409
    assert "renew it before assigning seats" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "one holder"),
        ({"user": "eve", "asset": "IT-000001"}, "You gave both"),
        ({"user": "nobody"}, "No user with username “nobody”"),
        ({"asset": "NOPE-1"}, "No asset with tag “NOPE-1”"),
        ({"user": "eve", "colour": "red"}, "Unknown field “colour”"),
    ],
)
def test_a_seat_body_needs_exactly_one_known_holder(team, body, words):
    license = make_license(seats=5)
    make_asset("in_stock", tag="IT-000001")

    response = api_for(team.it).post(seats_url(license), body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert words in response.json()["detail"]
    assert not license.seat_assignments.exists()


def test_a_person_who_left_gets_no_seat(team):
    license = make_license()
    team.outsider.is_active = False
    team.outsider.save()

    response = api_for(team.it).post(seats_url(license), {"user": "otto"}, format="json")

    assert response.status_code == 400
    assert "has left" in response.json()["detail"]


def test_seats_are_the_open_ones_unless_all_is_asked(team):
    license = make_license()
    kept = give_seat(license, team.employee)
    gone = give_seat(license, team.manager)
    licenses.release_seat(gone, actor=it_robot(), reason="Moved team")
    api = api_for(team.it)

    open_ids = [row["id"] for row in api.get(seats_url(license)).json()["results"]]
    all_ids = {row["id"] for row in api.get(seats_url(license), {"all": "1"}).json()["results"]}

    assert open_ids == [kept.pk]
    assert all_ids == {kept.pk, gone.pk}


def test_release_a_seat_frees_it_and_a_second_release_is_a_409(team):
    license = make_license(seats=1)
    seat = give_seat(license, team.employee)
    api = api_for(team.it)
    url = f"{seats_url(license)}{seat.pk}/release/"

    first = api.post(url, {"reason": "Left the project"}, format="json")
    second = api.post(url, {"reason": "again"}, format="json")

    assert first.status_code == 200, first.json()
    assert first.json()["is_open"] is False
    assert first.json()["release_reason"] == "Left the project"
    assert first.json()["released_by"] == "ian-it"
    assert second.status_code == 409
    assert "already released" in second.json()["detail"]
    # the freed seat can be given again
    assert api.post(seats_url(license), {"user": "otto"}, format="json").status_code == 201


def test_release_a_seat_of_another_licence_is_a_404(team):
    license, other = make_license(), make_license(product="Visio")
    seat = give_seat(other, team.employee)

    response = api_for(team.it).post(f"{seats_url(license)}{seat.pk}/release/", {}, format="json")

    assert response.status_code == 404
    assert LicenseSeat.objects.get(pk=seat.pk).is_open


def test_orphaned_seats_list_the_seats_of_leavers_and_retired_assets(team):
    license = make_license()
    give_seat(license, team.employee)
    leaver = make_user("employee", username="left")
    leaver_seat = give_seat(license, leaver)
    leaver.is_active = False
    leaver.save()
    box = make_asset("in_stock")
    box_seat = give_seat(license, box)
    from assets import lifecycle

    lifecycle.retire(box, actor=it_robot(), reason="Old")

    for user in (team.it, team.auditor):
        rows = api_for(user).get(f"{LIST}orphaned-seats/").json()["results"]
        assert {row["id"] for row in rows} == {leaver_seat.pk, box_seat.pk}
        assert all(row["holder_left"] for row in rows)
        assert {row["license"] for row in rows} == {license.pk}
    for user in (team.employee, team.manager):
        assert api_for(user).get(f"{LIST}orphaned-seats/").status_code == 403


# --- changing and renewing -----------------------------------------------------------------------


def test_patch_cannot_cut_seats_below_those_in_use(team):
    license = make_license(seats=3)
    give_seat(license, team.employee)
    give_seat(license, team.manager)

    response = api_for(team.it).patch(detail(license), {"seats": 1}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["seats"] == [
        "2 seats are in use: release 1 before cutting the licence to 1."
    ]
    license.refresh_from_db()
    assert license.seats == 3


def test_patch_changes_details_and_keeps_a_history_row(team):
    license = make_license(seats=3)

    response = api_for(team.it).patch(
        detail(license),
        {"seats": 10, "notes": "Bought more", "owner": "mia-manager", "reason": "True-up"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["seats"], response.json()["owner"]) == (10, "mia-manager")
    row = license.history.order_by("-history_date").first()
    assert (row.seats, row.history_change_reason, row.history_user) == (10, "True-up", team.it)


def test_patch_with_what_get_answered_round_trips(team):
    license = make_license(seats=3)
    api = api_for(team.it)
    body = api.get(detail(license)).json()
    body["notes"] = "Checked"

    response = api.patch(detail(license), body, format="json")

    assert response.status_code == 200, response.json()
    license.refresh_from_db()
    assert (license.notes, license.key) == ("Checked", KEY)


def test_put_is_not_offered(team):
    license = make_license()

    assert api_for(team.it).put(detail(license), {}, format="json").status_code == 405


def test_renew_answers_the_licence_and_the_renewal(team):
    license = make_license(seats=2, expires_in=10)
    new_expiry = (TODAY() + datetime.timedelta(days=375)).isoformat()

    response = api_for(team.it).post(
        f"{detail(license)}renew/",
        {"expires_on": new_expiry, "cost": "1500.00", "seats": 5, "note": "PO-77"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["expires_on"], body["seats"], body["cost"]) == (new_expiry, 5, "1500.00")
    renewal = body["renewal"]
    assert renewal["previous_expires_on"] == (TODAY() + datetime.timedelta(days=10)).isoformat()
    assert (renewal["previous_seats"], renewal["seats"], renewal["note"]) == (2, 5, "PO-77")
    renewals = api_for(team.auditor).get(f"{detail(license)}renewals/").json()
    assert [r["id"] for r in renewals] == [renewal["id"]]


def test_renew_to_an_earlier_expiry_is_a_400(team):
    license = make_license(expires_in=100)

    response = api_for(team.it).post(
        f"{detail(license)}renew/",
        {"expires_on": (TODAY() + datetime.timedelta(days=50)).isoformat()},
        format="json",
    )

    assert response.status_code == 400
    assert "must be after the current one" in response.json()["detail"]


def test_create_with_bad_input_is_a_400_per_field(team):
    response = api_for(team.it).post(LIST, {"seats": 0, "cost": "-1"}, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"product", "seats", "cost"}
    assert not SoftwareLicense.objects.exists()


# --- who sees what -------------------------------------------------------------------------------


def test_each_role_sees_the_licences_it_should(team):
    mine = make_license(product="Mine")
    give_seat(mine, team.employee)
    on_my_laptop = make_license(product="On my laptop")
    give_seat(on_my_laptop, make_asset("deployed", holder=team.employee))
    elsewhere = make_license(product="Elsewhere")
    give_seat(elsewhere, team.outsider)
    unused = make_license(product="Unused")

    def seen(user) -> set[str]:
        return {row["product"] for row in api_for(user).get(LIST).json()["results"]}

    everything = {"Mine", "On my laptop", "Elsewhere", "Unused"}
    assert seen(team.it) == everything
    assert seen(team.auditor) == everything
    assert seen(team.employee) == {"Mine", "On my laptop"}
    assert seen(team.manager) == {"Mine", "On my laptop"}
    assert seen(team.outsider) == {"Elsewhere"}
    for license in (elsewhere, unused):
        assert api_for(team.employee).get(detail(license)).status_code == 404
        assert api_for(team.employee).get(seats_url(license)).status_code == 404
        assert api_for(team.manager).get(f"{detail(license)}renewals/").status_code == 404


def test_people_see_only_their_own_seats_of_a_shared_licence(team):
    license = make_license()
    own = give_seat(license, team.employee)
    give_seat(license, team.outsider)

    rows = api_for(team.employee).get(seats_url(license)).json()["results"]
    managed = api_for(team.manager).get(seats_url(license)).json()["results"]

    assert [row["id"] for row in rows] == [own.pk]
    assert [row["id"] for row in managed] == [own.pk]


@pytest.mark.parametrize("role", ["employee", "manager", "auditor"])
def test_no_role_but_it_staff_changes_licences_or_seats(team, role):
    license = make_license(seats=5)
    seat = give_seat(license, team.employee)
    api = api_for(team.by_role(role))
    future = (TODAY() + datetime.timedelta(days=900)).isoformat()

    answers = {
        "create": api.post(LIST, {"product": "X", "seats": 1}, format="json"),
        "patch": api.patch(detail(license), {"seats": 9}, format="json"),
        "assign": api.post(seats_url(license), {"user": "otto"}, format="json"),
        "release": api.post(f"{seats_url(license)}{seat.pk}/release/", {}, format="json"),
        "renew": api.post(f"{detail(license)}renew/", {"expires_on": future}, format="json"),
    }

    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 403)
    assert all(r.json()["code"] == "permission_denied" for r in answers.values())
    license.refresh_from_db()
    assert (license.seats, SoftwareLicense.objects.count()) == (5, 1)
    assert license.seat_assignments.filter(released_at=None).count() == 1


def test_signed_out_is_a_401(team):
    license = make_license()

    for url in (LIST, detail(license), seats_url(license), f"{LIST}orphaned-seats/"):
        assert APIClient().get(url).status_code == 401
    assert APIClient().post(seats_url(license), {"user": "eve"}).status_code == 401


# --- filters and queries -------------------------------------------------------------------------


def test_filters_expiring_expired_vendor_and_ordering(team):
    adobe = VendorFactory(name="Adobe")
    make_license(product="Soon", expires_in=20, vendor=adobe)
    make_license(product="Later", expires_in=300)
    make_license(product="Past", expires_in=-5)
    make_license(product="Forever", expires_in=None)
    api = api_for(team.auditor)

    def products(**params) -> list[str]:
        return [row["product"] for row in api.get(LIST, params).json()["results"]]

    assert products(expiring=30) == ["Soon"]
    assert products(expired="true") == ["Past"]
    assert products(expired="false", ordering="product") == ["Forever", "Later", "Soon"]
    assert products(vendor="adobe") == ["Soon"]
    assert products(vendor=str(adobe.pk)) == ["Soon"]
    assert products(expiring=400, ordering="-expires_on") == ["Later", "Soon"]
    assert api.get(LIST, {"expiring": "soon"}).status_code == 400


def test_the_list_runs_a_fixed_number_of_queries_whatever_the_page_size(team):
    for n in range(12):
        license = make_license(product=f"Product {n:02}", vendor=VendorFactory(), owner=team.it)
        give_seat(license, team.employee)
        if n % 3 == 0:
            give_seat(license, team.outsider)
    for user in (team.it, team.employee):
        api = api_for(user)
        api.get(LIST)  # the user's permission cache, as any earlier call would fill it

        def count(size: int, api=api) -> int:
            with CaptureQueriesContext(connection) as queries:
                response = api.get(LIST, {"page_size": size})
            assert response.status_code == 200
            assert len(response.json()["results"]) == size
            return len(queries)

        assert count(2) == count(12) <= 4


# --- the race for the last seat (PostgreSQL) -----------------------------------------------------


def race(workers: list) -> list:
    """Start every worker at the same instant, each in its own thread and DB connection."""
    barrier = threading.Barrier(len(workers))
    results: list = [None] * len(workers)

    def run(index, work):
        try:
            barrier.wait(timeout=10)
            results[index] = work()
        except Exception as error:  # the loser's refusal is a result too
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI always has it)"
)
def test_two_people_racing_for_the_last_seat_get_one_seat_and_one_refusal():
    # Given a licence with one free seat and two people who each want it
    actor = it_robot()
    license = licenses.create_license(actor=actor, product="Sketch", seats=2)
    licenses.assign_seat(license, actor=actor, user=make_user("employee", username="first"))
    alice, bob = make_user("employee", username="alice"), make_user("employee", username="bob")

    # When IT assigns it to both at the same moment
    results = race(
        [
            lambda: licenses.assign_seat(
                SoftwareLicense.objects.get(pk=license.pk), actor=actor, user=alice
            ),
            lambda: licenses.assign_seat(
                SoftwareLicense.objects.get(pk=license.pk), actor=actor, user=bob
            ),
        ]
    )

    # Then exactly one gets it and the other is refused: never three seats of two
    seats = [r for r in results if isinstance(r, LicenseSeat)]
    refusals = [r for r in results if isinstance(r, SeatRefused)]
    assert (len(seats), len(refusals)) == (1, 1), results
    assert "All 2 seats" in refusals[0].message
    assert LicenseSeat.objects.filter(license=license, released_at=None).count() == 2
