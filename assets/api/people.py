"""The people API: what a person holds, and offboarding (return everything, all or none).

``GET /api/v1/people/<username>/`` and ``POST /api/v1/people/<username>/offboard/``. Who may see
whom is ``assets.offboarding.visible_people``; the returns are ``assets.offboarding.offboard``.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assets.lifecycle import MoveNotPermitted
from assets.models import Asset, Assignment
from assets.offboarding import can_offboard, holdings, offboard, visible_people
from assets.visibility import visible_assets
from maintenance.api.serializers import SeatSerializer
from maintenance.models import LicenseSeat

from . import serializers as s
from .serializers import StrictInput, location_field
from .views import ASSET_RELATED, ERRORS


class PersonDepartmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()


class DeploymentSerializer(serializers.ModelSerializer):
    """One open deployment to the person, with its acceptance state."""

    tag = serializers.CharField(source="asset.tag")
    started_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "tag",
            "started_at",
            "started_by",
            "expected_return_date",
            "checklist",
            "accepted_at",
            "accepted_terms_version",
            "problem_reported_at",
            "problem_report",
        ]


class PersonSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    email = serializers.CharField(allow_blank=True)
    is_active = serializers.BooleanField(help_text="False once the account is deactivated.")
    department = PersonDepartmentSerializer(allow_null=True)
    web_url = serializers.CharField(help_text="The person's page.")
    assets = s.AssetSerializer(
        many=True,
        help_text="Everything they hold: deployed to them, or in maintenance or "
        "missing while theirs.",
    )
    open_deployments = DeploymentSerializer(many=True)
    licence_seats = SeatSerializer(many=True, help_text="Licence seats they hold now.")


class OffboardInput(StrictInput, serializers.Serializer):
    location = location_field(help_text="Where the returned assets go into stock (id).")
    reason = serializers.CharField(max_length=500, help_text="Why: kept in each asset's history.")
    tags = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        help_text="Optional: the returns you expect (what GET showed as deployed or in "
        "maintenance). If the person's holdings differ now, nothing is applied (409).",
    )
    deactivate = serializers.BooleanField(
        required=False, default=False, help_text="Also deactivate the account."
    )


class OutcomeSerializer(serializers.Serializer):
    tag = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["returned", "released", "still_missing"])
    note = serializers.CharField()


class OffboardResultSerializer(serializers.Serializer):
    person = serializers.CharField(help_text="The username.")
    deactivated = serializers.BooleanField()
    returned = serializers.IntegerField(help_text="How many were checked in.")
    assets = s.AssetSerializer(many=True, help_text="Every asset the person held, as it is now.")
    results = OutcomeSerializer(many=True, help_text="What happened to each.")


class OffboardRefusedSerializer(s.ErrorSerializer):
    person = serializers.CharField()
    refused = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        help_text='Each failing return: {"tag", "reason"}.',
    )


def _person(request: Request, username: str):
    return get_object_or_404(
        visible_people(request.user).select_related("profile__department"), username=username
    )


def _assets(request: Request, pks: list[int]) -> list:
    rows = Asset.objects.select_related(*ASSET_RELATED).in_bulk(pks)
    data = [rows[pk] for pk in pks if pk in rows]
    return s.AssetSerializer(data, many=True, context={"request": request}).data


class PersonView(APIView):
    @extend_schema(
        tags=["people"],
        operation_id="people_retrieve",
        summary="A person and what they hold",
        description="IT staff and auditors see anyone; managers the people of their "
        "departments; everyone themselves. Anyone else: 404.",
        responses={200: PersonSerializer, 404: ERRORS[404]},
    )
    def get(self, request: Request, username: str) -> Response:
        person = _person(request, username)
        profile = getattr(person, "profile", None)
        department = profile.department if profile else None
        held = visible_assets(
            request.user, holdings(person).select_related(*ASSET_RELATED)
        ).order_by("tag")
        open_deployments = Assignment.objects.filter(
            assigned_user=person, ended_at__isnull=True, asset__in=held
        ).select_related("asset", "started_by")
        return Response(
            {
                "username": person.get_username(),
                "name": person.get_full_name() or person.get_username(),
                "email": person.email,
                "is_active": person.is_active,
                "department": (
                    {"id": department.pk, "name": department.name, "slug": department.slug}
                    if department
                    else None
                ),
                "web_url": f"/people/{person.get_username()}/",
                "assets": s.AssetSerializer(held, many=True, context={"request": request}).data,
                "open_deployments": DeploymentSerializer(open_deployments, many=True).data,
                "licence_seats": SeatSerializer(
                    LicenseSeat.objects.filter(user=person, released_at__isnull=True)
                    .select_related("license", "user", "asset", "assigned_by", "released_by")
                    .order_by("license__product", "pk"),
                    many=True,
                ).data,
            }
        )


class OffboardView(APIView):
    @extend_schema(
        tags=["people"],
        operation_id="people_offboard",
        summary="Offboard: return everything a person holds",
        description="In one transaction: deployed assets are checked in at `location`; assets "
        "in maintenance are released from the person (they come back to stock when repaired); "
        "missing ones cannot be returned and stay on their record. If one return fails, none "
        "is applied: 409 listing each failing tag and why. Needs `assets.check_in_asset`.",
        request=OffboardInput,
        responses={
            200: OffboardResultSerializer,
            **ERRORS,
            409: OpenApiResponse(
                OffboardRefusedSerializer, description="A return failed; nothing was applied."
            ),
        },
    )
    def post(self, request: Request, username: str) -> Response:
        if not can_offboard(request.user):
            raise MoveNotPermitted("Your role does not allow you to check assets in.")
        person = _person(request, username)
        body = OffboardInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        assets = offboard(  # OffboardingRefused -> 409, ValidationError -> 400
            person,
            actor=request.user,
            location=data["location"],
            reason=data["reason"],
            expected_tags=data.get("tags"),
            deactivate=data["deactivate"],
        )
        return Response(
            {
                "person": person.get_username(),
                "deactivated": not person.is_active,
                "returned": sum(1 for a in assets if a.offboarding_outcome == "returned"),
                "assets": _assets(request, [a.pk for a in assets]),
                "results": [
                    {"tag": a.tag, "outcome": a.offboarding_outcome, "note": a.offboarding_note}
                    for a in assets
                ],
            }
        )
