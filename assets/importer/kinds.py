"""What can be imported: one entry per kind (assets, locations, people, licences).

The upload page and the API read this registry, so a new kind needs one entry here and its own
``import_<kind>`` function with the assets importer's signature and ``ImportReport``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from .columns import ALIASES, LABELS, alias_lookup


@dataclass(frozen=True)
class ImportKind:
    slug: str  # in URLs: /imports/<slug>/, /api/v1/imports/<slug>/
    label: str  # "Assets"
    aliases: dict[str, tuple[str, ...]]  # field -> header spellings understood without mapping
    labels: dict[str, str]  # field -> its name on the mapping page and in errors
    required: tuple[str, ...]  # fields a row cannot do without (the mapping page says so)
    runner: str  # "module:function" with the signature of ``service.import_assets``
    permissions: tuple[str, ...]  # the importer needs every one of these
    create_help: str  # what "create missing" makes, in words

    @property
    def lookup(self) -> dict[str, str]:
        return alias_lookup(self.aliases)

    def run(self, data: bytes, **options: Any):
        module, _, name = self.runner.partition(":")
        function: Callable[..., Any] = getattr(import_module(module), name)
        return function(data, **options)

    def allowed(self, user) -> bool:
        return bool(user and user.is_authenticated and user.has_perms(self.permissions))


ASSET_FIELD_LABELS = {
    **LABELS,
    "model_number": "Model Number",
    "username": "Username (of the holder)",
    "email": "Email (of the holder)",
    "full_name": "Full Name (of the holder)",
    "first_name": "First Name (of the holder)",
    "last_name": "Last Name (of the holder)",
}


def labelled(aliases: dict[str, tuple[str, ...]], **notes: str) -> dict[str, str]:
    """A field's name on the mapping page and in errors: its first spelling, or ``notes``."""
    return {name: notes.get(name) or spellings[0].title() for name, spellings in aliases.items()}


# Ours and Snipe-IT's export and import names (its snake_case ones match as spaced words). The
# first spelling of each field is its label unless ``labelled`` is told otherwise.
LOCATION_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "location name", "location", "location path", "path", "full name"),
    "parent": ("parent", "parent location", "parent name"),
    "kind": ("type", "kind", "location type"),
    "address": ("address", "address 1", "address1", "street", "address line 1"),
    "address2": ("address 2", "address2", "address line 2"),
    "city": ("city", "town"),
    "state": ("state", "county", "region", "province"),
    "zip": ("zip", "zip code", "postcode", "post code", "postal code"),
    "country": ("country",),
}
PEOPLE_ALIASES: dict[str, tuple[str, ...]] = {
    "username": ("username", "user name", "login"),
    "email": ("email", "e-mail", "email address", "mail"),
    "first_name": ("first name", "firstname", "given name"),
    "last_name": ("last name", "lastname", "surname", "family name"),
    "full_name": ("full name", "name", "display name"),
    "department": ("department", "department name", "dept"),
    "employee_number": ("employee number", "employee num", "employee no", "employee id"),
    "job_title": ("job title", "jobtitle", "title", "position"),
    "phone": ("phone", "phone number", "telephone", "mobile"),
    "active": ("active", "activated", "is active", "enabled", "login enabled"),
    "role": ("role", "roles"),
}
LICENSE_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "license id", "licence id"),
    "product": ("product", "name", "software", "software name", "license", "licence"),
    "version": ("version",),
    "key": ("product key", "key", "license key", "licence key", "serial", "serial number"),
    "seats": ("seats", "total seats", "quantity", "qty"),
    "vendor": ("supplier", "vendor"),
    "cost": ("purchase cost", "cost"),
    "purchased_on": ("purchase date", "purchased on", "purchased"),
    "expires_on": ("expiration date", "expires on", "expiry date", "expires", "renewal date"),
    "renewal_terms": ("renewal terms",),
    "owner": ("owner", "renewal owner"),
    "notes": ("notes",),
    # Snipe-IT fields our licences do not have: kept as lines of the notes.
    "order_number": ("order number",),
    "purchase_order": ("purchase order",),
    "manufacturer": ("manufacturer",),
    "category": ("category",),
    "licensed_to_name": ("licensed to name", "license name", "licence name"),
    "licensed_to_email": ("licensed to email", "license email", "licence email"),
    "termination_date": ("termination date",),
}
LICENSE_NOTE_FIELDS = (
    *("order_number", "purchase_order", "manufacturer", "category"),
    *("licensed_to_name", "licensed_to_email", "termination_date"),
)
LICENSE_LABELS = labelled(
    LICENSE_ALIASES, id="ID (of a licence here)", owner="Owner (username or e-mail)"
)
LICENSE_LABELS.update({f: f"{LICENSE_LABELS[f]} (kept in notes)" for f in LICENSE_NOTE_FIELDS})


def _more(slug: str, label: str, aliases, labels, required, permissions, help: str) -> ImportKind:
    """A kind whose runner is ``assets.importer.<slug>:import_<slug>``."""
    runner = f"assets.importer.{slug}:import_{slug}"
    return ImportKind(slug, label, aliases, labels, required, runner, permissions, help)


KINDS: dict[str, ImportKind] = {
    "assets": ImportKind(
        slug="assets",
        label="Assets",
        aliases=ALIASES,
        labels={field: ASSET_FIELD_LABELS.get(field, field) for field in ALIASES},
        required=("category",),
        runner="assets.importer.service:import_assets",
        permissions=("assets.add_asset", "assets.change_asset"),
        create_help="categories, models, manufacturers, suppliers, locations and people",
    ),
    # Matched on (parent, name); parents by name or path, in the file or here.
    "locations": _more(
        "locations",
        "Locations",
        LOCATION_ALIASES,
        labelled(
            LOCATION_ALIASES,
            name="Name (or a path: Building A › Floor 2 › Room 201)",
            parent="Parent (a name or a path)",
            kind="Type (site, building, floor or room)",
        ),
        ("name",),
        ("assets.add_location", "assets.change_location"),
        "parent locations named in the file but not listed in it",
    ),
    # Matched on username, then e-mail; a row needs one of them (checked per row).
    "people": _more(
        "people",
        "People",
        PEOPLE_ALIASES,
        labelled(
            PEOPLE_ALIASES,
            active="Active (yes/no)",
            role="Role (Employees, Managers, IT staff, Auditors; administrators only)",
        ),
        (),
        ("assets.add_profile", "assets.change_profile"),
        "departments",
    ),
    # Keys are secrets: only those who may see them (IT staff) import licences.
    "licenses": _more(
        "licenses",
        "Licences",
        LICENSE_ALIASES,
        LICENSE_LABELS,
        ("product",),
        (
            "maintenance.add_softwarelicense",
            "maintenance.change_softwarelicense",
            "maintenance.view_license_key",
        ),
        "suppliers",
    ),
}


def get_kind(slug: str) -> ImportKind | None:
    return KINDS.get(slug)
