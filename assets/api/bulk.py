"""The bulk moves API: ``POST /api/v1/assets/bulk/<action>/`` with the tags, all or none.

Thin: the body names tags and the action's fields; ``assets.lifecycle.bulk`` checks the
permission, locks, checks every asset and writes (or refuses with every failing tag and why).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assets.choices import Condition
from assets.lifecycle import MoveNotPermitted, bulk
from assets.models import Asset, Department

from . import serializers as s
from .serializers import StrictInput, location_field, pk_field
from .views import ASSET_RELATED, ERRORS


class BulkInput(StrictInput, serializers.Serializer):
    """The tags to move, and why."""

    tags = serializers.ListField(
        child=serializers.CharField(max_length=40),
        allow_empty=False,
        max_length=bulk.MAX_BULK,
        help_text='The assets\' tags, e.g. ["IT-000001", "IT-000002"].',
        error_messages={"empty": "Give at least one tag."},
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="Why: kept in every asset's history.",
    )

    def arguments(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        data.pop("tags")
        return data


class BulkCheckInInput(BulkInput):
    location = location_field(
        required=False, help_text="Where they go back into stock (id); else each stays put."
    )
    condition = serializers.ChoiceField(
        choices=Condition.choices, required=False, allow_blank=True, help_text="As they came back."
    )


class BulkRelocateInput(BulkInput):
    location = location_field(help_text="Where they are carried to (id).")


class BulkDeployInput(BulkInput):
    department = pk_field(
        Department.objects.all(),
        "department",
        "/api/v1/departments/",
        help_text="The department they are deployed to (id).",
    )
    checklist = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Ids of the deployment steps done (each category's required steps must be).",
    )

    def arguments(self) -> dict[str, Any]:
        data = super().arguments()
        data["to"] = data.pop("department")
        data["checklist_done"] = data.pop("checklist", [])
        return data


class BulkResultSerializer(serializers.Serializer):
    action = serializers.CharField(help_text="check-in, relocate or deploy")
    count = serializers.IntegerField()
    assets = s.AssetSerializer(many=True, help_text="Every asset moved, as it is now.")


class RefusalSerializer(serializers.Serializer):
    tag = serializers.CharField()
    reason = serializers.CharField(help_text="Why this asset cannot make the move.")


class BulkRefusedSerializer(s.ErrorSerializer):
    move = serializers.CharField()
    refused = RefusalSerializer(many=True, help_text="Every asset that failed, and why.")


REFUSED = {
    409: OpenApiResponse(
        BulkRefusedSerializer,
        description="Some assets' state refuses the move: each is listed; nothing was applied.",
    ),
}


class BulkMoveView(APIView):
    """One bulk action; subclasses name it and its body."""

    action_name = ""
    input_class: type[BulkInput] = BulkInput

    def post(self, request: Request) -> Response:
        action = bulk.BULK_ACTIONS[self.action_name]
        # Permission before the tags: a role that may not move learns nothing about them.
        if not request.user.has_perm(action.permission):
            raise MoveNotPermitted(
                f"Your role does not allow you to {action.label.lower()} assets."
            )
        body = self.input_class(data=request.data)
        body.is_valid(raise_exception=True)
        assets = bulk.resolve_tags(request.user, body.validated_data["tags"])  # 400 naming tags
        try:
            action.function(assets, actor=request.user, **body.arguments())
        except bulk.BulkRefused as refused:
            return Response(
                {"detail": refused.message, "code": refused.code, **refused.details},
                status=refused.status_code,
            )
        fresh = Asset.objects.select_related(*ASSET_RELATED).in_bulk([a.pk for a in assets])
        data = s.AssetSerializer(
            [fresh[a.pk] for a in assets], many=True, context={"request": request}
        ).data
        return Response({"action": action.name, "count": len(assets), "assets": data})


def _schema(name: str, input_class: type[BulkInput], what: str):
    action = bulk.BULK_ACTIONS[name]
    return extend_schema(
        tags=["assets"],
        operation_id=f"assets_bulk_{name.replace('-', '_')}",
        summary=f"Bulk: {action.label.lower()}",
        description=(
            f"{what} All or none: if any asset cannot be {action.done}, nothing is applied and "
            "the answer lists every failing tag and why (409 for an asset's state, 400 for bad "
            f"input such as an unticked checklist step or an unknown tag). Needs "
            f"`{action.permission}`."
        ),
        request=input_class,
        responses={200: BulkResultSerializer, 400: ERRORS[400], 403: ERRORS[403], **REFUSED},
    )


class BulkCheckInView(BulkMoveView):
    action_name = "check-in"
    input_class = BulkCheckInInput

    @_schema("check-in", BulkCheckInInput, "Check deployed assets back into stock.")
    def post(self, request: Request) -> Response:
        return super().post(request)


class BulkRelocateView(BulkMoveView):
    action_name = "relocate"
    input_class = BulkRelocateInput

    @_schema(
        "relocate",
        BulkRelocateInput,
        "Carry assets to another location; status and holders stay as they are.",
    )
    def post(self, request: Request) -> Response:
        return super().post(request)


class BulkDeployView(BulkMoveView):
    action_name = "deploy"
    input_class = BulkDeployInput

    @_schema("deploy", BulkDeployInput, "Deploy in-stock assets to one department.")
    def post(self, request: Request) -> Response:
        return super().post(request)
