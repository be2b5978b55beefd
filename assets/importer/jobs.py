"""The web import's steps, for any kind in ``kinds.KINDS``: upload, map columns, check, import.

The pages in ``assets/views/imports.py`` only call these. An upload becomes an ``ImportJob``
owned by the person who sent it; "Check file" runs the kind's importer as a dry run with the
person's column choices and remembers those choices (``ImportMapping``) for their next file;
"Import" runs it for real once, under a row lock, so a double click or a second tab cannot
import the same file twice. Files hold secrets (licence keys, people's e-mails): an imported
job keeps its report but not its file or sample values, and any upload drops everyone's jobs
older than ``KEEP_DAYS``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from ..models import ImportJob, ImportJobState, ImportMapping
from .columns import IGNORE, normalise
from .kinds import KINDS, ImportKind
from .parsing import MAX_BYTES, FileRefused, read_rows, refuse_binary

KEEP_DAYS = 7  # everyone's older uploads go when anyone uploads the next one
SAMPLES = 3  # values shown per column on the mapping step
SAMPLE_SCAN_ROWS = 200  # rows looked at to find them
SAMPLE_CHARS = 80

# Where to see what an import made, per kind (a kind without an entry links to nothing).
RESULT_PAGES: dict[str, tuple[str, str]] = {
    "assets": ("assets:list", "Open the register"),
    "locations": ("places:index", "Open places"),
    "people": ("people:index", "Open people"),
    "licenses": ("maintenance:licenses", "Open licences"),
}

S = ImportJobState
APPLIED_ALREADY = "This file was imported already: upload it again to re-import it."


class JobRefused(Exception):
    """The job cannot take that step now; the message says what to do instead."""


def allowed_kinds(user: Any) -> list[ImportKind]:
    """The kinds this person may import, in the registry's order."""
    return [kind for kind in KINDS.values() if kind.allowed(user)]


def sample_header(kind: ImportKind) -> list[str]:
    """One title per field that the importer reads without any mapping.

    The field's label when it is a known spelling, else its first spelling, so that the sample
    file maps itself when it comes back filled in.
    """
    lookup = kind.lookup
    titles = []
    for field, label in kind.labels.items():
        if lookup.get(normalise(label)) == field:
            titles.append(label)
        elif kind.aliases.get(field):
            titles.append(kind.aliases[field][0].title())
    return titles


# --- upload ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileSummary:
    header: list[str]
    samples: list[list[str]]
    row_count: int


def read_upload(data: bytes) -> FileSummary:
    """The header, a few values per column and the row count; ``FileRefused`` saying what to fix
    when the file cannot be imported at all."""
    if len(data) > MAX_BYTES:
        raise FileRefused(
            f"The file is {len(data) / (1024 * 1024):.1f} MB; the limit is "
            f"{MAX_BYTES // (1024 * 1024)} MB. Split it into smaller files and import each."
        )
    if not data.strip():
        raise FileRefused("The file is empty: it needs a header row of column titles.")
    refuse_binary(data)  # .xlsx (a zip), UTF-16 text, an image...
    header, rows = read_rows(data)
    if not any(title.strip() for title in header):
        raise FileRefused(
            "The first row is empty: it must hold the column titles (e.g. Asset Tag, Category)."
        )
    filled = [row for row in rows if row]
    if not filled:
        raise FileRefused("The file has column titles but no rows under them.")
    samples: list[list[str]] = [[] for _ in header]
    for row in filled[:SAMPLE_SCAN_ROWS]:
        for index, values in enumerate(samples):
            if len(values) < SAMPLES and index < len(row) and row[index].strip():
                value = row[index].strip()
                if len(value) > SAMPLE_CHARS:
                    value = value[: SAMPLE_CHARS - 1] + "…"
                values.append(value)
    return FileSummary(header=[h.strip() for h in header], samples=samples, row_count=len(filled))


def start_job(
    user: Any, kind: ImportKind, *, filename: str, data: bytes, create: bool
) -> ImportJob:
    """Store an upload for the mapping step (and drop everyone's uploads older than a week, so
    an abandoned file's keys and addresses do not stay for ever).

    Raises ``FileRefused`` before anything is stored when the file cannot be read.
    """
    summary = read_upload(data)
    with transaction.atomic():
        ImportJob.objects.filter(
            created_at__lt=timezone.now() - datetime.timedelta(days=KEEP_DAYS)
        ).delete()
        return ImportJob.objects.create(
            kind=kind.slug,
            uploaded_by=user,
            filename=filename[:255],
            data=data,
            header=summary.header,
            samples=summary.samples,
            row_count=summary.row_count,
            create=create,
        )


# --- mapping ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MappingRow:
    """One column of the file on the mapping step."""

    index: int
    title: str
    samples: list[str]
    field: str  # pre-selected field, or IGNORE
    source: str  # "chosen" (this job), "remembered", "known" (a known spelling) or ""
    mappable: bool  # False for an untitled column or one repeating an earlier title
    note: str = ""  # why it cannot be mapped

    @property
    def name(self) -> str:
        """The form field's name."""
        return f"col_{self.index}"


def mapping_rows(job: ImportJob, kind: ImportKind, user: Any) -> list[MappingRow]:
    """The mapping step's rows, pre-selected: this job's last choices, else the person's
    remembered ones, else the known spellings; no field is pre-selected twice."""
    header: list[str] = job.header
    chosen = {normalise(title): field for title, field in (job.mapping or {}).items()}
    remembered = {
        m.column: m.field
        for m in ImportMapping.objects.filter(user=user, kind=kind.slug)
        if m.field == IGNORE or m.field in kind.labels
    }
    lookup = kind.lookup
    first_of: dict[str, str] = {}
    picks: dict[int, tuple[str, str]] = {}
    claimed: set[str] = set()
    rows_meta: list[tuple[int, str, str, bool, str]] = []
    for index, title in enumerate(header):
        key = normalise(title)
        if not key:
            rows_meta.append((index, title, key, False, "No title: give it one to import it."))
        elif key in first_of:
            note = f"Same title as “{first_of[key]}”: rename one in the file to import both."
            rows_meta.append((index, title, key, False, note))
        else:
            first_of[key] = title
            rows_meta.append((index, title, key, True, ""))
    # A person's own choices first, then the known spellings for the other columns.
    for index, _title, key, mappable, _note in rows_meta:
        if not mappable:
            continue
        if key in chosen:
            field, source = chosen[key], "chosen"
        elif key in remembered:
            field, source = remembered[key], "remembered"
        else:
            continue
        if field in claimed:
            field = IGNORE
        if field:
            claimed.add(field)
        picks[index] = (field, source)
    for index, _title, key, mappable, _note in rows_meta:
        if not mappable or index in picks:
            continue
        field = lookup.get(key, IGNORE)
        if field in claimed:
            field = IGNORE
        if field:
            claimed.add(field)
        picks[index] = (field, "known" if field else "")
    samples = job.samples or []
    return [
        MappingRow(
            index=index,
            title=title,
            samples=samples[index] if index < len(samples) else [],
            field=picks.get(index, (IGNORE, ""))[0],
            source=picks.get(index, (IGNORE, ""))[1],
            mappable=mappable,
            note=note,
        )
        for index, title, _key, mappable, note in rows_meta
    ]


@dataclass(frozen=True)
class Clash:
    """Several columns mapped to one field: the message, and the columns (by index) to mark."""

    message: str
    indexes: list[int]


def mapping_from_choices(
    kind: ImportKind, rows: list[MappingRow], choices: dict[int, str]
) -> tuple[dict[str, str], list[Clash]]:
    """The mapping for the importer (column title -> field, or IGNORE), and the clashes: each
    field takes one column."""
    mapping: dict[str, str] = {}
    by_field: dict[str, list[MappingRow]] = {}
    for row in rows:
        if not row.mappable:
            continue
        field = choices.get(row.index, IGNORE)
        if field != IGNORE and field not in kind.labels:
            raise ValueError(f"Unknown field {field!r} for {kind.slug}")
        mapping[row.title] = field
        if field != IGNORE:
            by_field.setdefault(field, []).append(row)
    clashes = []
    for field, same in by_field.items():
        if len(same) < 2:
            continue
        titles = [f"“{row.title}”" for row in same]
        named = ", ".join(titles[:-1]) + " and " + titles[-1]
        both = "both" if len(same) == 2 else "all"
        clashes.append(
            Clash(
                f"{named} are {both} mapped to {kind.labels[field]}: keep one and set the "
                "others to “Ignore this column”.",
                [row.index for row in same],
            )
        )
    return mapping, clashes


def missing_required(kind: ImportKind, mapping: dict[str, str]) -> list[str]:
    """Labels of the fields a row cannot do without that no column gives."""
    mapped = set(mapping.values())
    return [kind.labels.get(field, field) for field in kind.required if field not in mapped]


def remember_mapping(user: Any, kind: ImportKind, mapping: dict[str, str]) -> None:
    """Keep the choices that differ from what the known spellings would pick; forget the rest
    (the known spelling already picks them)."""
    lookup = kind.lookup
    for title, field in mapping.items():
        key = normalise(title)
        if not key or len(key) > ImportMapping._meta.get_field("column").max_length:
            continue
        if lookup.get(key, IGNORE) == field:
            ImportMapping.objects.filter(user=user, kind=kind.slug, column=key).delete()
        else:
            ImportMapping.objects.update_or_create(
                user=user, kind=kind.slug, column=key, defaults={"field": field}
            )


# --- check and import ------------------------------------------------------------------------


def check_job(
    job: ImportJob, kind: ImportKind, *, actor: Any, mapping: dict[str, str], create: bool
) -> ImportJob:
    """Dry-run the file with this mapping, keep the report, and remember the mapping.

    Raises ``FileRefused`` (nothing saved) when the importer cannot read the file this way, and
    ``JobRefused`` once the file was imported.
    """
    data, state = ImportJob.objects.values_list("data", "state").get(pk=job.pk)
    if state == S.APPLIED:  # its file is gone: nothing to check
        raise JobRefused(APPLIED_ALREADY)
    report = kind.run(
        bytes(data), actor=actor, dry_run=True, create=create, skip_bad=False, mapping=mapping
    )
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().defer("data").get(pk=job.pk)
        if locked.state == S.APPLIED:
            raise JobRefused(APPLIED_ALREADY)
        locked.mapping = mapping
        locked.create = create
        locked.report = report.as_dict()
        locked.state = S.CHECKED
        locked.save(update_fields=["mapping", "create", "report", "state"])
        remember_mapping(actor, kind, mapping)
    return locked


def bad_rows(job: ImportJob) -> int:
    return len((job.report or {}).get("errors") or [])


def good_rows(job: ImportJob) -> int:
    report = job.report or {}
    return int(report.get("created") or 0) + int(report.get("updated") or 0)


def apply_job(
    job_pk: int, kind: ImportKind, *, actor: Any, skip_bad: bool
) -> tuple[ImportJob, bool]:
    """Import a checked file, all or nothing (``skip_bad``: all the good rows), at most once.

    Returns the job and whether this call imported it; a job imported already comes back as it
    is (a second click shows the result). Once imported, its file and sample values are emptied:
    they may hold licence keys. ``JobRefused`` when it was not checked, or its check found bad
    rows and skipping them was not chosen. When the real run finds bad rows (e.g. a
    tag taken since the check) it writes nothing and the job is left "refused" with the report.
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_pk, uploaded_by=actor)
        if job.state == S.APPLIED:
            return job, False
        if job.state != S.CHECKED:
            raise JobRefused("Check the file first: the import runs on a checked file.")
        bad = bad_rows(job)
        if bad and not skip_bad:
            raise JobRefused(
                f"The check found {bad} bad row{'s' if bad != 1 else ''}: fix them in the file "
                "and upload it again, or choose to skip them."
            )
        if not good_rows(job):
            raise JobRefused("No row of this file can be imported: fix the file and upload it.")
        report = kind.run(
            bytes(job.data),
            actor=actor,
            dry_run=False,
            create=job.create,
            skip_bad=skip_bad,
            mapping=job.mapping,
        )
        job.report = report.as_dict()
        if report.applied:
            job.state, job.applied_at = S.APPLIED, timezone.now()
            # Imported: the file (licence keys, e-mails ...) is not needed again; the report is.
            job.data, job.samples = b"", []
        else:
            job.state = S.REFUSED
        job.save(update_fields=["report", "state", "applied_at", "data", "samples"])
    return job, job.state == S.APPLIED


def result_link(kind: ImportKind) -> tuple[str, str] | None:
    """(url, label) of the page that lists what this kind's import made, if there is one."""
    name, label = RESULT_PAGES.get(kind.slug, ("", ""))
    if not name:
        return None
    try:
        return reverse(name), label
    except NoReverseMatch:
        return None
