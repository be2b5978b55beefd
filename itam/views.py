"""Project-level pages: the dashboard, the QR short link, and the in-app inbox."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from assets.models import Asset, Assignment
from assets.visibility import sees_all_assets, visible_assets
from audits.views.sessions import scan_by_link
from requests_app.choices import OPEN_REQUEST_STATUSES
from requests_app.views.queries import approval_queue, mine, request_rows

from . import dashboard as dashboard_figures
from .models import Notification

RECENT_CHANGES = 12
MY_ASSETS_LIMIT = 50
DASHBOARD_REQUESTS = 5
INBOX_PAGE_SIZE = 50


def dashboard(request: HttpRequest) -> HttpResponse:
    """What needs attention: my assets and requests for everyone; the estate (counts, charts,
    what ends soon, what is overdue or missing, spend) for those who oversee assets. A fixed
    number of queries whatever the data size (``itam.dashboard``)."""
    user = request.user
    today = timezone.localdate()
    sees_all = sees_all_assets(user)
    managed = [] if sees_all else list(user.managed_departments.values_list("pk", "name"))
    oversees = sees_all or bool(managed)
    context: dict = {"sees_all": sees_all, "oversees": oversees, "today": today}

    # My assets, with whether I reported a problem on the current deployment (one query).
    my_assets = (
        Asset.objects.filter(assigned_user=user)
        .select_related("category", "model__manufacturer", "location")
        .annotate(
            problem_reported=Exists(
                Assignment.objects.filter(
                    asset=OuterRef("pk"), ended_at__isnull=True, problem_reported_at__isnull=False
                )
            )
        )
        .order_by("tag")
    )
    context["my_assets"] = list(my_assets[: MY_ASSETS_LIMIT + 1])
    context["my_assets_more"] = len(context["my_assets"]) > MY_ASSETS_LIMIT
    context["my_assets"] = context["my_assets"][:MY_ASSETS_LIMIT]

    if oversees:
        context.update(
            dashboard_figures.estate(
                user, visible_assets(user), sees_all=sees_all, managed=managed, today=today
            )
        )
    # Requests: what waits for my decision, and my own open requests (one query each).
    waiting = list(approval_queue(user)[: DASHBOARD_REQUESTS + 1])
    context["waiting_more"] = len(waiting) > DASHBOARD_REQUESTS
    context["waiting"] = waiting[:DASHBOARD_REQUESTS]
    my_requests = list(
        request_rows(user)
        .filter(mine(user), status__in=OPEN_REQUEST_STATUSES)
        .order_by("-created_at", "-pk")[: DASHBOARD_REQUESTS + 1]
    )
    context["my_requests_more"] = len(my_requests) > DASHBOARD_REQUESTS
    context["my_requests"] = my_requests[:DASHBOARD_REQUESTS]

    if sees_all:
        context["recent"] = list(
            Asset.history.select_related("history_user").order_by("-history_date", "-history_id")[
                :RECENT_CHANGES
            ]
        )
    return render(request, "itam/dashboard.html", context)


def short_link(request: HttpRequest, tag: str) -> HttpResponse:
    """The QR code's target: the asset's page, or, while this person's scan page of an open
    audit is active, a scan recorded in that audit (``audits.views.sessions.scan_by_link``).

    Outside an audit, unknown tags and tags this person may not see get the same 404.
    """
    in_audit = scan_by_link(request, tag)
    if in_audit is not None:
        return in_audit
    if not visible_assets(request.user).filter(tag=tag).exists():
        raise Http404("No asset you can see has that tag.")
    return redirect("assets:detail", tag=tag)


def inbox(request: HttpRequest) -> HttpResponse:
    """My notifications, newest first; only ever the signed-in person's own."""
    notifications = Notification.objects.filter(recipient=request.user).order_by(
        "-created_at", "-pk"
    )
    page = Paginator(notifications, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "itam/inbox.html",
        {
            "page_title": "Inbox",
            "notifications": page.object_list,
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
            "unread_here": any(n.read_at is None for n in page.object_list),
        },
    )


@require_POST
def inbox_read(request: HttpRequest) -> HttpResponse:
    """Mark one of my notifications (``id``) or all of them read."""
    unread = Notification.objects.filter(recipient=request.user, read_at__isnull=True)
    one = request.POST.get("id", "")
    if one:
        if not one.isdigit():
            raise Http404("No such notification.")
        unread = unread.filter(pk=int(one))
    count = unread.update(read_at=timezone.now())
    if not one:
        messages.success(
            request, f"Marked {count} notification{'s' if count != 1 else ''} as read."
        )
    return redirect("inbox")
