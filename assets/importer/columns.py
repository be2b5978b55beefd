"""Column names: ours and Snipe-IT's, matched regardless of case, spaces and underscores."""

from __future__ import annotations

import re

# Canonical field -> the header spellings that mean it (normalised by ``normalise``).
ALIASES: dict[str, tuple[str, ...]] = {
    "tag": ("tag", "asset tag", "asset_tag"),
    "name": ("name", "asset name"),
    "category": ("category", "category name"),
    "model": ("model", "model name"),
    "model_number": ("model number", "model no"),
    "manufacturer": ("manufacturer",),
    "serial_number": ("serial number", "serial", "serial_number"),
    "status": ("status", "status label"),
    "location": ("location", "default location"),
    "purchase_date": ("purchase date",),
    "purchase_cost": ("purchase cost", "cost"),
    "vendor": ("vendor", "supplier"),
    "order_number": ("order number",),
    "warranty_months": ("warranty months", "warranty"),
    "warranty_end": ("warranty end", "warranty expires"),
    "notes": ("notes",),
    "checked_out_to": ("checked out to", "assigned to", "assigned_to"),
    "username": ("username",),
    "email": ("email", "e-mail"),
    "full_name": ("full name",),
    "first_name": ("first name",),
    "last_name": ("last name",),
}

# What to call a field in an error when the file did not have the column (e.g. a derived value).
LABELS = {
    "tag": "Asset Tag",
    "name": "Name",
    "category": "Category",
    "model": "Model",
    "manufacturer": "Manufacturer",
    "serial_number": "Serial Number",
    "status": "Status",
    "location": "Location",
    "purchase_date": "Purchase Date",
    "purchase_cost": "Purchase Cost",
    "vendor": "Supplier",
    "order_number": "Order Number",
    "warranty_months": "Warranty Months",
    "warranty_end": "Warranty End",
    "notes": "Notes",
    "checked_out_to": "Checked Out To",
}


def normalise(header: str) -> str:
    return re.sub(r"[\s_]+", " ", header.strip().lower())


_LOOKUP = {normalise(alias): field for field, aliases in ALIASES.items() for alias in aliases}


def map_header(header: list[str]) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """Field -> column index, field -> the file's own column title, and warnings for the rest."""
    indexes: dict[str, int] = {}
    titles: dict[str, str] = {}
    warnings: list[str] = []
    for index, title in enumerate(header):
        field = _LOOKUP.get(normalise(title))
        if field is None:
            if title.strip():
                warnings.append(f"Column “{title.strip()}” is not known and was ignored.")
            continue
        if field in indexes:
            warnings.append(f"Column “{title.strip()}” repeats “{titles[field]}”; ignored.")
            continue
        indexes[field] = index
        titles[field] = title.strip()
    return indexes, titles, warnings
