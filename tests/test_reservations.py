"""Bookings of loaner-pool assets: overlaps, "any of this model", hand-out on the day, give back,
who may do what, and two people booking the same asset at the same moment on PostgreSQL."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from assets import lifecycle
from assets import reservations as rs
from assets.choices import AssetStatus, ReservationStatus
from assets.models import Asset, ChecklistItem, Reservation
from tests.factories import (
    AssetModelFactory,
    LocationFactory,
    it_robot,
    make_asset,
    make_user,
)

TODAY = timezone.localdate()


def day(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


def loaner(model=None, status: str = "in_stock", **fields):
    """A pool asset (reservable) of ``model``, moved to ``status`` the real way."""
    model = model or AssetModelFactory()
    asset = make_asset(status, model=model, category=model.category, name="Loaner", **fields)
    Asset.objects.filter(pk=asset.pk).update(reservable=True)
    asset.refresh_from_db()
    return asset


@pytest.fixture
def it_user():
    return make_user("it", username="ivy", first_name="Ivy", last_name="Admin")


@pytest.fixture
def eve():
    return make_user("employee", username="eve", first_name="Eve", last_name="Stone")


@pytest.fixture
def bob():
    return make_user("employee", username="bob", first_name="Bob", last_name="Hall")


def book(actor, asset=None, start=1, end=3, **kwargs):
    kwargs.setdefault("person", actor)
    return rs.book(actor=actor, asset=asset, starts_on=day(start), ends_on=day(end), **kwargs)


# --- overlaps -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_booking_holds_the_asset_for_its_days(eve):
    # Given a pool laptop
    asset = loaner()

    # When Eve books it for three days
    booking = book(eve, asset, 1, 3, note="Customer visit")

    # Then the booking is hers, booked, for exactly those days
    assert (booking.asset, booking.person, booking.booked_by) == (asset, eve, eve)
    assert (booking.starts_on, booking.ends_on, booking.status) == (day(1), day(3), "booked")
    assert booking.model is None
    assert booking.note == "Customer visit"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end"),
    [(3, 3), (5, 5), (1, 3), (5, 8), (2, 9), (4, 4)],
    ids=["first-day", "last-day", "ends-on-first", "starts-on-last", "around", "inside"],
)
def test_overlapping_bookings_of_one_asset_are_refused_edges_included(eve, bob, start, end):
    # Given Eve booked the asset from day 3 to day 5 (both included)
    asset = loaner()
    first = book(eve, asset, 3, 5)

    # When Bob books days that share at least one day with hers
    with pytest.raises(rs.BookingClash) as refused:
        book(bob, asset, start, end)

    # Then he is refused with a message naming the asset, the dates and the booking, not Eve
    message = refused.value.message
    assert asset.tag in message and f"#{first.pk}" in message
    assert "already booked" in message
    assert "Eve" not in message  # an employee does not learn who else booked it
    assert refused.value.details["clashing_reservation"] == first.pk
    assert Reservation.objects.filter(asset=asset).count() == 1


@pytest.mark.django_db
def test_adjacent_ranges_are_allowed(eve, bob):
    # Given Eve booked days 3 to 5
    asset = loaner()
    book(eve, asset, 3, 5)

    # When Bob books the days just before and just after
    before = book(bob, asset, 1, 2)
    after = book(bob, asset, 6, 7)

    # Then both are accepted
    assert [before.status, after.status] == ["booked", "booked"]


@pytest.mark.django_db
def test_a_clash_names_the_other_person_to_it_staff(it_user, eve):
    asset = loaner()
    book(eve, asset, 3, 5)

    with pytest.raises(rs.BookingClash) as refused:
        book(it_user, asset, 4, 4)

    assert "by Eve Stone" in refused.value.message


@pytest.mark.django_db
def test_cancelled_and_returned_bookings_free_their_days(eve, bob):
    asset = loaner()
    cancelled = book(eve, asset, 1, 3)
    rs.cancel(cancelled, actor=eve)

    again = book(bob, asset, 1, 3)

    assert again.status == "booked"


@pytest.mark.django_db
def test_a_handed_out_booking_still_blocks_its_days(it_user, eve, bob):
    asset = loaner()
    out = book(eve, asset, 0, 2)
    rs.hand_out(out, actor=it_user)

    with pytest.raises(rs.BookingClash, match="out on loan"):
        book(bob, asset, 2, 4)


# --- any asset of this model ----------------------------------------------------------------------


@pytest.mark.django_db
def test_any_of_a_model_picks_a_free_one_and_records_it(eve, bob):
    # Given a pool of two, the first already booked for those days
    model = AssetModelFactory()
    first, second = loaner(model), loaner(model)
    book(eve, first, 1, 5)

    # When Bob books "any of this model" for overlapping days
    booking = rs.book(actor=bob, person=bob, model=model, starts_on=day(2), ends_on=day(3))

    # Then he gets the free one, and the booking remembers what he asked for
    assert booking.asset == second
    assert booking.model == model


@pytest.mark.django_db
def test_any_of_a_model_prefers_one_in_stock_today(eve):
    model = AssetModelFactory()
    away = loaner(model, "in_maintenance")
    here = loaner(model)
    assert away.tag < here.tag

    booking = rs.book(actor=eve, person=eve, model=model, starts_on=day(0), ends_on=day(1))

    assert booking.asset == here


@pytest.mark.django_db
def test_any_of_a_model_is_refused_when_all_are_taken(eve, bob):
    # Given both pool assets are booked on day 3
    model = AssetModelFactory(name="Latitude 7450")
    first, second = loaner(model), loaner(model)
    book(eve, first, 1, 3)
    book(eve, second, 3, 4)

    # When Bob asks for any of them for days 2 to 3
    with pytest.raises(rs.BookingClash) as refused:
        rs.book(actor=bob, person=bob, model=model, starts_on=day(2), ends_on=day(3))

    # Then he is told the whole pool is taken
    assert "All 2" in refused.value.message and "Latitude 7450" in refused.value.message
    assert Reservation.objects.filter(person=bob).count() == 0


@pytest.mark.django_db
def test_retired_missing_and_non_pool_assets_are_not_booked(eve):
    model = AssetModelFactory()
    retired = loaner(model, "retired")
    missing = loaner(model, "missing")
    plain = make_asset("in_stock", model=model, category=model.category)

    for asset in (retired, missing, plain):
        with pytest.raises(ValidationError) as refused:
            book(eve, asset)
        assert asset.tag in str(refused.value)
    with pytest.raises(ValidationError, match=r"no .* loaners in the pool"):
        rs.book(actor=eve, person=eve, model=model, starts_on=day(1), ends_on=day(2))


# --- dates --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_dates_in_the_past_backwards_or_too_long_are_refused(eve, settings):
    asset = loaner()
    settings.ITAM_MAX_LOAN_DAYS = 10

    with pytest.raises(ValidationError) as past:
        book(eve, asset, -1, 2)
    assert "past" in past.value.message_dict["starts_on"][0]

    with pytest.raises(ValidationError) as backwards:
        book(eve, asset, 3, 2)
    assert "before the first" in backwards.value.message_dict["ends_on"][0]

    with pytest.raises(ValidationError) as too_long:
        book(eve, asset, 1, 11)  # 11 days, both included
    assert "at most 10 days" in too_long.value.message_dict["ends_on"][0]

    assert book(eve, asset, 1, 10).ends_on == day(10)  # exactly 10 is fine
    assert book(eve, asset, 0, 0).starts_on == TODAY  # today is fine


@pytest.mark.django_db
def test_the_default_longest_loan_is_30_days(eve, settings):
    del settings.ITAM_MAX_LOAN_DAYS
    asset = loaner()
    assert rs.max_loan_days() == 30
    with pytest.raises(ValidationError):
        book(eve, asset, 1, 31)


# --- who may ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_employee_books_for_themselves_only(eve, bob):
    asset = loaner()
    with pytest.raises(rs.ReservationNotPermitted):
        book(eve, asset, person=bob)


@pytest.mark.django_db
def test_it_staff_book_for_anyone_and_the_person_is_told(
    it_user, eve, django_capture_on_commit_callbacks
):
    asset = loaner()
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(it_user, asset, person=eve)

    assert (booking.person, booking.booked_by) == (eve, it_user)
    assert eve.notifications.filter(kind="loan_booked").count() == 1


@pytest.mark.django_db
def test_cancel_by_the_person_by_who_booked_or_by_it_with_a_reason(it_user, eve, bob):
    asset = loaner()
    mine = book(eve, asset, 1, 1)
    for_eve = book(it_user, asset, 2, 2, person=eve)
    other = book(bob, asset, 3, 3)

    # Eve cannot cancel Bob's
    with pytest.raises(rs.ReservationNotPermitted):
        rs.cancel(other, actor=eve, reason="mine now")
    # Eve cancels her own, and the one IT made for her
    assert rs.cancel(mine, actor=eve).status == "cancelled"
    assert rs.cancel(for_eve, actor=eve).status == "cancelled"
    # IT must say why when cancelling Bob's
    with pytest.raises(ValidationError) as no_reason:
        rs.cancel(other, actor=it_user)
    assert "reason" in no_reason.value.message_dict
    cancelled = rs.cancel(other, actor=it_user, reason="Laptop needed for an audit")
    assert cancelled.status == "cancelled"
    assert "Laptop needed for an audit" in cancelled.note
    # A cancelled booking cannot be cancelled again
    with pytest.raises(rs.ReservationRefused, match="cancelled"):
        rs.cancel(other, actor=it_user, reason="again")


# --- hand out and give back ---------------------------------------------------------------------


@pytest.mark.django_db
def test_hand_out_only_from_the_first_day(it_user, eve):
    # Given a booking starting tomorrow
    asset = loaner()
    booking = book(eve, asset, 1, 3)

    # When IT tries to hand it out today
    with pytest.raises(rs.ReservationRefused) as refused:
        rs.hand_out(booking, actor=it_user)

    # Then it is refused, naming the start day, and the asset stays in stock
    assert "starts on" in refused.value.message and "not before" in refused.value.message
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_STOCK


@pytest.mark.django_db
def test_hand_out_deploys_with_the_expected_return_date(it_user, eve):
    # Given a booking from today to day 4
    asset = loaner()
    booking = book(eve, asset, 0, 4)

    # When IT hands it out
    rs.hand_out(booking, actor=it_user)

    # Then the asset is deployed to Eve, due back on the last day, through the lifecycle
    asset.refresh_from_db()
    booking.refresh_from_db()
    assert booking.status == ReservationStatus.DEPLOYED
    assert (asset.status, asset.assigned_user, asset.expected_return_date) == (
        AssetStatus.DEPLOYED,
        eve,
        day(4),
    )
    row = asset.history.order_by("-history_date", "-history_id").first()
    assert row.history_action == "deploy" and row.history_user == it_user
    assert f"booking #{booking.pk}" in row.history_change_reason
    assert asset.assignments.get(ended_at__isnull=True).expected_return_date == day(4)


@pytest.mark.django_db
def test_hand_out_checks_the_category_checklist(it_user, eve):
    asset = loaner()
    step = ChecklistItem.objects.create(category=asset.category, text="Enrol in MDM")
    booking = book(eve, asset, 0, 1)

    with pytest.raises(ValidationError, match="Enrol in MDM"):
        rs.hand_out(booking, actor=it_user)
    rs.hand_out(booking, actor=it_user, checklist_done=[step.pk])

    asset.refresh_from_db()
    assert asset.status == AssetStatus.DEPLOYED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "words"),
    [
        ("in_maintenance", "in maintenance"),
        ("missing", "missing"),
        ("deployed", "deployed to"),
    ],
)
def test_hand_out_refuses_an_asset_that_is_not_in_stock(it_user, eve, state, words):
    # Given a booking for today of an asset that then went into maintenance, missing, or out
    asset = loaner()
    booking = book(eve, asset, 0, 2)
    actor = it_robot()
    if state == "in_maintenance":
        lifecycle.start_maintenance(asset, actor=actor, reason="Battery swelling")
    elif state == "missing":
        lifecycle.mark_missing(asset, actor=actor, reason="Not on the shelf")
    else:
        lifecycle.deploy(asset, to=make_user("employee", username="zed"), actor=actor)

    # When IT hands it out
    with pytest.raises(rs.ReservationRefused) as refused:
        rs.hand_out(booking, actor=it_user)

    # Then the refusal says what state it is in, and the booking is still booked
    assert words in refused.value.message
    assert "cancel this booking" in refused.value.message
    booking.refresh_from_db()
    assert booking.status == "booked"


@pytest.mark.django_db
def test_give_back_checks_in_with_condition_and_location(it_user, eve):
    asset = loaner()
    booking = book(eve, asset, 0, 2)
    rs.hand_out(booking, actor=it_user)
    shelf = LocationFactory(name="IT store")

    rs.give_back(booking, actor=it_user, location=shelf, condition="fair")

    asset.refresh_from_db()
    booking.refresh_from_db()
    assert booking.status == ReservationStatus.RETURNED
    assert (asset.status, asset.assigned_user, asset.location, asset.condition) == (
        AssetStatus.IN_STOCK,
        None,
        shelf,
        "fair",
    )
    row = asset.history.order_by("-history_date", "-history_id").first()
    assert row.history_action == "check_in"
    # and the asset can be booked again for the same days
    assert book(eve, asset, 1, 2).status == "booked"


@pytest.mark.django_db
def test_give_back_of_an_asset_already_checked_in_just_closes_the_booking(it_user, eve):
    asset = loaner()
    booking = book(eve, asset, 0, 2)
    rs.hand_out(booking, actor=it_user)
    lifecycle.check_in(asset, actor=it_user)

    rs.give_back(booking, actor=it_user)

    booking.refresh_from_db()
    assert booking.status == "returned"
    assert asset.history.filter(history_action="check_in").count() == 1


@pytest.mark.django_db
def test_employees_cannot_hand_out_or_take_back(it_user, eve):
    asset = loaner()
    booking = book(eve, asset, 0, 2)
    with pytest.raises(rs.ReservationNotPermitted):
        rs.hand_out(booking, actor=eve)
    rs.hand_out(booking, actor=it_user)
    with pytest.raises(rs.ReservationNotPermitted):
        rs.give_back(booking, actor=eve)


@pytest.mark.django_db
def test_a_handed_out_booking_cannot_be_cancelled_or_handed_out_again(it_user, eve):
    booking = book(eve, loaner(), 0, 2)
    rs.hand_out(booking, actor=it_user)

    with pytest.raises(rs.ReservationRefused, match="Take it back instead"):
        rs.cancel(booking, actor=eve)
    with pytest.raises(rs.ReservationRefused, match="handed out"):
        rs.hand_out(booking, actor=it_user)


# --- lists, the calendar and the feed -------------------------------------------------------------


@pytest.mark.django_db
def test_pools_count_what_is_free_today(eve):
    model = AssetModelFactory()
    booked_today, free, _away = loaner(model), loaner(model), loaner(model, "in_maintenance")
    book(eve, booked_today, 0, 1)
    book(eve, free, 1, 2)  # tomorrow only

    [pool] = [p for p in rs.pools() if p.model == model]

    assert (pool.size, pool.free_today) == (3, 1)


@pytest.mark.django_db
def test_month_grid_marks_each_booked_day(eve):
    model = AssetModelFactory()
    asset = loaner(model)
    booking = book(eve, asset, 1, 3)

    grid = rs.month_grid(model, day(1).replace(day=1))

    [row] = grid.rows
    marked = [d for d, cell in zip(row.days, row.cells, strict=True) if cell == booking]
    expected = [d for d in (day(1), day(2), day(3)) if d.month == day(1).month]
    assert marked == expected
    assert sum(seg.span for seg in row.segments) == len(grid.days)


@pytest.mark.django_db
def test_the_ics_token_is_bound_to_the_person_and_the_pool(eve):
    model, other = AssetModelFactory(), AssetModelFactory()
    token = rs.ics_token(eve, model)

    assert rs.ics_user(token, model) == eve
    assert rs.ics_user(token, other) is None
    assert rs.ics_user(token + "x", model) is None
    assert rs.ics_user("", model) is None
    eve.is_active = False
    eve.save()
    assert rs.ics_user(token, model) is None


# --- at the same moment, on PostgreSQL ------------------------------------------------------------


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
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.parametrize("attempt", range(3))
def test_two_overlapping_bookings_at_the_same_moment_one_is_refused(attempt):
    # Given one pool laptop and two people
    asset = loaner()
    alice = make_user("employee", username=f"alice{attempt}")
    bob = make_user("employee", username=f"bob{attempt}")

    # When both book overlapping days at the same instant, each on their own connection
    def booking_for(person, start, end):
        return lambda: rs.book(
            actor=person,
            person=person,
            asset=Asset.objects.get(pk=asset.pk),
            starts_on=day(start),
            ends_on=day(end),
        )

    results = race([booking_for(alice, 1, 4), booking_for(bob, 3, 6)])

    # Then exactly one booking is made and the other is refused as a clash
    made = [r for r in results if isinstance(r, Reservation)]
    refused = [r for r in results if isinstance(r, rs.BookingClash)]
    assert (len(made), len(refused)) == (1, 1), results
    assert Reservation.objects.filter(asset=asset, status="booked").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_bookings_of_any_of_a_pool_of_one_at_the_same_moment_one_is_refused():
    model = AssetModelFactory()
    loaner(model)
    people = [make_user("employee", username=f"p{i}") for i in range(2)]

    results = race(
        [
            lambda p=p: rs.book(actor=p, person=p, model=model, starts_on=day(1), ends_on=day(2))
            for p in people
        ]
    )

    made = [r for r in results if isinstance(r, Reservation)]
    refused = [r for r in results if isinstance(r, rs.BookingClash)]
    assert (len(made), len(refused)) == (1, 1), results


# --- the pools themselves -------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_adds_an_asset_to_its_pool_with_a_history_row(it_user, eve):
    model = AssetModelFactory()
    asset = make_asset("in_stock", model=model, category=model.category)

    with pytest.raises(rs.ReservationNotPermitted):
        rs.set_in_pool(asset, actor=eve)
    rs.set_in_pool(asset, actor=it_user)

    asset.refresh_from_db()
    assert asset.reservable
    row = asset.history.order_by("-history_date", "-history_id").first()
    assert (row.history_user, row.history_change_reason) == (it_user, "Added to the loaner pool")
    assert [p.model for p in rs.pools()] == [model]


@pytest.mark.django_db
def test_an_asset_without_a_model_or_retired_cannot_join_a_pool(it_user):
    with pytest.raises(ValidationError, match="no model"):
        rs.set_in_pool(make_asset("in_stock"), actor=it_user)
    model = AssetModelFactory()
    with pytest.raises(ValidationError, match="retired"):
        rs.set_in_pool(make_asset("retired", model=model, category=model.category), actor=it_user)


@pytest.mark.django_db
def test_demo_loans_make_pools_and_bookings_through_the_services(it_user):
    from assets.management.commands._demo_loans import add_demo_loans

    laptops = AssetModelFactory(category__name="Laptops", category__slug="laptops")
    for _ in range(3):
        make_asset("in_stock", model=laptops, category=laptops.category)
    make_user("employee", username="emp1")
    make_user("employee", username="emp2")

    made = add_demo_loans(it_user)

    assert len(made) == 5
    assert {b.status for b in made} == {"booked", "deployed"}
    assert rs.due_returns().count() == 1 and rs.due_hand_outs().count() == 1
