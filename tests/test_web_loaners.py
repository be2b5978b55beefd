"""Loaner pages: the pools, booking (and its refusals), the month calendar, IT's hand-out and
take-back buttons, cancelling, and the .ics feed with its signed token."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from assets import reservations as rs
from assets.models import Asset, Reservation
from tests.factories import AssetModelFactory, LocationFactory, make_asset, make_user

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def day(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


def loaner(model=None, status: str = "in_stock"):
    model = model or AssetModelFactory()
    asset = make_asset(status, model=model, category=model.category, name="Pool laptop")
    Asset.objects.filter(pk=asset.pk).update(reservable=True)
    asset.refresh_from_db()
    return asset


@pytest.fixture
def model():
    return AssetModelFactory(name="Latitude 7450")


@pytest.fixture
def it_user():
    return make_user("it", username="ivy", first_name="Ivy", last_name="Admin")


@pytest.fixture
def eve():
    return make_user("employee", username="eve", first_name="Eve", last_name="Stone")


@pytest.fixture
def bob():
    return make_user("employee", username="bob", first_name="Bob", last_name="Hall")


def book(person, asset, start, end, actor=None):
    return rs.book(
        actor=actor or person, person=person, asset=asset, starts_on=day(start), ends_on=day(end)
    )


def test_the_pools_page_lists_pools_and_my_bookings(client, eve, bob, model):
    # Given a pool of two, one booked by Eve from today, one by Bob
    first, second = loaner(model), loaner(model)
    book(eve, first, 0, 2)
    book(bob, second, 3, 4)
    client.force_login(eve)

    # When Eve opens the loaners page
    response = client.get(reverse("loaners:index"))

    # Then she sees the pool with one free today, and only her own booking
    html = response.content.decode()
    assert response.status_code == 200
    assert "Latitude 7450" in html
    [pool] = response.context["pools"]
    assert (pool.size, pool.free_today) == (2, 1)
    assert [b.person for b in response.context["mine"]] == [eve]
    assert "To hand out" not in html  # IT's list is for IT
    assert 'href="/loaners/"' in html  # the nav shows Loaners


def test_booking_through_the_form(client, eve, model):
    asset = loaner(model)
    client.force_login(eve)
    form = client.get(reverse("loaners:book") + f"?model={model.pk}")
    assert form.status_code == 200
    assert "For whom" not in form.content.decode()  # employees book for themselves

    response = client.post(
        reverse("loaners:book"),
        {
            "what": f"model:{model.pk}",
            "starts_on": day(1).isoformat(),
            "ends_on": day(2).isoformat(),
            "note": "Trade fair",
        },
    )

    assert response.status_code == 302
    booking = Reservation.objects.get()
    assert (booking.asset, booking.model, booking.person, booking.note) == (
        asset,
        model,
        eve,
        "Trade fair",
    )


def test_a_clash_shows_on_the_form_and_books_nothing(client, eve, bob, model):
    asset = loaner(model)
    book(bob, asset, 1, 3)
    client.force_login(eve)

    response = client.post(
        reverse("loaners:book"),
        {
            "what": f"asset:{asset.pk}",
            "starts_on": day(3).isoformat(),
            "ends_on": day(4).isoformat(),
        },
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "Nothing was saved" in html and "already booked" in html and asset.tag in html
    assert Reservation.objects.filter(person=eve).count() == 0


def test_bad_dates_are_shown_next_to_their_fields(client, eve, model):
    loaner(model)
    client.force_login(eve)

    response = client.post(
        reverse("loaners:book"),
        {
            "what": f"model:{model.pk}",
            "starts_on": day(-2).isoformat(),
            "ends_on": day(-3).isoformat(),
        },
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert "past" in form.errors["starts_on"][0]
    assert "before the first" in form.errors["ends_on"][0]


def test_it_books_for_someone_else(client, it_user, eve, model):
    loaner(model)
    client.force_login(it_user)
    assert "For whom" in client.get(reverse("loaners:book")).content.decode()

    client.post(
        reverse("loaners:book"),
        {
            "what": f"model:{model.pk}",
            "starts_on": day(0).isoformat(),
            "ends_on": day(0).isoformat(),
            "person": "eve",
        },
    )

    booking = Reservation.objects.get()
    assert (booking.person, booking.booked_by) == (eve, it_user)


def test_the_calendar_shows_bookings_names_only_to_those_allowed(client, it_user, eve, bob, model):
    # Given Eve and Bob each booked a pool laptop inside next month
    first, second = loaner(model), loaner(model)
    next_month = (TODAY.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    rs.book(actor=eve, person=eve, asset=first, starts_on=next_month, ends_on=next_month)
    rs.book(
        actor=bob,
        person=bob,
        asset=second,
        starts_on=next_month + datetime.timedelta(days=2),
        ends_on=next_month + datetime.timedelta(days=4),
    )
    url = reverse("loaners:pool", args=[model.pk]) + f"?month={next_month:%Y-%m}"

    # When IT opens the pool's calendar for that month
    client.force_login(it_user)
    html = client.get(url).content.decode()

    # Then both bookings are marked, with names; Bob's spans three days
    assert next_month.strftime("%B %Y") in html
    assert first.tag in html and second.tag in html
    assert "Eve Stone" in html and "Bob Hall" in html
    assert 'colspan="3"' in html

    # And Eve sees her own as "You" and Bob's only as "Booked"
    client.force_login(eve)
    html = client.get(url).content.decode()
    assert ">You<" in html and ">Booked<" in html
    assert "Bob Hall" not in html


def test_an_unreadable_month_falls_back_to_this_month(client, eve, model):
    loaner(model)
    client.force_login(eve)
    response = client.get(reverse("loaners:pool", args=[model.pk]) + "?month=soon")
    assert response.status_code == 200
    assert response.context["grid"].first == TODAY.replace(day=1)


def test_a_model_without_a_pool_is_404(client, eve):
    client.force_login(eve)
    assert client.get(reverse("loaners:pool", args=[AssetModelFactory().pk])).status_code == 404


def test_it_hands_out_and_takes_back_with_the_buttons(client, it_user, eve, model):
    # Given Eve's booking starts today
    asset = loaner(model)
    booking = book(eve, asset, 0, 2)
    client.force_login(it_user)
    pool_url = reverse("loaners:pool", args=[model.pk])
    html = client.get(pool_url).content.decode()
    assert "To hand out" in html and reverse("loaners:hand-out", args=[booking.pk]) in html

    # When IT presses "Hand out"
    response = client.post(
        reverse("loaners:hand-out", args=[booking.pk]), {"next": pool_url}, follow=True
    )

    # Then the asset is deployed to Eve and the page says so
    asset.refresh_from_db()
    assert asset.status == "deployed" and asset.assigned_user == eve
    assert "handed out to" in response.content.decode()

    # When it comes back and IT takes it back with its condition
    shelf = LocationFactory(name="IT store")
    form = client.get(reverse("loaners:return", args=[booking.pk]))
    assert form.status_code == 200
    client.post(
        reverse("loaners:return", args=[booking.pk]),
        {"location": shelf.pk, "condition": "good", "next": pool_url},
    )

    # Then it is back in stock and the booking is returned
    asset.refresh_from_db()
    booking.refresh_from_db()
    assert (asset.status, asset.location, booking.status) == ("in_stock", shelf, "returned")


def test_handing_out_early_is_refused_with_a_message(client, it_user, eve, model):
    asset = loaner(model)
    booking = book(eve, asset, 2, 3)
    client.force_login(it_user)

    response = client.post(reverse("loaners:hand-out", args=[booking.pk]), follow=True)

    assert "not before" in response.content.decode()
    asset.refresh_from_db()
    assert asset.status == "in_stock"


def test_employees_cannot_hand_out(client, eve, model):
    booking = book(eve, loaner(model), 0, 1)
    client.force_login(eve)
    assert client.post(reverse("loaners:hand-out", args=[booking.pk])).status_code == 403
    assert client.get(reverse("loaners:return", args=[booking.pk])).status_code == 403


def test_cancel_own_booking_but_not_someone_elses(client, eve, bob, model):
    asset = loaner(model)
    mine, his = book(eve, asset, 1, 1), book(bob, asset, 2, 2)
    client.force_login(eve)

    assert client.get(reverse("loaners:cancel", args=[his.pk])).status_code == 404
    assert client.get(reverse("loaners:cancel", args=[mine.pk])).status_code == 200
    response = client.post(reverse("loaners:cancel", args=[mine.pk]), {"reason": ""})

    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.status == "cancelled"


def test_it_cancelling_someone_elses_booking_needs_a_reason(client, it_user, eve, model):
    booking = book(eve, loaner(model), 1, 1)
    client.force_login(it_user)

    response = client.post(reverse("loaners:cancel", args=[booking.pk]), {"reason": ""})
    assert response.status_code == 400
    assert "Say why" in response.content.decode()

    client.post(reverse("loaners:cancel", args=[booking.pk]), {"reason": "Pool audit"})
    booking.refresh_from_db()
    assert booking.status == "cancelled"


def test_next_only_goes_back_to_our_pages(client, eve, model):
    booking = book(eve, loaner(model), 1, 1)
    client.force_login(eve)
    page = client.get(reverse("loaners:cancel", args=[booking.pk]) + "?next=javascript:alert(1)")
    assert "javascript:" not in page.content.decode()
    response = client.post(
        reverse("loaners:cancel", args=[booking.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("loaners:pool", args=[model.pk])


# --- the .ics feed -------------------------------------------------------------------------------


def unfold(body: str) -> list[str]:
    """RFC 5545 lines: CRLF-separated, continuation lines start with a space."""
    assert body.endswith("\r\n")
    return body.replace("\r\n ", "").split("\r\n")[:-1]


def test_the_feed_lists_each_booking_as_an_all_day_event(client, it_user, eve, model):
    # Given a booking of days 1 to 3 and a cancelled one
    asset = loaner(model)
    booking = book(eve, asset, 1, 3)
    rs.cancel(book(eve, asset, 5, 5), actor=eve)
    client.force_login(it_user)
    pool_html = client.get(reverse("loaners:pool", args=[model.pk])).content.decode()
    # The subscribe link carries a signed token (signed when the page is drawn, so read it there).
    found = re.search(r"token=([\w:.-]+)", pool_html)
    assert found, "the pool page shows a subscribe link"
    token = found.group(1)
    assert rs.ics_token(it_user, model).split(":")[0] == token.split(":")[0]
    client.logout()

    # When a calendar app fetches the feed with IT's token, without a session
    response = client.get(reverse("loaners:ics", args=[model.pk]), {"token": token})

    # Then it is a calendar with one event, dates as dates, the end exclusive
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    lines = unfold(response.content.decode())
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 1
    event = lines[lines.index("BEGIN:VEVENT") + 1 : lines.index("END:VEVENT")]
    fields = dict(line.split(":", 1) for line in event)
    assert fields["UID"].startswith(f"reservation-{booking.pk}@")
    assert fields["DTSTART;VALUE=DATE"] == f"{day(1):%Y%m%d}"
    assert fields["DTEND;VALUE=DATE"] == f"{day(4):%Y%m%d}"
    assert fields["SUMMARY"] == f"{asset.tag} · Eve Stone"
    assert fields["DTSTAMP"].endswith("Z")
    assert all(len(line.encode()) <= 75 for line in response.content.decode().split("\r\n"))


def test_the_feed_hides_other_peoples_names_from_employees(client, eve, bob, model):
    asset = loaner(model)
    book(bob, asset, 1, 1)
    book(eve, asset, 2, 2)

    response = client.get(
        reverse("loaners:ics", args=[model.pk]), {"token": rs.ics_token(eve, model)}
    )

    summaries = [line for line in unfold(response.content.decode()) if line.startswith("SUMMARY")]
    assert summaries == [f"SUMMARY:{asset.tag} · Booked", f"SUMMARY:{asset.tag} · Eve Stone"]


@pytest.mark.parametrize("token", ["", "garbage", "other-pool"])
def test_the_feed_refuses_a_bad_token(client, eve, model, token):
    loaner(model)
    if token == "other-pool":
        token = rs.ics_token(eve, AssetModelFactory())

    response = client.get(reverse("loaners:ics", args=[model.pk]), {"token": token})

    # The same answer as for a pool that does not exist: the URL alone reveals nothing
    assert response.status_code == 404
    assert b"BEGIN:VCALENDAR" not in response.content


def test_the_feed_of_an_unknown_model_is_404(client, eve):
    response = client.get(reverse("loaners:ics", args=[987654]), {"token": "x"})
    assert response.status_code == 404


def test_pages_need_sign_in(client, model):
    loaner(model)
    for url in (reverse("loaners:index"), reverse("loaners:pool", args=[model.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_adds_an_asset_to_a_pool_from_the_loaners_page(client, it_user, eve, model):
    asset = make_asset("in_stock", model=model, category=model.category)
    client.force_login(it_user)

    response = client.post(reverse("loaners:add-to-pool"), {"tag": asset.tag.lower()})

    assert response["Location"] == reverse("loaners:pool", args=[model.pk])
    asset.refresh_from_db()
    assert asset.reservable
    client.force_login(eve)
    assert client.post(reverse("loaners:add-to-pool"), {"tag": asset.tag}).status_code == 403
