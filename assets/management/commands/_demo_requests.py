"""The demo's requests, approvals, budgets and purchase orders (part of ``seed_demo``).

Every record is made through ``requests_app.services`` under the demo clock, in time order over
the last six weeks, so the request pages, the approvals queue, the orders and every history read
as real use would have left them: a request in each state, an order in each state, budgets for
this fiscal year and the last (People close to its limit), and the onboarding of a new hire from
the hiring manager's request to the new hire confirming receipt.

Notifications become backdated inbox rows only: seeding a database must not send e-mail.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from unittest import mock

from django.conf import settings
from django.contrib.auth import get_user_model

from assets import lifecycle
from assets.choices import AssetStatus
from assets.models import Asset
from itam.models import Notification
from requests_app import services
from requests_app.budgets import budget_summary, fiscal_year_bounds, fiscal_year_of
from requests_app.models import AssetRequest, Budget, PurchaseOrder

from ._demo_data import BUDGET_HEADROOM, NEAR_LIMIT_DEPARTMENT, STOCK_PREFERENCE

User = get_user_model()


@contextmanager
def inbox_only() -> Iterator[None]:
    """Notifications as inbox rows dated by the demo clock, and no e-mail."""

    def notify(recipients, *, kind: str, subject: str, body: str = "", url: str = "") -> None:
        people = {u.pk: u for u in recipients if u is not None and u.is_active}
        Notification.objects.bulk_create(
            Notification(recipient=p, kind=kind, subject=subject, body=body, url=url)
            for p in people.values()
        )

    import itam.notifications
    from assets import reservations

    # Every module that tells people things, so no task is ever queued (a worker would mail).
    with (
        mock.patch.object(services, "notify", notify),
        mock.patch.object(reservations, "notify", notify),
        mock.patch.object(itam.notifications, "notify", notify),
    ):
        yield


def seed_requests(org, clock, real_now: datetime.datetime) -> dict[str, int]:
    """Budgets, then the request and order stories, oldest first; returns counts for the summary."""
    people = {u.username: u for u in User.objects.filter(is_active=True)}
    priya, tom = org.it_staff
    cats, depts, managers = org.categories, org.departments, org.managers
    store = org.rooms["A-G05 IT store"]
    vendors = {v.name: v for v in org.vendors}
    model = {m.name: m for entries in org.models.values() for m, _ in entries}

    def at(days_ago: int, hhmm: str) -> None:
        hour, minute = map(int, hhmm.split(":"))
        when = (real_now - datetime.timedelta(days=days_ago)).replace(
            hour=hour, minute=minute, second=0, microsecond=0
        )
        clock.set(min(when, real_now - datetime.timedelta(minutes=10)))

    def ask(who: str, category: str, cost: str, why: str, **kwargs) -> AssetRequest:
        return services.submit_request(
            actor=people[who],
            category=cats[category],
            justification=why,
            estimated_cost=Decimal(cost),
            **kwargs,
        )

    def line(request: AssetRequest, unit_cost: str, **kwargs) -> services.LineInput:
        return services.LineInput(
            category=request.category,
            model=request.model,
            quantity=request.quantity,
            unit_cost=Decimal(unit_cost),
            request=request,
            **kwargs,
        )

    def receive(order: PurchaseOrder, actor, serials: dict[int, list[str]]) -> list[Asset]:
        lines = list(order.lines.order_by("pk"))
        receipts = [services.Receipt(lines[i], s) for i, s in serials.items()]
        return services.receive_order(order, actor=actor, receipts=receipts, location=store)

    with inbox_only():
        _budgets(org, clock, real_now)

        # A request fulfilled through a received order: two monitors for a developer.
        at(40, "09:10")
        monitors = ask(
            "ethan.brooks", "Monitors", "658.00", "Dual screens for the data-platform work",
            model=model["UltraSharp U2724D"], quantity=2,
        )  # fmt: skip
        at(39, "10:02")
        services.approve_request(monitors, actor=managers["Engineering"])
        at(38, "11:15")
        order_a = services.create_order(
            actor=priya, vendor=vendors["Northwind IT Supplies"], lines=[line(monitors, "329.00")]
        )
        at(38, "11:40")
        services.send_order(order_a, actor=priya)
        at(33, "14:20")
        arrived = receive(order_a, tom, {0: ["CN0U27D4SH01", "CN0U27D4SH02"]})
        at(32, "09:15")
        for asset in arrived:
            lifecycle.confirm_receipt(asset, actor=people["ethan.brooks"])

        # Stock replenishment, half delivered: the docks come in two boxes.
        at(30, "15:05")
        order_b = services.create_order(
            actor=tom,
            vendor=vendors["Contoso Hardware"],
            notes="Spare docks for the hot desks",
            lines=[
                services.LineInput(
                    category=cats["Docking stations"],
                    model=model["WD19TBS Thunderbolt Dock"],
                    quantity=4,
                    unit_cost=Decimal("229.00"),
                    department=depts["IT"],
                )
            ],
        )
        at(30, "15:20")
        services.send_order(order_b, actor=tom)
        at(24, "10:40")
        receive(order_b, priya, {0: ["WD19-8K2LQ1", "WD19-8K2LQ2"]})

        # The onboarding example: a new starter's laptop and IDE licence, ordered and delivered.
        start = (real_now - datetime.timedelta(days=7)).date()
        engineering = depts["Engineering"]
        hire = services.NewHire(name="Jordan Lee", start_date=start, department=engineering)
        at(21, "16:30")
        laptop = ask(
            "isla.murray", "Laptops", "1890.00", "Jordan Lee joins the platform team as a "
            "backend engineer", model=model["ThinkPad X1 Carbon Gen 12"], new_hire=hire,
            needed_by=start,
        )  # fmt: skip
        at(21, "16:34")
        licence = ask(
            "isla.murray", "Software licences", "169.00", "IDE for Jordan Lee's first day",
            model=model["IntelliJ IDEA Ultimate"], new_hire=hire, needed_by=start,
        )  # fmt: skip
        at(20, "08:55")
        services.approve_request(laptop, actor=managers["Engineering"], reason="Budgeted hire")
        services.approve_request(licence, actor=managers["Engineering"])
        at(19, "11:05")
        order_c = services.create_order(
            actor=tom,
            vendor=vendors["Northwind IT Supplies"],
            lines=[line(laptop, "1874.50"), line(licence, "169.00", description="IDE seat, 1 yr")],
        )
        at(19, "11:12")
        services.send_order(order_c, actor=tom)

        # A phone ordered, then the order cancelled: the request is approved again.
        at(16, "13:45")
        phone = ask(
            "harry.clarke", "Mobile phones", "799.00", "Current phone no longer gets updates",
            model=model["iPhone 15"],
        )  # fmt: skip
        at(15, "09:30")
        services.approve_request(phone, actor=managers["Sales"])
        at(14, "10:10")
        order_d = services.create_order(
            actor=priya, vendor=vendors["Tailspin Mobile"], lines=[line(phone, "789.00")]
        )
        at(14, "10:18")
        services.send_order(order_d, actor=priya)

        at(12, "09:20")
        ops_laptop = ask(
            "zara.ali", "Laptops", "1320.00", "Field laptop for the warehouse system rollout",
            model=model["ThinkPad T14 Gen 5"],
        )  # fmt: skip
        at(11, "14:00")
        services.approve_request(ops_laptop, actor=managers["Operations"])

        at(10, "11:30")
        services.cancel_order(
            order_d, actor=priya, reason="Tailspin cannot deliver before next quarter"
        )
        # Ordering, on a sent order: the laptop is in the register, on order.
        at(10, "11:50")
        order_e = services.create_order(
            actor=priya, vendor=vendors["Contoso Hardware"], lines=[line(ops_laptop, "1299.00")]
        )
        at(10, "12:05")
        services.send_order(order_e, actor=priya)

        # Rejected, with the reason the requester reads.
        at(9, "15:10")
        tablet = ask("emily.walker", "Tablets", "599.00", "Tablet for reading board packs")
        at(9, "16:40")
        receive(order_c, priya, {0: ["PF5X1C12A"], 1: ["IIU-7F3K-22QX-9M1D"]})
        at(8, "09:40")
        services.reject_request(
            tablet,
            actor=managers["Finance"],
            reason="Use the shared tablets in B-110 until the next refresh",
        )
        # The new hire's account: the laptop and the licence go to Jordan.
        at(8, "10:05")
        services.create_new_hire_account(
            laptop,
            actor=tom,
            username="jordan.lee",
            email="jordan.lee@demo.itam.example",
            send_welcome=False,  # seeding sends no e-mail
        )
        jordan = User.objects.get(username="jordan.lee")
        services.link_new_hire(licence, actor=tom, user=jordan)
        jordan.password = people["sam.taylor"].password  # the demo password, for the demo only
        jordan.save(update_fields=["password"])
        at(7, "09:05")
        lifecycle.confirm_receipt(
            Asset.objects.get(allocations__request=laptop),
            actor=jordan,
            reason="First day: laptop received and signed in",
        )

        # Cancelled by the requester.
        at(6, "11:25")
        headset = ask("ruby.adams", "Headsets", "189.00", "Headset for the support rota")
        at(5, "08:50")
        services.cancel_request(headset, actor=people["ruby.adams"], reason="Found my old one")

        # Fulfilled from stock: the approver was shown a spare, IT allocated it.
        spare = _spare(cats)
        at(5, "10:15")
        reused = ask(
            "mia.robinson", spare.category.name, str(spare.purchase_cost or "0.00"),
            "Replacement for a faulty one", model=spare.model,
        )  # fmt: skip
        at(4, "09:35")
        services.approve_request(reused, actor=managers["Sales"])
        last_move = spare.history.latest("history_date").history_date
        at(3, "14:10")
        latest = real_now - datetime.timedelta(minutes=5)
        clock.set(min(max(clock.current, last_move + datetime.timedelta(minutes=30)), latest))
        services.fulfil_from_stock(reused, actor=tom, asset=spare)

        # A draft order for stock, not yet sent.
        at(4, "16:20")
        services.create_order(
            actor=tom,
            vendor=vendors["Northwind IT Supplies"],
            notes="Headsets for the new support desk: send after the quote is confirmed",
            lines=[
                services.LineInput(
                    category=cats["Headsets"],
                    model=model["Evolve2 65"],
                    quantity=5,
                    unit_cost=Decimal("184.00"),
                    department=depts["IT"],
                )
            ],
        )

        # Above the second-approval threshold: the manager said yes, IT staff decide next.
        at(3, "10:00")
        macbook = ask(
            "noah.patel", "Laptops", "2499.00", "iOS builds need a Mac: the shared one is "
            "booked solid", model=model['MacBook Pro 14" M3'],
        )  # fmt: skip
        at(2, "09:10")
        services.approve_request(macbook, actor=managers["Engineering"])

        # Waiting for a manager: a new starter in Sales, and a monitor in People (over budget).
        at(2, "15:45")
        ask(
            "olivia.hughes", "Laptops", "1380.00", "Sofia Rossi starts as account executive",
            model=model["EliteBook 840 G11"],
            new_hire=services.NewHire(
                name="Sofia Rossi",
                start_date=(real_now + datetime.timedelta(days=14)).date(),
                department=depts["Sales"],
            ),
        )  # fmt: skip
        at(1, "11:20")
        ask("oscar.green", "Monitors", "329.00", "Second screen for payroll reconciliations")

    return {
        "requests": AssetRequest.objects.count(),
        "orders": PurchaseOrder.objects.count(),
    }


def _budgets(org, clock, real_now: datetime.datetime) -> None:
    """This year's and last year's budget for each department, set on the year's first day.

    Amounts follow what the demo's departments spend (their assets are random), so the figures
    look planned; People's is set just above what it has spent, so its next request goes over.
    """
    current = fiscal_year_of(real_now.date())
    thousand = Decimal("1000")
    for year in (current - 1, current):
        start, _ = fiscal_year_bounds(year)
        clock.set(datetime.datetime.combine(start, datetime.time(9), tzinfo=datetime.UTC))
        for name, headroom in BUDGET_HEADROOM.items():
            department = org.departments[name]
            spent = budget_summary(department, year).spent
            if year < current:
                amount = _round_up(spent * Decimal("1.05"), thousand)
            elif name == NEAR_LIMIT_DEPARTMENT:
                hundreds = (spent / 100).to_integral_value(rounding=ROUND_DOWN)
                amount = hundreds * 100 + 200
            else:
                amount = _round_up(spent + Decimal(headroom), thousand)
            budget = Budget(
                department=department,
                fiscal_year=year,
                amount=amount,
                currency=settings.ITAM_CURRENCY,
            )
            budget._history_user = org.admin
            budget._change_reason = "Budget agreed for the year"
            budget.save()


def _round_up(amount: Decimal, step: Decimal) -> Decimal:
    return (amount / step).to_integral_value(rounding=ROUND_UP) * step


def _spare(categories) -> Asset:
    """An in-stock asset to reuse, of the kind people most often ask for."""
    in_stock = Asset.objects.filter(status=AssetStatus.IN_STOCK, ordered_as__isnull=True)
    for name in STOCK_PREFERENCE:
        found = in_stock.filter(category=categories[name]).order_by("tag").first()
        if found:
            return found
    return in_stock.order_by("tag").first()
