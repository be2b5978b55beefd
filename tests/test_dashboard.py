"""The home page per role: who sees the estate, the charts and the spend, and a fixed number of
SQL queries whatever the data size."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditSession
from itam.charts import Bar, bar_chart, donut_chart
from maintenance import licenses
from tests.factories import (
    CategoryFactory,
    DepartmentFactory,
    LocationFactory,
    it_robot,
    make_asset,
    make_user,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def world():
    """Sales and Finance, each with a manager and an employee; IT staff and an auditor."""
    sales = DepartmentFactory(name="Sales", slug="sales")
    finance = DepartmentFactory(name="Finance", slug="finance")
    return {
        "sales": sales,
        "finance": finance,
        "sales_manager": make_user("manager", username="sam", department=sales),
        "eve": make_user("employee", username="eve", department=sales),
        "finance_manager": make_user("manager", username="fred", department=finance),
        "fay": make_user("employee", username="fay", department=finance),
        "it": make_user("it", username="ian"),
        "auditor": make_user("auditor", username="ada"),
    }


def grow(world, n: int, *, start: int = 0) -> None:
    """``n`` more assets spread over 3 categories, 12 places and both departments, bought this
    year, some with warranties ending soon; a licence ending soon per 5 assets and an overdue
    audit per 10."""
    today = TODAY()
    categories = [
        CategoryFactory(name=f"Kind {i}-{start}", slug=f"kind-{i}-{start}") for i in range(3)
    ]
    places = [LocationFactory(name=f"Place {start}-{i}") for i in range(12)]
    for i in range(n):
        department = world["sales"] if i % 2 else world["finance"]
        holder = world["eve"] if department == world["sales"] else world["fay"]
        make_asset(
            "deployed" if i % 3 == 0 else "in_stock",
            holder=holder,
            name=f"Asset {start + i}",
            category=categories[i % 3],
            location=places[i % 12],
            department=department,
            purchase_date=today,
            purchase_cost=Decimal("100.00"),
            warranty_end=today + datetime.timedelta(days=10) if i % 4 == 0 else None,
        )
        if i % 5 == 0:
            licenses.create_license(
                actor=it_robot(),
                product=f"Suite {start + i}",
                seats=5,
                expires_on=today + datetime.timedelta(days=20 + i % 30),
            )
        if i % 10 == 0:
            AuditSession.objects.create(
                location=places[0],
                auditor=world["auditor"],
                created_by=world["it"],
                due_date=today - datetime.timedelta(days=3),
            )


def queries_for(client, user) -> int:
    client.force_login(user)
    client.get(reverse("dashboard"))  # warm per-process caches (content types and the like)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("dashboard")).status_code == 200
    return len(captured)


# --- bounded queries -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["it", "auditor", "sales_manager", "eve"])
def test_dashboard_queries_do_not_grow_with_the_data(client, world, role):
    # Given 5 assets across categories, places and departments
    grow(world, 5)
    small = queries_for(client, world[role])

    # When the estate grows tenfold
    grow(world, 45, start=100)
    large = queries_for(client, world[role])

    # Then the page costs the same number of queries
    assert small == large, (role, small, large)
    assert large <= {"it": 17, "auditor": 17, "sales_manager": 19, "eve": 9}[role]


# --- per role ----------------------------------------------------------------------------------


def test_employee_sees_only_their_own_things(client, world):
    grow(world, 10)
    client.force_login(world["eve"])

    response = client.get(reverse("dashboard"))
    html = page(response)

    assert "My assets" in html and "My requests" in html
    assert "Asset 3" in html and "Asset 9" in html  # the Sales assets deployed to her
    for estate in ("by status", "Assets by category", "Spend this year", "Ending soon", "<svg"):
        assert estate not in html
    assert "spend" not in response.context and "category_chart" not in response.context


def test_manager_sees_their_departments_scope_and_only_their_spend(client, world):
    grow(world, 10)  # Sales owns the odd ones (5), Finance the even ones (5)
    client.force_login(world["sales_manager"])

    response = client.get(reverse("dashboard"))
    html = page(response)

    # the scope: what Sales owns or holds (Eve holds only Sales assets here)
    assert response.context["total"] == 5
    assert sum(bar.value for bar in response.context["category_chart"].bars) == 5
    spend = response.context["spend"]
    assert [(bar.label, bar.value) for bar in spend.chart.bars] == [("Sales", Decimal("500.00"))]
    assert "Finance" not in html
    assert "Spend this year" in html


def test_manager_without_purchases_still_sees_their_department_at_zero(client, world):
    client.force_login(world["finance_manager"])

    spend = client.get(reverse("dashboard")).context["spend"]

    assert [(bar.label, bar.value) for bar in spend.chart.bars] == [("Finance", Decimal("0.00"))]


@pytest.mark.parametrize("role", ["it", "auditor"])
def test_it_and_auditors_see_the_estate_and_every_departments_spend(client, world, role):
    grow(world, 20)
    missing = make_asset("missing", name="Lost phone")
    client.force_login(world[role])

    response = client.get(reverse("dashboard"))
    html = page(response)
    context = response.context

    # spend: both departments, amounts as the budgets count them (10 x 100.00 each)
    bars = {bar.label: bar.value for bar in context["spend"].chart.bars}
    assert bars["Sales"] == bars["Finance"] == Decimal("1000.00")
    assert "1,000.00 GBP" in html
    # charts: categories add up to what is on hand, places are the top 10 and Other
    on_hand = context["on_hand"]
    assert sum(bar.value for bar in context["category_chart"].bars) == on_hand
    places = context["location_chart"].bars
    assert len(places) == 11 and places[-1].label == "Other" and not places[-1].url
    assert sum(bar.value for bar in places) == on_hand
    assert '<svg class="chart chart--bars" viewBox=' in html and 'width="100%"' in html
    assert "/assets/?category=kind-0-0&amp;status=on_order" in html  # a bar is a register link
    # ending soon: counts and the first five with links
    assert context["licences"].count == 4 and len(context["licences"].first) == 4
    assert context["warranties"].count == 5 and len(context["warranties"].first) == 5
    assert (
        f'href="{reverse("maintenance:license", args=[context["licences"].first[0].pk])}"' in html
    )
    assert 'href="/maintenance/warranties/"' in html and 'href="/licenses/?expiring=60"' in html
    # overdue and missing
    assert context["open_audits_overdue"] == 2
    assert 'href="/audits/overdue/"' in html and "2 open audits past their due date" in html
    assert context["missing"] == 1 and 'href="/assets/?status=missing"' in html
    assert missing.tag not in context["status_chart"].svg  # the donut carries numbers, not tags


def test_whole_estate_spend_counts_only_this_fiscal_years_received_purchases(client, world):
    today = TODAY()
    make_asset(
        "in_stock", department=world["sales"], purchase_date=today, purchase_cost=Decimal("250.50")
    )
    make_asset(
        "in_stock",
        department=world["sales"],
        purchase_date=today.replace(year=today.year - 2),
        purchase_cost=Decimal("999.00"),
    )
    make_asset(
        "on_order", department=world["sales"], purchase_date=today, purchase_cost=Decimal("7")
    )
    make_asset("in_stock", purchase_date=today, purchase_cost=Decimal("10.00"))  # no department
    client.force_login(world["it"])

    spend = client.get(reverse("dashboard")).context["spend"]

    bars = {bar.label: bar.value for bar in spend.chart.bars}
    assert bars == {"Sales": Decimal("250.50"), "No department": Decimal("10.00")}
    assert spend.total == Decimal("260.50")


def test_the_page_has_no_inline_style_or_script(client, world):
    grow(world, 5)
    client.force_login(world["it"])

    html = page(client.get(reverse("dashboard")))

    assert " style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


# --- the charts themselves ---------------------------------------------------------------------


def test_bar_chart_is_scalable_accessible_and_escaped():
    chart = bar_chart(
        "By <kind>",
        [Bar("<b>Laptops</b>", 12, "12", "/assets/?category=laptops"), Bar("Other", 3, "3")],
    )

    svg = str(chart.svg)
    assert svg.startswith('<svg class="chart chart--bars" viewBox="0 0 360 68" width="100%"')
    assert "<title" in svg and "By &lt;kind&gt;" in svg
    assert "<b>" not in svg and "&lt;b&gt;Laptops&lt;/b&gt;" in svg
    assert 'aria-label="&lt;b&gt;Laptops&lt;/b&gt;: 12"' in svg  # the number in the name
    assert 'href="/assets/?category=laptops"' in svg
    assert 'width="276"' in svg  # the longest bar takes the full span
    assert "style=" not in svg


def test_donut_chart_names_every_slice_with_its_number():
    chart = donut_chart(
        "By status",
        [Bar("Deployed", 3, "3", colour="#111"), Bar("Missing", 1, "1"), Bar("X", 0, "0")],
    )

    svg = str(chart.svg)
    assert 'role="img"' in svg and "<desc" in svg and "Deployed: 3; Missing: 1" in svg
    assert svg.count('stroke-dasharray="') == 2  # zero slices are left out
    assert 'stroke-dasharray="75 25"' in svg and ">4</text>" in svg


def test_empty_chart_says_so(client, world):
    client.force_login(world["it"])

    html = page(client.get(reverse("dashboard")))

    assert "No assets yet." in html
