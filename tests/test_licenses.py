"""Software licences: creating, seats, renewals, who sees the key and who sees which licence."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from assets import lifecycle
from maintenance import licenses
from maintenance.licenses import SeatRefused
from maintenance.models import LicenseRenewal, LicenseSeat, SoftwareLicense
from tests.factories import DepartmentFactory, VendorFactory, make_asset, make_user

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
KEY = "ABCDE-12345-FGHIJ-67890"
JUNE_1 = datetime.date(2025, 6, 1)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@pytest.fixture
def it():
    return make_user("it", username="it-licences")


def new_license(it, **fields) -> SoftwareLicense:
    fields = {
        "product": "Acrobat Pro",
        "seats": 2,
        "key": KEY,
        "purchased_on": TODAY() - days(300),
        "expires_on": TODAY() + days(65),
        **fields,
    }
    return licenses.create_license(actor=it, **fields)


# --- creating and changing ---------------------------------------------------------------------


def test_a_licence_is_created_with_its_details_and_a_history_row(it):
    vendor = VendorFactory(name="Adobe")
    owner = make_user("employee", username="owner")

    lic = new_license(
        it, product="  Acrobat Pro ", version="2024", vendor=vendor, cost="1200.50", owner=owner
    )

    lic.refresh_from_db()
    assert (lic.product, lic.version, lic.vendor, lic.owner) == (
        "Acrobat Pro",
        "2024",
        vendor,
        owner,
    )
    assert (lic.seats, lic.cost, lic.key) == (2, Decimal("1200.50"), KEY)
    assert lic.history.get().history_change_reason == "Licence added"
    assert lic.history.get().history_user == it


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("product", {"product": "  "}),
        ("product", {"product": None}),
        ("seats", {"seats": 0}),
        ("seats", {"seats": -3}),
        ("seats", {"seats": "many"}),
        ("seats", {"seats": None}),
        ("cost", {"cost": "-1"}),
        ("cost", {"cost": "a lot"}),
        ("expires_on", {"purchased_on": JUNE_1, "expires_on": JUNE_1 - days(1)}),
        ("vendor", {"vendor": "Adobe"}),
    ],
)
def test_bad_licence_input_names_the_field_and_creates_nothing(it, field, changes):
    with pytest.raises(ValidationError) as error:
        new_license(it, **changes)

    assert field in error.value.message_dict
    assert not SoftwareLicense.objects.exists()


def test_an_owner_who_has_left_is_refused(it):
    gone = make_user("employee", username="gone", is_active=False)
    with pytest.raises(ValidationError) as error:
        new_license(it, owner=gone)
    assert "owner" in error.value.message_dict


@pytest.mark.parametrize("role", ["employee", "manager", "auditor"])
def test_only_it_staff_add_licences(role):
    with pytest.raises(PermissionDenied):
        licenses.create_license(actor=make_user(role), product="Visio", seats=1)
    assert not SoftwareLicense.objects.exists()


def test_seats_cannot_be_cut_below_those_in_use(it):
    lic = new_license(it, seats=3)
    for name in ("ann", "ben"):
        licenses.assign_seat(lic, actor=it, user=make_user("employee", username=name))

    with pytest.raises(ValidationError) as error:
        licenses.update_license(lic, actor=it, seats=1)

    assert "2 seats are in use" in error.value.message_dict["seats"][0]
    lic.refresh_from_db()
    assert lic.seats == 3
    licenses.update_license(lic, actor=it, seats=2, reason="Dropped a seat at renewal talks")
    lic.refresh_from_db()
    assert lic.seats == 2
    assert lic.history.first().history_change_reason == "Dropped a seat at renewal talks"


def test_update_checks_dates_against_what_is_stored(it):
    lic = new_license(it, purchased_on=datetime.date(2025, 1, 1), expires_on=None)
    with pytest.raises(ValidationError) as error:
        licenses.update_license(lic, actor=it, expires_on=datetime.date(2024, 12, 31))
    assert "expires_on" in error.value.message_dict


def test_the_key_is_never_kept_in_the_licences_history(it):
    lic = new_license(it)
    licenses.update_license(lic, actor=it, key="NEW-KEY-0000")
    licenses.renew_license(lic, actor=it, expires_on=TODAY() + days(400))

    history_fields = {f.name for f in SoftwareLicense.history.model._meta.get_fields()}
    assert "key" not in history_fields
    table = SoftwareLicense.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        rows = cursor.fetchall()
    assert len(rows) == 3
    dumped = repr(rows)
    assert KEY not in dumped
    assert "NEW-KEY-0000" not in dumped


@pytest.mark.parametrize("role", ["employee", "manager", "auditor"])
def test_only_people_who_see_keys_change_them(role):
    lic = new_license(make_user("it"))
    person = make_user(role)
    with pytest.raises(PermissionDenied):
        licenses.update_license(lic, actor=person, key="STOLEN")
    lic.refresh_from_db()
    assert lic.key == KEY


# --- who sees the key ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["employee", "manager", "auditor"])
def test_the_key_is_masked_for_everyone_but_it_staff(it, role):
    lic = new_license(it)
    person = make_user(role)

    shown = licenses.key_for(person, lic)

    assert shown == licenses.MASK
    assert KEY not in shown
    assert not licenses.can_see_key(person)


def test_it_staff_see_the_key_and_an_empty_key_stays_empty(it):
    lic = new_license(it)
    keyless = new_license(it, product="Site licence", key="")

    assert licenses.key_for(it, lic) == KEY
    assert licenses.key_for(make_user("employee"), keyless) == ""


def test_the_mask_does_not_reveal_the_keys_length(it):
    short, long = new_license(it, key="AB"), new_license(it, product="Other", key="X" * 80)
    auditor = make_user("auditor")
    assert licenses.key_for(auditor, short) == licenses.key_for(auditor, long)


# --- seats -----------------------------------------------------------------------------------


def test_seats_go_to_people_and_assets_until_the_licence_is_full(it):
    lic = new_license(it, seats=2)
    alice = make_user("employee", username="alice")
    laptop = make_asset("deployed")

    by_person = licenses.assign_seat(lic, actor=it, user=alice, note="  design team ")
    on_asset = licenses.assign_seat(lic, actor=it, asset=laptop)

    assert (by_person.user, by_person.asset, by_person.note) == (alice, None, "design team")
    assert (on_asset.user, on_asset.asset) == (None, laptop)
    assert by_person.assigned_by == it
    with pytest.raises(SeatRefused) as error:
        licenses.assign_seat(lic, actor=it, user=make_user("employee", username="carol"))
    assert "All 2 seats" in str(error.value)
    assert error.value.details["seats"] == 2
    assert error.value.details["seats_used"] == 2
    assert lic.seat_assignments.filter(released_at__isnull=True).count() == 2


def test_a_person_or_asset_holds_one_seat_of_a_licence(it):
    lic = new_license(it, seats=5)
    alice = make_user("employee", username="alice")
    laptop = make_asset("in_stock")
    licenses.assign_seat(lic, actor=it, user=alice)
    licenses.assign_seat(lic, actor=it, asset=laptop)

    with pytest.raises(SeatRefused, match="already holds a seat"):
        licenses.assign_seat(lic, actor=it, user=alice)
    with pytest.raises(SeatRefused, match="already holds a seat"):
        licenses.assign_seat(lic, actor=it, asset=laptop)
    assert LicenseSeat.objects.count() == 2


def test_an_expired_licence_takes_no_new_seats_but_one_expiring_today_does(it):
    expired = new_license(it, expires_on=TODAY() - days(1))
    today = new_license(it, product="Ends today", expires_on=TODAY())

    with pytest.raises(SeatRefused, match="expired on"):
        licenses.assign_seat(expired, actor=it, user=make_user("employee", username="a"))
    licenses.assign_seat(today, actor=it, user=make_user("employee", username="b"))

    assert not expired.seat_assignments.exists()


def test_seats_are_refused_to_leavers_and_to_assets_that_are_gone(it):
    lic = new_license(it, seats=10)
    leaver = make_user("employee", username="leaver", is_active=False)

    with pytest.raises(ValidationError) as error:
        licenses.assign_seat(lic, actor=it, user=leaver)
    assert "user" in error.value.message_dict
    for status in ("retired", "disposed", "on_order"):
        with pytest.raises(ValidationError) as error:
            licenses.assign_seat(lic, actor=it, asset=make_asset(status))
        assert "asset" in error.value.message_dict
    with pytest.raises(ValidationError):
        licenses.assign_seat(lic, actor=it)
    assert not lic.seat_assignments.exists()


@pytest.mark.parametrize("role", ["employee", "manager", "auditor"])
def test_only_it_staff_assign_and_release_seats(it, role):
    lic = new_license(it)
    person = make_user(role)
    seat = licenses.assign_seat(lic, actor=it, user=make_user("employee", username="holder"))

    with pytest.raises(PermissionDenied):
        licenses.assign_seat(lic, actor=person, user=person)
    with pytest.raises(PermissionDenied):
        licenses.release_seat(seat, actor=person)

    seat.refresh_from_db()
    assert seat.is_open
    assert lic.seat_assignments.count() == 1


def test_releasing_a_seat_frees_it_once(it):
    lic = new_license(it, seats=1)
    alice = make_user("employee", username="alice")
    bob = make_user("employee", username="bob")
    seat = licenses.assign_seat(lic, actor=it, user=alice)

    released = licenses.release_seat(seat, actor=it, reason="  Moved to the free reader ")

    assert (released.released_by, released.release_reason) == (it, "Moved to the free reader")
    assert not released.is_open
    with pytest.raises(SeatRefused, match="already released"):
        licenses.release_seat(seat, actor=it)
    assert licenses.assign_seat(lic, actor=it, user=bob).user == bob
    # And the person who gave theirs back can have one again once a seat is free
    with pytest.raises(SeatRefused, match="All 1 seats"):
        licenses.assign_seat(lic, actor=it, user=alice)


def test_release_seats_of_a_leaver_frees_every_seat(it):
    leaver = make_user("employee", username="leaver")
    first, second = new_license(it), new_license(it, product="Visio")
    licenses.assign_seat(first, actor=it, user=leaver)
    licenses.assign_seat(second, actor=it, user=leaver)
    licenses.assign_seat(second, actor=it, user=make_user("employee", username="stays"))

    assert licenses.release_seats_of(leaver, actor=it, reason="Left the company") == 2

    assert not LicenseSeat.objects.filter(user=leaver, released_at__isnull=True).exists()
    assert LicenseSeat.objects.filter(released_at__isnull=True).count() == 1


def test_usage_counts_open_seats_and_seats_whose_holders_have_left(it):
    lic = new_license(it, seats=4)
    stays = make_user("employee", username="stays")
    leaves = make_user("employee", username="leaves")
    server = make_asset("in_stock")
    released = make_user("employee", username="released")
    for person in (stays, leaves, released):
        licenses.assign_seat(lic, actor=it, user=person)
    licenses.assign_seat(lic, actor=it, asset=server)
    licenses.release_seat(LicenseSeat.objects.get(user=released), actor=it)
    leaves.is_active = False
    leaves.save()
    server_seat = LicenseSeat.objects.get(asset=server)
    lifecycle.retire(server, actor=it, reason="Decommissioned")

    row = licenses.with_usage(SoftwareLicense.objects.filter(pk=lic.pk)).get()

    assert (row.seats_used, row.seats_orphaned) == (3, 2)
    assert licenses.utilisation(lic, row.seats_used) == Decimal("75.0")
    assert set(licenses.orphaned_seats()) == {LicenseSeat.objects.get(user=leaves), server_seat}


def test_orphaned_seats_include_disposed_assets_but_not_working_ones(it):
    lic = new_license(it, seats=5)
    kept = make_asset("deployed")
    thrown = make_asset("in_stock")
    licenses.assign_seat(lic, actor=it, asset=kept)
    seat = licenses.assign_seat(lic, actor=it, asset=thrown)
    lifecycle.retire(thrown, actor=it, reason="Broken")
    lifecycle.dispose(thrown, actor=it, method="recycle")

    assert list(licenses.orphaned_seats()) == [seat]


# --- renewals ----------------------------------------------------------------------------------


def test_a_renewal_extends_the_term_keeps_a_renewal_row_and_a_history_reason(it):
    old_end = TODAY() + days(10)
    lic = new_license(it, seats=2, cost="500.00", expires_on=old_end)
    new_end = old_end + days(365)

    renewal = licenses.renew_license(
        lic, actor=it, expires_on=new_end, cost="650.00", seats=5, note="Three-year deal"
    )

    lic.refresh_from_db()
    assert (lic.expires_on, lic.seats, lic.cost) == (new_end, 5, Decimal("650.00"))
    stored = LicenseRenewal.objects.get()
    assert stored == renewal
    assert (stored.previous_expires_on, stored.expires_on) == (old_end, new_end)
    assert (stored.previous_seats, stored.seats, stored.cost) == (2, 5, Decimal("650.00"))
    assert (stored.renewed_by, stored.renewed_on, stored.note) == (it, TODAY(), "Three-year deal")
    reason = lic.history.first().history_change_reason
    assert f"Renewed until {new_end.isoformat()}" in reason
    assert "2 → 5 seats" in reason
    assert "Three-year deal" in reason
    assert lic.history.first().history_user == it


def test_a_renewal_without_new_seats_or_cost_keeps_them(it):
    lic = new_license(it, seats=3, cost="90")
    renewal = licenses.renew_license(lic, actor=it, expires_on=lic.expires_on + days(365))

    lic.refresh_from_db()
    assert (lic.seats, lic.cost) == (3, Decimal("90.00"))
    assert (renewal.previous_seats, renewal.seats, renewal.cost) == (3, 3, None)


def test_renewing_an_expired_licence_lets_seats_be_assigned_again(it):
    lic = new_license(it, expires_on=TODAY() - days(3))
    person = make_user("employee", username="waiting")
    with pytest.raises(SeatRefused):
        licenses.assign_seat(lic, actor=it, user=person)

    licenses.renew_license(lic, actor=it, expires_on=TODAY() + days(362))

    assert licenses.assign_seat(lic, actor=it, user=person).user == person


@pytest.mark.parametrize(
    ("new_end", "message"),
    [
        (None, "new expiry date"),
        (0, "must be after the current one"),
        (-30, "must be after the current one"),
    ],
)
def test_the_new_expiry_must_be_later_than_the_current_one(it, new_end, message):
    lic = new_license(it)
    expires_on = None if new_end is None else lic.expires_on + days(new_end)

    with pytest.raises(ValidationError) as error:
        licenses.renew_license(lic, actor=it, expires_on=expires_on)

    assert message in error.value.message_dict["expires_on"][0]
    assert not LicenseRenewal.objects.exists()
    assert lic.history.count() == 1


def test_a_renewal_that_ends_in_the_past_is_refused(it):
    lic = new_license(it, expires_on=TODAY() - days(100))
    with pytest.raises(ValidationError) as error:
        licenses.renew_license(lic, actor=it, expires_on=TODAY() - days(1))
    assert "expires_on" in error.value.message_dict
    assert not LicenseRenewal.objects.exists()


def test_a_renewal_cannot_cut_seats_below_those_in_use(it):
    lic = new_license(it, seats=3)
    for name in ("a", "b", "c"):
        licenses.assign_seat(lic, actor=it, user=make_user("employee", username=name))

    with pytest.raises(ValidationError) as error:
        licenses.renew_license(lic, actor=it, expires_on=lic.expires_on + days(365), seats=2)

    assert "seats" in error.value.message_dict
    lic.refresh_from_db()
    assert lic.seats == 3
    assert not LicenseRenewal.objects.exists()


@pytest.mark.parametrize("role", ["employee", "manager", "auditor"])
def test_only_it_staff_renew(it, role):
    lic = new_license(it)
    with pytest.raises(PermissionDenied):
        licenses.renew_license(lic, actor=make_user(role), expires_on=lic.expires_on + days(365))
    assert not LicenseRenewal.objects.exists()


# --- who sees which licences ------------------------------------------------------------------


def test_visible_licences_per_role(it):
    sales = DepartmentFactory(name="Sales", slug="sales")
    manager = make_user("manager", department=sales, username="sales-manager")
    seller = make_user("employee", department=sales, username="seller")
    outsider = make_user("employee", username="outsider")
    auditor = make_user("auditor")
    crm = new_license(it, product="CRM")
    mine = new_license(it, product="Mine")
    outside = new_license(it, product="Outside")
    released = new_license(it, product="Released")
    on_laptop = new_license(it, product="On the laptop")
    nobody = new_license(it, product="Nobody")
    licenses.assign_seat(crm, actor=it, user=seller)
    licenses.assign_seat(mine, actor=it, user=manager)
    licenses.assign_seat(outside, actor=it, user=outsider)
    seat = licenses.assign_seat(released, actor=it, user=seller)
    licenses.release_seat(seat, actor=it)
    licenses.assign_seat(on_laptop, actor=it, asset=make_asset("deployed", holder=seller))

    def visible(user):
        return set(licenses.visible_licenses(user).values_list("product", flat=True))

    assert visible(seller) == {"CRM", "On the laptop"}
    assert visible(outsider) == {"Outside"}
    assert visible(manager) == {"CRM", "Mine", "On the laptop"}
    everything = {"CRM", "Mine", "Outside", "Released", "On the laptop", "Nobody"}
    assert visible(auditor) == everything
    assert visible(it) == everything
    assert nobody.seat_assignments.count() == 0


def test_seats_shown_to_a_holder_are_their_own(it):
    sales = DepartmentFactory(name="Sales", slug="sales")
    manager = make_user("manager", department=sales, username="sales-manager")
    seller = make_user("employee", department=sales, username="seller")
    outsider = make_user("employee", username="outsider")
    lic = new_license(it, seats=5)
    licenses.assign_seat(lic, actor=it, user=seller)
    licenses.assign_seat(lic, actor=it, user=outsider)

    def holders(user):
        return {s.user.username for s in licenses.visible_seats(user, lic)}

    assert holders(seller) == {"seller"}
    assert holders(manager) == {"seller"}
    assert holders(make_user("auditor")) == {"seller", "outsider"}
