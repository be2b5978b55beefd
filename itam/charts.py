"""Server-rendered SVG charts: horizontal bars and a donut, no JavaScript.

The Content-Security-Policy forbids inline scripts and ``style=`` attributes, so colours and sizes
are SVG presentation attributes (``fill=``, ``width=``), which it allows. Each chart has a
``<title>``, every bar or slice carries its number as text and in its accessible name, and the
template shows the same rows as a table for anyone who prefers one. A ``viewBox`` with
``width="100%"`` lets the chart scale down to a phone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import count

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH = 360  # viewBox units; the chart scales to its box
ROW = 34  # one bar: a label line, then the bar with its number
BAR_HEIGHT = 13
VALUE_ROOM = 84  # kept free right of the longest bar for its number
LABEL_CHARS = 46
BAR_COLOUR = "#1f4fa3"
OTHER_COLOUR = "#8a93a3"
TEXT_COLOUR = "#1d2330"
MUTED_COLOUR = "#5a6272"
# Status colours for the donut, matching the badges' hues (assets.choices.STATUS_COLOURS).
PALETTE = {
    "purple": "#7a45c4",
    "green": "#2e8a4f",
    "blue": "#1f4fa3",
    "orange": "#c26a00",
    "red": "#c4321f",
    "grey": "#8a93a3",
    "dark": "#3b4250",
}

_ids = count(1)


@dataclass(frozen=True)
class Bar:
    """One row of a chart: what it is, how many (or how much), shown how, and where it leads."""

    label: str
    value: int | Decimal
    display: str
    url: str = ""
    colour: str = BAR_COLOUR


@dataclass
class Chart:
    title: str
    bars: list[Bar]
    svg: SafeString = field(default=mark_safe(""))
    value_heading: str = "Assets"

    @property
    def empty(self) -> bool:
        return not any(bar.value for bar in self.bars)


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _num(value: float) -> str:
    """Coordinates with at most two decimals, so the markup stays small and stable in tests."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def bar_chart(title: str, bars: list[Bar], *, value_heading: str = "Assets") -> Chart:
    """Horizontal bars, longest first as given; each bar's number is written beside it."""
    chart_id = f"chart-{next(_ids)}"
    top = max((float(bar.value) for bar in bars), default=0.0)
    span = WIDTH - VALUE_ROOM
    height = max(ROW * len(bars), ROW)
    parts = [
        format_html(
            '<svg class="chart chart--bars" viewBox="0 0 {} {}" width="100%" '
            'preserveAspectRatio="xMinYMin meet" role="group" aria-labelledby="{}-t">'
            '<title id="{}-t">{}</title>',
            WIDTH,
            height,
            chart_id,
            chart_id,
            title,
        )
    ]
    for index, bar in enumerate(bars):
        y = index * ROW
        length = span * float(bar.value) / top if top else 0.0
        if bar.value and length < 2:
            length = 2.0  # a non-zero value stays visible
        name = f"{bar.label}: {bar.display}"
        row = format_html(
            '<text x="0" y="{}" font-size="12.5" fill="{}">{}</text>'
            '<rect x="0" y="{}" width="{}" height="{}" rx="2" fill="{}"/>'
            '<text x="{}" y="{}" font-size="12.5" font-weight="700" fill="{}">{}</text>',
            _num(y + 12),
            TEXT_COLOUR,
            _short(bar.label),
            _num(y + 16),
            _num(length),
            BAR_HEIGHT,
            bar.colour,
            _num(length + 5),
            _num(y + 27),
            TEXT_COLOUR,
            bar.display,
        )
        if bar.url:
            parts.append(
                format_html(
                    '<a href="{}" aria-label="{}"><title>{}</title>'
                    '<rect x="0" y="{}" width="{}" height="{}" fill="transparent"/>{}</a>',
                    bar.url,
                    name,
                    name,
                    y,
                    WIDTH,
                    ROW,
                    row,
                )
            )
        else:
            parts.append(
                format_html(
                    '<g role="img" aria-label="{}"><title>{}</title>{}</g>', name, name, row
                )
            )
    parts.append(mark_safe("</svg>"))
    svg = mark_safe("".join(str(part) for part in parts))
    return Chart(title=title, bars=list(bars), svg=svg, value_heading=value_heading)


def donut_chart(title: str, bars: list[Bar], *, total_label: str = "in all") -> Chart:
    """A ring of slices (zero slices left out) with the total in the middle; the legend and the
    table name every slice with its number."""
    chart_id = f"chart-{next(_ids)}"
    total = sum(float(bar.value) for bar in bars)
    radius = 15.91549430918954  # circumference 100: a slice's dash length is its percentage
    parts = [
        format_html(
            '<svg class="chart chart--donut" viewBox="0 0 42 42" width="100%" role="img" '
            'aria-labelledby="{}-t {}-d"><title id="{}-t">{}</title><desc id="{}-d">{}</desc>'
            '<circle cx="21" cy="21" r="{}" fill="none" stroke="#eceef1" stroke-width="6"/>',
            chart_id,
            chart_id,
            chart_id,
            title,
            chart_id,
            "; ".join(f"{bar.label}: {bar.display}" for bar in bars if bar.value) or "None",
            _num(radius),
        )
    ]
    offset = 25.0  # start at twelve o'clock
    for bar in bars:
        if not bar.value or not total:
            continue
        share = 100.0 * float(bar.value) / total
        parts.append(
            format_html(
                '<circle cx="21" cy="21" r="{}" fill="none" stroke="{}" stroke-width="6" '
                'stroke-dasharray="{} {}" stroke-dashoffset="{}"/>',
                _num(radius),
                bar.colour,
                _num(share),
                _num(100 - share),
                _num(offset),
            )
        )
        offset = math.fmod(offset - share + 100.0, 100.0)
    parts.append(
        format_html(
            '<text x="21" y="21.5" text-anchor="middle" font-size="7" font-weight="700" '
            'fill="{}">{}</text><text x="21" y="27" text-anchor="middle" font-size="3.2" '
            'fill="{}">{}</text></svg>',
            TEXT_COLOUR,
            f"{int(total):,}" if total == int(total) else f"{total:,.2f}",
            MUTED_COLOUR,
            total_label,
        )
    )
    svg = mark_safe("".join(str(part) for part in parts))
    return Chart(title=title, bars=list(bars), svg=svg)


def swatch(colour: str) -> SafeString:
    """A small legend square (an SVG, since ``style=`` is not allowed)."""
    return format_html(
        '<svg class="chart-swatch" viewBox="0 0 10 10" width="10" height="10" aria-hidden="true">'
        '<rect width="10" height="10" rx="2" fill="{}"/></svg>',
        colour,
    )
