"""Importing locations, people and licences from CSV: services and the per-kind API.

Each kind: creates, re-imports as updates, dry runs write nothing, bad rows are reported with
row, column and message and refuse the whole file unless skip_bad, create=1 makes what is
missing, Snipe-IT's export layout is understood, and only the right roles may import.
"""

import datetime
import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from assets.choices import LocationKind
from assets.importer.kinds import KINDS
from assets.importer.licenses import import_licenses
from assets.importer.locations import import_locations
from assets.importer.people import import_people
from assets.models import Department, Location, Profile
from maintenance import licenses as licence_service
from maintenance.models import SoftwareLicense
from tests.factories import DepartmentFactory, VendorFactory, make_asset, make_user

pytestmark = pytest.mark.django_db
User = get_user_model()


def csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def errors(report) -> list[tuple[int, str]]:
    return [(e["row"], e["column"]) for e in report.errors]


@pytest.fixture
def it():
    return make_user("it")


@pytest.fixture
def admin():
    return make_user("admin")


def path_of(location: Location) -> str:
    return location.full_name


# --- locations ---------------------------------------------------------------------------------

TREE = csv(
    "Name,Parent,Type",
    "Room 201,Floor 2,room",
    "Floor 2,Building A,floor",
    "Building A,,building",
)


def test_locations_parents_in_later_rows_count_as_known(it):
    report = import_locations(TREE, actor=it)
    assert report.applied and report.errors == []
    assert (report.created, report.updated) == (3, 0)
    room = Location.objects.get(name="Room 201")
    assert room.full_name == "Building A › Floor 2 › Room 201"
    assert room.kind == LocationKind.ROOM

    again = import_locations(
        TREE.replace(b"Room 201,Floor 2,room", b"room 201,floor 2,floor"), actor=it
    )
    assert (again.created, again.updated, again.unchanged) == (0, 3, 2)
    assert Location.objects.count() == 3
    room.refresh_from_db()
    assert room.kind == LocationKind.FLOOR and room.name == "Room 201"


@pytest.mark.parametrize("separator", [" › ", " > ", ">"])
def test_location_paths_need_create_for_unknown_parents(it, separator):
    data = csv("Location", separator.join(["Building A", "Floor 2", "Room 201"]))
    refused = import_locations(data, actor=it)
    assert errors(refused) == [(2, "Parent (a name or a path)")]
    assert "create=1" in refused.errors[0]["message"]
    assert Location.objects.count() == 0

    made = import_locations(data, actor=it, create=True)
    assert (made.created, made.updated) == (1, 0)  # parents made on the way are not rows
    room = Location.objects.get(name="Room 201")
    assert room.full_name == "Building A › Floor 2 › Room 201"
    kinds = {loc.name: loc.kind for loc in Location.objects.all()}
    assert kinds == {"Building A": "building", "Floor 2": "floor", "Room 201": "room"}


def test_location_names_may_hold_a_slash(it):
    data = csv("Name,Parent", "HQ,", "R&D / Lab,HQ", "Bench 1/2,HQ › R&D / Lab")
    report = import_locations(data, actor=it)
    assert report.errors == [] and report.created == 3
    bench = Location.objects.get(name="Bench 1/2")
    assert bench.full_name == "HQ › R&D / Lab › Bench 1/2"
    assert Location.objects.filter(name__in=["R&D", "Lab", "Bench 1", "2"]).count() == 0


def test_location_parent_found_in_database_by_name_or_path(it):
    hq = Location.objects.create(name="HQ")
    Location.objects.create(name="Floor 1", parent=hq)
    data = csv("Name,Parent", "Room 1,Floor 1", "Room 2,HQ > Floor 1", "Lobby,hq")
    report = import_locations(data, actor=it)
    assert report.errors == [] and report.created == 3
    assert Location.objects.get(name="Room 2").parent.name == "Floor 1"
    assert Location.objects.get(name="Lobby").parent == hq


def test_location_ambiguous_parent_asks_for_a_path(it):
    for site in ("North", "South"):
        Location.objects.create(name="Floor 1", parent=Location.objects.create(name=site))
    report = import_locations(csv("Name,Parent", "Room 9,Floor 1"), actor=it, create=True)
    assert errors(report) == [(2, "Parent")]
    assert "North › Floor 1" in report.errors[0]["message"]


def test_location_bad_rows_write_nothing_unless_skipped(it):
    data = csv(
        "Name,Parent,Type",
        "Site X,,site",
        "Loop A,Loop B,",
        "Loop B,Loop A,",
        "Self,Self,",
        "Odd,Site X,palace",
        "Under odd,Odd,",
        "Fine,Site X,room",
    )
    report = import_locations(data, actor=it)
    assert errors(report) == [
        (3, "Parent"),
        (4, "Parent"),
        (5, "Parent"),
        (6, "Type"),
        (7, "Parent"),
    ]
    messages = {e["row"]: e["message"] for e in report.errors}
    assert "loop" in messages[3] and "own parent" in messages[5]
    assert "palace" in messages[6] and "row 6" in messages[7]
    assert not report.applied and Location.objects.count() == 0

    skipped = import_locations(data, actor=it, skip_bad=True)
    assert skipped.applied and (skipped.created, len(skipped.errors)) == (2, 5)
    assert sorted(Location.objects.values_list("name", flat=True)) == ["Fine", "Site X"]


def test_location_dry_run_counts_and_writes_nothing(it):
    Location.objects.create(name="Building A")
    report = import_locations(TREE, actor=it, dry_run=True)
    assert (report.created, report.updated, report.applied) == (2, 1, False)
    assert Location.objects.count() == 1


def test_location_duplicate_rows_refused(it):
    report = import_locations(csv("Name", "Depot", "depot"), actor=it)
    assert errors(report) == [(3, "Name")] and "row 2" in report.errors[0]["message"]


def test_locations_snipeit_export_layout(it):
    data = csv(
        "ID,Name,Parent,Manager,Address,Address2,City,State,Country,Zip,Currency",
        "1,Head Office,,Ann Boss,1 Main St,Suite 4,Springfield,IL,US,62701,USD",
        "2,Stock Room,Head Office,,,,,,,,USD",
    )
    report = import_locations(data, actor=it)
    assert report.errors == [] and report.created == 2
    office = Location.objects.get(name="Head Office")
    assert office.address == "1 Main St, Suite 4, Springfield, IL, 62701, US"
    assert Location.objects.get(name="Stock Room").parent == office
    assert any("Manager" in w for w in report.warnings)


# --- people ------------------------------------------------------------------------------------

SNIPE_USERS = csv(
    "First Name,Last Name,Username,Email,Employee Number,Title,Phone,Department,Location,Manager,"
    "Activated",
    "Ada,Lovelace,ada,ada@example.com,E-1,Engineer,555-0101,Research,HQ,,1",
    "Alan,Turing,alan,alan@example.com,E-2,Cryptographer,,Research,HQ,ada,1",
)


def test_people_snipeit_layout_creates_accounts_without_passwords(it):
    missing = import_people(SNIPE_USERS, actor=it)
    assert errors(missing) == [(2, "Department"), (3, "Department")]
    assert not User.objects.filter(username="ada").exists()

    report = import_people(SNIPE_USERS, actor=it, create=True)
    assert report.applied and (report.created, report.updated) == (2, 0)
    ada = User.objects.get(username="ada")
    assert not ada.has_usable_password() and ada.is_active
    assert (ada.first_name, ada.last_name, ada.email) == ("Ada", "Lovelace", "ada@example.com")
    profile = Profile.objects.get(user=ada)
    assert (profile.employee_number, profile.job_title, profile.phone) == (
        "E-1",
        "Engineer",
        "555-0101",
    )
    assert profile.department.name == "Research" and Department.objects.count() == 1
    assert any("Location" in w for w in report.warnings)

    again = import_people(SNIPE_USERS.replace(b"Engineer", b"Mathematician"), actor=it)
    assert (again.created, again.updated) == (0, 2) and User.objects.count() == 3  # + it
    assert Profile.objects.get(user=ada).job_title == "Mathematician"


def test_people_matched_by_email_when_no_username(it):
    person = make_user("employee", username="bob", email="Bob@Example.com")
    report = import_people(csv("Email,Full Name", "bob@example.com,Robert Smith"), actor=it)
    assert (report.created, report.updated) == (0, 1)
    person.refresh_from_db()
    assert (person.first_name, person.last_name) == ("Robert", "Smith")


def test_people_new_username_from_email(it):
    report = import_people(csv("Email", "carol@example.com"), actor=it)
    assert report.created == 1
    assert User.objects.get(username="carol").email == "carol@example.com"


def test_people_bad_rows_reported(it):
    make_user("employee", username="dave", email="dave@example.com")
    data = csv(
        "Username,Email,Active",
        "eve,not-an-email,yes",
        "bad name!,x@example.com,",
        "other,dave@example.com,",
        "frank,frank@example.com,perhaps",
        ",,",
        "gina,gina@example.com,yes",
        "gina,gina2@example.com,",
    )
    report = import_people(data, actor=it, dry_run=True)
    assert errors(report) == [
        (2, "Email"),
        (3, "Username"),
        (4, "Username"),  # dave's e-mail: no renames
        (5, "Active"),
        (8, "Username"),
    ]
    assert report.created == 1  # gina; the blank row is skipped
    assert "rename" in report.errors[2]["message"]
    assert not User.objects.filter(username="gina").exists()
    skipped = import_people(data, actor=it, skip_bad=True)
    assert skipped.applied and skipped.created == 1
    assert User.objects.filter(username="gina").exists()


def test_people_email_change_and_reactivation_are_for_administrators(it, admin):
    person = make_user("employee", username="hal", email="hal@example.com")
    User.objects.filter(username="hal").update(is_active=False)
    data = csv("Username,Email,Active", "hal,hal@evil.example,yes")
    refused = import_people(data, actor=it)
    assert errors(refused) == [(2, "Email")]
    refused = import_people(csv("Username,Active", "hal,yes"), actor=it)
    assert errors(refused) == [(2, "Active")] and "administrator" in refused.errors[0]["message"]
    done = import_people(data, actor=admin)
    assert done.applied
    person.refresh_from_db()
    assert person.email == "hal@evil.example" and person.is_active


def test_people_role_column_only_for_administrators(it, admin):
    make_user("employee", username="ivy")
    data = csv("Username,Role", "ivy,IT staff", "jon,Auditors")
    refused = import_people(data, actor=it)
    assert errors(refused) == [(2, "Role"), (3, "Role")]
    assert "administrator" in refused.errors[0]["message"]
    assert not User.objects.filter(username="jon").exists()

    unknown = import_people(csv("Username,Role", "ivy,Wizards"), actor=admin)
    assert errors(unknown) == [(2, "Role")]
    report = import_people(data, actor=admin)
    assert report.applied
    assert list(User.objects.get(username="ivy").groups.values_list("name", flat=True)) == [
        "IT staff"
    ]
    assert User.objects.get(username="jon").groups.filter(name="Auditors").exists()


def test_people_deactivating_a_holder_is_refused(it):
    holder = make_user("employee", username="kim")
    asset = make_asset("deployed", holder=holder)
    make_user("employee", username="lee")
    data = csv("Username,Active", "kim,no", "lee,no", f"{it.username},no")
    report = import_people(data, actor=it)
    assert errors(report) == [(2, "Active"), (4, "Active")]
    assert asset.tag in report.errors[0]["message"] and "offboard" in report.errors[0]["message"]
    assert "your own" in report.errors[1]["message"]
    assert User.objects.get(username="lee").is_active  # nothing written

    skipped = import_people(data, actor=it, skip_bad=True)
    assert skipped.updated == 1
    assert not User.objects.get(username="lee").is_active
    assert User.objects.get(username="kim").is_active


def test_people_deactivating_a_seat_holder_is_refused(it):
    holder = make_user("employee", username="mo")
    licence = licence_service.create_license(actor=it, product="Editor", seats=2)
    licence_service.assign_seat(licence, actor=it, user=holder)
    report = import_people(csv("Username,Active", "mo,false"), actor=it)
    assert errors(report) == [(2, "Active")] and "licence seat" in report.errors[0]["message"]


# --- licences ----------------------------------------------------------------------------------

SNIPE_LICENCES = csv(
    "Name,Product Key,Seats,Licensed to Name,Licensed to Email,Supplier,Manufacturer,"
    "Purchase Date,Purchase Cost,Order Number,Expiration Date,Notes,Category,Remaining",
    "Acrobat Pro,AAAA-1111,10,Acme Ltd,it@acme.example,SoftShop,Adobe,01/02/2024,"
    '"$1,200.00",PO-77,2026-02-01,Team licence,Office,8',
    "Photoshop,BBBB-2222,2,,,SoftShop,Adobe,2024-03-01,300,,,,Design,2",
)


def test_licences_snipeit_layout_create_then_update(it):
    missing = import_licenses(SNIPE_LICENCES, actor=it)
    assert errors(missing) == [(2, "Supplier"), (3, "Supplier")]
    assert SoftwareLicense.objects.count() == 0

    report = import_licenses(SNIPE_LICENCES, actor=it, create=True)
    assert report.applied and (report.created, report.updated) == (2, 0)
    acrobat = SoftwareLicense.objects.get(product="Acrobat Pro")
    assert (acrobat.key, acrobat.seats, acrobat.vendor.name) == ("AAAA-1111", 10, "SoftShop")
    assert acrobat.cost == Decimal("1200.00")
    assert acrobat.purchased_on == datetime.date(2024, 2, 1)
    assert acrobat.expires_on == datetime.date(2026, 2, 1)
    assert acrobat.notes.splitlines() == [
        "Team licence",
        "Licensed to: Acme Ltd",
        "Licensed to e-mail: it@acme.example",
        "Manufacturer: Adobe",
        "Category: Office",
        "Order number: PO-77",
    ]
    assert any("Remaining" in w for w in report.warnings)

    again = import_licenses(SNIPE_LICENCES.replace(b",10,", b",12,"), actor=it)
    assert (again.created, again.updated, again.unchanged) == (0, 2, 1)
    assert SoftwareLicense.objects.count() == 2
    photoshop = SoftwareLicense.objects.get(product="Photoshop")
    assert photoshop.notes == "Manufacturer: Adobe\nCategory: Design"  # not repeated
    assert SoftwareLicense.objects.get(product="Acrobat Pro").seats == 12


def test_licence_seats_below_those_in_use_refused(it):
    licence = licence_service.create_license(actor=it, product="CAD", key="K-1", seats=3)
    for _ in range(2):
        licence_service.assign_seat(licence, actor=it, user=make_user("employee"))
    data = csv("Product,Key,Seats", "CAD,K-1,1", "Viewer,,5")
    report = import_licenses(data, actor=it)
    assert errors(report) == [(2, "Seats")]
    assert "2 seats are in use" in report.errors[0]["message"]
    licence.refresh_from_db()
    assert licence.seats == 3 and SoftwareLicense.objects.count() == 1


def test_licence_bad_rows_dry_run_and_skip(it):
    VendorFactory(name="SoftShop")
    data = b"""Product,Seats,Supplier,Purchase Date,Expiration Date,Purchase Cost
Good,5,SoftShop,2024-01-01,2025-01-01,10
No seats,,SoftShop,,,
Backwards,5,,2024-05-01,2024-01-01,
Bad date,5,,2024-02-30,,
Costly,5,,,,-3
,5,,,,
Nobody sells,5,Unknown Co,,,
"""
    dry = import_licenses(data, actor=it, dry_run=True)
    assert errors(dry) == [
        (3, "Seats"),
        (4, "Expiration Date"),
        (5, "Purchase Date"),
        (6, "Purchase Cost"),
        (7, "Product"),
        (8, "Supplier"),
    ]
    assert (dry.created, dry.updated) == (1, 0) and SoftwareLicense.objects.count() == 0
    refused = import_licenses(data, actor=it)
    assert not refused.applied and SoftwareLicense.objects.count() == 0
    skipped = import_licenses(data, actor=it, skip_bad=True)
    assert skipped.applied and skipped.created == 1
    assert list(SoftwareLicense.objects.values_list("product", flat=True)) == ["Good"]


def test_licence_our_export_reimports_by_id(it):
    owner = make_user("it", username="olga", first_name="Olga", last_name="Ng")
    first = licence_service.create_license(actor=it, product="Suite", version="1", seats=5)
    licence_service.create_license(actor=it, product="Suite", version="2", seats=5)
    data = csv(
        "id,product,version,vendor,seats,seats_used,cost,purchased_on,expires_on,owner",
        f"{first.pk},Suite,1,,7,0,,,,Olga Ng",
        "99999,Other,,,3,0,,,,olga",  # another system's id: not ours, a new licence
    )
    report = import_licenses(data, actor=it)
    assert report.errors == [] and (report.created, report.updated) == (1, 1)
    first.refresh_from_db()
    assert first.seats == 7 and first.owner == owner


def test_licence_foreign_id_with_another_key_never_overwrites_ours(it):
    ours = licence_service.create_license(actor=it, product="Office", key="OUR-OWN-KEY", seats=9)
    other = licence_service.create_license(actor=it, product="Other", seats=1)
    assert other.pk != ours.pk
    foreign = csv("ID,Name,Product Key,Seats", f"{ours.pk},Office,SNIPE-B,4")
    report = import_licenses(foreign, actor=it, skip_bad=True)
    assert errors(report) == [(2, "ID")]
    message = report.errors[0]["message"]
    assert f"ID {ours.pk} belongs to another licence here" in message
    assert "OUR-OWN-KEY" not in json.dumps(report.as_dict())
    assert "SNIPE-B" not in json.dumps(report.as_dict())
    ours.refresh_from_db()
    assert (ours.key, ours.seats) == ("OUR-OWN-KEY", 9)
    assert SoftwareLicense.objects.count() == 2

    # The same key, or no key on either side, is the same licence: the ID is trusted.
    same = import_licenses(
        csv("ID,Name,Product Key,Seats", f"{ours.pk},Office,OUR-OWN-KEY,4"), actor=it
    )
    assert same.errors == [] and same.updated == 1
    ours.refresh_from_db()
    assert ours.seats == 4
    unkeyed = import_licenses(csv("ID,Name,Seats", f"{other.pk},Other,3"), actor=it)
    assert unkeyed.errors == [] and unkeyed.updated == 1
    other.refresh_from_db()
    assert other.seats == 3


def test_licence_id_without_key_matches_only_as_a_keyless_row_would(it):
    ours = licence_service.create_license(actor=it, product="Office", key="K-1", seats=9)
    licence_service.create_license(actor=it, product="Office", key="K-2", seats=5)
    # Our export has no keys: with two keyed "Office" licences the ID alone does not pick one.
    report = import_licenses(csv("id,product,seats", f"{ours.pk},Office,4"), actor=it)
    assert errors(report) == [(2, "product")] and "2 licences" in report.errors[0]["message"]
    ours.refresh_from_db()
    assert ours.seats == 9


def test_licence_without_key_fills_the_one_unkeyed(it):
    licence_service.create_license(actor=it, product="Tool", seats=1)
    report = import_licenses(csv("Product,Key,Seats", "Tool,T-1,1"), actor=it)
    assert report.updated == 1
    assert SoftwareLicense.objects.get().key == "T-1"
    twins = import_licenses(csv("Product,Seats", "Tool,1"), actor=it)
    assert twins.updated == 1
    licence_service.create_license(actor=it, product="Tool", key="T-2", seats=1)
    ambiguous = import_licenses(csv("Product,Seats", "Tool,2"), actor=it)
    assert errors(ambiguous) == [(2, "Product")] and "2 licences" in ambiguous.errors[0]["message"]


def test_licence_errors_never_show_keys(it):
    licence_service.create_license(actor=it, product="Vault", key="SECRET-KEY", seats=2)
    report = import_licenses(csv("Product,Key,Seats", "Vault,SECRET-KEY,0"), actor=it)
    assert errors(report) == [(2, "Seats")]
    assert "SECRET" not in json.dumps(report.as_dict())


@pytest.mark.parametrize("runner", [import_locations, import_people, import_licenses])
@pytest.mark.parametrize("role", ["employee", "manager", "auditor"])
def test_services_refuse_other_roles(runner, role):
    with pytest.raises(PermissionDenied):
        runner(csv("Name", "x"), actor=make_user(role), dry_run=True)


# --- the API -----------------------------------------------------------------------------------

FILES = {
    "locations": csv("Name,Parent", "Depot,"),
    "people": csv("Username,Email", "pat,pat@example.com"),
    "licenses": csv("Product,Seats", "Editor,3"),
}


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post(api, kind: str, data: bytes, query: str = "", **extra):
    file = SimpleUploadedFile(f"{kind}.csv", data, content_type="text/csv")
    return api.post(f"/api/v1/imports/{kind}/{query}", {"file": file, **extra}, format="multipart")


@pytest.mark.parametrize("kind", sorted(FILES))
@pytest.mark.parametrize("role", ["employee", "manager", "auditor"])
def test_api_other_roles_get_403(kind, role):
    response = post(api_for(make_user(role)), kind, FILES[kind])
    assert response.status_code == 403 and response.json()["detail"]


@pytest.mark.parametrize("kind", sorted(FILES))
def test_api_it_staff_dry_run_then_import(kind, it):
    api = api_for(it)
    dry = post(api, kind, FILES[kind], "?dry_run=1")
    assert dry.status_code == 200, dry.json()
    body = dry.json()
    assert (body["rows"], body["created"], body["dry_run"], body["applied"]) == (1, 1, True, False)
    done = post(api, kind, FILES[kind])
    assert done.status_code == 200 and done.json()["applied"] is True
    again = post(api, kind, FILES[kind])
    assert (again.json()["created"], again.json()["updated"]) == (0, 1)


def test_api_bad_rows_are_a_400_report_and_skip_bad(it):
    data = csv("Product,Seats", "Good,2", "Bad,lots")
    api = api_for(it)
    refused = post(api, "licenses", data)
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        {"row": 3, "column": "Seats", "message": "How many seats: “lots” is not a whole number."}
    ]
    assert SoftwareLicense.objects.count() == 0
    skipped = post(api, "licenses", data, "?skip_bad=1")
    assert skipped.status_code == 200 and skipped.json()["created"] == 1


def test_api_create_flag(it):
    data = csv("Username,Department", "quin,Legal")
    assert post(api_for(it), "people", data).status_code == 400
    assert post(api_for(it), "people", data, "?create=1").status_code == 200
    assert Profile.objects.get(user__username="quin").department.name == "Legal"


def test_api_mapping(it):
    data = csv("Site,Comments", "Depot,ignore me")
    api = api_for(it)
    mapped = post(api, "locations", data, mapping=json.dumps({"Site": "name", "Comments": ""}))
    assert mapped.status_code == 200, mapped.json()
    assert mapped.json()["warnings"] == [] and Location.objects.filter(name="Depot").exists()

    unknown = post(api, "locations", data, mapping=json.dumps({"Site": "colour"}))
    assert unknown.status_code == 400 and "colour" in unknown.json()["detail"]
    broken = post(api, "locations", data, mapping="{not json")
    assert broken.status_code == 400 and "JSON" in broken.json()["detail"]
    wrong = post(api, "locations", data, mapping=json.dumps(["name"]))
    assert wrong.status_code == 400


def test_api_unknown_kind_is_404_json(it):
    response = post(api_for(it), "spaceships", FILES["people"])
    assert response.status_code == 404 and "spaceships" in response.json()["detail"]


def test_api_missing_file_and_anonymous(it):
    assert api_for(it).post("/api/v1/imports/people/", {}, format="multipart").status_code == 400
    assert post(APIClient(), "people", FILES["people"]).status_code in (401, 403)


def test_kinds_registry_lists_every_kind():
    assert set(KINDS) == {"assets", "locations", "people", "licenses"}
    for kind in KINDS.values():
        assert set(kind.required) <= set(kind.aliases) <= set(kind.labels)
        assert kind.create_help


def test_department_made_once_for_many_rows(it):
    DepartmentFactory(name="Sales", slug="sales")
    data = csv("Username,Department", "r1,Sales", "r2,New Dept", "r3,new dept")
    report = import_people(data, actor=it, create=True)
    assert report.created == 3
    assert sorted(Department.objects.values_list("name", flat=True)) == ["New Dept", "Sales"]
