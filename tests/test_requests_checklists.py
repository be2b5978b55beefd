"""Requests meet deployment checklists: what goes to a person is set up first."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from assets.choices import AssetStatus
from assets.models import ChecklistItem
from requests_app import services
from tests.factories import make_asset
from tests.request_factories import approved_request, make_order, make_team, serials

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    team = make_team()
    ChecklistItem.objects.create(category=team.laptops, text="Enrol in MDM", required=True)
    ChecklistItem.objects.create(category=team.laptops, text="Add stickers", required=False)
    return team


def test_allocating_from_stock_needs_the_required_steps_ticked(team):
    spare = make_asset("in_stock", category=team.laptops)
    request = approved_request(team)
    with pytest.raises(ValidationError, match="Enrol in MDM"):
        services.fulfil_from_stock(request, actor=team.it, asset=spare)
    spare.refresh_from_db()
    assert spare.status == AssetStatus.IN_STOCK

    mdm = team.laptops.checklist.get(required=True)
    services.fulfil_from_stock(request, actor=team.it, asset=spare, checklist_done=[mdm.pk])
    spare.refresh_from_db()
    request.refresh_from_db()
    assert (spare.status, spare.assigned_user, request.status) == (
        AssetStatus.DEPLOYED,
        team.employee,
        "fulfilled",
    )
    assert spare.assignments.get().checklist[0]["done"] is True


def test_a_received_unit_whose_setup_is_not_done_waits_in_stock_for_its_request(team):
    request = approved_request(team)
    order = make_order(team, requests=[request], send=True)
    [unit] = services.receive_order(
        order, actor=team.it, receipts=[services.Receipt(order.lines.get(), serials("L", 1))]
    )
    request.refresh_from_db()
    assert unit.status == AssetStatus.IN_STOCK
    assert request.status == "ordering"
    # IT sets it up and allocates it from the request page
    assert unit.tag in [a.tag for a in services.reuse_candidates(request)]
    mdm = team.laptops.checklist.get(required=True)
    services.fulfil_from_stock(request, actor=team.it, asset=unit, checklist_done=[mdm.pk])
    request.refresh_from_db()
    assert request.status == "fulfilled"


def test_setup_done_on_arrival_deploys_at_once(team):
    request = approved_request(team)
    order = make_order(team, requests=[request], send=True)
    mdm = team.laptops.checklist.get(required=True)
    [unit] = services.receive_order(
        order,
        actor=team.it,
        receipts=[services.Receipt(order.lines.get(), serials("L", 1), checklist_done=[mdm.pk])],
    )
    assert unit.status == AssetStatus.DEPLOYED


def test_the_request_page_asks_for_the_checklist_when_allocating(client, team):
    spare = make_asset("in_stock", category=team.laptops)
    request = approved_request(team)
    client.force_login(team.it)
    page = client.get(request.get_absolute_url()).content.decode()
    assert "Enrol in MDM (required)" in page

    refused = client.post(f"/requests/{request.pk}/allocate/", {"asset": spare.tag})
    assert refused.status_code == 400
    assert "Enrol in MDM" in refused.content.decode()

    mdm = team.laptops.checklist.get(required=True)
    done = client.post(
        f"/requests/{request.pk}/allocate/", {"asset": spare.tag, "checklist": [mdm.pk]}
    )
    assert done.status_code == 302
    spare.refresh_from_db()
    assert spare.status == AssetStatus.DEPLOYED


def test_the_api_fulfils_with_a_checklist(team):
    spare = make_asset("in_stock", category=team.laptops)
    request = approved_request(team)
    api = APIClient()
    api.force_authenticate(team.it)
    url = f"/api/v1/requests/{request.pk}/fulfil/"
    refused = api.post(url, {"asset": spare.tag}, format="json")
    assert refused.status_code == 400
    mdm = team.laptops.checklist.get(required=True)
    done = api.post(url, {"asset": spare.tag, "checklist": [mdm.pk]}, format="json")
    assert done.status_code == 200
    assert done.json()["status"] == "fulfilled"
