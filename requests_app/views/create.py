"""'New request': the form collects, ``services.submit_request`` decides and saves."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.views.generic import FormView

from assets.views.moves import people_choices

from .. import services
from ..forms import RequestForm


class RequestCreateView(FormView):
    template_name = "requests_app/request_form.html"
    form_class = RequestForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(page_title="New request", people=people_choices(), **kwargs)

    def form_invalid(self, form: RequestForm) -> HttpResponse:
        """Re-show with the errors next to their fields; 400 says nothing was saved."""
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def form_valid(self, form: RequestForm) -> HttpResponse:
        data = form.cleaned_data
        who = data["who"]
        new_hire = None
        if who == RequestForm.FOR_NEW_HIRE:
            new_hire = services.NewHire(
                name=data["new_hire_name"],
                start_date=data.get("new_hire_start_date"),
                department=data["new_hire_department"],
            )
        try:
            created = services.submit_request(
                actor=self.request.user,
                category=data["category"],
                model=data.get("model"),
                quantity=data["quantity"],
                justification=data["justification"],
                for_user=data.get("for_user") if who == RequestForm.FOR_COLLEAGUE else None,
                new_hire=new_hire,
                needed_by=data.get("needed_by"),
                estimated_cost=data.get("estimated_cost") or 0,
            )
        except ValidationError as exc:
            form.service_errors(exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Request #{created.pk} is submitted: the approver has been told.",
        )
        return HttpResponseRedirect(created.get_absolute_url())
