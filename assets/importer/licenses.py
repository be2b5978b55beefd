"""Import software licences from CSV (ours or Snipe-IT's licences layout).

A row matches a licence here by its ID only when the product and the key agree too (an ID
that names a licence with another key is a row error: another system's numbering must not
overwrite ours), else by product and key; a row without a key matches the one licence of that
product.
Matched licences are updated, others created, both through ``maintenance.licenses`` (the
licence pages' own service), so the same rules hold: seats never below those in use, dates in
order, keys changed only by people who may see them. Snipe-IT fields our licences do not have
(order number, licensee, manufacturer ...) are kept as lines of the notes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q, Value
from django.db.models.functions import Concat, Lower

from maintenance import licenses as service
from maintenance.models import SoftwareLicense

from ..models import Vendor
from .base import IMPORT_REASON, Importer, Plan, Row, RowError, limit, runner, words
from .parsing import parse_date, parse_money

User = get_user_model()

__all__ = ["import_licenses"]

DATES = ("purchased_on", "expires_on")
TEXTS = {"version": 100, "renewal_terms": 5000, "notes": 20000, "key": 5000}
KEPT_IN_NOTES = {  # LICENSE_NOTE_FIELDS, as their lines in the notes say
    "licensed_to_name": "Licensed to",
    "licensed_to_email": "Licensed to e-mail",
    "manufacturer": "Manufacturer",
    "category": "Category",
    "order_number": "Order number",
    "purchase_order": "Purchase order",
    "termination_date": "Termination date",
}


def _seats(text: str) -> int:
    cleaned = re.sub(r"[\s,'_]", "", text)
    if not (cleaned.isdecimal() and len(cleaned) <= 12):
        raise RowError("seats", f"How many seats: “{text}” is not a whole number.")
    return int(cleaned)


def _id(row: Row) -> int | None:
    """Our licence ID, if the cell can be one (anything else is another system's)."""
    value = row("id")
    return int(value) if value.isdecimal() and len(value) <= 18 else None


class LicenseImporter(Importer):
    """Licences from CSV, matched on ID or (product, key); keys mean IT staff only."""

    slug = "licenses"
    main_field = "product"
    refusal = "Importing licences is for IT staff: the file holds licence keys."

    def prepare(self, rows: list[Row]) -> None:
        products = {words(row("product")) for row in rows if row("product")}
        ids = {_id(row) for row in rows} - {None}
        found = service.with_usage(
            SoftwareLicense.objects.annotate(k=Lower("product"))
            .filter(Q(k__in=products) | Q(pk__in=ids))
            .select_related("vendor", "owner")
        )
        self.by_id: dict[int, SoftwareLicense] = {}
        self.by_product: dict[str, list[SoftwareLicense]] = {}
        for license in found.order_by("pk"):
            self.by_id[license.pk] = license
            self.by_product.setdefault(words(license.product), []).append(license)
        vendors = {words(row("vendor")) for row in rows if row("vendor")}
        self.vendors = {
            words(v.name): v for v in Vendor.objects.annotate(k=Lower("name")).filter(k__in=vendors)
        }
        self.owners = _people(row("owner") for row in rows if row("owner"))
        self.seen: dict[Any, int] = {}
        self.made: dict[str, Vendor] = {}

    def check(self, row: Row) -> Plan:
        product = limit(row, "product", 200, "product name")
        if not product:
            raise RowError("product", "Name the product, e.g. “Adobe Acrobat Pro”.")
        license = self.match(row, product)
        plan = Plan(row=row.number, target=license)
        fields = plan.fields
        fields["product"] = product
        for name, size in TEXTS.items():
            if limit(row, name, size, name.replace("_", " ")):
                fields[name] = row(name)
        if row("seats"):
            fields["seats"] = _seats(row("seats"))
        elif license is None:
            raise RowError("seats", "A new licence needs its number of seats.")
        if row("cost"):
            try:
                fields["cost"] = parse_money(row("cost"))
            except ValueError as problem:
                raise RowError("cost", str(problem)) from None
        for name in DATES:
            if row(name):
                try:
                    fields[name] = parse_date(row(name))
                except ValueError as problem:
                    raise RowError(name, str(problem)) from None
        if row("vendor"):
            vendor = self.vendors.get(words(row("vendor")))
            if vendor is None and not self.create:
                raise self.missing("vendor", "Supplier", row("vendor"))
            fields["vendor"] = vendor or Vendor(name=row("vendor")[:150])
        if row("owner"):
            fields["owner"] = self.owner(row("owner"))
        notes = self.notes(row, license)
        if notes is not None:
            fields["notes"] = notes
        used = license.seats_used if license is not None else 0
        try:  # the licence service's own checks, so a dry run reports what the import would
            service._clean(fields, current=license, seats_used=used)
        except ValidationError as problem:
            name, messages = next(iter(problem.message_dict.items()))
            raise RowError(name, " ".join(messages)) from None
        if license is not None:
            plan.fields = {k: v for k, v in fields.items() if getattr(license, k) != v}
        return plan

    def match(self, row: Row, product: str) -> SoftwareLicense | None:
        """Ours by ID (same product and key), else by product and key; each licence once per file.

        An ID alone is not trusted: other systems number their licences too, and a foreign
        export's "ID 2" must not overwrite our licence 2.
        """
        same = self.by_product.get(words(product), [])
        license = None
        by_id = self.by_id.get(_id(row))
        key, version = row("key"), words(row("version"))
        if by_id is not None and words(by_id.product) != words(product):
            by_id = None  # another system's numbering: the ID names something else here
        ours = by_id.key.strip() if by_id is not None else ""
        if by_id is not None and key and ours and key != ours:
            # Another system's ID that happens to be one of ours: never overwrite that licence.
            raise RowError(
                "id",
                f"ID {by_id.pk} belongs to another licence here (its key differs): remove the "
                "ID column to match licences by product and key.",
            )
        if by_id is not None and key == ours:
            license = by_id
        elif key:
            keyed = [lic for lic in same if lic.key.strip() == key]
            if len(keyed) > 1:
                raise RowError(
                    "key", f"{len(keyed)} licences of “{product}” have this key: add the ID column."
                )
            # A licence first imported without its key gets it now, rather than a twin.
            unkeyed = [lic for lic in same if not lic.key.strip()]
            license = keyed[0] if keyed else unkeyed[0] if len(unkeyed) == 1 else None
        else:
            if version:
                same = [lic for lic in same if words(lic.version) == version] or same
            if len(same) > 1:
                say_which = "add the ID or Product Key column to say which"
                raise RowError(
                    "product", f"{len(same)} licences are called “{product}”: {say_which}."
                )
            license = same[0] if same else None
        seen = ("id", license.pk) if license else ("new", words(product), key, version)
        if seen in self.seen:
            raise RowError("product", f"This licence is already in row {self.seen[seen]}.")
        self.seen[seen] = row.number
        return license

    def owner(self, text: str) -> Any:
        same = self.owners.get(words(text), [])
        if len(same) > 1:
            raise RowError("owner", f"{len(same)} people are called “{text}”: give a username.")
        if not same:
            raise RowError("owner", f"Person “{text}” does not exist: give a username or e-mail.")
        if not same[0].is_active:
            raise RowError("owner", f"{same[0].get_username()} has left: choose a current person.")
        return same[0]

    def notes(self, row: Row, license: SoftwareLicense | None) -> str | None:
        """The notes cell, then one line per Snipe-IT field we do not have (each line once)."""
        lines = [f"{label}: {row(name)}" for name, label in KEPT_IN_NOTES.items() if row(name)]
        if row("notes") or license is None:
            return "\n".join([row("notes"), *lines]).strip() if row("notes") or lines else None
        missing = [line for line in lines if line not in license.notes.splitlines()]
        return "\n".join([license.notes, *missing]).strip() if missing else None

    def unchanged(self, plan: Plan) -> bool:
        return plan.target is not None and not plan.fields

    def write(self, plan: Plan) -> bool:
        fields = dict(plan.fields)
        vendor = fields.get("vendor")
        if vendor is not None and vendor.pk is None:
            if words(vendor.name) not in self.made:
                vendor._history_user = self.actor
                vendor.save()
                self.made[words(vendor.name)] = vendor
            fields["vendor"] = self.made[words(vendor.name)]
        if plan.target is None:
            service.create_license(actor=self.actor, reason=IMPORT_REASON, **fields)
            return True
        if fields:
            service.update_license(plan.target, actor=self.actor, reason=IMPORT_REASON, **fields)
        return False


def _people(values: Iterable[str]) -> dict[str, list[Any]]:
    """Owners by username, e-mail or full name (our export names them by full name)."""
    keys = {words(value) for value in values}
    found: dict[str, list[Any]] = {}
    for user in User.objects.annotate(
        u=Lower("username"),
        e=Lower("email"),
        n=Lower(Concat("first_name", Value(" "), "last_name")),
    ).filter(Q(u__in=keys) | Q(e__in=keys) | Q(n__in=keys)):
        for key in {user.username.lower(), user.email.lower(), words(user.get_full_name())}:
            if key in keys and user not in found.setdefault(key, []):
                found[key].append(user)
    # A username or e-mail names one account even if someone else has that full name.
    return {
        key: [u for u in same if key in (u.username.lower(), u.email.lower())] or same
        for key, same in found.items()
    }


import_licenses = runner(LicenseImporter)
