"""The money and end-of-life report pages: lifecycle cost, retirement by category, depreciation
and disposals. Each is a page and a streamed CSV (``<name>.csv`` or ``?format=csv``).

The figures come from ``assets.lifecycle_reports``; these views check who may read, parse the
filters and pick HTML or CSV. IT staff and auditors see every asset; a department's manager sees
the cost, depreciation and retirement figures of what their departments own
(``lifecycle_reports.finance_scoped``: not what their people hold for another department, whose
cost it is); the disposals compliance report is for IT staff and auditors only.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .. import csv_export as cx
from .. import lifecycle_reports as lr
from .. import reports as r
from ..visibility import sees_all_assets
from .reports import page_of, wants_csv

Column = tuple[str, Callable[[Any], Any]]


def check_reader(request: HttpRequest, *, managers: bool = True) -> bool:
    """Whether the person sees everything; 403 for anyone who may not read the report."""
    if sees_all_assets(request.user):
        return True
    if managers and r.managed_department_ids(request.user):
        return False
    raise PermissionDenied(
        "This report is for IT staff, auditors" + (" and department managers." if managers else ".")
    )


def _bind(request: HttpRequest, form_class) -> tuple[Any, bool, dict]:
    """The form, whether it reads, and its cleaned data (empty when unbound or invalid)."""
    params = {k: v for k, v in request.GET.items() if k not in ("format", "page", "page_size")}
    form = form_class(request.GET if params else None, user=request.user)
    if not form.is_bound:
        return form, True, {}
    if not form.is_valid():
        return form, False, {}
    return form, True, form.cleaned_data


def _csv(request: HttpRequest, as_csv: bool, valid: bool) -> bool:
    return valid and (as_csv or wants_csv(request))


def _context(request: HttpRequest, form, valid: bool, url_name: str, **extra) -> dict:
    return {
        "url_name": url_name,
        "csv_url_name": url_name + "-csv",
        "form": form,
        "filter_errors": not valid,
        "filters_active": form.is_bound,
        "query": request.GET.urlencode(),
        **extra,
    }


# --- lifecycle cost -----------------------------------------------------------------------------

LIFECYCLE_COLUMNS: list[Column] = [
    *cx.ASSET_COLUMNS,
    # Computed in SQL: on SQLite in floating point, so rounded to cents for the file.
    ("maintenance_cost", lambda a: lr.cents(Decimal(a.maintenance_cost))),
    ("disposal_proceeds", lambda a: lr.cents(Decimal(a.proceeds))),
    ("lifecycle_cost", lambda a: lr.cents(Decimal(a.lifecycle_cost))),
]


def lifecycle_cost_items(user, cleaned: dict):
    kwargs = {name: cleaned.get(name) for name in ("category", "department", "location")}
    return lr.apply_status(
        r.filter_assets(lr.finance_scoped(user), **kwargs), cleaned.get("status")
    )


def lifecycle_cost(request: HttpRequest, as_csv: bool = False) -> HttpResponse:
    sees_all = check_reader(request)
    form, valid, cleaned = _bind(request, lr.LifecycleCostFilterForm)
    base = lifecycle_cost_items(request.user, cleaned)
    if _csv(request, as_csv, valid):
        return cx.stream_csv(
            cx.dated("lifecycle-cost"), LIFECYCLE_COLUMNS, lr.lifecycle_costs(base)
        )
    items = lr.lifecycle_costs(base if valid else base.none())
    page = page_of(request, items)
    return render(
        request,
        "assets/finance_lifecycle_cost.html",
        _context(
            request,
            form,
            valid,
            "reports:lifecycle-cost",
            page_title="Lifecycle cost per asset",
            sees_all=sees_all,
            page_obj=page,
            is_paginated=page.has_other_pages(),
            totals=lr.lifecycle_totals(base) if valid else lr.CostTotals(),
        ),
    )


# --- age and cost at retirement -----------------------------------------------------------------


def retirement_columns() -> list[Column]:
    return [
        ("category", lambda line: line.category),
        ("category_slug", lambda line: line.slug),
        ("retired", lambda line: line.count),
        ("average_age_months", lambda line: line.average_age_months),
        ("median_age_months", lambda line: line.median_age_months),
        ("average_purchase_cost", lambda line: line.average_purchase_cost),
        ("average_maintenance_cost", lambda line: line.average_maintenance_cost),
        *[
            (
                value or "not_stated",
                (lambda v: lambda line: line.reasons.get(v, 0))(value),
            )
            for value, _ in lr.REASONS
        ],
    ]


def _period(cleaned: dict) -> tuple[datetime.date | None, datetime.date | None]:
    return cleaned.get("from_"), cleaned.get("to")


def retirement_by_category(request: HttpRequest, as_csv: bool = False) -> HttpResponse:
    sees_all = check_reader(request)
    form, valid, cleaned = _bind(request, lr.PeriodFilterForm)
    scope = lr.finance_scoped(request.user)
    lines = lr.retirement_by_category(scope, *_period(cleaned)) if valid else []
    if _csv(request, as_csv, valid):
        start, end = _period(cleaned)
        name = f"retirement-by-category-{start or 'start'}-to-{end or timezone.localdate()}.csv"
        return cx.stream_csv(name, retirement_columns(), lines)
    return render(
        request,
        "assets/finance_retirement.html",
        _context(
            request,
            form,
            valid,
            "reports:retirement-by-category",
            page_title="Age and cost at retirement",
            sees_all=sees_all,
            lines=lines,
            total=lr.retirement_totals(lines),
            reasons=lr.REASONS,
        ),
    )


# --- depreciation -------------------------------------------------------------------------------


def _of_asset(get: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda row: get(row.asset)


def depreciation_columns(as_of: datetime.date) -> list[Column]:
    return [
        *[(name, _of_asset(get)) for name, get in cx.ASSET_COLUMNS],
        ("expected_life_months", lambda row: row.life_months),
        ("as_of", lambda row: as_of),
        ("months_elapsed", lambda row: row.months_elapsed),
        ("monthly_depreciation", lambda row: row.monthly),
        ("accumulated_depreciation", lambda row: row.accumulated),
        ("book_value", lambda row: row.book_value),
    ]


def depreciation_report(user, cleaned: dict) -> lr.DepreciationReport:
    kwargs = {name: cleaned.get(name) for name in ("category", "department")}
    return lr.depreciation(r.filter_assets(lr.finance_scoped(user), **kwargs), cleaned.get("as_of"))


def depreciation(request: HttpRequest, as_csv: bool = False) -> HttpResponse:
    sees_all = check_reader(request)
    form, valid, cleaned = _bind(request, lr.DepreciationFilterForm)
    if valid:
        report = depreciation_report(request.user, cleaned)
    else:
        report = lr.DepreciationReport.empty(timezone.localdate())
    if _csv(request, as_csv, valid):
        return cx.stream_csv(
            f"depreciation-as-of-{report.as_of.isoformat()}.csv",
            depreciation_columns(report.as_of),
            report.rows,
        )
    page = page_of(request, report.rows)
    return render(
        request,
        "assets/finance_depreciation.html",
        _context(
            request,
            form,
            valid,
            "reports:depreciation",
            page_title="Depreciation and book value",
            sees_all=sees_all,
            report=report,
            page_obj=page,
            is_paginated=page.has_other_pages(),
            cannot=[(a, lr.cannot_depreciate_reason(a)) for a in report.cannot[:50]],
        ),
    )


# --- disposals and their wipe evidence ----------------------------------------------------------


def _wipes_text(record, get: Callable[[Any], Any]) -> str:
    return "; ".join(str(get(w) or "") for w in record.asset.wipes.all())


DISPOSAL_COLUMNS: list[Column] = [
    ("tag", lambda d: d.asset.tag),
    ("name", lambda d: d.asset.name),
    ("serial_number", lambda d: d.asset.serial_number),
    ("category", lambda d: d.asset.category.name),
    ("disposed_on", lambda d: d.disposed_on),
    ("method", lambda d: d.get_method_display()),
    ("recipient", lambda d: d.recipient),
    ("proceeds", lambda d: d.proceeds),
    ("certificate", lambda d: d.certificate_reference),
    ("recorded_by", lambda d: lr.person(d.recorded_by)),
    ("wipe_evidence", lr.wipe_status),
    ("wipe_methods", lambda d: _wipes_text(d, lambda w: w.get_method_display())),
    ("wipe_tools", lambda d: _wipes_text(d, lambda w: w.tool)),
    ("wipe_performed_by", lambda d: _wipes_text(d, lambda w: lr.person(w.performed_by))),
    ("wipe_verified_by", lambda d: _wipes_text(d, lambda w: lr.person(w.verified_by))),
    ("wipe_performed_on", lambda d: _wipes_text(d, lambda w: w.performed_on.isoformat())),
    ("wipe_certificates", lambda d: _wipes_text(d, lambda w: w.certificate_reference)),
]


def disposals(request: HttpRequest, as_csv: bool = False) -> HttpResponse:
    check_reader(request, managers=False)
    form, valid, cleaned = _bind(request, lr.PeriodFilterForm)
    start, end = _period(cleaned)
    records = lr.disposals(r.scoped(request.user), start, end)
    if _csv(request, as_csv, valid):
        name = f"disposals-{start or 'start'}-to-{end or timezone.localdate()}.csv"
        return cx.stream_csv(name, DISPOSAL_COLUMNS, records)
    rows = [(d, lr.wipe_status(d)) for d in records] if valid else []
    period = {"from": start.isoformat() if start else "", "to": end.isoformat() if end else ""}
    return render(
        request,
        "assets/finance_disposals.html",
        _context(
            request,
            form,
            valid,
            "reports:disposals",
            page_title="Disposals and wipe evidence",
            rows=rows,
            missing=sum(1 for _, status in rows if status == lr.NO_VERIFIED_WIPE),
            proceeds=sum((d.proceeds for d, _ in rows), lr.ZERO),
            period=period,
            start=start,
            end=end,
        ),
    )
