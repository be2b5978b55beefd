"""What is at a location and what a department owns and holds, as the places pages show it.

``GET /api/v1/reports/locations/<id>/`` and ``/api/v1/reports/departments/<slug>/``: totals,
cost, counts by status and category, sub-locations or members. The assets themselves are in the
register: ``/api/v1/assets/?location=<id>`` or ``?department=<id>``. Who: as the pages (IT staff
and auditors everything; a manager their departments; otherwise 404).
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assets import reports as r
from assets.models import Department, Location
from assets.visibility import sees_all_assets

from .serializers import ErrorSerializer

NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="No such place you can see.")}


class CountSerializer(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class CategoryCountSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    count = serializers.IntegerField()
    cost = serializers.DecimalField(max_digits=14, decimal_places=2)


class SummaryFields(serializers.Serializer):
    total_assets = serializers.IntegerField()
    total_cost = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="Sum of purchase cost."
    )
    by_status = CountSerializer(many=True)
    by_category = CategoryCountSerializer(many=True)


class SubLocationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    asset_count = serializers.IntegerField(help_text="Over its whole subtree.")
    cost = serializers.DecimalField(max_digits=14, decimal_places=2)


class LocationSummarySerializer(SummaryFields):
    id = serializers.IntegerField()
    name = serializers.CharField()
    full_name = serializers.CharField()
    kind = serializers.CharField()
    parent = serializers.IntegerField(allow_null=True)
    children = SubLocationSerializer(many=True)
    assets_url = serializers.CharField(help_text="The register filtered to this location.")


class MemberSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    is_active = serializers.BooleanField()
    asset_count = serializers.IntegerField()
    cost = serializers.DecimalField(max_digits=14, decimal_places=2)


class DepartmentSummarySerializer(SummaryFields):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    manager = serializers.CharField(allow_null=True, help_text="Username.")
    owned = serializers.IntegerField()
    held_by_department = serializers.IntegerField()
    held_by_members = serializers.IntegerField()
    members = MemberSerializer(many=True)
    assets_url = serializers.CharField(help_text="The register filtered to this department.")


def _summary(summary: r.Summary) -> dict:
    return {
        "total_assets": summary.total,
        "total_cost": summary.cost,
        "by_status": [
            {"status": value, "label": label, "count": count}
            for value, label, count in summary.by_status
        ],
        "by_category": summary.by_category,
    }


def _register(request: Request, **params: object) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return request.build_absolute_uri(f"{reverse('api-asset-list')}?{query}")


class LocationSummary(APIView):
    @extend_schema(
        tags=["reports"],
        operation_id="reports_location",
        summary="What is at a location",
        description="Assets physically at the location or anywhere inside it, or deployed to "
        "it: totals, cost, by status and category, and each direct sub-location's count. IT "
        "staff and auditors only (404 for others).",
        responses={200: LocationSummarySerializer, **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        if not sees_all_assets(request.user):
            raise Http404
        place = get_object_or_404(Location.objects.select_related("parent__parent__parent"), pk=pk)
        found = r.location_summary(r.scoped_current(request.user), place)
        data = {
            "id": place.pk,
            "name": place.name,
            "full_name": place.full_name,
            "kind": place.kind,
            "parent": place.parent_id,
            **_summary(found.summary),
            "children": [
                {
                    "id": node.location.pk,
                    "name": node.location.name,
                    "kind": node.location.kind,
                    "asset_count": node.count,
                    "cost": node.cost,
                }
                for node in found.children
            ],
            "assets_url": _register(request, location=place.pk),
        }
        return Response(LocationSummarySerializer(data).data)


class DepartmentSummary(APIView):
    @extend_schema(
        tags=["reports"],
        operation_id="reports_department",
        summary="What a department owns and holds",
        description="Assets the department owns, holds, or its people hold: totals, cost, by "
        "status and category, the split, and each member's count. IT staff and auditors: any "
        "department; a manager: their own; otherwise 404.",
        responses={200: DepartmentSummarySerializer, **NOT_FOUND},
    )
    def get(self, request: Request, slug: str) -> Response:
        team = get_object_or_404(Department.objects.select_related("manager"), slug=slug)
        if not r.can_see_department(request.user, team):
            raise Http404
        found = r.department_summary(r.scoped_current(request.user), team)
        data = {
            "id": team.pk,
            "slug": team.slug,
            "name": team.name,
            "manager": team.manager.get_username() if team.manager else None,
            **_summary(found.summary),
            "owned": found.owned,
            "held_by_department": found.held_by_department,
            "held_by_members": found.held_by_members,
            "members": [
                {
                    "username": m.user.get_username(),
                    "name": m.user.get_full_name() or m.user.get_username(),
                    "is_active": m.user.is_active,
                    "asset_count": m.count,
                    "cost": m.cost,
                }
                for m in found.members
            ],
            "assets_url": _register(request, department=team.pk),
        }
        return Response(DepartmentSummarySerializer(data).data)
