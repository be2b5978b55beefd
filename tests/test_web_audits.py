"""Audit pages: the list, starting one, the phone scan page (with and without JavaScript),
``/t/<tag>`` inside an audit, closing and applying outcomes, the CSV and PDF reports, the overdue
list, what each role may and may not do, and query counts that do not grow with the scans."""

from __future__ import annotations

import csv
import datetime
import io
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assets import lifecycle
from assets.choices import AssetStatus, LocationKind
from audits import services
from audits.choices import ScanResult
from audits.models import AuditLine, AuditScan, AuditSession
from tests.factories import CategoryFactory, LocationFactory, make_asset, make_user

# What a browser sends for a page the person opened themselves (typed, or from the camera app).
OPENED = {"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}

pytestmark = pytest.mark.django_db

JSON = {"Accept": "application/json"}


@pytest.fixture
def site():
    hq = LocationFactory(name="HQ")
    room = LocationFactory(name="Room 101", parent=hq, kind=LocationKind.ROOM)
    other = LocationFactory(name="Room 102", parent=hq, kind=LocationKind.ROOM)
    store = LocationFactory(name="Store", kind=LocationKind.SITE)
    return {"hq": hq, "room": room, "other": other, "store": store}


@pytest.fixture
def laptops():
    return CategoryFactory(name="Laptops", slug="laptops", audit_interval_days=180)


@pytest.fixture
def ana():
    return make_user("auditor", username="ana", first_name="Ana", last_name="Audit")


@pytest.fixture
def ana_client(client, ana):
    client.force_login(ana)
    return client


def scan_url(audit: AuditSession) -> str:
    return reverse("audits:scan", args=[audit.pk])


def detail_url(audit: AuditSession) -> str:
    return reverse("audits:detail", args=[audit.pk])


def scan(client, audit: AuditSession, tag: str, *, place=None, json=True, **data):
    data = {"tag": tag, "location": (place or audit.location).pk, "condition": "", **data}
    return client.post(scan_url(audit), data, headers=JSON if json else {})


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


# --- the list, starting, the overdue page ---------------------------------------------------


def test_the_list_shows_open_audits_first_with_their_progress_then_closed_ones(
    ana_client, ana, site, laptops
):
    # Given an open audit of Room 101 (three laptops expected, one scanned) and a closed one
    in_room = [make_asset(location=site["room"], category=laptops) for _ in range(3)]
    make_asset(location=site["store"], category=laptops)
    due = timezone.localdate() + datetime.timedelta(days=3)
    open_audit = services.start_audit(actor=ana, location=site["room"], due_date=due)
    services.record_scan(open_audit, actor=ana, code=in_room[0].tag)
    services.record_scan(open_audit, actor=ana, code="ZZ-1")
    closed = services.start_audit(actor=ana, location=site["store"])
    services.close_audit(closed, actor=ana)

    # When Ana opens the list
    html = page(ana_client, reverse("audits:list"))

    # Then the open audit comes first, with its scope's full path, due date, progress and scans
    assert html.index(open_audit.reference) < html.index(closed.reference)
    assert "HQ › Room 101" in html and "found <strong>1</strong> of 3" in html
    assert due.strftime("%-d %b %Y") in html
    # And the closed one says what it found, and what was not found
    assert "found <strong>0</strong> of 1" in html and "1 not found" in html
    # And the page links to starting, the overdue list and tag sheets
    for name in ("audits:create", "audits:overdue", "audits:tag-sheet"):
        assert reverse(name) in html


def test_an_overdue_open_audit_is_flagged_in_the_list(ana_client, ana, site):
    audit = services.start_audit(actor=ana, location=site["room"])
    AuditSession.objects.filter(pk=audit.pk).update(
        due_date=timezone.localdate() - datetime.timedelta(days=2)
    )

    html = page(ana_client, reverse("audits:list"))

    assert "Overdue" in html


def test_starting_an_audit_from_the_form(ana_client, ana, site, laptops):
    # Given the overdue page's link preselects the location
    html = page(ana_client, f"{reverse('audits:create')}?location={site['room'].pk}")
    assert f'<option value="{site["room"].pk}" selected>HQ › Room 101</option>' in html
    assert "Ana Audit (ana)" in html  # the auditor defaults to me

    # When Ana starts an audit of Room 101's laptops
    due = timezone.localdate() + datetime.timedelta(days=7)
    response = ana_client.post(
        reverse("audits:create"),
        {
            "location": site["room"].pk,
            "category": "laptops",
            "auditor": ana.pk,
            "due_date": due.isoformat(),
            "notes": "Keys at reception",
        },
    )

    # Then it exists, and she lands on its page
    audit = AuditSession.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(audit)
    assert (audit.location, audit.category, audit.auditor, audit.due_date) == (
        site["room"],
        laptops,
        ana,
        due,
    )
    assert audit.notes == "Keys at reception"


def test_the_start_form_shows_what_to_fix_and_links_to_the_audit_already_open(
    ana_client, ana, site
):
    # A due date in the past is refused on its field (the service's words)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = ana_client.post(
        reverse("audits:create"),
        {"location": site["room"].pk, "auditor": ana.pk, "due_date": yesterday.isoformat()},
    )
    assert response.status_code == 400
    assert "The due date is in the past" in response.content.decode()

    # Someone who cannot scan is not offered as the auditor, and is refused if forged
    employee = make_user("employee", username="eve")
    assert "(eve)" not in page(ana_client, reverse("audits:create"))
    response = ana_client.post(
        reverse("audits:create"), {"location": site["room"].pk, "auditor": employee.pk}
    )
    assert response.status_code == 400 and not AuditSession.objects.exists()

    # A second audit of the same place is a conflict that links to the open one
    first = services.start_audit(actor=ana, location=site["room"])
    response = ana_client.post(
        reverse("audits:create"), {"location": site["room"].pk, "auditor": ana.pk}
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "already open" in html and detail_url(first) in html
    assert AuditSession.objects.count() == 1


def test_the_overdue_page_links_each_place_to_the_register_and_to_an_audit(ana_client, ana, site):
    # Given three assets overdue in Room 101, one due soon in the store, and an open store audit
    today = timezone.localdate()
    for _ in range(3):
        make_asset(location=site["room"], next_audit_date=today - datetime.timedelta(days=5))
    make_asset(location=site["store"], next_audit_date=today + datetime.timedelta(days=10))
    store_audit = services.start_audit(actor=ana, location=site["store"])

    html = page(ana_client, reverse("audits:overdue"))

    # Then Room 101 comes first, its count links to the register filtered to it and overdue
    assert html.index("HQ › Room 101") < html.index("Store")
    register = f"{reverse('assets:list')}?audit=overdue&amp;location={site['room'].pk}"
    assert register in html
    assert f"{reverse('audits:create')}?location={site['room'].pk}" in html
    # And the store, already being audited, links to its open audit instead
    assert f"Open {store_audit.reference}" in html
    # And the register link really lists the three
    register_html = page(
        ana_client, f"{reverse('assets:list')}?audit=overdue&location={site['room'].pk}"
    )
    assert register_html.count('class="tag-link"') == 3


# --- the scan page --------------------------------------------------------------------------


def test_the_scan_page_answers_each_result_as_json_with_its_html(ana_client, ana, site):
    # Given an audit of HQ and assets in every state the answer distinguishes
    here = make_asset(location=site["room"], name="Here laptop")
    stray = make_asset(location=site["store"], name="Stray laptop")
    retired = make_asset("retired", location=site["room"])
    disposed = make_asset("disposed", location=site["room"])
    missing = make_asset("missing", location=site["room"])
    audit = services.start_audit(actor=ana, location=site["hq"])

    cases = [
        (here.tag, ScanResult.EXPECTED, "green", "Expected here"),
        (stray.tag, ScanResult.ELSEWHERE, "amber", "Belongs elsewhere"),
        ("NOBODY-1", ScanResult.UNKNOWN, "red", "Unknown tag"),
        (retired.tag, ScanResult.RETIRED, "grey", "Retired"),
        (disposed.tag, ScanResult.DISPOSED, "red", "Disposed of"),
        (missing.tag, ScanResult.WAS_MISSING, "blue", "Marked missing: found"),
    ]
    for tag, result, colour, heading in cases:
        # When each is scanned in Room 101
        response = scan(ana_client, audit, tag, place=site["room"])
        # Then the answer comes at once, coloured, with its words and the asset
        assert response.status_code == 200, tag
        body = response.json()
        assert (body["result"], body["colour"], body["heading"]) == (result, colour, heading)
        assert body["created"] is True
        assert f"scan-answer--{colour}" in body["html"]["answer"]
        assert heading in body["html"]["answer"]
        assert tag in body["html"]["recent"]
    stray_answer = AuditScan.objects.get(code=stray.tag)
    assert "Store" in stray_answer.message  # where the register has it
    assert "Stray laptop" in scan(ana_client, audit, stray.tag).json()["html"]["answer"]
    # And the running count: one expected asset of one found, six scans
    assert scan(ana_client, audit, here.tag).json()["progress"] == {
        "expected": 1,
        "seen_expected": 1,
        "scanned": 6,
        "percent": 100,
    }


def test_the_same_tag_twice_says_already_scanned_with_when_and_by_whom(ana_client, ana, site):
    asset = make_asset(location=site["room"])
    audit = services.start_audit(actor=ana, location=site["room"])

    first = scan(ana_client, audit, asset.tag).json()
    # The QR code's URL and a lower-case typed tag are the same asset
    second = scan(ana_client, audit, f"http://testserver/t/{asset.tag}").json()
    third = scan(ana_client, audit, asset.tag.lower()).json()

    assert first["created"] and not second["created"] and not third["created"]
    assert second["heading"] == "Already scanned"
    assert (
        second["message"].startswith("Already scanned at") and "by Ana Audit" in second["message"]
    )
    assert "Already scanned" in third["html"]["answer"]
    assert AuditScan.objects.filter(session=audit).count() == 1


def test_without_javascript_a_scan_posts_redirects_back_and_shows_the_answer(ana_client, ana, site):
    asset = make_asset(location=site["room"], name="Desk phone")
    audit = services.start_audit(actor=ana, location=site["hq"])

    # When the form is posted the plain way, from Room 101
    response = scan(ana_client, audit, asset.tag, place=site["room"], json=False, condition="fair")

    # Then it redirects back to the scan page (PRG), which shows the answer once
    assert response.status_code == 302 and response["Location"] == scan_url(audit)
    html = page(ana_client, scan_url(audit))
    assert "Expected here" in html and "Desk phone" in html
    assert "scan-answer--green" in html
    # And "Where am I" is remembered for the next scan
    assert f'<option value="{site["room"].pk}" selected>HQ › Room 101</option>' in html
    assert AuditScan.objects.get().condition == "fair"
    # And a reload does not show the answer again
    assert "scan-answer--green" not in page(ana_client, scan_url(audit))


def test_the_scan_page_offers_the_scope_and_asks_for_what_a_scanner_needs(ana_client, ana, site):
    audit = services.start_audit(actor=ana, location=site["hq"])

    html = page(ana_client, scan_url(audit))

    # Where am I: HQ and the rooms under it, not the store
    assert "HQ › Room 101" in html and "HQ › Room 102" in html and "Store" not in html
    # A big input a USB scanner or a thumb can use
    for attribute in (
        "autofocus",
        'autocomplete="off"',
        'autocapitalize="characters"',
        'enterkeyhint="go"',
    ):
        assert attribute in html
    assert "Condition not noted" in html and "Scan with camera" in html
    assert "audits/scan.js" in html and "vendor/jsqr/jsQR.js" in html
    # No inline script bodies or style attributes (the CSP forbids them)
    assert "style=" not in html
    assert "<script>" not in html


def test_bad_input_is_a_400_with_the_message_next_to_the_input(ana_client, ana, site):
    audit = services.start_audit(actor=ana, location=site["room"])

    empty = scan(ana_client, audit, "   ")
    assert empty.status_code == 400 and "Scan a code or type a tag" in empty.json()["message"]
    junk = scan(ana_client, audit, "BAD\x07CODE")
    assert junk.status_code == 400 and "control characters" in junk.json()["message"]
    # A place outside the audit (a forged id) is refused too
    outside = scan(ana_client, audit, "IT-1", place=site["store"])
    assert outside.status_code == 400

    html_response = scan(ana_client, audit, "", json=False)
    assert html_response.status_code == 400
    assert "Scan a code or type a tag" in html_response.content.decode()
    assert not AuditScan.objects.exists()


def test_scans_after_closing_are_refused_with_409_and_a_link_to_the_results(ana_client, ana, site):
    asset = make_asset(location=site["room"])
    audit = services.start_audit(actor=ana, location=site["room"])
    services.close_audit(audit, actor=ana)

    response = scan(ana_client, audit, asset.tag)
    assert response.status_code == 409
    assert "takes no more scans" in response.json()["message"]
    assert response.json()["results_url"] == detail_url(audit)

    html_response = scan(ana_client, audit, asset.tag, json=False)
    assert html_response.status_code == 409
    html = html_response.content.decode()
    assert "takes no more scans" in html and detail_url(audit) in html
    # The page itself says so and offers no form
    html = page(ana_client, scan_url(audit))
    assert "is closed" in html and 'id="scan-form"' not in html
    assert not AuditScan.objects.exists()


# --- /t/<tag> inside an audit ---------------------------------------------------------------


def test_short_link_inside_an_audit_records_only_requests_the_person_made(ana_client, ana, site):
    # Given Ana opened the scan page of an audit of HQ (it becomes her active audit)
    asset = make_asset(location=site["room"], name="Meeting room screen")
    audit = services.start_audit(actor=ana, location=site["hq"])
    page(ana_client, scan_url(audit))
    assert ana_client.session["active_audit"]["id"] == audit.pk
    link = reverse("short-link", args=[asset.tag])

    # When the link comes from another site, from our own pages (e.g. through the login page's
    # ?next=), as an image or a HEAD request, or from a browser without Fetch Metadata
    for headers in (
        {**OPENED, "Sec-Fetch-Site": "cross-site"},
        {**OPENED, "Sec-Fetch-Site": "same-site"},
        {**OPENED, "Sec-Fetch-Site": "same-origin"},
        {**OPENED, "Sec-Fetch-Dest": "image", "Sec-Fetch-Mode": "no-cors"},
        {},
        {**OPENED, "Sec-Purpose": "prefetch;prerender"},  # the omnibox preloading
    ):
        response = ana_client.get(link, headers=headers)
        # Then nothing is recorded: the page asks her to confirm with a POST
        html = response.content.decode()
        assert response.status_code == 200
        assert "Record this scan" in html and 'method="post"' in html
        assert not AuditScan.objects.exists()

    assert ana_client.head(link, headers=OPENED).status_code == 200
    assert not AuditScan.objects.exists()

    # When she opens it from the camera app (no initiating site, a top-level document)
    response = ana_client.get(link, headers=OPENED)
    html = response.content.decode()
    # Then the scan is recorded and the answer shown, with the links onwards
    assert response.status_code == 200 and "Expected here" in html
    assert "Meeting room screen" in html
    assert "Back to scanning" in html and reverse("assets:detail", args=[asset.tag]) in html
    again = ana_client.get(link, headers=OPENED)
    assert "Already scanned" in again.content.decode()
    assert AuditScan.objects.filter(session=audit).count() == 1

    # And the confirm button records it (a POST, CSRF-checked like every form)
    other = make_asset(location=site["other"])
    response = ana_client.post(reverse("short-link", args=[other.tag]))
    assert response.status_code == 200 and "Expected here" in response.content.decode()
    # An unknown tag inside the audit is recorded as unknown: that is the audit's point
    response = ana_client.get(reverse("short-link", args=["OLD-0042"]), headers=OPENED)
    assert response.status_code == 200 and "Unknown tag" in response.content.decode()
    assert AuditScan.objects.get(code="OLD-0042").result == ScanResult.UNKNOWN


def test_short_link_confirm_post_needs_the_csrf_token(client, ana, site):
    asset = make_asset(location=site["room"])
    audit = services.start_audit(actor=ana, location=site["room"])
    csrf_client = type(client)(enforce_csrf_checks=True)
    csrf_client.force_login(ana)
    csrf_client.get(scan_url(audit))

    response = csrf_client.post(reverse("short-link", args=[asset.tag]))

    assert response.status_code == 403
    assert not AuditScan.objects.exists()


def test_short_link_outside_an_audit_opens_the_asset_and_unknown_tags_are_404(
    ana_client, ana, site
):
    asset = make_asset(location=site["room"])
    link = reverse("short-link", args=[asset.tag])
    none = OPENED

    # No audit active: the asset's page, and a 404 for a tag nobody has
    assert ana_client.get(link, headers=none)["Location"] == asset.get_absolute_url()
    assert ana_client.get(reverse("short-link", args=["NOPE-1"]), headers=none).status_code == 404

    # After leaving the scan page, the link opens the asset again
    audit = services.start_audit(actor=ana, location=site["room"])
    page(ana_client, scan_url(audit))
    response = ana_client.post(reverse("audits:scan-leave", args=[audit.pk]))
    assert response.status_code == 302 and "active_audit" not in ana_client.session
    assert ana_client.get(link, headers=none).status_code == 302

    # A closed audit is no longer active either: the link opens the asset, nothing recorded
    page(ana_client, scan_url(audit))
    services.close_audit(audit, actor=ana)
    assert ana_client.get(link, headers=none)["Location"] == asset.get_absolute_url()
    assert "active_audit" not in ana_client.session
    assert not AuditScan.objects.exists()


def test_short_link_does_not_record_for_someone_without_the_scan_permission(client, ana, site):
    # An employee whose session somehow names an audit still just gets the asset rules
    asset = make_asset(location=site["room"])
    audit = services.start_audit(actor=ana, location=site["room"])
    employee = make_user("employee", username="eve")
    client.force_login(employee)
    session = client.session
    session["active_audit"] = {"id": audit.pk, "until": time.time() + 600}
    session.save()

    response = client.get(reverse("short-link", args=[asset.tag]), headers=OPENED)

    assert response.status_code == 404
    assert not AuditScan.objects.exists()


# --- closing, the reconciliation and its actions --------------------------------------------


def test_close_then_apply_outcomes_leaving_one_out(ana_client, ana, site, laptops):
    # Given Room 101 should hold three laptops; Ana finds one, one stray from the store, one
    # unknown tag, and scans nothing else
    found, lost, left_alone = (
        make_asset(location=site["room"], category=laptops, name=f"Laptop {n}") for n in "ABC"
    )
    stray = make_asset(location=site["store"], category=laptops, name="Stray")
    audit = services.start_audit(actor=ana, location=site["room"])
    for tag in (found.tag, stray.tag, "ZZ-404"):
        assert scan(ana_client, audit, tag).status_code == 200

    # The detail page previews the reconciliation while the audit is open
    html = page(ana_client, detail_url(audit))
    assert "Open the scan page" in html and "Not scanned yet" in html
    assert "Found at another location" in html and "ZZ-404" in html
    assert reverse("audits:close", args=[audit.pk]) in html

    # Closing asks to confirm, saying what it does
    html = page(ana_client, reverse("audits:close", args=[audit.pk]))
    assert "freezes" in html.lower() or "frozen" in html
    assert "next audit date" in html and 'method="post"' in html
    # When Ana confirms
    response = ana_client.post(reverse("audits:close", args=[audit.pk]))
    assert response.status_code == 302
    audit.refresh_from_db()
    assert not audit.is_open

    # Then the page shows the frozen lists with the one-click actions, every line ticked
    html = page(ana_client, detail_url(audit))
    assert "Not found" in html and "Not scanned yet" not in html
    assert html.count('name="tags"') == 3  # the stray, and the two not found
    assert 'value="move"' in html and 'value="missing"' in html
    assert html.count("checked") >= 3

    # When she moves the stray here, and marks only one of the two unseen laptops missing
    apply = reverse("audits:apply", args=[audit.pk])
    moved = ana_client.post(apply, {"action": "move", "tags": [stray.tag]})
    missing = ana_client.post(apply, {"action": "missing", "tags": [lost.tag]})
    assert moved.status_code == missing.status_code == 302

    # Then the register follows, with history rows naming the audit
    stray.refresh_from_db()
    lost.refresh_from_db()
    left_alone.refresh_from_db()
    assert stray.location == site["room"]
    assert lost.status == AssetStatus.MISSING
    assert left_alone.status == AssetStatus.IN_STOCK
    assert audit.reference in lost.history.order_by("-history_id").first().history_change_reason
    # And the lines say what was done, by whom; the one left out still waits
    html = page(ana_client, detail_url(audit))
    assert "Moved" in html and "Marked missing" in html and "by Ana Audit" in html
    assert html.count('name="tags"') == 1 and f'value="{left_alone.tag}"' in html
    assert AuditLine.objects.get(code=stray.tag).applied_by == ana


def test_refusals_are_shown_with_their_reason(ana_client, ana, site):
    stray = make_asset(location=site["store"])
    audit = services.start_audit(actor=ana, location=site["room"])
    services.record_scan(audit, actor=ana, code=stray.tag)
    services.close_audit(audit, actor=ana)
    lifecycle.mark_missing(stray, actor=make_user("it"), reason="Reported stolen")

    response = ana_client.post(
        reverse("audits:apply", args=[audit.pk]),
        {"action": "move", "tags": [stray.tag]},
        follow=True,
    )

    html = response.content.decode()
    assert f"{stray.tag} was not changed" in html
    assert "Refused" in html and "missing" in html.lower()


def test_apply_is_refused_while_open_and_for_codes_not_waiting(ana_client, ana, site):
    asset = make_asset(location=site["room"])
    audit = services.start_audit(actor=ana, location=site["room"])
    apply = reverse("audits:apply", args=[audit.pk])

    still_open = ana_client.post(apply, {"action": "missing", "tags": [asset.tag]})
    assert still_open.status_code == 409 and "still open" in still_open.content.decode()

    services.close_audit(audit, actor=ana)
    stranger = ana_client.post(apply, {"action": "missing", "tags": ["NOT-HERE"]})
    assert stranger.status_code == 400 and "NOT-HERE" in stranger.content.decode()
    nothing = ana_client.post(apply, {"action": "missing"})
    assert nothing.status_code == 302
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_STOCK
    # A GET changes nothing
    assert ana_client.get(apply).status_code == 405


def test_closing_twice_says_it_is_already_closed(ana_client, ana, site):
    audit = services.start_audit(actor=ana, location=site["room"])
    page(ana_client, scan_url(audit))
    ana_client.post(reverse("audits:close", args=[audit.pk]))
    assert "active_audit" not in ana_client.session  # closing leaves the scan page

    response = ana_client.post(reverse("audits:close", args=[audit.pk]), follow=True)

    assert response.status_code == 200
    assert "already closed" in response.content.decode()


# --- reports --------------------------------------------------------------------------------


def test_the_csv_has_a_header_and_one_row_per_line_safe_for_spreadsheets(
    ana_client, ana, site, laptops
):
    found = make_asset(location=site["room"], category=laptops, name="Laptop A")
    lost = make_asset(location=site["room"], category=laptops, name="=HYPERLINK(evil)")
    audit = services.start_audit(actor=ana, location=site["room"])
    services.record_scan(audit, actor=ana, code=found.tag, condition="good")
    services.record_scan(audit, actor=ana, code="@SUM(1)")
    services.close_audit(audit, actor=ana)
    services.apply_outcome(audit, actor=ana, action="missing")

    response = ana_client.get(reverse("audits:report-csv", args=[audit.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    disposition = response["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="{audit.reference}-hq-room-101-')
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "Outcome",
        "Tag",
        "Name",
        "Category",
        "Register location",
        "Found location",
        "Scanned at",
        "Scanned by",
        "Condition",
        "Scan result",
        "Last holder",
        "Applied action",
        "Applied at",
        "Applied by",
        "Refused because",
    ]
    by_tag = {row[1]: row for row in rows[1:]}
    assert len(rows) == 4
    assert by_tag[lost.tag][0] == "Not found" and by_tag[lost.tag][2] == "'=HYPERLINK(evil)"
    assert by_tag[lost.tag][11:14:2] == ["Marked missing", "Ana Audit"]
    assert by_tag[found.tag][:6] == [
        "Found as expected",
        found.tag,
        "Laptop A",
        "Laptops",
        "HQ › Room 101",
        "HQ › Room 101",
    ]
    assert by_tag[found.tag][7:10] == ["Ana Audit", "Good", "Expected here"]
    assert by_tag["'@SUM(1)"][0] == "Unknown tag"


def test_the_pdf_is_a_pdf_with_the_audit_and_its_lines(ana_client, ana, site):
    pdfplumber = pytest.importorskip("pdfplumber")
    found = make_asset(location=site["room"], name="Laptop A")
    audit = services.start_audit(actor=ana, location=site["room"])
    services.record_scan(audit, actor=ana, code=found.tag)
    services.record_scan(audit, actor=ana, code="ZZ-404")

    response = ana_client.get(reverse("audits:report-pdf", args=[audit.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f'filename="{audit.reference}-hq-room-101-' in response["Content-Disposition"]
    with pdfplumber.open(io.BytesIO(response.content)) as pdf:
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
    assert audit.reference in text and "HQ › Room 101" in text
    assert found.tag in text and "ZZ-404" in text and "page 1 of 1" in text


def test_a_long_pdf_repeats_its_header_and_numbers_its_pages(ana_client, ana, site):
    pdfplumber = pytest.importorskip("pdfplumber")
    audit = services.start_audit(actor=ana, location=site["room"])
    for n in range(90):
        services.record_scan(audit, actor=ana, code=f"UNKNOWN-{n:03}")
    services.close_audit(audit, actor=ana)

    response = ana_client.get(reverse("audits:report-pdf", args=[audit.pk]))

    with pdfplumber.open(io.BytesIO(response.content)) as pdf:
        pages = [p.extract_text() or "" for p in pdf.pages]
    assert len(pages) >= 2
    assert all("Register location" in text for text in pages)
    assert f"page {len(pages)} of {len(pages)}" in pages[-1]


# --- who may do what ------------------------------------------------------------------------


def every_audit_url(audit: AuditSession, tag: str) -> list[str]:
    pk = audit.pk
    return [
        reverse("audits:list"),
        reverse("audits:create"),
        reverse("audits:overdue"),
        reverse("audits:detail", args=[pk]),
        reverse("audits:scan", args=[pk]),
        reverse("audits:scan-leave", args=[pk]),
        reverse("audits:close", args=[pk]),
        reverse("audits:apply", args=[pk]),
        reverse("audits:report-csv", args=[pk]),
        reverse("audits:report-pdf", args=[pk]),
    ]


@pytest.mark.parametrize("role", ["employee", "manager"])
def test_employees_and_managers_get_403_on_every_audit_url_and_change_nothing(
    client, ana, site, role
):
    asset = make_asset(location=site["room"])
    audit = services.start_audit(actor=ana, location=site["room"])
    client.force_login(make_user(role, username=f"{role}-x"))

    for url in every_audit_url(audit, asset.tag):
        assert client.get(url).status_code == 403, url
        data = {"tag": asset.tag, "location": site["room"].pk, "action": "missing"}
        assert client.post(url, data).status_code == 403, url
    # Even for an audit that does not exist: they learn nothing about which ids exist
    assert client.get(reverse("audits:detail", args=[audit.pk + 99])).status_code == 403
    # And the menu does not offer audits
    assert reverse("audits:list") not in page(client, reverse("dashboard"))
    assert not AuditScan.objects.exists() and AuditSession.objects.get().is_open


@pytest.mark.parametrize("role", ["auditor", "it"])
def test_auditors_and_it_staff_open_every_page_and_a_guessed_id_is_404(client, ana, site, role):
    asset = make_asset(location=site["room"])
    audit = services.start_audit(actor=ana, location=site["room"])
    client.force_login(make_user(role, username=f"{role}-x"))

    for url in [
        reverse("audits:list"),
        reverse("audits:create"),
        reverse("audits:overdue"),
        detail_url(audit),
        scan_url(audit),
        reverse("audits:close", args=[audit.pk]),
        reverse("audits:report-csv", args=[audit.pk]),
        reverse("audits:report-pdf", args=[audit.pk]),
    ]:
        assert client.get(url).status_code == 200, url
    assert scan(client, audit, asset.tag).status_code == 200
    missing = audit.pk + 99
    for name in ("detail", "scan", "close", "apply", "report-csv", "report-pdf", "scan-leave"):
        url = reverse(f"audits:{name}", args=[missing])
        assert client.get(url).status_code == 404, url
    for name in ("scan", "close", "apply", "scan-leave"):
        url = reverse(f"audits:{name}", args=[missing])
        assert client.post(url).status_code == 404, url


def test_anonymous_visitors_are_sent_to_sign_in(client, ana, site):
    audit = services.start_audit(actor=ana, location=site["room"])
    for url in every_audit_url(audit, "IT-1"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- queries do not grow with the scans -----------------------------------------------------


def audit_with_scans(ana, n: int, name: str) -> tuple[AuditSession, object]:
    """An audit of a fresh site with ``n`` scans (two thirds expected, a third strays), some
    deployed assets not scanned, and an unknown code."""
    top = LocationFactory(name=name)
    room = LocationFactory(name=f"{name} room", parent=top, kind=LocationKind.ROOM)
    away = LocationFactory(name=f"{name} away")
    audit = services.start_audit(actor=ana, location=top)
    for i in range(n):
        asset = make_asset(location=room if i % 3 else away, name=f"{name} {i}")
        services.record_scan(audit, actor=ana, code=asset.tag, found_at=room, condition="good")
    for i in range(max(1, n // 5)):
        make_asset("deployed", location=room, name=f"{name} unseen {i}")
    services.record_scan(audit, actor=ana, code=f"UNKNOWN-{name}")
    return audit, room


def _queries(run) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured.captured_queries)


def _costs(client, audit: AuditSession, room) -> dict[str, int]:
    fresh = make_asset(location=room)

    def post_scan() -> None:
        response = scan(client, audit, fresh.tag, place=room)
        assert response.status_code == 200

    def csv_download() -> None:
        b"".join(client.get(reverse("audits:report-csv", args=[audit.pk])).streaming_content)

    page(client, scan_url(audit))  # the same session state for both
    return {
        "scan": _queries(post_scan),
        "scan_page": _queries(lambda: page(client, scan_url(audit))),
        "detail": _queries(lambda: page(client, detail_url(audit))),
        "csv": _queries(csv_download),
    }


def test_the_scan_post_and_the_detail_page_do_not_grow_with_the_scans(ana_client, ana):
    # Given an audit with 5 scans and one with 50
    small, small_room = audit_with_scans(ana, 5, "Small")
    large, large_room = audit_with_scans(ana, 50, "Large")

    # Then a scan, the scan page, the detail page and the CSV cost the same queries for both
    open_costs = {"small": _costs(ana_client, small, small_room)}
    open_costs["large"] = _costs(ana_client, large, large_room)
    assert open_costs["small"] == open_costs["large"], open_costs
    assert open_costs["large"]["scan"] <= 22, open_costs  # 19 once "Where am I" is saved

    # And so do the closed audits' pages, with outcomes applied
    closed = {}
    for label, audit in (("small", small), ("large", large)):
        services.close_audit(audit, actor=ana)
        services.apply_outcome(audit, actor=ana, action="move")
        services.apply_outcome(audit, actor=ana, action="missing")
        closed[label] = _queries(lambda audit=audit: page(ana_client, detail_url(audit)))
    assert closed["small"] == closed["large"], closed


def test_the_list_does_not_grow_with_the_number_of_audits(ana_client, ana, site):
    services.start_audit(actor=ana, location=site["room"])
    services.close_audit(services.start_audit(actor=ana, location=site["store"]), actor=ana)
    one = _queries(lambda: page(ana_client, reverse("audits:list")))
    for n in range(5):
        place = LocationFactory(name=f"Room {n}", parent=site["hq"], kind=LocationKind.ROOM)
        audit = services.start_audit(actor=ana, location=place)
        services.record_scan(audit, actor=ana, code=make_asset(location=place).tag)
        if n % 2:
            services.close_audit(audit, actor=ana)

    assert _queries(lambda: page(ana_client, reverse("audits:list"))) == one


def test_the_active_audit_lapses_and_a_link_from_another_site_does_not_set_it(
    ana_client, ana, site
):
    asset = make_asset(location=site["room"])
    audit = services.start_audit(actor=ana, location=site["room"])
    link = reverse("short-link", args=[asset.tag])

    # A link to the scan page from another site shows it, but does not make the audit active
    ana_client.get(scan_url(audit), headers={"Sec-Fetch-Site": "cross-site"})
    assert "active_audit" not in ana_client.session
    assert ana_client.get(link, headers=OPENED)["Location"] == asset.get_absolute_url()

    # Opened by her, it is active; half an hour without a scan and it has lapsed
    ana_client.get(scan_url(audit), headers=OPENED)
    session = ana_client.session
    session["active_audit"] = {"id": audit.pk, "until": time.time() - 1}
    session.save()
    assert ana_client.get(link, headers=OPENED)["Location"] == asset.get_absolute_url()
    assert not AuditScan.objects.exists()
