"""The usage reports: idle stock, overdue loaners, ghost assets, holdings by department,
utilisation. Each is a page, filterable, and a streamed CSV with ``?format=csv``.

The queries live in ``assets.reports``; these views check who may read, parse the filters,
paginate, and pick HTML or CSV.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .. import csv_export as cx
from .. import reports as r
from ..csv_export import dated, stream_csv
from ..visibility import sees_all_assets

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

REPORTS = (
    (
        "reports:idle",
        "Idle in stock",
        "In stock for more than N days since they last came back: reuse before you buy.",
    ),
    (
        "reports:loaners-overdue",
        "Loaners overdue",
        "Deployed with an expected return date that has passed.",
    ),
    (
        "reports:ghost-assets",
        "Ghost assets",
        "Still held by people whose accounts are deactivated: collect them.",
    ),
    (
        "reports:by-department",
        "Holdings by department",
        "What each department owns by status and what it cost, and what its people hold.",
    ),
    (
        "reports:utilisation",
        "Utilisation",
        "Each asset's share of its life spent deployed, from its history.",
    ),
)


@dataclass
class Cell:
    value: Any
    kind: str = ""  # "num", "days", "date", "percent"
    label: str = ""  # the column's header, shown beside the value on phones


@dataclass
class Row:
    asset: Any
    extra: list[Cell] = field(default_factory=list)


def wants_csv(request: HttpRequest) -> bool:
    return request.GET.get("format", "").lower() == "csv"


def page_of(request: HttpRequest, items: Any) -> Page:
    """``?page=`` and ``?page_size=`` (capped); a page out of range shows the nearest."""
    try:
        size = int(request.GET.get("page_size") or DEFAULT_PAGE_SIZE)
    except ValueError:
        size = DEFAULT_PAGE_SIZE
    size = max(1, min(size, MAX_PAGE_SIZE))
    return Paginator(items, size).get_page(request.GET.get("page"))


def require_reader(request: HttpRequest) -> None:
    """Asset lists are for IT staff and auditors (``assets.view_asset``); others get a 403."""
    if not sees_all_assets(request.user):
        raise PermissionDenied("The usage reports are for IT staff and auditors.")


def _filters(request: HttpRequest, form_class=r.ReportFilterForm):
    """The form (for the page), whether it reads, and the ``filter_assets`` keywords."""
    form = form_class(request.GET or None, user=request.user)
    if not form.is_bound:
        return form, True, {}
    if not form.is_valid():
        return form, False, {}
    return form, True, r.filter_kwargs(form)


def _list_page(
    request: HttpRequest,
    *,
    url_name: str,
    title: str,
    intro: str,
    form,
    valid: bool,
    items,
    extra_headers: list[str],
    extra_cells,
    csv_name: str,
    csv_columns: list,
    csv_items=None,
    wrap=None,
    show_days: bool = False,
) -> HttpResponse:
    if wants_csv(request) and valid:
        return stream_csv(dated(csv_name), csv_columns, items if csv_items is None else csv_items)
    page = page_of(request, items if valid else items.none())
    objects = wrap(page.object_list) if wrap else list(page.object_list)
    rows = []
    for obj in objects:
        cells = extra_cells(obj)
        for cell, header in zip(cells, extra_headers, strict=True):
            cell.label = header
        rows.append(Row(getattr(obj, "asset", obj), cells))
    return render(
        request,
        "assets/reports_list.html",
        {
            "page_title": title,
            "intro": intro,
            "url_name": url_name,
            "form": form,
            "filter_errors": not valid,
            "filters_active": any(request.GET.get(name) for name in form.fields),
            "show_days": show_days,
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
            "rows": rows,
            "extra_headers": extra_headers,
        },
    )


def index(request: HttpRequest) -> HttpResponse:
    """The list of reports this person may read."""
    sees_all = sees_all_assets(request.user)
    if not sees_all and not r.managed_department_ids(request.user):
        raise PermissionDenied("The usage reports are for IT staff, auditors and managers.")
    reports = [
        {"url_name": url_name, "title": title, "description": description}
        for url_name, title, description in REPORTS
        if sees_all or url_name == "reports:by-department"
    ]
    return render(
        request, "assets/reports_index.html", {"page_title": "Reports", "reports": reports}
    )


def idle(request: HttpRequest) -> HttpResponse:
    require_reader(request)
    form, valid, kwargs = _filters(request, r.IdleFilterForm)
    days = form.cleaned_data["days"] if valid and form.is_bound else 90
    today = timezone.localdate()
    items = r.idle_in_stock(
        r.filter_assets(r.scoped(request.user), **kwargs),
        days=days,
    )
    return _list_page(
        request,
        url_name="reports:idle",
        title="Idle in stock",
        intro=f"In stock for more than {days} days since the last move into stock, oldest first.",
        form=form,
        valid=valid,
        items=items,
        extra_headers=["In stock since", "Days idle"],
        extra_cells=lambda a: [
            Cell(a.in_stock_since, "date"),
            Cell(cx.days_since(a.in_stock_since, today), "num"),
        ],
        csv_name=f"idle-{days}-days",
        csv_columns=cx.idle_columns(today),
        show_days=True,
    )


def loaners_overdue(request: HttpRequest) -> HttpResponse:
    require_reader(request)
    form, valid, kwargs = _filters(request)
    today = timezone.localdate()
    items = r.loaners_overdue(r.filter_assets(r.scoped(request.user), **kwargs))
    return _list_page(
        request,
        url_name="reports:loaners-overdue",
        title="Loaners overdue",
        intro="Deployed with an expected return date before today, longest overdue first.",
        form=form,
        valid=valid,
        items=items,
        extra_headers=["Expected back", "Days overdue"],
        extra_cells=lambda a: [
            Cell(a.expected_return_date, "date"),
            Cell(cx.days_since(a.expected_return_date, today), "num"),
        ],
        csv_name="loaners-overdue",
        csv_columns=cx.overdue_columns(today),
    )


def ghost_assets(request: HttpRequest) -> HttpResponse:
    require_reader(request)
    form, valid, kwargs = _filters(request)
    items = r.ghost_assets(r.filter_assets(r.scoped(request.user), **kwargs))
    return _list_page(
        request,
        url_name="reports:ghost-assets",
        title="Ghost assets",
        intro="Held by people whose accounts are deactivated. Offboard them to bring these back.",
        form=form,
        valid=valid,
        items=items,
        extra_headers=["Holder's last sign-in"],
        extra_cells=lambda a: [Cell(a.assigned_user.last_login, "date")],
        csv_name="ghost-assets",
        csv_columns=cx.GHOST_COLUMNS,
    )


def utilisation(request: HttpRequest) -> HttpResponse:
    require_reader(request)
    form, valid, kwargs = _filters(request)
    base = r.filter_assets(r.scoped(request.user), **kwargs)
    now = timezone.now()
    return _list_page(
        request,
        url_name="reports:utilisation",
        title="Utilisation",
        intro=(
            "The share of each asset's life spent deployed, from its history: time in "
            "“deployed” over time since registration (until disposal for disposed assets)."
        ),
        form=form,
        valid=valid,
        items=r.utilisation_candidates(base),
        csv_items=r.utilisation_stream(base, now=now),
        wrap=lambda assets: r.utilisation(assets, now=now),
        extra_headers=["Registered", "Deployed for", "Age", "Utilised"],
        extra_cells=lambda u: [
            Cell(u.registered_at, "date"),
            Cell(u.deployed_days, "days"),
            Cell(u.life_days, "days"),
            Cell(u.percent, "percent"),
        ],
        csv_name="utilisation",
        csv_columns=cx.UTILISATION_COLUMNS,
    )


def by_department(request: HttpRequest) -> HttpResponse:
    """IT staff and auditors see every department; a manager sees the ones they manage."""
    departments = r.report_departments(request.user)
    if departments == []:
        raise PermissionDenied("This report is for IT staff, auditors and department managers.")
    form, valid, kwargs = _filters(request)
    form.fields.pop("department")
    kwargs.pop("department", None)
    lines = r.by_department(
        r.filter_assets(r.scoped(request.user), **kwargs), departments=departments
    )
    if valid and wants_csv(request):
        return stream_csv(dated("holdings-by-department"), cx.department_columns(), lines)
    if not valid:
        lines = []
    statuses = [(s.value, s.label) for s in r.CURRENT_STATUSES]
    totals = {
        "owned": sum(line.owned for line in lines),
        "owned_cost": sum((line.owned_cost for line in lines), r.ZERO),
        "held": sum(line.held for line in lines),
        "held_cost": sum((line.held_cost for line in lines), r.ZERO),
        "by_status": [
            (label, sum(line.by_status.get(value, 0) for line in lines))
            for value, label in statuses
        ],
    }
    return render(
        request,
        "assets/reports_by_department.html",
        {
            "page_title": "Holdings by department",
            "url_name": "reports:by-department",
            "form": form,
            "filter_errors": not valid,
            "filters_active": any(request.GET.get(name) for name in form.fields),
            "lines": lines,
            "statuses": statuses,
            "totals": totals,
            "sees_all": departments is None,
        },
    )
