"""The asset register: filtered, sorted, paginated, scoped to what the person may see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.generic import ListView

from itam.paging import DeferredJoinPaginator
from itam.widgets import quicken_selects

from ..filters import AssetFilterSet, in_total_order
from ..forms import PathSortedChoices, locations
from ..history import register_as_of, settled_for
from ..lifecycle.bulk import actions_for
from ..models import Asset
from ..visibility import sees_all_assets, visible_assets

# Everything a row shows, loaded in the page's one query (no per-row lookups).
ROW_RELATED = (
    "category",
    "model__manufacturer",
    "location",
    "assigned_user",
    "assigned_location",
    "assigned_department",
)
MAX_PAGE_SIZE = 200

# (ordering key in AssetFilterSet or None when the column cannot be sorted, header label)
COLUMNS: tuple[tuple[str | None, str], ...] = (
    ("tag", "Tag"),
    ("name", "Name"),
    ("status", "Status"),
    ("category", "Category"),
    (None, "Model"),
    ("location", "Location"),
    ("holder", "Held by"),
    ("next_audit_date", "Next audit"),
)
DEFAULT_ORDERING = "tag"


@dataclass
class Column:
    label: str
    key: str | None
    aria_sort: str = ""  # "ascending" / "descending" on the sorted column, else empty
    next_ordering: str = ""


def page_size_from(value: str | None) -> int:
    """``?page_size=`` when it is a sensible number, capped; the site default otherwise."""
    default = getattr(settings, "ITAM_PAGE_SIZE", 50)
    try:
        size = int(value) if value else default
    except ValueError:
        return default
    return max(1, min(size, MAX_PAGE_SIZE))


def columns_for(ordering: str) -> list[Column]:
    """Header state: which column is sorted which way, and where a click on each one leads."""
    ordering = ordering or DEFAULT_ORDERING
    columns = []
    for key, label in COLUMNS:
        column = Column(label=label, key=key)
        if key is not None:
            if ordering == key:
                column.aria_sort, column.next_ordering = "ascending", f"-{key}"
            elif ordering == f"-{key}":
                column.aria_sort, column.next_ordering = "descending", key
            else:
                column.next_ordering = key
        columns.append(column)
    return columns


# Set here, not taken from the filters: a filter without an explicit label gets None for the
# whole process once drf-spectacular has introspected AssetFilterSet for the API schema.
FILTER_LABELS = {
    "q": "Search",
    "status": "Status",
    "category": "Category",
    "location": "Location",
    "department": "Department",
    "holder": "Held by (username)",
    "model": "Model",
    "vendor": "Vendor",
    "ordering": "Sort by",
}


def tune_filter_form(form: forms.Form) -> None:
    """Clear labels, checkboxes for status, and location paths in one query."""
    for name, label in FILTER_LABELS.items():
        if name in form.fields:
            form.fields[name].label = label
    status = form.fields["status"]
    status.widget = forms.CheckboxSelectMultiple(choices=status.choices)
    location = form.fields["location"]
    location.iterator = PathSortedChoices
    location.label_from_instance = lambda obj: obj.full_name
    location.queryset = locations()
    location.empty_label = "Anywhere"
    form.fields["category"].empty_label = "Any category"
    form.fields["department"].empty_label = "Any department"
    location.help_text = "Includes everything inside it."
    form.fields["holder"].widget.attrs.update({"autocapitalize": "none", "spellcheck": "false"})
    form.fields["q"].widget.attrs.update({"placeholder": "Tag, name or serial number"})
    quicken_selects(form)


def error_list(form: forms.Form) -> list[str]:
    """Each error with the label of the filter it belongs to, for the message above the form."""
    messages = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = field.label if field is not None else None
        prefix = f"{label or name.replace('_', ' ').capitalize()}: " if name != "__all__" else ""
        messages.extend(f"{prefix}{error}" for error in errors)
    return messages


def as_of_from(value: str | None) -> tuple[datetime.date | None, str]:
    """``?as_of=YYYY-MM-DD`` as a day (the register at its end), or an error to show."""
    value = (value or "").strip()
    if not value:
        return None, ""
    try:
        day = parse_date(value)
    except ValueError:
        day = None
    if day is None:
        return None, f"“{value}” is not a date: use YYYY-MM-DD, e.g. 2025-06-30."
    if day > timezone.localdate():
        return None, f"{day:%-d %b %Y} is in the future: pick today or an earlier day."
    return day, ""


def end_of(day: datetime.date) -> datetime.datetime:
    """The last moment of ``day`` in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


class AssetListView(ListView):
    """The register for IT staff and auditors; 'My assets' (the same page, scoped) for others.

    ``?as_of=YYYY-MM-DD`` shows it as it stood at the end of that day, rebuilt from history
    (read-only: no bulk actions). IT staff tick rows and send them to a bulk move.
    """

    template_name = "assets/asset_list.html"
    context_object_name = "assets"

    def get_queryset(self) -> QuerySet:
        self.as_of, self.as_of_error = as_of_from(self.request.GET.get("as_of"))
        source = register_as_of(end_of(self.as_of)) if self.as_of else Asset.objects.all()
        base = visible_assets(self.request.user, source.select_related(*ROW_RELATED))
        if self.as_of_error:
            base = base.none()
        self.filterset = AssetFilterSet(
            self.request.GET or None, queryset=base, request=self.request
        )
        tune_filter_form(self.filterset.form)
        if self.filterset.is_bound and not self.filterset.is_valid():
            # A filter we cannot read: say so, and list nothing rather than the wrong things.
            return base.none()
        return in_total_order(self.filterset.qs)

    def get_paginate_by(self, queryset: QuerySet) -> int:
        return page_size_from(self.request.GET.get("page_size"))

    def paginate_queryset(self, queryset: QuerySet, page_size: int) -> tuple:
        """Like ListView's, but a page number out of range shows the nearest page, not a 404."""
        settled = settled_for(end_of(self.as_of)) if self.as_of else 0
        paginator = DeferredJoinPaginator(queryset, page_size, settled_for=settled)
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        ordering = self.request.GET.get("ordering", "").split(",")[0].strip()
        filter_errors = (self.filterset.is_bound and not self.filterset.is_valid()) or bool(
            self.as_of_error
        )
        context.update(
            filter=self.filterset,
            filter_form=self.filterset.form,
            filter_errors=filter_errors,
            filter_error_list=(
                error_list(self.filterset.form) + ([self.as_of_error] if self.as_of_error else [])
                if filter_errors
                else []
            ),
            filters_active=any(
                self.request.GET.get(name) for name in self.filterset.form.fields if name
            ),
            columns=columns_for("" if filter_errors else ordering),
            sees_all=sees_all_assets(user),
            can_register=user.has_perm("assets.add_asset"),
            page_size=page_size_from(self.request.GET.get("page_size")),
            as_of=self.as_of,
            as_of_value=self.request.GET.get("as_of", ""),
            today=timezone.localdate(),
            # Ticking rows for a bulk move: today's register only, for roles that may move.
            bulk_actions=[] if self.as_of or self.as_of_error else actions_for(user),
            page_sizes=sorted(
                {25, 50, 100, 200, page_size_from(self.request.GET.get("page_size"))}
            ),
        )
        context["page_title"] = "Asset register" if context["sees_all"] else "My assets"
        if self.as_of:
            context["page_title"] += f" on {self.as_of:%-d %b %Y}"
        return context
