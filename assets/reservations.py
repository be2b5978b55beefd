"""Bookings of loaner-pool assets: book, cancel, hand out on the day, give back.

The rules live here; pages and the API only translate input. A booking holds an asset for a range
of whole days (both ends included). Two live bookings (booked or handed out) of one asset never
overlap: ``book`` locks the asset row(s) before it looks for a clash, so two people booking the
same asset at the same moment on PostgreSQL queue on the lock and the second one sees the first.

Handing out and taking back go through ``assets.lifecycle`` (the only writer of ``Asset.status``);
this module only moves the booking's own status.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from itam.errors import Conflict
from itam.notifications import notify

from . import lifecycle
from .choices import AssetStatus, ReservationStatus
from .models import Asset, AssetModel, Location, Reservation

User = get_user_model()
R = ReservationStatus

LIVE = (R.BOOKED, R.DEPLOYED)
# Assets that can never be lent again (or not until someone finds them).
UNBOOKABLE_STATUSES = (AssetStatus.RETIRED, AssetStatus.DISPOSED, AssetStatus.MISSING)
DEFAULT_MAX_LOAN_DAYS = 30
# How far ahead a loan can be booked. Also keeps every date the calendars compute from a booking
# (the .ics feed's day after the last) inside the calendar: a booking on 31 December 9999 broke
# the feed (found while fuzzing the API).
MAX_DAYS_AHEAD = 366
ICS_SALT = "assets.reservations.ics"


class BookingClash(Conflict):
    """The dates overlap a live booking of the same asset, or the whole pool is taken (409)."""

    code = "booking_clash"


class ReservationRefused(Conflict):
    """The booking's (or its asset's) current state does not allow this step (409)."""

    code = "reservation_refused"


class ReservationNotPermitted(PermissionDenied):
    """The acting person may not do this to this booking (403)."""


# --- who may do what -----------------------------------------------------------------------------


def max_loan_days() -> int:
    return int(getattr(settings, "ITAM_MAX_LOAN_DAYS", DEFAULT_MAX_LOAN_DAYS))


def manages_loans(user) -> bool:
    """IT staff: book for anyone, cancel any booking, hand out and take back."""
    return bool(user and user.is_authenticated and user.has_perm("assets.deploy_asset"))


def sees_all_bookings(user) -> bool:
    """IT staff and auditors (who read every record) see everyone's bookings."""
    return bool(user and user.is_authenticated and user.has_perm("assets.view_asset"))


def visible_reservations(user, queryset: QuerySet | None = None) -> QuerySet:
    """Everyone's for IT staff and auditors; otherwise the bookings for or made by this person."""
    queryset = Reservation.objects.all() if queryset is None else queryset
    if not (user and user.is_authenticated):
        return queryset.none()
    if sees_all_bookings(user):
        return queryset
    return queryset.filter(Q(person=user) | Q(booked_by=user))


def can_cancel(user, reservation: Reservation) -> bool:
    return reservation.status == R.BOOKED and (
        manages_loans(user) or user.pk in (reservation.person_id, reservation.booked_by_id)
    )


def shows_names_to(user, reservation: Reservation) -> bool:
    """Other people's names only for those who see every booking; your own always."""
    return sees_all_bookings(user) or user.pk in (reservation.person_id, reservation.booked_by_id)


def _signed_in(actor) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise ReservationNotPermitted("Sign in to book loaners.")


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _day(value: datetime.date) -> str:
    return f"{value.day} {value:%b %Y}"


def span_text(starts_on: datetime.date, ends_on: datetime.date) -> str:
    """'3 Dec 2026' or '3–5 Dec 2026' or '30 Nov–2 Dec 2026' (both ends included)."""
    if starts_on == ends_on:
        return _day(starts_on)
    if (starts_on.year, starts_on.month) == (ends_on.year, ends_on.month):
        return f"{starts_on.day}–{_day(ends_on)}"
    if starts_on.year == ends_on.year:
        return f"{starts_on.day} {starts_on:%b}–{_day(ends_on)}"
    return f"{_day(starts_on)}–{_day(ends_on)}"


# --- the pool ------------------------------------------------------------------------------------


def pool_assets(model: AssetModel | None = None) -> QuerySet:
    """The assets people can book: in a loaner pool, and neither gone nor missing."""
    queryset = Asset.objects.filter(reservable=True).exclude(status__in=UNBOOKABLE_STATUSES)
    if model is not None:
        queryset = queryset.filter(model=model)
    return queryset


def covering(day: datetime.date) -> Q:
    """Live bookings that include ``day``."""
    return Q(status__in=LIVE, starts_on__lte=day, ends_on__gte=day)


def overlapping(starts_on: datetime.date, ends_on: datetime.date) -> Q:
    """Live bookings sharing at least one day with the range (both ends included)."""
    return Q(status__in=LIVE, starts_on__lte=ends_on, ends_on__gte=starts_on)


@dataclass
class Pool:
    """One asset model's loaners, for the pools page."""

    model: AssetModel
    size: int
    free_today: int


def pools(today: datetime.date | None = None) -> list[Pool]:
    """Every model with pool assets, with how many are in stock and unbooked today (2 queries)."""
    today = today or timezone.localdate()
    busy = Reservation.objects.filter(covering(today), asset__isnull=False).values("asset_id")
    rows = (
        pool_assets()
        .filter(model__isnull=False)
        .values("model")
        .annotate(
            size=Count("pk"),
            free=Count(
                "pk", filter=Q(status=AssetStatus.IN_STOCK) & ~Q(pk__in=busy), distinct=True
            ),
        )
    )
    counts = {row["model"]: row for row in rows}
    models = AssetModel.objects.filter(pk__in=counts).select_related("manufacturer", "category")
    return [
        Pool(model=m, size=counts[m.pk]["size"], free_today=counts[m.pk]["free"])
        for m in sorted(models, key=lambda m: (m.category.name, str(m)))
    ]


def set_in_pool(asset: Asset, *, actor, in_pool: bool = True, reason: str = "") -> Asset:
    """Put an asset into its model's loaner pool (or take it out), with a history row.

    Taking one out leaves its bookings alone: IT cancels those that can no longer be served.
    """
    if not manages_loans(actor) or not actor.has_perm("assets.change_asset"):
        raise ReservationNotPermitted("Only IT staff manage the loaner pools.")
    with transaction.atomic():
        locked = Asset.objects.select_for_update().get(pk=asset.pk)
        if in_pool and locked.model_id is None:
            raise ValidationError(
                {"asset": f"{locked.tag} has no model: pools are per model, so record one first."}
            )
        if in_pool and locked.status in UNBOOKABLE_STATUSES:
            raise ValidationError(
                {
                    "asset": f"{locked.tag} is {lifecycle.status_label(locked.status).lower()}: "
                    "it cannot be lent."
                }
            )
        if locked.reservable == in_pool:
            return locked
        locked.reservable = in_pool
        lifecycle.stamp_history(
            locked,
            actor=actor,
            reason=reason.strip()
            or ("Added to the loaner pool" if in_pool else "Taken out of the loaner pool"),
            action="edit",
            from_status=locked.status,
        )
        locked.save()
    return locked


# --- booking -------------------------------------------------------------------------------------


def _check_dates(starts_on: datetime.date, ends_on: datetime.date) -> None:
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if starts_on < today:
        errors["starts_on"] = (
            f"The start day {_day(starts_on)} is in the past: start today or later."
        )
    elif (starts_on - today).days > MAX_DAYS_AHEAD:
        errors["starts_on"] = (
            f"The start day {_day(starts_on)} is more than a year ahead: book a loan within "
            f"the next {MAX_DAYS_AHEAD} days."
        )
    if ends_on < starts_on:
        errors["ends_on"] = "The last day is before the first: pick a last day on or after it."
    elif (ends_on - starts_on).days + 1 > max_loan_days():
        errors["ends_on"] = (
            f"That is {(ends_on - starts_on).days + 1} days: a loan lasts at most "
            f"{max_loan_days()} days. Book a shorter range, or ask IT for a longer deployment."
        )
    if errors:
        raise ValidationError(errors)


def _clash_message(actor, asset: Asset, clash: Reservation) -> str:
    who = f" by {_name(clash.person)}" if shows_names_to(actor, clash) else ""
    state = "out on loan" if clash.status == R.DEPLOYED else "already booked"
    return (
        f"{asset.tag} is {state} {span_text(clash.starts_on, clash.ends_on)}{who} "
        f"(booking #{clash.pk}): pick other dates or another asset."
    )


def _first_clash(asset: Asset, starts_on: datetime.date, ends_on: datetime.date):
    return (
        Reservation.objects.filter(overlapping(starts_on, ends_on), asset=asset)
        .select_related("person")
        .order_by("starts_on", "pk")
        .first()
    )


def book(
    *,
    actor,
    person,
    starts_on: datetime.date,
    ends_on: datetime.date,
    asset: Asset | None = None,
    model: AssetModel | None = None,
    note: str = "",
) -> Reservation:
    """Book one pool asset, or "any asset of this model" (a free one is chosen and recorded).

    Anyone signed in books for themselves; IT staff book for anyone. Refuses past starts, ranges
    longer than ``ITAM_MAX_LOAN_DAYS`` and any overlap with a live booking of the same asset.
    """
    _signed_in(actor)
    person = person or actor
    if person.pk != actor.pk and not manages_loans(actor):
        raise ReservationNotPermitted(
            "You can book loaners for yourself only; IT staff book for others."
        )
    if not person.is_active:
        raise ValidationError(
            {"person": f"{person.get_username()} is inactive: pick a current person."}
        )
    if (asset is None) == (model is None):
        raise ValidationError(
            "Book one asset (by tag) or any asset of a model: give one of the two."
        )
    _check_dates(starts_on, ends_on)
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": "Keep the note to 200 characters."})

    with transaction.atomic():
        if asset is not None:
            chosen = _lock_one(actor, asset, starts_on, ends_on)
        else:
            chosen = _lock_any(model, starts_on, ends_on)
        reservation = Reservation(
            asset=chosen,
            model=model,
            person=person,
            booked_by=actor,
            starts_on=starts_on,
            ends_on=ends_on,
            note=note,
        )
        reservation.full_clean()
        reservation.save()
        if person.pk != actor.pk:
            notify(
                [person],
                kind="loan_booked",
                subject=f"{_name(actor)} booked {chosen.tag} for you, "
                f"{span_text(starts_on, ends_on)}",
                body=f"{chosen.name} ({chosen.tag}). Collect it from IT on the first day."
                + (f"\nNote: {note}" if note else ""),
                url="/loaners/",
            )
    return reservation


def _lock_one(actor, asset: Asset, starts_on: datetime.date, ends_on: datetime.date) -> Asset:
    """Lock the asset row, then look for a clash: a concurrent booking waits here for ours."""
    locked = Asset.objects.select_for_update().get(pk=asset.pk)
    if not locked.reservable:
        raise ValidationError(
            {"asset": f"{locked.tag} is not in a loaner pool: it cannot be booked."}
        )
    if locked.status in UNBOOKABLE_STATUSES:
        raise ValidationError(
            {
                "asset": f"{locked.tag} is {lifecycle.status_label(locked.status).lower()}: "
                "it cannot be booked."
            }
        )
    clash = _first_clash(locked, starts_on, ends_on)
    if clash is not None:
        raise BookingClash(
            _clash_message(actor, locked, clash),
            tag=locked.tag,
            clashing_reservation=clash.pk,
            clash_starts_on=clash.starts_on.isoformat(),
            clash_ends_on=clash.ends_on.isoformat(),
        )
    return locked


def _lock_any(model: AssetModel, starts_on: datetime.date, ends_on: datetime.date) -> Asset:
    """Lock every pool asset of the model in id order (no deadlocks), then take a free one.

    Prefers one that is in stock now, then the lowest tag, so choices are predictable.
    """
    candidates = list(pool_assets(model).select_for_update().order_by("pk"))
    if not candidates:
        raise ValidationError({"model": f"There are no {model} loaners in the pool."})
    busy = set(
        Reservation.objects.filter(
            overlapping(starts_on, ends_on), asset__in=candidates
        ).values_list("asset_id", flat=True)
    )
    free = [a for a in candidates if a.pk not in busy]
    if not free:
        raise BookingClash(
            f"All {len(candidates)} {model} loaner{'s are' if len(candidates) != 1 else ' is'} "
            f"booked on some day of {span_text(starts_on, ends_on)}: pick other dates, or see "
            "the pool's calendar for free days.",
            model=model.pk,
        )
    free.sort(key=lambda a: (a.status != AssetStatus.IN_STOCK, a.tag))
    return free[0]


# --- cancel, hand out, give back -----------------------------------------------------------------


def _lock(reservation: Reservation) -> Reservation:
    return (
        Reservation.objects.select_for_update(of=("self",))
        .select_related("asset", "person", "booked_by")
        .get(pk=reservation.pk)
    )


def _status_text(reservation: Reservation) -> str:
    return R(reservation.status).label.lower()


def cancel(reservation: Reservation, *, actor, reason: str = "") -> Reservation:
    """Give the days back. The person, whoever booked it, or IT staff; only before hand-out.

    IT cancelling someone else's booking must say why; the person is told.
    """
    _signed_in(actor)
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = _lock(reservation)
        own = actor.pk in (locked.person_id, locked.booked_by_id)
        if not own and not manages_loans(actor):
            raise ReservationNotPermitted("You can cancel only your own bookings.")
        if locked.status != R.BOOKED:
            hint = " Take it back instead." if locked.status == R.DEPLOYED else ""
            raise ReservationRefused(
                f"Booking #{locked.pk} is {_status_text(locked)}: it cannot be cancelled.{hint}",
                reservation=locked.pk,
                current_status=locked.status,
            )
        if actor.pk != locked.person_id and not reason:
            raise ValidationError(
                {"reason": "Say why: the person is told their booking is cancelled."}
            )
        locked.status = R.CANCELLED
        stamp = f"Cancelled by {_name(actor)}" + (f": {reason}" if reason else "")
        locked.note = (f"{locked.note} · {stamp}" if locked.note else stamp)[:200]
        locked.save(update_fields=["status", "note"])
        if actor.pk != locked.person_id:
            notify(
                [locked.person],
                kind="loan_cancelled",
                subject=f"Your loan of {locked.asset.tag if locked.asset else locked.model} "
                f"({span_text(locked.starts_on, locked.ends_on)}) was cancelled",
                body=f"{_name(actor)} cancelled it" + (f": {reason}" if reason else "."),
                url="/loaners/",
            )
    return locked


def hand_out(
    reservation: Reservation, *, actor, checklist_done: Iterable[int] | None = None
) -> Reservation:
    """IT deploys the booked asset to the person, from the first day of the booking.

    The expected return date is the booking's last day, so the overdue-loaner reminder knows it.
    """
    if not manages_loans(actor):
        raise ReservationNotPermitted("Only IT staff hand out loaners.")
    today = timezone.localdate()
    with transaction.atomic():
        locked = _lock(reservation)
        asset = locked.asset

        def refuse(message: str) -> ReservationRefused:
            return ReservationRefused(
                message,
                reservation=locked.pk,
                current_status=locked.status,
                asset_status=asset.status if asset else None,
            )

        if locked.status != R.BOOKED:
            raise refuse(
                f"Booking #{locked.pk} is {_status_text(locked)}: it cannot be handed out."
            )
        if today < locked.starts_on:
            raise refuse(
                f"Booking #{locked.pk} starts on {_day(locked.starts_on)}: hand it out from "
                "that day, not before."
            )
        if today > locked.ends_on:
            raise refuse(
                f"Booking #{locked.pk} ended on {_day(locked.ends_on)} without being handed "
                "out: cancel it, and book new dates if the person still needs a loaner."
            )
        asset = Asset.objects.select_for_update().get(pk=asset.pk)
        if asset.status != AssetStatus.IN_STOCK:
            held = ""
            if asset.status == AssetStatus.DEPLOYED and asset.holder is not None:
                held = f" to {asset.holder}"
            raise refuse(
                f"{asset.tag} is {lifecycle.status_label(asset.status).lower()}{held}: it can be "
                "handed out only from stock. Bring it back to stock first, or cancel this "
                "booking and book another asset of the pool."
            )
        lifecycle.deploy(
            asset,
            to=locked.person,
            actor=actor,
            reason=f"Loan: booking #{locked.pk}, {span_text(locked.starts_on, locked.ends_on)}",
            expected_return_date=locked.ends_on,
            checklist_done=checklist_done,
        )
        locked.status = R.DEPLOYED
        locked.save(update_fields=["status"])
    return locked


def give_back(
    reservation: Reservation, *, actor, location: Location | None = None, condition: str = ""
) -> Reservation:
    """IT takes a loaner back: checked in to stock (with its condition); the booking ends.

    If the asset was already checked in on its own page, the booking is simply closed.
    """
    if not manages_loans(actor) or not actor.has_perm("assets.check_in_asset"):
        raise ReservationNotPermitted("Only IT staff take loaners back.")
    with transaction.atomic():
        locked = _lock(reservation)
        if locked.status != R.DEPLOYED:
            raise ReservationRefused(
                f"Booking #{locked.pk} is {_status_text(locked)}: only a loaner that was handed "
                "out can be taken back.",
                reservation=locked.pk,
                current_status=locked.status,
            )
        asset = Asset.objects.select_for_update().get(pk=locked.asset_id)
        if asset.status == AssetStatus.DEPLOYED and asset.assigned_user_id == locked.person_id:
            lifecycle.check_in(
                asset,
                actor=actor,
                reason=f"Loan returned: booking #{locked.pk}",
                location=location,
                condition=condition,
            )
        elif asset.assigned_user_id == locked.person_id:
            # In maintenance or missing while still theirs: closing the loan would hide that.
            raise ReservationRefused(
                f"{asset.tag} is {lifecycle.status_label(asset.status).lower()} and still on "
                f"{_name(locked.person)}'s record: settle that on its own page first.",
                reservation=locked.pk,
                current_status=locked.status,
                asset_status=asset.status,
            )
        elif asset.status == AssetStatus.DEPLOYED:
            raise ReservationRefused(
                f"{asset.tag} is now deployed to {asset.holder}, not to "
                f"{_name(locked.person)}: check it in from its own page.",
                reservation=locked.pk,
                current_status=locked.status,
                asset_status=asset.status,
            )
        locked.status = R.RETURNED
        locked.save(update_fields=["status"])
    return locked


# --- lists for the pages -------------------------------------------------------------------------


def due_hand_outs(model: AssetModel | None = None, today: datetime.date | None = None) -> QuerySet:
    """Bookings that can be handed out today (started, not ended, not yet out)."""
    today = today or timezone.localdate()
    queryset = Reservation.objects.filter(status=R.BOOKED, starts_on__lte=today, ends_on__gte=today)
    if model is not None:
        queryset = queryset.filter(asset__model=model)
    return queryset.select_related("asset", "person").order_by("starts_on", "asset__tag")


def due_returns(model: AssetModel | None = None, today: datetime.date | None = None) -> QuerySet:
    """Loans out whose last day is today or past (overdue first)."""
    today = today or timezone.localdate()
    queryset = Reservation.objects.filter(status=R.DEPLOYED, ends_on__lte=today)
    if model is not None:
        queryset = queryset.filter(asset__model=model)
    return queryset.select_related("asset", "person").order_by("ends_on", "asset__tag")


@dataclass
class Segment:
    """A run of days in one calendar row: one free day, or the days of one booking."""

    booking: Reservation | None
    first: datetime.date
    span: int = 1


@dataclass
class CalendarRow:
    asset: Asset
    cells: list[Reservation | None] = field(default_factory=list)

    @property
    def segments(self) -> list[Segment]:
        """Consecutive days of one booking merged, so its name is written once across them."""
        segments: list[Segment] = []
        for day, booking in zip(self.days, self.cells, strict=True):
            last = segments[-1] if segments else None
            if booking is not None and last is not None and last.booking is booking:
                last.span += 1
            else:
                segments.append(Segment(booking=booking, first=day))
        return segments

    days: list[datetime.date] = field(default_factory=list)


@dataclass
class MonthGrid:
    first: datetime.date
    days: list[datetime.date]
    rows: list[CalendarRow]
    previous: datetime.date
    next: datetime.date


def month_start(value: str | None, today: datetime.date | None = None) -> datetime.date:
    """``?month=2026-12`` as its first day; this month when missing; a 400 when unreadable."""
    today = today or timezone.localdate()
    if not value:
        return today.replace(day=1)
    try:
        year, month = (int(part) for part in value.split("-"))
        if not 1900 <= year <= 9000:  # the grid steps a month either way: stay far from the ends
            raise ValueError(year)
        return datetime.date(year, month, 1)
    except ValueError:
        raise ValidationError(
            {"month": f"“{value}” is not a month: use YYYY-MM, e.g. 2026-12."}
        ) from None


def month_grid(model: AssetModel, first: datetime.date) -> MonthGrid:
    """Rows = the pool's assets, columns = the month's days; each cell the live booking or None."""
    last_day = calendar.monthrange(first.year, first.month)[1]
    days = [first.replace(day=d) for d in range(1, last_day + 1)]
    assets = list(pool_assets(model).order_by("tag"))
    bookings = Reservation.objects.filter(
        overlapping(days[0], days[-1]), asset__in=assets
    ).select_related("person")
    by_asset: dict[int, list[Reservation]] = {}
    for booking in bookings:
        by_asset.setdefault(booking.asset_id, []).append(booking)
    rows = []
    for asset in assets:
        mine = by_asset.get(asset.pk, [])
        cells = [next((b for b in mine if b.starts_on <= d <= b.ends_on), None) for d in days]
        rows.append(CalendarRow(asset=asset, cells=cells, days=days))
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    following = days[-1] + datetime.timedelta(days=1)
    return MonthGrid(first=first, days=days, rows=rows, previous=previous, next=following)


# --- the .ics feed -------------------------------------------------------------------------------


def ics_token(user, model: AssetModel) -> str:
    """A signed token for one person and one pool, for calendar apps that cannot sign in."""
    return signing.dumps({"u": user.pk, "m": model.pk}, salt=ICS_SALT, compress=True)


def ics_user(token: str, model: AssetModel):
    """The active person a token was made for, if it is genuine and for this pool; else None."""
    try:
        data = signing.loads(token or "", salt=ICS_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("m") != model.pk:
        return None
    return User.objects.filter(pk=data.get("u"), is_active=True).first()


def _ics_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")  # a lone CR would start a new iCal line
    )


def _fold(line: str) -> str:
    """RFC 5545: lines longer than 75 octets continue on the next line after a space."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += piece
    parts.append(current.decode())
    return "\r\n ".join(parts)


ICS_HISTORY_DAYS = 90


def ics_feed(model: AssetModel, user, *, host: str = "itam") -> str:
    """The pool's live and recent bookings as an iCalendar; names only for those who see all."""
    since = timezone.localdate() - datetime.timedelta(days=ICS_HISTORY_DAYS)
    bookings = (
        Reservation.objects.filter(asset__model=model, ends_on__gte=since)
        .exclude(status=R.CANCELLED)
        .select_related("asset", "person")
        .order_by("starts_on", "pk")
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//ITAM//Loaners//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_ics_text(f'Loaners: {model}')}",
    ]
    for booking in bookings:
        who = _name(booking.person) if shows_names_to(user, booking) else "Booked"
        stamp = booking.created_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        lines += [
            "BEGIN:VEVENT",
            f"UID:reservation-{booking.pk}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{booking.starts_on:%Y%m%d}",
            f"DTEND;VALUE=DATE:{booking.ends_on + datetime.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_ics_text(f'{booking.asset.tag} · {who}')}",
            f"DESCRIPTION:{_ics_text(f'{booking.asset.name}; {R(booking.status).label}')}",
            "TRANSP:TRANSPARENT",
            "STATUS:CONFIRMED",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
