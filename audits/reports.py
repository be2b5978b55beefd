"""An audit's reconciliation as rows a person reads: on its page, as CSV and as a PDF.

``build`` takes the service's reconciliation (the live preview of an open audit, the frozen
lines of a closed one) and adds what a reader needs beside each code: the asset's name and
category, place names, who scanned it, what was applied and by whom, and the last holder of what
was not found. A handful of queries whatever the number of lines, so the page, the CSV and the
PDF cost the same for 10 scans or 5,000.
"""

from __future__ import annotations

import datetime
import io
from collections import Counter
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from assets.choices import Condition
from assets.csv_export import stream_csv
from assets.models import Asset, Assignment

from . import services
from .choices import Action, Outcome, ScanResult
from .models import AuditSession

User = get_user_model()

# The order a reader wants: what needs a decision first, what matched last.
OUTCOME_ORDER = [
    Outcome.MISPLACED,
    Outcome.MISSING,
    Outcome.UNKNOWN,
    Outcome.RECOVERED,
    Outcome.FLAGGED,
    Outcome.FOUND,
]
# The one-click action that carries each outcome into the register (the others have none).
OUTCOME_ACTION = {
    Outcome.MISPLACED: Action.MOVE,
    Outcome.MISSING: Action.MARK_MISSING,
    Outcome.RECOVERED: Action.MARK_FOUND,
}
OUTCOME_COLOUR = {
    Outcome.FOUND: "green",
    Outcome.MISPLACED: "orange",
    Outcome.MISSING: "red",
    Outcome.UNKNOWN: "red",
    Outcome.RECOVERED: "blue",
    Outcome.FLAGGED: "grey",
}
# What an applied action did, in the past tense shown on its line.
APPLIED_LABEL = {
    Action.MOVE: "Moved",
    Action.MARK_MISSING: "Marked missing",
    Action.MARK_FOUND: "Marked found",
}
OUTCOME_HELP = {
    Outcome.MISPLACED: "Seen here, but the register has them somewhere else.",
    Outcome.MISSING: "Expected here by the register, and not scanned.",
    Outcome.UNKNOWN: "Codes that no asset in the register has: label them or tell IT.",
    Outcome.RECOVERED: "Marked missing in the register, yet found on the floor.",
    Outcome.FLAGGED: "Retired, disposed of or still on order, yet found on the floor.",
    Outcome.FOUND: "Seen where the register has them.",
}
# While the audit is open, "not found" only means "not scanned so far".
OPEN_LABEL = {Outcome.MISSING: "Not scanned yet"}
OPEN_HELP = {Outcome.MISSING: "Expected here by the register, and not scanned so far."}
ACTION_BUTTON = {
    Action.MOVE: "Move here",
    Action.MARK_MISSING: "Mark missing",
    Action.MARK_FOUND: "Mark found",
}
_CONDITIONS = dict(Condition.choices)
_RESULTS = dict(ScanResult.choices)
_OUTCOMES = dict(Outcome.choices)


def outcome_label(outcome: str, *, closed: bool) -> str:
    return (not closed and OPEN_LABEL.get(outcome)) or _OUTCOMES.get(outcome, outcome)


def person_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


@dataclass
class Row:
    outcome: str
    code: str
    asset: Asset | None
    register_location: str = ""
    found_location: str = ""
    scanned_at: datetime.datetime | None = None
    scanned_by: str = ""
    condition: str = ""
    result: str = ""
    applied_action: str = ""
    applied_at: datetime.datetime | None = None
    applied_by: str = ""
    refusal: str = ""
    last_holder: str = ""
    closed: bool = True

    @property
    def outcome_label(self) -> str:
        return outcome_label(self.outcome, closed=self.closed)

    @property
    def tag(self) -> str:
        return self.asset.tag if self.asset is not None else ""

    @property
    def name(self) -> str:
        return self.asset.name if self.asset is not None else ""

    @property
    def category(self) -> str:
        return self.asset.category.name if self.asset is not None else ""

    @property
    def condition_label(self) -> str:
        return _CONDITIONS.get(self.condition, self.condition)

    @property
    def result_label(self) -> str:
        return _RESULTS.get(self.result, self.result)

    @property
    def result_colour(self) -> str:
        return ScanResult.colour(self.result) if self.result else "grey"

    @property
    def applied_label(self) -> str:
        return APPLIED_LABEL.get(self.applied_action, "")

    @property
    def pending(self) -> bool:
        """Waiting for its outcome's action (only closed audits' lines can be applied)."""
        return not self.applied_action and self.outcome in OUTCOME_ACTION


LINES_SHOWN = 200


@dataclass
class Group:
    outcome: str
    rows: list[Row]
    closed: bool

    @property
    def label(self) -> str:
        return outcome_label(self.outcome, closed=self.closed)

    @property
    def help(self) -> str:
        return (not self.closed and OPEN_HELP.get(self.outcome)) or OUTCOME_HELP[self.outcome]

    @property
    def colour(self) -> str:
        return OUTCOME_COLOUR[self.outcome]

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def action(self) -> str:
        return OUTCOME_ACTION.get(self.outcome, "")

    @property
    def action_button(self) -> str:
        return ACTION_BUTTON.get(self.action, "")

    @property
    def pending(self) -> list[Row]:
        return [row for row in self.rows if row.pending] if self.closed else []

    # Which columns the outcome's table needs (a missing asset has no scan, an unknown code no
    # register entry).
    @property
    def shows_register(self) -> bool:
        return self.outcome in (Outcome.MISPLACED, Outcome.MISSING)

    @property
    def shows_scan(self) -> bool:
        return self.outcome != Outcome.MISSING

    @property
    def shows_condition(self) -> bool:
        return self.outcome not in (Outcome.MISSING, Outcome.UNKNOWN)

    @property
    def shows_holder(self) -> bool:
        return self.outcome == Outcome.MISSING

    @property
    def shows_result(self) -> bool:
        return self.outcome == Outcome.FLAGGED

    @property
    def shows_applied(self) -> bool:
        return self.closed and bool(self.action)

    @property
    def folded(self) -> bool:
        """A long list of matches is folded away: the exceptions are what a reader came for."""
        return self.outcome == Outcome.FOUND and self.count > 25

    @property
    def applied(self) -> list[Row]:
        return [row for row in self.rows if row.applied_action]

    # A page shows at most LINES_SHOWN lines of a group; the CSV and PDF have them all.
    @property
    def shown_rows(self) -> list[Row]:
        return self.rows[:LINES_SHOWN]

    @property
    def hidden_count(self) -> int:
        return max(0, self.count - LINES_SHOWN)

    @property
    def pending_count(self) -> int:
        return len(self.pending)

    @property
    def selectable(self) -> bool:
        """Lines can be ticked one by one only when all of them are on the page."""
        return self.count <= LINES_SHOWN


@dataclass
class AuditReport:
    session: AuditSession
    scope: str
    rows: list[Row] = field(default_factory=list)
    expected: int | None = None

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(row.outcome for row in self.rows)
        return {outcome: counted.get(outcome, 0) for outcome in OUTCOME_ORDER}

    @property
    def groups(self) -> list[Group]:
        closed = not self.session.is_open
        by_outcome: dict[str, list[Row]] = {outcome: [] for outcome in OUTCOME_ORDER}
        for row in self.rows:
            by_outcome.setdefault(row.outcome, []).append(row)
        return [Group(outcome, rows, closed) for outcome, rows in by_outcome.items()]

    @property
    def seen_expected(self) -> int:
        """Expected assets that were scanned: the expected ones, less those not found."""
        return max(0, (self.expected or 0) - self.counts[Outcome.MISSING])

    @property
    def summary_at_closing(self) -> list[tuple[str, str, int]]:
        """The counts named as closing would freeze them ("not found", not "not scanned yet")."""
        counts = self.counts
        return [
            (outcome, outcome_label(outcome, closed=True), counts[outcome])
            for outcome in OUTCOME_ORDER
        ]

    @property
    def summary(self) -> list[tuple[str, str, int]]:
        """(outcome, label, count) in reading order, for headers and messages."""
        counts, closed = self.counts, not self.session.is_open
        return [
            (outcome, outcome_label(outcome, closed=closed), counts[outcome])
            for outcome in OUTCOME_ORDER
        ]


def _place(places: services.Places, pk: int | None) -> str:
    return places.full_name(pk) if pk is not None else ""


def _holder(asset: Asset | Assignment | None, places: services.Places) -> str:
    """Who holds it: a person, a place or a department (an asset or one of its deployments)."""
    if asset is None:
        return ""
    if asset.assigned_user_id:
        return person_name(asset.assigned_user)
    if asset.assigned_location_id:
        return places.full_name(asset.assigned_location_id)
    if asset.assigned_department_id:
        return asset.assigned_department.name
    return ""


def _last_holders(asset_ids: list[int], places: services.Places) -> dict[int, str]:
    """Who last held each asset (current or ended deployment): two queries, any number."""
    if not asset_ids:
        return {}
    latest = Assignment.objects.filter(asset=OuterRef("pk")).order_by("-started_at", "-pk")
    last_ids = dict(
        Asset.objects.filter(pk__in=asset_ids)
        .annotate(last=Subquery(latest.values("pk")[:1]))
        .values_list("pk", "last")
    )
    holders = {}
    for assignment in Assignment.objects.filter(
        pk__in=[pk for pk in last_ids.values() if pk]
    ).select_related("assigned_user", "assigned_department"):
        holders[assignment.asset_id] = _holder(assignment, places)
    return holders


def build(session: AuditSession) -> AuditReport:
    """The reconciliation of ``session`` with everything its readers need, in reading order."""
    reconciliation = services.results(session)
    places = services.Places()
    lines = reconciliation.lines

    # Re-read the assets once, with what the rows show (the preview reads some of them lean).
    asset_ids = {line.asset.pk for line in lines if line.asset is not None}
    assets = Asset.objects.select_related("category", "assigned_user", "assigned_department")
    by_id = {asset.pk: asset for asset in assets.filter(pk__in=asset_ids)} if asset_ids else {}

    applied: dict[str, dict] = {}
    if not session.is_open:
        applied = {
            row["code"]: row
            for row in session.lines.exclude(applied_action="", refusal="").values(
                "code", "applied_action", "applied_at", "applied_by_id", "refusal"
            )
        }
    user_ids = {line.scan.scanned_by_id for line in lines if line.scan is not None}
    user_ids |= {row["applied_by_id"] for row in applied.values() if row["applied_by_id"]}
    users = {user.pk: user for user in User.objects.filter(pk__in=user_ids)} if user_ids else {}

    missing_ids = [
        line.asset.pk for line in lines if line.outcome == Outcome.MISSING and line.asset
    ]
    holders = _last_holders(missing_ids, places)

    rows = []
    for line in lines:
        asset = by_id.get(line.asset.pk) if line.asset is not None else None
        scan = line.scan
        done = applied.get(line.code, {})
        rows.append(
            Row(
                outcome=line.outcome,
                code=line.code,
                asset=asset,
                register_location=_place(places, line.register_location_id),
                found_location=_place(places, line.found_location_id),
                scanned_at=scan.scanned_at if scan else None,
                scanned_by=person_name(users.get(scan.scanned_by_id)) if scan else "",
                condition=scan.condition if scan else "",
                result=scan.result if scan else "",
                applied_action=done.get("applied_action", ""),
                applied_at=done.get("applied_at"),
                applied_by=person_name(users.get(done.get("applied_by_id"))),
                refusal=done.get("refusal", ""),
                last_holder=holders.get(asset.pk, "") if asset is not None else "",
                closed=not session.is_open,
            )
        )
    order = {outcome: index for index, outcome in enumerate(OUTCOME_ORDER)}
    rows.sort(key=lambda row: (order.get(row.outcome, len(order)), row.code))
    return AuditReport(
        session=session,
        scope=places.full_name(session.location_id),
        rows=rows,
        expected=reconciliation.expected,
    )


# --- CSV ------------------------------------------------------------------------------------

CSV_COLUMNS = [
    ("Outcome", lambda r: r.outcome_label),
    ("Tag", lambda r: r.code),
    ("Name", lambda r: r.name),
    ("Category", lambda r: r.category),
    ("Register location", lambda r: r.register_location),
    ("Found location", lambda r: r.found_location),
    ("Scanned at", lambda r: r.scanned_at),
    ("Scanned by", lambda r: r.scanned_by),
    ("Condition", lambda r: r.condition_label),
    ("Scan result", lambda r: r.result_label),
    ("Last holder", lambda r: r.last_holder),
    ("Applied action", lambda r: r.applied_label),
    ("Applied at", lambda r: r.applied_at),
    ("Applied by", lambda r: r.applied_by),
    ("Refused because", lambda r: r.refusal),
]


def filename(report: AuditReport, extension: str) -> str:
    """``AU-12-hq-room-101-2026-03-04.csv``: the reference, the place, and the day it stood."""
    session = report.session
    day = timezone.localtime(session.closed_at).date() if session.closed_at else None
    day = day or timezone.localdate()
    place = slugify(report.scope)[:60].strip("-") or "audit"
    return f"{session.reference}-{place}-{day.isoformat()}.{extension}"


def csv_response(report: AuditReport) -> StreamingHttpResponse:
    """One row per line with a header row; cells a spreadsheet would run are neutralised."""
    return stream_csv(filename(report, "csv"), CSV_COLUMNS, report.rows)


# --- PDF ------------------------------------------------------------------------------------

GRID = colors.HexColor("#d9dde4")
HEADER_FILL = colors.HexColor("#f0f2f5")
MUTED = colors.HexColor("#5a6272")
PDF_TINTS = {
    Outcome.MISPLACED: colors.HexColor("#fff4dc"),
    Outcome.MISSING: colors.HexColor("#fdecea"),
    Outcome.UNKNOWN: colors.HexColor("#fdecea"),
    Outcome.RECOVERED: colors.HexColor("#e8effb"),
    Outcome.FLAGGED: colors.HexColor("#eceef1"),
}
# Column widths of the lines table (mm): 277 mm fit between the margins of a landscape A4.
PDF_COLUMNS = [
    ("Outcome", 26),
    ("Tag", 22),
    ("Name", 38),
    ("Category", 22),
    ("Register location", 40),
    ("Found location", 40),
    ("Scanned", 30),
    ("Condition", 16),
    ("Result", 20),
    ("Applied", 23),
]


def _when(value: datetime.datetime | datetime.date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value):%-d %b %Y %H:%M}"
    return f"{value:%-d %b %Y}"


class NumberedCanvas(Canvas):
    """Writes the footer, "page n of m", once every page is laid out (m is known only then)."""

    footer_left = ""
    footer_right = ""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self) -> None:  # ReportLab names it so
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            width, _ = self._pagesize
            self.setFont("Helvetica", 7.5)
            self.setFillColor(MUTED)
            self.drawString(12 * mm, 7 * mm, self.footer_left)
            self.drawRightString(
                width - 12 * mm, 7 * mm, f"{self.footer_right}page {number} of {total}"
            )
            super().showPage()
        super().save()


def _styles() -> dict[str, ParagraphStyle]:
    sheet = getSampleStyleSheet()
    cell = ParagraphStyle("cell", parent=sheet["BodyText"], fontSize=7.5, leading=9)
    return {
        "cell": cell,
        "head": ParagraphStyle("head", parent=cell, fontName="Helvetica-Bold", textColor=MUTED),
        "fact": ParagraphStyle("fact", parent=sheet["BodyText"], fontSize=9, leading=12),
        "count": ParagraphStyle(
            "count", parent=sheet["BodyText"], fontSize=11, leading=13, alignment=TA_RIGHT
        ),
        "title": ParagraphStyle("title", parent=sheet["Title"], alignment=0, fontSize=16),
    }


def _header(report: AuditReport, style: dict[str, ParagraphStyle]) -> list:
    session = report.session

    def p(text: str, name: str) -> Paragraph:
        return Paragraph(escape(text or ""), style[name])

    category = session.category.name if session.category_id else "All categories"
    closed = (
        f"{_when(session.closed_at)} by {person_name(session.closed_by)}"
        if session.closed_at
        else "Not yet: this is a preview of the reconciliation"
    )
    facts = [
        ("Scope", f"{report.scope}, and everything under it · {category}"),
        ("Auditor", person_name(session.auditor)),
        ("Started", f"{_when(session.created_at)} by {person_name(session.created_by)}"),
        ("Due", _when(session.due_date) or "No due date"),
        ("Closed", closed),
        ("Expected", f"{report.expected or 0} assets, {report.seen_expected} of them seen"),
    ]
    summary = report.summary
    return [
        p(f"Audit {session.reference}: reconciliation", "title"),
        Table(
            [[p(label, "head"), p(value, "fact")] for label, value in facts],
            colWidths=[24 * mm, 200 * mm],
            hAlign="LEFT",
            style=TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ]
            ),
        ),
        Spacer(1, 4 * mm),
        Table(
            [
                [p(label, "head") for _, label, _ in summary],
                [p(str(count), "count") for _, _, count in summary],
            ],
            colWidths=[46 * mm] * len(summary),
            hAlign="LEFT",
            style=TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, GRID),
                    ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            ),
        ),
        Spacer(1, 5 * mm),
    ]


def _lines_table(report: AuditReport, style: dict[str, ParagraphStyle]) -> LongTable:
    def p(text: str, name: str = "cell") -> Paragraph:
        return Paragraph(escape(text or ""), style[name])

    data = [[p(header, "head") for header, _ in PDF_COLUMNS]]
    for row in report.rows:
        if row.applied_action:
            applied = f"{row.applied_label} {_when(row.applied_at)} by {row.applied_by}"
        elif row.refusal:
            applied = f"Refused: {row.refusal}"
        else:
            applied = ""
        register = row.register_location
        if row.last_holder:
            register = f"{register} (last held by {row.last_holder})"
        data.append(
            [
                p(row.outcome_label),
                p(row.code),
                p(row.name),
                p(row.category),
                p(register),
                p(row.found_location),
                p(f"{_when(row.scanned_at)} {row.scanned_by}".strip()),
                p(row.condition_label),
                p(row.result_label),
                p(applied),
            ]
        )
    if len(data) == 1:
        data.append([p("Nothing was scanned and nothing was expected.")] + [""] * 9)
    commands = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, GRID),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
    # The exceptions are tinted, so they stand out on paper too (the words say the same).
    for index, row in enumerate(report.rows, start=1):
        if row.outcome in PDF_TINTS:
            commands.append(("BACKGROUND", (0, index), (-1, index), PDF_TINTS[row.outcome]))
    return LongTable(
        data,
        colWidths=[width * mm for _, width in PDF_COLUMNS],
        repeatRows=1,
        style=TableStyle(commands),
    )


def pdf_bytes(report: AuditReport) -> bytes:
    """A readable A4 (landscape) report: the audit's header and counts, then every line."""
    session = report.session
    style = _styles()
    canvas = type(
        "AuditCanvas",
        (NumberedCanvas,),
        {
            "footer_left": f"{session.reference} · {report.scope}",
            "footer_right": f"Printed {_when(timezone.now())} · ",
        },
    )
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=f"Audit {session.reference}: reconciliation",
        author="ITAM",
        subject=report.scope,
    )
    document.build([*_header(report, style), _lines_table(report, style)], canvasmaker=canvas)
    return buffer.getvalue()


def pdf_response(report: AuditReport) -> HttpResponse:
    response = HttpResponse(pdf_bytes(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename(report, "pdf")}"'
    response["Cache-Control"] = "no-store"
    return response
