"""Offboarding: take back everything a leaver holds, in one transaction, each return in the history.

What a person holds is every asset whose holder is them:

- **deployed** to them: checked in at the chosen location (history action ``check_in``);
- **in maintenance** while theirs: released from them (action ``release``): it stays in
  maintenance, and when the repair is done it comes back to stock instead of to the leaver;
- **missing** while theirs: nothing can be returned. It stays on their record as the last holder
  (that is what "missing" records) until someone marks it found; the result says so.

Their licence seats are released in the same transaction (``maintenance.licenses.
release_seats_of``), when the person offboarding may release seats.

All or none: if one return fails, none is applied, and ``OffboardingRefused`` lists each asset
and why. The writes go through the bulk engine (``assets.lifecycle.bulk``), so the number of
queries does not grow with what the person holds.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from itam.errors import Conflict
from itam.sessions import end_sessions
from maintenance.licenses import release_seats_of

from . import lifecycle
from .choices import AssetStatus
from .lifecycle.bulk import _HOLDER_FIELDS, BulkRefused, _Refusal, _run
from .models import Asset, Location

User = get_user_model()
S = AssetStatus

HELD_STATUSES = (S.DEPLOYED, S.IN_MAINTENANCE, S.MISSING)
RETURNABLE = (S.DEPLOYED, S.IN_MAINTENANCE)

RETURNED, RELEASED, STILL_MISSING = "returned", "released", "still_missing"
SEAT_RELEASE = "maintenance.change_licenseseat"


class Offboarded(list):
    """The assets a person held, after offboarding; ``seats_released`` counts the licence seats
    given back in the same transaction."""

    seats_released: int = 0


class OffboardingRefused(Conflict):
    """One or more returns failed, so none was applied; ``problems`` is ``[(tag, why), ...]``."""

    code = "offboarding_refused"

    def __init__(self, message: str, *, person: str, problems: list[tuple[str, str]]):
        super().__init__(
            message, person=person, refused=[{"tag": tag, "reason": why} for tag, why in problems]
        )
        self.problems = problems


def name_of(person) -> str:
    return person.get_full_name() or person.get_username()


def holdings(person) -> QuerySet:
    """Everything ``person`` holds (deployed to them, or in maintenance or missing while theirs)."""
    return Asset.objects.filter(assigned_user=person, status__in=HELD_STATUSES)


def planned_outcome(asset: Asset) -> tuple[str, str]:
    """What offboarding does with one held asset, and that in words (for the page and the API)."""
    if asset.status == S.DEPLOYED:
        return RETURNED, "Checked in to stock at the chosen location."
    if asset.status == S.IN_MAINTENANCE:
        return (
            RELEASED,
            "Stays in maintenance, no longer theirs: it comes back to stock when repaired.",
        )
    return (
        STILL_MISSING,
        "Missing: it cannot be checked in. It stays on their record as the last holder until "
        "someone marks it found.",
    )


def check_deactivation(person, actor) -> None:
    if person.pk == actor.pk:
        raise ValidationError({"deactivate": "You cannot deactivate your own account."})
    if person.is_superuser:
        raise ValidationError(
            {"deactivate": "An administrator's account is deactivated in the admin, not here."}
        )


def offboard(
    person,
    *,
    actor,
    location: Location | None,
    reason: str,
    expected_tags: Iterable[str] | None = None,
    deactivate: bool = False,
) -> Offboarded:
    """Return everything ``person`` holds in one transaction; every asset they held, after.

    ``expected_tags`` are the returns the caller confirmed (the page lists them): if the person's
    holdings changed since (one went missing, another was handed to them), nothing is applied and
    the error says which and why. Each returned asset carries ``offboarding_outcome``
    (``returned``, ``released`` or ``still_missing``) and ``offboarding_note``. ``deactivate``
    also switches the account off (not your own, not an administrator's) and ends its sessions
    and API token for good. Their licence seats are released too when ``actor`` may release
    seats (``maintenance.change_licenseseat``).

    Needs the check-in permission (``assets.check_in_asset``).
    """
    lifecycle._check_permission(actor, lifecycle.MOVES["check_in"])
    errors: dict[str, str] = {}
    if location is None:
        errors["location"] = "Choose where the returned assets go."
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "Say why (for example: left the company on 30 June)."
    if errors:
        raise ValidationError(errors)
    if deactivate:
        check_deactivation(person, actor)
    who = name_of(person)

    with transaction.atomic():
        held = list(holdings(person).order_by("tag"))
        to_return = [a for a in held if a.status in RETURNABLE]
        problems = _expected_problems(person, who, to_return, expected_tags)

        def check(asset: Asset) -> _Refusal | None:
            # Re-read under the lock: it may have moved since the list above was read.
            if asset.assigned_user_id != person.pk:
                return _Refusal(asset.tag, f"{asset.tag} is no longer held by {who}.")
            if asset.status not in RETURNABLE:
                return _Refusal(
                    asset.tag,
                    f"{asset.tag} is {lifecycle.status_label(asset.status).lower()}: "
                    "it cannot be checked in.",
                )
            return None

        def change(asset: Asset) -> str:
            if asset.status == S.DEPLOYED:
                return f"Offboarding {who}: checked in" + lifecycle._back_to_stock(asset, location)
            lifecycle._clear_holder(asset)
            return f"Offboarding {who}: released from them, stays in maintenance"

        try:
            if to_return:
                returned = _run(
                    to_return,
                    move="check_in",
                    label="returned",
                    actor=actor,
                    reason=f"Offboarding {who}: {reason}",
                    check=check,
                    change=change,
                    fields=[*_HOLDER_FIELDS, "location"],
                    holder_changes=True,
                    action_for=lambda a: "check_in" if a.status == S.DEPLOYED else "release",
                    end_action="offboard",
                    extra_refusals=problems,
                )
            elif problems:
                raise BulkRefused("", move="check_in", refusals=[(p.tag, p.why) for p in problems])
            else:
                returned = []
        except BulkRefused as refused:
            count = len(refused.refusals)
            raise OffboardingRefused(
                f"Nothing was returned: {count} of {who}'s returns failed. "
                + " ".join(why for _, why in refused.refusals),
                person=person.get_username(),
                problems=refused.refusals,
            ) from refused
        seats_released = 0
        if actor.has_perm(SEAT_RELEASE):
            seats_released = release_seats_of(
                person, actor=actor, reason=f"Offboarding {who}: {reason}"[:200]
            )
        if deactivate and person.is_active:
            User.objects.filter(pk=person.pk).update(is_active=False)
            person.is_active = False
            end_sessions(person)  # the update sends no signal: end their sign-ins here

    by_pk = {a.pk: a for a in returned}
    result = Offboarded()
    result.seats_released = seats_released
    for asset in held:
        done = by_pk.get(asset.pk, asset)
        outcome, note = planned_outcome(asset)
        if outcome == RETURNED:
            note = f"Checked in to stock at {location.full_name}."
        done.offboarding_outcome, done.offboarding_note = outcome, note
        result.append(done)
    return result


def _expected_problems(
    person, who: str, to_return: list[Asset], expected_tags: Iterable[str] | None
) -> list[_Refusal]:
    """Differences between the returns the caller confirmed and what the person holds now."""
    if expected_tags is None:
        return []
    expected = {t.strip() for t in expected_tags if t and t.strip()}
    now = {a.tag for a in to_return}
    problems = []
    gone = sorted(expected - now)
    if gone:
        for asset in Asset.objects.filter(tag__in=gone).select_related("assigned_user"):
            if asset.assigned_user_id == person.pk:
                why = (
                    f"{asset.tag} is {lifecycle.status_label(asset.status).lower()} now: "
                    "it cannot be checked in."
                )
            elif asset.holder is not None:
                why = f"{asset.tag} is no longer held by {who}: it is now with {asset.holder}."
            else:
                why = (
                    f"{asset.tag} is no longer held by {who}: it is "
                    f"{lifecycle.status_label(asset.status).lower()}."
                )
            problems.append(_Refusal(asset.tag, why))
        known = {p.tag for p in problems}
        problems += [_Refusal(t, f"There is no asset {t}.") for t in gone if t not in known]
    for tag in sorted(now - expected):
        problems.append(
            _Refusal(
                tag, f"{tag} was handed to {who} after the list was shown: reload and check again."
            )
        )
    return problems


# --- who may see whom ---------------------------------------------------------------------------


def visible_people(viewer) -> QuerySet:
    """The people whose page ``viewer`` may open.

    IT staff and auditors (``assets.view_asset``) see anyone; a manager sees the people of the
    departments they manage; everyone sees themselves. Anyone else's page is a 404, as for assets.
    """
    people = User.objects.all()
    if not viewer.is_authenticated:
        return people.none()
    if viewer.has_perm("assets.view_asset"):
        return people
    return people.filter(Q(pk=viewer.pk) | Q(profile__department__manager=viewer))


def can_offboard(viewer) -> bool:
    return viewer.is_authenticated and viewer.has_perm(lifecycle.MOVES["check_in"].permission)
