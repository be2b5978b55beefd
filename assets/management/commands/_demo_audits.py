"""Audits for ``seed_demo``: one closed with every kind of finding, one open and half walked.

Made through ``audits.services`` on the real clock, like the auditor would: the closed audit of
the IT store found most of it, one device that belongs in the Manchester comms cupboard, and a
label nobody knows, and missed two; its outcomes are left for the auditor to apply, so the demo
shows the buttons. The open audit of the Reading stock room is due in a few days and half walked.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from assets.choices import ACTIVE_STATUSES
from assets.models import Asset, Location
from audits import services

STORE = "A-G05 IT store"
CUPBOARD = "3.12 Comms cupboard"
WAREHOUSE = "Stock room"


def _assets_at(location: Location) -> list[Asset]:
    return list(Asset.objects.filter(location=location, status__in=ACTIVE_STATUSES).order_by("tag"))


@transaction.atomic
def seed_audits(auditor) -> dict[str, int]:
    """Returns how many audits and scans were made."""
    store = Location.objects.filter(name=STORE).first()
    cupboard = Location.objects.filter(name=CUPBOARD).first()
    warehouse = Location.objects.filter(name=WAREHOUSE).first()
    made = {"audits": 0, "scans": 0}
    if store is None or cupboard is None or warehouse is None:
        return made

    closed = services.start_audit(actor=auditor, location=store, notes="Quarterly store count.")
    expected = _assets_at(store)
    for asset in expected[2:]:  # two are not on the shelf
        services.record_scan(closed, actor=auditor, code=asset.tag, condition="good")
    stray = next(iter(_assets_at(cupboard)), None)
    if stray is not None:
        services.record_scan(closed, actor=auditor, code=stray.tag, condition="fair")
    services.record_scan(closed, actor=auditor, code="OLD-0042")
    services.close_audit(closed, actor=auditor)
    made["audits"] += 1
    made["scans"] += closed.scans.count()

    walking = services.start_audit(
        actor=auditor,
        location=warehouse,
        due_date=timezone.localdate() + datetime.timedelta(days=5),
        notes="Year-end count of the warehouse stock room.",
    )
    on_shelves = _assets_at(warehouse)
    for asset in on_shelves[: max(1, len(on_shelves) // 2)]:
        services.record_scan(walking, actor=auditor, code=asset.tag, condition="good")
    made["audits"] += 1
    made["scans"] += walking.scans.count()
    return made
