"""API: the retirement candidates, as the report page lists them (same filters, same people)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from assets import retirement
from assets.views.retirement import candidates_for


class RetirementCandidatesReport(GenericAPIView):
    """Active assets past their expected life, costly to repair, or out of warranty and failing.

    Filters: ``category`` (slug), ``location`` (id, with what is inside it), ``reason``
    (past_life, repair_cost, failing). IT staff and auditors; others get a 403."""

    serializer_class = serializers.Serializer  # rows are built by hand; documented below

    @extend_schema(
        tags=["reports"],
        operation_id="reports_retirement_candidates",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        form, valid, items = candidates_for(request._request, request.query_params)
        if not valid:
            raise ValidationError(form.errors)
        today = timezone.localdate()
        page = self.paginate_queryset(items)
        rows = [
            {
                "tag": a.tag,
                "name": a.name,
                "status": a.status,
                "category": a.category.slug,
                "location": a.location_id,
                "reasons": [n for n in retirement.REASONS if getattr(a, f"is_{n}")],
                "age_months": retirement.age_months(a, today),
                "purchase_date": a.purchase_date,
                "purchase_cost": a.purchase_cost,
                "maintenance_cost": f"{Decimal(str(a.maintenance_cost or 0)):.2f}",
                "warranty_end": a.warranty_end,
                "repairs_last_12_months": a.recent_repairs,
                "open_repair": a.open_repair,
                "condition": a.condition,
                "url": a.get_absolute_url(),
            }
            for a in page
        ]
        return self.get_paginated_response(rows)
