"""The API's token login, which tells a locked-out script so instead of "wrong password"."""

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response

from assets.api.serializers import ErrorSerializer, ValidationErrorSerializer


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`.")


class TokenLoginView(ObtainAuthToken):
    """``POST /api/v1/auth/token/`` with username and password; throttled like the login page."""

    @extend_schema(
        summary="Get an API token",
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(
                ValidationErrorSerializer, description="Wrong username or password."
            ),
            429: OpenApiResponse(
                ErrorSerializer,
                description="Too many failed attempts: locked out for a while.",
            ),
        },
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        credentials = {"username": request.data.get("username", "")}
        if AxesProxyHandler.is_locked(request._request, credentials):
            minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
            return Response(
                {
                    "detail": "Too many failed sign-in attempts for this account from this "
                    f"address: try again in {minutes} minutes.",
                    "code": "locked_out",
                },
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        return super().post(request, *args, **kwargs)
