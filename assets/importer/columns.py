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


def alias_lookup(aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Normalised spelling -> field, for one kind of import."""
    return {normalise(alias): field for field, spellings in aliases.items() for alias in spellings}


_LOOKUP = alias_lookup(ALIASES)

# In a user's mapping, this value means "ignore this column".
IGNORE = ""


def map_header(
    header: list[str],
    mapping: dict[str, str] | None = None,
    *,
    lookup: dict[str, str] | None = None,
) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """Field -> column index, field -> the file's own column title, and warnings for the rest.

    ``mapping`` (file column title -> field, or ``IGNORE``) is what a person chose on the upload
    page; it wins over the known spellings (``lookup``, the asset columns by default). A mapping
    naming a field the kind does not have is the caller's bug, not the file's: it raises.
    """
    lookup = _LOOKUP if lookup is None else lookup
    known_fields = set(lookup.values())
    chosen = {normalise(title): field for title, field in (mapping or {}).items()}
    unknown = {f for f in chosen.values() if f != IGNORE and f not in known_fields}
    if unknown:
        raise ValueError(f"Unknown import field(s): {', '.join(sorted(unknown))}")
    indexes: dict[str, int] = {}
    titles: dict[str, str] = {}
    warnings: list[str] = []
    for index, title in enumerate(header):
        key = normalise(title)
        if key in chosen:
            field = chosen[key] or None
            if field is None:
                continue  # the person chose to ignore it: no warning
        else:
            field = lookup.get(key)
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
