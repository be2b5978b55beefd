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
    slug: str  # in URLs: /assets/import/<slug>/, /api/v1/imports/<slug>/
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
}


def get_kind(slug: str) -> ImportKind | None:
    return KINDS.get(slug)
