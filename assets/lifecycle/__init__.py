"""The asset lifecycle: the state table and one function per move.

This module is the only writer of ``Asset.status``. Views, the API, the importer, audits and Celery
tasks all call these functions. Each move:

1. checks the actor's permission (``MoveNotPermitted``, a 403);
2. locks the asset row (``select_for_update``) inside one transaction;
3. refuses a move the current state does not allow (``TransitionRefused``, a 409 naming the
   current state and the moves it allows);
4. validates the move's own input (Django ``ValidationError``, a 400);
5. writes the change and its history row (user, reason, action, from and to state) together.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from itam.errors import Conflict

from ..choices import AssetStatus, Condition, DisposalMethod, RetirementReason, WipeMethod
from ..models import Asset, Assignment, Department, DisposalRecord, Location, WipeRecord
from ..retirement import prepare_certificate_file
from ..tags import allocate_tags, clean_explicit_tag

User = get_user_model()
S = AssetStatus


class TransitionRefused(Conflict):
    """The asset's current state does not allow this move (HTTP 409)."""

    code = "transition_refused"

    def __init__(self, message: str, *, asset: Asset, move: str, allowed: list[str]):
        super().__init__(
            message, tag=asset.tag, current_status=asset.status, move=move, allowed_moves=allowed
        )
        self.asset_tag = asset.tag
        self.current_status = asset.status
        self.move = move
        self.allowed_moves = allowed


class MoveNotPermitted(PermissionDenied):
    """The acting user's role does not allow this move (HTTP 403)."""


@dataclass(frozen=True)
class Move:
    name: str
    label: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    permission: str
    reason_required: bool = False

    @property
    def url_name(self) -> str:
        """The move as it appears in URLs: ``check-in``, ``start-maintenance``."""
        return self.name.replace("_", "-")


_ACTIVE = (S.IN_STOCK, S.DEPLOYED, S.IN_MAINTENANCE)

MOVES: dict[str, Move] = {
    move.name: move
    for move in [
        Move("receive", "Receive", (S.ON_ORDER,), (S.IN_STOCK,), "assets.receive_asset"),
        Move("deploy", "Deploy", (S.IN_STOCK,), (S.DEPLOYED,), "assets.deploy_asset"),
        Move("transfer", "Transfer", (S.DEPLOYED,), (S.DEPLOYED,), "assets.transfer_asset"),
        Move("check_in", "Check in", (S.DEPLOYED,), (S.IN_STOCK,), "assets.check_in_asset"),
        Move(
            "start_maintenance",
            "Start maintenance",
            (S.IN_STOCK, S.DEPLOYED),
            (S.IN_MAINTENANCE,),
            "assets.maintain_asset",
            reason_required=True,
        ),
        Move(
            "complete_maintenance",
            "Complete maintenance",
            (S.IN_MAINTENANCE,),
            (S.IN_STOCK, S.DEPLOYED),
            "assets.maintain_asset",
        ),
        Move(
            "mark_missing",
            "Mark missing",
            _ACTIVE,
            (S.MISSING,),
            "assets.mark_missing_asset",
            reason_required=True,
        ),
        Move("found", "Found", (S.MISSING,), (S.IN_STOCK,), "assets.mark_found_asset"),
        Move(
            "retire",
            "Retire",
            (S.IN_STOCK, S.IN_MAINTENANCE, S.MISSING),
            (S.RETIRED,),
            "assets.retire_asset",
            reason_required=True,
        ),
        Move("wipe", "Record data wipe", (S.RETIRED,), (S.RETIRED,), "assets.wipe_asset"),
        Move("dispose", "Dispose", (S.RETIRED,), (S.DISPOSED,), "assets.dispose_asset"),
        Move(
            "reinstate",
            "Reinstate",
            (S.RETIRED,),
            (S.IN_STOCK,),
            "assets.reinstate_asset",
            reason_required=True,
        ),
    ]
}

# Hints added to a refusal where the way forward is not obvious from the table alone.
_REFUSAL_HINTS = {
    ("retire", S.DEPLOYED): "Check it in first, then retire it.",
    ("dispose", S.DEPLOYED): "Check it in, retire it, then dispose of it.",
    ("dispose", S.IN_STOCK): "Retire it first.",
    ("deploy", S.DEPLOYED): "Use transfer to hand it to someone else.",
    ("reinstate", S.DISPOSED): "A disposed asset is gone for good.",
}


def moves_from(status: str) -> list[Move]:
    """The moves the state table allows from ``status``."""
    return [move for move in MOVES.values() if status in move.sources]


def available_moves(user, asset: Asset) -> list[Move]:
    """The moves this user may make on this asset now: for showing only the buttons that work."""
    return [move for move in moves_from(asset.status) if user.has_perm(move.permission)]


def status_label(status: str) -> str:
    return S(status).label if status in S.values else status


# --- the engine -----------------------------------------------------------------------------


def _check_permission(actor, move: Move, permission: str | None = None) -> None:
    """The move's own permission, or the one its caller stands on (an audit's outcomes)."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise MoveNotPermitted("Sign in to change assets.")
    if not actor.has_perm(permission or move.permission):
        raise MoveNotPermitted(f"Your role does not allow you to {move.label.lower()} assets.")


def _refuse(asset: Asset, move: Move, detail: str = "") -> TransitionRefused:
    allowed = [m.name for m in moves_from(asset.status)]
    allowed_text = ", ".join(m.replace("_", " ") for m in allowed) or "none (it is final)"
    message = (
        f"{asset.tag} is {status_label(asset.status).lower()}: it cannot be "
        f"{_past(move)} from that state. "
        f"Allowed from {status_label(asset.status).lower()}: {allowed_text}."
    )
    hint = detail or _REFUSAL_HINTS.get((move.name, asset.status), "")
    if hint:
        message = f"{message} {hint}"
    return TransitionRefused(message, asset=asset, move=move.name, allowed=allowed)


def _past(move: Move) -> str:
    return {
        "receive": "received",
        "deploy": "deployed",
        "transfer": "transferred",
        "check_in": "checked in",
        "start_maintenance": "put into maintenance",
        "complete_maintenance": "taken out of maintenance",
        "mark_missing": "marked missing",
        "found": "marked found",
        "retire": "retired",
        "wipe": "wiped",
        "dispose": "disposed of",
        "reinstate": "reinstated",
    }[move.name]


def _clean_reason(move: Move, reason: str | None) -> str:
    reason = (reason or "").strip()
    if move.reason_required and not reason:
        raise ValidationError({"reason": f"Say why ({move.label.lower()} needs a reason)."})
    return reason


def stamp_history(asset: Asset, *, actor, reason: str, action: str, from_status: str) -> None:
    """Set who, why and which move on the instance before ``save()`` writes its history row."""
    asset._history_user = actor
    asset._change_reason = reason
    asset._history_action = action
    asset._history_from_status = from_status


def _perform(
    asset: Asset,
    move_name: str,
    *,
    actor,
    reason: str | None,
    change: Callable[[Asset], str | None],
    default_reason: str = "",
    reason_prefix: bool = False,
    permission: str | None = None,
) -> Asset:
    """Run one move: permission, lock, state check, ``change`` (which sets status), history.

    ``permission`` replaces the move's own only where a caller carries out a decision made under
    another right: an audit's "mark missing" and "mark found" outcomes
    (``audits.apply_auditsession``), so auditors change assets through audits and no other way.
    """
    move = MOVES[move_name]
    _check_permission(actor, move, permission)
    reason = _clean_reason(move, reason)
    with transaction.atomic():
        locked = Asset.objects.select_for_update().select_related("category").get(pk=asset.pk)
        if locked.status not in move.sources:
            raise _refuse(locked, move)
        from_status = locked.status
        holder_before = _holder_key(locked)
        auto_reason = change(locked) or default_reason
        assert locked.status in move.targets, (move.name, locked.status)
        if _holder_key(locked) != holder_before:
            _follow_holder(locked, actor=actor, move=move.name, had_holder=any(holder_before))
        recorded = reason or auto_reason or move.label
        if reason_prefix and auto_reason and reason:
            # Name what the move did (e.g. the maintenance record) and keep the person's why.
            recorded = f"{auto_reason}: {reason}"
        stamp_history(
            locked,
            actor=actor,
            reason=recorded,
            action=move.name,
            from_status=from_status,
        )
        locked.save()
    return locked


def _holder_key(asset: Asset) -> tuple:
    return (asset.assigned_user_id, asset.assigned_location_id, asset.assigned_department_id)


def _follow_holder(asset: Asset, *, actor, move: str, had_holder: bool) -> None:
    """Close the open Assignment when the holder changes, and open one for the new holder."""
    now = timezone.now()
    if had_holder:
        Assignment.objects.filter(asset=asset, ended_at__isnull=True).update(
            ended_at=now, ended_by=actor, end_action=move
        )
    if any(_holder_key(asset)):
        Assignment.objects.create(
            asset=asset,
            assigned_user_id=asset.assigned_user_id,
            assigned_location_id=asset.assigned_location_id,
            assigned_department_id=asset.assigned_department_id,
            started_at=now,
            started_by=actor,
            expected_return_date=asset.expected_return_date,
            checklist=getattr(asset, "_checklist", []),
        )


def checklist_for(category, done: Iterable[int] | None) -> list[dict]:
    """The category's deployment steps with which are ticked; refuses unticked required ones."""
    done_ids = {int(item) for item in (done or [])}
    items = list(category.checklist.all())
    unknown = done_ids - {item.pk for item in items}
    if unknown:
        raise ValidationError(
            {"checklist": f"Steps {sorted(unknown)} are not on the {category} checklist."}
        )
    missing = [item.text for item in items if item.required and item.pk not in done_ids]
    if missing:
        raise ValidationError(
            {"checklist": "Tick every required step before deploying: " + "; ".join(missing) + "."}
        )
    return [
        {"item": item.pk, "text": item.text, "required": item.required, "done": item.pk in done_ids}
        for item in items
    ]


def _clear_holder(asset: Asset) -> None:
    asset.assigned_user = None
    asset.assigned_location = None
    asset.assigned_department = None
    asset.assigned_at = None
    asset.expected_return_date = None
    asset.accepted_at = None


def holder_label(holder) -> str:
    """How a holder is named in history: a person by full name, a place by its path."""
    if holder is None:
        return "nobody"
    if isinstance(holder, User):
        return holder.get_full_name() or holder.get_username()
    if isinstance(holder, Location):
        return holder.full_name
    return str(holder)


def _set_holder(asset: Asset, to) -> str:
    """Hand the asset to a user, a location or a department; returns 'to whom' for the history."""
    _clear_holder(asset)
    if isinstance(to, User):
        if not to.is_active:
            raise ValidationError(
                {"user": f"{to.get_username()} is inactive: pick a current person."}
            )
        asset.assigned_user = to
        label = to.get_full_name() or to.get_username()
    elif isinstance(to, Location):
        asset.assigned_location = to
        asset.location = to
        label = to.full_name
    elif isinstance(to, Department):
        asset.assigned_department = to
        label = to.name
    else:
        raise ValidationError("Deploy to a user, a location or a department.")
    asset.assigned_at = timezone.now()
    return label


def _back_to_stock(asset: Asset, location: Location | None) -> str:
    """No holder, optionally a new place, in stock; returns ' at <place>' for the history."""
    _clear_holder(asset)
    if location is not None:
        asset.location = location
    asset.status = S.IN_STOCK
    return f" at {location.full_name}" if location else ""


def _check_return_date(expected_return_date: datetime.date | None) -> None:
    if expected_return_date and expected_return_date < timezone.localdate():
        raise ValidationError(
            {"expected_return_date": "The expected return date is in the past: pick a later one."}
        )


# --- registration and edits -----------------------------------------------------------------

EDITABLE_FIELDS = (
    "name",
    "category",
    "model",
    "serial_number",
    "location",
    "department",
    "vendor",
    "purchase_date",
    "purchase_cost",
    "order_number",
    "warranty_end",
    "next_audit_date",
    "notes",
)


def register(
    *, actor, reason: str = "", on_order: bool = False, tag: str | None = None, **fields
) -> Asset:
    """Create an asset in stock (or on order, for a sent purchase order).

    The tag is the next in the sequence, or ``tag`` when the label is already printed.
    """
    if actor is None or not actor.is_authenticated or not actor.has_perm("assets.add_asset"):
        raise MoveNotPermitted("Your role does not allow you to register assets.")
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown asset field(s): {', '.join(sorted(unknown))}.")
    status = S.ON_ORDER if on_order else S.IN_STOCK
    with transaction.atomic():
        asset = Asset(status=status, **fields)
        asset.full_clean(exclude=["tag"])
        if asset.next_audit_date is None and not on_order:
            asset.next_audit_date = timezone.localdate() + datetime.timedelta(
                days=asset.category.audit_interval_days
            )
        asset.tag = clean_explicit_tag(tag) if tag else allocate_tags(1)[0]
        stamp_history(
            asset,
            actor=actor,
            reason=reason.strip() or ("Ordered" if on_order else "Registered"),
            action="register",
            from_status="",
        )
        try:
            with transaction.atomic():
                asset.save()
        except IntegrityError as error:  # a concurrent registration took the typed tag
            raise ValidationError({"tag": f"Tag {asset.tag} is already in use."}) from error
    return asset


def update_details(asset: Asset, *, actor, reason: str = "", **fields) -> Asset:
    """Edit an asset's descriptive fields (never its status or holder), with a history row."""
    if actor is None or not actor.is_authenticated or not actor.has_perm("assets.change_asset"):
        raise MoveNotPermitted("Your role does not allow you to edit assets.")
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(
            f"These fields cannot be edited here: {', '.join(sorted(unknown))}. "
            "Status and holder change only through lifecycle moves."
        )
    with transaction.atomic():
        locked = Asset.objects.select_for_update().get(pk=asset.pk)
        if locked.status == S.DISPOSED:
            raise ValidationError(
                "A disposed asset's record is kept as it was: it cannot be edited."
            )
        new_location = fields.get("location")
        if new_location is not None and new_location.pk != locked.location_id:
            problem = relocation_refusal(locked, new_location)
            if problem:
                raise ValidationError({"location": problem})
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.full_clean(exclude=["tag"])
        stamp_history(
            locked,
            actor=actor,
            reason=reason.strip() or "Details edited",
            action="edit",
            from_status=locked.status,
        )
        locked.save()
    return locked


# --- the moves ------------------------------------------------------------------------------


def receive(
    asset: Asset,
    *,
    actor,
    reason: str = "",
    serial_number: str | None = None,
    location: Location | None = None,
    purchase_date: datetime.date | None = None,
) -> Asset:
    """Goods arrived: into stock; the purchase date (what budgets count as spent) is the day."""

    def change(a: Asset) -> str:
        if serial_number is not None:
            a.serial_number = serial_number.strip()
        if location is not None:
            a.location = location
        a.purchase_date = purchase_date or a.purchase_date or timezone.localdate()
        if a.next_audit_date is None:
            a.next_audit_date = timezone.localdate() + datetime.timedelta(
                days=a.category.audit_interval_days
            )
        a.status = S.IN_STOCK
        return "Received"

    return _perform(asset, "receive", actor=actor, reason=reason, change=change)


def deploy(
    asset: Asset,
    *,
    to: User | Location | Department,
    actor,
    reason: str = "",
    expected_return_date: datetime.date | None = None,
    checklist_done: Iterable[int] | None = None,
) -> Asset:
    """To one holder; every required step of the category's checklist must be ticked."""
    _check_return_date(expected_return_date)

    def change(a: Asset) -> str:
        a._checklist = checklist_for(a.category, checklist_done)
        label = _set_holder(a, to)
        a.expected_return_date = expected_return_date
        a.status = S.DEPLOYED
        return f"Deployed to {label}"

    return _perform(asset, "deploy", actor=actor, reason=reason, change=change)


def transfer(
    asset: Asset,
    *,
    to: User | Location | Department,
    actor,
    reason: str = "",
    expected_return_date: datetime.date | None = None,
    checklist_done: Iterable[int] | None = None,
) -> Asset:
    """Holder to holder without passing through stock: one continuous history, both named."""
    _check_return_date(expected_return_date)

    def change(a: Asset) -> str:
        a._checklist = checklist_for(a.category, checklist_done)
        before = a.holder
        before_label = holder_label(before)
        label = _set_holder(a, to)
        if before == to:
            raise ValidationError(f"{a.tag} is already held by {label}.")
        a.expected_return_date = expected_return_date
        a.status = S.DEPLOYED
        return f"Transferred from {before_label} to {label}"

    return _perform(asset, "transfer", actor=actor, reason=reason, change=change)


def check_in(
    asset: Asset,
    *,
    actor,
    reason: str = "",
    location: Location | None = None,
    condition: str = "",
) -> Asset:
    """Back to stock, optionally at a location, with the condition it came back in."""
    if condition and condition not in Condition.values:
        raise ValidationError({"condition": f"Choose one of: {', '.join(Condition.values)}."})

    def change(a: Asset) -> str:
        text = "Checked in" + _back_to_stock(a, location)
        if condition:
            a.condition = condition
            text += f", condition: {Condition(condition).label.lower()}"
        return text

    return _perform(asset, "check_in", actor=actor, reason=reason, change=change)


def start_maintenance(
    asset: Asset,
    *,
    actor,
    reason: str,
    kind: str | None = None,
    title: str = "",
    description: str = "",
    supplier: str = "",
    warranty_covered: bool | None = None,
    plan=None,
) -> Asset:
    """Into maintenance with a maintenance record opened in the same transaction.

    A deployed asset keeps its holder so it can go back to them. ``warranty_covered`` defaults to
    whether the asset is under warranty today.
    """
    from maintenance import services as maintenance

    def change(a: Asset) -> str:
        details = maintenance.clean_details(
            a,
            kind=kind,
            title=title,
            description=description,
            supplier=supplier,
            warranty_covered=warranty_covered,
            plan=plan,
            fallback_title=reason or "",
        )
        record = maintenance.open_record(a, actor=actor, details=details)
        a.status = S.IN_MAINTENANCE
        a._maintenance_record = record
        said = (reason or "").strip().splitlines()[0] if (reason or "").strip() else ""
        named = f" “{record.title}”" if record.title != said[:200] else ""
        return f"{record.get_kind_display()} {record.reference}{named}"

    moved = _perform(
        asset,
        "start_maintenance",
        actor=actor,
        reason=reason,
        change=change,
        reason_prefix=True,
    )
    return moved


def complete_maintenance(
    asset: Asset,
    *,
    actor,
    reason: str = "",
    return_to_holder: bool = True,
    location: Location | None = None,
    cost=None,
    warranty_covered: bool | None = None,
    resolution: str = "",
) -> Asset:
    """Back to the holder it had before maintenance, or to stock (``return_to_holder=False``);
    closes the open maintenance record with its cost and downtime."""
    from maintenance import services as maintenance

    cost = maintenance.clean_cost(cost)
    resolution = (resolution or "").strip()

    def change(a: Asset) -> str:
        record = maintenance.close_open_record(
            a, actor=actor, cost=cost, warranty_covered=warranty_covered, resolution=resolution
        )
        a._maintenance_record = record
        done = f"{record.reference} " if record else ""
        costs = ""
        if record is not None:
            notes = [f"cost {record.cost}"] if record.cost else []
            if record.warranty_covered:
                notes.append("under warranty")
            costs = f" ({', '.join(notes)})" if notes else ""
        if return_to_holder and a.holder is not None:
            a.status = S.DEPLOYED
            return f"Maintenance {done}complete{costs}, back with {a.holder}"
        return f"Maintenance {done}complete{costs}, back in stock" + _back_to_stock(a, location)

    return _perform(
        asset,
        "complete_maintenance",
        actor=actor,
        reason=reason,
        change=change,
        reason_prefix=True,
    )


def _end_open_maintenance(asset: Asset, actor, resolution: str) -> None:
    """Leaving maintenance other than by completing it (retired, missing) closes its record."""
    if asset.status != S.IN_MAINTENANCE:
        return
    from maintenance import services as maintenance

    maintenance.close_open_record(asset, actor=actor, cost=None, resolution=resolution)


def mark_missing(asset: Asset, *, actor, reason: str, permission: str | None = None) -> Asset:
    """Missing keeps the last holder on record: it says who had it last."""

    def change(a: Asset) -> str:
        _end_open_maintenance(a, actor, f"Closed: the asset was marked missing ({reason}).")
        a.status = S.MISSING
        return "Marked missing"

    return _perform(
        asset, "mark_missing", actor=actor, reason=reason, change=change, permission=permission
    )


def mark_found(
    asset: Asset,
    *,
    actor,
    reason: str = "",
    location: Location | None = None,
    permission: str | None = None,
) -> Asset:
    def change(a: Asset) -> str:
        return "Found" + _back_to_stock(a, location)

    return _perform(
        asset, "found", actor=actor, reason=reason, change=change, permission=permission
    )


def retire(asset: Asset, *, actor, reason: str, retirement_reason: str = "") -> Asset:
    """Out of use for good (unless reinstated); ``retirement_reason`` is why, as a category:
    end of life, broken beyond repair, not cost-effective, lost or stolen, lease end."""
    retirement_reason = (retirement_reason or "").strip()
    if retirement_reason and retirement_reason not in RetirementReason.values:
        raise ValidationError(
            {
                "retirement_reason": "Choose one of: "
                + ", ".join(RetirementReason.values)
                + " (or leave it out)."
            }
        )

    def change(a: Asset) -> str:
        _end_open_maintenance(a, actor, f"Closed: the asset was retired ({reason}).")
        _clear_holder(a)
        a.status = S.RETIRED
        a.retired_at = timezone.now()
        a.retirement_reason = retirement_reason
        if retirement_reason:
            return f"Retired ({RetirementReason(retirement_reason).label.lower()})"
        return "Retired"

    return _perform(
        asset,
        "retire",
        actor=actor,
        reason=reason,
        change=change,
        reason_prefix=bool(retirement_reason),
    )


def wipe(
    asset: Asset,
    *,
    actor,
    method: str,
    performed_by: User,
    verified_by: User | None = None,
    tool: str = "",
    performed_on: datetime.date | None = None,
    certificate_reference: str = "",
    reason: str = "",
    certificate_file: UploadedFile | None = None,
) -> WipeRecord:
    """Record a data wipe (NIST SP 800-88) on a retired asset; the status stays ``retired``.

    ``certificate_file`` (optional) is the tool's report: PDF, PNG or JPEG, checked by content."""
    errors: dict[str, str] = {}
    content_type = ""
    if certificate_file:
        try:
            certificate_file, content_type = prepare_certificate_file(certificate_file)
        except ValidationError as exc:
            errors["certificate_file"] = exc.messages[0]
    if method not in WipeMethod.values:
        errors["method"] = f"Choose one of: {', '.join(WipeMethod.values)}."
    if verified_by is not None and verified_by == performed_by:
        errors["verified_by"] = "The verifier must be a different person from who did the wipe."
    elif verified_by is not None and not (
        verified_by.is_active and verified_by.has_perm("assets.wipe_asset")
    ):
        # A second pair of eyes that knows what a wipe is: a current member of IT staff.
        errors["verified_by"] = (
            f"{verified_by.get_username()} cannot verify wipes: choose a current member of IT "
            "staff (someone who may record wipes) other than who did it."
        )
    performed_on = performed_on or timezone.localdate()
    if performed_on > timezone.localdate():
        errors["performed_on"] = "The wipe date is in the future."
    if errors:
        raise ValidationError(errors)
    record: list[WipeRecord] = []

    def change(a: Asset) -> str:
        record.append(
            WipeRecord.objects.create(
                asset=a,
                method=method,
                tool=tool.strip(),
                performed_by=performed_by,
                verified_by=verified_by,
                performed_on=performed_on,
                certificate_reference=certificate_reference.strip(),
                certificate_file=certificate_file or "",
                certificate_content_type=content_type,
            )
        )
        return f"Data wiped ({WipeMethod(method).label.lower()})" + (
            f", verified by {verified_by.get_username()}" if verified_by else ", not yet verified"
        )

    try:
        _perform(asset, "wipe", actor=actor, reason=reason, change=change)
    except BaseException:
        # The row rolled back; the file it stored would be left on disk, unreachable.
        for made in record:
            if made.certificate_file:
                made.certificate_file.storage.delete(made.certificate_file.name)
        raise
    return record[0]


def dispose(
    asset: Asset,
    *,
    actor,
    method: str,
    reason: str = "",
    recipient: str = "",
    proceeds: Decimal | int | str = 0,
    disposed_on: datetime.date | None = None,
    certificate_reference: str = "",
) -> Asset:
    """The end: terminal, the record and history are kept forever and the tag never reused."""
    errors: dict[str, str] = {}
    if method not in DisposalMethod.values:
        errors["method"] = f"Choose one of: {', '.join(DisposalMethod.values)}."
    try:
        proceeds = Decimal(str(proceeds or 0))
        if proceeds < 0:
            errors["proceeds"] = "Proceeds cannot be negative."
    except ArithmeticError:
        errors["proceeds"] = "Proceeds must be a number, e.g. 120.00."
    disposed_on = disposed_on or timezone.localdate()
    if errors:
        raise ValidationError(errors)

    def change(a: Asset) -> str:
        if a.category.holds_data and not a.has_verified_wipe:
            move = MOVES["dispose"]
            raise TransitionRefused(
                f"{a.tag} is a {a.category.name} and holds data: record a verified wipe "
                "(clear, purge or destroy, checked by a second person) before disposal.",
                asset=a,
                move=move.name,
                allowed=["wipe"],
            )
        DisposalRecord.objects.create(
            asset=a,
            method=method,
            recipient=recipient.strip(),
            proceeds=proceeds,
            disposed_on=disposed_on,
            certificate_reference=certificate_reference.strip(),
            recorded_by=actor,
        )
        a.next_audit_date = None  # gone: no audit will ever see it again
        a.status = S.DISPOSED
        return f"Disposed ({DisposalMethod(method).label.lower()})"

    return _perform(asset, "dispose", actor=actor, reason=reason, change=change)


def reinstate(asset: Asset, *, actor, reason: str, location: Location | None = None) -> Asset:
    def change(a: Asset) -> str:
        if location is not None:
            a.location = location
        a.status = S.IN_STOCK
        a.retired_at = None
        a.retirement_reason = ""
        return "Reinstated"

    return _perform(asset, "reinstate", actor=actor, reason=reason, change=change)


# --- outside the state table: acceptance and withdrawn orders ---------------------------------


def is_holder(user, asset: Asset) -> bool:
    """Whether ``user`` is the person the asset is deployed to: who may accept or report it."""
    return (
        user is not None
        and user.is_authenticated
        and asset.status == S.DEPLOYED
        and asset.assigned_user_id == user.pk
    )


def _holder_only(asset: Asset, actor, what: str) -> Asset:
    if actor is None or not actor.is_authenticated:
        raise MoveNotPermitted(f"Sign in to {what}.")
    locked = Asset.objects.select_for_update().select_related("category").get(pk=asset.pk)
    if not is_holder(actor, locked):
        raise MoveNotPermitted(f"Only the person the asset is deployed to can {what}.")
    return locked


def confirm_receipt(asset: Asset, *, actor, reason: str = "", accept_terms: bool = False) -> Asset:
    """The holder says "I have it" (and accepts the category's terms, if it has any).

    The history row and the deployment keep the time and which version of the terms.
    """
    with transaction.atomic():
        locked = _holder_only(asset, actor, "confirm receipt")
        if locked.accepted_at is not None:
            raise Conflict(
                f"You already confirmed receipt of {locked.tag}.", tag=locked.tag, move="accept"
            )
        category = locked.category
        version = category.acceptance_version if category.acceptance_text else None
        if version is not None and not accept_terms:
            raise ValidationError(
                {"accept_terms": f"Read and accept the {category} terms to confirm receipt."}
            )
        locked.accepted_at = timezone.now()
        Assignment.objects.filter(asset=locked, ended_at__isnull=True).update(
            accepted_at=locked.accepted_at, accepted_terms_version=version
        )
        default = "Receipt confirmed by the holder"
        if version is not None:
            default += f", accepting the {category} terms (version {version})"
        stamp_history(
            locked,
            actor=actor,
            reason=reason.strip() or default,
            action="accept",
            from_status=locked.status,
        )
        locked.save()
    return locked


def report_problem(asset: Asset, *, actor, description: str) -> Assignment:
    """The holder says something is wrong with what they received; IT staff are told."""
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": "Say what is wrong, so IT can fix it."})
    with transaction.atomic():
        locked = _holder_only(asset, actor, "report a problem with it")
        assignment = Assignment.objects.filter(asset=locked, ended_at__isnull=True).first()
        if assignment is None:  # deployed before deployments were recorded
            assignment = Assignment.objects.create(
                asset=locked,
                assigned_user=actor,
                started_at=locked.assigned_at or timezone.now(),
                started_by=actor,
            )
        assignment.problem_reported_at = timezone.now()
        assignment.problem_report = description
        assignment.save(update_fields=["problem_reported_at", "problem_report"])
        stamp_history(
            locked,
            actor=actor,
            reason=f"Problem reported by the holder: {description}",
            action="report_problem",
            from_status=locked.status,
        )
        locked.save()
        from itam.notifications import notify, users_with_permission

        notify(
            users_with_permission("assets.deploy_asset"),
            kind="asset_problem",
            subject=f"Problem reported with {locked.tag}",
            body=f"{actor.get_full_name() or actor.get_username()}: {description}",
            url=locked.get_absolute_url(),
        )
    return assignment


def withdraw_order(asset: Asset, *, actor, reason: str) -> None:
    """An order line was cancelled before delivery: its on-order placeholder leaves the register.

    The deletion is a history row (who, why); the tag stays spent, so it is never reused.
    """
    move = MOVES["receive"]
    _check_permission(actor, move)
    with transaction.atomic():
        locked = Asset.objects.select_for_update().get(pk=asset.pk)
        if locked.status != S.ON_ORDER:
            raise Conflict(
                f"{locked.tag} is {status_label(locked.status).lower()}: only assets still on "
                "order can be withdrawn from an order.",
                tag=locked.tag,
                current_status=locked.status,
                move="withdraw",
            )
        stamp_history(
            locked, actor=actor, reason=reason, action="withdraw", from_status=locked.status
        )
        locked.delete()


# --- outside the state table: where an asset physically is ----------------------------------

# A physical move, not a lifecycle move: the status stays as it is. What is on order is not here
# yet (receive it at a place), what is missing has no known place (mark it found at one), and a
# disposed asset is gone; everything else can be carried from one place to another.
RELOCATABLE = (S.IN_STOCK, S.DEPLOYED, S.IN_MAINTENANCE, S.RETIRED)
RELOCATE_PERMISSION = "assets.change_asset"  # where an asset is is one of its editable details


def check_relocate_permission(actor, permission: str = RELOCATE_PERMISSION) -> None:
    """Relocating edits where the asset is: it needs ``assets.change_asset`` (IT staff).

    An audit's "move here" outcome passes its own permission, so auditors can carry out what
    their audit found without being able to edit assets otherwise.
    """
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise MoveNotPermitted("Sign in to change assets.")
    if not actor.has_perm(permission):
        raise MoveNotPermitted("Your role does not allow you to move assets to another location.")


def relocation_refusal(asset: Asset, location: Location) -> str:
    """Why ``asset`` cannot be carried to ``location`` now, or ``""`` when it can."""
    if asset.status not in RELOCATABLE:
        hint = {
            S.ON_ORDER: "Receive it at a location instead.",
            S.MISSING: "Mark it found at a location instead.",
            S.DISPOSED: "A disposed asset is gone for good.",
        }.get(asset.status, "")
        return (
            f"{asset.tag} is {status_label(asset.status).lower()}: it cannot be moved to "
            f"another location. {hint}"
        ).strip()
    if asset.assigned_location_id:
        return (
            f"{asset.tag} is installed at {asset.assigned_location}: transfer it to the new "
            "place so its holder moves with it."
        )
    if asset.location_id == location.pk:
        return f"{asset.tag} is already at {location.full_name}."
    return ""


def relocate(
    asset: Asset,
    *,
    actor,
    reason: str = "",
    location: Location,
    permission: str = RELOCATE_PERMISSION,
) -> Asset:
    """Carry an asset to another place; status and holder stay, the history says from where."""
    check_relocate_permission(actor, permission)
    if location is None:
        raise ValidationError({"location": "Choose where the asset goes."})
    with transaction.atomic():
        locked = Asset.objects.select_for_update().get(pk=asset.pk)
        refusal = relocation_refusal(locked, location)
        if refusal:
            allowed = [m.name for m in moves_from(locked.status)]
            raise TransitionRefused(refusal, asset=locked, move="relocate", allowed=allowed)
        before = locked.location.full_name if locked.location_id else "no recorded place"
        locked.location = location
        stamp_history(
            locked,
            actor=actor,
            reason=(reason or "").strip() or f"Moved from {before} to {location.full_name}",
            action="relocate",
            from_status=locked.status,
        )
        locked.save()
    return locked
