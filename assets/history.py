"""Reading the forensic record: an asset's timeline, and the register as it stood at any moment."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from .choices import AssetStatus, Condition
from .models import Asset, AssetModel, Category, Department, Location, Vendor

User = get_user_model()

# The fields a person cares about in a timeline, in the order they read them.
TRACKED_FIELDS: dict[str, str] = {
    "tag": "Tag",
    "name": "Name",
    "status": "Status",
    "category": "Category",
    "model": "Model",
    "serial_number": "Serial number",
    "location": "Location",
    "department": "Owning department",
    "assigned_user": "Held by (person)",
    "assigned_location": "Held by (location)",
    "assigned_department": "Held by (department)",
    "expected_return_date": "Expected return",
    "accepted_at": "Receipt confirmed",
    "vendor": "Vendor",
    "purchase_date": "Purchase date",
    "purchase_cost": "Purchase cost",
    "order_number": "Order number",
    "warranty_end": "Warranty end",
    "next_audit_date": "Next audit",
    "condition": "Condition",
    "reservable": "In the loaner pool",
    "notes": "Notes",
}
_FOREIGN_KEYS = {
    "category": Category,
    "model": AssetModel,
    "location": Location,
    "department": Department,
    "assigned_user": User,
    "assigned_location": Location,
    "assigned_department": Department,
    "vendor": Vendor,
}


@dataclass
class Change:
    field: str
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    id: int
    at: datetime.datetime
    user: str | None
    user_display: str
    action: str
    from_status: str
    to_status: str
    reason: str
    changes: list[Change] = field(default_factory=list)

    @property
    def action_label(self) -> str:
        return self.action.replace("_", " ").capitalize()

    @property
    def status_changed(self) -> bool:
        return bool(self.from_status) and self.from_status != self.to_status

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "at": self.at,
            "user": self.user,
            "action": self.action,
            "from_status": self.from_status or None,
            "to_status": self.to_status,
            "reason": self.reason,
            "changes": [
                {"field": c.field, "label": c.label, "old": c.old, "new": c.new}
                for c in self.changes
            ],
        }


def _display(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _names_for(
    records: list,
) -> dict[str, dict[int, str]]:
    """Display names for every foreign key the records mention, a query per related model."""
    wanted: dict[type, set[int]] = {}
    for rec in records:
        for name, model in _FOREIGN_KEYS.items():
            value = getattr(rec, f"{name}_id")
            if value is not None:
                wanted.setdefault(model, set()).add(value)
    names: dict[type, dict[int, str]] = {}
    for model, ids in wanted.items():
        queryset = model.objects.filter(pk__in=ids)
        if model is Location:
            queryset = queryset.select_related("parent__parent__parent")
        elif model is AssetModel:
            queryset = queryset.select_related("manufacturer")
        if model is User:
            names[model] = {u.pk: (u.get_full_name() or u.get_username()) for u in queryset}
        else:
            names[model] = {obj.pk: str(obj) for obj in queryset}
    return {fk: names.get(model, {}) for fk, model in _FOREIGN_KEYS.items()}


def _value(rec, name: str, fk_names: dict[str, dict[int, str]]) -> str:
    if name in _FOREIGN_KEYS:
        pk = getattr(rec, f"{name}_id")
        return "" if pk is None else fk_names[name].get(pk, f"#{pk} (deleted)")
    if name == "status":
        return AssetStatus(rec.status).label if rec.status in AssetStatus.values else rec.status
    if name == "condition" and rec.condition in Condition.values:
        return Condition(rec.condition).label
    return _display(getattr(rec, name))


def timeline(
    asset: Asset, *, newest_first: bool = True, limit: int | None = None
) -> list[HistoryEntry]:
    """Every change of the asset (or its newest ``limit``), each with who, when, which move, why
    and what changed. The asset page shows the newest ones: an asset with 500 changes would
    otherwise diff and draw all of them on every visit."""
    history = asset.history.select_related("history_user")
    previous = None
    if limit is None:
        records = list(history.order_by("history_date", "history_id"))
    else:
        # One more than shown, so the oldest shown entry still says what it changed.
        records = list(history.order_by("-history_date", "-history_id")[: limit + 1])
        records.reverse()
        if len(records) > limit:
            previous = records.pop(0)
    fk_names = _names_for([*records, previous] if previous is not None else records)
    entries: list[HistoryEntry] = []
    for rec in records:
        changes = []
        if previous is not None:
            for name, label in TRACKED_FIELDS.items():
                old, new = _value(previous, name, fk_names), _value(rec, name, fk_names)
                if old != new:
                    changes.append(Change(name, label, old, new))
        user = rec.history_user
        entries.append(
            HistoryEntry(
                id=rec.history_id,
                at=rec.history_date,
                user=user.get_username() if user else None,
                user_display=(user.get_full_name() or user.get_username()) if user else "system",
                action=rec.history_action or {"+": "create", "~": "edit"}.get(rec.history_type, ""),
                from_status=rec.history_from_status,
                to_status=rec.status,
                reason=rec.history_change_reason or "",
                changes=changes,
            )
        )
        previous = rec
    if newest_first:
        entries.reverse()
    return entries


def register_as_of(when: datetime.datetime) -> QuerySet:
    """The register as it stood at ``when``: each asset's latest history row up to then.

    Returns historical rows (they carry the same fields as ``Asset``), so filters written for the
    live register (``status``, ``category__slug``...) work on them unchanged.
    """
    rows = Asset.history.model.objects.filter(history_date__lte=when)
    later = rows.filter(id=OuterRef("id")).filter(
        Q(history_date__gt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__gt=OuterRef("history_id"))
    )
    return rows.filter(~Exists(later)).exclude(history_type="-").order_by("tag")


# How long the count of a settled past register may be kept (itam.paging), and how far in the
# past a moment must be for the register then to be settled.
SETTLED_COUNT_SECONDS = 24 * 3600
SETTLE_MARGIN = datetime.timedelta(minutes=5)


def settled_for(when: datetime.datetime | None) -> int:
    """Seconds the register as of ``when`` may be counted once and kept: 0 unless ``when`` is past.

    History rows are written at the moment of the change, so once ``when`` is a few minutes past
    (a transaction in flight then has committed) no row will land before it. Only ``seed_demo``,
    which makes its past by moving the clock, writes earlier rows; the kept counts expire in a day.
    """
    if when is None or when > timezone.now() - SETTLE_MARGIN:
        return 0
    return SETTLED_COUNT_SECONDS
