"""Software licence pages: the list with utilisation, one licence with its seats, and the forms.

A key is shown through ``licenses.key_for`` only, so it reaches IT staff and nobody else.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import ExpressionWrapper, F, FloatField, QuerySet, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from assets.forms import put_errors
from assets.models import Vendor
from assets.views.moves import people_choices
from assets.views.register import error_list

from .. import licenses
from ..forms import (
    LICENSE_ORDERINGS,
    AssignSeatForm,
    LicenseFilterSet,
    LicenseForm,
    ReleaseSeatForm,
    RenewForm,
)
from ..models import LicenseSeat, SoftwareLicense
from .common import history_rows, paginate, require, safe_next

LICENSE_HISTORY_FIELDS = {
    "product": "Product",
    "version": "Version",
    "vendor_id": "Vendor",
    "seats": "Seats",
    "cost": "Cost",
    "purchased_on": "Bought on",
    "expires_on": "Expires on",
    "renewal_terms": "Renewal terms",
    "owner_id": "Looked after by",
    "notes": "Notes",
}
RELEASED_LIMIT = 50
# Days left under which an expiry is flagged: red at the last reminder, amber from the first.
URGENT_DAYS, SOON_DAYS = 7, 60


def licenses_for(request: HttpRequest, queryset: QuerySet | None = None) -> QuerySet:
    """The licences this person may see, with seats used and seats whose holder left."""
    queryset = SoftwareLicense.objects.all() if queryset is None else queryset
    return licenses.with_usage(licenses.visible_licenses(request.user, queryset))


def expiry_state(license: SoftwareLicense, today) -> str:
    days = license.days_left(today)
    if days is None:
        return "perpetual"
    if days < 0:
        return "expired"
    if days <= URGENT_DAYS:
        return "urgent"
    if days <= SOON_DAYS:
        return "soon"
    return "ok"


def decorate(license: SoftwareLicense, today) -> SoftwareLicense:
    """Add what a row shows: days left, expiry state, utilisation as a percentage."""
    license.days = license.days_left(today)
    license.days_ago = -license.days if license.days is not None and license.days < 0 else None
    license.expiry = expiry_state(license, today)
    license.share = licenses.utilisation(license, license.seats_used)
    license.seats_free = max(license.seats - license.seats_used, 0)
    return license


def license_rows(request: HttpRequest, *related: str) -> tuple[LicenseFilterSet, QuerySet]:
    """What ``/licenses/`` lists for this query string, in its order (the page and its CSV export
    share it); no rows when a filter is unreadable."""
    base = licenses_for(request, SoftwareLicense.objects.select_related("vendor", *related))
    filterset = LicenseFilterSet(request.GET or None, queryset=base)
    if filterset.is_bound and not filterset.is_valid():
        return filterset, base.none()
    ordering = "product"
    if filterset.is_bound:
        ordering = filterset.form.cleaned_data.get("ordering") or "product"
    return filterset, filterset.qs.annotate(
        share=ExpressionWrapper(F("seats_used") * 100.0 / F("seats"), output_field=FloatField())
    ).order_by(*LICENSE_ORDERINGS.get(ordering, LICENSE_ORDERINGS["product"]))


class LicenseListView(View):
    """``/licenses/``: every licence this person may see, with utilisation and expiry."""

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        filterset, rows = license_rows(request)
        filter_errors = filterset.is_bound and not filterset.is_valid()
        page = paginate(request, rows)
        today = timezone.localdate()
        for license in page.object_list:
            decorate(license, today)
        sees_seats = user.has_perm("maintenance.view_licenseseat")
        orphaned = (
            licenses.orphaned_seats(
                LicenseSeat.objects.filter(license__in=licenses.visible_licenses(user))
            ).count()
            if sees_seats
            else 0
        )
        totals = (
            {"cost": None} if filter_errors else filterset.qs.order_by().aggregate(cost=Sum("cost"))
        )
        form = filterset.form
        context = {
            "licenses": page.object_list,
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
            "filter_form": form,
            "filter_errors": filter_errors,
            "filter_error_list": error_list(form) if filter_errors else [],
            "filters_active": any(
                request.GET.get(name) for name in form.fields if name != "ordering"
            ),
            "orphaned": orphaned,
            "sees_seats": sees_seats,
            "sees_all": user.has_perm("maintenance.view_softwarelicense"),
            "can_add": user.has_perm("maintenance.add_softwarelicense"),
            "total_cost": totals["cost"],
            "page_title": "Software licences",
        }
        return render(request, "maintenance/license_list.html", context)


def license_or_404(request: HttpRequest, pk: int) -> SoftwareLicense:
    """The licence if this person may see it; 404 for unknown ids and others' licences alike."""
    queryset = SoftwareLicense.objects.select_related("vendor", "owner")
    return get_object_or_404(licenses_for(request, queryset), pk=pk)


def license_context(
    request: HttpRequest,
    license: SoftwareLicense,
    *,
    assign_form: AssignSeatForm | None = None,
) -> dict[str, Any]:
    user = request.user
    today = timezone.localdate()
    decorate(license, today)
    seats = licenses.visible_seats(user, license)
    open_seats = list(seats.filter(released_at__isnull=True).order_by("assigned_at", "pk"))
    released = list(
        seats.filter(released_at__isnull=False).order_by("-released_at", "-pk")[:RELEASED_LIMIT]
    )
    for seat in open_seats:
        seat.holder_left = bool(
            (seat.user_id and not seat.user.is_active)
            or (seat.asset_id and seat.asset.status in licenses.GONE_STATUSES)
        )
    can_assign = user.has_perm("maintenance.add_licenseseat")
    sees_all = user.has_perm("maintenance.view_softwarelicense")
    return {
        "license": license,
        "key": licenses.key_for(user, license),
        "key_visible": licenses.can_see_key(user),
        "open_seats": open_seats,
        "released_seats": released,
        "released_limit": RELEASED_LIMIT,
        "sees_all_seats": sees_all,
        "renewals": list(license.renewals.select_related("renewed_by")),
        "history": (
            history_rows(
                license.history.all(),
                LICENSE_HISTORY_FIELDS,
                foreign={"vendor_id": Vendor, "owner_id": licenses.User},
            )
            if sees_all
            else []
        ),
        "can_edit": user.has_perm("maintenance.change_softwarelicense"),
        "can_renew": user.has_perm("maintenance.renew_softwarelicense"),
        "can_assign": can_assign and not license.is_expired,
        "can_release": user.has_perm("maintenance.change_licenseseat"),
        "assign_form": assign_form or (AssignSeatForm() if can_assign else None),
        "people": people_choices() if can_assign and not license.is_expired else [],
        "page_title": str(license),
    }


def render_license(
    request: HttpRequest, license: SoftwareLicense, *, status: int = 200, **kwargs: Any
) -> HttpResponse:
    context = license_context(request, license, **kwargs)
    return render(request, "maintenance/license_detail.html", context, status=status)


class LicenseDetailView(View):
    """``/licenses/<pk>/``: details, key (IT staff only), seats, renewals and history."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return render_license(request, license_or_404(request, pk))


class LicenseFormView(View):
    """New licence (``/licenses/new/``) and licence edits (``/licenses/<pk>/edit/``)."""

    editing = False

    def dispatch(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        if self.editing:
            require(request, "maintenance.change_softwarelicense", "change licences")
            self.license = license_or_404(request, pk)
        else:
            require(request, "maintenance.add_softwarelicense", "add licences")
            self.license = None
        self.show_key = licenses.can_see_key(request.user)
        return super().dispatch(request)

    def initial(self) -> dict[str, Any]:
        license = self.license
        if license is None:
            return {}
        initial = {name: getattr(license, name) for name in LicenseForm.FIELDS if name != "owner"}
        initial["vendor"] = license.vendor_id
        initial["owner"] = license.owner.get_username() if license.owner_id else ""
        if not self.show_key:
            initial.pop("key", None)
        return initial

    def make_form(self, data: Any = None) -> LicenseForm:
        return LicenseForm(
            data, initial=self.initial(), show_key=self.show_key, editing=self.editing
        )

    def show(self, form: LicenseForm, *, status: int = 200) -> HttpResponse:
        context = {
            "form": form,
            "license": self.license,
            "people": people_choices(),
            "page_title": f"Edit {self.license}" if self.license else "New software licence",
            "submit_label": "Save changes" if self.license else "Add the licence",
        }
        return render(self.request, "maintenance/license_form.html", context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.show(self.make_form())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self.make_form(request.POST)
        if not form.is_valid():
            return self.show(form, status=400)
        reason = form.cleaned_data.get("reason", "")
        try:
            if self.license is None:
                license = licenses.create_license(actor=request.user, **form.license_kwargs())
                messages.success(request, f"Added {license}.")
            else:
                changes = form.license_kwargs(only_changed=True)
                if not changes:
                    messages.info(request, "Nothing changed, so nothing was saved.")
                    return HttpResponseRedirect(self.license.get_absolute_url())
                license = licenses.update_license(
                    self.license, actor=request.user, reason=reason, **changes
                )
                messages.success(request, f"Saved the changes to {license}.")
        except ValidationError as exc:
            put_errors(form, exc)
            return self.show(form, status=400)
        return HttpResponseRedirect(license.get_absolute_url())


class RenewView(View):
    """``/licenses/<pk>/renew/``: a new term; the old one stays in the renewals and history."""

    def dispatch(self, request: HttpRequest, pk: int) -> HttpResponse:
        require(request, "maintenance.renew_softwarelicense", "renew licences")
        self.license = license_or_404(request, pk)
        return super().dispatch(request)

    def show(self, form: RenewForm, *, status: int = 200) -> HttpResponse:
        decorate(self.license, timezone.localdate())
        context = {
            "form": form,
            "license": self.license,
            "page_title": f"Renew {self.license}",
        }
        return render(self.request, "maintenance/license_renew.html", context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.show(RenewForm(initial={"seats": self.license.seats}))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = RenewForm(request.POST)
        if not form.is_valid():
            return self.show(form, status=400)
        kwargs = form.renew_kwargs()
        if kwargs["seats"] == self.license.seats:
            kwargs["seats"] = None  # unchanged: the history should not say "3 → 3 seats"
        try:
            renewal = licenses.renew_license(self.license, actor=request.user, **kwargs)
        except ValidationError as exc:
            put_errors(form, exc)
            return self.show(form, status=400)
        messages.success(
            request,
            f"Renewed {self.license} until {renewal.expires_on:%-d %b %Y}"
            + (f", {renewal.seats} seats." if renewal.seats != renewal.previous_seats else "."),
        )
        return HttpResponseRedirect(self.license.get_absolute_url())


class AssignSeatView(View):
    """POST ``/licenses/<pk>/seats/``: one seat to a person or an asset; 409 when none is free."""

    http_method_names = ["post", "options"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        require(request, "maintenance.add_licenseseat", "assign licence seats")
        license = license_or_404(request, pk)
        form = AssignSeatForm(request.POST)
        if not form.is_valid():
            return render_license(request, license, status=400, assign_form=form)
        data = form.cleaned_data
        try:
            seat = licenses.assign_seat(
                license,
                actor=request.user,
                user=data.get("user"),
                asset=data.get("asset"),
                note=data.get("note", ""),
            )
        except licenses.SeatRefused as refused:
            messages.error(request, refused.message)
            return render_license(
                request, license_or_404(request, pk), status=409, assign_form=form
            )
        except ValidationError as exc:
            put_errors(form, exc)
            return render_license(request, license, status=400, assign_form=form)
        messages.success(request, f"Seat of {license} assigned to {seat.holder_label}.")
        return HttpResponseRedirect(license.get_absolute_url())


class ReleaseSeatView(View):
    """POST ``/licenses/seats/<pk>/release/``: the seat is free again; kept on record."""

    http_method_names = ["post", "options"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        require(request, "maintenance.change_licenseseat", "release licence seats")
        visible = licenses.visible_licenses(request.user)
        seat = get_object_or_404(
            LicenseSeat.objects.select_related("license", "user", "asset").filter(
                license__in=visible
            ),
            pk=pk,
        )
        form = ReleaseSeatForm(request.POST)
        reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
        try:
            licenses.release_seat(seat, actor=request.user, reason=reason)
        except licenses.SeatRefused as refused:
            messages.error(request, refused.message)
            return render_license(request, license_or_404(request, seat.license_id), status=409)
        messages.success(
            request, f"Released the seat of {seat.license} held by {seat.holder_label}."
        )
        return HttpResponseRedirect(safe_next(request, seat.license.get_absolute_url()))


class OrphanedSeatsView(View):
    """``/licenses/orphaned/``: seats held by people who left or by retired or disposed assets."""

    def get(self, request: HttpRequest) -> HttpResponse:
        require(request, "maintenance.view_licenseseat", "see licence seats")
        visible = licenses.visible_licenses(request.user)
        seats = (
            licenses.orphaned_seats(LicenseSeat.objects.filter(license__in=visible))
            .select_related("license", "user", "asset")
            .order_by("license__product", "license__pk", "assigned_at", "pk")
        )
        page = paginate(request, seats)
        context = {
            "seats": page.object_list,
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
            "can_release": request.user.has_perm("maintenance.change_licenseseat"),
            "here": reverse("maintenance:licenses-orphaned"),
            "page_title": "Seats whose holders have left",
        }
        return render(request, "maintenance/license_orphaned.html", context)
