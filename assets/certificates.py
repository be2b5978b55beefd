"""The disposal certificate: a signed-off PDF record of what left the organisation and how its
data was destroyed (one asset, or every disposal in a period), for auditors and recyclers."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from audits.reports import NumberedCanvas

from .choices import AssetStatus
from .models import Asset, WipeRecord

MUTED = colors.HexColor("#5b6472")
RULE = colors.HexColor("#c9ced6")

# (header, width in mm): fits A4 landscape with 10 mm margins (277 mm).
COLUMNS: Sequence[tuple[str, float]] = (
    ("Tag", 22),
    ("Name", 38),
    ("Serial", 26),
    ("Category", 24),
    ("Disposed", 19),
    ("Method", 21),
    ("Recipient", 30),
    ("Wipe", 24),
    ("Wiped by / verified by", 38),
    ("Certificates", 35),
)


def organisation() -> str:
    return getattr(settings, "ITAM_ORGANISATION", "ITAM") or "ITAM"


def disposed_assets(queryset: QuerySet | None = None) -> QuerySet:
    """Disposed assets with their disposal and wipes, in three queries whatever their number."""
    queryset = Asset.objects.all() if queryset is None else queryset
    wipes = WipeRecord.objects.select_related("performed_by", "verified_by").order_by(
        "-performed_on", "-pk"
    )
    return (
        queryset.filter(status=AssetStatus.DISPOSED, disposal__isnull=False)
        .select_related("category", "disposal")
        .prefetch_related(Prefetch("wipes", queryset=wipes, to_attr="wipe_list"))
        .order_by("disposal__disposed_on", "tag")
    )


def in_period(
    queryset: QuerySet, start: datetime.date | None, end: datetime.date | None
) -> QuerySet:
    if start is not None:
        queryset = queryset.filter(disposal__disposed_on__gte=start)
    if end is not None:
        queryset = queryset.filter(disposal__disposed_on__lte=end)
    return queryset


def _person(user) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


def evidence_wipe(asset: Asset) -> WipeRecord | None:
    """The wipe that cleared it for disposal: the latest verified one, else the latest."""
    wipes = getattr(asset, "wipe_list", None)
    wipes = list(asset.wipes.all()) if wipes is None else wipes
    wipes = [w for w in wipes if w.counts_for(asset)]  # not those from before a reinstatement
    verified = [w for w in wipes if w.is_verified]
    return (verified or wipes or [None])[0]


@dataclass
class CertificateRow:
    asset: Asset

    @property
    def cells(self) -> list[str]:
        a, disposal, wipe = self.asset, self.asset.disposal, evidence_wipe(self.asset)
        refs = (
            [f"Disposal: {disposal.certificate_reference}"]
            if disposal.certificate_reference
            else []
        )
        if wipe is not None and wipe.certificate_reference:
            refs.append(f"Wipe: {wipe.certificate_reference}")
        if wipe is None:
            wipe_text, people = ("Not needed" if not a.category.holds_data else "None"), "—"
        else:
            wipe_text = f"{wipe.get_method_display()}, {wipe.performed_on:%-d %b %Y}"
            if wipe.tool:
                wipe_text += f" ({wipe.tool})"
            verifier = _person(wipe.verified_by) if wipe.is_verified else "not verified"
            people = f"{_person(wipe.performed_by)} / {verifier}"
        return [
            a.tag,
            a.name,
            a.serial_number or "—",
            a.category.name,
            f"{disposal.disposed_on:%-d %b %Y}",
            disposal.get_method_display(),
            disposal.recipient or "—",
            wipe_text,
            people,
            "; ".join(refs) or "—",
        ]


def _styles() -> dict[str, ParagraphStyle]:
    sheet = getSampleStyleSheet()
    cell = ParagraphStyle("cell", parent=sheet["BodyText"], fontSize=7.5, leading=9)
    return {
        "cell": cell,
        "head": ParagraphStyle("head", parent=cell, fontName="Helvetica-Bold", textColor=MUTED),
        "fact": ParagraphStyle("fact", parent=sheet["BodyText"], fontSize=9, leading=12),
        "title": ParagraphStyle("title", parent=sheet["Title"], alignment=0, fontSize=16),
        "muted": ParagraphStyle("muted", parent=cell, textColor=MUTED, fontSize=8.5),
    }


def period_label(start: datetime.date | None, end: datetime.date | None) -> str:
    if start and end:
        return f"{start:%-d %b %Y} to {end:%-d %b %Y}"
    if start:
        return f"from {start:%-d %b %Y}"
    if end:
        return f"up to {end:%-d %b %Y}"
    return "all disposals"


def _table(rows: Iterable[CertificateRow], style: dict[str, ParagraphStyle]) -> LongTable:
    data = [[Paragraph(escape(head), style["head"]) for head, _ in COLUMNS]]
    for row in rows:
        data.append([Paragraph(escape(str(text)), style["cell"]) for text in row.cells])
    if len(data) == 1:
        data.append([Paragraph("No disposals in this period.", style["cell"])] + [""] * 9)
    return LongTable(
        data,
        colWidths=[width * mm for _, width in COLUMNS],
        repeatRows=1,
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        ),
    )


def _signatures(style: dict[str, ParagraphStyle]) -> KeepTogether:
    line = "_" * 38
    cells = [
        [Paragraph(f"{line}<br/>{label}<br/>Name:<br/>Date:", style["fact"]) for label in labels]
        for labels in [("Released by (IT)", "Verified by (second person)", "Received by")]
    ]
    return KeepTogether(
        [
            Spacer(1, 10 * mm),
            Paragraph(
                "We certify that the assets listed above left our ownership as stated and that "
                "the storage of every data-holding asset was sanitised (NIST SP 800-88) and the "
                "sanitisation checked by a second person before disposal.",
                style["fact"],
            ),
            Spacer(1, 12 * mm),
            Table(cells, colWidths=[92 * mm] * 3),
        ]
    )


def certificate_pdf(
    assets: Iterable[Asset],
    *,
    title: str,
    period: str,
    reference: str = "",
) -> bytes:
    """An A4 landscape certificate: header, period, the assets, signature lines, page numbers."""
    style = _styles()
    rows = [CertificateRow(asset) for asset in assets]
    printed = timezone.localtime()
    canvas = type(
        "DisposalCanvas",
        (NumberedCanvas,),
        {
            "footer_left": f"{organisation()} · {title}",
            "footer_right": f"Printed {printed:%-d %b %Y %H:%M} · ",
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
        title=f"{organisation()}: {title}",
        author=organisation(),
    )
    facts = [
        f"<b>Period:</b> {escape(period)}",
        f"<b>Assets:</b> {len(rows)}",
        f"<b>Printed:</b> {printed:%-d %b %Y %H:%M}",
    ]
    if reference:
        facts.append(f"<b>Reference:</b> {escape(reference)}")
    story = [
        Paragraph(escape(organisation()), style["muted"]),
        Paragraph(escape(title), style["title"]),
        Paragraph(" &nbsp;·&nbsp; ".join(facts), style["fact"]),
        Spacer(1, 5 * mm),
        _table(rows, style),
        _signatures(style),
    ]
    document.build(story, canvasmaker=canvas)
    return buffer.getvalue()
