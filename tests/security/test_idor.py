"""IDOR: every object URL, web and API, tried by people the object does not belong to.

The objects are Amy's (an employee of Sales). A colleague in Sales, the manager of Finance, an
auditor and a signed-out visitor each GET and POST every URL that names one of them. Anything but a
403, 404 or 405 is a leak, unless the allow-lists below say why that role may see it.
"""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.security.conftest import World
from tests.security.routes import object_urls

pytestmark = pytest.mark.django_db

REFUSED = {403, 404, 405}

# Reference data every signed-in person reads: the catalogue the request and booking forms offer.
CATALOGUE = {
    "api-asset-model-detail",
    "api-category-detail",
    "api-checklist-detail",  # the deployment steps of a category, shown to whoever receives one
    "api-checklist-list",
    "api-department-detail",
    "api-location-detail",
    "api-manufacturer-detail",
    "api-loaner-pool-detail",  # anyone books a loaner from a pool
    "loaners:pool",
    "audits:tag-sheet-css",  # the label template's page geometry: no data in it
}

# Auditors "read every record and its history" (DESIGN.md, roles): reads only, never a change.
AUDITOR_READS = {
    "api-asset-assignments",
    "api-asset-detail",
    "api-asset-disposal",
    "api-asset-history",
    "api-asset-wipes",
    "api-budget-detail",
    "api-label-template-detail",
    "api-license-detail",
    "api-license-renewals",
    "api-license-seats",
    "api-maintenance-detail",
    "api-maintenance-plan-detail",
    "api-person",
    "api-purchase-order-detail",
    "api-report-department",
    "api-report-location",
    "api-request-detail",
    "api-reservation-detail",
    "api-vendor-detail",
    "assets:detail",
    "assets:disposal-certificate",
    "short-link",  # the tag's short link forwards to the asset page
    "assets:qr",
    "maintenance:detail",
    "maintenance:license",
    "maintenance:plan",
    "people:detail",
    "places:department",
    "places:location",
    "requests_app:detail",
    "requests_app:order-detail",
}

# The audit in the world is assigned to the auditor: theirs to open, scan and close.
AUDITORS_OWN = {
    "api-audit-apply",
    "api-audit-close",
    "api-audit-detail",
    "api-audit-results",
    "api-audit-scans",
    "audits:apply",
    "audits:close",
    "audits:detail",
    "audits:report-csv",
    "audits:report-pdf",
    "audits:scan",
    "audits:scan-leave",
}

# The auditor reads these requests and assets anyway, so an empty form shown back with its errors
# (400) tells them nothing new; the services refuse the filled form (tests/test_api_roles.py,
# tests/test_requests_rules.py). The snapshot below proves the empty POST changed nothing.
AUDITOR_SEES_FORM_ERRORS = {
    "api-asset-report-problem",
    "api-request-cancel",
    "api-request-reject",
    "requests_app:allocate",
    "requests_app:cancel",
    "requests_app:new-hire",
    "requests_app:order",
    "requests_app:order-cancel",
}

MAY_READ = {
    "colleague": CATALOGUE,
    "finance_manager": CATALOGUE,
    "auditor": CATALOGUE | AUDITOR_READS | AUDITORS_OWN,
}
MAY_POST = {"auditor": AUDITORS_OWN}
POST_MAY_ANSWER = {"auditor": {400: AUDITOR_SEES_FORM_ERRORS}}


def client_for(api: bool, user=None):
    client = APIClient() if api else Client()
    if user is not None:
        client.force_login(user)
    return client


def snapshot(w: World) -> dict:
    """What a successful forged request would change."""
    from assets.models import Asset, Reservation
    from audits.models import AuditSession
    from maintenance.models import LicenseSeat, MaintenanceRecord
    from requests_app.models import AssetRequest, PurchaseOrder

    return {
        "assets": list(Asset.objects.order_by("pk").values_list("pk", "status", "name")),
        "requests": list(AssetRequest.objects.values_list("pk", "status")),
        "orders": list(PurchaseOrder.objects.values_list("pk", "status")),
        "reservations": list(Reservation.objects.values_list("pk", "status")),
        "seats": list(LicenseSeat.objects.values_list("pk", "released_at")),
        "records": list(MaintenanceRecord.objects.values_list("pk", "closed_at")),
        "audits": list(AuditSession.objects.values_list("pk", "status")),
        "amy": (w.amy.__class__.objects.get(pk=w.amy.pk).is_active,),
    }


@pytest.mark.parametrize("role", ["colleague", "finance_manager", "auditor"])
def test_nobody_opens_or_changes_an_object_that_is_not_theirs(world, role):
    user = getattr(world, role)
    before = snapshot(world)
    leaks = []
    for route, url in object_urls(world):
        client = client_for(route.api, user)
        got = client.get(url).status_code
        if got not in REFUSED and route.name not in MAY_READ[role]:
            leaks.append(("GET", route.name, url, got))
        if route.name in MAY_POST.get(role, ()):
            continue
        got = client.post(url, {}, format="json") if route.api else client.post(url, {})
        if got.status_code in {200, 302, 405} and route.name in MAY_READ[role]:
            continue  # a page they may read that ignores the method; the snapshot checks below
        if route.name in POST_MAY_ANSWER.get(role, {}).get(got.status_code, ()):
            continue
        if got.status_code not in REFUSED:
            leaks.append(("POST", route.name, url, got.status_code))
    assert not leaks, "\n".join(map(str, leaks))
    assert snapshot(world) == before


def test_a_signed_out_visitor_is_sent_to_sign_in_or_refused_everywhere(world):
    before = snapshot(world)
    leaks = []
    for route, url in object_urls(world):
        if route.name == "audits:tag-sheet-css":  # page geometry, no data (see CATALOGUE)
            continue
        client = client_for(route.api)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if route.api:
                ok = response.status_code in {401, 403}
            else:
                ok = response.status_code == 302 and response["Location"].startswith(
                    "/accounts/login/"
                )
            if not ok:
                leaks.append((method, route.name, url, response.status_code))
    assert not leaks, "\n".join(map(str, leaks))
    assert snapshot(world) == before
