"""The product's main journeys, end to end, as people do them in a browser.

Each test starts from the seeded demo (README, "Demo logins") and changes only what it makes
itself or one asset it picks, so the tests stay independent in any order.
"""

from __future__ import annotations

import datetime
import quopri
import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

NEW_PASSWORD = "Welcome-to-the-team-2026"


def count_of(page) -> int:
    """The register's total ("1–50 of 80 assets"), or 0 when nothing matches."""
    summary = page.locator(".list-summary p").first.inner_text()
    found = re.search(r"of ([\d,]+) asset", summary)
    return int(found.group(1).replace(",", "")) if found else 0


def sign_in_link(mail: str) -> str:
    """The one-time "choose your password" link in a welcome e-mail."""
    text = quopri.decodestring(mail.encode()).decode(errors="replace")  # soft line breaks
    found = re.search(r"https?://[^\s\"<>]+/reset/[^\s\"<>/]+/[^\s\"<>/]+/", text)
    assert found, f"no sign-in link in the welcome e-mail:\n{text[:2000]}"
    return found.group(0)


def test_onboarding_from_request_to_the_new_hires_receipt(visit, e2e_server):
    # Maria, head of Engineering, asks for an on-call phone for a new hire who has no account yet
    maria = visit.as_("maria.garcia")
    maria.goto("/requests/new/")
    maria.get_by_label("A new hire (no account yet)").check()
    maria.get_by_label("New hire's name").fill("Riley Quinn")
    start = datetime.date.today() + datetime.timedelta(days=14)
    maria.get_by_label("Start date").fill(start.isoformat())
    maria.get_by_label("Department").select_option(label="Engineering")
    # The demo has a phone in stock (its 80 assets leave no spare laptop), and the phone terms
    # (revised to version 2 in the demo) are what the new hire must accept on receipt
    maria.get_by_label("Category").select_option(label="Mobile phones")
    maria.get_by_label("Justification").fill(
        "Riley joins the platform team as an SRE and goes on the on-call rota."
    )
    # The phone and its two-year plan: above 2,000, so two approvals
    maria.get_by_label("Estimated cost (all units)").fill("2400.00")
    maria.get_by_role("button", name="Submit request").click()
    expect(maria.get_by_role("heading", level=1)).to_contain_text("1 × Mobile phones")
    request_url = maria.url
    # Her own request: she cannot decide it, and is told who will
    expect(maria.get_by_role("button", name="Approve")).to_have_count(0)

    # The administrator approves it (a manager's own request goes to them)...
    admin = visit.as_("admin")
    admin.goto(request_url)
    decide = admin.locator("#decide")
    decide.get_by_label("Reason").first.fill("Headcount approved in the plan.")
    decide.get_by_role("button", name="Approve").click()
    expect(admin.get_by_role("status").first).to_contain_text("second approval")

    # ...then Priya (IT staff) gives the second approval above the threshold
    priya = visit.as_("priya.shah")
    priya.goto(request_url)
    priya.locator("#decide").get_by_label("Reason").first.fill("Standard on-call phone.")
    priya.locator("#decide").get_by_role("button", name="Approve").click()
    expect(priya.locator(".alert--success")).to_contain_text("Approved")
    expect(priya.locator(".page-head__sub")).to_contain_text("Approved")
    visit.shot(priya, "request-fulfil-desktop", full_page=True)

    # She creates Riley's account (a welcome e-mail goes out) and allocates the phone in stock
    fulfil = priya.locator("#fulfil")
    fulfil.get_by_role("textbox", name="Username", exact=True).fill("riley.quinn")
    fulfil.get_by_role("textbox", name="E-mail", exact=True).fill("riley.quinn@demo.itam.example")
    fulfil.get_by_role("button", name="Create account").click()
    expect(priya.get_by_text("Riley Quinn is now riley.quinn.")).to_be_visible()
    tag = priya.locator("#support-h ~ * .tag-link, section[aria-labelledby=support-h] .tag-link")
    tag = tag.first.inner_text()
    fulfil = priya.locator("#fulfil")
    fulfil.get_by_role("combobox", name="Asset tag").fill(tag)
    for box in fulfil.get_by_role("checkbox").all():
        box.check()
    fulfil.get_by_role("button", name="Allocate", exact=True).click()
    equipment = priya.locator("section[aria-labelledby=fulfilled-h]")
    expect(equipment).to_contain_text(tag)
    expect(priya.locator(".page-head__sub")).to_contain_text("Fulfilled")

    # Riley opens the link in the welcome e-mail, chooses a password and signs in
    welcome = [m for m in e2e_server.mails() if "riley.quinn" in m]
    assert welcome, "no welcome e-mail for riley.quinn"
    riley = visit.page()
    riley.goto(sign_in_link("\n".join(welcome)))
    expect(riley.get_by_role("heading", name="Choose your password")).to_be_visible()
    riley.locator("#id_new_password1").fill(NEW_PASSWORD)  # no role: password inputs
    riley.locator("#id_new_password2").fill(NEW_PASSWORD)
    riley.get_by_role("button", name="Save my password").click()
    riley = visit.as_("riley.quinn", password=NEW_PASSWORD)

    # The phone waits on their dashboard; its category has terms, so they open the terms page
    mine = riley.locator("section[aria-labelledby=my-assets]")
    expect(mine).to_contain_text(tag)
    mine.get_by_role("link", name=f"Read terms and confirm receipt of {tag}").click()
    expect(riley.get_by_role("heading", name="Confirm receipt", level=1)).to_be_visible()
    terms = riley.get_by_role("document", name=re.compile("Mobile phones terms"))
    expect(terms).to_contain_text("Roaming is for work trips only")
    accept = riley.get_by_label("I have read and accept these terms")
    expect(accept).not_to_be_checked()
    visit.shot(riley, "accept-terms-desktop", full_page=True)

    # Confirming without ticking the box is refused (a 400), saying why; they stay on the page
    accept_url = f"/assets/{tag}/accept/"
    visit.expect_status(accept_url, 400)
    with riley.expect_response(lambda r: r.request.method == "POST") as refused:
        riley.get_by_role("button", name="Confirm receipt").click()
    assert refused.value.url.endswith(accept_url) and refused.value.status == 400
    expect(riley.locator(".alert--error")).to_contain_text("Nothing was saved")
    expect(riley.locator(".field__errors")).to_contain_text(
        "Read and accept the Mobile phones terms to confirm receipt."
    )
    expect(riley.get_by_role("heading", name="Confirm receipt", level=1)).to_be_visible()

    # They tick it and confirm: back on the dashboard, the receipt is kept with the terms' version
    accept.check()
    riley.get_by_role("button", name="Confirm receipt").click()
    done = riley.locator(".alert--success")
    expect(done).to_contain_text(f"receipt of {tag}")
    expect(done).to_contain_text("with the Mobile phones terms (version 2)")
    expect(riley.locator("section[aria-labelledby=my-assets]")).to_contain_text("Receipt confirmed")

    # The request shows the receipt to IT staff
    priya.goto(request_url)
    expect(priya.locator("section[aria-labelledby=fulfilled-h]")).to_contain_text(
        "Receipt confirmed"
    )
    visit.shot(priya, "request-approver-desktop", full_page=True)


def test_register_filters_and_a_lifecycle_move_with_its_history(visit):
    priya = visit.as_("priya.shah")
    priya.goto("/assets/")
    everything = count_of(priya)
    assert everything > 0
    visit.shot(priya, "register-desktop")

    # Filter by status, then category, then a search: each narrows the count
    filters = priya.get_by_role("search", name="Filter the register")
    if not filters.is_visible():
        priya.get_by_text("Filters", exact=True).click()
    filters.get_by_label("Deployed").check()
    filters.get_by_role("button", name="Apply filters").click()
    deployed = count_of(priya)
    assert 0 < deployed < everything

    filters = priya.get_by_role("search", name="Filter the register")
    filters.get_by_label("Category").select_option(label="Laptops")
    filters.get_by_role("button", name="Apply filters").click()
    laptops = count_of(priya)
    assert 0 < laptops < deployed
    first_name = priya.locator("table tbody tr").first.locator("td[data-label=Name]")
    word = first_name.inner_text().split()[0]

    filters = priya.get_by_role("search", name="Filter the register")
    filters.get_by_label("Search").fill(word)
    filters.get_by_role("button", name="Apply filters").click()
    searched = count_of(priya)
    assert 0 < searched <= laptops
    visit.shot(priya, "register-filtered-desktop")

    # Open one deployed laptop and check it in: the history shows the move and its reason
    row = priya.locator("table tbody tr").first
    tag = row.locator(".tag-link").inner_text()
    row.locator(".tag-link").click()
    expect(priya.get_by_role("heading", level=1)).to_contain_text(tag)
    priya.get_by_role("group", name=f"Actions on {tag}").get_by_role(
        "link", name="Check in"
    ).click()
    priya.get_by_label("Reason").fill("Returned for a battery check (e2e)")
    priya.get_by_role("button", name="Check in").click()
    history = priya.locator("section[aria-labelledby=history-h]")
    first_entry = history.locator(".timeline__item").first
    expect(first_entry).to_contain_text("Returned for a battery check (e2e)")
    expect(first_entry.locator(".timeline__status")).to_contain_text("In stock")
    visit.shot(priya, "asset-desktop", full_page=False)


def test_printing_a_tag_sheet_page_and_pdf(visit):
    olivia = visit.as_("olivia.reed")
    olivia.goto("/assets/?category=")  # the register; she filters it to monitors
    filters = olivia.get_by_role("search", name="Filter the register")
    if not filters.is_visible():
        olivia.get_by_text("Filters", exact=True).click()
    filters.get_by_label("Category").select_option(label="Monitors")
    filters.get_by_role("button", name="Apply filters").click()
    monitors = count_of(olivia)
    assert monitors > 0
    olivia.get_by_role("link", name="Print tags").click()

    expect(olivia.get_by_role("heading", name="Print tag sheets")).to_be_visible()
    expect(olivia.get_by_role("note")).to_contain_text("Monitors")
    olivia.get_by_role("button", name="Preview").click()
    expect(olivia.locator("ol.mini-sheet")).to_be_visible()
    visit.shot(olivia, "tag-sheet-form-desktop", full_page=True)

    # The print page opens with its Print button (its script ran under the CSP)
    olivia.get_by_role("button", name="Print page").first.click()
    expect(olivia.get_by_role("button", name="Print", exact=True)).to_be_visible()
    expect(olivia.locator(".sheet .label:not(.label--empty)")).to_have_count(monitors)
    visit.shot(olivia, "tag-sheet-print-desktop")

    # Its "Download PDF" form answers with a PDF (posted as the button would, with its token)
    form = olivia.locator("form", has=olivia.get_by_role("button", name="Download PDF"))
    body = form.evaluate("f => new URLSearchParams(new FormData(f)).toString()")
    pdf = olivia.request.post(
        form.get_attribute("action"),
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Referer": olivia.url},
    )
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")


def test_an_audit_scan_on_a_phone(visit):
    olivia = visit.as_("olivia.reed", kind="iphone")
    olivia.goto("/audits/")
    olivia.locator("main table").first.locator(".tag-link").first.click()
    tag = olivia.locator("main .tag-link").first.inner_text()
    olivia.get_by_role("link", name="Open the scan page").first.click()

    code = olivia.get_by_label("Tag or code")
    code.fill("NOPE-0042")
    code.press("Enter")
    expect(olivia.locator("#scan-answer")).to_contain_text("Unknown tag")

    code.fill(tag.lower())
    code.press("Enter")
    expect(olivia.locator("#scan-answer")).to_contain_text(tag)
    expect(olivia.locator("#scan-recent")).to_contain_text("NOPE-0042")
    visit.shot(olivia, "audit-scan-phone")


def test_import_mapping_step(visit, tmp_path):
    path = tmp_path / "kit.csv"
    path.write_text(
        "Asset Tag,Name,Kit Type,Serial\nE2E-001,Spare dock,Docking stations,SN-E2E-1\n"
    )
    priya = visit.as_("priya.shah")
    priya.goto("/assets/")
    priya.get_by_role("link", name="Import CSV").click()
    priya.set_input_files("#id_file", str(path))
    priya.get_by_role("button", name="Upload and match columns").click()
    expect(priya.get_by_text("Step 1 of 3: match the columns")).to_be_visible()
    visit.shot(priya, "import-mapping-desktop", full_page=True)
