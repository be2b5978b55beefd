"""Label templates (sheet geometry as data) and what goes where inside one label.

All lengths are millimetres, measured from the top-left corner of the page (or of the label),
y growing downwards, the way a ruler on the sheet reads them. The PDF renderer flips y for
PDF's bottom-up points; the print page uses the numbers as CSS ``mm`` as they are.

One layout (``layout_for``) and one filling-in (``label_content``) serve both the PDF and the
print page, so the two always put the code and the text in the same place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from reportlab.pdfbase.pdfmetrics import stringWidth

from .qr import QrCode, qr_code

PT = 25.4 / 72  # one typographic point in millimetres
LETTER = (215.9, 279.4)
A4 = (210.0, 297.0)

TAG_FONT = "Helvetica-Bold"
NAME_FONT = "Helvetica"
# Modules of light margin kept inside the code's square on a label; the label's own white
# padding adds to it on every side.
LABEL_QUIET_ZONE = 2
ELLIPSIS = "…"


@dataclass(frozen=True)
class LabelTemplate:
    """One sheet of labels: the page, where the first label sits, the label, and the pitch.

    The pitch is the distance from one label's left (top) edge to the next one's, so the gap
    between labels is ``pitch - label size``.
    """

    slug: str
    name: str
    paper: str
    page_width: float
    page_height: float
    top: float
    left: float
    label_width: float
    label_height: float
    pitch_x: float
    pitch_y: float
    columns: int
    rows: int
    corner_radius: float = 0.0

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def cell_origin(self, cell: int) -> tuple[float, float]:
        """The top-left corner of label ``cell`` (0-based, row by row) on its page."""
        row, column = divmod(cell, self.columns)
        return self.left + column * self.pitch_x, self.top + row * self.pitch_y

    @property
    def option_text(self) -> str:
        size = f"{_mm(self.label_width)} × {_mm(self.label_height)} mm"
        if self.per_page == 1:
            return f"{self.name}: one {size} label a page"
        return f"{self.name}: {self.per_page} labels of {size} on {self.paper}"


def _mm(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


# Geometry from the manufacturers' published templates (US Letter is 8.5 x 11 in).
TEMPLATES: dict[str, LabelTemplate] = {
    t.slug: t
    for t in (
        # Avery 5160 address labels, 1 x 2 5/8 in: top margin 1/2 in, side margins 3/16 in,
        # horizontal pitch 2 3/4 in (a 1/8 in gap), vertical pitch 1 in (no gap).
        LabelTemplate(
            slug="avery-5160",
            name="Avery 5160",
            paper="US Letter",
            page_width=LETTER[0],
            page_height=LETTER[1],
            top=12.7,
            left=4.7625,
            label_width=66.675,
            label_height=25.4,
            pitch_x=69.85,
            pitch_y=25.4,
            columns=3,
            rows=10,
            corner_radius=1.5875,
        ),
        # Avery 5163 shipping labels, 2 x 4 in: top 1/2 in, sides 5/32 in, pitch 4 3/16 x 2 in.
        LabelTemplate(
            slug="avery-5163",
            name="Avery 5163",
            paper="US Letter",
            page_width=LETTER[0],
            page_height=LETTER[1],
            top=12.7,
            left=3.96875,
            label_width=101.6,
            label_height=50.8,
            pitch_x=106.3625,
            pitch_y=50.8,
            columns=2,
            rows=5,
            corner_radius=3.175,
        ),
        # Avery L7160 (A4), 21 labels of 63.5 x 38.1 mm.
        LabelTemplate(
            slug="avery-l7160",
            name="Avery L7160",
            paper="A4",
            page_width=A4[0],
            page_height=A4[1],
            top=15.15,
            left=7.21,
            label_width=63.5,
            label_height=38.1,
            pitch_x=66.04,
            pitch_y=38.1,
            columns=3,
            rows=7,
            corner_radius=1.5,
        ),
        # Avery L7651 (A4), 65 mini labels of 38.1 x 21.2 mm.
        LabelTemplate(
            slug="avery-l7651",
            name="Avery L7651",
            paper="A4",
            page_width=A4[0],
            page_height=A4[1],
            top=10.7,
            left=4.67,
            label_width=38.1,
            label_height=21.2,
            pitch_x=40.64,
            pitch_y=21.2,
            columns=5,
            rows=13,
            corner_radius=1.0,
        ),
        # Avery 22805 square labels, 1 1/2 in, 4 x 6 on US Letter. gLabels' template XML has no
        # 22805, so the margins come from two independent public label projects that agree: one
        # printed against real sheets ("side margin 0.78125 in, column pitch 1.8125 in, top
        # 0.5 in, row pitch 1.7 in"), the other's preset reads left 0.7799 in + gap 0.3132 in,
        # top 0.5 in + row gap 0.2 in. Both are the symmetric layout: 0.78125 + 3 x 1.8125 +
        # 1.5 + 0.78125 = 8.5 in across and 0.5 + 5 x 1.7 + 1.5 + 0.5 = 11 in down.
        LabelTemplate(
            slug="avery-22805",
            name="Avery 22805",
            paper="US Letter",
            page_width=LETTER[0],
            page_height=LETTER[1],
            top=12.7,
            left=19.84375,
            label_width=38.1,
            label_height=38.1,
            pitch_x=46.0375,
            pitch_y=43.18,
            columns=4,
            rows=6,
            corner_radius=1.5875,
        ),
        # One 62 x 29 mm die-cut label a page (Brother DK-11209 size): thermal label printers
        # take the label as the page, with no margins.
        LabelTemplate(
            slug="thermal-62x29",
            name="Thermal 62 × 29 mm",
            paper="a 62 × 29 mm roll",
            page_width=62.0,
            page_height=29.0,
            top=0.0,
            left=0.0,
            label_width=62.0,
            label_height=29.0,
            pitch_x=62.0,
            pitch_y=29.0,
            columns=1,
            rows=1,
        ),
    )
}
DEFAULT_TEMPLATE = "avery-5160"


# --- the layout inside one label -------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class LabelLayout:
    """Where things go inside a label of one template (label coordinates, mm).

    ``qr`` is the square kept for the code, its quiet zone included. Text sits in ``text``:
    the tag on the first line (bold, shrunk to fit the width if it must), then the asset's
    name on up to ``name_lines`` lines. ``stacked`` labels (square ones) put the text under
    the code, centred; wide ones put it to the right of the code, left-aligned.
    """

    qr: Box
    text: Box
    stacked: bool
    tag_size: float  # points, the largest the tag gets
    name_size: float  # points
    name_lines: int

    def symbol(self, modules: int) -> tuple[Box, float]:
        """Where the code's modules are drawn, and the module size (mm), for a code this big."""
        module = self.qr.width / (modules + 2 * LABEL_QUIET_ZONE)
        inset = LABEL_QUIET_ZONE * module
        side = modules * module
        return Box(self.qr.x + inset, self.qr.y + inset, side, side), module


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


@lru_cache(maxsize=32)
def layout_for(template: LabelTemplate) -> LabelLayout:
    """The code as large as the label allows, a small white padding, the text beside or under."""
    width, height = template.label_width, template.label_height
    pad = _clamp(0.06 * min(width, height), 1.2, 3.0)
    gap = _clamp(pad * 0.75, 1.0, 2.5)
    if width >= 1.3 * height:
        side = height - 2 * pad
        text_x = pad + side + gap
        text = Box(text_x, pad, width - text_x - pad, height - 2 * pad)
        tag_size = _clamp(height * 0.5, 7.0, 18.0)
        # Narrow text columns get smaller names, so that a line holds a word or two.
        name_size = _clamp(min(tag_size * 0.62, text.width * 0.32), 6.0, 11.0)
        # The tag's capitals, the first name line (1.45 em below), then 1.2 em a line.
        room = text.height - tag_size * PT * 0.72 - name_size * PT * (1.45 + 0.25)
        lines = 1 + int(room // (name_size * PT * 1.2))
        return LabelLayout(
            qr=Box(pad, pad, side, side),
            text=text,
            stacked=False,
            tag_size=tag_size,
            name_size=name_size,
            name_lines=int(_clamp(lines, 1, 3)),
        )
    tag_size = _clamp(width * 0.3, 7.0, 14.0)
    name_size = _clamp(tag_size * 0.62, 6.0, 9.0)
    text_height = tag_size * PT * 1.2 + name_size * PT * 1.25
    side = min(width - 2 * pad, height - 2 * pad - gap - text_height)
    text_y = pad + side + gap
    return LabelLayout(
        qr=Box((width - side) / 2, pad, side, side),
        text=Box(pad, text_y, width - 2 * pad, height - text_y - pad),
        stacked=True,
        tag_size=tag_size,
        name_size=name_size,
        name_lines=1,
    )


# --- one label, filled in ---------------------------------------------------------------------


@dataclass(frozen=True)
class TextLine:
    text: str
    x: float  # the left edge, or the centre when ``centred``
    baseline: float
    size: float  # points
    font: str
    centred: bool = False

    @property
    def bold(self) -> bool:
        return self.font.endswith("-Bold")


@dataclass(frozen=True)
class LabelContent:
    """Everything one label shows, positioned in label coordinates (mm)."""

    url: str
    code: QrCode
    symbol: Box
    module: float
    lines: tuple[TextLine, ...]

    @property
    def tag_line(self) -> TextLine:
        return self.lines[0]


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text the PDF's standard fonts can draw: WinAnsi (Latin) characters, others as "?".

    The built-in Helvetica covers Western European text; embedding a font for every script
    would make every sheet heavier. The print page uses the same text so the two agree.
    """
    text = _CONTROL.sub(" ", text or "")
    return " ".join(text.encode("cp1252", "replace").decode("cp1252").split())


def text_width(text: str, font: str, size: float) -> float:
    """Width in mm, from the font's own metrics (the same ones the PDF uses)."""
    return stringWidth(text, font, size) * PT


def fit_size(text: str, font: str, largest: float, smallest: float, width: float) -> float:
    """The largest size (in half points) at which ``text`` fits ``width``; ``smallest`` if none."""
    size = largest
    while size > smallest and text_width(text, font, size) > width:
        size -= 0.5
    return max(size, smallest)


def truncate(text: str, font: str, size: float, width: float) -> str:
    """``text`` cut with an ellipsis so that it fits ``width``."""
    if text_width(text, font, size) <= width:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if text_width(text[:middle].rstrip() + ELLIPSIS, font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS if low else ELLIPSIS


def wrap(text: str, font: str, size: float, width: float, lines: int) -> list[str]:
    """Up to ``lines`` lines broken at spaces; what does not fit ends in an ellipsis."""
    words = text.split()
    out: list[str] = []
    while words and len(out) < lines:
        if len(out) == lines - 1:
            out.append(truncate(" ".join(words), font, size, width))
            break
        line = words.pop(0)
        while words and text_width(f"{line} {words[0]}", font, size) <= width:
            line = f"{line} {words.pop(0)}"
        if text_width(line, font, size) > width:  # one word longer than the line
            line = truncate(line, font, size, width)
        out.append(line)
    return out


def label_content(layout: LabelLayout, *, tag: str, name: str, url: str) -> LabelContent:
    """Fill a label in: the code for ``url``, the tag, and as much of the name as fits."""
    code = qr_code(url)
    symbol, module = layout.symbol(code.size)
    text = layout.text
    tag = printable(tag)
    # A long tag shrinks (down to 5 pt) before it is cut: the tag is what people read.
    tag_size = fit_size(tag, TAG_FONT, layout.tag_size, min(5.0, layout.tag_size), text.width)
    tag = truncate(tag, TAG_FONT, tag_size, text.width)
    names = wrap(printable(name), NAME_FONT, layout.name_size, text.width, layout.name_lines)

    tag_ascent = tag_size * PT * 0.72  # Helvetica's capitals stand 0.72 em above the baseline
    first_name = layout.name_size * PT * 1.45  # tag baseline to the first name line's
    name_line = layout.name_size * PT * 1.2
    if layout.stacked:
        top = text.y
    else:
        # The text block centred on the code's square, beside it.
        block = tag_ascent
        if names:
            block += first_name + name_line * (len(names) - 1) + layout.name_size * PT * 0.2
        top = layout.qr.y + max(0.0, (layout.qr.height - block) / 2)
    x = text.x + text.width / 2 if layout.stacked else text.x
    baseline = top + tag_ascent
    lines = [TextLine(tag, x, baseline, tag_size, TAG_FONT, layout.stacked)]
    baseline += first_name
    for line in names:
        lines.append(TextLine(line, x, baseline, layout.name_size, NAME_FONT, layout.stacked))
        baseline += name_line
    return LabelContent(url=url, code=code, symbol=symbol, module=module, lines=tuple(lines))
