"""Software licences, preventive plans and logged work for ``seed_demo``, made through the services.

Run on the real clock after the asset stories: the licences are dated around today so every
reminder has something to say (one due in 60, 30 and 7 days, one expired), one licence is full,
and one seat holder has left without their seats being released, so "holders have left" is
not empty.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assets.choices import AssetStatus
from assets.models import Asset, Category, Vendor
from maintenance import licenses, services
from maintenance.choices import MaintenanceKind

User = get_user_model()

# product, version, seats, cost, days until expiry (None: perpetual), seats to fill, renewal terms
LICENSES = [
    ("Microsoft 365 E3", "", 60, 20520, 200, 40, "Annual, invoiced in advance; 30 days' notice."),
    ("Adobe Acrobat Pro", "2024", 10, 2280, 25, 10, "Annual; auto-renews unless cancelled."),
    ("JetBrains All Products Pack", "", 5, 3245, 6, 4, "Annual; renew at jetbrains.com/shop."),
    ("Zoom Workplace Pro", "", 20, 2400, 58, 12, "Annual; price held for two years."),
    ("Slack Business+", "", 25, 3750, -10, 18, "Annual; lapsed, decision pending."),
    ("Windows Server 2022 Datacenter", "", 4, 5400, None, 0, "Perpetual with Software Assurance."),
    ("Autodesk AutoCAD LT", "2025", 3, 1650, 140, 2, "Annual, named users."),
]


LEAVER = "riley.cooper"


def _key(rng: random.Random) -> str:
    alphabet = "BCDFGHJKMPQRTVWXY2346789"
    return "-".join("".join(rng.choice(alphabet) for _ in range(5)) for _ in range(5))


@transaction.atomic
def seed_maintenance(actor, owner, rng: random.Random) -> dict[str, int]:
    """Licences with seats, preventive plans and a few logged services; returns counts."""
    today = timezone.localdate()
    vendors = list(Vendor.objects.order_by("name"))
    people = list(User.objects.filter(is_active=True, is_superuser=False).order_by("username"))
    made = {"licenses": 0, "seats": 0, "plans": 0, "logged": 0, "leavers": 0}
    for product, version, seats, cost, days, fill, terms in LICENSES:
        expires = today + datetime.timedelta(days=days) if days is not None else None
        license = licenses.create_license(
            actor=actor,
            product=product,
            version=version,
            vendor=rng.choice(vendors) if vendors else None,
            key=_key(rng),
            seats=seats,
            cost=Decimal(cost),
            purchased_on=(expires or today) - datetime.timedelta(days=365),
            expires_on=None if expires is None else max(expires, today),
            renewal_terms=terms,
            owner=owner if days is not None and days < 60 else None,
        )
        for person in rng.sample(people, min(fill, len(people))):
            licenses.assign_seat(license, actor=actor, user=person)
            made["seats"] += 1
        if days is not None and days < 0:
            # Lapsed: seats were in use when it ran out. Move the expiry back through the
            # service so the history says so (seat assignment refuses expired licences).
            licenses.update_license(
                license, actor=actor, expires_on=expires, reason="Lapsed: not renewed in time"
            )
        if days is None:  # server licences sit on the servers
            servers = Asset.objects.filter(
                category__name="Servers", status__in=(AssetStatus.DEPLOYED, AssetStatus.IN_STOCK)
            )
            for server in servers.order_by("-status", "tag")[:seats]:
                licenses.assign_seat(license, actor=actor, asset=server, note="Host licence")
                made["seats"] += 1
        made["licenses"] += 1

    # A leaver whose seat nobody released: "holders have left" finds it.
    zoom = licenses.SoftwareLicense.objects.filter(product__startswith="Zoom").first()
    if zoom is not None and not User.objects.filter(username=LEAVER).exists():
        leaver = User.objects.create_user(
            LEAVER, email=f"{LEAVER}@example.com", first_name="Riley", last_name="Cooper"
        )
        leaver.set_unusable_password()
        leaver.save()
        licenses.assign_seat(zoom, actor=actor, user=leaver)
        leaver.is_active = False
        leaver.save(update_fields=["is_active"])
        made["seats"] += 1
        made["leavers"] = 1

    laptops = Category.objects.filter(name="Laptops").first()
    if laptops:
        plan = services.create_plan(
            actor=actor,
            title="Annual laptop health check",
            kind=MaintenanceKind.SERVICING,
            interval_months=12,
            first_due_on=today - datetime.timedelta(days=20),
            category=laptops,
            description="Battery health, fans cleaned, firmware and BIOS current, disk SMART.",
        )
        made["plans"] += 1
        in_use = Asset.objects.filter(
            category=laptops, status__in=(AssetStatus.DEPLOYED, AssetStatus.IN_STOCK)
        ).order_by("tag")
        for index, laptop in enumerate(in_use[:40]):
            months_ago = 11 if index % 3 == 0 else 4
            services.log_work(
                laptop,
                actor=actor,
                kind=MaintenanceKind.SERVICING,
                title="Annual laptop health check",
                supplier="In-house",
                cost=Decimal("0"),
                plan=plan,
                performed_on=today - datetime.timedelta(days=30 * months_ago + index % 9),
                resolution="Battery above 80%, fans cleaned, firmware updated.",
            )
            made["logged"] += 1
    servers = Category.objects.filter(name="Servers").first()
    if servers:
        services.create_plan(
            actor=actor,
            title="Quarterly firmware and backup test",
            kind=MaintenanceKind.SOFTWARE_UPDATE,
            interval_months=3,
            first_due_on=today + datetime.timedelta(days=5),
            category=servers,
        )
        made["plans"] += 1
        for server in Asset.objects.filter(
            category=servers, status__in=(AssetStatus.DEPLOYED, AssetStatus.IN_STOCK)
        ).order_by("tag")[:3]:
            services.log_work(
                server,
                actor=actor,
                kind=MaintenanceKind.SOFTWARE_UPDATE,
                title="Security patches applied",
                supplier="In-house",
                performed_on=today - datetime.timedelta(days=rng.randint(3, 40)),
                downtime=datetime.timedelta(minutes=rng.choice([15, 30, 45])),
                resolution="Rebooted in the maintenance window; services checked.",
            )
            made["logged"] += 1
    return made
