"""Each move's form performs the move through the lifecycle engine, with the reason on record."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assets.models import Asset, DisposalRecord, WipeRecord
from tests.factories import (
    CategoryFactory,
    DepartmentFactory,
    LocationFactory,
    make_asset,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def it_user():
    return make_user("it", username="ian", first_name="Ian", last_name="Tech")


@pytest.fixture
def it_client(client, it_user):
    client.force_login(it_user)
    return client


def move_url(asset: Asset, move: str) -> str:
    return reverse("assets:move", args=[asset.tag, move])


def last_entry(asset: Asset):
    return asset.history.order_by("-history_date", "-history_id").first()


def perform(client, asset: Asset, move: str, data: dict):
    """GET the form (it must show and change nothing), then POST it."""
    before = Asset.objects.get(pk=asset.pk)
    form = client.get(move_url(asset, move))
    assert form.status_code == 200, form.content.decode()[:500]
    unchanged = Asset.objects.get(pk=asset.pk)
    assert (unchanged.status, unchanged.updated_at) == (before.status, before.updated_at)
    response = client.post(move_url(asset, move), data)
    asset.refresh_from_db()
    return response


def test_deploy_to_a_person_with_a_return_date(it_client):
    asset = make_asset("in_stock", name="Loaner laptop")
    eve = make_user("employee", username="eve", first_name="Eve", last_name="Stone")
    back = timezone.localdate() + datetime.timedelta(days=14)

    response = perform(
        it_client,
        asset,
        "deploy",
        {"user": "eve", "expected_return_date": back.isoformat(), "reason": "New starter"},
    )

    assert response.status_code == 302
    assert asset.status == "deployed"
    assert asset.assigned_user == eve
    assert asset.expected_return_date == back
    entry = last_entry(asset)
    assert (entry.history_action, entry.history_change_reason) == ("deploy", "New starter")
    page = it_client.get(response["Location"]).content.decode()
    assert "Deploy: done" in page and "Eve Stone" in page


def test_deploy_form_offers_the_people_to_choose_from(it_client):
    asset = make_asset("in_stock")
    make_user("employee", username="zoe", first_name="Zoe", last_name="Park")
    page = it_client.get(move_url(asset, "deploy")).content.decode()
    assert '<option value="zoe">Zoe Park</option>' in page
    assert 'list="people"' in page


def test_deploy_to_a_location_or_a_department(it_client):
    meeting_room = LocationFactory(name="Meeting room")
    ops = DepartmentFactory(name="Ops")
    screen, phone = make_asset("in_stock", name="Screen"), make_asset("in_stock", name="Phone")

    perform(it_client, screen, "deploy", {"location": meeting_room.pk})
    perform(it_client, phone, "deploy", {"department": ops.pk})

    assert (screen.status, screen.assigned_location) == ("deployed", meeting_room)
    assert (phone.status, phone.assigned_department) == ("deployed", ops)


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "Choose exactly one holder"),
        ({"user": "eve", "department": "__dept__"}, "Choose exactly one holder"),
        ({"user": "nobody-by-that-name"}, "No current person has the username"),
        ({"user": "eve", "expected_return_date": "2001-01-01"}, "in the past"),
        ({"user": "eve", "expected_return_date": "next week"}, "Enter a date"),
    ],
)
def test_deploy_with_bad_input_is_refused_and_changes_nothing(it_client, data, message):
    asset = make_asset("in_stock")
    make_user("employee", username="eve")
    ops = DepartmentFactory(name="Ops")
    data = {k: (ops.pk if v == "__dept__" else v) for k, v in data.items()}
    history_before = asset.history.count()

    response = it_client.post(move_url(asset, "deploy"), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    asset.refresh_from_db()
    assert asset.status == "in_stock"
    assert asset.history.count() == history_before


def test_transfer_to_another_person(it_client):
    asset = make_asset("deployed", holder=make_user("employee", username="eve"))
    fay = make_user("employee", username="fay")

    perform(it_client, asset, "transfer", {"user": "fay", "reason": "Eve left"})

    assert (asset.status, asset.assigned_user) == ("deployed", fay)
    assert last_entry(asset).history_change_reason == "Eve left"


def test_check_in_to_a_location(it_client):
    store = LocationFactory(name="IT store")
    asset = make_asset("deployed", holder=make_user("employee", username="eve"))

    perform(it_client, asset, "check-in", {"location": store.pk, "reason": "Returned at exit"})

    assert asset.status == "in_stock"
    assert asset.assigned_user is None
    assert asset.location == store
    entry = last_entry(asset)
    assert (entry.history_from_status, entry.status) == ("deployed", "in_stock")
    assert entry.history_change_reason == "Returned at exit"


def test_maintenance_round_trip_back_to_the_holder(it_client):
    eve = make_user("employee", username="eve")
    asset = make_asset("deployed", holder=eve)

    perform(it_client, asset, "start-maintenance", {"reason": "Keyboard broken"})
    assert asset.status == "in_maintenance"
    record = asset.maintenance_records.get()
    assert last_entry(asset).history_change_reason == f"Repair {record.reference}: Keyboard broken"

    form = it_client.get(move_url(asset, "complete-maintenance")).content.decode()
    assert "Back to its holder" in form
    perform(it_client, asset, "complete-maintenance", {"return_to_holder": "1", "reason": "Fixed"})
    assert (asset.status, asset.assigned_user) == ("deployed", eve)
    assert last_entry(asset).history_change_reason.startswith(
        f"Maintenance {record.reference} complete"
    )
    assert last_entry(asset).history_change_reason.endswith(": Fixed")


def test_complete_maintenance_back_to_stock(it_client):
    asset = make_asset("deployed", holder=make_user("employee", username="eve"))
    perform(it_client, asset, "start-maintenance", {"reason": "Battery swollen"})

    perform(it_client, asset, "complete-maintenance", {"return_to_holder": "0"})

    assert asset.status == "in_stock"
    assert asset.assigned_user is None


def test_reason_is_required_where_the_state_table_says_so(it_client):
    asset = make_asset("in_stock")
    for move in ("retire", "mark-missing", "start-maintenance"):
        response = it_client.post(move_url(asset, move), {"reason": "  "})
        assert response.status_code == 400, move
        assert "needs a reason" in response.content.decode()
    asset.refresh_from_db()
    assert asset.status == "in_stock"


def test_mark_missing_then_found_at_a_location(it_client):
    asset = make_asset("in_stock")
    shelf = LocationFactory(name="Shelf B2")

    perform(it_client, asset, "mark-missing", {"reason": "Not seen at audit"})
    assert asset.status == "missing"
    perform(it_client, asset, "found", {"location": shelf.pk, "reason": "Behind the rack"})

    assert (asset.status, asset.location) == ("in_stock", shelf)
    assert last_entry(asset).history_change_reason == "Behind the rack"


def test_receive_an_ordered_asset(it_client):
    asset = make_asset("on_order")
    dock = LocationFactory(name="Loading dock")

    perform(it_client, asset, "receive", {"serial_number": "SN-1", "location": dock.pk})

    assert (asset.status, asset.serial_number, asset.location) == ("in_stock", "SN-1", dock)


def test_retire_wipe_and_dispose_a_data_holding_asset(it_client, it_user):
    laptops = CategoryFactory(name="Laptops", slug="laptops", holds_data=True)
    asset = make_asset("in_stock", category=laptops)
    make_user("it", username="vera")

    perform(
        it_client, asset, "retire", {"reason": "Five years old", "retirement_reason": "end_of_life"}
    )
    assert asset.status == "retired"
    assert asset.retirement_reason == "end_of_life" and asset.retired_at is not None
    assert asset.history.latest().history_change_reason == "Retired (end of life): Five years old"

    perform(
        it_client,
        asset,
        "wipe",
        {
            "method": "purge",
            "tool": "Blancco",
            "performed_by": "ian",
            "verified_by": "vera",
            "performed_on": timezone.localdate().isoformat(),
            "certificate_reference": "WIPE-42",
        },
    )
    wipe = WipeRecord.objects.get(asset=asset)
    assert (wipe.method, wipe.performed_by, wipe.verified_by.username) == ("purge", it_user, "vera")
    assert asset.status == "retired"

    perform(
        it_client,
        asset,
        "dispose",
        {"method": "recycle", "recipient": "GreenIT Ltd", "proceeds": "25.00", "reason": "Batch 7"},
    )
    assert asset.status == "disposed"
    assert DisposalRecord.objects.get(asset=asset).recipient == "GreenIT Ltd"
    assert last_entry(asset).history_change_reason == "Batch 7"
    page = it_client.get(asset.get_absolute_url()).content.decode()
    assert "WIPE-42" in page and "GreenIT Ltd" in page


def test_wipe_form_suggests_the_signed_in_person_as_performer(it_client):
    asset = make_asset("retired")
    form = it_client.get(move_url(asset, "wipe"))
    assert form.context["form"]["performed_by"].value() == "ian"


def test_wipe_verified_by_the_same_person_is_shown_as_an_error(it_client):
    asset = make_asset("retired")

    response = it_client.post(
        move_url(asset, "wipe"), {"method": "clear", "performed_by": "ian", "verified_by": "ian"}
    )

    assert response.status_code == 400
    assert "verifier must be a different person" in response.content.decode()
    assert not WipeRecord.objects.filter(asset=asset).exists()


def test_dispose_of_a_data_holding_asset_without_a_wipe_is_refused_with_409(it_client):
    asset = make_asset("retired", category=CategoryFactory(name="Phones", holds_data=True))

    response = it_client.post(move_url(asset, "dispose"), {"method": "recycle"})

    assert response.status_code == 409
    assert "holds data" in response.content.decode()
    asset.refresh_from_db()
    assert asset.status == "retired"
    assert not DisposalRecord.objects.filter(asset=asset).exists()


def test_dispose_with_negative_proceeds_is_refused(it_client):
    asset = make_asset("retired")
    response = it_client.post(move_url(asset, "dispose"), {"method": "sell", "proceeds": "-3"})
    assert response.status_code == 400
    assert "Proceeds cannot be negative." in response.content.decode()
    asset.refresh_from_db()
    assert asset.status == "retired"


def test_reinstate_a_retired_asset(it_client):
    asset = make_asset("retired")
    perform(it_client, asset, "reinstate", {"reason": "Needed for a project"})
    assert asset.status == "in_stock"
    assert last_entry(asset).history_action == "reinstate"


def test_a_move_the_state_refuses_shows_the_asset_page_with_the_message_and_409(it_client):
    asset = make_asset("deployed", holder=make_user("employee", username="eve"))
    history_before = asset.history.count()

    response = it_client.post(
        move_url(asset, "retire"), {"reason": "Old", "retirement_reason": "end_of_life"}
    )

    assert response.status_code == 409
    page = response.content.decode()
    assert "cannot be retired from that state" in page
    assert "Check it in first" in page
    assert asset.name in page  # the asset page, not an error page
    asset.refresh_from_db()
    assert asset.status == "deployed"
    assert asset.history.count() == history_before


def test_get_of_a_move_the_state_does_not_allow_goes_back_with_a_note(it_client):
    asset = make_asset("in_stock")
    response = it_client.get(move_url(asset, "check-in"), follow=True)
    assert response.redirect_chain[-1][0] == asset.get_absolute_url()
    assert "is not possible from that state" in response.content.decode()


def test_get_of_every_move_form_changes_nothing(it_client):
    asset = make_asset("in_stock")
    history_before = asset.history.count()
    for move in ("deploy", "start-maintenance", "mark-missing", "retire"):
        assert it_client.get(move_url(asset, move)).status_code == 200
    asset.refresh_from_db()
    assert asset.status == "in_stock"
    assert asset.history.count() == history_before


def test_other_methods_are_not_allowed(it_client):
    asset = make_asset("in_stock")
    assert it_client.put(move_url(asset, "retire")).status_code == 405
