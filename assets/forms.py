"""Forms for the asset pages: registration, edits, and one form per lifecycle move.

Forms only collect and check input; what a move does (and whether it is allowed) stays in
``assets.lifecycle``. Each move form's ``move_kwargs()`` turns its cleaned data into the keyword
arguments of the matching lifecycle function.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue
from django.utils import timezone

from maintenance import services as maintenance_services
from maintenance.choices import MaintenanceKind
from maintenance.models import MaintenancePlan, MaintenanceRecord

from . import lifecycle
from .choices import Condition, DisposalMethod, RetirementReason, WipeMethod
from .models import Asset, AssetModel, Category, Department, Location, Vendor
from .retirement import check_certificate_file, dispose_with_certificate

User = get_user_model()

# Labels walk up to four levels (site > building > floor > room); load them in the same query.
LOCATION_PATH = "parent__parent__parent"


def locations() -> Any:
    return Location.objects.select_related(LOCATION_PATH).order_by("name")


class DateInput(forms.DateInput):
    """A native date picker; the server still checks the value."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PathSortedChoices(ModelChoiceIterator):
    """Choices labelled with and sorted by full path, so rooms sit under their building.

    Paths come from (id, name, parent) rows rather than from model instances with their parents
    joined: a site of 250 locations made 1,000 objects on every page that offers a location.
    """

    def __iter__(self) -> Any:
        # The empty choice comes first without a query: widgets peek at the first choice.
        if self.field.to_field_name:  # choices keyed by another field: the general way
            yield from super().__iter__()
            return
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        tree = {pk: (name, parent) for pk, name, parent in location_rows(self.queryset.db)}
        offered = (
            self.queryset.order_by().values_list("pk", flat=True)
            if self.queryset.query.has_filters()
            else tree
        )
        paths = {pk: location_path(pk, tree) for pk in offered}
        for pk, path in sorted(paths.items(), key=lambda item: item[1].lower()):
            yield (ModelChoiceIteratorValue(pk, None), path)


def location_rows(using: str = "default") -> Any:
    return Location.objects.using(using).values_list("pk", "name", "parent_id")


def location_path(pk: int, tree: dict[int, tuple[str, int | None]]) -> str:
    """As ``Location.full_name``, from a map of every location's (name, parent id)."""
    names, node, seen = [], pk, set()
    while node is not None and node in tree and node not in seen:
        seen.add(node)
        name, node = tree[node]
        names.append(name)
    return " › ".join(reversed(names))


class LocationChoiceField(forms.ModelChoiceField):
    """Locations shown by their full path, sorted the way people read them."""

    iterator = PathSortedChoices

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", locations())
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def label_from_instance(self, obj: Location) -> str:
        return obj.full_name


class UsernameField(forms.CharField):
    """A person picked by username (the field offers a list of current people to choose from)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 150)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if not value:
            return None
        try:
            return User.objects.get(username__iexact=value.strip(), is_active=True)
        except User.DoesNotExist:
            raise ValidationError(
                f"No current person has the username “{value}”. Pick one from the list.",
                code="unknown_user",
            ) from None


def put_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: next to the field when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            if field == NON_FIELD_ERRORS:
                target = None
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error(None, exc)


# --- registration and edits -----------------------------------------------------------------


EMPTY_LABELS = {
    "category": "Choose a category",
    "model": "Not recorded",
    "department": "None",
    "vendor": "Not recorded",
}


class AssetForm(forms.ModelForm):
    """The descriptive fields of an asset; status and holder change only through moves."""

    location = LocationChoiceField(
        label="Location",
        help_text="Where the asset physically is.",
        required=False,
        empty_label="Not recorded",
    )

    class Meta:
        model = Asset
        fields = list(lifecycle.EDITABLE_FIELDS)
        widgets = {
            "purchase_date": DateInput(),
            "warranty_end": DateInput(),
            "next_audit_date": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {
            "department": "Owning department",
            "purchase_cost": "Purchase cost",
            "next_audit_date": "Next audit",
        }
        help_texts = {
            "next_audit_date": "Leave empty to use the category's audit interval.",
        }
        error_messages = {
            "category": {
                "required": "Choose a category: it decides wipe rules and the audit interval.",
                "invalid_choice": "That category does not exist: pick one from the list.",
            },
            "purchase_date": {"invalid": "Enter a date as YYYY-MM-DD, e.g. 2025-01-31."},
            "warranty_end": {"invalid": "Enter a date as YYYY-MM-DD, e.g. 2028-01-31."},
            "next_audit_date": {"invalid": "Enter a date as YYYY-MM-DD, e.g. 2026-06-30."},
            "purchase_cost": {"invalid": "Enter an amount, e.g. 1299.00."},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.order_by("name")
        self.fields["model"].queryset = AssetModel.objects.select_related("manufacturer")
        self.fields["department"].queryset = Department.objects.order_by("name")
        self.fields["vendor"].queryset = Vendor.objects.order_by("name")
        self.fields["purchase_cost"].widget.attrs.update({"min": "0", "step": "0.01"})
        for name, label in EMPTY_LABELS.items():
            self.fields[name].empty_label = label

    def clean(self) -> dict:
        cleaned = super().clean()
        model, category = cleaned.get("model"), cleaned.get("category")
        if model is not None and category is not None and model.category_id != category.pk:
            self.add_error(
                "model",
                f"{model} is a {model.category.name if model.category_id else 'different'} "
                f"model, not a {category.name}: pick a matching model or category.",
            )
        return cleaned

    def details(self, only_changed: bool = False) -> dict:
        """The cleaned fields, as keyword arguments for ``register``/``update_details``."""
        names = lifecycle.EDITABLE_FIELDS
        if only_changed:
            names = [n for n in names if n in self.changed_data]
        return {name: self.cleaned_data[name] for name in names}


class AssetCreateForm(AssetForm):
    tag = forms.CharField(
        required=False,
        max_length=40,
        label="Pre-printed tag",
        help_text="Only if the label is already printed; empty gives the next tag.",
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    on_order = forms.BooleanField(
        required=False,
        label="On order (not received yet)",
        help_text="It is registered as on order and received later.",
    )


class AssetEditForm(AssetForm):
    reason = forms.CharField(
        required=False,
        max_length=500,
        label="Reason for the change",
        help_text="Kept in the asset's history.",
    )


# --- moves ----------------------------------------------------------------------------------


class MoveForm(forms.Form):
    """Base of every move form: a reason, required when the state table says so."""

    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reason",
        help_text="Kept in the asset's history.",
    )

    def __init__(self, *args: Any, move: lifecycle.Move, asset: Asset, **kwargs: Any) -> None:
        self.move = move
        self.asset = asset
        super().__init__(*args, **kwargs)
        # The reason goes last, whatever fields a subclass declares.
        self.order_fields([name for name in self.fields if name != "reason"] + ["reason"])
        if move.reason_required:
            self.fields["reason"].required = True
            self.fields["reason"].help_text = "Required: say why. Kept in the asset's history."
            self.fields["reason"].error_messages["required"] = (
                f"Say why ({move.label.lower()} needs a reason)."
            )

    def move_kwargs(self) -> dict:
        return {"reason": self.cleaned_data.get("reason", "")}

    def initial_from(self, params: Any) -> dict:
        """Initial values taken from the page's query string (e.g. ``?plan=``); none by default."""
        return {}


class LocationMoveForm(MoveForm):
    """Moves that may put the asset somewhere: check in, found, reinstate."""

    location = LocationChoiceField(
        label="Put it at",
        empty_label="Keep its current location",
        help_text="Where it is kept from now on.",
    )

    def move_kwargs(self) -> dict:
        return {**super().move_kwargs(), "location": self.cleaned_data.get("location")}


class ReceiveForm(LocationMoveForm):
    serial_number = forms.CharField(
        required=False, max_length=100, help_text="Leave empty to keep what is recorded."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].label = "Received at"

    def move_kwargs(self) -> dict:
        kwargs = super().move_kwargs()
        serial = self.cleaned_data.get("serial_number")
        kwargs["serial_number"] = serial or None
        return kwargs


class CheckInForm(LocationMoveForm):
    """Check in: where it goes, and the condition it came back in (kept on the asset)."""

    condition = forms.ChoiceField(
        choices=[("", "Not noted"), *Condition.choices],
        required=False,
        label="Condition",
        help_text="How it came back; shown on the asset and kept in its history.",
    )

    def move_kwargs(self) -> dict:
        return {**super().move_kwargs(), "condition": self.cleaned_data.get("condition", "")}


class HandOverForm(MoveForm):
    """Deploy and transfer: exactly one holder (a person, a location or a department), and the
    category's configuration checklist, which the engine checks (required steps ticked)."""

    user = UsernameField(
        required=False,
        label="Person (username)",
        widget=forms.TextInput(
            attrs={"list": "people", "autocomplete": "off", "autocapitalize": "none"}
        ),
    )
    location = LocationChoiceField(label="or a location", empty_label="No location")
    department = forms.ModelChoiceField(
        queryset=Department.objects.order_by("name"),
        required=False,
        label="or a department",
        empty_label="No department",
    )
    expected_return_date = forms.DateField(
        required=False,
        widget=DateInput(),
        label="Expected return",
        help_text="For loaners: a reminder goes out when it is late.",
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )

    checklist = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Configuration checklist",
        help_text="Tick each step you have done; steps marked required must all be ticked.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        items = list(self.asset.category.checklist.all()) if self.asset.category_id else []
        if not items:
            del self.fields["checklist"]
            self.required_steps: set[str] = set()
            return
        # Values are strings (as posted); the template marks the required ones.
        self.fields["checklist"].choices = [(str(item.pk), item.text) for item in items]
        self.required_steps = {str(item.pk) for item in items if item.required}

    def clean(self) -> dict:
        cleaned = super().clean()
        chosen = [n for n in ("user", "location", "department") if cleaned.get(n)]
        if len(chosen) != 1 and not self.has_error("user"):
            raise ValidationError(
                "Choose exactly one holder: a person, a location or a department.",
                code="one_holder",
            )
        return cleaned

    def move_kwargs(self) -> dict:
        data = self.cleaned_data
        holder = data.get("user") or data.get("location") or data.get("department")
        return {
            **super().move_kwargs(),
            "to": holder,
            "expected_return_date": data.get("expected_return_date"),
            "checklist_done": [int(pk) for pk in data.get("checklist") or []],
        }


class ReasonOnlyForm(MoveForm):
    """Mark missing: the reason is all there is."""


class RetireForm(MoveForm):
    """Retire: why as a category (for the reports), and in words (for the history)."""

    retirement_reason = forms.ChoiceField(
        choices=[("", "Choose why…"), *RetirementReason.choices],
        label="Why is it retired?",
        help_text="End of life, broken beyond repair, not worth repairing, lost or stolen, "
        "or a lease that ended.",
    )

    def move_kwargs(self) -> dict:
        return {
            **super().move_kwargs(),
            "retirement_reason": self.cleaned_data["retirement_reason"],
        }


def warranty_hint(asset: Asset) -> str:
    """“Under warranty until …” / “Out of warranty since …”, for the warranty checkbox."""
    if not asset.warranty_end:
        return "No warranty end is recorded for this asset."
    day = f"{asset.warranty_end:%-d %b %Y}"
    if maintenance_services.under_warranty(asset):
        return f"Under warranty until {day}."
    return f"Out of warranty since {day}."


class StartMaintenanceForm(MoveForm):
    """Into maintenance: what the work is, who does it and whether the warranty covers it.

    The engine opens the maintenance record in the same transaction as the move.
    """

    kind = forms.ChoiceField(
        choices=MaintenanceKind.choices,
        initial=MaintenanceKind.REPAIR,
        required=False,  # a repair unless said otherwise, as in the API
        label="Kind of work",
    )
    title = forms.CharField(
        required=False,
        max_length=200,
        label="Title",
        help_text="A short name for the work, e.g. “Cracked screen”. Empty uses the reason.",
    )
    description = forms.CharField(
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What is wrong or what is to be done",
    )
    supplier = forms.CharField(
        required=False,
        max_length=200,
        label="Done by",
        help_text="The repairer, the vendor, or in-house.",
    )
    warranty_covered = forms.BooleanField(required=False, label="Covered by the warranty")
    plan = forms.ModelChoiceField(
        queryset=MaintenancePlan.objects.none(),
        required=False,
        label="Preventive plan",
        empty_label="None: unplanned work",
        help_text="When this is a round of a preventive plan, it counts as done for the plan.",
        error_messages={"invalid_choice": "That plan does not cover this asset: pick one."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warranty_covered"].initial = maintenance_services.under_warranty(self.asset)
        self.fields["warranty_covered"].help_text = warranty_hint(self.asset)
        plans = MaintenancePlan.objects.filter(
            Q(asset=self.asset) | Q(category_id=self.asset.category_id), active=True
        ).order_by("title", "pk")
        self.fields["plan"].queryset = plans

    def initial_from(self, params: Any) -> dict:
        """``?plan=<id>`` (from the "maintenance due" page) picks the plan, its kind and title."""
        try:
            plan = self.fields["plan"].queryset.get(pk=int(params.get("plan") or ""))
        except (ValueError, MaintenancePlan.DoesNotExist):
            return {}
        return {"plan": plan.pk, "kind": plan.kind, "title": plan.title}

    def move_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            **super().move_kwargs(),
            "kind": data.get("kind") or None,
            "title": data.get("title", ""),
            "description": data.get("description", ""),
            "supplier": data.get("supplier", ""),
            "warranty_covered": bool(data.get("warranty_covered")),
            "plan": data.get("plan"),
        }


class CompleteMaintenanceForm(LocationMoveForm):
    """Out of maintenance: where it goes, what it cost and what was done (closes the record)."""

    return_to_holder = forms.TypedChoiceField(
        choices=[("1", "Back to its holder"), ("0", "Back to stock")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="1",
        label="Where it goes",
    )
    cost = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        label="Cost",
        help_text="What we paid for the work; 0 when the warranty paid.",
        error_messages={
            "min_value": "The cost cannot be negative.",
            "invalid": "Enter an amount, e.g. 120.00.",
            "max_digits": "That amount is too large.",
            "max_decimal_places": "Enter an amount with at most 2 decimals, e.g. 120.50.",
        },
    )
    warranty_covered = forms.BooleanField(required=False, label="Covered by the warranty")
    resolution = forms.CharField(
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What was done",
        help_text="How it ended: parts replaced, fixed, not repairable….",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[
            "location"
        ].help_text = "When it goes back to stock: where it is kept. Empty keeps its location."
        self.fields["cost"].widget.attrs.update(
            {"min": "0", "step": "0.01", "inputmode": "decimal"}
        )
        holder = self.asset.holder
        if holder is None:
            del self.fields["return_to_holder"]
        else:
            if self.asset.assigned_user_id:
                holder = holder.get_full_name() or holder.get_username()
            self.fields["return_to_holder"].choices = [
                ("1", f"Back to its holder, {holder}"),
                ("0", "Back to stock"),
            ]
        self.record = (
            MaintenanceRecord.objects.filter(
                asset=self.asset, closed_at__isnull=True, took_out_of_service=True
            )
            .only("pk", "title", "warranty_covered", "opened_at")
            .first()
        )
        covered = self.record.warranty_covered if self.record else False
        self.fields["warranty_covered"].initial = covered
        hint = warranty_hint(self.asset)
        if self.record is not None:
            hint += " Marked as {}covered when it came in ({} “{}”).".format(
                "" if covered else "not ", self.record.reference, self.record.title
            )
        self.fields["warranty_covered"].help_text = hint
        first = ["return_to_holder", "location", "cost", "warranty_covered", "resolution"]
        self.order_fields([name for name in first if name in self.fields] + ["reason"])

    def move_kwargs(self) -> dict:
        kwargs = super().move_kwargs()
        data = self.cleaned_data
        kwargs["return_to_holder"] = data.get("return_to_holder", False)
        kwargs["cost"] = data.get("cost")
        kwargs["warranty_covered"] = bool(data.get("warranty_covered"))
        kwargs["resolution"] = data.get("resolution", "")
        return kwargs


class CertificateFileField(forms.FileField):
    """An optional certificate upload; the form's clean checks it by content."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "Certificate file")
        kwargs.setdefault("help_text", "The wiping tool's report: PDF, PNG or JPEG, at most 5 MB.")
        kwargs.setdefault(
            "widget",
            forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
        )
        super().__init__(**kwargs)


def clean_certificate_upload(upload):
    """The upload if it is a PDF, PNG or JPEG by its content; a form error saying what is not."""
    if upload:
        check_certificate_file(upload)
    return upload


class WipeForm(MoveForm):
    method = forms.ChoiceField(
        choices=WipeMethod.choices,
        help_text="NIST SP 800-88: clear (overwrite), purge (crypto/secure erase), destroy.",
    )
    tool = forms.CharField(required=False, max_length=200, help_text="Software or device used.")
    performed_by = UsernameField(
        label="Performed by (username)",
        widget=forms.TextInput(attrs={"list": "people", "autocomplete": "off"}),
    )
    verified_by = UsernameField(
        required=False,
        label="Verified by (username)",
        help_text="A second person; disposal needs a verified wipe.",
        widget=forms.TextInput(attrs={"list": "people", "autocomplete": "off"}),
    )
    performed_on = forms.DateField(
        required=False,
        widget=DateInput(),
        label="Date of the wipe",
        help_text="Empty means today.",
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )
    certificate_reference = forms.CharField(required=False, max_length=200)
    certificate_file = CertificateFileField()

    def clean_certificate_file(self):
        return clean_certificate_upload(self.cleaned_data.get("certificate_file"))

    def move_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            **super().move_kwargs(),
            "certificate_file": data.get("certificate_file"),
            "method": data["method"],
            "tool": data.get("tool", ""),
            "performed_by": data["performed_by"],
            "verified_by": data.get("verified_by"),
            "performed_on": data.get("performed_on") or timezone.localdate(),
            "certificate_reference": data.get("certificate_reference", ""),
        }


class DisposeForm(MoveForm):
    method = forms.ChoiceField(choices=DisposalMethod.choices)
    recipient = forms.CharField(
        required=False, max_length=200, help_text="Recycler, buyer, charity or lessor."
    )
    proceeds = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        error_messages={
            "min_value": "Proceeds cannot be negative.",
            "invalid": "Enter an amount, e.g. 120.00.",
        },
    )
    disposed_on = forms.DateField(
        required=False,
        widget=DateInput(),
        label="Date of disposal",
        help_text="Empty means today.",
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )
    certificate_reference = forms.CharField(required=False, max_length=200)
    certificate_file = CertificateFileField(
        help_text="The recycler's or buyer's certificate: PDF, PNG or JPEG, at most 5 MB."
    )

    def clean_certificate_file(self):
        return clean_certificate_upload(self.cleaned_data.get("certificate_file"))

    def move_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            **super().move_kwargs(),
            "certificate_file": data.get("certificate_file"),
            "method": data["method"],
            "recipient": data.get("recipient", ""),
            "proceeds": data.get("proceeds") or 0,
            "disposed_on": data.get("disposed_on"),
            "certificate_reference": data.get("certificate_reference", ""),
        }


# Which form each move uses, by the move's name in ``lifecycle.MOVES``.
MOVE_FORMS: dict[str, type[MoveForm]] = {
    "receive": ReceiveForm,
    "deploy": HandOverForm,
    "transfer": HandOverForm,
    "check_in": CheckInForm,
    "start_maintenance": StartMaintenanceForm,
    "complete_maintenance": CompleteMaintenanceForm,
    "mark_missing": ReasonOnlyForm,
    "found": LocationMoveForm,
    "retire": RetireForm,
    "wipe": WipeForm,
    "dispose": DisposeForm,
    "reinstate": LocationMoveForm,
}

# Which lifecycle function performs each move (``found`` is ``mark_found`` in the engine).
MOVE_FUNCTIONS: dict[str, Any] = {
    "receive": lifecycle.receive,
    "deploy": lifecycle.deploy,
    "transfer": lifecycle.transfer,
    "check_in": lifecycle.check_in,
    "start_maintenance": lifecycle.start_maintenance,
    "complete_maintenance": lifecycle.complete_maintenance,
    "mark_missing": lifecycle.mark_missing,
    "found": lifecycle.mark_found,
    "retire": lifecycle.retire,
    "wipe": lifecycle.wipe,
    "dispose": dispose_with_certificate,  # lifecycle.dispose plus the certificate file
    "reinstate": lifecycle.reinstate,
}


# --- the holder's side: acceptance and problem reports ----------------------------------------


class AcceptForm(forms.Form):
    """Confirm receipt; with the "I accept" box when the category has terms (the engine
    refuses a confirmation without it)."""

    accept_terms = forms.BooleanField(required=False, label="I have read and accept these terms")

    def __init__(self, *args: Any, asset: Asset, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.asset = asset
        self.has_terms = bool(asset.category.acceptance_text)
        if not self.has_terms:
            del self.fields["accept_terms"]

    def accept_kwargs(self) -> dict:
        return {"accept_terms": bool(self.cleaned_data.get("accept_terms"))}


class ReportProblemForm(forms.Form):
    """What is wrong with what the holder received; IT staff are told."""

    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
        label="What is wrong?",
        help_text="For example: a cracked screen, a missing charger, it will not start. "
        "IT staff are told straight away.",
        error_messages={"required": "Say what is wrong, so IT can fix it."},
    )
