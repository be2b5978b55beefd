"""Bulk moves: many assets, one transaction, all or none, and a fixed number of SQL queries.

This module is part of the lifecycle engine. Its moves (``bulk_check_in``, ``bulk_relocate``,
``bulk_deploy`` and ``release_and_return``, which offboarding uses) write ``Asset.status`` and the
holder through ``_run`` below and nowhere else, against the same state table
(``lifecycle.MOVES``), the same permissions and the same refusal messages as the one-asset moves.

Why not loop the one-asset move? 500 assets would be thousands of queries. Instead ``_run``:

1. checks the actor's permission once;
2. locks every row in one ``select_for_update`` query (ordered by id, so two bulk moves over
   overlapping sets cannot deadlock);
3. checks every asset and collects every refusal, raising one ``BulkRefused`` that names each tag
   and why, before anything is written;
4. writes the assets with one ``bulk_update``, the history with one ``bulk_create`` of history rows
   (who, why, which move, from which status, every tracked field), and the deployments
   (``Assignment``) with one update and one ``bulk_create``.

``queryset.update()`` would write no history; this keeps one history row per asset and move.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from itam.errors import Conflict

from .. import lifecycle
from ..choices import AssetStatus, Condition
from ..models import Asset, Assignment, Department, Location
from ..visibility import visible_assets

S = AssetStatus

# Every column a history row copies from the asset (``updated_at`` is not tracked).
_HISTORY_FIELDS = tuple(
    f.attname
    for f in Asset._meta.concrete_fields
    if f.attname in {h.attname for h in Asset.history.model._meta.concrete_fields}
)
MAX_BULK = 5000  # one request; beyond this, split the work (the locks are held until commit)


class BulkRefused(Conflict):
    """Some of the assets cannot make the move: nothing was applied.

    ``refusals`` lists ``(tag, why)`` for every asset that failed. ``status_code`` is 409 when any
    refusal comes from an asset's state, 400 when all are bad input (a checklist step not ticked).
    """

    code = "bulk_refused"

    def __init__(
        self, message: str, *, move: str, refusals: list[tuple[str, str]], status_code: int = 409
    ):
        super().__init__(
            message, move=move, refused=[{"tag": tag, "reason": why} for tag, why in refusals]
        )
        self.move = move
        self.refusals = refusals
        self.status_code = status_code


@dataclass
class _Refusal:
    tag: str
    why: str
    state: bool = True  # the asset's state refuses (409) rather than the input (400)


def resolve_tags(user, tags: Iterable[str]) -> list[Asset]:
    """The assets for ``tags`` that ``user`` may see, in the order given, in one query.

    Unknown tags and tags the person may not see are refused alike, by name (a 400).
    """
    wanted = list(dict.fromkeys(t.strip() for t in tags if t and t.strip()))
    if not wanted:
        raise ValidationError({"tags": "Choose at least one asset (give its tag)."})
    if len(wanted) > MAX_BULK:
        raise ValidationError({"tags": f"At most {MAX_BULK} assets at a time: split the list."})
    found = {a.tag: a for a in visible_assets(user, Asset.objects.filter(tag__in=wanted))}
    missing = [tag for tag in wanted if tag not in found]
    if missing:
        raise ValidationError(
            {
                "tags": f"No asset you can see has the tag{'s' if len(missing) > 1 else ''} "
                + ", ".join(missing)
                + ". Check the tags; nothing was changed."
            }
        )
    return [found[tag] for tag in wanted]


def _lock(assets: Iterable[Asset], *, checklists: bool = False) -> list[Asset]:
    ids = sorted({a.pk for a in assets})
    if not ids:
        raise ValidationError({"tags": "Choose at least one asset."})
    queryset = (
        Asset.objects.select_for_update(of=("self",))
        .select_related("category", "assigned_user", "assigned_department")
        .select_related("assigned_location__parent__parent__parent")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if checklists:
        queryset = queryset.prefetch_related("category__checklist")
    locked = list(queryset)
    if len(locked) != len(ids):  # withdrawn from an order meanwhile
        raise ValidationError({"tags": "Some of the assets no longer exist: reload the list."})
    return locked


# ``Asset.history`` builds a manager on every access: take the model once.
_HISTORY_MODEL = Asset.history.model


def _history_row(asset: Asset, *, actor, reason: str, action: str, from_status: str, when):
    row = _HISTORY_MODEL(
        **{name: getattr(asset, name) for name in _HISTORY_FIELDS},
        history_date=when,
        history_type="~",
        history_user=actor,
        history_change_reason=reason,
        history_action=action,
        history_from_status=from_status,
    )
    return row


def _refused_message(label: str, refusals: Sequence[_Refusal], total: int) -> str:
    listed = " ".join(f"{r.why}" for r in refusals)
    return (
        f"Nothing was changed: {len(refusals)} of {total} asset{'s' if total != 1 else ''} "
        f"cannot be {label}. {listed}"
    )


def _run(
    assets: Iterable[Asset],
    *,
    move: str,
    label: str,
    actor,
    reason: str,
    check: Callable[[Asset], _Refusal | None],
    change: Callable[[Asset], str],
    fields: Sequence[str],
    holder_changes: bool,
    checklists: bool = False,
    after_checks: Callable[[list[Asset]], None] | None = None,
    action_for: Callable[[Asset], str] | None = None,
    end_action: str = "",
    extra_refusals: Sequence[_Refusal] = (),
) -> list[Asset]:
    """Lock, check all, then write all: the assets, their history rows and their deployments.

    ``extra_refusals`` are problems the caller found before locking (they refuse the whole run).

    ``action_for`` names each asset's history action when one run mixes moves (offboarding);
    ``end_action`` is what the closed deployments say ended them (default: ``move``).
    """
    with transaction.atomic():
        locked = _lock(assets, checklists=checklists)
        refusals = [*extra_refusals, *(r for r in map(check, locked) if r is not None)]
        if refusals:
            raise BulkRefused(
                _refused_message(label, refusals, len(locked) + len(extra_refusals)),
                move=move,
                refusals=[(r.tag, r.why) for r in refusals],
                status_code=409 if any(r.state for r in refusals) else 400,
            )
        if after_checks is not None:
            after_checks(locked)
        now = timezone.now()
        history = []
        opened = []
        for asset in locked:
            from_status = asset.status
            action = action_for(asset) if action_for else move
            default = change(asset)
            asset.updated_at = now
            history.append(
                _history_row(
                    asset,
                    actor=actor,
                    reason=reason or default,
                    action=action,
                    from_status=from_status,
                    when=now,
                )
            )
            if holder_changes and (asset.assigned_department_id or asset.assigned_user_id):
                opened.append(
                    Assignment(
                        asset=asset,
                        assigned_user_id=asset.assigned_user_id,
                        assigned_department_id=asset.assigned_department_id,
                        started_at=now,
                        started_by=actor,
                        checklist=getattr(asset, "_checklist", []),
                    )
                )
        Asset.objects.bulk_update(locked, [*fields, "updated_at"])
        if holder_changes:
            Assignment.objects.filter(asset__in=locked, ended_at__isnull=True).update(
                ended_at=now, ended_by=actor, end_action=end_action or move
            )
            if opened:
                Assignment.objects.bulk_create(opened)
        _HISTORY_MODEL.objects.bulk_create(history)
    return locked


_HOLDER_FIELDS = (
    "status",
    "assigned_user",
    "assigned_location",
    "assigned_department",
    "assigned_at",
    "expected_return_date",
    "accepted_at",
)


def _state_check(move_name: str) -> Callable[[Asset], _Refusal | None]:
    move = lifecycle.MOVES[move_name]

    def check(asset: Asset) -> _Refusal | None:
        if asset.status not in move.sources:
            return _Refusal(asset.tag, lifecycle._refuse(asset, move).message)
        return None

    return check


def _clean_reason(move_name: str, reason: str | None) -> str:
    return lifecycle._clean_reason(lifecycle.MOVES[move_name], reason)


# --- the bulk moves ---------------------------------------------------------------------------


def bulk_check_in(
    assets: Iterable[Asset],
    *,
    actor,
    reason: str = "",
    location: Location | None = None,
    condition: str = "",
) -> list[Asset]:
    """Check many deployed assets back into stock (at ``location``), all or none."""
    move = lifecycle.MOVES["check_in"]
    lifecycle._check_permission(actor, move)
    reason = _clean_reason("check_in", reason)
    if condition and condition not in Condition.values:
        raise ValidationError({"condition": f"Choose one of: {', '.join(Condition.values)}."})

    def change(asset: Asset) -> str:
        text = "Checked in" + lifecycle._back_to_stock(asset, location)
        if condition:
            asset.condition = condition
            text += f", condition: {Condition(condition).label.lower()}"
        return text + " (bulk)"

    return _run(
        assets,
        move="check_in",
        label="checked in",
        actor=actor,
        reason=reason,
        check=_state_check("check_in"),
        change=change,
        fields=[*_HOLDER_FIELDS, "location", "condition"],
        holder_changes=True,
    )


def bulk_relocate(
    assets: Iterable[Asset], *, actor, reason: str = "", location: Location
) -> list[Asset]:
    """Carry many assets to one place; status and holders stay (see ``lifecycle.relocate``)."""
    lifecycle.check_relocate_permission(actor)
    if location is None:
        raise ValidationError({"location": "Choose where the assets go."})
    reason = (reason or "").strip()

    def check(asset: Asset) -> _Refusal | None:
        why = lifecycle.relocation_refusal(asset, location)
        return _Refusal(asset.tag, why) if why else None

    def change(asset: Asset) -> str:
        asset.location = location
        return f"Moved to {location.full_name} (bulk)"

    return _run(
        assets,
        move="relocate",
        label="moved",
        actor=actor,
        reason=reason,
        check=check,
        change=change,
        fields=["location"],
        holder_changes=False,
    )


def bulk_deploy(
    assets: Iterable[Asset],
    *,
    to: Department,
    actor,
    reason: str = "",
    checklist_done: Iterable[int] | None = None,
) -> list[Asset]:
    """Deploy many in-stock assets to one department, all or none.

    ``checklist_done`` holds the ids of the steps IT ticked, across the categories involved; each
    asset needs every required step of its own category's checklist.
    """
    move = lifecycle.MOVES["deploy"]
    lifecycle._check_permission(actor, move)
    reason = _clean_reason("deploy", reason)
    if not isinstance(to, Department):
        raise ValidationError({"department": "Choose the department to deploy to."})
    try:
        done = {int(item) for item in (checklist_done or [])}
    except (TypeError, ValueError) as error:
        raise ValidationError({"checklist": "Give the ticked steps as ids (numbers)."}) from error
    state = _state_check("deploy")
    seen_items: set[int] = set()

    def check(asset: Asset) -> _Refusal | None:
        refused = state(asset)
        if refused:
            return refused
        items = {item.pk for item in asset.category.checklist.all()}
        seen_items.update(items)
        try:
            asset._checklist = lifecycle.checklist_for(asset.category, done & items)
        except ValidationError as error:
            text = " ".join(error.message_dict.get("checklist", error.messages))
            return _Refusal(asset.tag, f"{asset.tag}: {text}", state=False)
        return None

    def change(asset: Asset) -> str:
        label = lifecycle._set_holder(asset, to)
        asset.status = S.DEPLOYED
        return f"Deployed to {label} (bulk)"

    def no_unknown_steps(locked: list[Asset]) -> None:
        unknown = done - seen_items
        if unknown:
            raise ValidationError(
                {"checklist": f"Steps {sorted(unknown)} are on none of these assets' checklists."}
            )

    return _run(
        assets,
        move="deploy",
        label="deployed",
        actor=actor,
        reason=reason,
        check=check,
        change=change,
        fields=_HOLDER_FIELDS,
        holder_changes=True,
        checklists=True,
        after_checks=no_unknown_steps,
    )


# --- the actions as the register page and the API offer them --------------------------------


@dataclass(frozen=True)
class BulkAction:
    """One bulk action: its URL name, its words, the permission it needs and its function."""

    name: str  # as in URLs: check-in, relocate, deploy
    label: str  # the button: "Check in"
    done: str  # the result: "checked in"
    permission: str
    function: Callable[..., list[Asset]]


BULK_ACTIONS: dict[str, BulkAction] = {
    action.name: action
    for action in [
        BulkAction(
            "check-in",
            "Check in",
            "checked in",
            lifecycle.MOVES["check_in"].permission,
            bulk_check_in,
        ),
        BulkAction(
            "relocate",
            "Move to a location",
            "moved",
            lifecycle.RELOCATE_PERMISSION,
            bulk_relocate,
        ),
        BulkAction(
            "deploy",
            "Deploy to a department",
            "deployed",
            lifecycle.MOVES["deploy"].permission,
            bulk_deploy,
        ),
    ]
}


def actions_for(user) -> list[BulkAction]:
    """The bulk actions this person's role allows (none: no checkboxes on the register)."""
    if not user.is_authenticated:
        return []
    return [action for action in BULK_ACTIONS.values() if user.has_perm(action.permission)]


def preview(action: BulkAction, assets: Iterable[Asset]) -> dict[str, str]:
    """Which assets the action would refuse by their state as last read (no lock, no writes).

    For the confirmation page only: the move itself checks again under the lock.
    """
    problems: dict[str, str] = {}
    for asset in assets:
        if action.name == "relocate":
            if asset.status not in lifecycle.RELOCATABLE or asset.assigned_location_id:
                problems[asset.tag] = (
                    f"{lifecycle.status_label(asset.status)}"
                    + (", installed at a location" if asset.assigned_location_id else "")
                    + ": cannot be moved this way."
                )
            continue
        move = lifecycle.MOVES["check_in" if action.name == "check-in" else "deploy"]
        if asset.status not in move.sources:
            problems[asset.tag] = lifecycle._refuse(asset, move).message
    return problems
