"""Tag sheets: the PDF decodes with a standard reader, every label sits where its template says
(read back from the PDF's own coordinates), and the assets chosen are the right ones in order.

The cells' expected positions are computed here from the manufacturers' numbers, not from the
template objects, so a wrong number in ``audits.labels`` fails these tests.
"""

from __future__ import annotations

import io
import time

import pdfplumber
import pytest
import zxingcpp
from django.core.exceptions import ValidationError
from django.http import QueryDict

from assets.choices import LocationKind
from audits import tagsheets
from audits.labels import TAG_FONT, TEMPLATES, label_content, layout_for, text_width
from audits.qr import short_url
from audits.tagsheets import SheetLabel, TagSheet, build_sheet, print_pages, render_pdf

from .factories import CategoryFactory, LocationFactory, make_asset, make_user

PT_MM = 25.4 / 72
DPI = 300
TOLERANCE = 0.5  # mm

# (left, top, horizontal pitch, vertical pitch, label width, label height, columns) in mm,
# as published: Avery 5160 in inches (3/16, 1/2, 2 3/4, 1, 2 5/8, 1), L7160 in millimetres.
PUBLISHED = {
    "avery-5160": (4.7625, 12.7, 69.85, 25.4, 66.675, 25.4, 3),
    "avery-5163": (3.96875, 12.7, 106.3625, 50.8, 101.6, 50.8, 2),
    "avery-l7160": (7.21, 15.15, 66.04, 38.1, 63.5, 38.1, 3),
    "avery-l7651": (4.67, 10.7, 40.64, 21.2, 38.1, 21.2, 5),
    "avery-22805": (19.84375, 12.7, 46.0375, 43.18, 38.1, 38.1, 4),
    "thermal-62x29": (0, 0, 62, 29, 62, 29, 1),
}


def cell_box(slug: str, cell: int) -> tuple[float, float, float, float]:
    """(x0, top, x1, bottom) of a label cell in mm, from the published numbers."""
    left, top, pitch_x, pitch_y, width, height, columns = PUBLISHED[slug]
    row, column = divmod(cell, columns)
    x0, y0 = left + column * pitch_x, top + row * pitch_y
    return x0, y0, x0 + width, y0 + height


def cell_of(slug: str, x: float, y: float) -> int | None:
    per_page = TEMPLATES[slug].per_page
    for cell in range(per_page):
        x0, y0, x1, y1 = cell_box(slug, cell)
        if x0 <= x <= x1 and y0 <= y <= y1:
            return cell
    return None


def sheet_of(slug: str, count: int, *, start: int = 1) -> TagSheet:
    labels = tuple(
        SheetLabel(tag=f"IT-{n:06d}", name=f"Dell Latitude 7450 no. {n}")
        for n in range(1, count + 1)
    )
    return TagSheet(template=TEMPLATES[slug], start=start, labels=labels, source="test")


def decoded(page) -> list[tuple[str, float, float]]:
    """Each code a standard decoder finds on the rendered page: its text and centre (mm)."""
    image = page.to_image(resolution=DPI).original
    found = []
    for result in zxingcpp.read_barcodes(image):
        corners = (
            result.position.top_left,
            result.position.top_right,
            result.position.bottom_right,
            result.position.bottom_left,
        )
        x = sum(p.x for p in corners) / 4 * 25.4 / DPI
        y = sum(p.y for p in corners) / 4 * 25.4 / DPI
        found.append((result.text, x, y))
    return found


def drawn_codes(page, slug: str) -> dict[int, tuple[float, float, float, float]]:
    """The bounding box (mm) of everything filled as paths in each cell: the QR modules."""
    boxes: dict[int, list[float]] = {}
    for shape in page.rects + page.curves:
        x0, x1 = shape["x0"] * PT_MM, shape["x1"] * PT_MM
        top, bottom = shape["top"] * PT_MM, shape["bottom"] * PT_MM
        cell = cell_of(slug, (x0 + x1) / 2, (top + bottom) / 2)
        assert cell is not None, "a shape outside every label"
        box = boxes.setdefault(cell, [x0, top, x1, bottom])
        box[:] = [min(box[0], x0), min(box[1], top), max(box[2], x1), max(box[3], bottom)]
    return {cell: tuple(box) for cell, box in boxes.items()}


def tag_texts(page, slug: str) -> dict[int, tuple[str, float, float, float]]:
    """Per cell, the bold tag as drawn: its text, left and right edges and baseline (mm)."""
    lines: dict[int, list[dict]] = {}
    for char in page.chars:
        if char["fontname"] != TAG_FONT:
            continue
        baseline = (page.height - char["matrix"][5]) * PT_MM
        cell = cell_of(slug, char["x0"] * PT_MM, baseline)
        lines.setdefault(cell, []).append(char)
    out = {}
    for cell, chars in lines.items():
        chars.sort(key=lambda c: c["x0"])
        baseline = (page.height - chars[0]["matrix"][5]) * PT_MM
        text = "".join(c["text"] for c in chars)
        out[cell] = (text, chars[0]["x0"] * PT_MM, chars[-1]["x1"] * PT_MM, baseline)
    return out


def open_pdf(data: bytes) -> pdfplumber.PDF:
    assert data.startswith(b"%PDF-")
    return pdfplumber.open(io.BytesIO(data))


# --- decoding ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_thirty_labels_on_avery_5160_decode_to_the_right_urls_in_the_right_cells(settings):
    # Given 30 assets in the register
    settings.ITAM_BASE_URL = "https://itam.example.com"
    assets = [make_asset(name=f"Laptop {n}") for n in range(30)]
    auditor = make_user("auditor")
    tags = [asset.tag for asset in assets]
    # When the auditor asks for them on Avery 5160, starting at the first label
    params = QueryDict(mutable=True)
    params.update({"template": "avery-5160", "tags": ",".join(tags), "start": "1"})
    sheet = build_sheet(auditor, params)
    with open_pdf(render_pdf(sheet)) as pdf:
        # Then it is one page, and a standard decoder reads exactly the 30 short links
        assert len(pdf.pages) == 1
        found = decoded(pdf.pages[0])
    expected = [f"https://itam.example.com/t/{tag}" for tag in tags]
    assert sorted(text for text, _, _ in found) == sorted(expected)
    # And each code sits in the cell its place in the list gives it (row i // 3, column i % 3)
    for text, x, y in found:
        index = expected.index(text)
        x0, y0, x1, y1 = cell_box("avery-5160", index)
        assert x0 < x < x1 and y0 < y < y1, (text, index, x, y)
        assert (index // 3, index % 3) == divmod(cell_of("avery-5160", x, y), 3)


@pytest.mark.parametrize("slug", list(TEMPLATES))
def test_every_template_renders_and_decodes(slug):
    # Given a few labels starting at the second cell (the first page of a one-label roll)
    template = TEMPLATES[slug]
    start = 2 if template.per_page > 1 else 1
    sheet = sheet_of(slug, 3, start=start)
    with open_pdf(render_pdf(sheet)) as pdf:
        assert len(pdf.pages) == sheet.page_count
        found = []
        for number, page in enumerate(pdf.pages):
            # Each page is the template's paper
            assert page.width * PT_MM == pytest.approx(template.page_width, abs=TOLERANCE)
            assert page.height * PT_MM == pytest.approx(template.page_height, abs=TOLERANCE)
            for text, x, y in decoded(page):
                found.append((text, number, cell_of(slug, x, y)))
    # Then every label decodes, on the page and in the cell it belongs to
    expected = []
    for index, label in enumerate(sheet.labels):
        page, cell = divmod(start - 1 + index, template.per_page)
        expected.append((label.url, page, cell))
    assert sorted(found) == sorted(expected)


# --- geometry from the PDF's own coordinates --------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "count", "start"),
    [("avery-5160", 30, 1), ("avery-5160", 20, 7), ("avery-l7160", 21, 1), ("avery-l7160", 9, 5)],
)
def test_codes_and_tags_are_where_the_layout_puts_them(slug, count, start):
    template = TEMPLATES[slug]
    layout = layout_for(template)
    sheet = sheet_of(slug, count, start=start)
    with open_pdf(render_pdf(sheet)) as pdf:
        page = pdf.pages[0]
        # The page is the template's paper, to the half millimetre
        assert page.width * PT_MM == pytest.approx(template.page_width, abs=TOLERANCE)
        assert page.height * PT_MM == pytest.approx(template.page_height, abs=TOLERANCE)
        codes = drawn_codes(page, slug)
        tags = tag_texts(page, slug)
    # Labels begin at the start cell; the cells before it stay blank
    first_page = sheet.labels[: template.per_page - (start - 1)]
    cells = list(range(start - 1, start - 1 + len(first_page)))
    assert sorted(codes) == cells
    assert sorted(tags) == cells
    for cell, label in zip(cells, first_page, strict=True):
        x0, y0, _, _ = cell_box(slug, cell)
        content = label_content(layout, tag=label.tag, name=label.name, url=label.url)
        symbol = content.symbol
        # The drawn code's bounding box is the layout's symbol box, placed in this cell
        expected = (x0 + symbol.x, y0 + symbol.y, x0 + symbol.x + symbol.width)
        expected += (y0 + symbol.y + symbol.height,)
        assert codes[cell] == pytest.approx(expected, abs=TOLERANCE), (cell, label.tag)
        # The tag is printed whole, starting where the layout says, on its baseline
        text, left, right, baseline = tags[cell]
        line = content.tag_line
        assert text == label.tag
        assert left == pytest.approx(x0 + line.x, abs=TOLERANCE)
        assert baseline == pytest.approx(y0 + line.baseline, abs=TOLERANCE)
        assert right - left == pytest.approx(
            text_width(label.tag, TAG_FONT, line.size), abs=TOLERANCE
        )


def test_square_labels_centre_the_tag_under_the_code():
    slug = "avery-22805"
    layout = layout_for(TEMPLATES[slug])
    sheet = sheet_of(slug, 24)
    with open_pdf(render_pdf(sheet)) as pdf:
        codes = drawn_codes(pdf.pages[0], slug)
        tags = tag_texts(pdf.pages[0], slug)
    for cell, label in enumerate(sheet.labels):
        x0, y0, x1, _ = cell_box(slug, cell)
        content = label_content(layout, tag=label.tag, name=label.name, url=label.url)
        code_left, _, code_right, code_bottom = codes[cell]
        text, left, right, baseline = tags[cell]
        assert text == label.tag
        assert (code_left + code_right) / 2 == pytest.approx((x0 + x1) / 2, abs=TOLERANCE)
        assert (left + right) / 2 == pytest.approx((x0 + x1) / 2, abs=TOLERANCE)
        assert baseline > code_bottom
        assert baseline == pytest.approx(y0 + content.tag_line.baseline, abs=TOLERANCE)


def test_a_thousand_labels_render_time_is_measured():
    """Not a timing assertion (the benchmark owns the 2 s target): the figure is printed."""
    from audits.qr import qr_code

    sheet = sheet_of("avery-5160", 1000)
    qr_code.cache_clear()
    began = time.perf_counter()
    data = render_pdf(sheet)
    cold = time.perf_counter() - began
    began = time.perf_counter()
    render_pdf(sheet)
    warm = time.perf_counter() - began
    print(f"\n1,000 labels on Avery 5160: {cold:.2f} s (codes encoded), {warm:.2f} s (cached), ")
    print(f"{len(data) / 1024:.0f} KiB, {sheet.page_count} pages")
    with open_pdf(data) as pdf:
        assert len(pdf.pages) == 34


# --- the print page's data ----------------------------------------------------------------------


def test_print_pages_leave_the_skipped_cells_empty_and_draw_the_rest_as_svg():
    sheet = sheet_of("avery-l7160", 25, start=20)
    pages = print_pages(sheet)
    assert len(pages) == 3  # 2 labels on the first sheet, 21 on the second, 2 on the third
    first = pages[0]
    assert len(first) == 21
    assert [cell.label is None for cell in first] == [True] * 19 + [False] * 2
    assert first[19].label.tag == "IT-000001"
    svg = first[19].svg
    assert svg.startswith("<svg") and svg.count("<path") == 1 and "<script" not in svg
    assert 'viewBox="0 0 63.5 38.1"' in svg
    assert ">IT-000001</text>" in svg
    assert [c.label.tag for c in pages[2] if c.label] == ["IT-000024", "IT-000025"]


def test_svg_labels_escape_the_asset_name():
    sheet = TagSheet(
        template=TEMPLATES["avery-5163"],
        start=1,
        labels=(SheetLabel(tag="IT-000001", name='<script>alert("x")</script> & co'),),
        source="test",
    )
    svg = print_pages(sheet)[0][0].svg
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg and "&amp;" in svg


def test_template_css_places_every_cell_in_millimetres():
    css = tagsheets.template_css(TEMPLATES["avery-5160"])
    assert "@page { size: 215.9mm 279.4mm; margin: 0; }" in css
    assert ".label { width: 66.675mm; height: 25.4mm;" in css
    assert ".cell-0 { left: 4.7625mm; top: 12.7000mm; }" in css
    assert ".cell-29 { left: 144.4625mm; top: 241.3000mm; }" in css


# --- choosing the assets ------------------------------------------------------------------------


@pytest.fixture
def auditor(db):
    return make_user("auditor", username="ana")


def query(**values) -> QueryDict:
    params = QueryDict(mutable=True)
    for key, value in values.items():
        if isinstance(value, list):
            params.setlist(key, value)
        else:
            params[key] = value
    return params


@pytest.mark.django_db
def test_pasted_tags_keep_their_order_each_once(auditor, settings):
    settings.ITAM_BASE_URL = "https://itam.example.com"
    a, b, c = (make_asset(name=name) for name in ("First", "Second", "Third"))
    pasted = f"{c.tag}\n{a.tag}, {c.tag.lower()} ; https://itam.example.com/t/{b.tag}\n\n{a.tag}"
    sheet = build_sheet(auditor, query(tags=pasted))
    assert [label.tag for label in sheet.labels] == [c.tag, a.tag, b.tag]
    assert [label.name for label in sheet.labels] == ["Third", "First", "Second"]
    assert sheet.labels[0].url == short_url(c.tag)
    assert sheet.template.slug == "avery-5160" and sheet.start == 1
    assert sheet.summary == "3 labels on 1 sheet"


@pytest.mark.django_db
def test_unknown_and_invisible_tags_are_named(auditor):
    known = make_asset()
    employee = make_user("employee")
    theirs = make_asset("deployed", holder=make_user("employee"))
    with pytest.raises(ValidationError) as refused:
        build_sheet(auditor, query(tags=f"{known.tag}, IT-999999, FOO"))
    assert refused.value.message_dict["tags"] == [
        "Not in the register: IT-999999, FOO. Check the tags, or remove them from the list."
    ]
    # Someone who may not see an asset gets the same answer as for a tag that does not exist
    with pytest.raises(ValidationError) as hidden:
        build_sheet(employee, query(tags=theirs.tag))
    assert hidden.value.message_dict["tags"][0].startswith(f"Not in the register: {theirs.tag}.")


@pytest.mark.django_db
def test_a_location_takes_everything_under_it_by_tag(auditor):
    building = LocationFactory(name="Building A", kind=LocationKind.BUILDING)
    room = LocationFactory(name="Room 1", parent=building, kind=LocationKind.ROOM)
    elsewhere = LocationFactory(name="Warehouse")
    in_room = make_asset(location=room)
    in_building = make_asset(location=building)
    make_asset(location=elsewhere)
    sheet = build_sheet(auditor, query(location=str(building.pk), template="avery-l7651"))
    assert [label.tag for label in sheet.labels] == sorted([in_room.tag, in_building.tag])
    assert sheet.template.slug == "avery-l7651"
    assert sheet.source == "everything at Building A"


@pytest.mark.django_db
def test_register_filters_choose_and_order_by_tag(auditor):
    laptops = CategoryFactory(name="Laptops", slug="laptops")
    wanted = [make_asset("deployed", category=laptops) for _ in range(3)]
    make_asset("in_stock", category=laptops)
    make_asset("deployed")
    sheet = build_sheet(auditor, query(category="laptops", status=["deployed"], ordering="-tag"))
    assert [label.tag for label in sheet.labels] == sorted(a.tag for a in wanted)
    assert sheet.source == "the register's filters"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        (
            {"template": "avery-9999", "tags": "X"},
            "template",
            "Unknown label template “avery-9999”: use one of avery-5160, avery-5163, "
            "avery-l7160, avery-l7651, avery-22805, thermal-62x29.",
        ),
        (
            {"template": "avery-5160", "start": "31"},
            "start",
            "Start position must be a whole number from 1 to 30 (Avery 5160 has 30 labels a "
            "sheet); “31” is not.",
        ),
        (
            {"template": "avery-l7651", "start": "zero"},
            "start",
            "Start position must be a whole number from 1 to 65 (Avery L7651 has 65 labels a "
            "sheet); “zero” is not.",
        ),
        (
            {"template": "thermal-62x29", "start": "2"},
            "start",
            "Thermal 62 × 29 mm has one label a page: start at 1.",
        ),
        (
            {"template": "avery-5160"},
            "selection",
            "No assets selected: paste tags, choose a location, or open this page from the "
            "register with its filters.",
        ),
        (
            {"status": "deployed", "category": "no-such-category"},
            "filters",
            "Category: Select a valid choice. That choice is not one of the available choices.",
        ),
    ],
)
def test_bad_requests_say_what_to_fix(auditor, params, field, message):
    with pytest.raises(ValidationError) as refused:
        build_sheet(auditor, query(**params))
    assert message in refused.value.message_dict[field]


@pytest.mark.django_db
def test_no_match_and_too_many_labels_are_refused(auditor, monkeypatch):
    room = LocationFactory(name="Room 7")
    with pytest.raises(ValidationError) as empty:
        build_sheet(auditor, query(location=str(room.pk)))
    assert "No assets match" in empty.value.message_dict["filters"][0]

    monkeypatch.setattr(tagsheets, "MAX_LABELS", 3)
    assets = [make_asset(location=room) for _ in range(4)]
    with pytest.raises(ValidationError) as too_many:
        build_sheet(auditor, query(location=str(room.pk)))
    assert too_many.value.message_dict["filters"] == [
        "That is 4 labels; one sheet run prints at most 3. Narrow the selection (a location, "
        "a category or a status), or print it in parts."
    ]
    with pytest.raises(ValidationError) as pasted:
        build_sheet(auditor, query(tags=" ".join(a.tag for a in assets)))
    assert pasted.value.message_dict["tags"][0].startswith("That is 4 labels")
