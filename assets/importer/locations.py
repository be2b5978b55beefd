"""Import locations from CSV: a tree given by Parent columns or by paths ("A › B › C").

A row's place is its full path from the top; it matches an existing location on (parent, name),
case-insensitively, and updates its type and address; otherwise it is created. A parent may be
given by name (Snipe-IT's layout) or by path, and may be defined in any row of the file, earlier
or later; parents neither in the file nor here are created only with create=1. The parent column
never moves an existing location: the same name under another parent is another place.
"""

from __future__ import annotations

import re
from typing import Any

from ..choices import LocationKind
from ..models import Location
from .base import IMPORT_REASON, Importer, Plan, Row, RowError, limit, runner

__all__ = ["import_locations"]

Path = tuple[str, ...]  # names from the top, as written
NAME_SIZE = 150
MAX_DEPTH = 50
KIND_WORDS = {
    **{k.value: k.value for k in LocationKind},
    **{k.label.lower(): k.value for k in LocationKind},
}
DEPTH_KINDS = (LocationKind.SITE, LocationKind.BUILDING, LocationKind.FLOOR, LocationKind.ROOM)
ADDRESS_PARTS = ("address", "address2", "city", "state", "zip", "country")


def split_path(text: str) -> list[str]:
    """ "A › B › C" and "A > B > C" alike, as the asset importer reads them.

    Not "/": it is part of real names ("R&D / Lab", "Floor 1/2").
    """
    return [part.strip() for part in re.split(r"[›>]", text) if part.strip()]


def _key(path: Path) -> Path:
    return tuple(" ".join(part.split()).lower() for part in path)


def _shown(path: Path) -> str:
    return " › ".join(path)


def guess_kind(name: str, depth: int) -> str:
    """ "Building A" is a building; otherwise site > building > floor > room by depth."""
    first = name.split()[0].lower() if name.split() else ""
    return KIND_WORDS.get(first) or DEPTH_KINDS[min(depth, len(DEPTH_KINDS) - 1)]


class _Loop(Exception):
    """A parent chain that comes back to where it started."""

    def __init__(self, chain: list[str]):
        self.chain = chain


class LocationImporter(Importer):
    """Locations from CSV (``Name``/``Parent`` or paths), matched on (parent, name)."""

    slug = "locations"
    refusal = "Importing locations is for IT staff."

    def prepare(self, rows: list[Row]) -> None:
        # The tree is small next to the register: read it whole, with every node's path.
        everything = {loc.pk: loc for loc in Location.objects.all()}
        self.nodes: dict[Path, Location] = {}
        self.by_name: dict[str, list[Path]] = {}
        for loc in everything.values():
            names, node, seen = [], loc, set()
            while node is not None and node.pk not in seen:
                seen.add(node.pk)
                names.append(node.name)
                node = everything.get(node.parent_id)
            path = tuple(reversed(names))
            self.nodes[_key(path)] = loc
            self.by_name.setdefault(_key(path[-1:])[0], []).append(path)
        self.rows = {row.number: row for row in rows}
        self.leaf_rows: dict[str, list[int]] = {}
        for row in rows:
            own = split_path(row("name"))
            if own:
                self.leaf_rows.setdefault(_key((own[-1],))[0], []).append(row.number)
        self.paths: dict[int, Path] = {}
        self.failed: dict[int, RowError] = {}
        for row in rows:
            try:
                self.path(row.number, [])
            except RowError as problem:
                self.failed[row.number] = problem
            except _Loop as loop:
                self.failed[row.number] = RowError(
                    "parent",
                    f"The parents loop back: {' › '.join(loop.chain)}. A place cannot be "
                    "inside itself.",
                )

    def path(self, number: int, stack: list[int]) -> Path:
        """The row's full path; parents named by name are looked for in the file and here."""
        if number in self.paths:
            return self.paths[number]
        row = self.rows[number]
        own = split_path(row("name"))
        if not own:
            raise RowError("name", "Give the location's name.")
        if len(stack) > MAX_DEPTH:
            raise RowError("parent", f"The parents go more than {MAX_DEPTH} levels deep.")
        if number in stack:
            chain = [split_path(self.rows[n]("name"))[-1] for n in stack[stack.index(number) :]]
            raise _Loop([*chain, own[-1]])
        parent = split_path(row("parent"))
        if len(parent) == 1:
            parent = list(self.parent(parent[0], number, own, [*stack, number]))
        path = (*parent, *own)
        self.paths[number] = path
        return path

    def parent(self, name: str, number: int, own: list[str], stack: list[int]) -> Path:
        key = _key((name,))[0]
        if len(own) == 1 and _key((own[0],))[0] == key:
            raise RowError("parent", f"“{own[0]}” cannot be its own parent.")
        found: dict[Path, Path] = {_key(p): p for p in self.by_name.get(key, [])}
        for other in self.leaf_rows.get(key, []):
            if other != number:
                path = self.path(other, stack)
                found.setdefault(_key(path), path)
        if len(found) > 1:
            top = [p for p in found.values() if len(p) == 1]
            if len(top) == 1:
                return top[0]  # top-level names are unique: the plain name means that one
            example = _shown(sorted(found.values())[0])
            raise RowError(
                "parent",
                f"Several places are called “{name}”: give the parent's path, e.g. “{example}”.",
            )
        return next(iter(found.values()), (name,))

    def check(self, row: Row) -> Plan:
        if row.number in self.failed:
            raise self.failed[row.number]
        path = self.paths[row.number]
        for part in path:
            if len(part) > NAME_SIZE:
                raise RowError("name", f"Keep each name to {NAME_SIZE} characters.")
        plan = Plan(row=row.number, target=self.nodes.get(_key(path)), extra={"path": path})
        if row("kind"):
            kind = KIND_WORDS.get(row("kind").lower())
            if kind is None:
                raise RowError(
                    "kind", f"Unknown type “{row('kind')}”: use site, building, floor or room."
                )
            plan.fields["kind"] = kind
        parts = [limit(row, name, 500, "address") for name in ADDRESS_PARTS]
        if any(parts):
            plan.fields["address"] = ", ".join(part for part in parts if part)
        return plan

    def review(self, plans: list[Plan]) -> dict[int, RowError]:
        """Each path once; each parent known (here, or a good row), or made with create=1."""
        problems: dict[int, RowError] = {}
        in_file = {_key(self.paths[n]): n for n in sorted(self.paths, reverse=True)}
        good: set[Path] = set()
        first: dict[Path, int] = {}
        for plan in sorted(plans, key=lambda p: (len(p.extra["path"]), p.row)):
            path = plan.extra["path"]
            key = _key(path)
            if key in first:
                problems[plan.row] = RowError(
                    "name", f"“{_shown(path)}” is already in row {first[key]}."
                )
                continue
            first[key] = plan.row
            for depth in range(1, len(path)):
                above = key[:depth]
                if above in self.nodes or above in good:
                    continue
                if above in in_file:
                    problems[plan.row] = RowError(
                        "parent",
                        f"Its parent “{_shown(path[:depth])}” (row {in_file[above]}) has an "
                        "error: fix that row first.",
                    )
                elif not self.create:
                    problems[plan.row] = self.missing("parent", "Parent", _shown(path[:depth]))
                break
            else:
                good.add(key)
        return problems

    def unchanged(self, plan: Plan) -> bool:
        target = plan.target
        return target is not None and all(getattr(target, k) == v for k, v in plan.fields.items())

    def order(self, plans: list[Plan]) -> list[Plan]:
        return sorted(plans, key=lambda plan: len(plan.extra["path"]))

    def write(self, plan: Plan) -> bool:
        path: Path = plan.extra["path"]
        parent = None
        for depth in range(1, len(path)):
            parent = self.node(path[:depth], parent, {})
        existing = self.nodes.get(_key(path))
        if existing is not None:
            changed = {k: v for k, v in plan.fields.items() if getattr(existing, k) != v}
            if changed:
                self.save(existing, changed, "Location details changed")
            return False
        self.node(path, parent, plan.fields)
        return True

    def node(self, path: Path, parent: Location | None, fields: dict[str, Any]) -> Location:
        """The location at ``path``, created (with ``fields``) when missing."""
        key = _key(path)
        if key not in self.nodes:
            fields = {"kind": guess_kind(path[-1], len(path) - 1), **fields}
            self.nodes[key] = self.save(
                Location(name=path[-1], parent=parent), fields, "Location added"
            )
        return self.nodes[key]

    def save(self, location: Location, fields: dict[str, Any], why: str) -> Location:
        for name, value in fields.items():
            setattr(location, name, value)
        location.full_clean()
        location._history_user = self.actor
        location._change_reason = f"{IMPORT_REASON}: {why.lower()}"
        location.save()
        return location


import_locations = runner(LocationImporter)
