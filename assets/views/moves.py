"""One form per lifecycle move, at ``/assets/<tag>/<move>/``; the engine decides and writes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views import View

from ..forms import MOVE_FORMS, MOVE_FUNCTIONS, MoveForm, UsernameField, put_errors
from ..lifecycle import MOVES, Move, TransitionRefused, status_label
from ..models import Asset
from .detail import get_visible_asset, render_detail, scoped_assets

User = get_user_model()

MOVES_BY_URL: dict[str, Move] = {move.url_name: move for move in MOVES.values()}
# The people offered in username fields; a datalist, so typing any username still works.
PEOPLE_LIST_LIMIT = 2000


def people_choices() -> list[tuple[str, str]]:
    rows = (
        User.objects.filter(is_active=True)
        .order_by("username")
        .values_list("username", "first_name", "last_name")[:PEOPLE_LIST_LIMIT]
    )
    return [(username, f"{first} {last}".strip()) for username, first, last in rows]


def done_message(move: Move, asset: Asset) -> str:
    text = f"{move.label}: done. {asset.tag} is now {status_label(asset.status).lower()}"
    if asset.holder is not None:
        text += f", held by {asset.holder}"
    return text + "."


class AssetMoveView(View):
    """GET shows the move's form; POST performs it through ``assets.lifecycle``."""

    http_method_names = ["get", "post", "head", "options"]

    def dispatch(self, request: HttpRequest, tag: str, move: str) -> HttpResponse:
        self.move = MOVES_BY_URL.get(move)
        if self.move is None:
            raise Http404("There is no such move.")
        # Permission before lookup: a role that may not make the move learns nothing about tags.
        if not request.user.has_perm(self.move.permission):
            raise PermissionDenied(
                f"Your role does not allow you to {self.move.label.lower()} assets."
            )
        self.asset = get_visible_asset(request, tag)
        return super().dispatch(request, tag=tag, move=move)

    def get_form(self, data: Any = None, files: Any = None) -> MoveForm:
        form_class = MOVE_FORMS[self.move.name]
        return form_class(data, files, move=self.move, asset=self.asset)

    def render_form(self, form: MoveForm, *, status: int = 200) -> HttpResponse:
        needs_people = any(isinstance(f, UsernameField) for f in form.fields.values())
        context = {
            "asset": self.asset,
            "move": self.move,
            "form": form,
            "people": people_choices() if needs_people else [],
            "page_title": f"{self.move.label}: {self.asset.tag}",
        }
        return render(self.request, "assets/move_form.html", context, status=status)

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if self.asset.status not in self.move.sources:
            messages.warning(
                request,
                f"{self.asset.tag} is {status_label(self.asset.status).lower()}: "
                f"“{self.move.label}” is not possible from that state.",
            )
            return HttpResponseRedirect(self.asset.get_absolute_url())
        initial = {"performed_by": request.user.get_username()} if self.move.name == "wipe" else {}
        form = self.get_form()
        form.initial.update({**initial, **form.initial_from(request.GET)})
        return self.render_form(form)

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = self.get_form(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_form(form, status=400)
        perform = MOVE_FUNCTIONS[self.move.name]
        try:
            perform(self.asset, actor=request.user, **form.move_kwargs())
        except TransitionRefused as exc:
            # The asset's state does not allow it (perhaps someone else just moved it).
            messages.error(request, exc.message)
            return render_detail(request, get_visible_asset(request, self.asset.tag), status=409)
        except ValidationError as exc:
            put_errors(form, exc)
            return self.render_form(form, status=400)
        # Read it back for the message: the move may have changed status and holder.
        asset = scoped_assets(request).filter(pk=self.asset.pk).first() or self.asset
        messages.success(request, done_message(self.move, asset))
        return HttpResponseRedirect(self.asset.get_absolute_url())
