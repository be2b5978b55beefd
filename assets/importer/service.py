"""Import assets from CSV: check every row first, then write all of them or none.

Flow: read and map the columns; look up every category, model, maker, vendor, location, person,
tag and serial the file names in a few queries; check each row into a plan (or row errors); then,
in one transaction, create what ``create=1`` allows and run each plan through ``assets.lifecycle``
(``register`` plus the move that reaches the row's status, or ``update_details``). A dry run stops
after the checks (its ``created`` and ``updated`` count the good rows). Without ``skip_bad`` one
bad row writes nothing; with it, only the good rows are written.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Concat, Lower
from django.utils.text import slugify

from itam.errors import Conflict

from .. import lifecycle
from ..choices import AssetStatus, RetirementReason
from ..lifecycle import intake
from ..lifecycle.intake import NewAsset
from ..models import Asset, AssetModel, Category, Location, Manufacturer, Vendor
from ..tags import TAG_PATTERN
from .columns import LABELS, map_header
from .parsing import FileRefused, parse_date, parse_money, read_rows

User = get_user_model()
S = AssetStatus

__all__ = ["FileRefused", "ImportReport", "import_assets"]

# What a status cell may say, and the state it leads to.
STATUS_WORDS: dict[str, str] = {
    "pending": S.IN_STOCK,
    "ready to deploy": S.IN_STOCK,
    "in stock": S.IN_STOCK,
    "deployable": S.IN_STOCK,
    "available": S.IN_STOCK,
    "deployed": S.DEPLOYED,
    "checked out": S.DEPLOYED,
    "archived": S.RETIRED,
    "retired": S.RETIRED,
    "broken": S.IN_MAINTENANCE,
    "out for repair": S.IN_MAINTENANCE,
    "in maintenance": S.IN_MAINTENANCE,
    "lost/stolen": S.MISSING,
    "lost": S.MISSING,
    "stolen": S.MISSING,
    "missing": S.MISSING,
}
ACCEPTED_STATUSES = (
    "Pending, Ready to Deploy, In stock, Deployed, Archived, Retired, Broken, Out for repair, "
    "In maintenance, Lost/Stolen, Missing"
)
IMPORT_REASON = "Imported from CSV"
# ``create=1`` adds catalogue rows and accounts (people get a Profile): the rights to add each.
CREATE_PERMISSIONS = tuple(
    f"assets.add_{model}"
    for model in ("category", "manufacturer", "assetmodel", "vendor", "location", "profile")
)


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    applied: bool = False
    unchanged: int = 0  # of the ``updated`` rows, those the asset already matched: no history

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.errors,
            "warnings": self.warnings,
            "dry_run": self.dry_run,
            "applied": self.applied,
        }


class RowError(Exception):
    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field_name = field_name
        self.message = message


@dataclass
class Plan:
    row: int
    fields: dict[str, Any]
    tag: str = ""
    asset: Asset | None = None
    target: str = S.IN_STOCK
    person: Any = None  # a User, or a dict describing one to create
    refs: dict[str, Any] = field(default_factory=dict)  # field -> a ("new", key) to create


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


def _split_path(text: str) -> list[str]:
    return [part.strip() for part in text.replace("›", ">").split(">") if part.strip()]


class _Lookups:
    """Every referenced record, fetched in a few queries before any row is checked."""

    def __init__(self, values: dict[str, set[str]]):
        self.categories = {
            c.name.lower(): c
            for c in Category.objects.annotate(k=Lower("name")).filter(k__in=values["category"])
        }
        self.makers = {
            m.name.lower(): m
            for m in Manufacturer.objects.annotate(k=Lower("name")).filter(
                k__in=values["manufacturer"]
            )
        }
        self.models: dict[str, list[AssetModel]] = {}
        for m in (
            AssetModel.objects.annotate(k=Lower("name"))
            .filter(k__in=values["model"])
            .select_related("manufacturer", "category")
        ):
            self.models.setdefault(m.name.lower(), []).append(m)
        self.vendors = {
            v.name.lower(): v
            for v in Vendor.objects.annotate(k=Lower("name")).filter(k__in=values["vendor"])
        }
        # Locations: the whole tree is small next to assets; paths need the parents.
        self.locations = {(loc.parent_id, loc.name.lower()): loc for loc in Location.objects.all()}
        self.location_names: dict[str, list[Location]] = {}
        for loc in self.locations.values():
            self.location_names.setdefault(loc.name.lower(), []).append(loc)
        people = values["person"]
        self.by_username = {
            u.username.lower(): u
            for u in User.objects.annotate(k=Lower("username")).filter(k__in=people)
        }
        self.by_email: dict[str, Any] = {}
        for u in User.objects.annotate(k=Lower("email")).filter(k__in=people).order_by("pk"):
            self.by_email.setdefault(u.email.lower(), u)
        self.by_full_name: dict[str, list[Any]] = {}
        for u in User.objects.annotate(
            k=Lower(Concat("first_name", Value(" "), "last_name"))
        ).filter(k__in=values["full_name"]):
            self.by_full_name.setdefault(u.get_full_name().lower(), []).append(u)
        self.assets_by_tag = {
            a.tag.lower(): a
            for a in Asset.objects.annotate(k=Lower("tag")).filter(k__in=values["tag"])
        }
        self.used_tags = {
            t.lower()
            for t in Asset.history.annotate(k=Lower("tag"))
            .filter(k__in=values["tag"])
            .values_list("tag", flat=True)
        }
        self.assets_by_serial: dict[str, list[Asset]] = {}
        for a in Asset.objects.filter(serial_number__in=values["serial_number"]):
            self.assets_by_serial.setdefault(a.serial_number, []).append(a)


def _cell(row: list[str], indexes: dict[str, int], name: str) -> str:
    index = indexes.get(name)
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def import_assets(
    data: bytes,
    *,
    actor,
    dry_run: bool = False,
    create: bool = False,
    skip_bad: bool = False,
    mapping: dict[str, str] | None = None,
) -> ImportReport:
    """Check (and unless ``dry_run``, write) every row; raises ``FileRefused`` for an unreadable
    file and ``PermissionDenied`` for anyone who may not both add and change assets.

    ``mapping``: file column title -> field (``columns.IGNORE`` to skip it), from the upload page.
    """
    if not (actor.has_perm("assets.add_asset") and actor.has_perm("assets.change_asset")):
        raise PermissionDenied("Importing assets is for IT staff.")
    if create and not actor.has_perms(CREATE_PERMISSIONS):
        raise PermissionDenied(
            "Creating missing categories, models, makers, suppliers, places and people needs "
            "the right to add each of them: import without “create”, or ask an administrator."
        )
    header, raw_rows = read_rows(data)
    indexes, titles, warnings = map_header(header, mapping)
    report = ImportReport(dry_run=dry_run, warnings=warnings)
    if not indexes:
        raise FileRefused("None of the columns is known: is the first row the header?")

    rows = [(number, row) for number, row in enumerate(raw_rows, start=2) if row]
    report.rows = len(rows)

    def column(name: str) -> str:
        return titles.get(name) or LABELS.get(name, name)

    def error(row: int, name: str, message: str) -> None:
        report.errors.append({"row": row, "column": column(name), "message": message})

    values: dict[str, set[str]] = {
        k: set()
        for k in (
            "category",
            "manufacturer",
            "model",
            "vendor",
            "person",
            "tag",
            "serial_number",
            "full_name",
        )
    }
    for _, row in rows:
        for name in ("category", "manufacturer", "model", "vendor", "tag"):
            value = _cell(row, indexes, name)
            if value:
                values[name].add(_key(value))
        serial = _cell(row, indexes, "serial_number")
        if serial:
            values["serial_number"].add(serial)
        for name in ("checked_out_to", "username", "email"):
            value = _cell(row, indexes, name)
            if value:
                values["person"].add(value.lower())
        full = _cell(row, indexes, "full_name") or " ".join(
            p for p in (_cell(row, indexes, "first_name"), _cell(row, indexes, "last_name")) if p
        )
        for value in (full, _cell(row, indexes, "checked_out_to")):
            if value:
                values["full_name"].add(_key(value))
    lookups = _Lookups(values)

    checker = _RowChecker(lookups, indexes, create=create)
    plans: list[Plan] = []
    for number, row in rows:
        try:
            plans.append(checker.check(number, row))
        except RowError as problem:
            error(number, problem.field_name, problem.message)

    if dry_run or (report.errors and not skip_bad):
        # A dry run checks rather than rehearses: rehearsing costs as much as applying (about
        # 10 ms a row in the lifecycle's checks), and the checks above cover what it would catch
        # but races (a tag taken meanwhile), which the real import reports as row errors.
        if dry_run:
            report.created = sum(1 for plan in plans if plan.asset is None)
            report.updated = len(plans) - report.created
            report.unchanged = sum(1 for plan in plans if _unchanged(plan))
        return report

    with transaction.atomic():
        writer = _Writer(actor, checker)
        new: list[tuple[Plan, NewAsset]] = []
        edits: list[tuple[Plan, tuple[Asset, dict[str, Any]]]] = []
        for plan in plans:
            try:
                # Only the one-by-one rows need a savepoint: the batched rows write nothing here
                # but what ``_created`` guards (categories, places, people named the first time).
                if plan.asset is not None:
                    edits.append((plan, (plan.asset, writer.fields(plan))))
                    continue
                item = writer.intake(plan)
                if item is not None:
                    new.append((plan, item))
                    continue
                made = dict(writer.made)
                try:
                    with transaction.atomic():
                        writer.write(plan)
                except Exception:
                    # What the savepoint made is gone again: forget it, or a later row would
                    # point at a category or place that no longer exists.
                    writer.made = made
                    raise
            except RowError as problem:
                error(plan.row, problem.field_name, problem.message)
                continue
            except ValidationError as problem:
                for name, messages in field_messages(problem):
                    error(plan.row, name, " ".join(messages))
                continue
            except (Conflict, PermissionDenied) as problem:
                error(plan.row, "status", str(problem))
                continue
            report.created += 1
        made, _ = _batch(new, intake.register_many, actor, error, skip_bad=skip_bad)
        report.created += len(made)
        # ``updated`` counts every row matched to an asset (the API's contract since it began);
        # ``unchanged`` says how many of them already held the file's values.
        changed, report.updated = _batch(edits, intake.update_many, actor, error, skip_bad=skip_bad)
        report.unchanged = report.updated - len(changed)
        report.errors.sort(key=lambda e: e["row"])
        if report.errors and not skip_bad:
            transaction.set_rollback(True)
            report.created = report.updated = report.unchanged = 0
        else:
            report.applied = True
    return report


def _batch(
    entries: list[tuple[Plan, Any]], write: Callable[..., list[Asset]], actor, error, *, skip_bad
) -> tuple[list[Asset], int]:
    """Run one bulk lifecycle write over the rows; report its bad rows. Returns what ``write``
    returned and how many rows it took (0 when it refused).

    Without ``skip_bad`` a bad row refuses the whole import anyway, so one pass reports them.
    With it, the bad rows are dropped and the rest written (a second pass, which can only fail
    on a race: then every remaining row is reported).
    """
    for _attempt in range(2):
        if not entries:
            return [], 0
        try:
            with transaction.atomic():
                done = write([item for _, item in entries], actor=actor, reason=IMPORT_REASON)
            return done, len(entries)
        except intake.IntakeRefused as refused:
            for index, problem in refused.problems.items():
                for name, messages in field_messages(problem):
                    error(entries[index][0].row, name, " ".join(messages))
            if not skip_bad:
                return [], 0
            entries = [e for index, e in enumerate(entries) if index not in refused.problems]
        except ValidationError as problem:
            for plan, _ in entries:
                for name, messages in field_messages(problem):
                    error(plan.row, name, " ".join(messages))
            return [], 0
    return [], 0


def _unchanged(plan: Plan) -> bool:
    """A matched row whose every value the asset already holds (and nothing to create)."""
    if plan.asset is None:
        return False
    values = dict(plan.fields)
    for kind in ("category", "vendor", "location"):
        if kind in plan.refs:
            values[kind] = plan.refs[kind]
    if "model" in plan.refs:
        values["model"] = plan.refs["model"][0]
    if any(isinstance(value, tuple) for value in values.values()):
        return False  # something the file names will be created
    return not any(intake.differs(plan.asset, name, value) for name, value in values.items())


def field_messages(problem: ValidationError) -> list[tuple[str, list[str]]]:
    if hasattr(problem, "error_dict"):
        return [
            ("name" if name == "__all__" else name, messages)
            for name, messages in problem.message_dict.items()
        ]
    return [("name", problem.messages)]


class _RowChecker:
    """Turns a row into a ``Plan``, or raises ``RowError`` saying which column and why."""

    def __init__(self, lookups: _Lookups, indexes: dict[str, int], *, create: bool):
        self.lookups = lookups
        self.indexes = indexes
        self.create = create
        self.seen_tags: set[str] = set()
        self.taken_usernames: dict[str, bool] = {}  # lower-case username -> someone has it
        self.new_people: dict[str, str] = {}  # username -> e-mail of the first row naming them
        self.seen_serials: set[str] = set()

    def missing(self, name: str, what: str, value: str) -> RowError:
        return RowError(
            name,
            f"{what} “{value}” does not exist: create it first, or import with create=1.",
        )

    def check(self, number: int, row: list[str]) -> Plan:
        get = lambda name: _cell(row, self.indexes, name)  # noqa: E731
        look = self.lookups
        fields: dict[str, Any] = {}
        plan = Plan(row=number, fields=fields)

        # Which asset: tag first, then serial number.
        tag, serial = get("tag"), get("serial_number")
        if tag:
            if tag.lower() in self.seen_tags:
                raise RowError("tag", f"Tag {tag} appears more than once in the file.")
            self.seen_tags.add(tag.lower())
            plan.asset = look.assets_by_tag.get(tag.lower())
            if plan.asset is None:
                if not TAG_PATTERN.match(tag):
                    raise RowError(
                        "tag",
                        "Use 1-40 letters, digits, '-', '_' or '.', starting with a letter or "
                        "digit.",
                    )
                if tag.lower() in look.used_tags:
                    raise RowError("tag", f"Tag {tag} was used before: tags are never reused.")
                plan.tag = tag
        if plan.asset is not None and plan.asset.status == S.DISPOSED:
            raise RowError("tag", f"{plan.asset.tag} is disposed: its record is kept as it was.")
        if serial:
            if len(serial) > 100:
                raise RowError("serial_number", "Keep the serial number to 100 characters.")
            if serial in self.seen_serials:
                raise RowError("serial_number", f"Serial {serial} appears more than once.")
            self.seen_serials.add(serial)
            if plan.asset is None:
                same = look.assets_by_serial.get(serial, [])
                if len(same) > 1:
                    raise RowError(
                        "serial_number",
                        f"Serial {serial} is on {len(same)} assets: give the asset tag.",
                    )
                if same and tag:
                    raise RowError(
                        "tag",
                        f"Serial {serial} belongs to {same[0].tag}, not {tag}: tags are "
                        "never changed by an import.",
                    )
                if same:
                    plan.asset = same[0]
            fields["serial_number"] = serial

        # Catalogue.
        maker = None
        if get("manufacturer"):
            maker = look.makers.get(_key(get("manufacturer")))
            if maker is None:
                if not self.create:
                    raise self.missing("manufacturer", "Manufacturer", get("manufacturer"))
                maker = ("new", get("manufacturer"))
        category = None
        if get("category"):
            category = look.categories.get(_key(get("category")))
            if category is None:
                if not self.create:
                    raise self.missing("category", "Category", get("category"))
                category = ("new", get("category"))
        model = None
        if get("model"):
            candidates = look.models.get(_key(get("model")), [])
            if isinstance(maker, Manufacturer):
                candidates = [m for m in candidates if m.manufacturer_id == maker.pk]
            elif maker is not None:
                candidates = []
            if len(candidates) > 1:
                raise RowError("manufacturer", f"Several makers have a model “{get('model')}”.")
            if candidates:
                model = candidates[0]
            elif not self.create:
                raise self.missing("model", "Model", get("model"))
            elif maker is None:
                raise RowError(
                    "manufacturer", f"Give the manufacturer to create model “{get('model')}”."
                )
            else:
                model = ("new", get("model"))
        if category is None and isinstance(model, AssetModel):
            category = model.category
        if model is not None:
            if category is None:
                raise RowError("category", "Give the category to create the model.")
            plan.refs["model"] = (model, maker, category)
        if category is not None:
            plan.refs["category"] = category
        elif plan.asset is None:
            raise RowError("category", "A new asset needs a category (or a known model).")

        if get("vendor"):
            vendor = look.vendors.get(_key(get("vendor")))
            if vendor is None:
                if not self.create:
                    raise self.missing("vendor", "Supplier", get("vendor"))
                vendor = ("new", get("vendor"))
            plan.refs["vendor"] = vendor
        if get("location"):
            place = plan.refs["location"] = self.location(get("location"))
            if plan.asset is not None and (
                not isinstance(place, Location) or place.pk != plan.asset.location_id
            ):
                # Moving an existing asset follows the relocation rules.
                problem = lifecycle.relocation_refusal(
                    plan.asset, place if isinstance(place, Location) else Location(pk=0, name="")
                )
                if problem:
                    raise RowError("location", problem)

        # Plain values.
        name = get("name")
        if name:
            if len(name) > 200:
                raise RowError("name", "Keep the name to 200 characters.")
            fields["name"] = name
        elif plan.asset is None:
            fields["name"] = get("model") or get("category")
        if len(get("order_number")) > 100:
            raise RowError("order_number", "Keep the order number to 100 characters.")
        for text in ("order_number", "notes"):
            if get(text):
                fields[text] = get(text)
        if get("purchase_date"):
            try:
                fields["purchase_date"] = parse_date(get("purchase_date"))
            except ValueError as problem:
                raise RowError("purchase_date", str(problem)) from None
        if get("purchase_cost"):
            try:
                cost = parse_money(get("purchase_cost"))
            except ValueError as problem:
                raise RowError("purchase_cost", str(problem)) from None
            if cost < 0:
                raise RowError("purchase_cost", "Cost cannot be negative.")
            if cost >= Decimal("1e10"):
                raise RowError("purchase_cost", "Cost is too large.")
            fields["purchase_cost"] = cost
        if get("warranty_end"):
            try:
                fields["warranty_end"] = parse_date(get("warranty_end"))
            except ValueError as problem:
                raise RowError("warranty_end", str(problem)) from None
        elif get("warranty_months"):
            months = get("warranty_months").lower().replace("months", "").strip()
            if not months.isdigit() or int(months) > 1200:
                raise RowError("warranty_months", "Give the warranty as a number of months.")
            start = fields.get("purchase_date") or (plan.asset and plan.asset.purchase_date)
            if not start:
                raise RowError("warranty_months", "Warranty months need a purchase date.")
            try:
                fields["warranty_end"] = _add_months(start, int(months))
            except OverflowError:
                raise RowError(
                    "warranty_months", "The warranty would end after the year 9999."
                ) from None

        # Status and holder (new assets only: existing ones change state through moves).
        word = get("status")
        target = None
        if word:
            target = STATUS_WORDS.get(_key(word))
            if target is None:
                raise RowError(
                    "status", f"Unknown status “{word}”. Use one of: {ACCEPTED_STATUSES}."
                )
        person = self.person(get)
        if plan.asset is None:
            if person is not None and target in (None, S.IN_STOCK):
                target = S.DEPLOYED
            if target == S.DEPLOYED and person is None:
                raise RowError(
                    "checked_out_to",
                    "A deployed asset needs its holder: Checked Out To, Username or Email.",
                )
            plan.target = target or S.IN_STOCK
            plan.person = person if plan.target in (S.DEPLOYED, S.IN_MAINTENANCE) else None
        return plan

    def location(self, text: str) -> Any:
        parts = _split_path(text)
        look = self.lookups
        if len(parts) == 1:
            found = look.location_names.get(parts[0].lower(), [])
            top = [loc for loc in found if loc.parent_id is None]
            if top or len(found) == 1:
                return (top or found)[0]
            if len(found) > 1:
                raise RowError(
                    "location",
                    f"Several places are called “{parts[0]}”: give the path, "
                    "e.g. “HQ > Building A > Room 1”.",
                )
        else:
            parent_id, node = None, None
            for part in parts:
                node = look.locations.get((parent_id, part.lower()))
                if node is None:
                    break
                parent_id = node.pk
            if node is not None:
                return node
        if not self.create:
            raise self.missing("location", "Location", text)
        return ("new", tuple(parts))

    def person(self, get) -> Any:
        username, email = get("username"), get("email")
        named = get("checked_out_to")
        full = get("full_name") or " ".join(p for p in (get("first_name"), get("last_name")) if p)
        if not (username or email or named):
            return None
        look = self.lookups
        found = None
        for value, table in ((username, look.by_username), (email, look.by_email)):
            if value and value.lower() in table:
                found = table[value.lower()]
                break
        if found is None and named:
            found = look.by_username.get(named.lower()) or look.by_email.get(named.lower())
        if found is None and not (username or email):
            # Snipe-IT's export names the holder by full name only.
            same = look.by_full_name.get(_key(full or named), [])
            if len(same) > 1:
                raise RowError(
                    "checked_out_to",
                    f"{len(same)} people are called “{full or named}”: add their Username or "
                    "Email column.",
                )
            found = same[0] if same else None
        if found is not None:
            if not found.is_active:
                raise RowError(
                    "username" if username else "email" if email else "checked_out_to",
                    f"{found.get_username()} is inactive: assets go to current people.",
                )
            return found
        if not self.create:
            who = username or email or named
            raise RowError(
                "username" if username else "email" if email else "checked_out_to",
                f"Person “{who}” does not exist: create them first, or import with create=1.",
            )
        column = "username" if username else "email" if email else "checked_out_to"
        if not username:
            username = email.split("@")[0] if email else slugify(named) or named
        username = username[:150]
        self.new_person_problem(column, username, email)
        return {
            "username": username,
            "email": email,
            "full_name": full or (named if named and "@" not in named else ""),
        }

    def new_person_problem(self, column: str, username: str, email: str) -> None:
        """What would stop the account from being created, found in the checks (so a dry run
        reports it): a malformed username or e-mail, a username someone else has, or one file
        naming two different people who would get the same username."""
        try:
            User.username_validator(username)
        except ValidationError:
            raise RowError(
                column,
                f"“{username}” cannot be a username: use letters, digits and @ . + - _ only "
                "(add a Username column).",
            ) from None
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise RowError(column, f"“{email}” is not a valid e-mail address.") from None
        key = username.lower()
        if key not in self.taken_usernames:
            self.taken_usernames[key] = User.objects.filter(username__iexact=username).exists()
        if self.taken_usernames[key]:
            raise RowError(
                column,
                f"The username “{username}” belongs to someone else here: add a Username column "
                "for this person.",
            )
        first = self.new_people.setdefault(key, (email or "").lower())
        if first != (email or "").lower():
            raise RowError(
                column,
                f"Two different people in this file would both get the username “{username}”: "
                "add a Username column.",
            )


def _add_months(start: datetime.date, months: int) -> datetime.date:
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    if year > datetime.MAXYEAR:
        raise OverflowError(year)
    for day in (start.day, 30, 29, 28):
        try:
            return datetime.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


class _Writer:
    """Creates what the file names (once each) and runs each plan through the lifecycle."""

    def __init__(self, actor, checker: _RowChecker):
        self.actor = actor
        self.checker = checker
        self.made: dict[tuple, Any] = {}
        self.checklists: dict[int, list[int]] = {}

    def resolve(self, kind: str, value: Any) -> Any:
        if not isinstance(value, tuple):
            return value
        name = value[1]
        key = (kind, _key(name) if isinstance(name, str) else tuple(p.lower() for p in name))
        if key in self.made:
            return self.made[key]
        with _created(kind):
            if kind == "category":
                made = Category.objects.create(name=name[:100], slug=unique_slug(Category, name))
            elif kind == "manufacturer":
                made = Manufacturer.objects.create(
                    name=name[:100], slug=unique_slug(Manufacturer, name)
                )
            elif kind == "vendor":
                made = Vendor.objects.create(name=name[:150])
            elif kind == "location":
                made = self.location(name)
            else:
                raise AssertionError(kind)
        self.made[key] = made
        return made

    def location(self, parts: tuple[str, ...]) -> Location:
        parent = None
        for part in parts:
            node = Location.objects.filter(parent=parent, name__iexact=part).first()
            if node is None:
                node = Location.objects.create(name=part[:150], parent=parent)
            parent = node
        assert parent is not None
        return parent

    def model(self, value: tuple) -> AssetModel:
        model, maker, category = value
        if isinstance(model, AssetModel):
            return model
        key = ("model", _key(model[1]), self.resolve("manufacturer", maker).pk)
        if key not in self.made:
            manufacturer = self.resolve("manufacturer", maker)
            category = self.resolve("category", category)
            with _created("model"):
                self.made[key] = AssetModel.objects.create(
                    name=model[1][:150], manufacturer=manufacturer, category=category
                )
        return self.made[key]

    def user(self, person: Any):
        if not isinstance(person, dict):
            return person
        key = ("person", person["username"].lower())
        if key not in self.made:
            first, _, last = person["full_name"].partition(" ")
            user = User(
                username=person["username"],
                email=person["email"],
                first_name=first[:150],
                last_name=last[:150],
            )
            user.set_unusable_password()
            try:
                user.full_clean(exclude=["password"])
            except ValidationError as problem:
                raise RowError("username", " ".join(problem.messages)) from None
            with _created("username"):
                user.save()
            self.made[key] = user
        return self.made[key]

    def intake(self, plan: Plan) -> NewAsset | None:
        """A new asset that ends in stock or with a person goes in the bulk batch; the rest
        (updates, and states reached through maintenance, missing or retirement) run here."""
        if plan.asset is not None or plan.target not in (S.IN_STOCK, S.DEPLOYED):
            return None
        holder = self.user(plan.person) if plan.person is not None else None
        return NewAsset(fields=self.fields(plan), tag=plan.tag, holder=holder)

    def fields(self, plan: Plan) -> dict[str, Any]:
        fields = dict(plan.fields)
        for kind in ("category", "vendor", "location"):
            if kind in plan.refs:
                fields[kind] = self.resolve(kind, plan.refs[kind])
        if "model" in plan.refs:
            fields["model"] = self.model(plan.refs["model"])
        return fields

    def write(self, plan: Plan) -> None:
        """A new asset whose state comes through a move with its own records (a repair, a
        missing report, a retirement): registered and moved one by one, as a person would."""
        person = self.user(plan.person) if plan.person is not None else None
        fields = self.fields(plan)
        actor = self.actor
        asset = lifecycle.register(
            actor=actor, reason=IMPORT_REASON, tag=plan.tag or None, **fields
        )
        if person is not None:
            asset = lifecycle.deploy(
                asset,
                to=person,
                actor=actor,
                reason=IMPORT_REASON,
                checklist_done=self.checklist(asset.category),
            )
        if plan.target == S.IN_MAINTENANCE:
            lifecycle.start_maintenance(asset, actor=actor, reason="Imported as broken")
        elif plan.target == S.MISSING:
            lifecycle.mark_missing(asset, actor=actor, reason="Imported as lost or missing")
        elif plan.target == S.RETIRED:
            lifecycle.retire(
                asset,
                actor=actor,
                reason="Imported as retired",
                retirement_reason=RetirementReason.END_OF_LIFE,
            )

    def checklist(self, category: Category) -> list[int]:
        """The old system handed the asset over already: its steps count as done."""
        if category.pk not in self.checklists:
            self.checklists[category.pk] = list(category.checklist.values_list("pk", flat=True))
        return self.checklists[category.pk]


@contextmanager
def _created(column: str) -> Iterator[None]:
    """Create something the file names in a savepoint: a clash (another person created it a
    moment ago) becomes that row's error instead of breaking the whole import."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise RowError(column, "It was created by someone else meanwhile: import again.") from None


def unique_slug(model, name: str) -> str:
    base = slugify(name)[:90] or "item"
    slug, n = base, 1
    while model.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug
