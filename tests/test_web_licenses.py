"""Licence pages: what each role sees (a key only if IT staff), seats, renewals, offboarding."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assets import lifecycle
from maintenance import licenses, services
from maintenance.models import LicenseSeat, SoftwareLicense
from tests.factories import (
    DepartmentFactory,
    LocationFactory,
    VendorFactory,
    it_robot,
    make_asset,
    make_user,
)

pytestmark = pytest.mark.django_db

# Distinctive, so finding it anywhere in a page is never a coincidence.
KEY = "QZX9-SECRET-KEY-77AB"


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def today() -> datetime.date:
    return timezone.localdate()


def new_license(**fields) -> SoftwareLicense:
    fields = {
        "product": "Acrobat Pro",
        "seats": 3,
        "key": KEY,
        "purchased_on": today() - days(300),
        "expires_on": today() + days(200),
        **fields,
    }
    return licenses.create_license(actor=it_robot(), **fields)


def seat_for(license: SoftwareLicense, *, user=None, asset=None) -> LicenseSeat:
    return licenses.assign_seat(license, actor=it_robot(), user=user, asset=asset)


@pytest.fixture
def team():
    return DepartmentFactory(name="Design", slug="design")


@pytest.fixture
def it_user():
    return make_user("it", username="ian", first_name="Ian", last_name="Tech")


@pytest.fixture
def eve(team):
    return make_user(
        "employee", username="eve", first_name="Eve", last_name="Stone", department=team
    )


@pytest.fixture
def it_client(client, it_user):
    client.force_login(it_user)
    return client


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def license_url(license: SoftwareLicense, name: str = "license") -> str:
    return reverse(f"maintenance:{name}", args=[license.pk])


# --- the key ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["employee", "manager", "auditor"])
def test_no_page_ever_shows_the_key_to_anyone_but_it_staff(client, team, eve, role):
    # Given a licence with a distinctive key, a seat held by Eve and one on her laptop
    laptop = make_asset("deployed", holder=eve, name="Eve laptop")
    license = new_license()
    seat_for(license, user=eve)
    seat_for(license, asset=laptop)
    # and its key changed once (the old key must not leak through the history either)
    licenses.update_license(license, actor=it_robot(), key=KEY + "-OLD")
    licenses.update_license(license, actor=it_robot(), key=KEY)
    viewer = {
        "employee": lambda: eve,
        "manager": lambda: make_user("manager", username="mona", department=team),
        "auditor": lambda: make_user("auditor", username="ada"),
    }[role]()
    client.force_login(viewer)

    # When they open every page the licence appears on
    urls = [
        reverse("maintenance:licenses"),
        reverse("maintenance:licenses") + "?q=Acrobat",
        license_url(license),
        reverse("assets:detail", args=[laptop.tag]),
        reverse("people:detail", args=["eve"]),
    ]
    if role == "auditor":
        urls.append(reverse("maintenance:licenses-orphaned"))
    pages = [page(client, url) for url in urls]

    # Then the licence is there, but its key never is; the mask says it is hidden
    assert all("SECRET-KEY" not in text for text in pages)
    assert "Acrobat Pro" in pages[2]
    assert licenses.MASK in pages[2]
    assert "Only IT staff see licence keys" in pages[2]
    # and the edit form, which would show the key, is refused
    assert client.get(license_url(license, "license-edit")).status_code in (403, 404)


def test_it_staff_see_the_key_behind_a_disclosure(it_client):
    license = new_license()
    text = page(it_client, license_url(license))
    assert KEY in text
    assert "Show the key" in text
    assert KEY in page(it_client, license_url(license, "license-edit"))
    assert KEY not in page(it_client, reverse("maintenance:licenses"))


# --- who sees which licence -----------------------------------------------------------------


def test_employees_see_only_the_licences_they_hold_and_404_for_others(client, eve):
    mine = new_license(product="Figma")
    other = new_license(product="AutoCAD")
    seat_for(mine, user=eve)
    client.force_login(eve)

    listing = page(client, reverse("maintenance:licenses"))
    assert "Figma" in listing and "AutoCAD" not in listing
    assert page(client, license_url(mine)).count("Eve Stone") >= 1
    assert client.get(license_url(other)).status_code == 404
    assert client.get(reverse("maintenance:license", args=[99999])).status_code == 404


@pytest.mark.parametrize("role", ["employee", "manager", "auditor"])
def test_only_it_staff_change_licences(client, team, eve, role):
    license = new_license()
    seat = seat_for(license, user=eve)
    user = {"employee": eve, "manager": make_user("manager", department=team)}.get(role)
    client.force_login(user or make_user(role))
    for url in (
        reverse("maintenance:license-new"),
        license_url(license, "license-edit"),
        license_url(license, "license-renew"),
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"product": "X", "seats": 9}).status_code == 403, url
    assert client.post(license_url(license, "license-assign"), {"user": "eve"}).status_code == 403
    release = reverse("maintenance:seat-release", args=[seat.pk])
    assert client.post(release).status_code == 403
    # guessed ids answer the same as real ones: nothing to learn
    assert client.post(reverse("maintenance:seat-release", args=[999999])).status_code == 403
    seat.refresh_from_db()
    assert seat.released_at is None
    license.refresh_from_db()
    assert license.product == "Acrobat Pro"


def test_auditors_read_every_licence_with_its_seats_and_history(client, eve):
    license = new_license()
    seat_for(license, user=eve)
    client.force_login(make_user("auditor"))
    text = page(client, license_url(license))
    assert "Eve Stone" in text
    assert "History" in text and "Licence added" in text
    assert "Assign a seat" not in text
    assert "/release/" not in text
    assert license_url(license, "license-renew") not in text
    assert license_url(license, "license-edit") not in text


# --- the list --------------------------------------------------------------------------------


def test_the_list_shows_utilisation_expiry_and_holders_who_left(it_client, eve):
    license = new_license(product="Sketch", seats=4, expires_on=today() + days(20))
    seat_for(license, user=eve)
    leaver = make_user("employee", username="lea")
    seat_for(license, user=leaver)
    leaver.is_active = False
    leaver.save()

    text = page(it_client, reverse("maintenance:licenses"))

    assert re.search(r"<strong>2</strong> of 4", text)
    assert "50.0%" in text
    assert "In 20 days" in text
    assert "1 holder left" in text
    assert "1 seat still held by people who have left" in text


def test_expiring_filter_from_the_reminder_email_and_search(it_client):
    new_license(product="Soon", expires_on=today() + days(30))
    new_license(product="Later", expires_on=today() + days(200))
    new_license(product="Lapsed", expires_on=today() - days(3), purchased_on=today() - days(400))
    new_license(product="Forever", expires_on=None)

    text = page(it_client, reverse("maintenance:licenses") + "?expiring=60")
    assert "Soon" in text
    assert "Later" not in text and "Lapsed" not in text and "Forever" not in text

    text = page(it_client, reverse("maintenance:licenses") + "?expired=on")
    assert "Lapsed" in text and "Expired 3 days ago" in text and "Soon" not in text

    text = page(it_client, reverse("maintenance:licenses") + "?q=forev")
    assert "Forever" in text and "Soon" not in text


def test_vendor_filter_and_bad_filter_values(it_client):
    adobe = VendorFactory(name="Adobe")
    new_license(product="Acrobat", vendor=adobe)
    new_license(product="Office")
    text = page(it_client, reverse("maintenance:licenses") + f"?vendor={adobe.pk}")
    assert "Acrobat" in text and "Office" not in text

    text = page(it_client, reverse("maintenance:licenses") + "?expiring=soon")
    assert "Some filters could not be read" in text
    assert "Enter a number of days" in text


def test_the_list_runs_the_same_number_of_queries_for_3_and_30_licences(
    client, it_user, django_assert_max_num_queries
):
    client.force_login(it_user)
    people = [make_user("employee", username=f"p{n}") for n in range(3)]

    def fill(count: int) -> None:
        for n in range(count):
            license = new_license(product=f"Product {SoftwareLicense.objects.count():03d}")
            for person in people[: n % 3 + 1]:
                seat_for(license, user=person)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("maintenance:licenses")).status_code == 200
        return len(ctx.captured_queries)

    fill(3)
    small = count_queries()
    fill(27)
    large = count_queries()
    assert large == small
    with django_assert_max_num_queries(small):
        client.get(reverse("maintenance:licenses") + "?ordering=used&expiring=365")


# --- creating, editing, renewing --------------------------------------------------------


def test_it_staff_add_a_licence_and_errors_sit_next_to_their_field(it_client):
    url = reverse("maintenance:license-new")
    bad = it_client.post(
        url,
        {
            "product": "Visio",
            "seats": "0",
            "purchased_on": "2026-03-01",
            "expires_on": "2026-01-01",
        },
    )
    assert bad.status_code == 400
    form = bad.context["form"]
    assert "seats" in form.errors
    assert SoftwareLicense.objects.count() == 0

    bad = it_client.post(
        url,
        {
            "product": "Visio",
            "seats": "5",
            "purchased_on": "2026-03-01",
            "expires_on": "2026-01-01",
        },
    )
    assert bad.status_code == 400
    assert bad.context["form"].errors["expires_on"] == [
        "It expires before it was bought: check the dates."
    ]

    done = it_client.post(
        url,
        {
            "product": "Visio",
            "version": "Plan 2",
            "seats": "5",
            "key": KEY,
            "cost": "450.00",
            "expires_on": (today() + days(90)).isoformat(),
            "owner": "ian",
        },
    )
    license = SoftwareLicense.objects.get()
    assert done.status_code == 302 and done["Location"] == license_url(license)
    assert (license.key, license.cost, license.owner.username) == (KEY, Decimal("450.00"), "ian")


def test_editing_cannot_cut_seats_below_those_in_use(it_client, eve):
    license = new_license(seats=2)
    seat_for(license, user=eve)
    seat_for(license, user=make_user("employee"))
    data = {"product": "Acrobat Pro", "seats": "1", "key": KEY}
    response = it_client.post(license_url(license, "license-edit"), data)
    assert response.status_code == 400
    assert "2 seats are in use" in response.context["form"].errors["seats"][0]

    data.update(seats="5", reason="Bought three more")
    assert it_client.post(license_url(license, "license-edit"), data).status_code == 302
    license.refresh_from_db()
    assert license.seats == 5
    assert license.history.first().history_change_reason == "Bought three more"


def test_renewing_keeps_the_old_term_in_renewals_and_history(it_client):
    old_expiry = today() + days(20)
    license = new_license(expires_on=old_expiry, cost="100.00")
    url = license_url(license, "license-renew")

    bad = it_client.post(url, {"expires_on": (old_expiry - days(1)).isoformat()})
    assert bad.status_code == 400
    assert "after the current one" in bad.context["form"].errors["expires_on"][0]

    new_expiry = old_expiry + days(365)
    done = it_client.post(
        url, {"expires_on": new_expiry.isoformat(), "cost": "120.00", "seats": "5", "note": "PO 42"}
    )
    assert done.status_code == 302
    license.refresh_from_db()
    assert (license.expires_on, license.seats, license.cost) == (new_expiry, 5, Decimal("120.00"))
    renewal = license.renewals.get()
    assert (renewal.previous_expires_on, renewal.previous_seats) == (old_expiry, 3)

    text = page(it_client, license_url(license))
    assert "PO 42" in text
    assert f"{old_expiry:%-d %b %Y}" in text  # the old term, in the renewals list
    assert "Renewed until" in text  # the history row's reason
    assert license.history.count() == 2


# --- seats ---------------------------------------------------------------------------------


def test_assign_seats_to_a_person_and_an_asset(it_client, eve):
    license = new_license(seats=2)
    laptop = make_asset("deployed", holder=eve)
    url = license_url(license, "license-assign")

    assert it_client.post(url, {"user": "eve", "note": "REQ-7"}).status_code == 302
    assert it_client.post(url, {"asset": laptop.tag.lower()}).status_code == 302

    open_seats = license.seat_assignments.filter(released_at__isnull=True)
    assert {(s.user_id, s.asset_id) for s in open_seats} == {(eve.pk, None), (None, laptop.pk)}
    text = page(it_client, license_url(license))
    assert "REQ-7" in text and laptop.tag in text
    assert "All 2 seats are in use" in text  # no assign form once full


def test_a_seat_is_refused_with_409_when_the_licence_is_full(it_client, eve):
    license = new_license(seats=1)
    seat_for(license, user=make_user("employee", username="first"))

    response = it_client.post(license_url(license, "license-assign"), {"user": "eve"})

    assert response.status_code == 409
    text = response.content.decode()
    assert "All 1 seats of Acrobat Pro are in use" in text
    assert 'class="alert alert--error"' in text
    assert license.seat_assignments.filter(released_at__isnull=True).count() == 1


def test_a_duplicate_seat_and_an_expired_licence_are_refused(it_client, eve):
    license = new_license()
    seat_for(license, user=eve)
    response = it_client.post(license_url(license, "license-assign"), {"user": "eve"})
    assert response.status_code == 409
    assert "already holds a seat" in response.content.decode()

    lapsed = new_license(
        product="Lapsed", expires_on=today() - days(1), purchased_on=today() - days(400)
    )
    response = it_client.post(license_url(lapsed, "license-assign"), {"user": "eve"})
    assert response.status_code == 409
    assert "renew it before assigning seats" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"user": "nobody"}, "user", "No current person has the username"),
        ({"asset": "IT-999999"}, "asset", "There is no asset with the tag"),
        ({}, None, "exactly one"),
        ({"user": "eve", "asset": "X"}, "asset", "There is no asset"),
    ],
)
def test_bad_seat_input_says_what_to_fix(it_client, eve, data, field, message):
    license = new_license()
    response = it_client.post(license_url(license, "license-assign"), data)
    assert response.status_code == 400
    errors = response.context["assign_form"].errors
    assert message in str(errors[field or "__all__"])
    assert not license.seat_assignments.exists()


def test_a_retired_asset_cannot_take_a_seat(it_client):
    license = new_license()
    old = make_asset("retired")
    response = it_client.post(license_url(license, "license-assign"), {"asset": old.tag})
    assert response.status_code == 400
    assert "cannot hold seats" in response.context["assign_form"].errors["asset"][0]


def test_release_a_seat_by_post_only(it_client, eve):
    license = new_license()
    seat = seat_for(license, user=eve)
    url = reverse("maintenance:seat-release", args=[seat.pk])

    assert it_client.get(url).status_code == 405
    response = it_client.post(url, {"reason": "Moved to Figma"})

    assert response.status_code == 302 and response["Location"] == license_url(license)
    seat.refresh_from_db()
    assert seat.released_at is not None and seat.release_reason == "Moved to Figma"
    text = page(it_client, license_url(license))
    assert "Released seats (1)" in text and "Moved to Figma" in text

    again = it_client.post(url)
    assert again.status_code == 409
    assert "already released" in again.content.decode()


def test_release_ignores_an_offsite_next(it_client, eve):
    seat = seat_for(new_license(), user=eve)
    response = it_client.post(
        reverse("maintenance:seat-release", args=[seat.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == license_url(seat.license)


def test_orphaned_seats_page_lists_leavers_and_retired_assets(it_client, eve):
    license = new_license(seats=5)
    leaver = make_user("employee", username="lea", first_name="Lea", last_name="Gone")
    seat_for(license, user=leaver)
    seat_for(license, user=eve)
    old = make_asset("in_stock", name="Old desktop")
    seat_for(license, asset=old)
    lifecycle.retire(old, actor=it_robot(), reason="End of life")
    leaver.is_active = False
    leaver.save()
    url = reverse("maintenance:licenses-orphaned")

    text = page(it_client, url)
    assert "Lea Gone" in text and old.tag in text and "Eve Stone" not in text

    seat = LicenseSeat.objects.get(user=leaver)
    response = it_client.post(
        reverse("maintenance:seat-release", args=[seat.pk]), {"next": url, "reason": "Left"}
    )
    assert response["Location"] == url
    text = page(it_client, url)
    assert "Released the seat of Acrobat Pro held by Lea Gone" in text
    assert "Has left" not in text and old.tag in text


def test_employees_cannot_open_the_orphaned_seats_page(client, eve):
    client.force_login(eve)
    assert client.get(reverse("maintenance:licenses-orphaned")).status_code == 403


# --- people and offboarding -----------------------------------------------------------------


def test_a_person_page_lists_their_seats_for_those_who_may_see_them(client, team, eve):
    license = new_license(product="Figma")
    seat_for(license, user=eve)
    for viewer, expected in [
        (eve, 200),
        (make_user("manager", department=team), 200),
        (make_user("auditor"), 200),
        (make_user("employee", department=team), 404),
    ]:
        client.force_login(viewer)
        response = client.get(reverse("people:detail", args=["eve"]))
        assert response.status_code == expected
        if expected == 200:
            text = response.content.decode()
            assert "Figma" in text and "SECRET-KEY" not in text
            assert "will be listed here" not in text


def test_offboarding_releases_the_leavers_seats(it_client, eve):
    license = new_license()
    seat_for(license, user=eve)
    make_asset("deployed", holder=eve)
    store = LocationFactory(name="IT store")

    text = page(it_client, reverse("people:detail", args=["eve"]))
    assert "licence seat is released in the same step" in text

    response = it_client.post(
        reverse("people:offboard", args=["eve"]),
        {
            "location": store.pk,
            "reason": "Left the company",
            "expected": list(eve.held_assets.values_list("tag", flat=True)),
        },
    )

    assert response.status_code == 200
    assert "1 licence seat released" in response.content.decode()
    seat = LicenseSeat.objects.get(user=eve)
    assert seat.released_at is not None
    assert seat.release_reason.startswith("Offboarding Eve Stone: Left the company")


def test_renewing_with_the_same_seats_does_not_claim_a_seat_change(it_client):
    license = new_license(expires_on=today() + days(10))
    form = it_client.get(license_url(license, "license-renew")).context["form"]
    assert form.initial["seats"] == 3
    new_expiry = today() + days(375)
    it_client.post(
        license_url(license, "license-renew"), {"expires_on": new_expiry.isoformat(), "seats": "3"}
    )
    reason = license.history.first().history_change_reason
    assert reason == f"Renewed until {new_expiry.isoformat()}"


def test_admin_pages_open_and_hide_the_key_from_staff_without_the_key_permission(client):
    license = new_license()
    seat_for(license, user=make_user("employee"))
    record = services.log_work(make_asset("in_stock"), actor=it_robot(), title="Clean")
    client.force_login(make_user("admin", username="root-admin"))
    for name, args in [
        ("admin:maintenance_softwarelicense_changelist", []),
        ("admin:maintenance_softwarelicense_change", [license.pk]),
        ("admin:maintenance_licenseseat_changelist", []),
        ("admin:maintenance_maintenancerecord_changelist", []),
        ("admin:maintenance_maintenancerecord_change", [record.pk]),
        ("admin:maintenance_maintenanceplan_changelist", []),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 200, name
    assert KEY in page(
        client, reverse("admin:maintenance_softwarelicense_change", args=[license.pk])
    )

    # A staff member allowed to change licences but not to see keys gets the form without it
    clerk = make_user(None, username="clerk", is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_softwarelicense", "change_softwarelicense"])
    )
    client.force_login(clerk)
    text = page(client, reverse("admin:maintenance_softwarelicense_change", args=[license.pk]))
    assert "Acrobat Pro" in text and "SECRET-KEY" not in text
