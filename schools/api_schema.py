"""The OpenAPI description of the answers every API view can give besides its own: DRF's error bodies.

The schema is a contract that clients generate code from and that the conformance tests hold the API to, so an
error a view can return is documented with the body it really has.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The body of an error that is not about one field."""

    detail = serializers.CharField()


# DRF's body for invalid input: each field (or `non_field_errors`) with its messages.
FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "example": {"date_to": ["Must be on or after date_from."]},
}

UNAUTHENTICATED = OpenApiResponse(ErrorSerializer, description="No token or session, or an unknown token.")
NO_TRUST = OpenApiResponse(ErrorSerializer, description="The account belongs to no trust, or lacks the role.")
BAD_INPUT = OpenApiResponse(FIELD_ERRORS, description="A malformed parameter or body, by field.")
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such object among the caller's, or a page past the end.")
UNSUPPORTED_MEDIA_TYPE = OpenApiResponse(ErrorSerializer, description="The body is not in a media type listed here.")


class TrustAutoSchema(AutoSchema):
    """AutoSchema that adds the error responses of trust-scoped views; a response a view declares itself wins."""

    def error_responses(self) -> dict[str, OpenApiResponse]:
        """The errors this operation can give, by status code."""
        has_body = self.method in ("POST", "PUT", "PATCH")
        errors = {"401": UNAUTHENTICATED, "403": NO_TRUST}
        if has_body or self.get_override_parameters():
            errors["400"] = BAD_INPUT
        if "{" in self.path or (self._is_list_view() and self._get_paginator() is not None):
            errors["404"] = NOT_FOUND
        if has_body:
            errors["415"] = UNSUPPORTED_MEDIA_TYPE
        return errors

    # drf-spectacular builds every response of an operation here; extend_schema(responses=...) replaces the
    # view's own ones, which is why the errors are added at this step and not in get_response_serializers.
    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        for code, response in self.error_responses().items():
            if code not in bodies:
                bodies[code] = self._get_response_for_code(response, code, direction=direction)
        return dict(sorted(bodies.items()))
