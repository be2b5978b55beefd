"""The people list and the sign-in link, as the people pages offer them.

``GET /api/v1/people/``: everyone, searchable, with how many assets each holds, for IT staff and
auditors (``assets.view_asset``), a 403 for others, as ``/people/``; the query and its search are
the page's (``assets.views.people.people_queryset``). ``POST /api/v1/people/<username>/
send-sign-in-link/``: IT staff e-mail a person a fresh sign-in link, as the request and people
pages do (``itam.accounts.send_sign_in_link``).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assets.offboarding import visible_people
from assets.views.people import people_queryset
from itam.accounts import can_send_sign_in_link, send_sign_in_link

from .people import PersonDepartmentSerializer

User = get_user_model()


class PersonRowSerializer(serializers.ModelSerializer):
    """One person in the list; what they hold is at ``url``."""

    url = serializers.SerializerMethodField(help_text="The person and what they hold.")
    web_url = serializers.SerializerMethodField(help_text="The person's page.")
    name = serializers.SerializerMethodField()
    department = serializers.SerializerMethodField()
    job_title = serializers.SerializerMethodField()
    held_count = serializers.IntegerField(
        read_only=True,
        help_text="Assets deployed to them, or in maintenance or missing while theirs.",
    )

    class Meta:
        model = User
        fields = [
            "username",
            "url",
            "web_url",
            "name",
            "first_name",
            "last_name",
            "email",
            "is_active",
            "department",
            "job_title",
            "held_count",
        ]
        read_only_fields = fields

    def get_url(self, person) -> str:
        path = reverse("api-person", args=[person.get_username()])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_web_url(self, person) -> str:
        return reverse("people:detail", args=[person.get_username()])

    def get_name(self, person) -> str:
        return person.get_full_name() or person.get_username()

    @extend_schema_field(PersonDepartmentSerializer(allow_null=True))
    def get_department(self, person) -> dict | None:
        profile = getattr(person, "profile", None)
        team = profile.department if profile else None
        return {"id": team.pk, "name": team.name, "slug": team.slug} if team else None

    def get_job_title(self, person) -> str:
        profile = getattr(person, "profile", None)
        return profile.job_title if profile else ""


class PersonFilterSet(filters.FilterSet):
    q = filters.CharFilter(method="search", label="Search name, username or e-mail")
    department = filters.CharFilter(
        field_name="profile__department__slug", label="Department (slug)"
    )
    holding = filters.BooleanFilter(
        method="by_holding",
        label="true: only people holding assets; false: only those holding none",
    )
    is_active = filters.BooleanFilter(label="false: only deactivated accounts")

    class Meta:
        model = User
        fields = ["q", "department", "holding", "is_active"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """The people page's search, as a subquery (one place decides what matches)."""
        if not value.strip():
            return queryset
        return queryset.filter(pk__in=people_queryset({"q": value}).values("pk"))

    def by_holding(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(held_count__gt=0) if value else queryset.filter(held_count=0)


class SeesEveryone(BasePermission):
    """Signed in, and ``assets.view_asset`` (IT staff, auditors): a 403 that says so otherwise."""

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if not request.user.has_perm("assets.view_asset"):
            raise PermissionDenied("Only IT staff and auditors see the list of people.")
        return True


@extend_schema(
    tags=["people"],
    summary="List people",
    description="Everyone, with their department and how many assets each holds, by last "
    "name; `q` searches name, username and e-mail. IT staff and auditors; others 403 (their "
    "own record is at /api/v1/people/<username>/).",
)
class PeopleListView(generics.ListAPIView):
    permission_classes = [SeesEveryone]
    serializer_class = PersonRowSerializer
    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    filterset_class = PersonFilterSet
    ordering_fields = ["username", "last_name", "first_name", "email", "held_count", "id"]

    def get_queryset(self) -> QuerySet:
        return people_queryset({})


class SignInLinkSentSerializer(serializers.Serializer):
    detail = serializers.CharField()
    username = serializers.CharField()
    email = serializers.CharField()


class SendSignInLinkView(APIView):
    @extend_schema(
        tags=["people"],
        operation_id="people_send_sign_in_link",
        summary="E-mail a person a sign-in link",
        description="A fresh link to choose a password and sign in (e.g. a new hire whose "
        "welcome expired); earlier links stay valid until they expire. IT staff only (403 "
        "otherwise); an inactive account or one without an e-mail address is a 400.",
        request=None,
        responses={200: SignInLinkSentSerializer},
    )
    def post(self, request: Request, username: str) -> Response:
        if not can_send_sign_in_link(request.user):
            raise PermissionDenied("Only IT staff send sign-in links.")
        person = get_object_or_404(visible_people(request.user), username=username)
        send_sign_in_link(person, actor=request.user)  # ValidationError -> 400
        return Response(
            {
                "detail": f"Sent a sign-in link to {person.get_username()} at {person.email}.",
                "username": person.get_username(),
                "email": person.email,
            }
        )
