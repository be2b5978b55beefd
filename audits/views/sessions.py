"""Audit pages: the list, starting one, the phone scan page, the reconciliation and its exports.

Views are thin: permissions first (a role without audits gets 403 before any lookup, so it learns
nothing about which audits exist), then ``audits.services`` does the work and ``audits.reports``
shapes the reconciliation for people. ``/t/<tag>`` inside an open audit lands in
``scan_by_link``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.views import View

from assets.forms import put_errors
from assets.models import Asset, Location
from itam.errors import Conflict

from .. import reports, services
from ..choices import ACTION_OUTCOME, AuditStatus, ScanResult
from ..forms import AuditStartForm, ScanForm
from ..models import AuditLine, AuditScan, AuditSession
from ..services import AuditClosed, AuditOpen, Places

RECENT_SCANS = 10
ACTIVE_AUDIT = "active_audit"
# Fetch Metadata values of a request a person made themselves: typed, opened from another app
# (a phone's camera), or followed from one of our own pages. Anything else may be cross-site.
# Opening the scan page makes its audit the person's active one: scanning a label with the phone's
# own camera app (which opens /t/<tag>) then records a scan. It lapses after half an hour without
# a scan, so a link opened days later opens the asset instead.
ACTIVE_FOR_SECONDS = 30 * 60


def set_active_audit(request: HttpRequest, audit: AuditSession) -> None:
    request.session[ACTIVE_AUDIT] = {"id": audit.pk, "until": time.time() + ACTIVE_FOR_SECONDS}


def touch_active_audit(request: HttpRequest, audit: AuditSession) -> None:
    """A scan keeps the audit active; the session is rewritten at most every five minutes."""
    value = request.session.get(ACTIVE_AUDIT)
    fresh = time.time() + ACTIVE_FOR_SECONDS - 300
    if not (isinstance(value, dict) and value.get("id") == audit.pk and value["until"] > fresh):
        set_active_audit(request, audit)


def active_audit_id(request: HttpRequest) -> int | None:
    value = request.session.get(ACTIVE_AUDIT)
    if isinstance(value, dict) and value.get("until", 0) > time.time():
        return value.get("id")
    request.session.pop(ACTIVE_AUDIT, None)
    return None


def clear_active_audit(request: HttpRequest, audit: AuditSession) -> None:
    if active_audit_id(request) == audit.pk:
        del request.session[ACTIVE_AUDIT]


def opened_by_the_person(request: HttpRequest) -> bool:
    """A top-level page the person opened themselves: typed, or from another app (the camera).

    Fetch Metadata says so: no initiating site, a navigation, a document, not a preload. A click
    on a link (even one of ours, after a redirect through the login page) says "same-origin" or
    "cross-site", and an image or a HEAD request is not a document: those are asked to confirm.
    """
    headers = request.headers
    purpose = f"{headers.get('Sec-Purpose', '')} {headers.get('Purpose', '')}".lower()
    return (
        request.method == "GET"
        and headers.get("Sec-Fetch-Site", "").lower() == "none"
        and headers.get("Sec-Fetch-Mode", "").lower() == "navigate"
        and headers.get("Sec-Fetch-Dest", "").lower() == "document"
        and "prefetch" not in purpose
        and "prerender" not in purpose
    )


def not_from_another_site(request: HttpRequest) -> bool:
    """Not started by another site (old browsers send no Fetch Metadata, and are let through)."""
    return request.headers.get("Sec-Fetch-Site", "none").lower() in ("none", "same-origin")


def audits_for(request: HttpRequest) -> QuerySet:
    return services.visible_audits(request.user).select_related(
        "location", "category", "auditor", "created_by", "closed_by"
    )


def _audit_or_404(request: HttpRequest, pk: int) -> AuditSession:
    return get_object_or_404(audits_for(request), pk=pk)


def count_of(queryset: QuerySet) -> Coalesce:
    """A correlated COUNT(*) of ``queryset`` (already filtered on ``session=OuterRef("pk")``)."""
    counted = queryset.order_by().values("session").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


class AuditView(View):
    """A page that checks its permission before anything else, whatever the method (a POST to
    a read-only page is a 403 for a role without audits, not a 405 that confirms the URL)."""

    permission = services.VIEW
    doing = "see audits"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        services.require(request.user, self.permission, self.doing)
        return super().dispatch(request, *args, **kwargs)


# --- the list -------------------------------------------------------------------------------


@dataclass
class AuditRow:
    audit: AuditSession
    scope: str
    seen: int
    expected: int
    scans: int

    @property
    def percent(self) -> int:
        return round(100 * self.seen / self.expected) if self.expected else 0


class AuditListView(AuditView):
    """``/audits/``: open audits first with their progress, then closed ones (paginated)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        scans = count_of(AuditScan.objects.filter(session=OuterRef("pk")))
        base = audits_for(request).annotate(scan_count=scans)
        open_audits = list(
            base.filter(status=AuditStatus.OPEN).order_by(
                F("due_date").asc(nulls_last=True), "created_at", "pk"
            )
        )
        missing = count_of(AuditLine.objects.filter(session=OuterRef("pk"), outcome="missing"))
        closed = (
            base.filter(status=AuditStatus.CLOSED)
            .annotate(missing_count=missing)
            .order_by("-closed_at", "-pk")
        )
        page = Paginator(closed, settings.ITAM_PAGE_SIZE).get_page(request.GET.get("page"))
        places = Places()
        progress = services.progress_for(open_audits, places)
        open_rows = [
            AuditRow(
                audit,
                places.full_name(audit.location_id),
                seen=progress[audit.pk]["seen_expected"],
                expected=progress[audit.pk]["expected"],
                scans=audit.scan_count,
            )
            for audit in open_audits
        ]
        closed_rows = [
            AuditRow(
                audit,
                places.full_name(audit.location_id),
                seen=max(0, (audit.expected_count or 0) - audit.missing_count),
                expected=audit.expected_count or 0,
                scans=audit.scan_count,
            )
            for audit in page.object_list
        ]
        context = {
            "open_rows": open_rows,
            "closed_rows": closed_rows,
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
            "can_start": request.user.has_perm(services.START),
            "can_print": request.user.has_perm(services.PRINT_TAGS),
            "page_title": "Audits",
        }
        return render(request, "audits/list.html", context)


class OverdueView(AuditView):
    """``/audits/overdue/``: where assets are overdue for an audit, most overdue first."""

    def get(self, request: HttpRequest) -> HttpResponse:
        register = reverse("assets:list")
        rows = []
        for row in services.overdue_by_location():
            query = {"audit": "overdue"}
            if row.location_id is not None:
                query["location"] = row.location_id
            rows.append({"row": row, "register_url": f"{register}?{urlencode(query)}"})
        context = {
            "rows": rows,
            "overdue_total": sum(r["row"].overdue for r in rows),
            "can_start": request.user.has_perm(services.START),
            "page_title": "Audits overdue by location",
        }
        return render(request, "audits/overdue.html", context)


# --- starting -------------------------------------------------------------------------------


class AuditCreateView(AuditView):
    """``/audits/new/``: choose a place (and a category), an auditor and a due date."""

    permission = services.START
    doing = "start audits"

    def show(
        self, form: AuditStartForm, *, conflict: Conflict | None = None, status: int = 200
    ) -> HttpResponse:
        open_audit = None
        if conflict is not None:
            open_audit = audits_for(self.request).filter(pk=conflict.details.get("audit")).first()
        context = {
            "form": form,
            "conflict": conflict,
            "open_audit": open_audit,
            "page_title": "Start an audit",
        }
        return render(self.request, "audits/create.html", context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        initial: dict[str, Any] = {}
        location = request.GET.get("location", "")
        if location.isascii() and location.isdigit() and len(location) <= 9:
            initial["location"] = int(location)
        if request.user.has_perm(services.SCAN):
            initial["auditor"] = request.user.pk
        return self.show(AuditStartForm(initial=initial))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = AuditStartForm(request.POST)
        if not form.is_valid():
            return self.show(form, status=400)
        try:
            audit = services.start_audit(actor=request.user, **form.start_kwargs())
        except ValidationError as exc:
            put_errors(form, exc)
            return self.show(form, status=400)
        except Conflict as exc:
            return self.show(form, conflict=exc, status=409)
        messages.success(
            request,
            f"{audit.reference} started for {audit.location.full_name}. "
            "Open the scan page on the phone that walks the site.",
        )
        return HttpResponseRedirect(audit.get_absolute_url())


# --- the reconciliation ---------------------------------------------------------------------


class AuditDetailView(AuditView):
    """``/audits/<pk>/``: scope, progress, the reconciliation (live or frozen), its actions."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        audit = _audit_or_404(request, pk)
        report = reports.build(audit)
        user = request.user
        context = {
            "audit": audit,
            "report": report,
            "groups": [group for group in report.groups if group.count],
            "scans": sum(1 for row in report.rows if row.scanned_at is not None),
            "can_scan": audit.is_open and user.has_perm(services.SCAN),
            "can_close": audit.is_open and user.has_perm(services.CLOSE),
            "can_apply": not audit.is_open and user.has_perm(services.APPLY),
            "page_title": f"{audit.reference} {report.scope}",
        }
        return render(request, "audits/detail.html", context)


def close_view(request: HttpRequest, pk: int) -> HttpResponse:
    """``/audits/<pk>/close/``: GET asks to confirm (saying what closing does); POST closes."""
    services.require(request.user, services.CLOSE, "close audits")
    audit = _audit_or_404(request, pk)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if not audit.is_open:
        messages.info(request, f"{audit.reference} is already closed: here are its results.")
        return HttpResponseRedirect(audit.get_absolute_url())
    if request.method == "GET":
        report = reports.build(audit)
        context = {"audit": audit, "report": report, "page_title": f"Close {audit.reference}"}
        return render(request, "audits/close_confirm.html", context)
    try:
        reconciliation = services.close_audit(audit, actor=request.user)
    except AuditClosed:
        messages.info(request, f"{audit.reference} was closed meanwhile: here are its results.")
        return HttpResponseRedirect(audit.get_absolute_url())
    clear_active_audit(request, audit)
    counts = reconciliation.as_dict()
    messages.success(
        request,
        f"{audit.reference} closed: {len(counts['found'])} found as expected, "
        f"{len(counts['misplaced'])} at another location, {len(counts['missing'])} not found, "
        f"{len(counts['unknown'])} unknown. Seen assets are next due for audit one category "
        "interval from today.",
    )
    return HttpResponseRedirect(audit.get_absolute_url())


MESSAGE_TAGS = 20  # tags named in one message after applying; the report has every one
APPLY_BATCH = 500  # assets changed per press of an apply button (a few seconds' work)


def apply_view(request: HttpRequest, pk: int) -> HttpResponse:
    """``POST /audits/<pk>/apply/`` with ``action`` and the ticked ``tags``: one outcome applied."""
    services.require(request.user, services.APPLY, "apply audit outcomes")
    audit = _audit_or_404(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    every = request.POST.get("all") == "1"  # a group too long to tick line by line
    tags = None if every else request.POST.getlist("tags")
    outcome = ACTION_OUTCOME.get(request.POST.get("action", ""), "")
    back = f"{audit.get_absolute_url()}#outcome-{outcome}" if outcome else audit.get_absolute_url()
    if not every and not tags:
        messages.warning(request, "Nothing was ticked, so nothing was changed.")
        return HttpResponseRedirect(back)
    try:
        result = services.apply_outcome(
            audit,
            actor=request.user,
            action=request.POST.get("action", ""),
            tags=tags,
            limit=APPLY_BATCH,
        )
    except AuditOpen as exc:
        return _problem(request, audit, exc.message, status=409)
    except ValidationError as exc:
        return _problem(request, audit, " ".join(exc.messages), status=400)
    if result.applied:
        done = reports.APPLIED_LABEL[result.action]
        listed = ", ".join(result.applied[:MESSAGE_TAGS])
        if len(result.applied) > MESSAGE_TAGS:
            listed += f" and {len(result.applied) - MESSAGE_TAGS} more"
        messages.success(
            request,
            f"{done}: {len(result.applied)} asset{'s' if len(result.applied) != 1 else ''} "
            f"({listed}), each with a history entry naming {audit.reference}.",
        )
    for tag, reason in result.refused[:MESSAGE_TAGS]:
        messages.error(request, f"{tag} was not changed: {reason}")
    if result.remaining:
        messages.warning(
            request,
            f"{result.remaining} more are still waiting: press the button again to go on.",
        )
    if len(result.refused) > MESSAGE_TAGS:
        messages.error(
            request,
            f"{len(result.refused) - MESSAGE_TAGS} more were not changed: the report lists why.",
        )
    return HttpResponseRedirect(back)


def _problem(
    request: HttpRequest, audit: AuditSession, message: str, *, status: int
) -> HttpResponse:
    context = {"audit": audit, "message": message, "page_title": audit.reference}
    return render(request, "audits/problem.html", context, status=status)


def report_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """``/audits/<pk>/report.csv``: one row per line of the reconciliation (or its preview)."""
    services.require(request.user, services.VIEW, "see audits")
    return reports.csv_response(reports.build(_audit_or_404(request, pk)))


def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """``/audits/<pk>/report.pdf``: the same, as a printable A4 report."""
    services.require(request.user, services.VIEW, "see audits")
    return reports.pdf_response(reports.build(_audit_or_404(request, pk)))


# --- scanning -------------------------------------------------------------------------------


@dataclass
class Answer:
    """What the auditor sees at once after a scan, big and coloured."""

    scan: AuditScan
    created: bool
    message: str
    found_at: str = ""

    @property
    def heading(self) -> str:
        return "Already scanned" if not self.created else self.scan.get_result_display()

    @property
    def colour(self) -> str:
        return ScanResult.colour(self.scan.result)

    @property
    def asset(self) -> Asset | None:
        return self.scan.asset

    @property
    def says_more(self) -> bool:
        """The sentence adds to the heading (a plain "expected here" repeats it)."""
        return not (self.created and self.scan.result == ScanResult.EXPECTED)

    def as_dict(self) -> dict[str, Any]:
        asset = self.asset
        return {
            "result": self.scan.result,
            "label": self.scan.get_result_display(),
            "heading": self.heading,
            "colour": self.colour,
            "created": self.created,
            "message": self.message,
            "code": self.scan.code,
            "tag": asset.tag if asset else None,
            "name": asset.name if asset else None,
            "found_at": self.found_at,
        }


def _answer(answer: services.ScanAnswer, places: Places) -> Answer:
    return Answer(
        answer.scan,
        answer.created,
        answer.message,
        found_at=places.full_name(answer.scan.found_at_id),
    )


def scope_places(audit: AuditSession, places: Places) -> list[tuple[int, str]]:
    """The scope's locations for "Where am I", named from the scope down, in reading order."""
    depth = len(places.ancestors(audit.location_id)) - 1

    def label(pk: int) -> str:
        chain = list(reversed(places.ancestors(pk)))[depth:]
        return " › ".join(places.name[p] for p in chain)

    choices = [(pk, label(pk)) for pk in places.subtree(audit.location_id)]
    return sorted(choices, key=lambda choice: (choice[0] != audit.location_id, choice[1].lower()))


def _progress(audit: AuditSession, places: Places | None = None) -> dict[str, Any]:
    """The scan screens' progress: the expected count may be up to a minute old (speed)."""
    progress = services.progress(audit, places, cached_expected=True)
    expected = progress["expected"]
    progress["percent"] = round(100 * progress["seen_expected"] / expected) if expected else 0
    return progress


def _recent(audit: AuditSession, places: Places) -> list[dict[str, Any]]:
    scans = audit.scans.select_related("asset", "scanned_by").order_by("-scanned_at", "-pk")
    return [
        {"scan": scan, "found_at": places.full_name(scan.found_at_id)}
        for scan in scans[:RECENT_SCANS]
    ]


def _place_key(audit: AuditSession) -> str:
    return f"audit-{audit.pk}-place"


def _answer_key(audit: AuditSession) -> str:
    return f"audit-{audit.pk}-answer"


class ScanView(AuditView):
    """``/audits/<pk>/scan/``: the phone page. A scan is a POST; with JavaScript the answer comes
    back as JSON (with its HTML) and is swapped in; without, the POST redirects back (PRG)."""

    permission = services.SCAN
    doing = "record audit scans"

    def dispatch(self, request: HttpRequest, pk: int) -> HttpResponse:
        services.require(request.user, self.permission, self.doing)
        self.audit = _audit_or_404(request, pk)
        self.places = Places()
        self.choices = scope_places(self.audit, self.places)
        return super().dispatch(request, pk=pk)

    def context(self, form: ScanForm, **extra: Any) -> dict[str, Any]:
        audit = self.audit
        return {
            "audit": audit,
            "scope": self.places.full_name(audit.location_id),
            "form": form,
            "progress": _progress(audit, self.places),
            "recent": _recent(audit, self.places),
            "remembered": _place_key(audit) in self.request.session,
            "page_title": f"Scan · {audit.reference}",
            **extra,
        }

    def form(self, data: Any = None) -> ScanForm:
        place = self.request.session.get(_place_key(self.audit), self.audit.location_id)
        if place not in {pk for pk, _ in self.choices}:
            place = self.audit.location_id
        return ScanForm(data, places=self.choices, initial={"location": place})

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        audit = self.audit
        answer = None
        if audit.is_open and not_from_another_site(request):
            set_active_audit(request, audit)
            last = request.session.pop(_answer_key(audit), None)
            if last:
                scan = audit.scans.select_related("asset", "scanned_by").filter(pk=last[0]).first()
                if scan is not None:
                    answer = _answer(services.ScanAnswer(scan, created=last[1]), self.places)
        return render(request, "audits/scan.html", self.context(self.form(), answer=answer))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        audit = self.audit
        form = self.form(request.POST)
        if not audit.is_open:
            # The service's own words for it (the same message as a scan refused mid-close).
            return self.refused(services.closed_error(audit), form)
        if not form.is_valid():
            return self.invalid(form)
        data = form.cleaned_data
        try:
            answer = services.record_scan(
                audit,
                actor=request.user,
                code=data["tag"],
                found_at=Location.objects.get(pk=data["location"]),
                places=self.places,
                condition=data["condition"],
            )
        except ValidationError as exc:
            put_errors(form, exc)
            return self.invalid(form)
        except AuditClosed as exc:
            return self.refused(exc, form)
        if request.session.get(_place_key(audit)) != data["location"]:
            request.session[_place_key(audit)] = data["location"]  # saved only when it changes
        touch_active_audit(request, audit)
        shown = _answer(answer, self.places)
        if not _wants_json(request):
            request.session[_answer_key(audit)] = [answer.scan.pk, answer.created]
            return HttpResponseRedirect(reverse("audits:scan", args=[audit.pk]))
        # The fragments need no request (no forms, no menu), so no context processors run.
        context = {
            "answer": shown,
            "progress": _progress(audit, self.places),
            "recent": _recent(audit, self.places),
            "user": request.user,
        }
        return JsonResponse(
            {
                **shown.as_dict(),
                "progress": {
                    key: context["progress"][key]
                    for key in ("expected", "seen_expected", "scanned", "percent")
                },
                "html": {
                    name: render_to_string(f"audits/_scan_{name}.html", context)
                    for name in ("answer", "progress", "recent")
                },
            }
        )

    def invalid(self, form: ScanForm) -> HttpResponse:
        if _wants_json(self.request):
            errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
            message = " ".join(message for errs in errors.values() for message in errs)
            return JsonResponse({"errors": errors, "message": message}, status=400)
        return render(self.request, "audits/scan.html", self.context(form), status=400)

    def refused(self, error: AuditClosed, form: ScanForm) -> HttpResponse:
        results = self.audit.get_absolute_url()
        if _wants_json(self.request):
            return JsonResponse({"message": error.message, "results_url": results}, status=409)
        context = self.context(form, closed_message=error.message)
        return render(self.request, "audits/scan.html", context, status=409)


def leave_scan_view(request: HttpRequest, pk: int) -> HttpResponse:
    """``POST /audits/<pk>/scan/leave/``: ``/t/<tag>`` opens assets again instead of scanning."""
    services.require(request.user, services.VIEW, "see audits")
    audit = _audit_or_404(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    clear_active_audit(request, audit)
    request.session.pop(_place_key(audit), None)
    request.session.pop(_answer_key(audit), None)
    messages.info(
        request,
        f"You left the scan page of {audit.reference}: scanning a label opens the asset again.",
    )
    return HttpResponseRedirect(audit.get_absolute_url())


# --- /t/<tag> inside an audit ---------------------------------------------------------------


def scan_by_link(request: HttpRequest, tag: str) -> HttpResponse | None:
    """The QR code's URL, opened while this person has an open audit's scan page active.

    A GET that records is only honoured when the person opened it themselves
    (``opened_by_the_person``: typed, or from the camera app); otherwise, and in browsers that
    send no Fetch Metadata, the page asks them to confirm with a POST (CSRF-checked). ``None``
    means "not in an audit": the caller opens the asset as usual.
    """
    active = active_audit_id(request)
    user = request.user
    if not active or not user.has_perm(services.SCAN):
        return None
    audit = audits_for(request).filter(pk=active, status=AuditStatus.OPEN).first()
    if audit is None:
        request.session.pop(ACTIVE_AUDIT, None)
        return None
    places = Places()
    context: dict[str, Any] = {
        "audit": audit,
        "scope": places.full_name(audit.location_id),
        "code": tag,
        "page_title": f"Scan {tag} · {audit.reference}",
    }
    if request.method != "POST" and not opened_by_the_person(request):
        context["confirm"] = True
        context["progress"] = _progress(audit, places)
        return render(request, "audits/scan_link.html", context)
    place = request.session.get(_place_key(audit))
    found_at = Location.objects.filter(pk=place).first() if place else None
    try:
        answer = services.record_scan(audit, actor=user, code=tag, found_at=found_at, places=places)
    except ValidationError as exc:
        context["error"] = " ".join(exc.messages)
        return render(request, "audits/scan_link.html", context, status=400)
    except AuditClosed as exc:
        context["closed_message"] = exc.message
        return render(request, "audits/scan_link.html", context, status=409)
    touch_active_audit(request, audit)  # still walking: another half hour
    context["answer"] = _answer(answer, places)
    context["progress"] = _progress(audit, places)
    return render(request, "audits/scan_link.html", context)


__all__ = [
    "AuditCreateView",
    "AuditDetailView",
    "AuditListView",
    "OverdueView",
    "ScanView",
    "apply_view",
    "close_view",
    "leave_scan_view",
    "report_csv",
    "report_pdf",
    "scan_by_link",
]
