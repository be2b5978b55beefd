"""People pages: who holds what, their deployments, and a one-page offboarding for IT staff.

Who may see whom is ``offboarding.visible_people``; what a person's assets show is scoped by
``visibility.visible_assets``; the returns themselves are ``offboarding.offboard``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views import View

from maintenance.licenses import visible_licenses
from maintenance.models import LicenseSeat

from ..forms import LocationChoiceField, put_errors
from ..models import Asset, Assignment, Department
from ..offboarding import (
    HELD_STATUSES,
    RETURNABLE,
    OffboardingRefused,
    can_offboard,
    holdings,
    offboard,
    planned_outcome,
    visible_people,
)
from ..visibility import visible_assets

User = get_user_model()

HELD_RELATED = (
    "category",
    "model__manufacturer",
    "location__parent__parent__parent",
)
PEOPLE_PAGE_SIZE = 50
DEPLOYMENT_HISTORY_LIMIT = 200


class OffboardForm(forms.Form):
    location = LocationChoiceField(
        label="Return everything to",
        required=True,
        help_text="Where the returned assets go into stock.",
        empty_label="Choose a location",
    )
    reason = forms.CharField(
        max_length=500,
        label="Reason",
        help_text="Kept in each asset's history, e.g. “Left the company on 30 June”.",
    )
    deactivate = forms.BooleanField(
        required=False, label="Also deactivate the account: they can no longer sign in"
    )


def person_or_404(request: HttpRequest, username: str):
    """The person, or 404 for unknown people and people this viewer may not see alike."""
    return get_object_or_404(
        visible_people(request.user).select_related("profile__department__manager"),
        username=username,
    )


def person_context(
    request: HttpRequest, person, *, form: OffboardForm | None = None
) -> dict[str, Any]:
    viewer = request.user
    seen = visible_assets(viewer, Asset.objects.all())
    held = list(
        visible_assets(viewer, holdings(person).select_related(*HELD_RELATED)).order_by("tag")
    )
    for asset in held:
        asset.plan, asset.plan_note = planned_outcome(asset)
    deployments = (
        Assignment.objects.filter(assigned_user=person, asset__in=seen)
        .select_related("asset", "started_by", "ended_by")
        .order_by("-started_at", "-pk")
    )
    open_deployments = list(deployments.filter(ended_at__isnull=True))
    past = list(deployments.filter(ended_at__isnull=False)[:DEPLOYMENT_HISTORY_LIMIT])
    profile = getattr(person, "profile", None)
    offboarder = can_offboard(viewer)
    # The licence seats they hold, of the licences this viewer may see (never their keys).
    seats = list(
        LicenseSeat.objects.filter(
            user=person,
            released_at__isnull=True,
            license__in=visible_licenses(viewer),
        )
        .select_related("license__vendor")
        .order_by("license__product", "pk")
    )
    return {
        "person": person,
        "profile": profile,
        "department": profile.department if profile else None,
        "held": held,
        "returnable": [a for a in held if a.status in RETURNABLE],
        "open_deployments": open_deployments,
        "past_deployments": past,
        "past_limit": DEPLOYMENT_HISTORY_LIMIT,
        "seats": seats,
        "releases_seats": offboarder and viewer.has_perm("maintenance.change_licenseseat"),
        "is_self": person.pk == viewer.pk,
        "can_offboard": offboarder,
        "form": form if form is not None else (OffboardForm() if offboarder else None),
        "page_title": person.get_full_name() or person.get_username(),
    }


class PersonView(View):
    """``/people/<username>/``: who they are and everything they hold."""

    def get(self, request: HttpRequest, username: str) -> HttpResponse:
        person = person_or_404(request, username)
        return render(request, "assets/people_detail.html", person_context(request, person))


class OffboardView(View):
    """POST ``/people/<username>/offboard/``: return everything, all or none."""

    http_method_names = ["post", "options"]

    def post(self, request: HttpRequest, username: str) -> HttpResponse:
        if not can_offboard(request.user):
            raise PermissionDenied("Your role does not allow you to check assets in.")
        person = person_or_404(request, username)
        form = OffboardForm(request.POST)
        if not form.is_valid():
            return self.again(request, person, form, status=400)
        try:
            assets = offboard(
                person,
                actor=request.user,
                location=form.cleaned_data["location"],
                reason=form.cleaned_data["reason"],
                expected_tags=request.POST.getlist("expected"),
                deactivate=form.cleaned_data["deactivate"],
            )
        except OffboardingRefused as refused:
            context = person_context(request, person, form=form)
            context["refused"] = refused
            return render(request, "assets/people_detail.html", context, status=409)
        except ValidationError as error:
            put_errors(form, error)
            return self.again(request, person, form, status=400)
        context = {
            "person": person,
            "assets": assets,
            "returned": sum(1 for a in assets if a.offboarding_outcome == "returned"),
            "location": form.cleaned_data["location"],
            "reason": form.cleaned_data["reason"],
            "deactivated": form.cleaned_data["deactivate"],
            "seats_released": getattr(assets, "seats_released", 0),
            "page_title": f"Offboarded: {person.get_full_name() or person.get_username()}",
        }
        return render(request, "assets/people_offboard_result.html", context)

    def again(self, request: HttpRequest, person, form: OffboardForm, *, status: int):
        context = person_context(request, person, form=form)
        return render(request, "assets/people_detail.html", context, status=status)


def people_queryset(params) -> QuerySet:
    """People with how many assets each holds, searched and filtered; one query per page."""
    people = User.objects.select_related("profile__department").annotate(
        held_count=Count("held_assets", filter=Q(held_assets__status__in=HELD_STATUSES))
    )
    q = (params.get("q") or "").strip()
    if q:
        people = people.filter(
            Q(username__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(email__icontains=q)
        )
    department = (params.get("department") or "").strip()
    if department:
        people = people.filter(profile__department__slug=department)
    if params.get("holding"):
        people = people.filter(held_count__gt=0)
    if params.get("inactive"):
        people = people.filter(is_active=False)
    return people.order_by("last_name", "first_name", "username")


class PeopleIndexView(View):
    """``/people/``: everyone, searchable, with their holdings (IT staff and auditors)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("assets.view_asset"):
            raise PermissionDenied("Only IT staff and auditors see the list of people.")
        paginator = Paginator(people_queryset(request.GET), PEOPLE_PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        context = {
            "people": page.object_list,
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
            "departments": Department.objects.order_by("name").values_list("slug", "name"),
            "q": request.GET.get("q", ""),
            "department": request.GET.get("department", ""),
            "holding": bool(request.GET.get("holding")),
            "inactive": bool(request.GET.get("inactive")),
            "filters_active": any(
                request.GET.get(k) for k in ("q", "department", "holding", "inactive")
            ),
            "page_title": "People",
        }
        return render(request, "assets/people_index.html", context)
