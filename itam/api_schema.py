"""The OpenAPI schema's defaults, so that no operation forgets the errors it can answer.

Every view documents its success and its own refusals (a 409 a move can meet, a 403 naming the
role it needs). What every endpoint shares is added here once instead of on each view: the
error shape of ``itam.api.exception_handler`` for 401 (not signed in), 403 (not allowed, or a
session request without its CSRF token), 404 (an unknown id, one you may not see, or a page past
the end of a list) and 400 (bad input: a body, or a query parameter a filter refuses). Ids in
paths are integers, whatever the URL pattern matches.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny

BODY_METHODS = {"POST", "PUT", "PATCH"}


def _is_id(name: str) -> bool:
    return name in ("id", "pk") or name.endswith(("_id", "_pk"))


def _source_may_be_null(field: serializers.Field) -> bool:
    """Whether a response field reads through a nullable model field (found by the fuzz).

    ``SlugRelatedField(slug_field="username", read_only=True)`` on ``ended_by``, or
    ``CharField(source="vendor.name")``, answers null when the relation is empty, but a declared
    field is not ``allow_null`` unless someone remembers: the schema then says "string" and the
    response says null. One rule here instead of a flag on every such field.
    """
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    attrs = getattr(field, "source_attrs", None) or []
    if model is None or not attrs or getattr(field, "source", "") == "*":
        return False
    for attr in attrs:
        try:
            model_field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return False  # a property or method: its own annotation says what it returns
        if model_field.many_to_many or model_field.one_to_many:
            return False
        if model_field.null or (model_field.one_to_one and model_field.auto_created):
            return True
        if not model_field.is_relation:
            return False
        model = model_field.related_model
    return False


class ItamAutoSchema(AutoSchema):
    """``drf_spectacular``'s schema with the shared error answers and integer ids."""

    def get_operation(
        self, path: str, path_regex: str, path_prefix: str, method: str, registry
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        for parameter in operation.get("parameters", []):
            schema = parameter.get("schema", {})
            is_id = parameter["in"] == "path" and _is_id(parameter["name"])
            if is_id and schema.get("type") == "string":
                parameter["schema"] = {"type": "integer"}
        responses = operation["responses"]
        for code, response in self._shared_errors(operation).items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if direction == "response" and not meta.get("nullable") and _source_may_be_null(field):
            meta["nullable"] = True
        return meta

    def _needs_sign_in(self) -> bool:
        classes = getattr(self.view, "permission_classes", None) or []
        return bool(classes) and not any(
            isinstance(cls, type) and issubclass(cls, AllowAny) for cls in classes
        )

    def _shared_errors(self, operation: dict[str, Any]) -> dict[str, OpenApiResponse]:
        # Imported here: the serializers module imports models, which settings must not.
        from assets.api.serializers import ErrorSerializer, ValidationErrorSerializer

        errors: dict[str, OpenApiResponse] = {}
        takes_input = "requestBody" in operation or any(
            parameter["in"] == "query" for parameter in operation.get("parameters", [])
        )
        if takes_input or self.method in BODY_METHODS:
            errors["400"] = OpenApiResponse(
                ValidationErrorSerializer,
                description="Bad input: `detail` sums it up, `errors` says what to fix per field.",
            )
        if self._needs_sign_in():
            errors["401"] = OpenApiResponse(
                ErrorSerializer,
                description="Not signed in: send `Authorization: Token <key>` (from "
                "/api/v1/auth/token/) or a session cookie.",
            )
            errors["403"] = OpenApiResponse(
                ErrorSerializer,
                description="Not allowed: `detail` names what your role lacks (or a session "
                "request came without its CSRF token).",
            )
            errors["404"] = OpenApiResponse(
                ErrorSerializer,
                description="Not found: no such record, one you may not see, or a page past "
                "the end of the list.",
            )
        return errors
