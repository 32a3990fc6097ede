"""The OpenAPI schema says every answer an operation can give, errors included.

``ApiAutoSchema`` adds to each operation the error responses DRF really sends, with their
bodies: 400 where there is input to refuse, 401 where a token or session is read, 403
where a permission or the CSRF check can refuse, 404 where a path names an object or a
page of a list is chosen, 413 where there is a request body. Views keep their own
descriptions of these codes.
"""

from __future__ import annotations

import re
from typing import Any

from django.urls.converters import get_converters
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import AllowAny

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

VALIDATION_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "Messages by input field; `non_field_errors` holds those about the input as a whole, "
        "`detail` says why a request body could not be read."
    ),
    "additionalProperties": {
        "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]
    },
}

DEFAULT_DESCRIPTIONS = {
    "400": "Bad input; the messages are by field.",
    "401": (
        "No valid credentials: not signed in, or the token is unknown or has expired "
        "(`WWW-Authenticate: Token`)."
    ),
    "403": "Not allowed to do this here (or the CSRF check of a signed-in session failed).",
    "404": "Not found: no such object here, or no such page of the list.",
    "413": "The request body is too large (core.uploads refuses it before it is read).",
}

# A parameter of a Django route: <name> or <converter:name>.
ROUTE_PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")


class ErrorSerializer(serializers.Serializer[Any]):
    """The body of DRF's error answers other than bad input."""

    detail = serializers.CharField(help_text="What went wrong, in the request's language.")


class ApiAutoSchema(AutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        parameters = operation.get("parameters", [])
        self._constrain_path_parameters(parameters)
        responses = operation.setdefault("responses", {})
        for code in self._error_codes(operation, parameters):
            responses.setdefault(code, {"description": DEFAULT_DESCRIPTIONS[code]})
        # Error answers, added here or declared by a view without a body: DRF's bodies.
        for code, response in responses.items():
            if not code.startswith("4"):
                continue
            if "content" not in response:
                response["content"] = self._error_content(code)
            if code == "401":
                response["headers"] = {
                    "WWW-Authenticate": {
                        "schema": {"type": "string"},
                        "description": "The scheme to authenticate with: `Token`.",
                    }
                }
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_codes(self, operation: dict[str, Any], parameters: list[Any]) -> list[str]:
        codes = []
        query = [p for p in parameters if p.get("in") == "query"]
        if "requestBody" in operation or any(p["name"] != "page" for p in query):
            codes.append("400")
        authenticators = self.view.get_authenticators()
        if any(isinstance(a, TokenAuthentication) for a in authenticators):
            codes.append("401")
        refuses = any(not isinstance(p, AllowAny) for p in self.view.get_permissions())
        csrf = self.method in UNSAFE_METHODS and any(
            isinstance(a, SessionAuthentication) for a in authenticators
        )
        if refuses or csrf:
            codes.append("403")
        if any(p.get("in") == "path" for p in parameters) or any(
            p["name"] == "page" for p in query
        ):
            codes.append("404")
        if "requestBody" in operation:
            codes.append("413")
        return codes

    def _constrain_path_parameters(self, parameters: list[dict[str, Any]]) -> None:
        """Path parameters as the URL's converters take them (<int:…> digits only, <slug:…>
        and <str:…> their characters), so a value outside them is not promised an answer
        from the API: Django's own 404 page answers it."""
        known = get_converters()
        converters = {
            name: known[converter or "str"]
            for converter, name in ROUTE_PARAMETER.findall(self.path_regex)
        }
        for parameter in parameters:
            if parameter.get("in") != "path" or parameter["name"] not in converters:
                continue
            schema = parameter.setdefault("schema", {})
            if schema.get("type") == "integer":
                schema.setdefault("minimum", 0)
            elif schema.get("type") == "string":
                schema.setdefault("pattern", f"^{converters[parameter['name']].regex}$")

    def _error_content(self, code: str) -> dict[str, Any]:
        if code == "400":
            component = ResolvedComponent(  # type: ignore[no-untyped-call]  # untyped upstream
                name="ValidationError",
                type=ResolvedComponent.SCHEMA,
                object="ValidationError",
                schema=VALIDATION_ERROR_SCHEMA,
            )
            self.registry.register_on_missing(component)
            schema = component.ref
        else:
            error = self.resolve_serializer(ErrorSerializer(), "response")
            schema = error.ref
        return {media_type: {"schema": schema} for media_type in self.map_renderers("media_type")}
