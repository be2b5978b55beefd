"""Maintenance records: the list, one record, corrections, and work logged in place."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views import View

from assets.forms import put_errors
from assets.lifecycle import MOVES
from assets.models import Asset
from assets.views.register import error_list
from assets.visibility import visible_assets

from .. import services
from ..choices import MaintenanceKind
from ..forms import LogWorkForm, RecordEditForm, RecordFilterSet, open_first
from ..models import MaintenanceRecord
from .common import history_rows, paginate, require

RECORD_HISTORY_FIELDS = {
    "kind": "Kind",
    "title": "Title",
    "description": "Description",
    "supplier": "Done by",
    "cost": "Cost",
    "warranty_covered": "Covered by the warranty",
    "closed_at": "Closed",
    "downtime": "Downtime",
    "resolution": "What was done",
}


def maintenance_tabs(request: HttpRequest, current: str) -> list[dict]:
    """The maintenance section's own tabs, for the roles that may open each."""
    user = request.user
    tabs = [
        ("list", "Records"),
        ("due", "Due"),
        ("warranties", "Warranties"),
    ]
    if user.has_perm("maintenance.view_maintenanceplan"):
        tabs.append(("plans", "Plans"))
    return [{"name": name, "label": label, "current": name == current} for name, label in tabs]


def record_rows(request: HttpRequest, *related: str) -> tuple[RecordFilterSet, QuerySet]:
    """What ``/maintenance/`` lists for this query string, open work first (the page and its CSV
    export share it); no rows when a filter is unreadable."""
    base = services.visible_records(
        request.user, MaintenanceRecord.objects.select_related("asset", *related)
    )
    filterset = RecordFilterSet(request.GET or None, queryset=base)
    if filterset.is_bound and not filterset.is_valid():
        return filterset, base.none()
    return filterset, open_first(filterset.qs)


class RecordListView(View):
    """``/maintenance/``: every piece of work this person may see, open work first."""

    def get(self, request: HttpRequest) -> HttpResponse:
        filterset, rows = record_rows(request)
        filter_errors = filterset.is_bound and not filterset.is_valid()
        page = paginate(request, rows)
        totals = (
            {"spent": None, "open": 0}
            if filter_errors
            else filterset.qs.aggregate(
                spent=Sum("cost"), open=Count("pk", filter=Q(closed_at__isnull=True))
            )
        )
        form = filterset.form
        context = {
            "records": page.object_list,
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
            "filter_form": form,
            "filter_errors": filter_errors,
            "filter_error_list": error_list(form) if filter_errors else [],
            "filters_active": any(request.GET.get(name) for name in form.fields),
            "totals": totals,
            "can_log": request.user.has_perm(services.MAINTAIN),
            "tabs": maintenance_tabs(request, "list"),
            "page_title": "Maintenance",
        }
        return render(request, "maintenance/record_list.html", context)


def visible_record_or_404(request: HttpRequest, pk: int) -> MaintenanceRecord:
    records = MaintenanceRecord.objects.select_related(
        "asset__category", "plan", "opened_by", "closed_by"
    )
    return get_object_or_404(services.visible_records(request.user, records), pk=pk)


class RecordDetailView(View):
    """``/maintenance/<pk>/``: one piece of work, its costs and its history."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = visible_record_or_404(request, pk)
        user = request.user
        asset = record.asset
        can_complete = (
            record.is_open
            and record.took_out_of_service
            and asset.status == "in_maintenance"
            and user.has_perm(MOVES["complete_maintenance"].permission)
        )
        context = {
            "record": record,
            "asset": asset,
            "can_edit": user.has_perm("maintenance.change_maintenancerecord"),
            "can_complete": can_complete,
            "sees_plans": user.has_perm("maintenance.view_maintenanceplan"),
            "history": history_rows(
                record.history.all(),
                RECORD_HISTORY_FIELDS,
                choices={"kind": dict(MaintenanceKind.choices)},
            ),
            "page_title": f"{record.reference}: {record.title}",
        }
        return render(request, "maintenance/record_detail.html", context)


class RecordEditView(View):
    """``/maintenance/<pk>/edit/``: correct a record (IT staff); kept in its history."""

    def dispatch(self, request: HttpRequest, pk: int) -> HttpResponse:
        require(request, "maintenance.change_maintenancerecord", "change maintenance records")
        self.record = visible_record_or_404(request, pk)
        return super().dispatch(request, pk=pk)

    def initial(self) -> dict:
        record = self.record
        return {name: getattr(record, name) for name in RecordEditForm.FIELDS}

    def show(self, form: RecordEditForm, *, status: int = 200) -> HttpResponse:
        context = {
            "form": form,
            "record": self.record,
            "page_title": f"Edit {self.record.reference}",
        }
        return render(self.request, "maintenance/record_form.html", context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.show(RecordEditForm(initial=self.initial()))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = RecordEditForm(request.POST, initial=self.initial())
        if not form.is_valid():
            return self.show(form, status=400)
        changes = form.changes()
        if not changes:
            messages.info(request, "Nothing changed, so nothing was saved.")
            return HttpResponseRedirect(self.record.get_absolute_url())
        try:
            services.update_record(
                self.record,
                actor=request.user,
                reason=form.cleaned_data.get("reason", ""),
                **changes,
            )
        except ValidationError as exc:
            put_errors(form, exc)
            return self.show(form, status=400)
        messages.success(request, f"Saved the changes to {self.record.reference}.")
        return HttpResponseRedirect(self.record.get_absolute_url())


class LogWorkView(View):
    """``/maintenance/log/?asset=<tag>``: work done without taking the asset out of service."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        require(request, services.MAINTAIN, "record maintenance")
        return super().dispatch(request, *args, **kwargs)

    def assets(self, request: HttpRequest):
        return visible_assets(request.user, Asset.objects.select_related("category"))

    def form(self, request: HttpRequest, data: Any = None) -> LogWorkForm:
        tag = (data or request.GET).get("asset", "").strip()
        asset = self.assets(request).filter(tag__iexact=tag).first() if tag else None
        form = LogWorkForm(data, asset=asset)
        form.fields["asset"].queryset = self.assets(request)
        return form

    def show(self, request: HttpRequest, form: LogWorkForm, *, status: int = 200) -> HttpResponse:
        context = {"form": form, "asset": form.asset, "page_title": "Log maintenance work"}
        return render(request, "maintenance/log_form.html", context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        form = self.form(request)
        initial: dict[str, Any] = {}
        if form.asset is not None:
            initial["asset"] = form.asset.tag
        plan_id = request.GET.get("plan", "")
        if plan_id.isascii() and plan_id.isdigit() and len(plan_id) <= 9:
            plan = form.fields["plan"].queryset.filter(pk=int(plan_id)).first()
            if plan is not None:
                initial.update(plan=plan.pk, kind=plan.kind, title=plan.title)
        form.initial.update(initial)
        return self.show(request, form)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self.form(request, request.POST)
        if not form.is_valid():
            return self.show(request, form, status=400)
        asset = form.cleaned_data["asset"]
        try:
            record = services.log_work(asset, actor=request.user, **form.work_kwargs())
        except ValidationError as exc:
            put_errors(form, exc)
            return self.show(request, form, status=400)
        messages.success(request, f"Logged {record.reference} on {asset.tag}: {record.title}.")
        return HttpResponseRedirect(asset.get_absolute_url())
