"""Open311 GeoReport v2 in the API's OpenAPI description.

The Open311 endpoints are plain Django views of the reports module (/open311/v2/ on each
municipality's host name), so drf-spectacular cannot see them: this postprocessing hook
adds their description, with parameters, both formats and the specification's error list.
"""

from __future__ import annotations

from typing import Any

TAG = "open311"
PREFIX = "/open311/v2"

JSON_TYPE = "application/json"
XML_TYPE = "text/xml"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, description: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "nullable": True, "description": description, **extra}


COMPONENTS: dict[str, Any] = {
    "Open311Error": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {
            "code": {"type": "integer", "description": "The HTTP status, repeated."},
            "description": {"type": "string", "description": "What went wrong."},
        },
    },
    "Open311ErrorList": {
        "type": "array",
        "items": _ref("Open311Error"),
        "description": "The specification's error list (in XML: <errors><error>…).",
    },
    "Open311Discovery": {
        "type": "object",
        "required": ["changeset", "contact", "key_service", "endpoints"],
        "properties": {
            "changeset": {"type": "string", "format": "date-time"},
            "contact": {"type": "string"},
            "key_service": {"type": "string", "description": "How to get an api_key."},
            "endpoints": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["specification", "url", "changeset", "type", "formats"],
                    "properties": {
                        "specification": {"type": "string"},
                        "url": {"type": "string", "format": "uri"},
                        "changeset": {"type": "string", "format": "date-time"},
                        "type": {"type": "string", "enum": ["production", "test"]},
                        "formats": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
        },
    },
    "Open311Service": {
        "type": "object",
        "required": ["service_code", "service_name", "metadata", "type"],
        "properties": {
            "service_code": {"type": "string"},
            "service_name": {"type": "string"},
            "description": {"type": "string"},
            "metadata": {
                "type": "boolean",
                "description": "Whether the service definition has attributes to answer.",
            },
            "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
            "keywords": {"type": "string"},
            "group": {"type": "string"},
        },
    },
    "Open311ServiceDefinition": {
        "type": "object",
        "required": ["service_code", "attributes"],
        "properties": {
            "service_code": {"type": "string"},
            "attributes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["variable", "code", "datatype", "required", "order"],
                    "properties": {
                        "variable": {"type": "boolean"},
                        "code": {"type": "string"},
                        "datatype": {
                            "type": "string",
                            "enum": [
                                "string",
                                "number",
                                "datetime",
                                "text",
                                "singlevaluelist",
                                "multivaluelist",
                            ],
                        },
                        "required": {"type": "boolean"},
                        "datatype_description": _nullable("string", "How to answer."),
                        "order": {"type": "integer", "minimum": 1},
                        "description": {"type": "string"},
                        "values": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "key": {"type": "string"},
                                    "name": {"type": "string"},
                                },
                            },
                        },
                    },
                },
            },
        },
    },
    "Open311ServiceRequest": {
        "type": "object",
        "required": ["service_request_id", "status", "service_code", "requested_datetime"],
        "description": "A service request as anyone may see it: never who sent it.",
        "properties": {
            "service_request_id": {"type": "integer"},
            "status": {"type": "string", "enum": ["open", "closed"]},
            "status_notes": _nullable("string", "The city's public answer."),
            "service_name": {"type": "string"},
            "service_code": {"type": "string"},
            "description": {"type": "string"},
            "agency_responsible": _nullable("string", "The department handling it."),
            "service_notice": _nullable("string", "Not used."),
            "requested_datetime": {"type": "string", "format": "date-time"},
            "updated_datetime": _nullable("string", "Last change.", format="date-time"),
            "expected_datetime": _nullable(
                "string", "When it should be dealt with.", format="date-time"
            ),
            "address": _nullable("string", "As written, when there is one."),
            "address_id": _nullable("string", "Not used."),
            "zipcode": _nullable("string", "Not used."),
            "lat": _nullable("number", "Latitude (WGS 84); null for an address alone."),
            "long": _nullable("number", "Longitude (WGS 84); null for an address alone."),
            "media_url": _nullable("string", "The report's photo.", format="uri"),
        },
    },
    "Open311RequestCreated": {
        "type": "object",
        "required": ["service_request_id"],
        "properties": {
            "service_request_id": {"type": "integer"},
            "service_notice": {"type": "string"},
            "account_id": _nullable("string", "Not used."),
        },
    },
    "Open311Token": {
        "type": "object",
        "required": ["service_request_id", "token"],
        "properties": {
            "service_request_id": {"type": "integer"},
            "token": {"type": "string", "format": "uuid"},
        },
    },
}

FORMAT = {
    "name": "format",
    "in": "path",
    "required": True,
    "description": "`json` or `xml`: the format of the answer, errors included.",
    "schema": {"type": "string", "enum": ["json", "xml"]},
}


def _query(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string", **schema},
    }


def _path(name: str, description: str) -> dict[str, Any]:
    # Open311's paths stop at the first dot: the format follows it.
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "pattern": r"^[^/.]+$"},
    }


COMMON_QUERY = [
    _query(
        "jurisdiction_id",
        "Optional: the host name already names the municipality; another one answers 404.",
    ),
    _query("locale", "Language of names and descriptions (`ro`, `en`, `en-GB`…).", maxLength=20),
]

ERRORS = {
    "400": "Bad arguments; each error says which.",
    "403": "No api_key, or one that is not valid here.",
    "404": "No such resource, jurisdiction or format on this host.",
    "405": "The method is not allowed here.",
    "413": "The request body is too large.",
    "429": "Too many requests from this key or address; try again later.",
    "500": "Something went wrong on our side.",
}


def _document(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        JSON_TYPE: {"schema": schema},
        XML_TYPE: {"schema": {"type": "string", "description": "The same document in XML."}},
    }


def _responses(ok: str, schema: dict[str, Any], *errors: str) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": {"description": ok, "content": _document(schema)}}
    for code in sorted({*errors, "404", "405", "500"}):
        responses[code] = {
            "description": ERRORS[code],
            "content": _document(_ref("Open311ErrorList")),
        }
    return responses


def _get(
    operation_id: str,
    summary: str,
    response: str,
    schema: dict[str, Any],
    parameters: list[dict[str, Any]],
    *errors: str,
) -> dict[str, Any]:
    return {
        "operationId": operation_id,
        "summary": summary,
        "tags": [TAG],
        "security": [{}],
        "parameters": [*parameters, FORMAT, *COMMON_QUERY],
        "responses": _responses(response, schema, "400", *errors),
    }


def _list_of(name: str) -> dict[str, Any]:
    return {"type": "array", "items": _ref(name)}


REQUEST_QUERY = [
    _query(
        "service_request_id",
        "Comma-separated request ids; the other filters are then ignored.",
        maxLength=20000,
    ),
    _query("service_code", "Comma-separated service codes."),
    _query(
        "start_date",
        "From this date-time (with its time zone); 90 days at most.",
        format="date-time",
    ),
    _query("end_date", "Until this date-time (with its time zone).", format="date-time"),
    _query("status", "`open`, `closed` or both, separated by a comma."),
    _query(
        "updated_after", "Changed after this date-time; oldest change first.", format="date-time"
    ),
    _query("lat", "With `long`: the centre of a circle (WGS 84)."),
    _query("long", "With `lat`: the centre of a circle (WGS 84)."),
    _query("radius", "The circle's radius in metres (default 1000, at most 50000)."),
    _query("page", "Page of the answer, from 1."),
    _query("page_size", "Requests a page, at most 1000 (the default)."),
]

CREATE_BODY = {
    "required": True,
    "content": {
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "required": ["api_key", "service_code"],
                "properties": {
                    "api_key": {
                        "type": "string",
                        "description": "The key issued to the client; only in the body.",
                    },
                    "service_code": {"type": "string"},
                    "lat": {"type": "number", "description": "With `long`, or address_string."},
                    "long": {"type": "number"},
                    "address_string": {"type": "string", "description": "Kept as written."},
                    "address_id": {"type": "string", "description": "Not known here."},
                    "description": {"type": "string"},
                    "email": {"type": "string", "maxLength": 254},
                    "first_name": {"type": "string", "maxLength": 74},
                    "last_name": {"type": "string", "maxLength": 74},
                    "phone": {"type": "string"},
                    "device_id": {"type": "string"},
                    "account_id": {"type": "string", "description": "Not used."},
                    "media_url": {"type": "string", "description": "Not fetched."},
                },
                "additionalProperties": {
                    "type": "string",
                    "description": "`attribute[code]` (and `attribute[code][]` for lists): "
                    "answers to the service definition's attributes.",
                },
            }
        }
    },
}


def _paths() -> dict[str, Any]:
    requests_get = _get(
        "open311_requests_list",
        "Service requests (newest first, the last 90 days unless dates are given)",
        "Service requests",
        _list_of("Open311ServiceRequest"),
        REQUEST_QUERY,
    )
    requests_post = {
        "operationId": "open311_requests_create",
        "summary": "Send a service request (needs an api_key)",
        "description": "Reported anonymously: the name, email and phone reach staff only.",
        "tags": [TAG],
        "security": [{}],
        "parameters": [FORMAT, *COMMON_QUERY],
        "requestBody": CREATE_BODY,
        "responses": _responses(
            "The new request", _list_of("Open311RequestCreated"), "400", "403", "413", "429"
        ),
    }
    return {
        f"{PREFIX}/discovery.{{format}}": {
            "get": _get(
                "open311_discovery",
                "What this Open311 endpoint offers",
                "The discovery document",
                _ref("Open311Discovery"),
                [],
            )
        },
        f"{PREFIX}/services.{{format}}": {
            "get": _get(
                "open311_services_list",
                "Services (report categories) of this municipality",
                "Services",
                _list_of("Open311Service"),
                [],
            )
        },
        f"{PREFIX}/services/{{service_code}}.{{format}}": {
            "get": _get(
                "open311_service_definition",
                "The questions of one service",
                "The service definition",
                _ref("Open311ServiceDefinition"),
                [_path("service_code", "A service code from the service list.")],
            )
        },
        f"{PREFIX}/requests.{{format}}": {"get": requests_get, "post": requests_post},
        f"{PREFIX}/requests/{{service_request_id}}.{{format}}": {
            "get": _get(
                "open311_requests_retrieve",
                "One service request",
                "A list holding the request",
                _list_of("Open311ServiceRequest"),
                [_path("service_request_id", "The request's id.")],
            )
        },
        f"{PREFIX}/tokens/{{token}}.{{format}}": {
            "get": _get(
                "open311_tokens_retrieve",
                "The request id behind a token",
                "A list holding the request id",
                _list_of("Open311Token"),
                [_path("token", "The token a client was given.")],
            )
        },
    }


def open311_paths_add(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: Open311's paths, tag and components."""
    result.setdefault("paths", {}).update(_paths())
    result.setdefault("components", {}).setdefault("schemas", {}).update(COMPONENTS)
    result.setdefault("tags", []).append(
        {
            "name": TAG,
            "description": "Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) on "
            "each municipality's host name: problem reports, in JSON or XML.",
        }
    )
    return result
