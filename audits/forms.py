"""Forms of the audit pages: starting an audit and recording a scan.

Forms only collect and check input; the rules (who may audit, what is in scope, what a scan
answers) stay in ``audits.services``, whose ``ValidationError`` dicts are put back on these fields
by ``assets.forms.put_errors``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from assets.choices import Condition
from assets.forms import DateInput, LocationChoiceField
from assets.models import Category

from . import services

User = get_user_model()

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def scanners() -> Any:
    """Current people who may record scans: the only ones an audit can be assigned to."""
    return (
        User.objects.with_perm(services.SCAN, backend=MODEL_BACKEND)
        .filter(is_active=True)
        .order_by("first_name", "last_name", "username")
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.get_username()})" if name else obj.get_username()


class AuditStartForm(forms.Form):
    location = LocationChoiceField(
        required=True,
        label="Location",
        empty_label="Choose a location",
        help_text="Everything under it (buildings, floors, rooms) is audited too.",
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.order_by("name"),
        required=False,
        to_field_name="slug",
        empty_label="All categories",
        label="Category",
        help_text="Only assets of this category are expected; leave it for a full audit.",
    )
    auditor = PersonChoiceField(
        queryset=User.objects.none(),
        label="Auditor",
        empty_label=None,
        help_text="Who walks the site: people in the Auditors or IT staff role.",
    )
    due_date = forms.DateField(
        required=False,
        widget=DateInput(),
        label="Due by",
        error_messages={"invalid": "Enter a date as YYYY-MM-DD, e.g. 2026-01-31."},
    )
    notes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        label="Notes",
        help_text="What the auditor should know: access, keys, who to ask on site.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["auditor"].queryset = scanners()
        self.fields["location"].error_messages["required"] = (
            "Choose the location to audit (everything under it is included)."
        )

    def start_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "location": data["location"],
            "category": data.get("category"),
            "auditor": data["auditor"],
            "due_date": data.get("due_date"),
            "notes": data.get("notes", ""),
        }


class ScanForm(forms.Form):
    """One scan: the code (a tag, or a QR code's URL), where the auditor is, and the condition.

    ``places`` are the scope's locations as (id, label) pairs; the service checks the scope
    again, so a forged id is refused there too.
    """

    location = forms.TypedChoiceField(coerce=int, label="Where am I")
    tag = forms.CharField(
        max_length=500,
        strip=True,
        label="Tag or code",
        error_messages={"required": "Scan a code or type a tag."},
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "characters",
                "autocorrect": "off",
                "spellcheck": "false",
                "enterkeyhint": "go",
                "inputmode": "text",
                "class": "scan-input",
                "placeholder": "Scan or type a tag",
            }
        ),
    )
    condition = forms.ChoiceField(
        choices=[("", "Condition not noted"), *Condition.choices],
        required=False,
        label="Condition",
    )

    def __init__(self, *args: Any, places: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].choices = places
