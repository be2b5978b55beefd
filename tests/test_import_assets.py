"""The asset CSV importer service: parsing, column mapping, dry run, all-or-nothing, skip_bad."""

import datetime
import os
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError

from assets.importer import service
from assets.importer.columns import map_header
from assets.importer.parsing import FileRefused, parse_date, parse_money, read_rows
from assets.models import Asset, AssetModel, Category, Location, Manufacturer, Vendor
from tests.factories import CategoryFactory, LocationFactory, make_asset, make_user

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
User = get_user_model()


def big_csv(rows: int, bad: dict[int, tuple[str, str]] | None = None, sep: str = ",") -> bytes:
    """``rows`` assets; ``bad`` maps a data index to (column, value) to spoil."""
    header = ["Asset Tag", "Name", "Category", "Serial Number", "Status", "Purchase Date", "Cost"]
    lines = [sep.join(header)]
    for i in range(rows):
        values = {
            "Asset Tag": f"IMP-{i:06d}",
            "Name": f"Laptop {i}",
            "Category": "Laptops",
            "Serial Number": f"SER{i:06d}",
            "Status": "In stock",
            "Purchase Date": "2024-03-01",
            "Cost": "999.00",
        }
        if bad and i in bad:
            column, value = bad[i]
            values[column] = value
        lines.append(sep.join(values[h] for h in header))
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def it():
    return make_user("it")


@pytest.fixture
def laptops():
    return CategoryFactory(name="Laptops", slug="laptops")


# --- parsing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-05", datetime.date(2024, 1, 5)),
        ("2024-01-05 10:00:00", datetime.date(2024, 1, 5)),
        ("05/01/2024", datetime.date(2024, 1, 5)),  # day first by default
        ("13/01/2024", datetime.date(2024, 1, 13)),
        ("01/13/2024", datetime.date(2024, 1, 13)),  # unambiguous month first
        ("Jan 5 2024", datetime.date(2024, 1, 5)),
        ("Jan 5, 2024", datetime.date(2024, 1, 5)),
        ("5 January 2024", datetime.date(2024, 1, 5)),
    ],
)
def test_parse_date_spellings(text, expected):
    assert parse_date(text) == expected


def test_parse_date_month_first_setting(settings):
    settings.ITAM_IMPORT_DAY_FIRST = False
    assert parse_date("05/01/2024") == datetime.date(2024, 5, 1)


def test_parse_date_error_names_the_setting():
    with pytest.raises(ValueError, match="ITAM_IMPORT_DAY_FIRST"):
        parse_date("31/31/2024")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("£1,234.56", Decimal("1234.56")),
        ("$1,234.56", Decimal("1234.56")),
        ("1.234,56 €", Decimal("1234.56")),
        ("1234.56", Decimal("1234.56")),
        ("1,234", Decimal("1234")),
        ("499", Decimal("499")),
        ("-5.00", Decimal("-5.00")),
    ],
)
def test_parse_money_spellings(text, expected):
    assert parse_money(text) == expected


def test_parse_money_refuses_words():
    with pytest.raises(ValueError):
        parse_money("about a grand")


def test_read_rows_bom_semicolon_and_cp1252():
    header, rows = read_rows("\ufeffAsset Tag;Name\nA-1;Café\n".encode())
    assert header == ["Asset Tag", "Name"]
    assert rows == [["A-1", "Café"]]
    header, rows = read_rows("Asset Tag,Name\nA-1,Café\n".encode("cp1252"))
    assert rows == [["A-1", "Café"]]


def test_read_rows_limits():
    with pytest.raises(FileRefused, match="50,000"):
        read_rows(b"Name\n" + b"x\n" * 50_001)
    with pytest.raises(FileRefused, match="10 MB"):
        read_rows(b"Name\n" + b"x" * (10 * 1024 * 1024 + 1))


def test_columns_case_and_space_insensitive_with_warnings():
    indexes, _, warnings = map_header(["ASSET  TAG", "serial_number", "Status Label", "Colour"])
    assert indexes == {"tag": 0, "serial_number": 1, "status": 2}
    assert warnings == ["Column “Colour” is not known and was ignored."]


# --- the service -------------------------------------------------------------------------------


def test_only_it_may_import(laptops):
    for role in ("employee", "manager", "auditor"):
        with pytest.raises(PermissionDenied):
            service.import_assets(big_csv(1), actor=make_user(role), dry_run=True)


def test_thousand_rows_three_bad(it, laptops):
    bad = {
        10: ("Purchase Date", "31/31/2024"),
        500: ("Cost", "-12.00"),
        997: ("Status", "Borrowed"),
    }
    data = big_csv(1000, bad)
    before = Asset.history.count()

    dry = service.import_assets(data, actor=it, dry_run=True)
    assert dry.rows == 1000
    assert [(e["row"], e["column"]) for e in dry.errors] == [
        (12, "Purchase Date"),
        (502, "Cost"),
        (999, "Status"),
    ]
    assert "ITAM_IMPORT_DAY_FIRST" in dry.errors[0]["message"]
    assert "negative" in dry.errors[1]["message"]
    assert "Ready to Deploy" in dry.errors[2]["message"]
    assert Asset.objects.count() == 0 and Asset.history.count() == before

    refused = service.import_assets(data, actor=it)
    assert len(refused.errors) == 3 and not refused.applied
    assert refused.created == 0 and Asset.objects.count() == 0

    skipped = service.import_assets(data, actor=it, skip_bad=True)
    assert skipped.applied and skipped.created == 997 and len(skipped.errors) == 3
    assert Asset.objects.count() == 997
    assert not Asset.objects.filter(tag__in=["IMP-000010", "IMP-000500", "IMP-000997"]).exists()


def test_dry_run_counts_match_apply_and_writes_nothing(it):
    data = (DATA / "import_snipeit.csv").read_bytes()
    counts = (Category, Manufacturer, AssetModel, Vendor, Location, User, Asset)
    before = [m.objects.count() for m in counts]
    dry = service.import_assets(data, actor=it, dry_run=True, create=True)
    assert dry.errors == [] and dry.created == 6 and not dry.applied
    assert [m.objects.count() for m in counts] == before


def test_failure_late_in_apply_writes_nothing(it, laptops):
    """A row that only fails when written (here: its tag taken meanwhile) rolls back all rows."""
    data = big_csv(20)
    original = service._Writer.intake

    def racing(self, plan):
        if plan.row == 21:  # another registration takes row 20's tag after the checks
            make_asset(name="Meanwhile", category=laptops, tag="IMP-000018")
        return original(self, plan)

    service._Writer.intake = racing
    try:
        report = service.import_assets(data, actor=it)
    finally:
        service._Writer.intake = original
    assert [(e["row"], e["column"]) for e in report.errors] == [(20, "Asset Tag")]
    assert "already in use" in report.errors[0]["message"]
    assert not report.applied and report.created == 0
    assert Asset.objects.filter(tag__startswith="IMP-").count() == 0


def test_skip_bad_registers_the_rest_when_a_tag_is_taken_meanwhile(it, laptops):
    data = big_csv(20)
    original = service._Writer.intake

    def racing(self, plan):
        if plan.row == 21:
            make_asset(name="Meanwhile", category=laptops, tag="IMP-000018")
        return original(self, plan)

    service._Writer.intake = racing
    try:
        report = service.import_assets(data, actor=it, skip_bad=True)
    finally:
        service._Writer.intake = original
    assert [e["row"] for e in report.errors] == [20]
    assert report.applied and report.created == 19
    assert Asset.objects.get(tag="IMP-000018").name == "Meanwhile"


def test_snipeit_layout_with_create(it):
    report = service.import_assets(
        (DATA / "import_snipeit.csv").read_bytes(), actor=it, create=True
    )
    assert report.errors == [] and report.created == 6 and report.applied
    assert "Column “Custom Field 1” is not known and was ignored." in report.warnings

    alice = Asset.objects.get(tag="SNIPE-001")
    assert alice.status == "deployed"
    assert alice.assigned_user.username == "asmith"
    assert alice.assigned_user.email == "alice@example.com"
    assert alice.assigned_user.get_full_name() == "Alice Smith"
    assert not alice.assigned_user.has_usable_password()
    assert alice.category.name == "Laptops"
    assert str(alice.model) == "Dell Latitude 7450"
    assert alice.location.full_name == "HQ › Building A › Room 1"
    assert alice.purchase_cost == Decimal("1234.56")
    assert alice.vendor.name == "CDW"
    assert alice.warranty_end == datetime.date(2027, 1, 5)

    spare = Asset.objects.get(tag="SNIPE-002")
    assert spare.status == "in_stock" and spare.assigned_user is None
    assert spare.purchase_date == datetime.date(2024, 1, 5)
    assert spare.model_id == alice.model_id  # one model, created once

    phone = Asset.objects.get(tag="SNIPE-003")
    assert phone.status == "deployed" and phone.assigned_user.username == "bjones"
    assert phone.location.parent is None and phone.location.name == "HQ"
    assert Location.objects.filter(name="HQ", parent=None).count() == 1

    old = Asset.objects.get(tag="SNIPE-004")
    assert old.status == "retired" and old.retirement_reason == "end_of_life"
    assert old.purchase_cost == Decimal("1234.56")
    assert Asset.objects.get(tag="SNIPE-005").status == "in_maintenance"
    assert Asset.objects.get(tag="SNIPE-006").status == "missing"


def test_snipeit_without_create_names_what_to_create(it):
    report = service.import_assets((DATA / "import_snipeit.csv").read_bytes(), actor=it)
    assert len(report.errors) == 6 and not report.applied
    assert "create=1" in report.errors[0]["message"]
    assert Asset.objects.count() == 0


def test_existing_people_matched_by_username_then_email(it):
    alice = make_user("employee", username="asmith")
    bob = make_user("employee", username="robert", email="bob@example.com")
    report = service.import_assets(
        (DATA / "import_snipeit.csv").read_bytes(), actor=it, create=True
    )
    assert report.errors == []
    assert Asset.objects.get(tag="SNIPE-001").assigned_user == alice
    assert Asset.objects.get(tag="SNIPE-003").assigned_user == bob


def test_reimport_updates_not_duplicates(it):
    data = (DATA / "import_snipeit.csv").read_bytes()
    service.import_assets(data, actor=it, create=True)
    history_rows = Asset.history.count()
    dry = service.import_assets(data, actor=it, create=True, dry_run=True)
    assert (dry.created, dry.updated, dry.unchanged) == (0, 6, 6)
    again = service.import_assets(data, actor=it, create=True)
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 6, 6, [])
    assert Asset.objects.count() == 6
    assert Asset.history.count() == history_rows  # nothing changed, so no "edited" rows


def test_reimport_with_changes_edits_only_what_changed(it, laptops):
    data = big_csv(5)
    service.import_assets(data, actor=it)
    changed = data.replace(b"Laptop 3,", b"Laptop three,")
    report = service.import_assets(changed, actor=it)
    assert (report.created, report.updated, report.unchanged) == (0, 5, 4)
    edited = Asset.objects.get(tag="IMP-000003")
    assert edited.name == "Laptop three"
    last = edited.history.order_by("-history_id").first()
    assert (last.history_action, last.history_change_reason) == ("edit", "Imported from CSV")
    assert Asset.history.filter(history_action="edit").count() == 1


def test_match_on_serial_when_no_tag(it, laptops):
    asset = make_asset(name="Old name", category=laptops, serial_number="XYZ")
    data = b"Serial Number,Name,Purchase Cost\nXYZ,New name,10\n"
    report = service.import_assets(data, actor=it)
    assert (report.created, report.updated) == (0, 1)
    asset.refresh_from_db()
    assert asset.name == "New name" and asset.purchase_cost == Decimal("10")


def test_tags_are_never_reused_or_repeated(it, laptops):
    gone = make_asset(category=laptops, tag="OLD-1")
    gone_pk = gone.pk
    Asset.objects.filter(pk=gone_pk).delete()
    data = b"Asset Tag,Category\nOLD-1,Laptops\nNEW-1,Laptops\nnew-1,Laptops\nbad tag!,Laptops\n"
    report = service.import_assets(data, actor=it, dry_run=True)
    assert [(e["row"], e["column"]) for e in report.errors] == [
        (2, "Asset Tag"),
        (4, "Asset Tag"),
        (5, "Asset Tag"),
    ]


def test_deployed_without_holder_is_an_error(it, laptops):
    report = service.import_assets(b"Category,Status\nLaptops,Deployed\n", actor=it, dry_run=True)
    assert report.errors[0]["column"] == "Checked Out To"


def test_location_path_matches_existing_tree(it, laptops):
    hq = LocationFactory(name="HQ")
    room = LocationFactory(name="Room 1", parent=LocationFactory(name="Building A", parent=hq))
    data = "Category;Location\nLaptops;HQ › Building A › Room 1\n".encode()
    report = service.import_assets(data, actor=it)
    assert report.errors == []
    assert Asset.objects.get().location == room


@pytest.mark.parametrize("size", [1000, 10_000])
def test_speed(it, laptops, size, capsys):
    """Not a gate, a measurement: prints the times (run with -s to see them)."""
    if not os.environ.get("ITAM_IMPORT_SPEED"):
        pytest.skip("set ITAM_IMPORT_SPEED=1 to time the import")
    data = big_csv(size)
    started = time.perf_counter()
    dry = service.import_assets(data, actor=it, dry_run=True)
    dry_time = time.perf_counter() - started
    started = time.perf_counter()
    applied = service.import_assets(data, actor=it)
    apply_time = time.perf_counter() - started
    assert dry.created == applied.created == size
    with capsys.disabled():
        print(f"\nimport {size} rows: dry run {dry_time:.1f}s, apply {apply_time:.1f}s")


def test_dry_run_catches_what_the_lifecycle_would_refuse(it, laptops):
    make_user("employee", username="gone", is_active=False)
    missing = make_asset("missing", category=laptops, tag="MIS-1")
    LocationFactory(name="Annex")
    data = b"Asset Tag,Category,Username,Location\nNEW-1,Laptops,gone,\nMIS-1,Laptops,,Annex\n"
    report = service.import_assets(data, actor=it, dry_run=True)
    assert [(e["row"], e["column"]) for e in report.errors] == [(2, "Username"), (3, "Location")]
    assert "inactive" in report.errors[0]["message"]
    assert missing.tag in report.errors[1]["message"]


def test_holder_named_by_full_name_only(it, laptops):
    carol = make_user("employee", username="c.w", first_name="Carol", last_name="White")
    make_user("employee", username="d1", first_name="Dan", last_name="Brown")
    make_user("employee", username="d2", first_name="Dan", last_name="Brown")
    data = b"Category,Checked Out To\nLaptops,carol  white\nLaptops,Dan Brown\n"
    report = service.import_assets(data, actor=it, dry_run=True, create=True)
    assert [(e["row"], e["column"]) for e in report.errors] == [(3, "Checked Out To")]
    report = service.import_assets(data, actor=it, create=True, skip_bad=True)
    assert report.created == 1
    assert Asset.objects.get().assigned_user == carol


# --- review fixes -----------------------------------------------------------------------------


def test_sequence_tags_step_over_pre_printed_tags_in_the_same_file(it, laptops):
    data = b"Asset Tag,Name,Category\n,First,Laptops\nIT-000001,Labelled,Laptops\n"
    report = service.import_assets(data, actor=it)
    assert report.errors == [] and report.created == 2
    assert Asset.objects.get(tag="IT-000001").name == "Labelled"
    assert Asset.objects.get(name="First").tag != "IT-000001"


def test_two_new_people_sharing_an_email_name_are_a_row_error_not_one_account(it, laptops):
    data = b"Name,Category,Email\nA,Laptops,john@a.example\nB,Laptops,john@b.example\n"
    dry = service.import_assets(data, actor=it, create=True, dry_run=True)
    assert [(e["row"], e["column"]) for e in dry.errors] == [(3, "Email")]
    assert "Username column" in dry.errors[0]["message"]


def test_dry_run_reports_people_that_could_not_be_created(it, laptops):
    make_user("employee", username="john", email="john@old.example")
    data = (
        b"Name,Category,Username,Email\n"
        b"A,Laptops,bad user!,\n"
        b"B,Laptops,,not-an-email\n"
        b"C,Laptops,,john@newco.example\n"
    )
    dry = service.import_assets(data, actor=it, create=True, dry_run=True)
    assert [(e["row"], e["column"]) for e in dry.errors] == [
        (2, "Username"),
        (3, "Email"),
        (4, "Email"),
    ]
    assert "belongs to someone else" in dry.errors[2]["message"]


def test_skip_bad_forgets_what_a_failed_row_created(it, monkeypatch):
    """A row rolled back with its savepoint must not leave later rows pointing at a category
    that no longer exists."""

    def refuse(*args, **kwargs):
        raise ValidationError("The repair cannot start.")

    monkeypatch.setattr(service.lifecycle, "start_maintenance", refuse)
    data = b"Name,Category,Status\nA,Gadgets,Out for repair\nB,Gadgets,Ready to Deploy\n"
    report = service.import_assets(data, actor=it, create=True, skip_bad=True)
    assert [e["row"] for e in report.errors] == [2]
    assert report.applied and report.created == 1
    assert Asset.objects.get(name="B").category.name == "Gadgets"


def test_a_warranty_past_the_calendar_is_a_row_error(it, laptops):
    data = b"Name,Category,Purchase Date,Warranty Months\nA,Laptops,9999-12-31,12\n"
    report = service.import_assets(data, actor=it, dry_run=True)
    assert [(e["row"], e["column"]) for e in report.errors] == [(2, "Warranty Months")]


def test_nul_bytes_are_dropped_not_a_server_error(it, laptops):
    data = b"Name,Category,Serial Number\nA\x00,Laptops,S\x001\n"
    report = service.import_assets(data, actor=it)
    assert report.errors == []
    assert Asset.objects.get(serial_number="S1").name == "A"


def test_create_needs_the_right_to_add_what_it_creates(laptops):
    """A custom group with asset rights only may import, but not make categories or accounts."""
    clerk = make_user()
    clerk.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="assets", codename__in=["add_asset", "change_asset"]
        )
    )
    data = b"Name,Category,Email\nA,Laptops,new@example.com\n"
    with pytest.raises(PermissionDenied):
        service.import_assets(data, actor=clerk, create=True)
    assert service.import_assets(b"Name,Category\nA,Laptops\n", actor=clerk).created == 1
