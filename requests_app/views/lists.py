"""'My requests' (with tabs for those who see more) and a manager's 'Approvals' queue."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.views.generic import ListView

from assets.views.register import error_list

from ..forms import RequestFilterSet
from .queries import approval_queue, may_approve_something, mine, request_rows

SCOPE_MINE, SCOPE_DEPARTMENTS, SCOPE_ALL = "mine", "departments", "all"


def _paginate(view: ListView, queryset: QuerySet, page_size: int) -> tuple:
    """A page number out of range shows the nearest page, not a 404 (as the register does)."""
    paginator = Paginator(queryset, page_size)
    page = paginator.get_page(view.request.GET.get("page"))
    return paginator, page, page.object_list, page.has_other_pages()


class RequestListView(ListView):
    """Requests I made or that are for me; tabs for my departments' (managers) and all (IT
    staff and auditors). The scope always comes from ``visible_requests``."""

    template_name = "requests_app/request_list.html"
    context_object_name = "requests"

    def tabs(self) -> list[tuple[str, str]]:
        user = self.request.user
        tabs = [(SCOPE_MINE, "Mine")]
        if user.managed_departments.exists():
            tabs.append((SCOPE_DEPARTMENTS, "My departments"))
        if user.has_perm("requests_app.view_assetrequest"):
            tabs.append((SCOPE_ALL, "All requests"))
        return tabs

    def get_queryset(self) -> QuerySet:
        user = self.request.user
        self.available_tabs = self.tabs()
        wanted = self.request.GET.get("scope", SCOPE_MINE)
        self.scope = wanted if wanted in dict(self.available_tabs) else SCOPE_MINE
        base = request_rows(user)
        if self.scope == SCOPE_MINE:
            base = base.filter(mine(user))
        elif self.scope == SCOPE_DEPARTMENTS:
            base = base.filter(department__manager=user)
        self.filterset = RequestFilterSet(self.request.GET or None, queryset=base)
        if self.filterset.is_bound and not self.filterset.is_valid():
            return base.none()
        return self.filterset.qs.order_by("-created_at", "-pk")

    def get_paginate_by(self, queryset: QuerySet) -> int:
        return settings.ITAM_PAGE_SIZE

    def paginate_queryset(self, queryset: QuerySet, page_size: int) -> tuple:
        return _paginate(self, queryset, page_size)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = self.filterset.form
        filter_errors = self.filterset.is_bound and not self.filterset.is_valid()
        context.update(
            page_title="Requests" if self.scope != SCOPE_MINE else "My requests",
            tabs=self.available_tabs,
            scope=self.scope,
            filter_form=form,
            filter_errors=filter_errors,
            filter_error_list=error_list(form) if filter_errors else [],
            filters_active=any(self.request.GET.get(name) for name in form.fields),
            show_requester=self.scope != SCOPE_MINE,
        )
        return context


class ApprovalsView(ListView):
    """The requests waiting for this person's decision, oldest need first."""

    template_name = "requests_app/approvals.html"
    context_object_name = "requests"

    def get_queryset(self) -> QuerySet:
        return approval_queue(self.request.user)

    def get_paginate_by(self, queryset: QuerySet) -> int:
        return settings.ITAM_PAGE_SIZE

    def paginate_queryset(self, queryset: QuerySet, page_size: int) -> tuple:
        return _paginate(self, queryset, page_size)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            page_title="Approvals",
            approver=may_approve_something(self.request.user),
            **kwargs,
        )
