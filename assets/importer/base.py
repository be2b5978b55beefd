"""The loop the location, people and licence imports share (the asset import has its own).

One pass reads and maps the columns; ``prepare`` looks up, in a few queries, every record the
rows name; ``check`` turns each row into a ``Plan`` or a ``RowError`` (row number and column);
``review`` adds the checks that need every row at once. A dry run stops there. Otherwise, in one
transaction, ``write`` applies each plan (each in a savepoint, so one failing write is one row
error); without ``skip_bad`` any error rolls everything back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from itam.errors import Conflict
from itam.sessions import ending_sessions_together

from .columns import map_header
from .kinds import KINDS, ImportKind
from .parsing import FileRefused, read_rows
from .service import ImportReport, RowError, field_messages

IMPORT_REASON = "Imported from CSV"
YES = {"1", "yes", "y", "true", "t", "active", "enabled", "on"}
NO = {"0", "no", "n", "false", "f", "inactive", "disabled", "off"}


@dataclass
class Row:
    """One spreadsheet row; ``row("email")`` is the stripped cell of that field, or ""."""

    number: int  # as in the spreadsheet: the header is row 1
    cells: list[str]
    indexes: dict[str, int]

    def __call__(self, name: str) -> str:
        index = self.indexes.get(name)
        return self.cells[index].strip() if index is not None and index < len(self.cells) else ""


@dataclass
class Plan:
    """What one good row will do: update ``target`` (or create, when it is None) with ``fields``."""

    row: int
    target: Any = None
    fields: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def words(text: str) -> str:
    """The case- and space-insensitive form names are matched on."""
    return " ".join(text.split()).lower()


def yes_no(row: Row, name: str) -> bool | None:
    """A yes/no cell: None when empty; a ``RowError`` saying what is accepted otherwise."""
    value = row(name).lower()
    if not value:
        return None
    if value in YES or value in NO:
        return value in YES
    raise RowError(name, f"Cannot read “{row(name)}” as yes or no: use yes/no, true/false or 1/0.")


def limit(row: Row, name: str, size: int, what: str) -> str:
    value = row(name)
    if len(value) > size:
        raise RowError(name, f"Keep the {what} to {size} characters.")
    return value


class Importer:
    """One kind of import; subclasses fill in the hooks. Created once per file."""

    slug = ""  # the KINDS entry
    main_field = "name"  # where errors about the whole row go
    refusal = "Your role does not allow this import."

    def __init__(self, actor, *, create: bool):
        self.actor = actor
        self.create = create

    def prepare(self, rows: list[Row]) -> None:
        """Look up every record the rows name, in a few queries."""

    def check(self, row: Row) -> Plan:
        raise NotImplementedError

    def review(self, plans: list[Plan]) -> dict[int, RowError]:
        """Problems that need every row at once, by row number (those plans are dropped)."""
        return {}

    def unchanged(self, plan: Plan) -> bool:
        """True when the row matches its record as it is (counted, nothing written)."""
        return False

    def order(self, plans: list[Plan]) -> list[Plan]:
        """The order to write in (e.g. parents before children)."""
        return plans

    def write(self, plan: Plan) -> bool:
        """Apply one plan; True when it made a new record."""
        raise NotImplementedError

    def missing(self, name: str, what: str, value: str) -> RowError:
        return RowError(
            name, f"{what} “{value}” does not exist: create it first, or import with create=1."
        )


@dataclass(frozen=True)
class Options:
    """What the person chose: see ``service.import_assets`` for each."""

    dry_run: bool = False
    create: bool = False
    skip_bad: bool = False
    mapping: dict[str, str] | None = None


def runner(importer_class: type[Importer]) -> Callable[..., ImportReport]:
    """The kind's ``import_<kind>(data, *, actor, dry_run, create, skip_bad, mapping)``."""

    def run(data: bytes, *, actor, **options: Any) -> ImportReport:
        return run_import(importer_class, data, actor=actor, options=Options(**options))

    run.__name__ = run.__qualname__ = f"import_{importer_class.slug}"
    run.__doc__ = importer_class.__doc__
    return run


def run_import(
    importer_class: type[Importer], data: bytes, *, actor, options: Options
) -> ImportReport:
    """Check every row, then (unless a dry run) write all of them or none.

    Raises ``PermissionDenied`` for someone the kind does not allow, ``FileRefused`` for a file
    that cannot be read, and ``ValueError`` for a mapping naming a field the kind lacks.
    """
    kind: ImportKind = KINDS[importer_class.slug]
    if not kind.allowed(actor):
        raise PermissionDenied(importer_class.refusal)
    header, raw_rows = read_rows(data)
    indexes, titles, warnings = map_header(header, options.mapping, lookup=kind.lookup)
    if not indexes:
        raise FileRefused("None of the columns is known: is the first row the header?")
    report = ImportReport(dry_run=options.dry_run, warnings=warnings)
    rows = [  # NUL cannot be stored (PostgreSQL refuses it): it never means anything in a CSV
        Row(n, [cell.replace("\x00", "") for cell in cells], indexes)
        for n, cells in enumerate(raw_rows, start=2)
        if cells
    ]
    report.rows = len(rows)

    def error(number: int, name: str, message: str) -> None:
        column = titles.get(name) or kind.labels.get(name) or kind.labels[importer.main_field]
        report.errors.append({"row": number, "column": column, "message": message})

    importer = importer_class(actor, create=options.create)
    importer.prepare(rows)
    plans: list[Plan] = []
    for row in rows:
        try:
            plans.append(importer.check(row))
        except RowError as problem:
            error(row.number, problem.field_name, problem.message)
    dropped = importer.review(plans)
    for number, problem in dropped.items():
        error(number, problem.field_name, problem.message)
    plans = [plan for plan in plans if plan.row not in dropped]
    report.errors.sort(key=lambda e: e["row"])

    if options.dry_run or (report.errors and not options.skip_bad):
        if options.dry_run:  # what the import would do with the good rows
            report.created = sum(1 for plan in plans if plan.target is None)
            report.updated = len(plans) - report.created
            report.unchanged = sum(1 for plan in plans if importer.unchanged(plan))
        return report

    with ending_sessions_together(), transaction.atomic():
        for plan in importer.order(plans):
            same = importer.unchanged(plan)  # before writing changes the record
            try:
                with transaction.atomic():
                    created = importer.write(plan)
            except RowError as problem:
                error(plan.row, problem.field_name, problem.message)
            except ValidationError as problem:
                for name, messages in field_messages(problem):
                    error(plan.row, name, " ".join(messages))
            except (Conflict, PermissionDenied) as problem:
                error(plan.row, importer.main_field, str(problem))
            else:
                report.created += created
                report.updated += not created
                report.unchanged += not created and same
        report.errors.sort(key=lambda e: e["row"])
        if report.errors and not options.skip_bad:
            transaction.set_rollback(True)
            report.created = report.updated = report.unchanged = 0
        else:
            report.applied = True
    return report
