"""Offboarding: everything a leaver holds comes back in one transaction, or nothing does."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets import lifecycle
from assets.lifecycle import MoveNotPermitted
from assets.models import Asset, Assignment
from assets.offboarding import OffboardingRefused, offboard
from tests.factories import DepartmentFactory, LocationFactory, make_asset, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def it_user():
    return make_user("it", username="ian", first_name="Ian", last_name="Tech")


@pytest.fixture
def leaver():
    return make_user(
        "employee",
        username="lee",
        first_name="Lee",
        last_name="Ver",
        department=DepartmentFactory(),
    )


@pytest.fixture
def store():
    return LocationFactory(name="IT store")


def five_for(person) -> list[Asset]:
    return [make_asset("deployed", holder=person, name=f"Kit {n}") for n in range(5)]


def last_row(asset: Asset):
    return asset.history.order_by("-history_date", "-history_id").first()


def test_offboarding_a_person_with_5_assets_returns_all_5_each_with_its_history_row(
    it_user, leaver, store
):
    # Given a leaver who holds 5 assets
    assets = five_for(leaver)

    # When IT offboards them
    result = offboard(leaver, actor=it_user, location=store, reason="Left on 30 June")

    # Then all 5 are back in stock at the store, with no holder
    assert sorted(a.tag for a in result) == sorted(a.tag for a in assets)
    assert all(a.offboarding_outcome == "returned" for a in result)
    for asset in assets:
        asset.refresh_from_db()
        assert (asset.status, asset.location, asset.holder) == ("in_stock", store, None)
        # And each return is its own history row: who, why, which move, from which state
        row = last_row(asset)
        assert row.history_action == "check_in"
        assert row.history_from_status == "deployed"
        assert row.history_user == it_user
        assert "Left on 30 June" in row.history_change_reason
        assert "Lee Ver" in row.history_change_reason
    # And each deployment is closed as ended by offboarding
    assert set(
        Assignment.objects.filter(assigned_user=leaver).values_list("end_action", flat=True)
    ) == {"offboard"}
    assert not Asset.objects.filter(assigned_user=leaver).exists()


def test_if_one_return_fails_none_is_applied_and_the_error_says_which_and_why(
    it_user, leaver, store
):
    # Given a leaver with 5 assets, whose list IT has just looked at
    assets = five_for(leaver)
    shown = [a.tag for a in assets]
    # And meanwhile an auditor marks one of them missing
    auditor = make_user("auditor", username="audrey")
    lost = lifecycle.mark_missing(
        assets[2],
        actor=auditor,
        reason="Audit AU-1: not at the desk",
        permission="audits.apply_auditsession",  # as an audit's outcome
    )
    rows_before = Asset.history.count()

    # When IT offboards the person with the list they saw
    with pytest.raises(OffboardingRefused) as refused:
        offboard(leaver, actor=it_user, location=store, reason="Left", expected_tags=shown)

    # Then nothing was returned: the other 4 are still deployed to the leaver
    assert Asset.objects.filter(assigned_user=leaver, status="deployed").count() == 4
    assert Asset.history.count() == rows_before
    # And the error names the asset and why
    assert refused.value.problems == [(lost.tag, refused.value.problems[0][1])]
    assert "missing" in refused.value.problems[0][1]
    assert lost.tag in refused.value.message


def test_an_asset_handed_to_someone_else_meanwhile_is_named(it_user, leaver, store):
    assets = five_for(leaver)
    shown = [a.tag for a in assets]
    other = make_user("employee", username="olga", first_name="Olga", last_name="Other")
    lifecycle.transfer(assets[0], to=other, actor=it_user)

    with pytest.raises(OffboardingRefused) as refused:
        offboard(leaver, actor=it_user, location=store, reason="Left", expected_tags=shown)

    assert refused.value.problems[0][0] == assets[0].tag
    assert "Olga" in refused.value.problems[0][1] or "olga" in refused.value.problems[0][1]
    assert Asset.objects.filter(assigned_user=leaver, status="deployed").count() == 4


def test_what_cannot_be_checked_in_is_said_clearly(it_user, leaver, store):
    # Given a leaver with one deployed, one in repair and one missing asset
    deployed = make_asset("deployed", holder=leaver)
    in_repair = make_asset("in_maintenance_deployed", holder=leaver)
    missing = lifecycle.mark_missing(
        make_asset("deployed", holder=leaver), actor=it_user, reason="Lost on a train"
    )

    # When offboarded
    result = {a.tag: a for a in offboard(leaver, actor=it_user, location=store, reason="Left")}

    # Then the deployed one is back in stock
    assert result[deployed.tag].status == "in_stock"
    assert result[deployed.tag].offboarding_outcome == "returned"
    # And the one in repair stays in maintenance, no longer theirs, with a "release" row
    in_repair.refresh_from_db()
    assert (in_repair.status, in_repair.assigned_user) == ("in_maintenance", None)
    assert last_row(in_repair).history_action == "release"
    assert result[in_repair.tag].offboarding_outcome == "released"
    # And the missing one is untouched, and the result says it cannot be returned
    missing.refresh_from_db()
    assert (missing.status, missing.assigned_user) == ("missing", leaver)
    assert result[missing.tag].offboarding_outcome == "still_missing"
    assert "cannot be checked in" in result[missing.tag].offboarding_note
    # And when the repair is done, it comes back to stock, not to the leaver
    lifecycle.complete_maintenance(in_repair, actor=it_user)
    in_repair.refresh_from_db()
    assert in_repair.status == "in_stock"


def test_offboarding_can_deactivate_the_account_but_not_your_own(it_user, leaver, store):
    five_for(leaver)
    offboard(leaver, actor=it_user, location=store, reason="Left", deactivate=True)
    leaver.refresh_from_db()
    assert leaver.is_active is False

    with pytest.raises(ValidationError):
        offboard(it_user, actor=it_user, location=store, reason="Me", deactivate=True)
    it_user.refresh_from_db()
    assert it_user.is_active


def test_offboarding_needs_a_location_a_reason_and_the_check_in_right(it_user, leaver, store):
    five_for(leaver)
    with pytest.raises(ValidationError) as error:
        offboard(leaver, actor=it_user, location=None, reason="")
    assert set(error.value.message_dict) == {"location", "reason"}
    for role in ("auditor", "manager", "employee"):
        with pytest.raises(MoveNotPermitted):
            offboard(leaver, actor=make_user(role), location=store, reason="Left")
    assert Asset.objects.filter(assigned_user=leaver, status="deployed").count() == 5


def test_offboarding_runs_the_same_number_of_queries_for_2_and_12_assets(it_user, store):
    # Given two leavers, one with 2 assets and one with 12
    small, large = make_user("employee"), make_user("employee")
    for _ in range(2):
        make_asset("deployed", holder=small)
    for _ in range(12):
        make_asset("deployed", holder=large)
    it_user.has_perm("assets.check_in_asset")

    # When each is offboarded
    counts = []
    for person in (small, large):
        with CaptureQueriesContext(connection) as queries:
            offboard(person, actor=it_user, location=store, reason="Left")
        counts.append(len(queries.captured_queries))

    # Then the number of queries is the same
    assert counts[0] == counts[1], counts
