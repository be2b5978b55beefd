"""The in-app inbox in the API: my notifications only, and marking them read."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.response import Response

from assets.api.serializers import StrictInput, ValidationErrorSerializer

from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "subject", "body", "url", "created_at", "read_at", "is_read"]
        read_only_fields = fields

    def get_is_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class MarkReadInput(StrictInput, serializers.Serializer):
    """Either ``ids`` (yours) or ``all: true``; an empty body marks nothing, by design."""

    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        allow_empty=False,
        help_text="The notifications to mark read (ids of yours).",
    )
    all = serializers.BooleanField(required=False, help_text="Mark every unread one read.")

    def validate(self, attrs: dict) -> dict:
        ids, everything = attrs.get("ids"), attrs.get("all", False)
        if bool(ids) == bool(everything):
            raise serializers.ValidationError(
                {"non_field_errors": ["Give ids (a list of your notifications' ids) or all: true."]}
            )
        if ids:
            user = self.context["request"].user
            mine = set(
                Notification.objects.filter(recipient=user, pk__in=ids).values_list("pk", flat=True)
            )
            unknown = sorted(set(ids) - mine)
            if unknown:
                raise serializers.ValidationError(
                    {"ids": [f"No notification of yours with id {', '.join(map(str, unknown))}."]}
                )
        return attrs


class MarkedReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many were unread and are now read.")
    unread = serializers.IntegerField(help_text="How many unread are left.")


class NotificationFilterSet(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label="Only unread (true) or read (false)"
    )
    kind = django_filters.CharFilter(label="Kind, e.g. request_waiting")

    class Meta:
        model = Notification
        fields = ["unread", "kind"]


@extend_schema(tags=["notifications"])
@extend_schema_view(
    list=extend_schema(
        summary="My notifications",
        description="Your inbox, newest first; `unread=true` for the unread ones only.",
        responses={200: NotificationSerializer(many=True), 400: ValidationErrorSerializer},
    )
)
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Each person reads only their own inbox."""

    serializer_class = NotificationSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = NotificationFilterSet
    ordering_fields = ["created_at", "read_at", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no one signed in
            return Notification.objects.none()
        return Notification.objects.filter(recipient=self.request.user)

    def get_serializer_class(self):
        return MarkReadInput if self.action == "read" else NotificationSerializer

    @extend_schema(
        operation_id="notifications_mark_read",
        summary="Mark notifications read",
        description='`{"ids": [...]}` marks those (they must be yours), `{"all": true}` '
        "marks every unread one. Already read ones keep their first read time.",
        request=MarkReadInput,
        responses={
            200: MarkedReadSerializer,
            400: OpenApiResponse(ValidationErrorSerializer, description="Bad input: see errors."),
        },
    )
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def read(self, request: Request) -> Response:
        body = MarkReadInput(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        unread = self.get_queryset().filter(read_at__isnull=True)
        chosen = (
            unread
            if body.validated_data.get("all")
            else unread.filter(pk__in=body.validated_data["ids"])
        )
        marked = chosen.update(read_at=timezone.now())
        return Response({"marked": marked, "unread": unread.count()})
