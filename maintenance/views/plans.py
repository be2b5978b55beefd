"""Preventive maintenance (plans and what is due) and warranties ending."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views import View

from assets.choices import AssetStatus
from assets.forms import put_errors
from assets.lifecycle import MOVES
from assets.models import Asset, Category
from assets.visibility import sees_all_assets, visible_assets

from .. import services
from ..choices import MaintenanceKind
from ..forms import HORIZONS, PlanForm, horizon_from, warranty_days_default
from ..models import MaintenancePlan
from .common import history_rows, paginate, require
from .records import maintenance_tabs

DUE_PAGE_SIZE = 100
WARRANTY_LIMIT = 200
PLAN_HISTORY_FIELDS = {
    "title": "Title",
    "kind": "Kind",
    "description": "What to do",
    "category_id": "Category",
    "asset_id": "Asset",
    "interval_months": "Every (months)",
    "first_due_on": "First due",
    "active": "Active",
}
STARTABLE = set(MOVES["start_maintenance"].sources)


class DueView(View):
    """``/maintenance/due/``: preventive rounds due within a horizon, overdue first."""

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        within = horizon_from(request.GET.get("within"), 30)
        today = timezone.localdate()
        scope = None if sees_all_assets(user) else visible_assets(user)
        items = sorted(
            services.due_items(until=today + datetime.timedelta(days=within), assets=scope),
            key=lambda item: (item.due_on, item.tag, item.plan.pk),
        )
        page = paginate(request, items, DUE_PAGE_SIZE)
        statuses = dict(
            Asset.objects.filter(pk__in={item.asset_id for item in page.object_list}).values_list(
                "pk", "status"
            )
        )
        rows = [
            {
                "item": item,
                "overdue": item.due_on < today,
                "days": (item.due_on - today).days,
                "startable": statuses.get(item.asset_id) in STARTABLE,
            }
            for item in page.object_list
        ]
        context = {
            "rows": rows,
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
            "count": len(items),
            "overdue_count": sum(1 for item in items if item.due_on < today),
            "within": within,
            "horizons": HORIZONS,
            "can_maintain": user.has_perm(services.MAINTAIN),
            "sees_plans": user.has_perm("maintenance.view_maintenanceplan"),
            "tabs": maintenance_tabs(request, "due"),
            "page_title": "Maintenance due",
        }
        return render(request, "maintenance/due.html", context)


class WarrantiesView(View):
    """``/maintenance/warranties/``: warranties ending soon, and those that ended recently."""

    def get(self, request: HttpRequest) -> HttpResponse:
        within = horizon_from(request.GET.get("within"), warranty_days_default())
        today = timezone.localdate()
        assets = (
            visible_assets(
                request.user,
                Asset.objects.select_related("category", "assigned_user", "vendor"),
            )
            .exclude(status__in=(AssetStatus.RETIRED, AssetStatus.DISPOSED))
            .filter(warranty_end__isnull=False)
        )
        ending = list(
            assets.filter(
                warranty_end__range=(today, today + datetime.timedelta(days=within))
            ).order_by("warranty_end", "tag")[: WARRANTY_LIMIT + 1]
        )
        ended = list(
            assets.filter(warranty_end__range=(today - datetime.timedelta(days=within), today))
            .exclude(warranty_end=today)
            .order_by("-warranty_end", "tag")[: WARRANTY_LIMIT + 1]
        )
        for asset in ending:
            asset.days_left = (asset.warranty_end - today).days
        for asset in ended:
            asset.days_ago = (today - asset.warranty_end).days
        context = {
            "ending": ending[:WARRANTY_LIMIT],
            "ending_more": len(ending) > WARRANTY_LIMIT,
            "ended": ended[:WARRANTY_LIMIT],
            "ended_more": len(ended) > WARRANTY_LIMIT,
            "limit": WARRANTY_LIMIT,
            "within": within,
            "horizons": HORIZONS,
            "tabs": maintenance_tabs(request, "warranties"),
            "page_title": "Warranties",
        }
        return render(request, "maintenance/warranties.html", context)


# --- plans -------------------------------------------------------------------------------


class PlanListView(View):
    """``/maintenance/plans/``: every preventive plan (IT staff and auditors)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        require(request, "maintenance.view_maintenanceplan", "see maintenance plans")
        plans = MaintenancePlan.objects.select_related("category", "asset").order_by(
            "-active", "title", "pk"
        )
        page = paginate(request, plans)
        context = {
            "plans": page.object_list,
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
            "can_add": request.user.has_perm("maintenance.add_maintenanceplan"),
            "tabs": maintenance_tabs(request, "plans"),
            "page_title": "Maintenance plans",
        }
        return render(request, "maintenance/plan_list.html", context)


class PlanDetailView(View):
    """``/maintenance/plans/<pk>/``: the plan, the assets it covers with their next round."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        require(request, "maintenance.view_maintenanceplan", "see maintenance plans")
        plan = get_object_or_404(MaintenancePlan.objects.select_related("category", "asset"), pk=pk)
        today = timezone.localdate()
        page = paginate(request, services.plan_assets(plan), DUE_PAGE_SIZE)
        covered = []
        for asset in page.object_list:
            last = timezone.localdate(asset.last_done_at) if asset.last_done_at else None
            due_on = plan.next_due(last)
            covered.append(
                {"asset": asset, "last_done": last, "due_on": due_on, "overdue": due_on < today}
            )
        context = {
            "plan": plan,
            "covered": covered,
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
            "records": list(plan.records.select_related("asset")[:20]),
            "can_edit": request.user.has_perm("maintenance.change_maintenanceplan"),
            "can_maintain": request.user.has_perm(services.MAINTAIN),
            "history": history_rows(
                plan.history.all(),
                PLAN_HISTORY_FIELDS,
                foreign={"category_id": Category, "asset_id": Asset},
                choices={"kind": dict(MaintenanceKind.choices)},
            ),
            "tabs": maintenance_tabs(request, "plans"),
            "page_title": plan.title,
        }
        return render(request, "maintenance/plan_detail.html", context)


class PlanFormView(View):
    """New plan (``/maintenance/plans/new/``, ``?asset=<tag>`` preselects) and plan edits."""

    editing = False

    def dispatch(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        if self.editing:
            require(request, "maintenance.change_maintenanceplan", "change maintenance plans")
            self.plan = get_object_or_404(
                MaintenancePlan.objects.select_related("category", "asset"), pk=pk
            )
        else:
            require(request, "maintenance.add_maintenanceplan", "plan maintenance")
            self.plan = None
        return super().dispatch(request)

    def initial(self, request: HttpRequest) -> dict[str, Any]:
        plan = self.plan
        if plan is None:
            tag = request.GET.get("asset", "").strip()
            return {"asset": tag} if tag else {}
        return {
            "title": plan.title,
            "kind": plan.kind,
            "category": plan.category_id,
            "asset": plan.asset.tag if plan.asset_id else "",
            "interval_months": plan.interval_months,
            "first_due_on": plan.first_due_on,
            "description": plan.description,
            "active": plan.active,
        }

    def show(self, form: PlanForm, *, status: int = 200) -> HttpResponse:
        context = {
            "form": form,
            "plan": self.plan,
            "page_title": f"Edit plan: {self.plan.title}" if self.plan else "New maintenance plan",
            "submit_label": "Save changes" if self.plan else "Add the plan",
        }
        return render(self.request, "maintenance/plan_form.html", context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.show(PlanForm(initial=self.initial(request), editing=self.editing))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PlanForm(request.POST, initial=self.initial(request), editing=self.editing)
        if not form.is_valid():
            return self.show(form, status=400)
        try:
            if self.plan is None:
                plan = services.create_plan(actor=request.user, **form.plan_kwargs())
                messages.success(request, f"Added the plan “{plan.title}”.")
            else:
                plan = services.update_plan(
                    self.plan,
                    actor=request.user,
                    reason=form.cleaned_data.get("reason", ""),
                    **form.plan_kwargs(),
                )
                messages.success(request, f"Saved the changes to “{plan.title}”.")
        except ValidationError as exc:
            put_errors(form, exc)
            return self.show(form, status=400)
        return HttpResponseRedirect(plan.get_absolute_url())
