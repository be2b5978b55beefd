"""Loaner pools and bookings for ``seed_demo``, made through ``assets.reservations``.

Call ``add_demo_loans(actor)`` after the demo clock is put away: bookings start today or later,
so they must be made at the real "now". Two pools (a laptop and a phone model), a few bookings
each: one to hand out today, one out on loan and due back today, and some in the coming weeks.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assets import reservations as rs
from assets.choices import AssetStatus
from assets.models import Asset, AssetModel, Reservation

User = get_user_model()

POOL_CATEGORIES = ("Laptops", "Mobile phones")
POOL_SIZE = 3


def _pool_models() -> list[AssetModel]:
    """Per category, the model with the most assets in stock (at least two of them)."""
    chosen = []
    for category in POOL_CATEGORIES:
        models = AssetModel.objects.filter(category__name=category)
        ranked = sorted(
            models,
            key=lambda m: -m.assets.filter(status=AssetStatus.IN_STOCK).count(),
        )
        if ranked and ranked[0].assets.filter(status=AssetStatus.IN_STOCK).count() >= 2:
            chosen.append(ranked[0])
    return chosen


@transaction.atomic
def add_demo_loans(actor) -> list[Reservation]:
    """Make the pools and bookings; ``actor`` is an IT staff member (or the demo administrator)."""
    today = timezone.localdate()
    people = list(
        User.objects.filter(groups__name="Employees", is_active=True).order_by("username")[:6]
    )
    if not people:
        return []
    made: list[Reservation] = []
    for index, model in enumerate(_pool_models()):
        assets = list(
            Asset.objects.filter(model=model, status=AssetStatus.IN_STOCK).order_by("tag")[
                :POOL_SIZE
            ]
        )
        for asset in assets:
            rs.set_in_pool(asset, actor=actor, reason="Demo: loaner pool")

        def booking(person, start: int, end: int, **kwargs) -> Reservation:
            return rs.book(
                actor=actor,
                person=person,
                starts_on=today + datetime.timedelta(days=start),
                ends_on=today + datetime.timedelta(days=end),
                **kwargs,
            )

        who = people[index * 3 : index * 3 + 3] or people[:3]
        out = booking(who[0], 0, 0, asset=assets[0], note="Client workshop")
        steps = list(out.asset.category.checklist.values_list("pk", flat=True))
        out = rs.hand_out(out, actor=actor, checklist_done=steps)  # out on loan, due back today
        made.append(out)
        made.append(booking(who[-1], 0, 3, asset=assets[1], note="Conference"))  # to hand out
        made.append(booking(who[0], 5, 9, model=model, note="Field trip"))
        made.append(booking(who[min(1, len(who) - 1)], 12, 16, model=model))
        if len(assets) > 2:
            made.append(booking(who[-1], 2, 6, asset=assets[2]))
    return made
