"""Tag sheets: which assets get a label, where each label falls, and the PDF and print page.

The rules live here and the views stay thin: ``build_sheet`` turns what the person asked for
(a template, a start position, pasted tags or register filters) into a ``TagSheet`` or a
``ValidationError`` whose messages say what to fix; ``render_pdf`` and ``print_pages`` draw the
same sheet through the same label layout.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from reportlab.lib.colors import black
from reportlab.pdfgen.canvas import Canvas

from assets.filters import AssetFilterSet
from assets.models import Asset, Location
from assets.visibility import visible_assets

from .labels import (
    DEFAULT_TEMPLATE,
    PT,
    TEMPLATES,
    LabelContent,
    LabelTemplate,
    label_content,
    layout_for,
)
from .qr import short_url
from .services import parse_code

MAX_LABELS = 5000
MM = 72 / 25.4  # PDF points in a millimetre
# Register filters a sheet can be chosen by (the register's own query string carries them).
FILTER_KEYS = tuple(name for name in AssetFilterSet.base_filters if name != "ordering")
SVG_FONTS = "Helvetica, Arial, 'Liberation Sans', sans-serif"
_SEPARATORS = re.compile(r"[\s,;]+")
MAX_LISTED = 20  # unknown tags named in the message; the rest are counted


@dataclass(frozen=True)
class SheetLabel:
    tag: str
    name: str

    @property
    def url(self) -> str:
        return short_url(self.tag)


@dataclass(frozen=True)
class TagSheet:
    """Labels in order, laid out from ``start`` (1-based) on the first page of ``template``."""

    template: LabelTemplate
    start: int
    labels: tuple[SheetLabel, ...]
    source: str  # in words: "3 pasted tags", "the register filtered by …"

    @property
    def count(self) -> int:
        return len(self.labels)

    @property
    def page_count(self) -> int:
        return -(-(self.start - 1 + self.count) // self.template.per_page)

    @cached_property
    def pages(self) -> list[list[tuple[int, SheetLabel]]]:
        """Each page's labels with the cell they go in; the first ``start - 1`` cells stay empty."""
        per_page = self.template.per_page
        pages: list[list[tuple[int, SheetLabel]]] = [[] for _ in range(self.page_count)]
        for index, label in enumerate(self.labels):
            page, cell = divmod(self.start - 1 + index, per_page)
            pages[page].append((cell, label))
        return pages

    @property
    def summary(self) -> str:
        labels = f"{self.count:,} label{'s' if self.count != 1 else ''}"
        sheets = f"{self.page_count:,} sheet{'s' if self.page_count != 1 else ''}"
        if self.template.per_page == 1:
            sheets = f"{self.page_count:,} printer label{'s' if self.page_count != 1 else ''}"
        return f"{labels} on {sheets}"

    def filename(self, extension: str, today: datetime.date | None = None) -> str:
        today = today or datetime.date.today()
        return f"tag-sheet-{self.template.slug}-{today.isoformat()}.{extension}"


# --- choosing what to print -------------------------------------------------------------------


def template_from(slug: str | None) -> LabelTemplate:
    slug = (slug or "").strip() or DEFAULT_TEMPLATE
    if slug not in TEMPLATES:
        raise ValidationError(
            {
                "template": f"Unknown label template “{slug[:40]}”: use one of "
                + ", ".join(TEMPLATES)
                + "."
            }
        )
    return TEMPLATES[slug]


def start_from(value: str | None, template: LabelTemplate) -> int:
    """The 1-based label to start at, within the first sheet (to reuse a half-used sheet)."""
    value = (value or "").strip() or "1"
    per_page = template.per_page
    try:
        start = int(value)
    except ValueError:
        start = 0
    if not 1 <= start <= per_page:
        if per_page == 1:
            raise ValidationError({"start": f"{template.name} has one label a page: start at 1."})
        raise ValidationError(
            {
                "start": f"Start position must be a whole number from 1 to {per_page} "
                f"({template.name} has {per_page} labels a sheet); “{value[:20]}” is not."
            }
        )
    return start


def split_tags(text: str) -> list[str]:
    """Tags pasted one a line or separated by commas; a scanned ``…/t/<tag>`` link counts too."""
    tags, seen = [], set()
    for token in _SEPARATORS.split(text or ""):
        if not token:
            continue
        try:
            tag = parse_code(token)
        except ValidationError:
            tag = token[:40]
        if tag.upper() not in seen:
            seen.add(tag.upper())
            tags.append(tag)
    return tags


def assets_for_tags(user, tags: list[str]) -> list[SheetLabel]:
    """The pasted tags' assets in the pasted order (each once), or every tag we cannot print.

    A tag this person may not see gets the same answer as one that does not exist.
    """
    if len(tags) > MAX_LABELS:
        raise ValidationError({"tags": _too_many(len(tags))})
    wanted = set(tags) | {tag.upper() for tag in tags}
    rows = visible_assets(user).filter(tag__in=wanted).values_list("pk", "tag", "name")
    by_tag: dict[str, tuple[int, str, str]] = {}
    for pk, tag, name in rows:
        by_tag[tag] = (pk, tag, name)
        by_tag.setdefault(tag.upper(), (pk, tag, name))
    labels, missing, seen = [], [], set()
    for tag in tags:
        row = by_tag.get(tag) or by_tag.get(tag.upper())
        if row is None:
            missing.append(tag)
        elif row[0] not in seen:
            seen.add(row[0])
            labels.append(SheetLabel(tag=row[1], name=row[2]))
    if missing:
        listed = ", ".join(missing[:MAX_LISTED])
        more = f" and {len(missing) - MAX_LISTED} more" if len(missing) > MAX_LISTED else ""
        raise ValidationError(
            {
                "tags": f"Not in the register: {listed}{more}. Check the tags, or remove them "
                "from the list."
            }
        )
    return labels


def has_filters(params: Mapping) -> bool:
    return any(_values(params, key) for key in FILTER_KEYS)


def _values(params: Mapping, key: str) -> list[str]:
    getlist = getattr(params, "getlist", None)
    values = getlist(key) if getlist else [params.get(key)]
    return [v for v in values if v not in (None, "")]


def filtered_assets(user, params: Mapping) -> QuerySet:
    """The register's filters (its own filterset) over what this person may see, by tag."""
    data = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        if _values(params, key):
            data.setlist(key, _values(params, key))
    filterset = AssetFilterSet(data, queryset=visible_assets(user, Asset.objects.all()))
    if not filterset.is_valid():
        messages = []
        for name, errors in filterset.form.errors.items():
            label = name.replace("_", " ").capitalize()
            messages.extend(f"{label}: {error}" for error in errors)
        raise ValidationError({"filters": messages})
    return filterset.qs.order_by("tag")


def assets_for_filters(user, params: Mapping) -> list[SheetLabel]:
    queryset = filtered_assets(user, params)
    rows = list(queryset.values_list("tag", "name")[: MAX_LABELS + 1])
    if len(rows) > MAX_LABELS:
        raise ValidationError({"filters": _too_many(queryset.count())})
    if not rows:
        raise ValidationError(
            {"filters": "No assets match this location and these filters: widen the selection."}
        )
    return [SheetLabel(tag=tag, name=name) for tag, name in rows]


def _describe_filters(params: Mapping) -> str:
    """Where the labels came from, in words: "everything at HQ › Building A", "the register's
    filters at HQ", "the register's filters"."""
    location_id = (params.get("location") or "").strip()
    place = Location.objects.filter(pk=location_id).first() if location_id.isdigit() else None
    others = any(_values(params, key) for key in FILTER_KEYS if key != "location")
    if place is None:
        return "the register's filters"
    if not others:
        return f"everything at {place.full_name}"
    return f"the register's filters at {place.full_name}"


def _too_many(count: int) -> str:
    return (
        f"That is {count:,} labels; one sheet run prints at most {MAX_LABELS:,}. Narrow the "
        "selection (a location, a category or a status), or print it in parts."
    )


def build_sheet(user, params: Mapping) -> TagSheet:
    """The sheet asked for by ``template``, ``start`` and ``tags`` or the register's filters.

    Pasted tags win when there are any; otherwise the location and filters choose (by tag).
    Every problem is collected, so one answer says everything there is to fix.
    """
    errors: dict[str, list[str]] = {}

    def collect(error: ValidationError) -> None:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)

    template = start = None
    try:
        template = template_from(params.get("template"))
        start = start_from(params.get("start"), template)
    except ValidationError as error:
        collect(error)
    labels: list[SheetLabel] = []
    tags = split_tags(params.get("tags", ""))
    try:
        if tags:
            labels = assets_for_tags(user, tags)
            source = f"{len(labels)} listed tag{'s' if len(labels) != 1 else ''}"
        elif has_filters(params):
            labels = assets_for_filters(user, params)
            source = _describe_filters(params)
        else:
            raise ValidationError(
                {
                    "selection": "No assets selected: paste tags, choose a location, or open "
                    "this page from the register with its filters."
                }
            )
    except ValidationError as error:
        collect(error)
    if errors:
        raise ValidationError(errors)
    assert template is not None and start is not None
    return TagSheet(template=template, start=start, labels=tuple(labels), source=source)


# --- the PDF ----------------------------------------------------------------------------------


def render_pdf(sheet: TagSheet) -> bytes:
    """The sheet as a PDF, page size and label positions exactly the template's.

    Each code is one filled path of rectangles in module units under a transform (the run list
    is cached with the matrix), which keeps 1,000 labels well under the 2 s budget.
    """
    template = sheet.template
    page_height = template.page_height
    out = io.BytesIO()
    canvas = Canvas(
        out,
        pagesize=(template.page_width * MM, page_height * MM),
        pageCompression=1,
        invariant=1,
    )
    canvas.setTitle(f"Asset tags: {sheet.summary} ({template.name})")
    canvas.setAuthor("ITAM")
    canvas.setCreator("ITAM tag sheets")
    layout = layout_for(template)
    for page in sheet.pages:
        canvas.setFillColor(black)
        for cell, label in page:
            left, top = template.cell_origin(cell)
            content = label_content(layout, tag=label.tag, name=label.name, url=label.url)
            _draw_label(canvas, content, left, top, page_height)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _draw_label(canvas: Canvas, content: LabelContent, left: float, top: float, page: float):
    symbol, module = content.symbol, content.module
    canvas.saveState()
    # Module units, y down: module (x, y) lands at the symbol's top-left plus x, y modules.
    canvas.transform(
        module * MM, 0, 0, -module * MM, (left + symbol.x) * MM, (page - top - symbol.y) * MM
    )
    canvas.addLiteral(f"{content.code.pdf_ops} f")
    canvas.restoreState()
    for line in content.lines:
        canvas.setFont(line.font, line.size)
        x, y = (left + line.x) * MM, (page - top - line.baseline) * MM
        if line.centred:
            canvas.drawCentredString(x, y, line.text)
        else:
            canvas.drawString(x, y, line.text)


# --- the print page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PrintCell:
    cell: int
    label: SheetLabel | None
    svg: SafeString | None


def print_pages(sheet: TagSheet) -> list[list[PrintCell]]:
    """Every cell of every page (empty ones too, outlined on screen), each label as inline SVG."""
    template = sheet.template
    layout = layout_for(template)
    pages = []
    for page in sheet.pages:
        filled = dict(page)
        cells = []
        for cell in range(template.per_page):
            label = filled.get(cell)
            svg = None
            if label is not None:
                content = label_content(layout, tag=label.tag, name=label.name, url=label.url)
                svg = label_svg(template, content)
            cells.append(PrintCell(cell=cell, label=label, svg=svg))
        pages.append(cells)
    return pages


def label_svg(template: LabelTemplate, content: LabelContent) -> SafeString:
    """One label drawn in millimetre user units: the code's path and the text lines."""
    symbol, module = content.symbol, content.module
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="label__svg" '
        f'viewBox="0 0 {template.label_width:g} {template.label_height:g}" '
        f'role="img" aria-label="{escape(content.tag_line.text)}">',
        f'<path class="label__qr" fill="#000" shape-rendering="crispEdges" '
        f'transform="translate({symbol.x:.4f} {symbol.y:.4f}) scale({module:.5f})" '
        f'd="{content.code.path_data}"/>',
    ]
    for line in content.lines:
        anchor = ' text-anchor="middle"' if line.centred else ""
        weight = ' font-weight="bold"' if line.bold else ""
        parts.append(
            f'<text x="{line.x:.3f}" y="{line.baseline:.3f}" font-size="{line.size * PT:.3f}"'
            f'{weight}{anchor} font-family="{SVG_FONTS}" fill="#000">{escape(line.text)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every value above is a number or escaped


def template_css(template: LabelTemplate) -> str:
    """The print page's geometry for one template: the page, the label size, every cell."""
    t = template
    lines = [
        f"/* {t.name}: {t.columns} x {t.rows} labels of {t.label_width:g} x "
        f"{t.label_height:g} mm on {t.page_width:g} x {t.page_height:g} mm. */",
        f"@page {{ size: {t.page_width:g}mm {t.page_height:g}mm; margin: 0; }}",
        f".sheet {{ width: {t.page_width:g}mm; height: {t.page_height:g}mm; }}",
        f".label {{ width: {t.label_width:g}mm; height: {t.label_height:g}mm; "
        f"border-radius: {t.corner_radius:g}mm; }}",
    ]
    for cell in range(t.per_page):
        left, top = t.cell_origin(cell)
        lines.append(f".cell-{cell} {{ left: {left:.4f}mm; top: {top:.4f}mm; }}")
    return "\n".join(lines) + "\n"


def sheet_query(params: Mapping, keys: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The request's selection parameters as (key, value) pairs, to carry to another URL or
    form. Pasted tags travel comma-separated (a hidden field or a URL keeps no line breaks)."""
    wanted = ("template", "start", "tags", *FILTER_KEYS, *keys)
    pairs = []
    for key in wanted:
        for value in _values(params, key):
            if key == "tags":
                value = ",".join(split_tags(value))
            if value:
                pairs.append((key, value))
    return pairs
