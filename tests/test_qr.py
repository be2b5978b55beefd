"""QR codes and label templates: what a code encodes, how it is drawn, and the sheets' geometry.

No database: these are pure functions of the URL and of the templates' published numbers.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image

from audits import qr
from audits.labels import (
    LABEL_QUIET_ZONE,
    PT,
    TAG_FONT,
    TEMPLATES,
    label_content,
    layout_for,
    printable,
    text_width,
    truncate,
    wrap,
)

URL = "https://itam.example.com/t/IT-000123"
SVG_NS = "{http://www.w3.org/2000/svg}"


def decode(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def matrix_image(code: qr.QrCode, *, quiet: int = 4, scale: int = 8) -> Image.Image:
    """The code redrawn from its merged runs: proves the runs cover exactly the dark modules."""
    side = code.size + 2 * quiet
    image = Image.new("L", (side * scale, side * scale), 255)
    pixels = image.load()
    for x, y, length in code.runs:
        for dx in range(length * scale):
            for dy in range(scale):
                pixels[(quiet + x) * scale + dx, (quiet + y) * scale + dy] = 0
    return image


# --- the code ---------------------------------------------------------------------------------


def test_short_url_is_built_from_the_configured_base_url(settings):
    # Given a site whose public address is set in settings
    settings.ITAM_BASE_URL = "https://assets.example.org"
    # Then the short link is that address, /t/, and the tag (quoted if it had to be)
    assert qr.short_url("IT-000123") == "https://assets.example.org/t/IT-000123"
    assert qr.short_url("A B/C") == "https://assets.example.org/t/A%20B%2FC"


def test_the_matrix_uses_error_correction_m_and_the_fixed_mask():
    # When a URL is encoded
    code = qr.qr_code(URL)
    # Then it is a square of modules whose format information says level M, mask 2:
    # the 15 format bits around the top-left finder, unmasked with 101010000010010.
    assert code.size == len(code.rows) == len(code.rows[0])
    bits = [code.rows[8][x] for x in (0, 1, 2, 3, 4, 5, 7, 8)]
    bits += [code.rows[y][8] for y in (7, 5, 4, 3, 2, 1, 0)]
    value = int("".join("1" if b else "0" for b in bits), 2) ^ 0b101010000010010
    error_correction, mask = value >> 13, (value >> 10) & 0b111
    assert error_correction == 0b00  # M
    assert mask == qr.MASK_PATTERN == 2


def test_the_matrix_is_cached_per_url():
    assert qr.qr_code(URL) is qr.qr_code(URL)
    assert qr.qr_code(URL) is not qr.qr_code(URL + "4")


def test_the_merged_runs_redraw_the_same_code():
    code = qr.qr_code(URL)
    dark = sum(row.count(True) for row in code.rows)
    assert sum(length for _, _, length in code.runs) == dark
    assert decode(matrix_image(code)) == [URL]


def test_png_is_crisp_and_decodes():
    # When the PNG is made
    image = Image.open(io.BytesIO(qr.png(URL)))
    code = qr.qr_code(URL)
    # Then each module is 10 px, with a 4-module quiet zone, in pure black and white
    assert image.size == ((code.size + 8) * 10,) * 2
    assert {value for _, value in image.convert("L").getcolors()} == {0, 255}
    # And the quiet zone is white and the top-left finder starts right after it
    assert image.convert("L").getpixel((39, 39)) == 255
    assert image.convert("L").getpixel((40, 40)) == 0
    assert decode(image) == [URL]


def test_svg_is_one_path_with_a_viewbox_and_a_quiet_zone_and_no_script():
    document = qr.svg_document(URL, title="IT-000123 <&>")
    root = ET.fromstring(document.split("\n", 1)[1])
    code = qr.qr_code(URL)
    side = code.size + 2 * qr.QUIET_ZONE
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("viewBox") == f"0 0 {side} {side}"
    assert root.get("width") == str(side * 10)
    paths = root.findall(f".//{SVG_NS}path")
    assert len(paths) == 1
    assert paths[0].get("transform") == "translate(4 4)"
    assert root.find(f"{SVG_NS}title").text == "IT-000123 <&>"  # escaped in the markup
    assert "script" not in document.lower()
    assert "on" not in {name[:2] for element in root.iter() for name in element.attrib}


# --- the templates ----------------------------------------------------------------------------


def test_the_template_slugs_are_the_contract():
    assert list(TEMPLATES) == [
        "avery-5160",
        "avery-5163",
        "avery-l7160",
        "avery-l7651",
        "avery-22805",
        "thermal-62x29",
    ]


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=list(TEMPLATES))
def test_every_template_fits_its_page(template):
    # Pitches are at least the label sizes (labels never overlap)
    assert template.pitch_x >= template.label_width
    assert template.pitch_y >= template.label_height
    # And no label crosses the page's edge
    for cell in range(template.per_page):
        left, top = template.cell_origin(cell)
        assert left >= 0 and top >= 0
        assert left + template.label_width <= template.page_width + 1e-9
        assert top + template.label_height <= template.page_height + 1e-9


@pytest.mark.parametrize(
    ("slug", "paper", "grid", "label", "first", "pitch"),
    [
        ("avery-5160", (215.9, 279.4), (3, 10), (66.675, 25.4), (4.7625, 12.7), (69.85, 25.4)),
        ("avery-5163", (215.9, 279.4), (2, 5), (101.6, 50.8), (3.96875, 12.7), (106.3625, 50.8)),
        ("avery-l7160", (210, 297), (3, 7), (63.5, 38.1), (7.21, 15.15), (66.04, 38.1)),
        ("avery-l7651", (210, 297), (5, 13), (38.1, 21.2), (4.67, 10.7), (40.64, 21.2)),
        ("avery-22805", (215.9, 279.4), (4, 6), (38.1, 38.1), (19.84375, 12.7), (46.0375, 43.18)),
        ("thermal-62x29", (62, 29), (1, 1), (62, 29), (0, 0), (62, 29)),
    ],
)
def test_published_geometry(slug, paper, grid, label, first, pitch):
    template = TEMPLATES[slug]
    assert (template.page_width, template.page_height) == pytest.approx(paper)
    assert (template.columns, template.rows) == grid
    assert (template.label_width, template.label_height) == pytest.approx(label)
    assert (template.left, template.top) == pytest.approx(first)
    assert (template.pitch_x, template.pitch_y) == pytest.approx(pitch)
    # The sheets are symmetric: the right and bottom margins equal the left and top ones
    right = template.page_width - template.cell_origin(template.per_page - 1)[0] - label[0]
    bottom = template.page_height - template.cell_origin(template.per_page - 1)[1] - label[1]
    assert right == pytest.approx(first[0], abs=0.01)
    assert bottom == pytest.approx(first[1], abs=0.01)


def test_cells_count_across_then_down():
    template = TEMPLATES["avery-5160"]
    assert template.cell_origin(0) == pytest.approx((4.7625, 12.7))
    assert template.cell_origin(2) == pytest.approx((4.7625 + 2 * 69.85, 12.7))
    assert template.cell_origin(3) == pytest.approx((4.7625, 12.7 + 25.4))
    assert template.cell_origin(29) == pytest.approx((4.7625 + 2 * 69.85, 12.7 + 9 * 25.4))


# --- the layout inside a label ----------------------------------------------------------------


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=list(TEMPLATES))
def test_the_layout_keeps_everything_inside_the_label(template):
    layout = layout_for(template)
    content = label_content(
        layout,
        tag="IT-000123",
        name="Lenovo ThinkPad X1 Carbon Gen 12 with a docking station, two 27-inch screens, "
        "a keyboard, a mouse and a headset for the finance team's open-plan office",
        url=URL,
    )
    width, height = template.label_width, template.label_height
    # The code is square, at least 12 mm across, and keeps a quiet zone of 2 modules
    symbol = content.symbol
    assert symbol.width == pytest.approx(symbol.height)
    assert symbol.width >= 12
    assert symbol.x - layout.qr.x >= LABEL_QUIET_ZONE * content.module - 1e-9
    assert layout.qr.x > 0 and layout.qr.x + layout.qr.width < width
    assert layout.qr.y > 0 and layout.qr.y + layout.qr.height < height
    # Square labels stack the text under the code; wide ones put it to the right
    assert layout.stacked == (template.slug == "avery-22805")
    for line in content.lines:
        line_width = text_width(line.text, line.font, line.size)
        left = line.x - line_width / 2 if line.centred else line.x
        assert left >= 0 and left + line_width <= width + 1e-9
        assert line.size * PT * 0.72 <= line.baseline <= height
        if layout.stacked:
            assert line.baseline - line.size * PT * 0.72 >= layout.qr.y + layout.qr.height
        else:
            assert left >= layout.qr.x + layout.qr.width
    # The tag is printed whole, bold, at a readable size
    assert content.tag_line.text == "IT-000123"
    assert content.tag_line.font == TAG_FONT
    assert content.tag_line.size >= 7
    # And the name is cut with an ellipsis where it does not fit
    assert content.lines[-1].text.endswith("…")


def test_a_long_tag_shrinks_before_it_is_cut():
    layout = layout_for(TEMPLATES["avery-l7651"])
    content = label_content(layout, tag="STORE-0001234", name="", url=URL)
    assert content.tag_line.text == "STORE-0001234"
    assert 5 <= content.tag_line.size < layout.tag_size
    assert len(content.lines) == 1  # no name, no empty line
    # A tag too long even at 5 pt is cut as a last resort, and says so with an ellipsis
    longest = label_content(layout, tag="W" * 40, name="", url=URL).tag_line
    assert longest.size == 5 and longest.text.endswith("…")


def test_truncate_and_wrap_fit_the_width():
    text = "Dell Latitude 7450 with a long configuration name"
    cut = truncate(text, "Helvetica", 8, 20)
    assert cut.endswith("…") and text_width(cut, "Helvetica", 8) <= 20
    lines = wrap(text, "Helvetica", 8, 25, 2)
    assert len(lines) == 2
    assert lines[0] == "Dell Latitude 7450"
    assert lines[1].endswith("…")
    assert all(text_width(line, "Helvetica", 8) <= 25 for line in lines)
    assert wrap("Monitor", "Helvetica", 8, 25, 2) == ["Monitor"]


def test_printable_keeps_latin_text_and_replaces_what_helvetica_cannot_draw():
    assert printable("Écran  27″\tcafé") == "Écran 27? café"
    assert printable("Ноутбук") == "???????"
