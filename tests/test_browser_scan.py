"""The phone scan page in a real browser: a typed tag (or a USB scanner, which types the code and
Enter) gets its answer without a reload; "Where am I" survives a reload; a short link followed
from another site asks before recording; and the camera, fed a video of a QR label, records the
scan through the vendored decoder."""

from __future__ import annotations

import io

import pytest
import qrcode
from django.urls import reverse
from PIL import Image

from assets.choices import LocationKind
from audits import services
from audits.models import AuditScan
from tests.browser import screenshot, sign_in
from tests.factories import LocationFactory, make_asset, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def audit_setup():
    hq = LocationFactory(name="HQ")
    room = LocationFactory(name="Room 101", parent=hq, kind=LocationKind.ROOM)
    LocationFactory(name="Room 102", parent=hq, kind=LocationKind.ROOM)
    ana = make_user("auditor", username="ana", first_name="Ana", last_name="Audit")
    laptop = make_asset(location=room, name="ThinkPad T14")
    make_asset(location=room, name="Dell monitor")
    audit = services.start_audit(actor=ana, location=hq)
    return {"ana": ana, "room": room, "laptop": laptop, "audit": audit}


def heading(page, colour: str, text: str):
    """The answer's big heading, in its colour, saying ``text``."""
    return page.locator(f".scan-answer--{colour} .scan-answer__heading", has_text=text)


def test_a_typed_tag_is_answered_without_a_reload(page, live_server, audit_setup):
    audit, laptop = audit_setup["audit"], audit_setup["laptop"]
    sign_in(page, live_server, "ana")
    page.goto(live_server.url + reverse("audits:scan", args=[audit.pk]))
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    # When Ana types a tag and presses Enter (what a USB scanner does)
    tag_input = page.locator("#id_tag")
    assert tag_input.evaluate("el => el === document.activeElement")  # autofocus
    tag_input.fill(laptop.tag.lower())
    tag_input.press("Enter")

    # Then the answer appears at once, big and green, and the input is ready for the next one
    answer = page.locator("#scan-answer .scan-answer")
    heading(page, "green", "Expected here").wait_for()
    assert "scan-answer--green" in answer.get_attribute("class")
    assert "ThinkPad T14" in answer.inner_text()
    assert tag_input.input_value() == ""
    assert tag_input.evaluate("el => el === document.activeElement")
    assert "1 of 2 expected found" in page.locator("#scan-progress").inner_text()

    # When she types a tag nobody has
    tag_input.fill("OLD-0042")
    tag_input.press("Enter")

    # Then it says so, in red, and both scans are listed, all without leaving the page
    heading(page, "red", "Unknown tag").wait_for()
    recent = page.locator("#scan-recent").inner_text()
    assert "OLD-0042" in recent and laptop.tag in recent
    assert navigations == []
    assert AuditScan.objects.filter(session=audit).count() == 2
    screenshot(page, "audit-scan-phone-test")


def test_where_am_i_is_remembered_and_an_empty_code_is_refused_in_place(
    page, live_server, audit_setup
):
    audit, laptop, room = audit_setup["audit"], audit_setup["laptop"], audit_setup["room"]
    sign_in(page, live_server, "ana")
    url = live_server.url + reverse("audits:scan", args=[audit.pk])
    page.goto(url)

    # An empty code is refused next to the input, without a request leaving the page
    page.locator("#id_tag").press("Enter")
    page.locator("#scan-error").locator("text=Scan a code or type a tag").wait_for()

    # Ana says she is in Room 101 and scans; the scan is recorded there
    page.select_option("#id_location", str(room.pk))
    page.fill("#id_tag", laptop.tag)
    page.press("#id_tag", "Enter")
    page.locator("#scan-answer .scan-answer--green").wait_for()
    assert AuditScan.objects.get().found_at_id == room.pk
    assert page.locator("#scan-error").is_hidden()

    # After a reload, Room 101 is still chosen
    page.reload()
    assert page.locator("#id_location").input_value() == str(room.pk)


def test_a_short_link_from_another_site_asks_before_recording(page, live_server, audit_setup):
    # Given Ana's scan page is active (so /t/<tag> records into the audit)
    audit, laptop = audit_setup["audit"], audit_setup["laptop"]
    sign_in(page, live_server, "ana")
    page.goto(live_server.url + reverse("audits:scan", args=[audit.pk]))

    # When a page elsewhere links to the laptop's short link and she follows it
    elsewhere = page.context.new_page()
    link = live_server.url + reverse("short-link", args=[laptop.tag])
    elsewhere.set_content(f'<a id="label" href="{link}">A label</a>')
    with elsewhere.expect_navigation():
        elsewhere.click("#label")

    # Then nothing is recorded until she confirms with the button (a same-origin POST)
    elsewhere.locator("text=Record this scan").wait_for()
    assert not AuditScan.objects.exists()
    elsewhere.click("text=Record this scan")
    heading(elsewhere, "green", "Expected here").wait_for()
    assert AuditScan.objects.get().code == laptop.tag

    # And opening the link herself (as the camera app does) records at once
    page.goto(live_server.url + reverse("short-link", args=["OLD-0042"]))
    heading(page, "red", "Unknown tag").wait_for()
    assert AuditScan.objects.filter(code="OLD-0042").exists()
    elsewhere.close()


# --- the camera: Chromium's fake camera plays a video of a QR label ---------------------------


def qr_video(path, text: str, *, frames: int = 20) -> None:
    """A Y4M video (what Chromium's fake camera plays) showing one QR code, still."""
    code = qrcode.QRCode(border=4, box_size=8)
    code.add_data(text)
    label = code.make_image(fill_color="black", back_color="white").get_image().convert("L")
    width, height = 640, 480
    frame = Image.new("L", (width, height), 255)
    label = label.resize((360, 360), Image.NEAREST)
    frame.paste(label, ((width - 360) // 2, (height - 360) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * (width * height // 4)
    buffer = io.BytesIO()
    buffer.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
    for _ in range(frames):
        buffer.write(b"FRAME\n" + luma + chroma + chroma)
    path.write_bytes(buffer.getvalue())


@pytest.fixture
def label_video(tmp_path, audit_setup, live_server):
    video = tmp_path / "label.y4m"
    tag = audit_setup["laptop"].tag
    qr_video(video, f"{live_server.url}{reverse('short-link', args=[tag])}")
    return video


@pytest.fixture
def chromium_args(label_video) -> list[str]:
    return [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={label_video}",
    ]


def test_the_camera_reads_a_qr_label_once(page, live_server, audit_setup):
    audit, laptop = audit_setup["audit"], audit_setup["laptop"]
    sign_in(page, live_server, "ana")
    page.goto(live_server.url + reverse("audits:scan", args=[audit.pk]))

    # When Ana starts the camera and holds the laptop's label in view
    page.click("text=Scan with camera")

    # Then the label's URL is decoded, the scan recorded and answered, once
    heading(page, "green", "Expected here").wait_for(timeout=15000)
    page.wait_for_timeout(1500)  # the label stays in view: it must not be sent again
    assert AuditScan.objects.filter(session=audit).count() == 1
    assert AuditScan.objects.get().code == laptop.tag
    assert "Already scanned" not in page.locator("#scan-answer").inner_text()
    page.click("text=Stop the camera")
    assert page.locator("#scan-camera-panel").is_hidden()
