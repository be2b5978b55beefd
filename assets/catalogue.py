"""Catalogue records (categories, makes and models, vendors, locations, departments): the rules
for changing them that are more than a form's validation.

A catalogue record is deleted only while nothing points at it: not an asset, a request, an order
line, a budget, a sub-location, a past deployment. Django's own ``on_delete`` would sometimes
protect (an error naming nothing useful), sometimes empty the field (assets would silently lose
their department) and sometimes delete along (a department's budgets). So every reference is
counted first, and a record in use is refused with what uses it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError

from itam.errors import Conflict

from .models import Category, ChecklistItem, Location

# What a record owns and takes with it when deleted (not a use of it).
OWNED: dict[type[models.Model], tuple[type[models.Model], ...]] = {Category: (ChecklistItem,)}


class InUse(Conflict):
    """A catalogue record something still points at (HTTP 409)."""

    code = "in_use"


@dataclass(frozen=True)
class Use:
    what: str  # the kind of record, plural ("assets") or singular for one
    field: str  # which of its fields points here ("location", "assigned location")
    count: int

    def as_dict(self) -> dict:
        return {"what": self.what, "field": self.field, "count": self.count}

    def __str__(self) -> str:
        return f"{self.count} {self.what} ({self.field})"


def _is_history(model: type[models.Model]) -> bool:
    """simple-history's copies: they keep the id of a deleted record on purpose."""
    return getattr(model, "instance_type", None) is not None


def uses_of(record: models.Model) -> list[Use]:
    """Everything that points at ``record``, per kind of record and field; one count query each."""
    owned = OWNED.get(type(record), ())
    found = []
    for relation in record._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete):
            continue
        if not (relation.one_to_many or relation.one_to_one):
            continue
        model = relation.related_model
        if _is_history(model) or model in owned:
            continue
        field = relation.field
        count = model._base_manager.filter(**{field.name: record}).count()
        if count:
            opts = model._meta
            what = opts.verbose_name if count == 1 else opts.verbose_name_plural
            found.append(Use(what=str(what), field=str(field.verbose_name), count=count))
    return found


def _sentence(uses: list[Use]) -> str:
    parts = [str(use) for use in uses]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def delete_record(record: models.Model, *, actor) -> None:
    """Delete a catalogue record nothing uses, with who did it in its history.

    Needs the model's ``delete_`` permission (administrators). The row is locked first, so on
    PostgreSQL an asset cannot start pointing at it between the count and the delete.
    """
    opts = record._meta
    if not actor.has_perm(f"{opts.app_label}.delete_{opts.model_name}"):
        raise PermissionDenied(
            f"Your role does not allow you to delete {opts.verbose_name_plural}."
        )
    with transaction.atomic():
        locked = type(record)._base_manager.select_for_update().get(pk=record.pk)
        uses = uses_of(locked)
        if uses:
            raise InUse(
                f"“{locked}” is in use by {_sentence(uses)}: change or remove those first. "
                "Nothing was deleted.",
                in_use=[use.as_dict() for use in uses],
            )
        locked._history_user = actor
        try:
            locked.delete()
        except (ProtectedError, RestrictedError) as exc:  # a use that appeared meanwhile
            raise InUse(
                f"“{locked}” came into use while it was being deleted: nothing was deleted.",
                in_use=[],
            ) from exc


def check_parent(location: Location | None, parent: Location | None) -> None:
    """A location cannot sit inside itself or inside one of its own sub-locations."""
    if location is None or location.pk is None or parent is None:
        return
    if parent.pk in location.descendant_ids():
        raise ValidationError(
            {
                "parent": f"“{parent.full_name}” is {location.name} itself or inside it: "
                "choose a place outside it."
            }
        )
