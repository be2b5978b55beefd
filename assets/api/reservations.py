"""The reservations API: bookings of loaner-pool assets at ``/api/v1/reservations/``.

Views stay thin: scoping comes from ``reservations.visible_reservations`` (a booking you cannot
see is a 404), every change from a service in ``assets.reservations`` (which decides who may act:
a 403 naming why; and what the dates and states allow: 400 per field, 409 for a clash or a state
that refuses the step).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from assets import reservations as rs
from assets.choices import Condition, ReservationStatus
from assets.models import Asset, AssetModel, Reservation

from .serializers import (
    ErrorSerializer,
    StrictInput,
    ValidationErrorSerializer,
    location_field,
    pk_field,
    user_field,
)

RELATED = ("asset__model__manufacturer", "model__manufacturer", "person", "booked_by")


# --- output --------------------------------------------------------------------------------------


class ReservationSerializer(serializers.ModelSerializer):
    """A booking as scripts see it; people by username, the asset by tag."""

    url = serializers.SerializerMethodField(help_text="This booking in the API.")
    asset = serializers.SlugRelatedField(slug_field="tag", read_only=True)
    asset_name = serializers.CharField(source="asset.name", read_only=True, allow_null=True)
    model_name = serializers.SerializerMethodField()
    pool = serializers.SerializerMethodField(help_text="The pool's model id (the asset's model).")
    person = serializers.SlugRelatedField(slug_field="username", read_only=True)
    person_name = serializers.SerializerMethodField()
    booked_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Reservation
        fields = [
            "id",
            "url",
            "asset",
            "asset_name",
            "model",
            "model_name",
            "pool",
            "person",
            "person_name",
            "booked_by",
            "starts_on",
            "ends_on",
            "status",
            "status_label",
            "note",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "model": {"help_text": "Set when any asset of this model was asked for (id)."}
        }

    def get_url(self, booking: Reservation) -> str:
        path = reverse("api-reservation-detail", args=[booking.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_model_name(self, booking: Reservation) -> str | None:
        model = booking.model or (booking.asset.model if booking.asset else None)
        return str(model) if model else None

    def get_pool(self, booking: Reservation) -> int | None:
        return booking.asset.model_id if booking.asset else booking.model_id

    def get_person_name(self, booking: Reservation) -> str:
        return booking.person.get_full_name() or booking.person.get_username()


class ReservationRefusedSerializer(ErrorSerializer):
    reservation = serializers.IntegerField(required=False)
    current_status = serializers.CharField(required=False)
    asset_status = serializers.CharField(required=False, allow_null=True)
    tag = serializers.CharField(required=False)
    clashing_reservation = serializers.IntegerField(required=False)
    clash_starts_on = serializers.DateField(required=False)
    clash_ends_on = serializers.DateField(required=False)


# --- input ---------------------------------------------------------------------------------------


class BookInput(StrictInput, serializers.Serializer):
    """``POST /api/v1/reservations/``: one pool asset by tag, or any asset of a model by id."""

    asset = serializers.SlugRelatedField(
        slug_field="tag",
        queryset=Asset.objects.filter(reservable=True),
        required=False,
        help_text="A loaner's tag. Give this or model.",
        error_messages={"does_not_exist": "No loaner-pool asset has the tag “{value}”."},
    )
    model = pk_field(
        AssetModel.objects.all(),
        "asset model",
        required=False,
        help_text="Any free asset of this model (id); the one chosen is in the answer.",
    )
    person = user_field(
        required=False, help_text="For whom (username); IT staff only. Defaults to you."
    )
    starts_on = serializers.DateField(help_text="First day (today or later).")
    ends_on = serializers.DateField(help_text="Last day, included; at most ITAM_MAX_LOAN_DAYS.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)

    def perform(self, actor) -> Reservation:
        data: dict[str, Any] = dict(self.validated_data)
        data.setdefault("person", actor)
        return rs.book(actor=actor, **data)


class CancelInput(StrictInput, serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Why; needed when it is someone else's booking (they are told).",
    )

    def perform(self, booking: Reservation, actor) -> Reservation:
        return rs.cancel(booking, actor=actor, reason=self.validated_data.get("reason", ""))


class HandOutInput(StrictInput, serializers.Serializer):
    checklist_done = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Ids of the category's deployment steps that were done.",
    )

    def perform(self, booking: Reservation, actor) -> Reservation:
        done = self.validated_data.get("checklist_done")
        return rs.hand_out(booking, actor=actor, checklist_done=done)


class ReturnInput(StrictInput, serializers.Serializer):
    location = location_field(required=False, help_text="Where it is put back (id).")
    condition = serializers.ChoiceField(choices=Condition.choices, required=False)

    def perform(self, booking: Reservation, actor) -> Reservation:
        return rs.give_back(booking, actor=actor, **self.validated_data)


# --- filters -------------------------------------------------------------------------------------


class ReservationFilterSet(django_filters.FilterSet):
    asset = django_filters.CharFilter(
        field_name="asset__tag", lookup_expr="iexact", label="Asset (tag)"
    )
    model = django_filters.NumberFilter(
        method="in_pool", label="Pool: the asset model (id), asked for or chosen"
    )
    person = django_filters.CharFilter(
        field_name="person__username", lookup_expr="iexact", label="For (username)"
    )
    status = django_filters.MultipleChoiceFilter(choices=ReservationStatus.choices, label="Status")

    class Meta:
        model = Reservation
        fields = ["asset", "model", "person", "status"]

    def in_pool(self, queryset, name: str, value):
        if value is None:
            return queryset
        return queryset.filter(asset__model=value) | queryset.filter(model=value)


# ``from`` is a keyword, so the two date filters are added by name.
ReservationFilterSet.base_filters["from"] = django_filters.DateFilter(
    field_name="ends_on", lookup_expr="gte", label="Bookings with a day on or after this date"
)
ReservationFilterSet.base_filters["to"] = django_filters.DateFilter(
    field_name="starts_on", lookup_expr="lte", label="Bookings with a day on or before this date"
)


# --- the view ------------------------------------------------------------------------------------

BAD_INPUT = OpenApiResponse(ValidationErrorSerializer, description="Bad input: see errors.")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="Your role does not allow this.")
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such booking, or not one you see.")
REFUSED = OpenApiResponse(
    ReservationRefusedSerializer,
    description="The dates clash with another booking, or the booking's (or asset's) state "
    "refuses this step.",
)
ERRORS = {400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND, 409: REFUSED}


def _step(name: str, input_class, url_path: str, summary: str, description: str):
    """``POST /api/v1/reservations/<id>/<step>/``: find it (404), validate, call the service."""

    def handler(self: ReservationViewSet, request: Request, pk: str | None = None) -> Response:
        booking = self.get_object()
        body = input_class(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        body.perform(booking, request.user)
        return Response(self.detail_of(booking.pk))

    handler.__name__ = name
    handler.__doc__ = description
    handler = action(detail=True, methods=["post"], url_path=url_path, url_name=url_path)(handler)
    return extend_schema(
        operation_id=f"reservations_{name}",
        summary=summary,
        description=description,
        request=input_class,
        responses={200: ReservationSerializer, **ERRORS},
    )(handler)


@extend_schema(tags=["reservations"])
@extend_schema_view(
    list=extend_schema(
        summary="List bookings",
        description="Your bookings (for you or made by you); IT staff and auditors see all. "
        "`from`/`to` keep bookings with at least one day in that range.",
        responses={200: ReservationSerializer(many=True), 400: BAD_INPUT},
    ),
    retrieve=extend_schema(
        summary="One booking", responses={200: ReservationSerializer, 404: NOT_FOUND}
    ),
)
class ReservationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Bookings of loaner-pool assets; each step goes through ``assets.reservations``."""

    serializer_class = ReservationSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = ReservationFilterSet
    ordering_fields = ["starts_on", "ends_on", "created_at", "id"]
    queryset = Reservation.objects.none()  # for the schema; get_queryset scopes per person

    def get_queryset(self):
        return (
            rs.visible_reservations(self.request.user)
            .select_related(*RELATED)
            .order_by("starts_on", "pk")
        )

    def get_serializer_class(self):
        return {
            "create": BookInput,
            "cancel": CancelInput,
            "hand_out": HandOutInput,
            "give_back": ReturnInput,
        }.get(self.action, ReservationSerializer)

    def detail_of(self, pk: int) -> dict:
        booking = Reservation.objects.select_related(*RELATED).get(pk=pk)
        return ReservationSerializer(booking, context=self.get_serializer_context()).data

    @extend_schema(
        summary="Book a loaner",
        description="Book one pool asset (`asset`, a tag) or any free asset of a model (`model`, "
        "an id) for `starts_on`..`ends_on` (both included). Anyone books for themselves; IT staff "
        "also for others (`person`). A clash with another booking of the asset, or a pool with "
        "nothing free on those days, is a 409 naming it.",
        request=BookInput,
        responses={201: ReservationSerializer, **ERRORS},
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        body = BookInput(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        booking = body.perform(request.user)
        return Response(self.detail_of(booking.pk), status=status.HTTP_201_CREATED)

    cancel = _step(
        "cancel",
        CancelInput,
        "cancel",
        "Cancel a booking",
        "The person, whoever booked it, or IT staff; only before it is handed out (else 409). "
        "Cancelling someone else's booking needs a reason.",
    )
    hand_out = _step(
        "hand_out",
        HandOutInput,
        "hand-out",
        "Hand out",
        "IT staff deploy the booked asset to the person, from the booking's first day to its "
        "last; the expected return date is the last day. Before the first day, or with the "
        "asset not in stock (in maintenance, missing, deployed to someone else): 409.",
    )
    give_back = _step(
        "give_back",
        ReturnInput,
        "return",
        "Take back",
        "IT staff check the loaner in (optionally at a location, with its condition); the "
        "booking becomes returned.",
    )
