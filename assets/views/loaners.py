"""Loaner pages at ``/loaners/``: the pools, booking, a month calendar per pool, its .ics feed,
and IT's hand-out and take-back steps. The rules are in ``assets.reservations``; these only
translate forms and errors."""

from __future__ import annotations

import contextlib
import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from .. import reservations as rs
from ..choices import Condition, ReservationStatus
from ..forms import DateInput, LocationChoiceField, UsernameField, put_errors
from ..models import Asset, AssetModel, Reservation
from .moves import people_choices

UPCOMING_LIMIT = 50


# --- forms ---------------------------------------------------------------------------------------


def what_choices() -> list:
    """Grouped per pool: "any free one of this model" first, then each of its assets."""
    groups: dict[int, tuple[AssetModel, list]] = {}
    for asset in rs.pool_assets().select_related("model__manufacturer").order_by("tag"):
        if asset.model is None:
            continue
        groups.setdefault(asset.model_id, (asset.model, []))[1].append(asset)
    choices: list = [("", "Choose a loaner")]
    for model, assets in sorted(groups.values(), key=lambda g: str(g[0])):
        options = [(f"model:{model.pk}", f"Any free {model} ({len(assets)} in the pool)")]
        options += [(f"asset:{a.pk}", f"{a.tag} · {a.name}") for a in assets]
        choices.append((str(model), options))
    return choices


class BookingForm(forms.Form):
    what = forms.ChoiceField(
        label="What",
        help_text="Any free one of a model is easiest; pick a particular asset only if needed.",
    )
    starts_on = forms.DateField(label="First day", widget=DateInput())
    ends_on = forms.DateField(
        label="Last day",
        widget=DateInput(),
        help_text=f"Both days included; at most {rs.max_loan_days()} days.",
    )
    person = UsernameField(
        label="For whom",
        required=False,
        help_text="Username; leave empty to book for yourself.",
        widget=forms.TextInput(attrs={"list": "people", "autocomplete": "off"}),
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=200,
        help_text="What it is for, e.g. a customer visit.",
    )

    def __init__(self, *args: Any, for_others: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["what"].choices = what_choices()
        self.fields["ends_on"].help_text = f"Both days included; at most {rs.max_loan_days()} days."
        if not for_others:
            del self.fields["person"]

    def booking_kwargs(self, actor) -> dict[str, Any]:
        data = self.cleaned_data
        kind, _, pk = data["what"].partition(":")
        target = {"asset": None, "model": None}
        if kind == "asset":
            target["asset"] = rs.pool_assets().get(pk=pk)
        else:
            target["model"] = AssetModel.objects.get(pk=pk)
        return {
            **target,
            "person": data.get("person") or actor,
            "starts_on": data["starts_on"],
            "ends_on": data["ends_on"],
            "note": data.get("note", ""),
        }


class AddToPoolForm(forms.Form):
    tag = forms.CharField(label="Asset tag", max_length=40, help_text="It joins its model's pool.")


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Why",
        required=False,
        max_length=200,
        help_text="Needed when it is someone else's booking: they are told.",
    )


class HandOutForm(forms.Form):
    checklist = forms.MultipleChoiceField(
        label="Steps done", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, reservation: Reservation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        items = reservation.asset.category.checklist.all()
        self.fields["checklist"].choices = [
            (item.pk, f"{item.text}{' (required)' if item.required else ''}") for item in items
        ]
        if not items:
            del self.fields["checklist"]


class GiveBackForm(forms.Form):
    location = LocationChoiceField(label="Put back at", empty_label="Where it was")
    condition = forms.ChoiceField(
        label="Condition",
        required=False,
        choices=[("", "Not noted"), *Condition.choices],
    )


# --- helpers -------------------------------------------------------------------------------------


def _visible_or_404(request: HttpRequest, pk: int) -> Reservation:
    queryset = rs.visible_reservations(request.user).select_related(
        "asset__category", "asset__model__manufacturer", "person", "booked_by"
    )
    return get_object_or_404(queryset, pk=pk)


def _pool_or_404(model_id: int) -> AssetModel:
    model = AssetModel.objects.select_related("manufacturer", "category").filter(pk=model_id)
    model = model.first()
    if model is None or not rs.pool_assets(model).exists():
        raise Http404("There is no loaner pool for that model.")
    return model


def _safe_next(request: HttpRequest) -> str:
    """The page an action came from, only if it is one of ours (no open redirects)."""
    target = request.POST.get("next") or request.GET.get("next", "")
    return target if target.startswith("/loaners/") and "//" not in target else ""


def _back(request: HttpRequest, reservation: Reservation) -> str:
    """Where to go after an action: the page it came from if it is ours, else the pool."""
    if target := _safe_next(request):
        return target
    if reservation.asset and reservation.asset.model_id:
        return reverse("loaners:pool", args=[reservation.asset.model_id])
    return reverse("loaners:index")


def _with_permissions(user, bookings) -> list[Reservation]:
    rows = list(bookings)
    for booking in rows:
        booking.can_cancel = rs.can_cancel(user, booking)
        booking.shows_name = rs.shows_names_to(user, booking)
        booking.span = rs.span_text(booking.starts_on, booking.ends_on)
    return rows


def feed_url(user, model: AssetModel) -> str:
    """The subscribe link: absolute from ITAM_BASE_URL (never the Host header)."""
    path = reverse("loaners:ics", args=[model.pk])
    base = getattr(settings, "ITAM_BASE_URL", "").rstrip("/")
    return f"{base}{path}?token={rs.ics_token(user, model)}"


# --- pages ---------------------------------------------------------------------------------------


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    mine = (
        Reservation.objects.filter(person=request.user, ends_on__gte=today)
        .filter(status__in=rs.LIVE)
        .select_related("asset__model__manufacturer", "person", "booked_by")
        .order_by("starts_on", "pk")
    )
    context: dict[str, Any] = {
        "page_title": "Loaners",
        "pools": rs.pools(today),
        "mine": _with_permissions(request.user, mine),
        "manages": rs.manages_loans(request.user),
        "today": today,
    }
    if context["manages"]:
        context["add_form"] = AddToPoolForm()
        context["hand_outs"] = _with_permissions(request.user, rs.due_hand_outs(today=today))
        context["returns"] = _with_permissions(request.user, rs.due_returns(today=today))
    return render(request, "assets/loaners_index.html", context)


@require_http_methods(["POST"])
def add_to_pool(request: HttpRequest) -> HttpResponse:
    """IT puts an asset (by tag) into its model's pool; errors come back as a message."""
    if not rs.manages_loans(request.user):
        raise PermissionDenied("Only IT staff manage the loaner pools.")
    form = AddToPoolForm(request.POST)
    tag = form.data.get("tag", "").strip()
    asset = Asset.objects.filter(tag__iexact=tag).first() if tag else None
    if asset is None:
        messages.error(request, f"No asset has the tag “{tag}”." if tag else "Type a tag.")
        return HttpResponseRedirect(reverse("loaners:index"))
    try:
        rs.set_in_pool(asset, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(reverse("loaners:index"))
    messages.success(request, f"{asset.tag} is in the {asset.model} pool.")
    return HttpResponseRedirect(reverse("loaners:pool", args=[asset.model_id]))


@require_http_methods(["GET", "POST"])
def book(request: HttpRequest) -> HttpResponse:
    for_others = rs.manages_loans(request.user)
    status = 200
    if request.method == "POST":
        form = BookingForm(request.POST, for_others=for_others)
        if form.is_valid():
            try:
                booking = rs.book(actor=request.user, **form.booking_kwargs(request.user))
            except rs.BookingClash as exc:
                form.add_error(None, exc.message)
                status = 409
            except ValidationError as exc:
                put_errors(form, exc)
                status = 400
            else:
                who = "" if booking.person_id == request.user.pk else f" for {booking.person}"
                messages.success(
                    request,
                    f"Booked {booking.asset.tag} ({booking.asset.name}){who}, "
                    f"{rs.span_text(booking.starts_on, booking.ends_on)}. "
                    "Collect it from IT on the first day.",
                )
                return HttpResponseRedirect(reverse("loaners:index"))
        else:
            status = 400
    else:
        initial: dict[str, Any] = {"starts_on": timezone.localdate()}
        for kind in ("model", "asset"):
            if request.GET.get(kind, "").isdigit():
                initial["what"] = f"{kind}:{request.GET[kind]}"
        if request.GET.get("start"):
            with contextlib.suppress(ValueError):
                initial["starts_on"] = datetime.date.fromisoformat(request.GET["start"])
        form = BookingForm(initial=initial, for_others=for_others)
    context = {
        "page_title": "Book a loaner",
        "form": form,
        "people": people_choices() if for_others else [],
    }
    return render(request, "assets/loaners_book.html", context, status=status)


@require_GET
def pool(request: HttpRequest, model_id: int) -> HttpResponse:
    model = _pool_or_404(model_id)
    today = timezone.localdate()
    try:
        first = rs.month_start(request.GET.get("month"), today)
    except ValidationError:
        messages.warning(request, "That month could not be read (use YYYY-MM): showing this one.")
        first = today.replace(day=1)
    grid = rs.month_grid(model, first)
    for row in grid.rows:
        for booking in row.cells:
            if booking is not None and not hasattr(booking, "shows_name"):
                booking.shows_name = rs.shows_names_to(request.user, booking)
                booking.is_mine = booking.person_id == request.user.pk
                person = booking.person
                names = [person.first_name, person.last_name]
                booking.initials = "".join(n[:1] for n in names if n) or person.get_username()[:2]
    upcoming = (
        rs.visible_reservations(request.user)
        .filter(asset__model=model, status__in=rs.LIVE, ends_on__gte=today)
        .select_related("asset", "person", "booked_by")
        .order_by("starts_on", "pk")[:UPCOMING_LIMIT]
    )
    manages = rs.manages_loans(request.user)
    context: dict[str, Any] = {
        "page_title": f"Loaners: {model}",
        "model": model,
        "grid": grid,
        "today": today,
        "upcoming": _with_permissions(request.user, upcoming),
        "manages": manages,
        "feed_url": feed_url(request.user, model),
        "names_in_feed": rs.sees_all_bookings(request.user),
    }
    if manages:
        context["hand_outs"] = _with_permissions(request.user, rs.due_hand_outs(model, today))
        context["returns"] = _with_permissions(request.user, rs.due_returns(model, today))
    return render(request, "assets/loaners_pool.html", context)


@login_not_required
@require_GET
def pool_ics(request: HttpRequest, model_id: int) -> HttpResponse:
    """For calendar apps, which fetch without a session: the signed token says who asks."""
    # The same 404 for an unknown pool and a bad token: the link reveals nothing without both.
    model = AssetModel.objects.filter(pk=model_id).first()
    user = rs.ics_user(request.GET.get("token", ""), model) if model else None
    if user is None:
        raise Http404("This calendar link is not valid: copy it again from the pool page.")
    body = rs.ics_feed(model, user, host=request.get_host().split(":")[0] or "itam")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="loaners-{model.pk}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def _action_page(
    request: HttpRequest,
    reservation: Reservation,
    *,
    form: forms.Form,
    action: str,
    status: int = 200,
) -> HttpResponse:
    titles = {"cancel": "Cancel booking", "hand-out": "Hand out", "return": "Take back"}
    context = {
        "page_title": f"{titles[action]} #{reservation.pk}",
        "heading": titles[action],
        "action": action,
        "booking": reservation,
        "span": rs.span_text(reservation.starts_on, reservation.ends_on),
        "form": form,
        "next": _safe_next(request),
    }
    return render(request, "assets/loaners_action.html", context, status=status)


def _run(request: HttpRequest, reservation: Reservation, form: forms.Form, action: str, perform):
    """Validate, perform, and answer: a message and back, or the form with what went wrong."""
    if not form.is_valid():
        return _action_page(request, reservation, form=form, action=action, status=400)
    try:
        done = perform(form.cleaned_data)
    except rs.ReservationRefused as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(_back(request, reservation))
    except ValidationError as exc:
        put_errors(form, exc)
        return _action_page(request, reservation, form=form, action=action, status=400)
    messages.success(request, done)
    return HttpResponseRedirect(_back(request, reservation))


@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    reservation = _visible_or_404(request, pk)
    if (
        not rs.can_cancel(request.user, reservation)
        and reservation.status == ReservationStatus.BOOKED
    ):
        raise PermissionDenied("You can cancel only your own bookings.")
    if request.method == "GET":
        return _action_page(request, reservation, form=CancelForm(), action="cancel")

    def perform(data: dict) -> str:
        rs.cancel(reservation, actor=request.user, reason=data["reason"])
        return f"Booking #{reservation.pk} cancelled: the days are free again."

    return _run(request, reservation, CancelForm(request.POST), "cancel", perform)


@require_http_methods(["GET", "POST"])
def hand_out(request: HttpRequest, pk: int) -> HttpResponse:
    if not rs.manages_loans(request.user):
        raise PermissionDenied("Only IT staff hand out loaners.")
    reservation = _visible_or_404(request, pk)
    form = HandOutForm(request.POST if request.method == "POST" else None, reservation=reservation)
    if request.method == "GET":
        return _action_page(request, reservation, form=form, action="hand-out")

    def perform(data: dict) -> str:
        rs.hand_out(reservation, actor=request.user, checklist_done=data.get("checklist"))
        return (
            f"{reservation.asset.tag} handed out to {reservation.person}; "
            f"back by {reservation.ends_on:%-d %b %Y}."
        )

    return _run(request, reservation, form, "hand-out", perform)


@require_http_methods(["GET", "POST"])
def give_back(request: HttpRequest, pk: int) -> HttpResponse:
    if not rs.manages_loans(request.user):
        raise PermissionDenied("Only IT staff take loaners back.")
    reservation = _visible_or_404(request, pk)
    form = GiveBackForm(request.POST if request.method == "POST" else None)
    if request.method == "GET":
        return _action_page(request, reservation, form=form, action="return")

    def perform(data: dict) -> str:
        rs.give_back(
            reservation,
            actor=request.user,
            location=data.get("location"),
            condition=data.get("condition", ""),
        )
        return f"{reservation.asset.tag} is back in stock; booking #{reservation.pk} is closed."

    return _run(request, reservation, form, "return", perform)
