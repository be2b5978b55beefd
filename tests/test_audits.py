"""Audit sessions: scanning answers, reconciliation on closing, and applying its outcomes."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assets.choices import AssetStatus, LocationKind
from assets.models import Asset
from audits import services
from audits.choices import Action, ScanResult
from audits.models import AuditLine, AuditScan
from audits.services import AuditClosed, AuditOpen
from itam.errors import Conflict

from .factories import CategoryFactory, LocationFactory, make_asset, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    hq = LocationFactory(name="HQ")
    room = LocationFactory(name="Room 101", parent=hq, kind=LocationKind.ROOM)
    other = LocationFactory(name="Room 102", parent=hq, kind=LocationKind.ROOM)
    store = LocationFactory(name="Store", kind=LocationKind.SITE)
    return {"hq": hq, "room": room, "other": other, "store": store}


@pytest.fixture
def auditor():
    return make_user("auditor", username="ana")


def test_a_room_of_ten_with_eight_found_one_stray_and_one_unknown_reconciles_exactly(site, auditor):
    # Given the register says ten assets are in Room 101, and one more is in the store
    laptops = CategoryFactory(name="Laptops", slug="laptops", audit_interval_days=180)
    overdue = timezone.localdate() - datetime.timedelta(days=10)
    in_room = [
        make_asset(location=site["room"], category=laptops, next_audit_date=overdue)
        for _ in range(10)
    ]
    stray = make_asset(location=site["store"], category=laptops, next_audit_date=overdue)
    audit = services.start_audit(actor=auditor, location=site["room"])

    # When the auditor scans eight of them, the stray, and types one tag nobody knows
    for asset in in_room[:8]:
        answer = services.record_scan(audit, actor=auditor, code=asset.tag)
        assert answer.result == ScanResult.EXPECTED
    stray_answer = services.record_scan(audit, actor=auditor, code=stray.tag)
    unknown_answer = services.record_scan(audit, actor=auditor, code="ZZ-404")
    report = services.close_audit(audit, actor=auditor)

    # Then the reconciliation says exactly that
    assert stray_answer.result == ScanResult.ELSEWHERE
    assert "Store" in stray_answer.message
    assert unknown_answer.result == ScanResult.UNKNOWN
    result = report.as_dict()
    assert result["found"] == sorted(a.tag for a in in_room[:8])
    assert result["misplaced"] == [stray.tag]
    assert result["missing"] == sorted(a.tag for a in in_room[8:])
    assert result["unknown"] == ["ZZ-404"]
    assert result["expected"] == 10
    assert AuditLine.objects.filter(session=audit).count() == 12

    # And the audited assets are next due one category interval from today; the missing are not
    today = timezone.localdate()
    for asset in [*in_room[:8], stray]:
        asset.refresh_from_db()
        assert asset.next_audit_date == today + datetime.timedelta(days=180)
    in_room[9].refresh_from_db()
    assert in_room[9].next_audit_date == overdue

    # When the auditor applies both outcomes
    moved = services.apply_outcome(audit, actor=auditor, action=Action.MOVE)
    missing = services.apply_outcome(audit, actor=auditor, action=Action.MARK_MISSING)

    # Then the stray is here and the two unseen are missing, each with a history row naming AU-n
    assert moved.applied == [stray.tag] and not moved.refused
    assert missing.applied == sorted(a.tag for a in in_room[8:])
    stray.refresh_from_db()
    assert stray.location == site["room"]
    ref = audit.reference
    last = stray.history.order_by("-history_id").first()
    assert ref in last.history_change_reason and last.history_action == "relocate"
    for asset in in_room[8:]:
        asset.refresh_from_db()
        assert asset.status == AssetStatus.MISSING
        row = asset.history.order_by("-history_id").first()
        assert ref in row.history_change_reason and row.history_user == auditor

    # And applying again changes nothing more
    again = services.apply_outcome(audit, actor=auditor, action=Action.MARK_MISSING)
    assert again.applied == [] and again.refused == []


def test_scanning_the_same_tag_twice_is_idempotent(site, auditor):
    asset = make_asset(location=site["room"])
    audit = services.start_audit(actor=auditor, location=site["room"])

    first = services.record_scan(audit, actor=auditor, code=asset.tag)
    # The QR code's URL and a lower-case typed tag are the same asset
    second = services.record_scan(audit, actor=auditor, code=f"https://itam.example/t/{asset.tag}")
    third = services.record_scan(audit, actor=auditor, code=asset.tag.lower())

    assert first.created and not second.created and not third.created
    assert second.scan.pk == first.scan.pk == third.scan.pk
    assert second.message.startswith("Already scanned at")
    assert AuditScan.objects.filter(session=audit).count() == 1


def test_scans_of_a_closed_audit_are_refused(site, auditor):
    asset = make_asset(location=site["room"])
    audit = services.start_audit(actor=auditor, location=site["room"])
    services.close_audit(audit, actor=auditor)

    with pytest.raises(AuditClosed, match="closed"):
        services.record_scan(audit, actor=auditor, code=asset.tag)
    with pytest.raises(AuditClosed):
        services.close_audit(audit, actor=auditor)
    assert not AuditScan.objects.filter(session=audit).exists()


def test_a_stale_copy_of_an_open_audit_cannot_record_into_it_once_closed(site, auditor):
    asset = make_asset(location=site["room"])
    audit = services.start_audit(actor=auditor, location=site["room"])
    stale = type(audit).objects.get(pk=audit.pk)  # another request loaded it while open
    services.close_audit(audit, actor=auditor)

    with pytest.raises(AuditClosed):
        services.record_scan(stale, actor=auditor, code=asset.tag)
    assert not AuditScan.objects.filter(session=audit).exists()


def test_answers_for_flagged_states(site, auditor):
    retired = make_asset("retired", location=site["room"])
    missing = make_asset("missing", location=site["room"])
    audit = services.start_audit(actor=auditor, location=site["hq"])

    assert services.record_scan(audit, actor=auditor, code=retired.tag).result == "retired"
    answer = services.record_scan(audit, actor=auditor, code=missing.tag)
    assert answer.result == ScanResult.WAS_MISSING
    report = services.close_audit(audit, actor=auditor).as_dict()
    assert report["flagged"] == [retired.tag]
    assert report["recovered"] == [missing.tag]

    services.apply_outcome(audit, actor=auditor, action=Action.MARK_FOUND)
    missing.refresh_from_db()
    assert missing.status == AssetStatus.IN_STOCK
    assert audit.reference in missing.history.order_by("-history_id").first().history_change_reason


def test_found_location_decides_between_found_and_misplaced(site, auditor):
    in_101 = make_asset(location=site["room"])
    in_hq = make_asset(location=site["hq"])
    audit = services.start_audit(actor=auditor, location=site["hq"])

    # Found in Room 102 while the register says Room 101: belongs elsewhere
    assert (
        services.record_scan(audit, actor=auditor, code=in_101.tag, found_at=site["other"]).result
        == ScanResult.ELSEWHERE
    )
    # Registered at HQ only, found in Room 102 (inside HQ): agrees
    assert (
        services.record_scan(audit, actor=auditor, code=in_hq.tag, found_at=site["other"]).result
        == ScanResult.EXPECTED
    )
    # A place outside the audit is refused with what to do
    with pytest.raises(ValidationError, match="outside this audit"):
        services.record_scan(audit, actor=auditor, code="X-1", found_at=site["store"])


def test_category_narrows_what_is_expected(site, auditor):
    laptops = CategoryFactory(name="Laptops", slug="laptops")
    monitors = CategoryFactory(name="Monitors", slug="monitors")
    laptop = make_asset(location=site["room"], category=laptops)
    make_asset(location=site["room"], category=monitors)
    audit = services.start_audit(actor=auditor, location=site["room"], category=laptops)

    report = services.close_audit(audit, actor=auditor).as_dict()

    assert report["missing"] == [laptop.tag]


def test_outcomes_wait_for_closing_and_refuse_strangers(site, auditor):
    asset = make_asset(location=site["room"])
    audit = services.start_audit(actor=auditor, location=site["room"])
    with pytest.raises(AuditOpen):
        services.apply_outcome(audit, actor=auditor, action=Action.MARK_MISSING)
    services.close_audit(audit, actor=auditor)
    with pytest.raises(ValidationError, match="NOT-HERE"):
        services.apply_outcome(audit, actor=auditor, action=Action.MARK_MISSING, tags=["NOT-HERE"])
    report = services.apply_outcome(
        audit, actor=auditor, action=Action.MARK_MISSING, tags=[asset.tag]
    )
    assert report.applied == [asset.tag]


def test_a_move_someone_made_impossible_meanwhile_is_reported_not_forced(site, auditor):
    stray = make_asset(location=site["store"])
    audit = services.start_audit(actor=auditor, location=site["room"])
    services.record_scan(audit, actor=auditor, code=stray.tag)
    services.close_audit(audit, actor=auditor)
    from assets import lifecycle

    lifecycle.mark_missing(stray, actor=make_user("it"), reason="Reported stolen")

    report = services.apply_outcome(audit, actor=auditor, action=Action.MOVE)

    assert report.applied == []
    assert report.refused[0][0] == stray.tag and "missing" in report.refused[0][1]
    assert AuditLine.objects.get(session=audit, code=stray.tag).refusal


@pytest.mark.parametrize("role", ["employee", "manager"])
def test_employees_and_managers_cannot_audit(site, role):
    person = make_user(role)
    with pytest.raises(PermissionDenied):
        services.start_audit(actor=person, location=site["room"])
    audit = services.start_audit(actor=make_user("auditor"), location=site["room"])
    with pytest.raises(PermissionDenied):
        services.record_scan(audit, actor=person, code="IT-1")
    with pytest.raises(PermissionDenied):
        services.close_audit(audit, actor=person)
    assert not services.visible_audits(person).exists()


def test_auditors_change_assets_only_through_audit_outcomes(site, auditor):
    from assets import lifecycle

    asset = make_asset(location=site["store"])
    with pytest.raises(PermissionDenied):
        lifecycle.relocate(asset, actor=auditor, location=site["room"])
    with pytest.raises(PermissionDenied):
        lifecycle.update_details(asset, actor=auditor, name="Renamed")
    asset.refresh_from_db()
    assert asset.location == site["store"] and asset.name != "Renamed"


def test_start_audit_refuses_bad_input_with_what_to_fix(site, auditor):
    employee = make_user("employee", username="eve")
    with pytest.raises(ValidationError) as error:
        services.start_audit(
            actor=auditor,
            location=None,
            auditor=employee,
            due_date=timezone.localdate() - datetime.timedelta(days=1),
        )
    assert set(error.value.message_dict) == {"location", "auditor", "due_date"}
    services.start_audit(actor=auditor, location=site["room"])
    with pytest.raises(Conflict, match="already open"):
        services.start_audit(actor=auditor, location=site["room"])


def test_overdue_by_location_counts_assets_per_place(site, auditor):
    today = timezone.localdate()
    for _ in range(3):
        make_asset(location=site["room"], next_audit_date=today - datetime.timedelta(days=5))
    make_asset(location=site["store"], next_audit_date=today + datetime.timedelta(days=3))
    make_asset(location=site["store"], next_audit_date=today + datetime.timedelta(days=300))
    make_asset("retired", location=site["room"], next_audit_date=today - datetime.timedelta(days=9))

    rows = {row.location_name: row for row in services.overdue_by_location(today)}

    assert rows["HQ › Room 101"].overdue == 3
    assert rows["Store"].overdue == 0 and rows["Store"].due_soon == 1
    assert next(iter(rows)) == "HQ › Room 101"


def test_parse_code_rejects_junk_with_a_reason():
    with pytest.raises(ValidationError, match="Scan a code"):
        services.parse_code("   ")
    with pytest.raises(ValidationError, match="characters long"):
        services.parse_code("X" * 500)
    assert services.parse_code(" https://x.example/t/IT-000042 ") == "IT-000042"
    assert services.parse_code("/t/IT%2D7") == "IT-7"
    assert Asset.objects.count() == 0


def test_a_closed_audits_progress_stays_as_it_was_closed(site, auditor):
    seen, unseen = make_asset(location=site["room"]), make_asset(location=site["room"])
    audit = services.start_audit(actor=auditor, location=site["room"])
    services.record_scan(audit, actor=auditor, code=seen.tag)
    services.close_audit(audit, actor=auditor)

    # Later the seen asset leaves the room and a new one arrives: the audit's figures stand
    from assets import lifecycle

    lifecycle.relocate(seen, actor=make_user("it"), location=site["store"])
    make_asset(location=site["room"])

    assert services.progress(audit) | {"by_result": None} == {
        "expected": 2,
        "seen_expected": 1,
        "scanned": 1,
        "by_result": None,
    }
    assert unseen.tag in services.results(audit).codes("missing")


def test_overdue_rows_name_an_open_audit_of_a_place_above(site, auditor):
    today = timezone.localdate()
    make_asset(location=site["room"], next_audit_date=today - datetime.timedelta(days=1))
    building_audit = services.start_audit(actor=auditor, location=site["hq"])

    rows = {row.location_name: row for row in services.overdue_by_location(today)}

    assert rows["HQ › Room 101"].open_audit == building_audit


def test_outcomes_are_not_forced_on_assets_changed_after_closing(site, auditor):
    from assets import lifecycle

    unseen = make_asset(location=site["room"])
    repaired = make_asset(location=site["room"])
    stray = make_asset(location=site["store"])
    audit = services.start_audit(actor=auditor, location=site["room"])
    services.record_scan(audit, actor=auditor, code=stray.tag)
    services.close_audit(audit, actor=auditor)
    # After closing, IT carries the unseen one to the store, sends another for repair, and puts
    # the stray in Room 102
    it = make_user("it")
    lifecycle.relocate(unseen, actor=it, location=site["store"])
    lifecycle.start_maintenance(repaired, actor=it, reason="Fan noise")
    lifecycle.relocate(stray, actor=it, location=site["other"])

    missing = services.apply_outcome(audit, actor=auditor, action=Action.MARK_MISSING)
    moved = services.apply_outcome(audit, actor=auditor, action=Action.MOVE)

    refusals = dict(missing.refused)
    assert missing.applied == []
    assert "was moved to Store after" in refusals[unseen.tag]
    assert "is now in maintenance" in refusals[repaired.tag]
    assert moved.applied == [] and "was moved to HQ › Room 102" in dict(moved.refused)[stray.tag]
    for asset, status in ((unseen, "in_stock"), (repaired, "in_maintenance")):
        asset.refresh_from_db()
        assert asset.status == status
    stray.refresh_from_db()
    assert stray.location == site["other"]


def test_unknown_codes_are_one_code_whatever_their_letter_case(site, auditor):
    audit = services.start_audit(actor=auditor, location=site["room"])
    first = services.record_scan(audit, actor=auditor, code="zz-404")
    second = services.record_scan(audit, actor=auditor, code="ZZ-404")
    assert first.created and not second.created
    assert services.close_audit(audit, actor=auditor).as_dict()["unknown"] == ["ZZ-404"]


def test_a_withdrawn_order_leaves_its_scan_with_the_code(site, auditor):
    from assets import lifecycle

    ordered = make_asset("on_order", location=site["room"])
    audit = services.start_audit(actor=auditor, location=site["room"])
    answer = services.record_scan(audit, actor=auditor, code=ordered.tag)
    assert answer.result == ScanResult.ON_ORDER

    lifecycle.withdraw_order(ordered, actor=make_user("it"), reason="Supplier cancelled")

    scan = AuditScan.objects.get(pk=answer.scan.pk)
    assert scan.asset is None and scan.code == ordered.tag


def test_a_long_apply_goes_in_batches_and_says_what_is_left(site, auditor):
    unseen = [make_asset(location=site["room"]) for _ in range(5)]
    audit = services.start_audit(actor=auditor, location=site["room"])
    services.close_audit(audit, actor=auditor)

    first = services.apply_outcome(audit, actor=auditor, action=Action.MARK_MISSING, limit=3)
    rest = services.apply_outcome(audit, actor=auditor, action=Action.MARK_MISSING, limit=3)

    assert len(first.applied) == 3 and first.remaining == 2
    assert len(rest.applied) == 2 and rest.remaining == 0
    assert sorted(first.applied + rest.applied) == sorted(a.tag for a in unseen)
