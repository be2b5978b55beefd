"""Web import (issue 8), at ``/imports/``: choose what, upload, map columns, check, import.

Generic over ``assets.importer.kinds.KINDS``: a person sees the kinds they may import and gets
403 on the others. Every step is a call into ``assets.importer.jobs``; a job belongs to the
person who uploaded it, and anyone else gets 404 on it, whatever their role.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..csv_export import dated, stream_csv
from ..importer import jobs
from ..importer.columns import IGNORE
from ..importer.kinds import ImportKind, get_kind
from ..importer.parsing import MAX_BYTES, FileRefused
from ..models import ImportJob, ImportJobState

SHOWN_ERRORS = 500  # bad rows listed on the page; the CSV download has every one


# --- forms -----------------------------------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            f"Up to {MAX_BYTES // (1024 * 1024)} MB. UTF-8 (with or without BOM) or Windows "
            "encoding; columns separated by commas or semicolons; the first row holds the titles."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    create = forms.BooleanField(required=False)

    def __init__(self, *args: Any, kind: ImportKind, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["create"].label = f"Create missing {kind.create_help}"
        self.fields[
            "create"
        ].help_text = "Without it, a row naming one that does not exist is reported as bad."

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / (1024 * 1024):.1f} MB; the limit is "
                f"{MAX_BYTES // (1024 * 1024)} MB. Split it into smaller files and import each."
            )
        return upload


class MappingForm(forms.Form):
    """One select per column of the file, and "create missing ..."; each field takes one column."""

    create = forms.BooleanField(required=False)

    def __init__(self, *args: Any, kind: ImportKind, rows: list[jobs.MappingRow], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.kind, self.rows = kind, rows
        self.fields["create"].label = f"Create missing {kind.create_help}"
        choices = [(IGNORE, "Ignore this column"), *kind.labels.items()]
        for row in rows:
            if row.mappable:
                self.fields[row.name] = forms.ChoiceField(
                    label=f"Field for column “{row.title}”",
                    choices=choices,
                    required=False,
                    initial=row.field,
                )
        self.mapping: dict[str, str] = {}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        choices = {row.index: data.get(row.name) or IGNORE for row in self.rows if row.mappable}
        self.mapping, clashes = jobs.mapping_from_choices(self.kind, self.rows, choices)
        for clash in clashes:
            self.add_error(None, clash.message)
            for index in clash.indexes:
                self.add_error(f"col_{index}", "Another column is mapped to this field too.")
        return data

    def selected(self) -> dict[str, str]:
        """Column title -> the field selected now (posted, or pre-selected)."""
        out = {}
        for row in self.rows:
            if row.mappable:
                value = self.data.get(row.name, IGNORE) if self.is_bound else row.field
                out[row.title] = value if value in self.kind.labels else IGNORE
        return out


# --- helpers ---------------------------------------------------------------------------------


def _kind(request: HttpRequest, slug: str) -> ImportKind:
    """The kind, or 403 for a person who may not import it (404 for a kind that does not exist)."""
    if not jobs.allowed_kinds(request.user):
        raise PermissionDenied("Importing is for IT staff.")
    kind = get_kind(slug)
    if kind is None:
        raise Http404("There is no such kind of import.")
    if not kind.allowed(request.user):
        raise PermissionDenied(f"Your role does not allow importing {kind.label.lower()}.")
    return kind


def _job(request: HttpRequest, kind: ImportKind, job_id: int) -> ImportJob:
    """The person's own job; anyone else's is 404, as if it did not exist."""
    return get_object_or_404(
        ImportJob.objects.defer("data"), pk=job_id, kind=kind.slug, uploaded_by=request.user
    )


def _redirect_to(job: ImportJob) -> HttpResponseRedirect:
    return HttpResponseRedirect(job_url(job))


def job_url(job: ImportJob) -> str:
    return reverse("imports:job", args=[job.kind, job.pk])


def _render_job(
    request: HttpRequest,
    kind: ImportKind,
    job: ImportJob,
    form: MappingForm | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    rows = jobs.mapping_rows(job, kind, request.user)
    if form is None:
        form = MappingForm(kind=kind, rows=rows, initial={"create": job.create})
    report = job.report or {}
    errors = report.get("errors") or []
    # A report is shown unless the mapping just posted failed: it would describe another mapping.
    show_report = bool(job.report) and not form.is_bound
    context = {
        "kind": kind,
        "job": job,
        "form": form,
        "mapping_rows": [(row, form[row.name] if row.mappable else None) for row in rows],
        "missing_required": jobs.missing_required(kind, form.selected()),
        "report": report if show_report else None,
        "errors": errors[:SHOWN_ERRORS],
        "errors_hidden": max(0, len(errors) - SHOWN_ERRORS),
        "bad": len(errors),
        "good": jobs.good_rows(job),
        "result_link": jobs.result_link(kind),
        "keep_days": jobs.KEEP_DAYS,
        "states": ImportJobState,
        "page_title": f"Import {kind.label.lower()}: {job.filename or 'your file'}",
    }
    return render(request, "assets/imports_job.html", context, status=status)


# --- pages -----------------------------------------------------------------------------------


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """What may be imported, with a sample file for each."""
    kinds = jobs.allowed_kinds(request.user)
    if not kinds:
        raise PermissionDenied("Importing is for IT staff.")
    recent = (
        ImportJob.objects.defer("data")
        .filter(uploaded_by=request.user, kind__in=[k.slug for k in kinds])
        .order_by("-created_at")[:10]
    )
    context = {
        "kinds": [(kind, jobs.sample_header(kind)) for kind in kinds],
        "recent": [(job, get_kind(job.kind)) for job in recent],
        "keep_days": jobs.KEEP_DAYS,
        "page_title": "Import from CSV",
    }
    return render(request, "assets/imports_index.html", context)


@require_GET
def sample(request: HttpRequest, kind: str) -> HttpResponse:
    """A CSV with just the header row: the column titles the importer reads without mapping."""
    found = _kind(request, kind)
    columns = [(title, lambda item: "") for title in jobs.sample_header(found)]
    return stream_csv(f"{found.slug}-sample.csv", columns, [])


@require_http_methods(["GET", "HEAD", "POST"])
def upload(request: HttpRequest, kind: str) -> HttpResponse:
    """Send a file; it is stored for the mapping step (nothing is imported yet)."""
    found = _kind(request, kind)
    posted = request.method == "POST"
    form = UploadForm(
        request.POST if posted else None, request.FILES if posted else None, kind=found
    )
    status = 200
    if posted:
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = jobs.start_job(
                    request.user,
                    found,
                    filename=upload.name,
                    data=upload.read(),
                    create=form.cleaned_data["create"],
                )
            except FileRefused as problem:
                form.add_error("file", str(problem))
            else:
                return _redirect_to(job)
        status = 400
    context = {
        "kind": found,
        "form": form,
        "keep_days": jobs.KEEP_DAYS,
        "page_title": f"Import {found.label.lower()}",
    }
    return render(request, "assets/imports_upload.html", context, status=status)


@require_GET
def job(request: HttpRequest, kind: str, job_id: int) -> HttpResponse:
    """The job in its current step: mapping, the check's report, or the import's result."""
    found = _kind(request, kind)
    return _render_job(request, found, _job(request, found, job_id))


@require_POST
def check(request: HttpRequest, kind: str, job_id: int) -> HttpResponse:
    """ "Check file": a dry run with the chosen mapping, which is remembered for next time."""
    found = _kind(request, kind)
    current = _job(request, found, job_id)
    if current.state == ImportJobState.APPLIED:
        messages.info(request, "This file was imported already: its result is below.")
        return _redirect_to(current)
    rows = jobs.mapping_rows(current, found, request.user)
    form = MappingForm(request.POST, kind=found, rows=rows)
    if not form.is_valid():
        return _render_job(request, found, current, form, status=400)
    try:
        jobs.check_job(
            current,
            found,
            actor=request.user,
            mapping=form.mapping,
            create=form.cleaned_data["create"],
        )
    except FileRefused as problem:
        form.add_error(None, f"{problem} Map at least the columns that identify each row.")
        return _render_job(request, found, current, form, status=400)
    except jobs.JobRefused as problem:
        messages.info(request, str(problem))
    return _redirect_to(current)


@require_POST
def apply(request: HttpRequest, kind: str, job_id: int) -> HttpResponse:
    """ "Import": once; a second post (double click, another tab) shows the result."""
    found = _kind(request, kind)
    current = _job(request, found, job_id)
    try:
        done, now = jobs.apply_job(
            current.pk, found, actor=request.user, skip_bad=request.POST.get("skip_bad") == "1"
        )
    except jobs.JobRefused as problem:
        messages.error(request, str(problem))
        return _redirect_to(current)
    except FileRefused as problem:
        messages.error(request, f"Nothing was imported: {problem}")
        return _redirect_to(current)
    if done.state == ImportJobState.APPLIED and not now:
        messages.info(request, "This file was imported already; it was not imported again.")
    return _redirect_to(done)


@require_GET
def errors_csv(request: HttpRequest, kind: str, job_id: int) -> HttpResponse:
    """Every bad row of the last check or import, to fix the file in a spreadsheet."""
    found = _kind(request, kind)
    current = _job(request, found, job_id)
    errors = (current.report or {}).get("errors") or []
    columns = [
        ("Row", lambda e: e.get("row")),
        ("Column", lambda e: e.get("column")),
        ("Problem", lambda e: e.get("message")),
    ]
    return stream_csv(dated(f"{found.slug}-import-problems"), columns, errors)
