"""Forms for the request and purchase-order pages.

They only collect and shape input; every rule (who may, which state allows what, what counts as
valid) lives in ``requests_app.services``, whose ``ValidationError`` is put back on these forms
with ``put_service_errors``.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from assets.forms import DateInput, LocationChoiceField, UsernameField
from assets.models import AssetModel, Category, Department, Vendor

from .choices import OrderStatus, RequestStatus
from .models import AssetRequest, PurchaseOrder, PurchaseOrderLine

DATE_ERRORS = {"invalid": "Enter a date as YYYY-MM-DD, e.g. 2026-03-31."}
MONEY_ERRORS = {"invalid": "Enter an amount, e.g. 1249.99."}
MAX_ORDER_LINES = 10


def put_service_errors(
    form: forms.Form, exc: ValidationError, aliases: dict[str, str] | None = None
) -> None:
    """Show a service's ValidationError on the form: next to the field it names when the form
    has that field (``aliases`` maps service keys to form fields), above the form otherwise."""
    aliases = aliases or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for key, errors in exc.error_dict.items():
        target = aliases.get(key, key)
        if target == NON_FIELD_ERRORS or target not in form.fields:
            target = None
        for error in errors:
            form.add_error(target, error)


def _money_field(**kwargs: Any) -> forms.DecimalField:
    kwargs.setdefault("max_digits", 12)
    kwargs.setdefault("decimal_places", 2)
    kwargs.setdefault("error_messages", MONEY_ERRORS)
    field = forms.DecimalField(**kwargs)
    field.widget.attrs.update({"min": "0", "step": "0.01", "inputmode": "decimal"})
    return field


class ModelLabelChoiceField(forms.ModelChoiceField):
    """Models as "Maker Model (Category)", so one plain select works without scripts."""

    def label_from_instance(self, obj: AssetModel) -> str:
        return f"{obj.manufacturer.name} {obj.name} ({obj.category.name})"


def model_choices() -> Any:
    return AssetModel.objects.select_related("manufacturer", "category").order_by(
        "category__name", "manufacturer__name", "name"
    )


# --- asking --------------------------------------------------------------------------------


class RequestForm(forms.Form):
    """New request: for me, a colleague, or a new hire without an account yet."""

    FOR_ME, FOR_COLLEAGUE, FOR_NEW_HIRE = "me", "colleague", "new_hire"

    who = forms.ChoiceField(
        label="Ask for",
        choices=[
            (FOR_ME, "Me"),
            (FOR_COLLEAGUE, "A colleague"),
            (FOR_NEW_HIRE, "A new hire (no account yet)"),
        ],
        initial=FOR_ME,
        widget=forms.RadioSelect,
    )
    for_user = UsernameField(
        required=False,
        label="Colleague (username)",
        help_text="Only when it is for a colleague.",
        widget=forms.TextInput(
            attrs={"list": "people", "autocomplete": "off", "autocapitalize": "none"}
        ),
    )
    new_hire_name = forms.CharField(required=False, max_length=150, label="New hire's name")
    new_hire_start_date = forms.DateField(
        required=False, widget=DateInput(), label="Start date", error_messages=DATE_ERRORS
    )
    new_hire_department = forms.ModelChoiceField(
        queryset=Department.objects.order_by("name"),
        required=False,
        label="Department",
        empty_label="Choose the department",
        help_text="Its manager approves and its budget pays.",
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.order_by("name"),
        empty_label="Choose a category",
        error_messages={"required": "Choose what kind of equipment you need."},
    )
    model = ModelLabelChoiceField(
        queryset=model_choices(),
        required=False,
        empty_label="Any model",
        label="Model (optional)",
        help_text="Pick one only if a specific model is needed.",
    )
    quantity = forms.IntegerField(min_value=1, initial=1)
    justification = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What it is for: the approver decides on this.",
        error_messages={"required": "Say what it is for: the approver decides on this."},
    )
    needed_by = forms.DateField(
        required=False, widget=DateInput(), label="Needed by", error_messages=DATE_ERRORS
    )
    estimated_cost = _money_field(
        required=False,
        min_value=0,
        label="Estimated cost (all units)",
        help_text="Leave empty if you do not know; IT staff can estimate it.",
    )

    def clean(self) -> dict:
        """Only the shape of the answer: whichever 'who' is chosen needs its own fields."""
        cleaned = super().clean()
        who = cleaned.get("who")
        if (
            who == self.FOR_COLLEAGUE
            and not cleaned.get("for_user")
            and not self.has_error("for_user")
        ):
            self.add_error("for_user", "Give the colleague's username.")
        if who == self.FOR_NEW_HIRE:
            if not (cleaned.get("new_hire_name") or "").strip():
                self.add_error("new_hire_name", "Give the new hire's name.")
            if cleaned.get("new_hire_department") is None and not self.has_error(
                "new_hire_department"
            ):
                self.add_error("new_hire_department", "Choose the new hire's department.")
        return cleaned

    def service_errors(self, exc: ValidationError) -> None:
        """The service says ``for_user`` also for "me" (e.g. no department): show it by 'who'."""
        target = "for_user" if self.cleaned_data.get("who") == self.FOR_COLLEAGUE else "who"
        put_service_errors(self, exc, {"for_user": target, "new_hire": "new_hire_name"})


class ReasonForm(forms.Form):
    """Approve (reason optional), reject and cancel (the service requires a reason)."""

    reason = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reason",
        help_text="Kept in the request's history.",
    )

    def __init__(self, *args: Any, label: str = "Reason", help_text: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        if help_text:
            self.fields["reason"].help_text = help_text


class AllocateForm(forms.Form):
    asset = forms.CharField(
        max_length=40,
        label="Asset tag",
        help_text="An in-stock asset of the requested category; it is deployed to the person.",
        widget=forms.TextInput(
            attrs={"list": "candidates", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args: Any, category=None, **kwargs: Any) -> None:
        """With the category's deployment checklist, when it has one, to tick as it goes out."""
        super().__init__(*args, **kwargs)
        self.category = category
        items = list(category.checklist.all()) if category is not None else []
        if items:
            self.fields["checklist"] = forms.TypedMultipleChoiceField(
                coerce=int,
                required=False,
                label="Deployment checklist",
                help_text="Required steps must be ticked before it goes to the person.",
                choices=[
                    (item.pk, f"{item.text}{' (required)' if item.required else ''}")
                    for item in items
                ],
                widget=forms.CheckboxSelectMultiple,
            )


class OrderForRequestForm(forms.Form):
    vendor = forms.ModelChoiceField(
        queryset=Vendor.objects.order_by("name"), empty_label="Choose a vendor"
    )
    unit_cost = _money_field(min_value=0, label="Unit cost")
    expected_date = forms.DateField(
        required=False, widget=DateInput(), label="Expected delivery", error_messages=DATE_ERRORS
    )
    notes = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class NewHireAccountForm(forms.Form):
    """IT staff make the new hire's account; they set a password through a reset."""

    username = forms.CharField(
        max_length=150,
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    email = forms.EmailField(required=False, label="E-mail")


class LinkUserForm(forms.Form):
    """The new hire already has an account: link it."""

    user = UsernameField(
        label="Existing account (username)",
        widget=forms.TextInput(
            attrs={"list": "people", "autocomplete": "off", "autocapitalize": "none"}
        ),
    )


# --- lists -----------------------------------------------------------------------------------


class RequestFilterSet(django_filters.FilterSet):
    """The requests list's filters (the scope itself comes from ``visible_requests``)."""

    status = django_filters.ChoiceFilter(
        choices=RequestStatus.choices, empty_label="Any status", label="Status"
    )
    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.order_by("name"), empty_label="Any department"
    )
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.order_by("name"),
        to_field_name="slug",
        empty_label="Any category",
    )

    class Meta:
        model = AssetRequest
        fields = ["status", "department", "category"]


class OrderFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=OrderStatus.choices, empty_label="Any status", label="Status"
    )
    vendor = django_filters.ModelChoiceFilter(
        queryset=Vendor.objects.order_by("name"), empty_label="Any vendor"
    )

    class Meta:
        model = PurchaseOrder
        fields = ["status", "vendor"]


# --- purchase orders -------------------------------------------------------------------------


class OrderForm(forms.Form):
    vendor = forms.ModelChoiceField(
        queryset=Vendor.objects.order_by("name"), empty_label="Choose a vendor"
    )
    notes = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class OrderLineForm(forms.Form):
    category = forms.ModelChoiceField(
        queryset=Category.objects.order_by("name"), empty_label="Choose a category"
    )
    model = ModelLabelChoiceField(queryset=model_choices(), required=False, empty_label="Any model")
    description = forms.CharField(required=False, max_length=200)
    quantity = forms.IntegerField(min_value=1, initial=1)
    unit_cost = _money_field(min_value=0, label="Unit cost")
    expected_date = forms.DateField(
        required=False, widget=DateInput(), label="Expected", error_messages=DATE_ERRORS
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.order_by("name"),
        required=False,
        empty_label="No department",
        help_text="Whose budget pays.",
    )


class BaseOrderLineFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        filled = [f for f in self.forms if f.has_changed() and not self._should_delete_form(f)]
        if not filled:
            raise ValidationError("An order needs at least one line: fill in the first row.")

    def filled_forms(self) -> list[forms.Form]:
        return [f for f in self.forms if f.has_changed() and f.cleaned_data]


OrderLineFormSet = forms.formset_factory(
    OrderLineForm,
    formset=BaseOrderLineFormSet,
    extra=5,
    max_num=MAX_ORDER_LINES,
    validate_max=True,
)


class ReceiveForm(forms.Form):
    """One serial-number box per line still waiting for goods, and where they were put."""

    def __init__(self, *args: Any, lines: list[PurchaseOrderLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[self.field_name(line)] = forms.CharField(
                required=False,
                label=f"{line.item_name}: serial numbers",
                help_text=f"One per line; up to {line.pending} more can arrive.",
                widget=forms.Textarea(
                    attrs={"rows": min(max(line.pending, 2), 6), "spellcheck": "false"}
                ),
            )
        self.fields["location"] = LocationChoiceField(
            label="Received at", empty_label="Not recorded", help_text="Where the goods are kept."
        )

    @staticmethod
    def field_name(line: PurchaseOrderLine) -> str:
        return f"line_{line.pk}"

    def receipts(self) -> list[tuple[PurchaseOrderLine, list[str]]]:
        """The lines that have serial numbers typed in, each with its list of serials."""
        chosen = []
        for line in self.lines:
            text = self.cleaned_data.get(self.field_name(line)) or ""
            serials = [s.strip() for s in text.splitlines() if s.strip()]
            if serials:
                chosen.append((line, serials))
        return chosen

    def service_errors(self, exc: ValidationError) -> None:
        """The service names lines as "line 12"; its "lines" error is about the whole form."""
        aliases = {f"line {line.pk}": self.field_name(line) for line in self.lines}
        put_service_errors(self, exc, aliases)
