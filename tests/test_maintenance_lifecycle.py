"""Leaving maintenance by another door than "complete" (retire, mark missing) closes the record,
so the asset can be repaired again later without a stale open record in the way."""

import pytest
from django.contrib.auth.models import Permission

from assets import lifecycle
from requests_app.services import approvers_for
from tests.factories import it_robot, make_asset, make_user
from tests.request_factories import make_request, make_team

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("leave", "word"),
    [(lifecycle.retire, "retired"), (lifecycle.mark_missing, "marked missing")],
)
def test_leaving_maintenance_closes_its_record(leave, word):
    # Given a monitor in for repair
    actor = it_robot()
    asset = make_asset("in_stock")
    lifecycle.start_maintenance(asset, actor=actor, reason="No signal", title="No signal")

    # When it leaves maintenance without being repaired
    leave(asset, actor=actor, reason="Not worth repairing")

    # Then its record is closed, saying why, with the downtime it had
    record = asset.maintenance_records.get()
    assert record.closed_at is not None
    assert record.closed_by == actor
    assert word in record.resolution and "Not worth repairing" in record.resolution
    assert record.downtime is not None


def test_a_reinstated_asset_can_go_into_maintenance_again():
    actor = it_robot()
    asset = make_asset("in_stock")
    lifecycle.start_maintenance(asset, actor=actor, reason="Dead board")
    lifecycle.retire(asset, actor=actor, reason="Board unavailable")
    lifecycle.reinstate(asset, actor=actor, reason="Spare board found")

    lifecycle.start_maintenance(asset, actor=actor, reason="Fit the spare board")

    assert asset.maintenance_records.count() == 2
    assert asset.maintenance_records.filter(closed_at__isnull=True).count() == 1


def test_a_request_whose_manager_has_left_goes_to_those_who_may_decide_any():
    """Otherwise its reminders (and notifications) go to nobody."""
    team = make_team()
    request = make_request(team)
    deputy = make_user("employee", username="deputy")
    deputy.user_permissions.add(Permission.objects.get(codename="decide_any_request"))
    team.manager.is_active = False
    team.manager.save(update_fields=["is_active"])
    request.department.refresh_from_db()

    assert [person.username for person in approvers_for(request)] == ["deputy"]
