"""Audit races on PostgreSQL: two phones scanning one label, and a scan racing the close."""

import pytest
from django.db import connection

from assets.choices import LocationKind
from audits import services
from audits.models import AuditLine, AuditScan, AuditSession
from audits.services import AuditClosed
from tests.factories import LocationFactory, make_asset, make_user
from tests.test_concurrency import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI always has it)"
    ),
]


def test_two_auditors_scanning_one_label_at_once_make_one_scan():
    room = LocationFactory(name="Room 1", kind=LocationKind.ROOM)
    asset = make_asset(location=room)
    ana, ben = make_user("auditor", username="ana"), make_user("auditor", username="ben")
    audit = services.start_audit(actor=ana, location=room)

    answers = race(
        [
            lambda: services.record_scan(audit, actor=ana, code=asset.tag),
            lambda: services.record_scan(audit, actor=ben, code=asset.tag),
        ]
    )

    assert all(not isinstance(a, Exception) for a in answers), answers
    assert sorted(a.created for a in answers) == [False, True]
    assert answers[0].scan.pk == answers[1].scan.pk
    assert AuditScan.objects.filter(session=audit).count() == 1


@pytest.mark.parametrize("attempt", range(5))
def test_a_scan_racing_the_close_is_either_in_the_reconciliation_or_refused(attempt):
    room = LocationFactory(name=f"Room {attempt}", kind=LocationKind.ROOM)
    assets = [make_asset(location=room) for _ in range(3)]
    auditor = make_user("auditor", username="ana")
    audit = services.start_audit(actor=auditor, location=room)
    services.record_scan(audit, actor=auditor, code=assets[0].tag)

    scan, _closed = race(
        [
            lambda: services.record_scan(
                AuditSession.objects.get(pk=audit.pk), actor=auditor, code=assets[1].tag
            ),
            lambda: services.close_audit(AuditSession.objects.get(pk=audit.pk), actor=auditor),
        ]
    )

    line = AuditLine.objects.get(session=audit, code=assets[1].tag)
    if isinstance(scan, AuditClosed):
        # The close came first: the scan was refused and the asset counts as not found.
        assert line.outcome == "missing"
        assert not AuditScan.objects.filter(session=audit, code=assets[1].tag).exists()
    else:
        # The scan came first: the close saw it.
        assert not isinstance(scan, Exception), scan
        assert line.outcome == "found" and line.scan_id == scan.scan.pk


def test_two_people_applying_the_same_outcome_at_once_mark_each_asset_missing_once():
    room = LocationFactory(name="Room 9", kind=LocationKind.ROOM)
    unseen = [make_asset(location=room) for _ in range(4)]
    ana, ben = make_user("auditor", username="ana"), make_user("auditor", username="ben")
    audit = services.start_audit(actor=ana, location=room)
    services.close_audit(audit, actor=ana)

    reports = race(
        [
            lambda: services.apply_outcome(audit, actor=ana, action="missing"),
            lambda: services.apply_outcome(audit, actor=ben, action="missing"),
        ]
    )

    assert all(not isinstance(r, Exception) for r in reports), reports
    applied = sorted(tag for r in reports for tag in r.applied)
    assert applied == sorted(a.tag for a in unseen)
    for asset in unseen:
        rows = asset.history.filter(history_action="mark_missing").count()
        assert rows == 1
    assert not AuditLine.objects.filter(session=audit).exclude(refusal="").exists()
