"""Registering many assets at once (the CSV importer): a fixed number of queries per batch.

Part of the lifecycle engine, like ``bulk.py``. ``lifecycle.register`` followed by
``lifecycle.deploy`` costs about ten queries and 10 ms an asset (model validation queries each
unique field and constraint, the history row is its own INSERT, the tag its own check); a 10,000-row
import took 108 s. ``register_many`` does the same writes in bulk:

1. checks the actor's permissions once (``add_asset``; the deploy move's when anyone gets one);
2. validates every asset's fields in Python, checks pre-printed tags (shape, and never used before,
   case-blind, history included) and holders (active) for the whole batch in two queries, and
   raises one ``IntakeRefused`` naming every bad item before anything is written;
3. allocates the sequence tags in one go, then one INSERT of the assets, one of their history rows
   (``register``, and ``deploy`` for those handed to a person, with the same reasons the one-asset
   moves write) and one of the deployments (``Assignment``, checklist ticked: the old system
   handed the asset over already).

Tags are unique in the database, so a tag taken by a concurrent registration fails the INSERT and
rolls the batch back with a message, never a second asset with the same tag.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from .. import lifecycle
from ..choices import AssetStatus
from ..models import Asset, Assignment
from ..tags import TAG_PATTERN, TAG_SHAPE, allocate_tags
from .bulk import _HISTORY_MODEL, _history_row

User = get_user_model()
S = AssetStatus


@dataclass
class NewAsset:
    """One asset to register: its editable fields, an optional pre-printed tag and holder."""

    fields: dict[str, Any]
    tag: str = ""
    holder: Any = None  # a User to deploy to straight away
    # Set by ``register_many``:
    asset: Asset | None = field(default=None, repr=False)


class IntakeRefused(ValidationError):
    """Some items are bad: nothing was written. ``problems`` maps item index -> ValidationError."""

    def __init__(self, problems: dict[int, ValidationError]):
        super().__init__(f"{len(problems)} of the assets cannot be registered.")
        self.problems = problems


def register_many(items: Sequence[NewAsset], *, actor, reason: str) -> list[Asset]:
    """Register (and, where an item names a holder, deploy) every item, or none of them."""
    if actor is None or not actor.is_authenticated or not actor.has_perm("assets.add_asset"):
        raise lifecycle.MoveNotPermitted("Your role does not allow you to register assets.")
    if any(item.holder is not None for item in items):
        lifecycle._check_permission(actor, lifecycle.MOVES["deploy"])
    reason = reason.strip() or "Registered"
    today = timezone.localdate()
    problems: dict[int, ValidationError] = {}
    assets: list[Asset] = []
    for index, item in enumerate(items):
        unknown = set(item.fields) - set(lifecycle.EDITABLE_FIELDS)
        if unknown:
            raise ValueError(f"Unknown asset field(s): {', '.join(sorted(unknown))}.")
        asset = Asset(status=S.IN_STOCK, **item.fields)
        # Related rows the caller passed as saved instances exist: no query per row to prove it.
        known = [name for name, value in item.fields.items() if getattr(value, "pk", None)]
        try:
            asset.clean_fields(exclude=["tag", *known])
        except ValidationError as problem:
            problems[index] = problem
        if item.holder is not None and not item.holder.is_active:
            problems.setdefault(
                index,
                ValidationError(
                    {"user": f"{item.holder.get_username()} is inactive: pick a current person."}
                ),
            )
        if asset.next_audit_date is None and asset.category_id is not None:
            asset.next_audit_date = today + datetime.timedelta(
                days=asset.category.audit_interval_days
            )
        assets.append(asset)
    problems.update(_tag_problems(items, problems))
    if problems:
        raise IntakeRefused(problems)
    if not items:
        return []

    with transaction.atomic():
        sequence_tags = iter(
            allocate_tags(
                sum(1 for item in items if not item.tag),
                avoid=[item.tag.strip() for item in items if item.tag],
            )
        )
        for item, asset in zip(items, assets, strict=True):
            asset.tag = item.tag.strip() if item.tag else next(sequence_tags)
        now = timezone.now()
        # Each asset's register row snapshots it in stock with no holder, as ``register``
        # writes; those handed to a person get a deploy row and a deployment after it.
        history: list[tuple[Any, Asset]] = []  # (history row, its asset): ids come on insert
        assignments: list[Assignment] = []
        checklists: dict[int, list[dict]] = {}
        for item, asset in zip(items, assets, strict=True):
            asset.created_at = asset.updated_at = now
            registered = _history_row(
                asset, actor=actor, reason=reason, action="register", from_status="", when=now
            )
            registered.history_type = "+"
            history.append((registered, asset))
            if item.holder is None:
                continue
            category = asset.category  # the instance the caller passed: no query
            if category.pk not in checklists:
                steps = [step.pk for step in category.checklist.all()]
                checklists[category.pk] = lifecycle.checklist_for(category, steps)
            asset.status = S.DEPLOYED
            asset.assigned_user = item.holder
            asset.assigned_at = now
            label = item.holder.get_full_name() or item.holder.get_username()
            deployed = _history_row(
                asset,
                actor=actor,
                reason=reason if reason != "Registered" else f"Deployed to {label}",
                action="deploy",
                from_status=S.IN_STOCK,
                when=now,
            )
            history.append((deployed, asset))
            assignments.append(
                Assignment(
                    asset=asset,
                    assigned_user=item.holder,
                    started_at=now,
                    started_by=actor,
                    checklist=checklists[category.pk],
                )
            )
        try:
            with transaction.atomic():
                Asset.objects.bulk_create(assets, batch_size=1000)
        except IntegrityError as error:
            raise ValidationError(
                {"tag": "Another registration took one of these tags meanwhile: try again."}
            ) from error
        for row, asset in history:
            row.id = asset.pk
        for assignment in assignments:
            assignment.asset_id = assignment.asset.pk
        Assignment.objects.bulk_create(assignments, batch_size=1000)
        _HISTORY_MODEL.objects.bulk_create([row for row, _ in history], batch_size=1000)
    for item, asset in zip(items, assets, strict=True):
        item.asset = asset
    return assets


def update_many(
    changes: Sequence[tuple[Asset, dict[str, Any]]], *, actor, reason: str
) -> list[Asset]:
    """Edit many assets' descriptive fields at once, as ``update_details`` does one by one.

    Rows are locked in one query (by id, so two imports cannot deadlock); an asset whose fields
    already hold these values is left alone, with no history row, so re-importing the same file
    changes nothing. Returns the assets that changed; ``IntakeRefused`` names the bad items.
    """
    if actor is None or not actor.is_authenticated or not actor.has_perm("assets.change_asset"):
        raise lifecycle.MoveNotPermitted("Your role does not allow you to edit assets.")
    for _, fields in changes:
        unknown = set(fields) - set(lifecycle.EDITABLE_FIELDS)
        if unknown:
            raise ValueError(f"These fields cannot be edited here: {', '.join(sorted(unknown))}.")
    reason = reason.strip() or "Details edited"
    with transaction.atomic():
        ids = sorted({asset.pk for asset, _ in changes})
        locked = {
            a.pk: a
            for a in Asset.objects.select_for_update(of=("self",))
            .select_related("location")
            .filter(pk__in=ids)
            .order_by("pk")
        }
        problems: dict[int, ValidationError] = {}
        changed: list[tuple[Asset, list[str]]] = []
        for index, (asset, fields) in enumerate(changes):
            current = locked.get(asset.pk)
            if current is None:
                problems[index] = ValidationError(f"{asset.tag} was deleted meanwhile.")
                continue
            names = [name for name, value in fields.items() if differs(current, name, value)]
            if not names:
                continue
            if current.status == S.DISPOSED:
                problems[index] = ValidationError(
                    "A disposed asset's record is kept as it was: it cannot be edited."
                )
                continue
            new_location = fields.get("location")
            if "location" in names and new_location is not None:
                refusal = lifecycle.relocation_refusal(current, new_location)
                if refusal:
                    problems[index] = ValidationError({"location": refusal})
                    continue
            for name in names:
                setattr(current, name, fields[name])
            known = [n for n in names if getattr(fields[n], "pk", None)]
            try:
                current.clean_fields(exclude=["tag", *known])
            except ValidationError as problem:
                problems[index] = problem
                continue
            changed.append((current, names))
        if problems:
            raise IntakeRefused(problems)
        if not changed:
            return []
        now = timezone.now()
        assets = [asset for asset, _ in changed]
        for asset in assets:
            asset.updated_at = now
        columns = sorted({name for _, names in changed for name in names} | {"updated_at"})
        Asset.objects.bulk_update(assets, columns, batch_size=500)
        _HISTORY_MODEL.objects.bulk_create(
            [
                _history_row(
                    asset,
                    actor=actor,
                    reason=reason,
                    action="edit",
                    from_status=asset.status,
                    when=now,
                )
                for asset in assets
            ],
            batch_size=1000,
        )
    return assets


def differs(asset: Asset, name: str, value: Any) -> bool:
    """Whether setting ``name`` to ``value`` would change the asset (a related row by its id)."""
    field = Asset._meta.get_field(name)
    if field.is_relation:
        return getattr(asset, field.attname) != (getattr(value, "pk", value))
    return getattr(asset, name) != value


def _tag_problems(
    items: Sequence[NewAsset], known: dict[int, ValidationError]
) -> dict[int, ValidationError]:
    """Pre-printed tags: well formed, once in the batch, and never used before (history too)."""
    problems: dict[int, ValidationError] = {}
    wanted: dict[str, int] = {}
    for index, item in enumerate(items):
        tag = item.tag.strip()
        if not tag or index in known:
            continue
        if not TAG_PATTERN.match(tag):
            problems[index] = ValidationError({"tag": TAG_SHAPE})
        elif tag.lower() in wanted:
            first = wanted[tag.lower()]
            problems[index] = ValidationError(
                {"tag": f"Tag {tag} appears twice in this batch (first at item {first})."}
            )
        else:
            wanted[tag.lower()] = index
    if wanted:
        used = {
            t.lower()
            for t in Asset.objects.annotate(k=Lower("tag"))
            .filter(k__in=list(wanted))
            .values_list("tag", flat=True)
        } | {
            t.lower()
            for t in Asset.history.annotate(k=Lower("tag"))
            .filter(k__in=list(wanted))
            .values_list("tag", flat=True)
        }
        for key in used:
            index = wanted[key]
            problems[index] = ValidationError(
                {"tag": f"Tag {items[index].tag.strip()} is already in use: tags are never reused."}
            )
    return problems


__all__ = ["IntakeRefused", "NewAsset", "register_many", "update_many"]
