"""Forms and list filters for the maintenance and licence pages.

Forms only collect and check input; the rules (who may, what is allowed) live in
``maintenance.services`` and ``maintenance.licenses``, whose ``ValidationError`` dicts are put
back on these fields by ``assets.forms.put_errors``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from assets.forms import DateInput, UsernameField, warranty_hint
from assets.models import Asset, Category, Vendor

from .choices import MaintenanceKind
from .models import MaintenancePlan, MaintenanceRecord, SoftwareLicense
from .services import under_warranty

User = get_user_model()

DATE_ERROR = {"invalid": "Enter a date as YYYY-MM-DD, e.g. 2026-01-31."}
MONEY_ERRORS = {
    "min_value": "The cost cannot be negative.",
    "invalid": "Enter an amount, e.g. 120.00.",
    "max_digits": "That amount is too large.",
    "max_decimal_places": "Enter an amount with at most 2 decimals, e.g. 120.50.",
}


def money_field(**kwargs: Any) -> forms.DecimalField:
    field = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        error_messages=MONEY_ERRORS,
        **kwargs,
    )
    field.widget.attrs.update({"min": "0", "step": "0.01", "inputmode": "decimal"})
    return field


class AssetTagField(forms.CharField):
    """An asset picked by its tag (as printed on its label), within the assets given."""

    def __init__(self, *, queryset: QuerySet | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"autocapitalize": "characters", "spellcheck": "false", "autocomplete": "off"}
            ),
        )
        super().__init__(**kwargs)
        self.queryset = queryset if queryset is not None else Asset.objects.all()

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if not value:
            return None
        asset = self.queryset.filter(tag__iexact=value.strip()).first()
        if asset is None:
            raise ValidationError(
                f"There is no asset with the tag “{value}”: check the label.", code="unknown_tag"
            )
        return asset


# --- maintenance records ------------------------------------------------------------------


class RecordFilterSet(django_filters.FilterSet):
    """The maintenance list's filters; open work first, newest first."""

    q = django_filters.CharFilter(method="search", label="Search")
    kind = django_filters.ChoiceFilter(
        choices=MaintenanceKind.choices, label="Kind", empty_label="Any kind"
    )
    state = django_filters.ChoiceFilter(
        choices=[("open", "Open (in maintenance now)"), ("closed", "Closed")],
        method="by_state",
        label="State",
        empty_label="Open and closed",
    )
    asset = django_filters.CharFilter(
        field_name="asset__tag", lookup_expr="iexact", label="Asset tag"
    )
    supplier = django_filters.CharFilter(lookup_expr="icontains", label="Done by")
    opened_after = django_filters.DateFilter(
        field_name="opened_at", lookup_expr="date__gte", label="Opened on or after"
    )
    opened_before = django_filters.DateFilter(
        field_name="opened_at", lookup_expr="date__lte", label="Opened on or before"
    )

    class Meta:
        model = MaintenanceRecord
        fields = ["q", "kind", "state", "asset", "supplier", "opened_after", "opened_before"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form = self.form
        form.fields["q"].widget.attrs.update({"placeholder": "Title, asset tag or name"})
        form.fields["asset"].widget.attrs.update(
            {"autocapitalize": "characters", "spellcheck": "false"}
        )
        for name in ("opened_after", "opened_before"):
            form.fields[name].widget = DateInput()
            form.fields[name].error_messages.update(DATE_ERROR)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(asset__tag__icontains=value)
            | Q(asset__name__icontains=value)
            | Q(supplier__icontains=value)
        )

    def by_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(closed_at__isnull=(value == "open"))


def open_first(queryset: QuerySet) -> QuerySet:
    """Open records first, then the rest, newest first within each."""
    return queryset.annotate(
        is_closed=Case(
            When(closed_at__isnull=True, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("is_closed", "-opened_at", "-pk")


class RecordEditForm(forms.Form):
    """Correct a record afterwards: the invoice arrives, the text was thin."""

    kind = forms.ChoiceField(choices=MaintenanceKind.choices, label="Kind of work")
    title = forms.CharField(max_length=200, error_messages={"required": "A record needs a title."})
    description = forms.CharField(
        required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 4})
    )
    supplier = forms.CharField(required=False, max_length=200, label="Done by")
    cost = money_field(help_text="What we paid; 0 when the warranty paid.")
    warranty_covered = forms.BooleanField(required=False, label="Covered by the warranty")
    resolution = forms.CharField(
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What was done",
    )
    reason = forms.CharField(
        required=False,
        max_length=500,
        label="Reason for the change",
        help_text="Kept in the record's history.",
    )

    FIELDS = ("kind", "title", "description", "supplier", "cost", "warranty_covered", "resolution")

    def changes(self) -> dict:
        """Only what changed, as keyword arguments for ``services.update_record``."""
        return {name: self.cleaned_data[name] for name in self.FIELDS if name in self.changed_data}


class LogWorkForm(forms.Form):
    """Work done in place: the asset stays in service (a service, an update, a quick fix)."""

    asset = AssetTagField(
        label="Asset tag",
        error_messages={"required": "Which asset? Type the tag on its label."},
    )
    kind = forms.ChoiceField(
        choices=MaintenanceKind.choices, initial=MaintenanceKind.SERVICING, label="Kind of work"
    )
    title = forms.CharField(
        max_length=200,
        help_text="A short name, e.g. “Annual service” or “BIOS update”.",
        error_messages={"required": "Give the work a title, e.g. “Annual service”."},
    )
    description = forms.CharField(
        required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 3})
    )
    supplier = forms.CharField(
        required=False, max_length=200, label="Done by", help_text="Repairer, vendor or in-house."
    )
    performed_on = forms.DateField(
        required=False,
        widget=DateInput(),
        label="Done on",
        help_text="Empty means today.",
        error_messages=DATE_ERROR,
    )
    cost = money_field(help_text="What we paid; empty or 0 when nothing was paid.")
    warranty_covered = forms.BooleanField(required=False, label="Covered by the warranty")
    downtime_hours = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=7,
        decimal_places=2,
        label="Downtime (hours)",
        help_text="How long it could not be used, if at all.",
        error_messages={
            "min_value": "Downtime cannot be negative.",
            "invalid": "Enter a number of hours, e.g. 1.5.",
        },
    )
    plan = forms.ModelChoiceField(
        queryset=MaintenancePlan.objects.none(),
        required=False,
        label="Preventive plan",
        empty_label="None: unplanned work",
        help_text="When this is a round of a preventive plan, it counts as done for the plan.",
        error_messages={"invalid_choice": "That plan does not cover this asset: pick one."},
    )
    resolution = forms.CharField(
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Outcome",
    )

    def __init__(self, *args: Any, asset: Asset | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.asset = asset
        self.fields["plan"].queryset = MaintenancePlan.objects.filter(active=True).select_related(
            "category", "asset"
        )
        if asset is not None:
            self.fields["plan"].queryset = self.fields["plan"].queryset.filter(
                Q(asset=asset) | Q(category_id=asset.category_id)
            )
            self.fields["warranty_covered"].initial = under_warranty(asset)
            self.fields["warranty_covered"].help_text = warranty_hint(asset)
        self.fields["performed_on"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_performed_on(self) -> datetime.date | None:
        day = self.cleaned_data.get("performed_on")
        if day and day > timezone.localdate():
            raise ValidationError("That date is in the future: log work once it is done.")
        return day

    def work_kwargs(self) -> dict:
        """Keyword arguments for ``services.log_work`` (the asset apart)."""
        data = self.cleaned_data
        hours = data.get("downtime_hours")
        return {
            "kind": data["kind"],
            "title": data["title"],
            "description": data.get("description", ""),
            "supplier": data.get("supplier", ""),
            "cost": data.get("cost"),
            "warranty_covered": bool(data.get("warranty_covered")),
            "plan": data.get("plan"),
            "performed_on": data.get("performed_on"),
            "downtime": datetime.timedelta(hours=float(hours)) if hours is not None else None,
            "resolution": data.get("resolution", ""),
        }


# --- preventive plans --------------------------------------------------------------------------


class PlanForm(forms.Form):
    """A preventive plan: every N months, for every asset of a category or for one asset."""

    title = forms.CharField(
        max_length=200, error_messages={"required": "Give the plan a title, e.g. “Annual service”."}
    )
    kind = forms.ChoiceField(
        choices=MaintenanceKind.choices, initial=MaintenanceKind.SERVICING, label="Kind of work"
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.none(),
        required=False,
        label="Every asset of a category",
        empty_label="No category: one asset",
    )
    asset = AssetTagField(required=False, label="or one asset (tag)")
    interval_months = forms.IntegerField(
        min_value=1,
        max_value=120,
        label="Every how many months",
        error_messages={
            "required": "Every how many months: a whole number from 1 to 120.",
            "invalid": "Every how many months: a whole number from 1 to 120.",
            "min_value": "Every how many months: a whole number from 1 to 120.",
            "max_value": "Every how many months: a whole number from 1 to 120.",
        },
    )
    first_due_on = forms.DateField(
        widget=DateInput(),
        label="First round due on",
        help_text="After each round, the next is due this many months later.",
        error_messages={"required": "When is the first round due?", **DATE_ERROR},
    )
    description = forms.CharField(
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What to do each time",
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.order_by("name")
        self.fields["asset"].queryset = Asset.objects.exclude(status="disposed")
        if editing:
            self.fields["active"] = forms.BooleanField(
                required=False,
                label="Active",
                help_text="Inactive plans are kept with their records but are no longer due.",
            )
            self.fields["reason"] = forms.CharField(
                required=False,
                max_length=500,
                label="Reason for the change",
                help_text="Kept in the plan's history.",
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.has_error("asset"):
            return cleaned
        if bool(cleaned.get("category")) == bool(cleaned.get("asset")):
            self.add_error(
                "category", "A plan covers either a category or one asset: choose one of them."
            )
        return cleaned

    def plan_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "title": data["title"],
            "kind": data["kind"],
            "category": data.get("category"),
            "asset": data.get("asset"),
            "interval_months": data["interval_months"],
            "first_due_on": data["first_due_on"],
            "description": data.get("description", ""),
        }
        if "active" in self.fields:
            kwargs["active"] = bool(data.get("active"))
        return kwargs


# --- licences ----------------------------------------------------------------------------------


class LicenseFilterSet(django_filters.FilterSet):
    """The licence list's filters: search, vendor, expiring within N days, expired."""

    q = django_filters.CharFilter(method="search", label="Search")
    vendor = django_filters.ModelChoiceFilter(
        queryset=Vendor.objects.order_by("name"), label="Vendor", empty_label="Any vendor"
    )
    expiring = django_filters.NumberFilter(
        method="by_expiring", label="Expiring within (days)", min_value=0, max_value=3650
    )
    expired = django_filters.BooleanFilter(
        method="by_expired", label="Expired only", widget=forms.CheckboxInput
    )
    ordering = django_filters.ChoiceFilter(
        choices=[
            ("product", "Product"),
            ("expires", "Expiry, soonest first"),
            ("used", "Most used first"),
        ],
        method="by_ordering",
        label="Sort by",
        empty_label=None,
    )

    class Meta:
        model = SoftwareLicense
        fields = ["q", "vendor", "expiring", "expired", "ordering"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.form.fields["q"].widget.attrs.update({"placeholder": "Product, version or vendor"})
        self.form.fields["expiring"].widget.attrs.update(
            {"min": "0", "max": "3650", "inputmode": "numeric", "placeholder": "e.g. 60"}
        )
        self.form.fields["expiring"].error_messages.update(
            {
                "invalid": "Enter a number of days, e.g. 60.",
                "min_value": "Enter a number of days, 0 or more.",
                "max_value": "Enter at most 3650 days.",
            }
        )
        self.form.fields["expired"].required = False

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(product__icontains=value)
            | Q(version__icontains=value)
            | Q(vendor__name__icontains=value)
        )

    def by_expiring(self, queryset: QuerySet, name: str, value: Decimal | None) -> QuerySet:
        if value is None:
            return queryset
        today = timezone.localdate()
        until = today + datetime.timedelta(days=int(value))
        return queryset.filter(expires_on__gte=today, expires_on__lte=until)

    def by_expired(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(expires_on__lt=timezone.localdate())

    def by_ordering(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # applied by the view, after the usage annotations


LICENSE_ORDERINGS = {
    "product": ("product", "version", "pk"),
    "expires": ("expires_on", "product", "pk"),
    "used": ("-share", "product", "pk"),
}


class LicenseForm(forms.Form):
    """A licence's details; the key field exists only for people allowed to see keys."""

    product = forms.CharField(
        max_length=200, error_messages={"required": "Name the product, e.g. “Adobe Acrobat Pro”."}
    )
    version = forms.CharField(required=False, max_length=100)
    vendor = forms.ModelChoiceField(
        queryset=Vendor.objects.none(), required=False, empty_label="Not recorded"
    )
    key = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false", "autocomplete": "off"}),
        label="Licence key or activation code",
        help_text="Only IT staff ever see it; it is kept out of the licence's history.",
    )
    seats = forms.IntegerField(
        min_value=1,
        max_value=1_000_000,
        error_messages={
            "required": "How many seats: a whole number, at least 1.",
            "invalid": "How many seats: a whole number, at least 1.",
            "min_value": "How many seats: a whole number, at least 1.",
        },
    )
    cost = money_field(help_text="What the current term cost.")
    purchased_on = forms.DateField(
        required=False, widget=DateInput(), label="Bought on", error_messages=DATE_ERROR
    )
    expires_on = forms.DateField(
        required=False,
        widget=DateInput(),
        label="Expires on",
        help_text="Empty for a perpetual licence. Reminders go out 60, 30 and 7 days before.",
        error_messages=DATE_ERROR,
    )
    renewal_terms = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Term, notice period, auto-renewal, who to contact.",
    )
    owner = UsernameField(
        required=False,
        label="Looked after by (username)",
        help_text="Told about renewals, with IT staff.",
        widget=forms.TextInput(
            attrs={"list": "people", "autocomplete": "off", "autocapitalize": "none"}
        ),
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    FIELDS = (
        "product",
        "version",
        "vendor",
        "key",
        "seats",
        "cost",
        "purchased_on",
        "expires_on",
        "renewal_terms",
        "owner",
        "notes",
    )

    def __init__(self, *args: Any, show_key: bool, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = Vendor.objects.order_by("name")
        if not show_key:
            del self.fields["key"]
        if editing:
            self.fields["reason"] = forms.CharField(
                required=False,
                max_length=500,
                label="Reason for the change",
                help_text="Kept in the licence's history.",
            )

    def license_kwargs(self, *, only_changed: bool = False) -> dict:
        names = [name for name in self.FIELDS if name in self.fields]
        if only_changed:
            names = [name for name in names if name in self.changed_data]
        return {name: self.cleaned_data.get(name) for name in names}


class RenewForm(forms.Form):
    """A new term: its expiry, what it cost and, optionally, a new number of seats."""

    expires_on = forms.DateField(
        widget=DateInput(),
        label="New expiry date",
        error_messages={"required": "Give the new expiry date of the renewed term.", **DATE_ERROR},
    )
    cost = money_field(label="Cost of the new term")
    seats = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=1_000_000,
        label="Seats from now on",
        help_text="Empty keeps the current number.",
        error_messages={
            "invalid": "How many seats: a whole number, at least 1.",
            "min_value": "How many seats: a whole number, at least 1.",
        },
    )
    renewed_on = forms.DateField(
        required=False,
        widget=DateInput(),
        label="Renewed on",
        help_text="Empty means today.",
        error_messages=DATE_ERROR,
    )
    note = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Order number, quote, what changed. Kept with the renewal.",
    )

    def renew_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "expires_on": data["expires_on"],
            "cost": data.get("cost"),
            "seats": data.get("seats"),
            "renewed_on": data.get("renewed_on"),
            "note": data.get("note", ""),
        }


class AssignSeatForm(forms.Form):
    """One seat to a person (username) or to an asset (tag): exactly one of the two."""

    user = UsernameField(
        required=False,
        label="To a person (username)",
        widget=forms.TextInput(
            attrs={"list": "people", "autocomplete": "off", "autocapitalize": "none"}
        ),
    )
    asset = AssetTagField(required=False, label="or to an asset (tag)")
    note = forms.CharField(
        required=False, max_length=200, help_text="E.g. the request it fulfils; optional."
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.has_error("user") or self.has_error("asset"):
            return cleaned
        if bool(cleaned.get("user")) == bool(cleaned.get("asset")):
            raise ValidationError(
                "Give the seat to a person (username) or to an asset (tag): exactly one.",
                code="one_holder",
            )
        return cleaned


class ReleaseSeatForm(forms.Form):
    reason = forms.CharField(required=False, max_length=200, label="Why")


HORIZONS = (7, 30, 90, 365)


def horizon_from(value: str | None, default: int) -> int:
    """A number of days from ``?within=``, among the offered choices; ``default`` otherwise."""
    try:
        days = int(value or default)
    except ValueError:
        return default
    return days if days in HORIZONS else default


def warranty_days_default() -> int:
    return getattr(settings, "ITAM_WARRANTY_REMINDER_DAYS", 30)
