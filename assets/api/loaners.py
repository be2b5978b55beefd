"""The loaner pools API, as ``/loaners/`` shows them: one pool per asset model.

``GET /api/v1/loaner-pools/``: every pool with its size and how many are free today (anyone
signed in, as the loaners page); ``GET /api/v1/loaner-pools/<model_id>/``: one pool, its assets
and the person's calendar feed; ``POST /api/v1/loaner-pools/add/``: IT staff put an asset into
its model's pool (``assets.reservations.set_in_pool``). Bookings are ``/api/v1/reservations/``.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from assets import reservations as rs
from assets.choices import AssetStatus
from assets.models import Asset, AssetModel, Reservation
from assets.views.loaners import feed_url

from .serializers import StrictInput

ORDERINGS = {
    "category": lambda pool: (pool.model.category.name, str(pool.model)),
    "model": lambda pool: str(pool.model),
    "size": lambda pool: (pool.size, str(pool.model)),
    "free_today": lambda pool: (pool.free_today, str(pool.model)),
}


class PoolSerializer(serializers.Serializer):
    """A pool: the model's bookable assets, and how many are free today."""

    model = serializers.IntegerField(source="model.pk", help_text="The asset model's id.")
    url = serializers.SerializerMethodField(help_text="This pool in the API.")
    model_name = serializers.CharField(source="model.__str__", help_text="Maker and model.")
    category = serializers.CharField(source="model.category.slug")
    category_name = serializers.CharField(source="model.category.name")
    size = serializers.IntegerField(help_text="Assets in the pool (not retired or missing).")
    free_today = serializers.IntegerField(help_text="In stock and not booked for today.")
    bookings_url = serializers.SerializerMethodField(help_text="The pool's bookings.")

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_url(self, pool: rs.Pool) -> str:
        return self._absolute(reverse("api-loaner-pool-detail", args=[pool.model.pk]))

    def get_bookings_url(self, pool: rs.Pool) -> str:
        return self._absolute(f"{reverse('api-reservation-list')}?model={pool.model.pk}")


class PoolAssetSerializer(serializers.Serializer):
    tag = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField(help_text="The asset's lifecycle status.")
    free_today = serializers.BooleanField(help_text="In stock and not booked for today.")


class PoolDetailSerializer(PoolSerializer):
    assets = PoolAssetSerializer(many=True)
    calendar_url = serializers.CharField(
        help_text="Your iCalendar feed of the pool's bookings (a signed link: keep it private)."
    )


class AddToPoolInput(StrictInput, serializers.Serializer):
    tag = serializers.CharField(max_length=40, help_text="The asset joins its model's pool.")
    reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text="Kept in its history."
    )


def _detail(request: Request, model: AssetModel) -> dict:
    today = timezone.localdate()
    members = list(rs.pool_assets(model).order_by("tag"))
    busy = set(
        Reservation.objects.filter(rs.covering(today), asset__in=members).values_list(
            "asset_id", flat=True
        )
    )
    free = [a for a in members if a.status == AssetStatus.IN_STOCK and a.pk not in busy]
    pool = rs.Pool(model=model, size=len(members), free_today=len(free))
    data = PoolSerializer(pool, context={"request": request}).data
    return {
        **data,
        "assets": [
            {"tag": a.tag, "name": a.name, "status": a.status, "free_today": a in free}
            for a in members
        ],
        "calendar_url": feed_url(request.user, model),
    }


@extend_schema(tags=["reservations"])
class LoanerPoolViewSet(viewsets.GenericViewSet):
    """Loaner pools, one per asset model (``lookup`` is the model's id)."""

    permission_classes = [IsAuthenticated]
    serializer_class = PoolSerializer
    filter_backends: list = []
    lookup_value_regex = "[0-9]+"

    @extend_schema(
        summary="List loaner pools",
        description="Every model with assets in the loaner pool, with its size and how many "
        "are free today. Anyone signed in, as the loaners page.",
        parameters=[
            OpenApiParameter(
                "category", OpenApiTypes.STR, description="Only the pools of this category (slug)."
            ),
            OpenApiParameter(
                "ordering",
                OpenApiTypes.STR,
                enum=[*ORDERINGS, *(f"-{key}" for key in ORDERINGS)],
                description="Sort by; `-` for descending. Default: category, then model.",
            ),
        ],
        responses={200: PoolSerializer(many=True)},
    )
    def list(self, request: Request) -> Response:
        found = rs.pools()
        category = request.query_params.get("category", "").strip()
        if category:
            found = [pool for pool in found if pool.model.category.slug == category]
        ordering = request.query_params.get("ordering", "").strip()
        if ordering:
            key = ORDERINGS.get(ordering.removeprefix("-"))
            if key is None:
                raise ValidationError(
                    {"ordering": [f"Sort by one of: {', '.join(ORDERINGS)} (“-” to reverse)."]}
                )
            found = sorted(found, key=key, reverse=ordering.startswith("-"))
        page = self.paginate_queryset(found)
        return self.get_paginated_response(
            PoolSerializer(page, many=True, context={"request": request}).data
        )

    @extend_schema(
        summary="One loaner pool",
        description="The pool's assets (free today or not) and your calendar feed of its "
        "bookings. 404 when the model has no pool.",
        responses={200: PoolDetailSerializer},
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        model = AssetModel.objects.select_related("manufacturer", "category").filter(pk=pk).first()
        if model is None or not rs.pool_assets(model).exists():
            raise Http404
        return Response(_detail(request, model))

    @extend_schema(
        operation_id="loaner_pools_add",
        summary="Put an asset into its model's pool",
        description="IT staff (403 otherwise). The asset needs a model and must not be "
        "retired, disposed of or missing (400 saying which). Already in the pool: no change. "
        "Answers the pool.",
        request=AddToPoolInput,
        responses={200: PoolDetailSerializer},
    )
    @action(detail=False, methods=["post"], url_path="add", url_name="add")
    def add(self, request: Request) -> Response:
        if not rs.manages_loans(request.user) or not request.user.has_perm("assets.change_asset"):
            raise rs.ReservationNotPermitted("Only IT staff manage the loaner pools.")
        body = AddToPoolInput(data=request.data)
        body.is_valid(raise_exception=True)
        tag = body.validated_data["tag"].strip()
        asset = Asset.objects.filter(tag__iexact=tag).first()
        if asset is None:
            raise ValidationError({"tag": [f"No asset has the tag “{tag}”."]})
        asset = rs.set_in_pool(
            asset, actor=request.user, reason=body.validated_data.get("reason", "")
        )
        model = AssetModel.objects.select_related("manufacturer", "category").get(pk=asset.model_id)
        return Response(_detail(request, model))
