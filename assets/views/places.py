"""Places: the location tree and the departments, and a page for each with what is there,
what it cost, and the list (paginated, or the whole of it as CSV with ``?format=csv``).

Who: IT staff and auditors see every place; a manager sees the pages of the departments they
manage; everyone else, and a manager on another department's page, gets a 404 (as for an
asset they cannot see). Queries live in ``assets.reports``.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render

from .. import csv_export as cx
from .. import reports as r
from ..csv_export import dated, stream_csv
from ..models import Department, Location
from ..visibility import sees_all_assets
from .reports import Row, page_of, wants_csv


def _assets_page(request: HttpRequest, assets, name: str) -> HttpResponseBase | dict:
    """The CSV of every asset, or the page's rows."""
    listed = assets.select_related(*r.ROW_RELATED).order_by("tag")
    if wants_csv(request):
        return stream_csv(dated(name), cx.ASSET_COLUMNS, listed)
    page = page_of(request, listed)
    return {
        "page_obj": page,
        "is_paginated": page.has_other_pages(),
        "rows": [Row(asset) for asset in page.object_list],
    }


def index(request: HttpRequest) -> HttpResponse:
    """The location tree with subtree counts and cost, and the departments' holdings."""
    sees_all = sees_all_assets(request.user)
    departments = r.report_departments(request.user)
    if departments == []:
        raise Http404("No places to show.")
    scoped = r.scoped_current(request.user)
    tree = r.flatten(r.location_tree(scoped)) if sees_all else []
    lines = [line for line in r.by_department(scoped, departments=departments) if line.department]
    return render(
        request,
        "assets/places_index.html",
        {"page_title": "Places", "tree": tree, "lines": lines, "sees_all": sees_all},
    )


def location(request: HttpRequest, pk: int) -> HttpResponse:
    if not sees_all_assets(request.user):
        raise Http404("No such location.")
    place = get_object_or_404(Location.objects.select_related("parent__parent__parent"), pk=pk)
    scoped = r.scoped_current(request.user)
    summary = r.location_summary(scoped, place)
    listing = _assets_page(request, r.assets_at(scoped, summary.subtree), f"location-{place.pk}")
    if isinstance(listing, HttpResponseBase):
        return listing
    ancestors, node = [], place.parent
    while node is not None:
        ancestors.insert(0, node)
        node = node.parent
    return render(
        request,
        "assets/places_location.html",
        {
            "page_title": place.full_name,
            "place": place,
            "ancestors": ancestors,
            "summary": summary.summary,
            "children": summary.children,
            **listing,
        },
    )


def department(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_object_or_404(Department.objects.select_related("manager"), slug=slug)
    if not r.can_see_department(request.user, team):
        raise Http404("No such department.")
    scoped = r.scoped_current(request.user)
    summary = r.department_summary(scoped, team)
    listing = _assets_page(request, r.department_assets(scoped, team), f"department-{team.slug}")
    if isinstance(listing, HttpResponseBase):
        return listing
    return render(
        request,
        "assets/places_department.html",
        {
            "page_title": team.name,
            "team": team,
            "summary": summary.summary,
            "split": summary,
            "members": summary.members,
            "sees_all": sees_all_assets(request.user),
            **listing,
        },
    )
