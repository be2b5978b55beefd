"""Software licences: seats, renewals and who may see a key.

Seat assignment locks the licence row before counting, so two people racing for the last seat
get one seat and one clear refusal (409), never an over-allocation.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from assets.choices import AssetStatus
from assets.models import Asset, Vendor
from assets.visibility import visible_assets
from itam.errors import Conflict

from .models import LicenseRenewal, LicenseSeat, SoftwareLicense
from .services import clean_cost

User = get_user_model()

KEY_PERMISSION = "maintenance.view_license_key"
MASK = "••••••••"
MAX_SEATS = 10_000_000
# Assets whose seats count as "left": nobody uses them any more.
GONE_STATUSES = (AssetStatus.RETIRED, AssetStatus.DISPOSED)


class SeatRefused(Conflict):
    """No free seat, a duplicate seat, or an expired licence (HTTP 409)."""

    code = "seat_refused"


def can_see_key(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(KEY_PERMISSION))


def key_for(user, license: SoftwareLicense) -> str:
    """The key for people allowed to see it; a fixed mask (not even its length) for the rest."""
    if can_see_key(user):
        return license.key
    return MASK if license.key else ""


# --- who sees which licences ---------------------------------------------------------------


def with_usage(queryset: QuerySet) -> QuerySet:
    """Annotate seats in use and seats whose holder has left (one query for any page size)."""
    open_seats = Q(seat_assignments__released_at__isnull=True)
    return queryset.annotate(
        seats_used=Count("seat_assignments", filter=open_seats),
        seats_orphaned=Count(
            "seat_assignments",
            filter=open_seats
            & (
                Q(seat_assignments__user__is_active=False)
                | Q(seat_assignments__asset__status__in=GONE_STATUSES)
            ),
        ),
    )


def _own_seats(user) -> Q:
    """Seats a person who does not read every licence may see: theirs, those on assets they may
    see, and (for a manager) their people's."""
    scope = Q(user=user) | Q(asset__in=visible_assets(user).values("pk"))
    if user.managed_departments.exists():
        scope |= Q(user__profile__department__manager=user)
    return scope


def visible_licenses(user, queryset: QuerySet | None = None) -> QuerySet:
    """IT staff and auditors see every licence; others those they or their visible assets hold."""
    queryset = SoftwareLicense.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    if user.has_perm("maintenance.view_softwarelicense"):
        return queryset
    held = LicenseSeat.objects.filter(
        _own_seats(user), license=OuterRef("pk"), released_at__isnull=True
    )
    owned = Q(owner=user)  # the person told about its renewal can open it (key still masked)
    return queryset.filter(Exists(held) | owned)


def visible_seats(user, license: SoftwareLicense) -> QuerySet:
    """The seats of a licence this person may see: all for licence readers, else their own."""
    seats = license.seat_assignments.select_related("user", "asset", "assigned_by", "released_by")
    if user.has_perm("maintenance.view_softwarelicense"):
        return seats
    return seats.filter(_own_seats(user))


# --- creating and changing ---------------------------------------------------------------------

FIELDS = (
    "product",
    "version",
    "vendor",
    "key",
    "seats",
    "cost",
    "purchased_on",
    "expires_on",
    "renewal_terms",
    "owner",
    "notes",
)


def _clean(fields: dict, *, current: SoftwareLicense | None = None, seats_used: int = 0) -> dict:
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValidationError(f"Unknown licence fields: {', '.join(sorted(unknown))}.")
    errors: dict[str, str] = {}
    data = dict(fields)
    if "product" in data or current is None:
        data["product"] = (data.get("product") or "").strip()
        if not data["product"]:
            errors["product"] = "Name the product, e.g. “Adobe Acrobat Pro”."
        elif len(data["product"]) > 200:
            errors["product"] = "Keep the product name under 200 characters."
    if "seats" in data or current is None:
        try:
            seats = int(data.get("seats"))
            if not 1 <= seats <= MAX_SEATS:
                raise ValueError
            data["seats"] = seats
        except (TypeError, ValueError):
            errors["seats"] = f"How many seats: a whole number from 1 to {MAX_SEATS:,}."
        else:
            if seats < seats_used:
                errors["seats"] = (
                    f"{seats_used} seats are in use: release {seats_used - seats} before "
                    f"cutting the licence to {seats}."
                )
    if "cost" in data:
        try:
            data["cost"] = clean_cost(data["cost"])
        except ValidationError as exc:
            errors["cost"] = exc.message_dict["cost"][0]
    for name in ("version", "key", "renewal_terms", "notes"):
        if name in data:
            data[name] = (data[name] or "").strip()
    if "version" in data and len(data["version"]) > 100:
        errors["version"] = "Keep the version under 100 characters."
    if "vendor" in data and data["vendor"] is not None and not isinstance(data["vendor"], Vendor):
        errors["vendor"] = "Choose a vendor from the list."
    owner = data.get("owner")
    if owner is not None and not owner.is_active:
        errors["owner"] = f"{owner.get_username()} has left: choose a current person."
    purchased = data.get("purchased_on", current.purchased_on if current else None)
    expires = data.get("expires_on", current.expires_on if current else None)
    if purchased and expires and expires < purchased:
        errors["expires_on"] = "It expires before it was bought: check the dates."
    if errors:
        raise ValidationError(errors)
    return data


def create_license(*, actor, reason: str = "", **fields) -> SoftwareLicense:
    if not actor.has_perm("maintenance.add_softwarelicense"):
        raise PermissionDenied("Your role does not allow you to add licences.")
    data = _clean(fields)
    license = SoftwareLicense(**data)
    license._history_user = actor
    license._change_reason = reason.strip() or "Licence added"
    license.save()
    return license


def update_license(
    license: SoftwareLicense, *, actor, reason: str = "", **fields
) -> SoftwareLicense:
    """Change a licence's details; its seats never drop below those in use."""
    if not actor.has_perm("maintenance.change_softwarelicense"):
        raise PermissionDenied("Your role does not allow you to change licences.")
    if "key" in fields and not can_see_key(actor):
        raise PermissionDenied("Your role does not allow you to see or change licence keys.")
    with transaction.atomic():
        locked = SoftwareLicense.objects.select_for_update().get(pk=license.pk)
        used = locked.seat_assignments.filter(released_at__isnull=True).count()
        data = _clean(fields, current=locked, seats_used=used)
        for name, value in data.items():
            setattr(locked, name, value)
        locked._history_user = actor
        locked._change_reason = reason.strip() or "Licence details changed"
        locked.save()
    return locked


def renew_license(
    license: SoftwareLicense,
    *,
    actor,
    expires_on: datetime.date | None,
    cost=None,
    seats: int | None = None,
    renewed_on: datetime.date | None = None,
    note: str = "",
) -> LicenseRenewal:
    """A new term: new expiry (later than the current one), its cost and optionally new seats."""
    if not actor.has_perm("maintenance.renew_softwarelicense"):
        raise PermissionDenied("Your role does not allow you to renew licences.")
    with transaction.atomic():
        locked = SoftwareLicense.objects.select_for_update().get(pk=license.pk)
        if expires_on is None:
            raise ValidationError({"expires_on": "Give the new expiry date of the renewed term."})
        if locked.expires_on and expires_on <= locked.expires_on:
            raise ValidationError(
                {
                    "expires_on": f"The new expiry must be after the current one "
                    f"({locked.expires_on.isoformat()})."
                }
            )
        renewed_on = renewed_on or timezone.localdate()
        if expires_on <= renewed_on:
            raise ValidationError({"expires_on": "The renewed term must end after today."})
        used = locked.seat_assignments.filter(released_at__isnull=True).count()
        changes: dict = {"expires_on": expires_on}
        if seats is not None:
            changes["seats"] = seats
        if cost not in (None, ""):
            changes["cost"] = cost
        data = _clean(changes, current=locked, seats_used=used)
        renewal = LicenseRenewal.objects.create(
            license=locked,
            renewed_on=renewed_on,
            previous_expires_on=locked.expires_on,
            expires_on=expires_on,
            previous_seats=locked.seats,
            seats=data.get("seats", locked.seats),
            cost=data.get("cost"),
            note=(note or "").strip(),
            renewed_by=actor,
        )
        for name, value in data.items():
            setattr(locked, name, value)
        locked._history_user = actor
        locked._change_reason = (
            f"Renewed until {expires_on.isoformat()}"
            + (f" ({renewal.previous_seats} → {renewal.seats} seats)" if seats else "")
            + (f": {renewal.note}" if renewal.note else "")
        )
        locked.save()
    return renewal


# --- seats -------------------------------------------------------------------------------------


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def assign_seat(
    license: SoftwareLicense,
    *,
    actor,
    user=None,
    asset: Asset | None = None,
    note: str = "",
) -> LicenseSeat:
    """Give one seat to a person or an asset; refused (409) when every seat is taken."""
    if not actor.has_perm("maintenance.add_licenseseat"):
        raise PermissionDenied("Your role does not allow you to assign licence seats.")
    if (user is None) == (asset is None):
        raise ValidationError("Give the seat to a person (user) or to an asset (tag), not both.")
    if user is not None and not user.is_active:
        raise ValidationError({"user": f"{user.get_username()} has left: pick a current person."})
    if asset is not None and asset.status in (*GONE_STATUSES, AssetStatus.ON_ORDER):
        raise ValidationError(
            {"asset": f"{asset.tag} is {asset.get_status_display().lower()}: it cannot hold seats."}
        )
    holder = _name(user) if user is not None else asset.tag
    with transaction.atomic():
        locked = SoftwareLicense.objects.select_for_update().get(pk=license.pk)
        if locked.is_expired:
            raise SeatRefused(
                f"{locked} expired on {locked.expires_on.isoformat()}: renew it before "
                "assigning seats.",
                license=locked.pk,
            )
        open_seats = locked.seat_assignments.filter(released_at__isnull=True)
        if open_seats.filter(Q(user=user) if user is not None else Q(asset=asset)).exists():
            raise SeatRefused(f"{holder} already holds a seat of {locked}.", license=locked.pk)
        used = open_seats.count()
        if used >= locked.seats:
            raise SeatRefused(
                f"All {locked.seats} seats of {locked} are in use: release one, or renew "
                "with more seats.",
                license=locked.pk,
                seats=locked.seats,
                seats_used=used,
            )
        try:
            with transaction.atomic():
                seat = LicenseSeat.objects.create(
                    license=locked,
                    user=user,
                    asset=asset,
                    note=(note or "").strip()[:200],
                    assigned_by=actor,
                )
        except IntegrityError:  # pragma: no cover - the lock above serialises this
            raise SeatRefused(f"{holder} already holds a seat of {locked}.") from None
    return seat


def release_seat(seat: LicenseSeat, *, actor, reason: str = "") -> LicenseSeat:
    if not actor.has_perm("maintenance.change_licenseseat"):
        raise PermissionDenied("Your role does not allow you to release licence seats.")
    with transaction.atomic():
        SoftwareLicense.objects.select_for_update().get(pk=seat.license_id)
        locked = LicenseSeat.objects.select_for_update().get(pk=seat.pk)
        if locked.released_at is not None:
            raise SeatRefused(
                f"That seat was already released on {timezone.localdate(locked.released_at)}."
            )
        locked.released_at = timezone.now()
        locked.released_by = actor
        locked.release_reason = (reason or "").strip()[:200]
        locked.save()
    return locked


def release_seats_of(user, *, actor, reason: str) -> int:
    """Release every seat a person holds (offboarding); returns how many."""
    count = 0
    # Licence order, so two offboardings sharing licences lock them in the same order.
    seats = LicenseSeat.objects.filter(user=user, released_at__isnull=True)
    for seat in seats.order_by("license_id", "pk"):
        release_seat(seat, actor=actor, reason=reason)
        count += 1
    return count


def orphaned_seats(queryset: QuerySet | None = None) -> QuerySet:
    """Seats still held by people who have left or by assets retired or disposed."""
    queryset = LicenseSeat.objects.all() if queryset is None else queryset
    return queryset.filter(released_at__isnull=True).filter(
        Q(user__is_active=False) | Q(asset__status__in=GONE_STATUSES)
    )


def utilisation(license: SoftwareLicense, used: int) -> Decimal:
    """Seats used as a share of seats, 0–100 (may pass 100 only if data came in that way)."""
    if not license.seats:
        return Decimal("0")
    return (Decimal(used) * 100 / license.seats).quantize(Decimal("0.1"))
