"""Helpers for requests, budgets and purchase orders: everything made through the services.

Shared by the rules, web and API tests. Add functions; do not change what existing ones return.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from assets.choices import CategoryKind
from assets.models import AssetModel, Category, Department, Vendor
from requests_app import services
from requests_app.budgets import fiscal_year_of
from requests_app.models import AssetRequest, Budget, PurchaseOrder
from tests.factories import (
    AssetModelFactory,
    CategoryFactory,
    DepartmentFactory,
    VendorFactory,
    make_user,
)


@dataclass
class Team:
    """A department with its manager, two employees, IT staff and a catalogue to ask from."""

    department: Department
    manager: object
    employee: object
    colleague: object
    it: object
    it_second: object
    laptops: Category
    software: Category
    laptop_model: AssetModel
    vendor: Vendor


def make_team(name: str = "Engineering", *, budget: Decimal | str | None = None) -> Team:
    """A department ready to ask for, approve, order and receive equipment."""
    slug = name.lower().replace(" ", "-")
    department = DepartmentFactory(name=name, slug=slug)
    laptops = CategoryFactory(
        name="Laptops", slug="laptops", kind=CategoryKind.HARDWARE, holds_data=True
    )
    software = CategoryFactory(
        name="Software licence", slug="software-licence", kind=CategoryKind.SOFTWARE
    )
    team = Team(
        department=department,
        manager=make_user("manager", department=department, username=f"{slug}-manager"),
        employee=make_user("employee", department=department, username=f"{slug}-employee"),
        colleague=make_user("employee", department=department, username=f"{slug}-colleague"),
        it=make_user("it", username="it-staff"),
        it_second=make_user("it", username="it-staff-2"),
        laptops=laptops,
        software=software,
        laptop_model=AssetModel.objects.filter(category=laptops).first()
        or AssetModelFactory(name="Latitude 7450", category=laptops),
        vendor=VendorFactory(name="Northwind IT Supplies"),
    )
    if budget is not None:
        set_budget(department, budget)
    return team


def set_budget(
    department: Department, amount: Decimal | str, fiscal_year: int | None = None
) -> Budget:
    budget, _ = Budget.objects.update_or_create(
        department=department,
        fiscal_year=fiscal_year if fiscal_year is not None else fiscal_year_of(),
        defaults={"amount": Decimal(str(amount))},
    )
    return budget


def make_request(
    team: Team,
    *,
    actor=None,
    category: Category | None = None,
    cost: Decimal | str = "1200.00",
    quantity: int = 1,
    **kwargs,
) -> AssetRequest:
    """A submitted request by the team's employee (for themselves unless told otherwise)."""
    return services.submit_request(
        actor=actor or team.employee,
        category=category or team.laptops,
        justification=kwargs.pop("justification", "My laptop is five years old"),
        quantity=quantity,
        estimated_cost=cost,
        **kwargs,
    )


def approved_request(team: Team, **kwargs) -> AssetRequest:
    """A request the manager (and IT above the threshold) approved."""
    request = make_request(team, **kwargs)
    request = services.approve_request(request, actor=team.manager)
    if request.status == "submitted":
        request = services.approve_request(request, actor=team.it_second)
    return request


def new_hire(team: Team, name: str = "Jordan Lee", days: int = 14) -> services.NewHire:
    start = timezone.localdate() + datetime.timedelta(days=days)
    return services.NewHire(name=name, start_date=start, department=team.department)


def make_order(
    team: Team,
    *,
    requests: list[AssetRequest] = (),
    lines: list[services.LineInput] | None = None,
    send: bool = False,
) -> PurchaseOrder:
    """A draft order (sent when ``send``) with one line per request, or the lines given."""
    if lines is None:
        lines = [
            services.LineInput(
                category=r.category,
                model=r.model,
                quantity=r.quantity,
                unit_cost=(r.estimated_cost / r.quantity).quantize(Decimal("0.01")),
                request=r,
            )
            for r in requests
        ]
    order = services.create_order(actor=team.it, vendor=team.vendor, lines=lines)
    if send:
        order = services.send_order(order, actor=team.it)
    return order


def serials(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{n:03d}" for n in range(1, count + 1)]
