"""The audits API: /api/v1/audits/ sessions, scans, close, results, apply and overdue places."""

import datetime

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from assets.choices import AssetStatus, LocationKind
from audits import services
from audits.models import AuditScan, AuditSession
from tests.factories import CategoryFactory, LocationFactory, make_asset, make_user

pytestmark = pytest.mark.django_db

AUDITS = "/api/v1/audits/"


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(audit, what: str = "") -> str:
    pk = audit if isinstance(audit, int) else audit.pk
    return f"{AUDITS}{pk}/{what + '/' if what else ''}"


def scan(api, audit, tag, **body):
    return api.post(url(audit, "scans"), {"tag": tag, **body}, format="json")


def start(api, **body):
    return api.post(AUDITS, body, format="json")


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


# --- the audit, end to end through the API ---------------------------------------------


def test_a_room_of_ten_scanned_through_the_api_closes_to_exactly_its_reconciliation(site, auditor):
    # Given the register says ten assets are in Room 101, and one more is in the store
    laptops = CategoryFactory(name="Laptops", slug="laptops", audit_interval_days=180)
    in_room = [make_asset(location=site["room"], category=laptops) for _ in range(10)]
    stray = make_asset(location=site["store"], category=laptops)
    api = api_for(auditor)

    # When the auditor starts an audit of the room with the contract body
    started = start(api, location=site["room"].pk)

    # Then it is open, expects ten, and says where to scan
    assert started.status_code == 201, started.json()
    audit = started.json()
    assert audit["reference"] == f"AU-{audit['id']}"
    assert (audit["status"], audit["auditor"], audit["created_by"]) == ("open", "ana", "ana")
    assert audit["location"] == {
        "id": site["room"].pk,
        "name": "Room 101",
        "full_name": "HQ › Room 101",
    }
    assert audit["progress"] == {"expected": 10, "seen_expected": 0, "scanned": 0, "by_result": {}}
    assert audit["urls"]["scan_page"] == f"/audits/{audit['id']}/scan/"
    assert audit["urls"]["results"].endswith(f"/api/v1/audits/{audit['id']}/results/")
    pk = audit["id"]

    # When eight are scanned, then the stray, then a tag nobody knows is typed
    answers = [scan(api, pk, asset.tag) for asset in in_room[:8]]
    stray_answer = scan(api, pk, stray.tag, location=site["room"].pk)
    unknown_answer = scan(api, pk, "ZZ-404", condition="poor")

    # Then each answered at once
    assert [a.status_code for a in answers] == [201] * 8
    assert {a.json()["result"] for a in answers} == {"expected"}
    assert answers[0].json()["asset"] == {
        "tag": in_room[0].tag,
        "name": in_room[0].name,
        "status": AssetStatus.IN_STOCK,
    }
    assert stray_answer.status_code == 201
    body = stray_answer.json()
    assert (body["result"], body["created"], body["duplicate"]) == ("elsewhere", True, False)
    assert "Store" in body["message"]
    assert body["register_location"]["full_name"] == "Store"
    assert body["found_at"]["full_name"] == "HQ › Room 101"
    assert body["progress"]["seen_expected"] == 8 and body["progress"]["scanned"] == 9
    unknown = unknown_answer.json()
    assert (unknown["result"], unknown["tag"], unknown["asset"]) == ("unknown", None, None)
    assert (unknown["code"], unknown["condition"]) == ("ZZ-404", "poor")

    # And the live preview already says what closing will say
    preview = api.get(url(pk, "results")).json()
    assert preview["status"] == "open" and preview["expected"] == 10
    assert len(preview["missing"]) == 2 and preview["misplaced"] == [stray.tag]

    # When the auditor closes it
    closed = api.post(url(pk, "close"))

    # Then the reconciliation is exactly that
    assert closed.status_code == 200, closed.json()
    result = closed.json()
    assert result["found"] == sorted(a.tag for a in in_room[:8])
    assert result["misplaced"] == [stray.tag]
    assert result["missing"] == sorted(a.tag for a in in_room[8:])
    assert result["unknown"] == ["ZZ-404"]
    assert (result["recovered"], result["flagged"]) == ([], [])
    assert (result["id"], result["reference"], result["status"]) == (pk, f"AU-{pk}", "closed")
    assert result["expected"] == 10 and result["closed_at"]

    # When the auditor applies both outcomes
    moved = api.post(url(pk, "apply"), {"action": "move"}, format="json")
    missing = api.post(url(pk, "apply"), {"action": "missing"}, format="json")

    # Then the stray is moved here and the two unseen are missing
    assert moved.status_code == 200, moved.json()
    assert moved.json() == {"action": "move", "applied": [stray.tag], "refused": [], "remaining": 0}
    assert missing.json()["applied"] == sorted(a.tag for a in in_room[8:])
    stray.refresh_from_db()
    assert stray.location == site["room"]
    # with history rows that name the audit
    ref = f"AU-{pk}"
    history = api.get(f"/api/v1/assets/{stray.tag}/history/").json()
    assert history[0]["action"] == "relocate" and ref in history[0]["reason"]
    assert history[0]["user"] == "ana"
    for asset in in_room[8:]:
        row = api.get(f"/api/v1/assets/{asset.tag}/history/").json()[0]
        assert row["to_status"] == AssetStatus.MISSING and ref in row["reason"]

    # And the results show what was applied, by whom
    lines = {line["code"]: line for line in api.get(url(pk, "results")).json()["lines"]}
    assert len(lines) == 12
    assert (lines[stray.tag]["applied_action"], lines[stray.tag]["applied_by"]) == ("move", "ana")
    assert lines[stray.tag]["action"] is None  # nothing left to do
    assert lines[stray.tag]["register_location"]["full_name"] == "Store"
    assert lines[stray.tag]["found_location"]["full_name"] == "HQ › Room 101"
    assert lines["ZZ-404"]["outcome"] == "unknown" and lines["ZZ-404"]["tag"] is None
    assert lines[in_room[0].tag]["outcome"] == "found" and lines[in_room[0].tag]["action"] is None

    # And applying again changes nothing more
    again = api.post(url(pk, "apply"), {"action": "missing"}, format="json").json()
    assert again["applied"] == [] and again["refused"] == []


def test_the_same_tag_twice_is_one_scan_and_a_closed_audit_takes_no_more(site, auditor):
    asset = make_asset(location=site["room"])
    api = api_for(auditor)
    pk = start(api, location=site["room"].pk).json()["id"]

    first = scan(api, pk, asset.tag)
    # the label's QR code is the same asset
    second = scan(api, pk, f"https://itam.example/t/{asset.tag}")

    assert first.status_code == 201
    assert (first.json()["created"], first.json()["duplicate"]) == (True, False)
    assert second.status_code == 200
    assert (second.json()["created"], second.json()["duplicate"]) == (False, True)
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["message"].startswith("Already scanned at")
    assert AuditScan.objects.filter(session_id=pk).count() == 1

    assert api.post(url(pk, "close")).status_code == 200
    late = scan(api, pk, asset.tag)
    again = api.post(url(pk, "close"))

    assert late.status_code == 409
    assert late.json()["code"] == "audit_closed" and late.json()["audit"] == pk
    assert f"AU-{pk} was closed" in late.json()["detail"]
    assert "Start a new audit" in late.json()["detail"]
    assert again.status_code == 409 and again.json()["code"] == "audit_closed"
    assert AuditScan.objects.filter(session_id=pk).count() == 1


def test_outcomes_wait_for_closing_and_refuse_tags_not_waiting(site, auditor):
    asset = make_asset(location=site["room"])
    api = api_for(auditor)
    pk = start(api, location=site["room"].pk).json()["id"]

    def apply(**body):
        return api.post(url(pk, "apply"), body, format="json")

    early = apply(action="missing")
    api.post(url(pk, "close"))
    bad_action = apply(action="burn")
    no_action = apply()
    stranger = apply(action="missing", tags=["NOT-HERE"])
    chosen = apply(action="missing", tags=[asset.tag])

    assert early.status_code == 409 and early.json()["code"] == "audit_open"
    assert "close it first" in early.json()["detail"]
    assert bad_action.status_code == 400
    assert bad_action.json()["errors"]["action"] == ["Choose one of: move, missing, found."]
    assert no_action.status_code == 400 and "action" in no_action.json()["errors"]
    assert stranger.status_code == 400
    assert "NOT-HERE" in stranger.json()["errors"]["tags"][0]
    assert chosen.status_code == 200 and chosen.json()["applied"] == [asset.tag]


def test_a_second_open_audit_of_the_same_place_is_a_conflict_naming_the_first(site, auditor):
    api = api_for(auditor)
    first = start(api, location=site["room"].pk).json()

    second = start(api, location=site["room"].pk)

    assert second.status_code == 409
    assert second.json()["audit"] == first["id"]
    assert "already open" in second.json()["detail"]


# --- who may do what ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["auditor", "it"])
def test_auditors_and_it_staff_can_do_everything(site, role):
    person = make_user(role)
    asset = make_asset(location=site["store"])
    lost = make_asset(location=site["room"])
    api = api_for(person)
    due = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()

    created = start(api, location=site["room"].pk, due_date=due, notes="Quarterly")
    pk = created.json()["id"]
    answers = [
        api.get(AUDITS),
        api.get(url(pk)),
        scan(api, pk, asset.tag),
        api.get(url(pk, "scans")),
        api.get(url(pk, "results")),
        api.post(url(pk, "close")),
        api.post(url(pk, "apply"), {"action": "move"}, format="json"),
        api.post(url(pk, "apply"), {"action": "missing"}, format="json"),
        api.get(f"{AUDITS}overdue/"),
    ]

    assert created.status_code == 201, created.json()
    assert created.json()["due_date"] == due and created.json()["notes"] == "Quarterly"
    assert [a.status_code for a in answers] == [200, 200, 201, 200, 200, 200, 200, 200, 200]
    assert answers[6].json()["applied"] == [asset.tag]
    assert answers[7].json()["applied"] == [lost.tag]


@pytest.mark.parametrize("role", ["employee", "manager"])
def test_employees_and_managers_get_403_everywhere_and_see_no_audit_data(site, auditor, role):
    asset = make_asset(location=site["room"])
    audit = services.start_audit(actor=auditor, location=site["room"])
    services.record_scan(audit, actor=auditor, code=asset.tag)
    api = api_for(make_user(role))

    answers = {
        "list": api.get(AUDITS),
        "create": start(api, location=site["hq"].pk),
        "detail": api.get(url(audit)),
        "guessed": api.get(url(audit.pk + 1000)),
        "scans": api.get(url(audit, "scans")),
        "scan": scan(api, audit, asset.tag),
        "results": api.get(url(audit, "results")),
        "close": api.post(url(audit, "close")),
        "apply": api.post(url(audit, "apply"), {"action": "missing"}, format="json"),
        "overdue": api.get(f"{AUDITS}overdue/"),
    }

    assert {name: a.status_code for name, a in answers.items()} == dict.fromkeys(answers, 403)
    for answer in answers.values():
        body = answer.json()
        assert set(body) == {"detail", "code"}
        assert body["detail"].startswith("Your role does not allow you to")
        assert audit.reference not in answer.content.decode()
        assert asset.tag not in answer.content.decode()
    # a real id and a guessed one answer alike: nothing says which exists
    assert answers["detail"].json() == answers["guessed"].json()
    audit.refresh_from_db()
    assert audit.is_open and audit.scans.count() == 1
    assert AuditSession.objects.count() == 1


def test_anonymous_callers_get_401(site, auditor):
    audit = services.start_audit(actor=auditor, location=site["room"])
    api = APIClient()

    assert api.get(AUDITS).status_code == 401
    assert api.get(url(audit)).status_code == 401
    assert api.post(url(audit, "scans"), {"tag": "X"}, format="json").status_code == 401
    assert api.post(url(audit, "close")).status_code == 401


def test_a_guessed_audit_id_is_a_404(auditor):
    api = api_for(auditor)

    for path in (url(98765), url(98765, "scans"), url(98765, "results")):
        answer = api.get(path)
        assert answer.status_code == 404
        assert answer.json() == {"detail": "Not found.", "code": "not_found"}
    assert api.post(url(98765, "close")).status_code == 404
    assert scan(api, 98765, "IT-1").status_code == 404


# --- what bad input is told ---------------------------------------------------------------------


def test_starting_an_audit_with_bad_input_says_what_to_fix(site, auditor):
    make_user("employee", username="eve")
    api = api_for(auditor)
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()

    no_place = start(api)
    bad_place = start(api, location=999999)
    text_place = start(api, location="Room 101")
    bad_category = start(api, location=site["room"].pk, category="nope")
    bad_auditor = start(api, location=site["room"].pk, auditor="nobody")
    not_an_auditor = start(api, location=site["room"].pk, auditor="eve")
    past = start(api, location=site["room"].pk, due_date=yesterday)
    bad_date = start(api, location=site["room"].pk, due_date="next week")
    typo = start(api, location=site["room"].pk, categroy="laptops")

    def errors(answer) -> dict:
        assert answer.status_code == 400, answer.json()
        assert answer.json()["code"] == "invalid"
        return answer.json()["errors"]

    assert errors(no_place)["location"] == [
        "Choose the location to audit: its id (see /api/v1/locations/)."
    ]
    assert errors(bad_place)["location"] == ["No location with id 999999: see /api/v1/locations/."]
    assert errors(text_place)["location"] == ["Give the location's id as a number."]
    assert errors(bad_category)["category"] == [
        "No category with slug “nope”: see /api/v1/categories/."
    ]
    assert "nobody" in errors(bad_auditor)["auditor"][0]
    assert "cannot record scans" in errors(not_an_auditor)["auditor"][0]
    assert "in the past" in errors(past)["due_date"][0]
    assert errors(bad_date)["due_date"] == ["Give the date as YYYY-MM-DD, e.g. 2026-09-01."]
    assert errors(typo)["categroy"] == ["Unknown field “categroy”."]
    assert AuditSession.objects.count() == 0


def test_a_scan_with_bad_input_says_what_to_fix_and_records_nothing(site, auditor):
    asset = make_asset(location=site["room"])
    api = api_for(auditor)
    pk = start(api, location=site["room"].pk).json()["id"]

    answers = {
        "empty": scan(api, pk, "   "),
        "missing": api.post(url(pk, "scans"), {}, format="json"),
        "outside": scan(api, pk, asset.tag, location=site["store"].pk),
        "sibling": scan(api, pk, asset.tag, location=site["other"].pk),
        "unknown place": scan(api, pk, asset.tag, location=999999),
        "condition": scan(api, pk, asset.tag, condition="shiny"),
    }

    assert {name: a.status_code for name, a in answers.items()} == dict.fromkeys(answers, 400)
    errors = {name: a.json()["errors"] for name, a in answers.items()}
    assert errors["empty"]["tag"] == ["Scan a code or type a tag."]
    assert errors["missing"]["tag"] == ["Scan a code or type a tag."]
    assert errors["outside"]["location"] == [
        "Store is outside this audit, which covers HQ › Room 101 and the places under it."
    ]
    assert "outside this audit" in errors["sibling"]["location"][0]
    assert errors["unknown place"]["location"] == [
        "No location with id 999999: see /api/v1/locations/."
    ]
    assert errors["condition"]["condition"] == [
        "Choose a condition: new, good, fair, poor, broken (or leave it empty)."
    ]
    assert not AuditScan.objects.filter(session_id=pk).exists()


# --- lists, filters, progress ------------------------------------------------------------------


def test_the_list_filters_by_status_place_auditor_and_overdue(site, auditor):
    other_auditor = make_user("auditor", username="bo")
    room = services.start_audit(actor=auditor, location=site["room"])
    store = services.start_audit(actor=auditor, location=site["store"], auditor=other_auditor)
    done = services.start_audit(actor=auditor, location=site["other"])
    services.close_audit(done, actor=auditor)
    AuditSession.objects.filter(pk=room.pk).update(
        due_date=timezone.localdate() - datetime.timedelta(days=2)
    )
    api = api_for(auditor)

    def ids(**query) -> list[int]:
        answer = api.get(AUDITS, query)
        assert answer.status_code == 200, answer.json()
        return [row["id"] for row in answer.json()["results"]]

    assert ids() == [done.pk, store.pk, room.pk]  # newest first
    assert ids(status="open") == [store.pk, room.pk]
    assert ids(status="closed") == [done.pk]
    assert ids(location=site["store"].pk) == [store.pk]
    assert ids(auditor="bo") == [store.pk]
    assert ids(overdue="true") == [room.pk]
    assert ids(overdue="false") == [done.pk, store.pk]
    assert ids(ordering="id") == [room.pk, store.pk, done.pk]
    assert api.get(AUDITS).json()["count"] == 3
    assert api.get(AUDITS, {"status": "paused"}).status_code == 400
    assert api.get(AUDITS, {"location": "99999999999"}).status_code == 400
    overdue = next(r for r in api.get(AUDITS).json()["results"] if r["id"] == room.pk)
    assert overdue["is_overdue"] is True


def test_progress_in_the_list_is_what_each_audit_says(site, auditor):
    # Given open and closed audits, one narrowed to a category, with scans of every kind
    laptops = CategoryFactory(name="Laptops", slug="laptops")
    monitors = CategoryFactory(name="Monitors", slug="monitors")
    room_laptops = [make_asset(location=site["room"], category=laptops) for _ in range(3)]
    room_monitor = make_asset(location=site["room"], category=monitors)
    elsewhere = make_asset(location=site["store"], category=laptops)
    make_asset("retired", location=site["room"], category=laptops)
    whole = services.start_audit(actor=auditor, location=site["hq"])
    narrow = services.start_audit(actor=auditor, location=site["room"], category=laptops)
    store = services.start_audit(actor=auditor, location=site["store"])
    for code in [room_laptops[0].tag, room_monitor.tag, elsewhere.tag, "ZZ-1"]:
        services.record_scan(whole, actor=auditor, code=code)
        services.record_scan(narrow, actor=auditor, code=code)
    services.close_audit(store, actor=auditor)
    api = api_for(auditor)

    listed = {row["id"]: row["progress"] for row in api.get(AUDITS).json()["results"]}

    for audit in (whole, narrow, store):
        assert listed[audit.pk] == api.get(url(audit)).json()["progress"]
        audit.refresh_from_db()
        assert listed[audit.pk] == services.progress(audit)
    assert listed[narrow.pk]["expected"] == 3 and listed[narrow.pk]["seen_expected"] == 1
    assert listed[whole.pk]["expected"] == 4 and listed[whole.pk]["seen_expected"] == 2
    assert listed[whole.pk]["by_result"] == {"expected": 2, "elsewhere": 1, "unknown": 1}


def test_scans_are_listed_newest_first_with_where_and_who(site, auditor):
    first = make_asset(location=site["room"], name="ThinkPad")
    second = make_asset(location=site["store"])
    audit = services.start_audit(actor=auditor, location=site["hq"])
    services.record_scan(audit, actor=auditor, code=first.tag, found_at=site["room"])
    services.record_scan(audit, actor=auditor, code=second.tag, found_at=site["other"])

    body = api_for(auditor).get(url(audit, "scans")).json()

    assert body["count"] == 2
    newest, oldest = body["results"]
    assert (newest["tag"], newest["result"]) == (second.tag, "elsewhere")
    assert newest["found_at"] == {
        "id": site["other"].pk,
        "name": "Room 102",
        "full_name": "HQ › Room 102",
    }
    assert newest["register_location"]["full_name"] == "Store"
    assert oldest["asset"]["name"] == "ThinkPad" and oldest["result_label"] == "Expected here"
    assert (oldest["scanned_by"], oldest["scanned_at"] is not None) == ("ana", True)


def test_overdue_places_list_counts_and_open_audits(site, auditor):
    today = timezone.localdate()
    for _ in range(2):
        make_asset(location=site["room"], next_audit_date=today - datetime.timedelta(days=5))
    make_asset(location=site["store"], next_audit_date=today + datetime.timedelta(days=20))
    audit = services.start_audit(actor=auditor, location=site["room"])
    api = api_for(auditor)

    rows = api.get(f"{AUDITS}overdue/").json()
    narrow = api.get(f"{AUDITS}overdue/", {"days": 7}).json()
    bad = api.get(f"{AUDITS}overdue/", {"days": "soon"})

    assert rows[0] == {
        "location": site["room"].pk,
        "location_name": "HQ › Room 101",
        "overdue": 2,
        "due_soon": 0,
        "oldest_due": (today - datetime.timedelta(days=5)).isoformat(),
        "open_audit": audit.pk,
        "open_audit_reference": audit.reference,
    }
    assert [r["location_name"] for r in rows] == ["HQ › Room 101", "Store"]
    assert [r["location_name"] for r in narrow] == ["HQ › Room 101"]
    assert bad.status_code == 400 and "days" in bad.json()["errors"]


# --- label templates ----------------------------------------------------------------------------


def test_label_templates_list_the_contract_names_with_their_geometry(auditor):
    api = api_for(auditor)

    templates = api.get("/api/v1/label-templates/").json()
    one = api.get("/api/v1/label-templates/avery-5160/")

    assert [t["slug"] for t in templates] == [
        "avery-5160",
        "avery-5163",
        "avery-l7160",
        "avery-l7651",
        "avery-22805",
        "thermal-62x29",
    ]
    assert one.status_code == 200
    avery = one.json()
    assert (avery["columns"], avery["rows"], avery["per_page"]) == (3, 10, 30)
    assert (avery["page_width"], avery["page_height"], avery["paper"]) == (
        215.9,
        279.4,
        "US Letter",
    )
    assert (avery["label_width"], avery["label_height"]) == (66.675, 25.4)
    assert (avery["top"], avery["left"], avery["pitch_x"], avery["pitch_y"]) == (
        12.7,
        4.7625,
        69.85,
        25.4,
    )
    assert avery["pdf_url"] == "/audits/tag-sheet.pdf?template=avery-5160"
    assert api.get("/api/v1/label-templates/avery-9999/").status_code == 404


@pytest.mark.parametrize("role", ["employee", "manager"])
def test_label_templates_are_for_those_who_print_tags(role):
    answer = api_for(make_user(role)).get("/api/v1/label-templates/")

    assert answer.status_code == 403
    assert answer.json()["detail"] == "Your role does not allow you to print tag sheets."
    assert APIClient().get("/api/v1/label-templates/").status_code == 401


# --- query counts -------------------------------------------------------------------------------


def _audit_with_scans(site, auditor, n: int) -> AuditSession:
    """An audit of a new building in HQ, with ``n`` scans: half expected, half from the store."""
    building = LocationFactory(parent=site["hq"], kind=LocationKind.BUILDING)
    room = LocationFactory(parent=building, kind=LocationKind.ROOM)
    audit = services.start_audit(actor=auditor, location=building)
    for i in range(n):
        asset = make_asset(location=room if i % 2 else site["store"])
        services.record_scan(audit, actor=auditor, code=asset.tag, found_at=room)
    return audit


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        answer = call()
    assert answer.status_code in (200, 201), answer.json()
    return len(queries)


def test_scanning_and_listing_scans_take_as_many_queries_for_50_scans_as_for_5(site, auditor):
    small = _audit_with_scans(site, auditor, 5)
    large = _audit_with_scans(site, auditor, 50)
    next_small, next_large = make_asset(location=site["store"]), make_asset(location=site["store"])
    api = api_for(auditor)
    api.get(url(small, "scans"))  # warm the permission cache alike for both

    list_small = _queries(lambda: api.get(url(small, "scans")))
    list_large = _queries(lambda: api.get(url(large, "scans")))
    scan_small = _queries(lambda: scan(api, small, next_small.tag))
    scan_large = _queries(lambda: scan(api, large, next_large.tag))
    repeat_small = _queries(lambda: scan(api, small, next_small.tag))
    repeat_large = _queries(lambda: scan(api, large, next_large.tag))

    assert list_small == list_large
    assert scan_small == scan_large
    assert repeat_small == repeat_large
    assert api.get(url(large, "scans")).json()["count"] == 51


def test_the_audit_list_and_results_do_not_grow_with_their_size(site, auditor):
    api = api_for(auditor)
    small = _audit_with_scans(site, auditor, 2)
    make_asset(location=small.location.children.get())  # one missing
    api.get(AUDITS)
    few_audits = _queries(lambda: api.get(AUDITS))
    small_preview = _queries(lambda: api.get(url(small, "results")))
    large = _audit_with_scans(site, auditor, 20)
    for _ in range(20):
        make_asset(location=large.location.children.get())  # twenty missing
    for _ in range(5):
        _audit_with_scans(site, auditor, 3)
    many_audits = _queries(lambda: api.get(AUDITS))
    large_preview = _queries(lambda: api.get(url(large, "results")))
    services.close_audit(small, actor=auditor)
    services.close_audit(large, actor=auditor)
    small_closed = _queries(lambda: api.get(url(small, "results")))
    large_closed = _queries(lambda: api.get(url(large, "results")))

    assert few_audits == many_audits
    assert small_preview == large_preview
    assert small_closed == large_closed
    assert len(api.get(url(large, "results")).json()["lines"]) == 40


# --- the schema ---------------------------------------------------------------------------------


def test_the_schema_documents_every_audit_endpoint_and_validates(tmp_path):
    out = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    paths = yaml.safe_load(out.read_text())["paths"]
    expected = {
        ("/api/v1/audits/", "get"): {"200", "400", "403"},
        ("/api/v1/audits/", "post"): {"201", "400", "403", "409"},
        ("/api/v1/audits/{id}/", "get"): {"200", "403", "404"},
        ("/api/v1/audits/{id}/scans/", "get"): {"200", "403", "404"},
        ("/api/v1/audits/{id}/scans/", "post"): {"200", "201", "400", "403", "404", "409"},
        ("/api/v1/audits/{id}/close/", "post"): {"200", "403", "404", "409"},
        ("/api/v1/audits/{id}/results/", "get"): {"200", "403", "404"},
        ("/api/v1/audits/{id}/apply/", "post"): {"200", "400", "403", "404", "409"},
        ("/api/v1/audits/overdue/", "get"): {"200", "400", "403"},
        ("/api/v1/label-templates/", "get"): {"200", "403"},
        ("/api/v1/label-templates/{slug}/", "get"): {"200", "403", "404"},
    }
    for (path, method), codes in expected.items():
        operation = paths[path][method]
        assert codes <= set(operation["responses"]), (path, method)
        if method == "post" and not path.endswith("/close/"):
            assert "requestBody" in operation, path
