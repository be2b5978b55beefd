"""Reading what spreadsheets export: encodings, delimiters, dates and money in many spellings."""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal, InvalidOperation

from django.conf import settings

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000


class FileRefused(Exception):
    """The file as a whole cannot be read (too big, too long, no header): nothing is imported."""


def refuse_binary(data: bytes) -> None:
    """``FileRefused`` for a file that is not text: a workbook, an image, UTF-16 (NUL bytes near
    the start). Checked on every upload, web and API; a stray NUL further on is dropped."""
    if b"\x00" in data[:8192]:
        raise FileRefused(
            "This is not a CSV file (it looks like a workbook or another binary file): in your "
            "spreadsheet choose Save As, CSV UTF-8, and upload that."
        )


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) first; Excel on Windows still writes cp1252."""
    if len(data) > MAX_BYTES:
        raise FileRefused(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    # NUL never means anything in a CSV, and PostgreSQL refuses to store or compare it.
    return text.replace("\x00", "")


def sniff_delimiter(text: str) -> str:
    """European spreadsheets export ``;``; judge by the header line, where no value hides one."""
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_rows(data: bytes) -> tuple[list[str], list[list[str]]]:
    """The header and the data rows; blank lines are skipped."""
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        header = next(reader)
    except StopIteration:
        raise FileRefused("The file is empty: it needs a header row.") from None
    except csv.Error as error:
        raise FileRefused(f"The file is not readable CSV: {error}.") from None
    rows: list[list[str]] = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                rows.append([])  # keep numbering as in the spreadsheet
                continue
            rows.append(row)
            if len(rows) > MAX_ROWS:
                raise FileRefused(f"The file has more than {MAX_ROWS:,} rows: split it.")
    except csv.Error as error:
        raise FileRefused(f"The file is not readable CSV: {error}.") from None
    return header, rows


_DATE_FORMATS_TEXT = ("%b %d %Y", "%d %b %Y", "%B %d %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y")
_NUMERIC = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{2,4})$")


def parse_date(value: str, *, day_first: bool | None = None) -> datetime.date:
    """ISO, DD/MM/YYYY or MM/DD/YYYY (ambiguous ones follow ``ITAM_IMPORT_DAY_FIRST``), "Jan 5
    2024", "2024-01-05 10:00:00"."""
    if day_first is None:
        day_first = getattr(settings, "ITAM_IMPORT_DAY_FIRST", True)
    text = value.strip()
    head = text.split("T", 1)[0].split(" ", 1)[0] if re.match(r"^\d{4}-", text) else text
    try:
        return datetime.date.fromisoformat(head)
    except ValueError:
        pass
    match = _NUMERIC.match(text)
    if match:
        a, b, c = (int(part) for part in match.groups())
        if len(match.group(1)) == 4:  # 2024/01/05
            year, month, day = a, b, c
        else:
            year = c + 2000 if c < 100 else c
            if a > 12:
                day, month = a, b
            elif b > 12:
                month, day = a, b
            elif day_first:
                day, month = a, b
            else:
                month, day = a, b
        try:
            return datetime.date(year, month, day)
        except ValueError:
            pass
    cleaned = re.sub(r"\s+", " ", text.replace(",", ", ")).replace(" ,", ",").strip()
    for fmt in _DATE_FORMATS_TEXT:
        for candidate in (cleaned, cleaned.replace(",", "")):
            try:
                return datetime.datetime.strptime(candidate, fmt).date()
            except ValueError:
                continue
    order = "DD/MM/YYYY" if day_first else "MM/DD/YYYY"
    raise ValueError(
        f"Cannot read “{value}” as a date. Use YYYY-MM-DD, {order} (ITAM_IMPORT_DAY_FIRST decides "
        "DD/MM or MM/DD), or e.g. “Jan 5 2024”."
    )


_CURRENCY = re.compile(r"[£$€¥]|\b[A-Z]{3}\b")


def parse_money(value: str) -> Decimal:
    """ "£1,234.56", "$1,234.56", "1.234,56 €", "1234.56": the last separator followed by one or
    two digits is the decimal point."""
    text = _CURRENCY.sub("", value.strip()).replace("\u00a0", "").replace(" ", "").replace("'", "")
    negative = text.startswith("-") or (text.startswith("(") and text.endswith(")"))
    text = text.strip("-()")
    if not re.fullmatch(r"[\d.,]+", text or "x"):
        raise ValueError(f"Cannot read “{value}” as an amount, e.g. 1234.56 or £1,234.56.")
    last = max(text.rfind("."), text.rfind(","))
    if last >= 0 and 1 <= len(text) - last - 1 <= 2:
        whole, fraction = text[:last], text[last + 1 :]
    else:
        whole, fraction = text, ""
    whole = whole.replace(".", "").replace(",", "")
    try:
        amount = Decimal(f"{whole or '0'}.{fraction or '0'}")
    except InvalidOperation:
        raise ValueError(f"Cannot read “{value}” as an amount, e.g. 1234.56.") from None
    return -amount if negative else amount
