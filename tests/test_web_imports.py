"""The web import at /imports/: upload, map columns (remembered per person), check, import once.

Given/when/then per test; each role's refusals first, then IT staff's whole flow with a file in
Snipe-IT's layout and a custom column, then the edges (twice, someone else's job, bad files).
"""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assets.importer import jobs
from assets.importer.columns import map_header
from assets.importer.kinds import KINDS
from assets.importer.parsing import MAX_BYTES
from assets.models import Asset, Category, ImportJob, ImportMapping
from tests.factories import CategoryFactory, make_user

pytestmark = pytest.mark.django_db

INDEX = "/imports/"
UPLOAD = "/imports/assets/"

# Snipe-IT's layout, but the category is in a column of the team's own: "Kit Type".
KIT_FILE = (
    b"Asset Tag,Asset Name,Kit Type,Model Name,Manufacturer,Serial Number,Status Label,Location,"
    b"Purchase Date,Purchase Cost,Supplier,Notes,Custom Field 1\n"
    b'KIT-001,Laptop A,Laptops,Latitude 7450,Dell,SN-1,Ready to Deploy,HQ,2024-01-05,"$1,234.56",'
    b"CDW,,x\n"
    b"KIT-002,Laptop B,Laptops,Latitude 7450,Dell,SN-2,Ready to Deploy,HQ,2024-02-30,100,CDW,,\n"
    b"KIT-003,Phone,Phones,iPhone 15,Apple,SN-3,Loaned,HQ,2024-01-05,799,Apple,,\n"
    b"KIT-004,Monitor,Monitors,U2723,Dell,SN-4,Ready to Deploy,HQ,2024-01-05,300,CDW,,\n"
)
KIT_HEADER = KIT_FILE.decode().split("\n", 1)[0].split(",")
KIT_TYPE = KIT_HEADER.index("Kit Type")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, data: bytes, *, name: str = "kit.csv", create: bool = True):
    form = {"file": SimpleUploadedFile(name, data, content_type="text/csv")}
    if create:
        form["create"] = "on"
    return client.post(UPLOAD, form)


def job_of(response) -> ImportJob:
    match = re.fullmatch(r"/imports/assets/(\d+)/", response["Location"])
    assert match, response["Location"]
    return ImportJob.objects.get(pk=int(match.group(1)))


def selects(response) -> dict[str, str]:
    """Column title -> the field its select shows selected, as the page renders it."""
    html = response.content.decode()
    chosen = {}
    for row, field in response.context["mapping_rows"]:
        if field is None:
            continue
        select = re.search(rf'<select name="{row.name}"[^>]*>(.*?)</select>', html, re.S)
        assert select, row.name
        picked = re.search(r'<option value="([^"]*)" selected>', select.group(1))
        chosen[row.title] = picked.group(1) if picked else ""
    return chosen


def mapping_post(response, **overrides: str) -> dict[str, str]:
    """The mapping form as pre-filled, with some columns (by title) chosen otherwise."""
    data = {}
    for row, field in response.context["mapping_rows"]:
        if field is not None:
            data[row.name] = overrides.get(row.title, selects(response)[row.title])
    data["create"] = "on"
    return data


def url(job: ImportJob, step: str = "") -> str:
    base = f"/imports/{job.kind}/{job.pk}/"
    return base + {"": "", "check": "check/", "import": "import/", "csv": "problems.csv"}[step]


@pytest.fixture
def it_user():
    return make_user("it", username="ian")


@pytest.fixture
def it(it_user) -> Client:
    return client_for(it_user)


# --- who may import ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["employee", "manager", "auditor"])
def test_other_roles_are_refused_on_every_import_url(role, it):
    # Given a job IT staff uploaded, and a person in another role
    job = job_of(upload(it, KIT_FILE))
    other = client_for(make_user(role))

    # When they open any import page, or post to one
    gets = [INDEX, UPLOAD, "/imports/assets/sample.csv", url(job), url(job, "csv")]
    posts = [UPLOAD, url(job, "check"), url(job, "import")]

    # Then each is 403, whatever the job id (so they learn nothing about jobs)
    for address in gets:
        assert other.get(address).status_code == 403, address
    for address in posts:
        assert other.post(address, {}).status_code == 403, address
    assert other.get("/imports/assets/99999/").status_code == 403
    assert ImportJob.objects.count() == 1


def test_signed_out_visitors_go_to_sign_in():
    response = Client().get(INDEX)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_register_links_to_the_import_for_it_staff_only(it):
    assert 'href="/imports/assets/"' in it.get(reverse("assets:list")).content.decode()
    employee = client_for(make_user("employee"))
    assert "/imports/" not in employee.get(reverse("assets:list")).content.decode()


def test_index_lists_the_kinds_it_staff_may_import_with_a_sample_header(it, it_user):
    # When IT staff open the import page
    page = it.get(INDEX).content.decode()

    # Then every kind they may import is offered, with its sample file, and Snipe-IT is named
    for kind in jobs.allowed_kinds(it_user):
        assert f'href="/imports/{kind.slug}/"' in page
        assert f'href="/imports/{kind.slug}/sample.csv"' in page
    assert "Snipe-IT" in page
    assert f"kept for {jobs.KEEP_DAYS} days" in page

    # And the sample is just a header row that maps every field without help
    sample = b"".join(it.get("/imports/assets/sample.csv").streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(sample)))
    assert len(rows) == 1
    indexes, _titles, warnings = map_header(rows[0], lookup=KINDS["assets"].lookup)
    assert set(indexes) == set(KINDS["assets"].labels) and warnings == []
    assert "Asset Tag" in rows[0] and "Category" in rows[0]


def test_unknown_kind_is_404_for_it_staff(it):
    assert it.get("/imports/spaceships/").status_code == 404


# --- the whole flow ------------------------------------------------------------------------


def test_upload_map_check_skip_and_import(it, it_user):
    # Given a Snipe-IT file whose category sits in a custom "Kit Type" column
    # When IT staff upload it
    response = upload(it, KIT_FILE)
    assert response.status_code == 302
    job = job_of(response)
    assert (job.state, job.row_count, job.filename) == ("uploaded", 4, "kit.csv")

    # Then the mapping step shows each column with sample values, pre-selected by known names
    page = it.get(url(job))
    assert page.status_code == 200
    chosen = selects(page)
    assert chosen["Asset Tag"] == "tag"
    assert chosen["Asset Name"] == "name"
    assert chosen["Model Name"] == "model"
    assert chosen["Status Label"] == "status"
    assert chosen["Supplier"] == "vendor"
    assert chosen["Purchase Cost"] == "purchase_cost"
    assert chosen["Kit Type"] == "" and chosen["Custom Field 1"] == ""
    html = page.content.decode()
    assert "Laptops" in html and "Phones" in html  # Kit Type's first values
    assert "Ignore this column" in html
    assert "No column is mapped to <strong>Category</strong>" in html

    # When they map Kit Type to the category and check the file
    checked = it.post(url(job, "check"), mapping_post(page, **{"Kit Type": "category"}))
    assert checked.status_code == 302
    job.refresh_from_db()

    # Then the check lists the bad rows, spreadsheet-numbered, and writes nothing
    assert job.state == "checked" and job.mapping["Kit Type"] == "category"
    assert [(e["row"], e["column"]) for e in job.report["errors"]] == [
        (3, "Purchase Date"),
        (4, "Status Label"),
    ]
    report = it.get(url(job)).content.decode()
    assert "to create" in report and "Bad rows" in report
    assert "Cannot read “2024-02-30” as a date" in report
    assert "Skip the 2 bad rows and import the rest" in report
    assert Asset.objects.count() == 0 and not Category.objects.filter(name="Laptops").exists()

    # When they import without choosing to skip, it is refused and nothing is written
    refused = it.post(url(job, "import"), follow=True)
    assert "The check found 2 bad rows" in refused.content.decode()
    assert Asset.objects.count() == 0

    # When they skip the bad rows
    done = it.post(url(job, "import"), {"skip_bad": "1"}, follow=True)

    # Then the good rows exist, with the category from Kit Type, and the result says so
    assert done.status_code == 200
    assert sorted(Asset.objects.values_list("tag", flat=True)) == ["KIT-001", "KIT-004"]
    assert Asset.objects.get(tag="KIT-001").category.name == "Laptops"
    job.refresh_from_db()
    assert job.state == "applied" and job.applied_at is not None
    result = done.content.decode()
    assert "2 created, 0 updated, 2 bad rows skipped" in result
    assert f'href="{reverse("assets:list")}"' in result
    assert "Skipped rows" in result


def test_every_bad_row_downloads_as_csv(it):
    job = job_of(upload(it, KIT_FILE))
    page = it.get(url(job))
    it.post(url(job, "check"), mapping_post(page, **{"Kit Type": "category"}))

    response = it.get(url(job, "csv"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Row", "Column", "Problem"]
    assert [r[:2] for r in rows[1:]] == [["3", "Purchase Date"], ["4", "Status Label"]]


def test_a_good_file_imports_every_row(it):
    job = job_of(upload(it, KIT_FILE.replace(b"2024-02-30", b"2024-02-03").replace(b"Loaned", b"")))
    page = it.get(url(job))
    it.post(url(job, "check"), mapping_post(page, **{"Kit Type": "category"}))
    assert "Import 4 rows" in it.get(url(job)).content.decode()

    it.post(url(job, "import"))

    assert Asset.objects.count() == 4
    assert ImportJob.objects.get(pk=job.pk).report["created"] == 4


def test_re_importing_the_same_file_updates_and_says_what_was_already_up_to_date(it):
    # Given a file imported once
    data = KIT_FILE.replace(b"2024-02-30", b"2024-02-03").replace(b"Loaned", b"")
    checked_job(it)
    it.post(url(ImportJob.objects.get(), "import"))

    # When the same file is uploaded and checked again
    job = job_of(upload(it, data))
    it.post(url(job, "check"), mapping_post(it.get(url(job))))

    # Then every row updates its asset, which already matches, rather than adding one
    page = it.get(url(job)).content.decode()
    report = ImportJob.objects.get(pk=job.pk).report
    assert (report["created"], report["updated"]) == (0, 4)
    assert "4 already up to date" in page


def test_a_mapping_is_remembered_for_its_person_only(it, it_user):
    # Given Ian mapped "Kit Type" to the category once
    job = job_of(upload(it, KIT_FILE))
    it.post(url(job, "check"), mapping_post(it.get(url(job)), **{"Kit Type": "category"}))
    assert ImportMapping.objects.filter(user=it_user, column="kit type", field="category").exists()
    # (columns left as the known names pick them are not stored)
    assert not ImportMapping.objects.filter(user=it_user, column="asset tag").exists()

    # When he uploads another file with that column (and others in another order)
    other_file = b"Serial Number,KIT TYPE,Asset Tag\nSN-9,Phones,KIT-009\n"
    again = it.get(url(job_of(upload(it, other_file))))

    # Then Kit Type is pre-selected as the category, said to be his earlier choice
    assert selects(again) == {"Serial Number": "serial_number", "KIT TYPE": "category",
                              "Asset Tag": "tag"}  # fmt: skip
    assert "As you chose last time" in again.content.decode()

    # But another IT person uploading the same file starts from the known names only
    other = client_for(make_user("it", username="olga"))
    theirs = other.get(url(job_of(upload(other, other_file))))
    assert selects(theirs)["KIT TYPE"] == ""


def test_a_remembered_column_wins_over_a_known_name_for_the_same_field(it):
    # Given Ian's files carry the real category in "Kit Type" and something else in "Category"
    job = job_of(upload(it, b"Asset Tag,Category,Kit Type\nA-1,x,Laptops\n"))
    page = it.get(url(job))
    it.post(url(job, "check"), mapping_post(page, **{"Kit Type": "category", "Category": ""}))

    # When he uploads the next one, the form is valid as pre-filled: one column per field
    again = it.get(url(job_of(upload(it, b"Category,Kit Type,Asset Tag\ny,Phones,A-2\n"))))
    assert selects(again) == {"Category": "", "Kit Type": "category", "Asset Tag": "tag"}


def test_two_columns_mapped_to_one_field_are_refused_saying_which(it, it_user):
    job = job_of(upload(it, KIT_FILE))
    page = it.get(url(job))

    response = it.post(
        url(job, "check"), mapping_post(page, **{"Kit Type": "category", "Notes": "category"})
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "“Kit Type” and “Notes” are both mapped to Category" in html
    assert "Another column is mapped to this field too." in html
    job.refresh_from_db()
    assert job.state == "uploaded" and job.report is None
    assert not ImportMapping.objects.filter(user=it_user).exists()


def test_a_mapping_that_ignores_every_column_says_what_to_do(it):
    job = job_of(upload(it, b"Asset Tag,Category\nA-1,Laptops\n"))
    response = it.post(url(job, "check"), {"col_0": "", "col_1": ""})
    assert response.status_code == 400
    assert "None of the columns is known" in response.content.decode()
    assert ImportJob.objects.get(pk=job.pk).state == "uploaded"


def test_repeated_and_untitled_columns_are_shown_but_not_mappable(it):
    job = job_of(upload(it, b"Asset Tag,Category,,asset tag\nA-1,Laptops,z,A-2\n"))
    page = it.get(url(job))
    html = page.content.decode()
    assert "No title: give it one to import it." in html
    assert "Same title as “Asset Tag”" in html
    assert selects(page) == {"Asset Tag": "tag", "Category": "category"}


# --- once only, and only one's own ----------------------------------------------------------


def checked_job(client: Client) -> ImportJob:
    data = KIT_FILE.replace(b"2024-02-30", b"2024-02-03").replace(b"Loaned", b"")
    job = job_of(upload(client, data))
    client.post(url(job, "check"), mapping_post(client.get(url(job)), **{"Kit Type": "category"}))
    return ImportJob.objects.get(pk=job.pk)


def test_importing_twice_imports_once(it):
    job = checked_job(it)
    it.post(url(job, "import"))
    history_rows = Asset.history.count()

    second = it.post(url(job, "import"), follow=True)

    assert "it was not imported again" in second.content.decode()
    assert Asset.objects.count() == 4 and Asset.history.count() == history_rows
    # and a re-check after the import is refused too: the result stays as it was
    recheck = it.post(url(job, "check"), {f"col_{KIT_TYPE}": "category"}, follow=True)
    assert "This file was imported already" in recheck.content.decode()
    assert ImportJob.objects.get(pk=job.pk).state == "applied"


def test_another_persons_job_is_404_even_for_it_staff(it):
    job = checked_job(it)
    other = client_for(make_user("it", username="olga"))

    for address in (url(job), url(job, "csv")):
        assert other.get(address).status_code == 404
    for address in (url(job, "check"), url(job, "import")):
        assert other.post(address, {"skip_bad": "1"}).status_code == 404
    assert Asset.objects.count() == 0
    assert f'href="{url(job)}"' not in other.get(INDEX).content.decode()


def test_a_race_that_spoils_a_row_leaves_nothing_written(it):
    # Given a checked file whose categories exist (no "create missing")
    for name in ("Laptops", "Phones", "Monitors"):
        CategoryFactory(name=name, slug=name.lower())
    data = b"Asset Tag,Kit Type\nR-1,Laptops\nR-2,Phones\nR-3,Monitors\n"
    job = job_of(upload(it, data, create=False))
    page = it.get(url(job))
    form = mapping_post(page, **{"Kit Type": "category"})
    del form["create"]
    it.post(url(job, "check"), form)
    assert ImportJob.objects.get(pk=job.pk).report["errors"] == []

    # When a category goes before the import runs
    Category.objects.filter(name="Phones").delete()
    response = it.post(url(job, "import"), follow=True)

    # Then the import refuses, says nothing was written, and shows the row
    html = response.content.decode()
    assert "Nothing was written." in html
    assert "Category “Phones” does not exist" in html
    assert Asset.objects.count() == 0
    assert ImportJob.objects.get(pk=job.pk).state == "refused"


def test_a_job_must_be_checked_before_it_imports(it):
    job = job_of(upload(it, KIT_FILE))
    response = it.post(url(job, "import"), follow=True)
    assert "Check the file first" in response.content.decode()
    assert Asset.objects.count() == 0


# --- files that are refused -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"\n\n", "The file is empty: it needs a header row"),
        (b"\nKIT-1,Laptops\n", "The first row is empty: it must hold the column titles"),
        (b"Asset Tag,Category\n", "The file has column titles but no rows under them."),
        (b"PK\x03\x04\x00\x00binary", "This is not a CSV file"),
    ],
)
def test_unreadable_files_are_refused_saying_why_and_nothing_is_stored(it, data, message):
    response = upload(it, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_a_file_over_the_limit_is_refused(it):
    response = upload(it, b"Asset Tag\n" + b"a" * MAX_BYTES)
    assert response.status_code == 400
    assert "the limit is 10 MB. Split it into smaller files" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_no_file_is_a_form_error(it):
    response = it.post(UPLOAD, {"create": "on"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_uploading_deletes_everyones_week_old_uploads(it, it_user):
    # Given a week-old upload of mine, one of a colleague who never came back, and a recent one
    old = job_of(upload(it, KIT_FILE))
    other = client_for(make_user("it", username="olga"))
    theirs = job_of(upload(other, KIT_FILE))
    recent = job_of(upload(other, KIT_FILE))
    week_ago = timezone.now() - datetime.timedelta(days=jobs.KEEP_DAYS, minutes=1)
    ImportJob.objects.filter(pk__in=[old.pk, theirs.pk]).update(created_at=week_ago)

    # When anyone uploads
    upload(it, KIT_FILE)

    # Then both week-old files are gone (with whatever keys they held), the recent one stays
    assert not ImportJob.objects.filter(pk__in=[old.pk, theirs.pk]).exists()
    assert ImportJob.objects.filter(pk=recent.pk).exists()
    assert ImportJob.objects.filter(uploaded_by=it_user).count() == 1


def test_an_imported_job_keeps_its_report_but_not_its_file(it):
    # Given a checked licence file, whose keys show as sample values on the mapping step
    lic_file = b"Product,Product Key,Seats\nOffice,SECRET-KEY-1,4\n"
    response = it.post(
        "/imports/licenses/",
        {"file": SimpleUploadedFile("lic.csv", lic_file, content_type="text/csv")},
    )
    job = ImportJob.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))
    assert "SECRET-KEY-1" in str(job.samples)
    it.post(url(job, "check"), mapping_post(it.get(url(job))))

    # When it is imported
    it.post(url(job, "import"))

    # Then the file and its sample values are gone; the report and the result page stay
    job = ImportJob.objects.get(pk=job.pk)
    assert job.state == "applied" and job.report["created"] == 1
    assert bytes(job.data) == b"" and job.samples == []
    page = it.get(url(job))
    assert page.status_code == 200 and "SECRET-KEY-1" not in page.content.decode()


def test_forms_need_the_csrf_token(it_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(it_user)
    form = {"file": SimpleUploadedFile("kit.csv", KIT_FILE, content_type="text/csv")}
    assert client.post(UPLOAD, form).status_code == 403
    assert ImportJob.objects.count() == 0


def test_titles_and_values_from_the_file_are_escaped(it):
    job = job_of(upload(it, b"<script>alert(1)</script>,Category\n<b>x</b>,Laptops\n"))
    html = it.get(url(job)).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<b>x</b>" not in html


# --- two clicks at once (PostgreSQL row locks) ----------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_imports_of_one_job_import_once():
    from django.db import connection

    from tests.test_concurrency import race

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (CI always has it)")
    # Given a checked job
    user = make_user("it", username="ian")
    job = checked_job(client_for(user))
    kind = KINDS["assets"]

    # When two requests import it at the same instant
    results = race([lambda: jobs.apply_job(job.pk, kind, actor=user, skip_bad=False)] * 2)

    # Then one imports, the other waits for the lock and finds it imported
    assert sorted(now for _job, now in results) == [False, True], results
    assert Asset.objects.count() == 4


# --- in a real browser ----------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("page", ["phone", "desktop"], indirect=True)
def test_upload_map_check_and_import_in_a_browser(page, live_server, tmp_path, request):
    from tests.browser import screenshot, sign_in

    # Given IT staff signed in, and a file with a custom "Kit Type" column
    make_user("it", username="ian")
    path = tmp_path / "kit.csv"
    path.write_bytes(KIT_FILE)
    sign_in(page, live_server, "ian")
    width = request.node.callspec.params["page"]

    # When they upload it from the register's Import link
    page.goto(live_server.url + INDEX)
    screenshot(page, f"import-index-{width}")
    page.goto(live_server.url + reverse("assets:list"))
    page.get_by_role("link", name="Import CSV").click()
    page.set_input_files("#id_file", str(path))
    page.check("#id_create")
    screenshot(page, f"import-upload-{width}")
    page.get_by_role("button", name="Upload and match columns").click()

    # Then the mapping step shows the columns; they map Kit Type to the category and check
    page.wait_for_selector("text=Step 1 of 3: match the columns")
    assert page.input_value(f"#id_col_{KIT_TYPE}") == ""
    page.select_option(f"#id_col_{KIT_TYPE}", "category")
    screenshot(page, f"import-mapping-{width}", full_page=True)
    page.get_by_role("button", name="Check file").click()

    # Then the report lists the two bad rows; they skip them and import the rest
    page.wait_for_selector("text=Step 2 of 3: the check")
    screenshot(page, f"import-report-{width}", full_page=True)
    page.get_by_role("button", name="Skip the 2 bad rows and import the rest").click()
    page.wait_for_selector("text=2 created, 0 updated, 2 bad rows skipped")
    screenshot(page, f"import-result-{width}", full_page=True)
    assert sorted(Asset.objects.values_list("tag", flat=True)) == ["KIT-001", "KIT-004"]


# --- every registered kind works through the same pages -----------------------------------


@pytest.mark.parametrize("slug", sorted(KINDS))
def test_every_kind_uploads_maps_and_checks_through_the_same_pages(slug):
    # Given an administrator (who may import every kind) and a file with the kind's sample header
    kind = KINDS[slug]
    client = client_for(make_user("admin", username="root"))
    header = jobs.sample_header(kind)
    data = (",".join(header) + "\n" + ",".join(["x"] * len(header)) + "\n").encode()

    # When they upload it, the mapping step pre-selects every column by its known name
    response = client.post(
        f"/imports/{slug}/", {"file": SimpleUploadedFile("f.csv", data, content_type="text/csv")}
    )
    assert response.status_code == 302, response.content.decode()
    job = ImportJob.objects.get(kind=slug)
    page = client.get(url(job))
    assert page.status_code == 200
    assert set(selects(page).values()) == set(kind.labels)

    # And "Check file" runs the kind's importer as a dry run and shows its report
    checked = client.post(url(job, "check"), mapping_post(page))
    assert checked.status_code == 302
    job.refresh_from_db()
    assert job.state == "checked" and job.report["dry_run"] is True
    assert "Step 2 of 3: the check" in client.get(url(job)).content.decode()


def test_checking_an_imported_job_again_is_refused_not_run_on_its_emptied_file(it, it_user):
    job = checked_job(it)
    it.post(url(job, "import"))
    job = ImportJob.objects.get(pk=job.pk)
    with pytest.raises(jobs.JobRefused, match="imported already"):
        jobs.check_job(job, KINDS["assets"], actor=it_user, mapping=job.mapping, create=True)
    assert ImportJob.objects.get(pk=job.pk).state == "applied"
