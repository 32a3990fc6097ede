"""What every NGSI-LD endpoint shares (ETSI GS CIM 009, clause 6.3): the city from the
host, ``Authorization: Bearer KEY``, content negotiation, JSON bodies, and errors as
ProblemDetails.

A view is written as ``view(request, call, **kwargs)`` and decorated with
``ngsi_endpoint("GET", "POST")``; ``call`` carries the municipality, the key (None when the
client sent none) and the negotiated response type. Raising ``NgsiError`` anywhere answers
its ProblemDetails.

The rule on keys: writes need one (``call.require_key()``); reads of the public types
(``types.PUBLIC_TYPES``) need none, reads of other types need one (``call.require_read``).
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.csrf import csrf_exempt

from digiplace.core.http import as_city_request
from digiplace.core.page_cache import never_page_cached
from digiplace.core.selectors import languages_available

from ..errors import NgsiError
from ..services.keys import device_key_authenticate
from ..types import PUBLIC_TYPES

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

    from ..models import DeviceKey

logger = logging.getLogger(__name__)

JSON = "application/json"
LD_JSON = "application/ld+json"
GEO_JSON = "application/geo+json"
MERGE_PATCH_JSON = "application/merge-patch+json"
PROBLEM_JSON = "application/problem+json"
# The Link relation that names a JSON-LD @context (JSON-LD 1.1, clause 6.1).
CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"
AUTH_REALM = "ngsi-ld"

NgsiView = Callable[..., HttpResponse]


@dataclass(frozen=True)
class NgsiCall:
    """One NGSI-LD request, checked: whose city, which key, which answer format."""

    request: HttpRequest
    municipality: Municipality
    key: DeviceKey | None
    # The negotiated response media type: JSON or LD_JSON.
    accept: str

    def require_key(self) -> DeviceKey:
        """The key of a write; ``Unauthorized`` when the client sent none."""
        if self.key is None:
            raise NgsiError(
                "Unauthorized",
                _("Writing needs a key: send it as Authorization: Bearer KEY."),
            )
        return self.key

    def can_read(self, entity_type: str) -> bool:
        return self.key is not None or entity_type in PUBLIC_TYPES

    def require_read(self, entity_types: Iterable[str]) -> None:
        """Reading these types needs a key unless all are public."""
        hidden = sorted(name for name in entity_types if not self.can_read(name))
        if hidden:
            raise NgsiError(
                "Unauthorized",
                _("Reading %(types)s needs a key: send it as Authorization: Bearer KEY.")
                % {"types": ", ".join(hidden)},
            )

    @property
    def readable_types(self) -> frozenset[str] | None:
        """The types this client may read; None: all of them."""
        return None if self.key is not None else PUBLIC_TYPES


# Responses


def json_response(
    data: Any,
    *,
    status: int = 200,
    content_type: str = JSON,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    response = HttpResponse(body.encode(), status=status, content_type=content_type)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def empty_response(status: int = 204, *, headers: Mapping[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    # Django's HttpResponse names a text/html type even without a body.
    del response["Content-Type"]
    return response


def problem_response(error: NgsiError) -> HttpResponse:
    """The error as ProblemDetails (RFC 7807), in ``application/json`` as NGSI-LD sends it."""
    response = json_response(error.problem(), status=error.status, content_type=JSON)
    if error.status == 401:
        response["WWW-Authenticate"] = f'Bearer realm="{AUTH_REALM}"'
        if isinstance(error, KeyRefused):
            response["WWW-Authenticate"] += ', error="invalid_token"'
    return response


class KeyRefused(NgsiError):
    """A key was sent but is malformed, unknown or revoked (RFC 6750's invalid_token)."""


def context_link(url: str) -> str:
    """A Link header naming ``url`` as the response's @context (for JSON answers)."""
    return f'<{url}>; rel="{CONTEXT_REL}"; type="{LD_JSON}"'


# Requests


def _media_type(value: str) -> tuple[str, dict[str, str]]:
    parts = [part.strip() for part in value.split(";")]
    parameters: dict[str, str] = {}
    for part in parts[1:]:
        if "=" in part:
            name, _sep, parameter = part.partition("=")
            parameters[name.strip().lower()] = parameter.strip().strip('"')
    return parts[0].lower(), parameters


def negotiate(request: HttpRequest, offered: tuple[str, ...] = (JSON, LD_JSON)) -> str:
    """The offered media type the client's ``Accept`` prefers; 406 when none is acceptable.

    No ``Accept``, ``*/*`` and ``application/*`` get the first offered type (JSON).
    """
    header = request.headers.get("Accept", "").strip()
    if not header:
        return offered[0]
    best: tuple[float, int, int] | None = None
    chosen = ""
    for position, item in enumerate(header.split(",")):
        if not item.strip():
            continue
        media_type, parameters = _media_type(item)
        try:
            quality = float(parameters.get("q", "1"))
        except ValueError:
            quality = 0.0
        if quality <= 0:
            continue
        if media_type in ("*/*", "application/*"):
            candidate = offered[0]
        elif media_type in offered:
            candidate = media_type
        else:
            continue
        # Higher quality wins; at equal quality, an exact type beats a wildcard, then order.
        rank = (quality, 0 if "*" in media_type else 1, -position)
        if best is None or rank > best:
            best, chosen = rank, candidate
    if best is None:
        raise NgsiError(
            "InvalidRequest",
            _("None of the media types in Accept is offered here; ask for %(types)s.")
            % {"types": " or ".join(offered)},
            title=_("Not Acceptable"),
            status=406,
        )
    return chosen


def request_media_type(request: HttpRequest) -> str:
    return _media_type(request.headers.get("Content-Type", ""))[0]


def json_body(
    request: HttpRequest, *, accepted: tuple[str, ...] = (JSON, LD_JSON)
) -> tuple[Any, str]:
    """The request's JSON body and its media type.

    415 for another Content-Type; ``InvalidRequest`` (400) for an empty or malformed body.
    """
    media_type = request_media_type(request)
    if media_type not in accepted:
        raise NgsiError(
            "InvalidRequest",
            _("Send the body as %(types)s, not %(given)s.")
            % {"types": " or ".join(accepted), "given": media_type or _("no Content-Type")},
            title=_("Unsupported Media Type"),
            status=415,
        )
    if not request.body:
        raise NgsiError("InvalidRequest", _("The request has no body."))
    try:
        return json.loads(request.body), media_type
    except (ValueError, UnicodeDecodeError) as error:
        raise NgsiError(
            "InvalidRequest", _("The body is not valid JSON: %(error)s") % {"error": error}
        ) from error


def link_header_contexts(request: HttpRequest) -> list[str]:
    """The URLs a ``Link`` header names with the JSON-LD context relation."""
    header = request.headers.get("Link", "")
    found: list[str] = []
    for link in _split_links(header):
        url, _sep, rest = link.partition(">")
        url = url.strip().lstrip("<").strip()
        parameters = _media_type("x" + rest)[1]
        if parameters.get("rel", "").strip() == CONTEXT_REL and url:
            found.append(url)
    return found


def _split_links(header: str) -> list[str]:
    """A Link header's entries (commas inside <…> or quotes do not split)."""
    entries: list[str] = []
    current: list[str] = []
    depth, quoted = 0, False
    for character in header:
        if character == '"' and depth == 0:
            quoted = not quoted
        elif character == "<" and not quoted:
            depth += 1
        elif character == ">" and not quoted:
            depth = max(depth - 1, 0)
        if character == "," and depth == 0 and not quoted:
            entries.append("".join(current).strip())
            current = []
            continue
        current.append(character)
    if "".join(current).strip():
        entries.append("".join(current).strip())
    return entries


def _authenticate(request: HttpRequest, municipality: Municipality) -> DeviceKey | None:
    header = request.headers.get("Authorization", "").strip()
    if not header:
        return None
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise KeyRefused("Unauthorized", _("Send the key as Authorization: Bearer KEY."))
    try:
        return device_key_authenticate(municipality=municipality, secret=secret.strip())
    except NgsiError as error:
        raise KeyRefused(error.kind, error.detail) from error


def call_for(request: HttpRequest, *, offered: tuple[str, ...] = (JSON, LD_JSON)) -> NgsiCall:
    """Checks a request (city, key, Accept) outside the decorator (tests, other APIs)."""
    municipality = as_city_request(request).municipality
    if municipality is None:
        raise NgsiError(
            "ResourceNotFound",
            _("This host serves no municipality: use the host name of a city."),
        )
    key = _authenticate(request, municipality)
    return NgsiCall(request, municipality, key, negotiate(request, offered))


def _client_language(request: HttpRequest) -> str | None:
    """The language an API client asks for with Accept-Language, among the city's (pages
    follow the visitor's choice and the city's default; a client has no cookie to choose)."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    if not header:
        return None
    available = languages_available(municipality=as_city_request(request).municipality)
    for accepted, _quality in parse_accept_lang_header(header):
        if accepted == "*":
            return None
        code = accepted.split("-")[0].lower()
        if code in available:
            return code
    return None


def ngsi_endpoint(
    *methods: str, offered: tuple[str, ...] = (JSON, LD_JSON)
) -> Callable[[NgsiView], NgsiView]:
    """Decorates ``view(request, call, **kwargs)``: 404 on a host without a city, 405 for
    another method, 401 for a bad key, 406 for an Accept not offered; ``NgsiError`` →
    ProblemDetails; anything unexpected → 500 ``InternalError`` (logged)."""

    def decorate(view: NgsiView) -> NgsiView:
        # Answers depend on Accept, Link and Authorization, which the page cache's key
        # does not hold.
        @never_page_cached
        @csrf_exempt  # clients authenticate with keys, not cookies
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            language = _client_language(request)
            if language is None:
                return answer(request, *args, **kwargs)
            with translation.override(language):
                response = answer(request, *args, **kwargs)
            response["Content-Language"] = language
            return response

        def answer(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                if as_city_request(request).municipality is None:
                    call_for(request, offered=offered)
                if request.method not in methods:
                    response = problem_response(
                        NgsiError(
                            "OperationNotSupported",
                            _("Method %(method)s is not offered here.")
                            % {"method": request.method},
                            title=_("Method Not Allowed"),
                            status=405,
                        )
                    )
                    response["Allow"] = ", ".join(methods)
                    return response
                call = call_for(request, offered=offered)
                return view(request, call, *args, **kwargs)
            except NgsiError as error:
                return problem_response(error)
            except RequestDataTooBig:
                return problem_response(
                    NgsiError(
                        "BadRequestData",
                        _("The request body is too large."),
                        title=_("Payload Too Large"),
                        status=413,
                    )
                )
            except Exception:
                logger.exception("NGSI-LD %s %s failed", request.method, request.path)
                return problem_response(
                    NgsiError(
                        "InternalError",
                        _("Something went wrong on our side; please try again later."),
                    )
                )

        return wrapper

    return decorate


# Core's refusals before any view runs (register with core.http.error_format_register).


def host_not_served(request: HttpRequest) -> HttpResponse:
    return problem_response(
        NgsiError(
            "ResourceNotFound",
            _("This host serves no municipality: use the host name of a city."),
        )
    )


def request_too_large(request: HttpRequest, limit: int) -> HttpResponse:
    return problem_response(
        NgsiError(
            "BadRequestData",
            _("The request body is larger than %(limit)d bytes.") % {"limit": limit},
            title=_("Payload Too Large"),
            status=413,
        )
    )


__all__ = [
    "CONTEXT_REL",
    "JSON",
    "LD_JSON",
    "MERGE_PATCH_JSON",
    "KeyRefused",
    "NgsiCall",
    "call_for",
    "context_link",
    "empty_response",
    "host_not_served",
    "json_body",
    "json_response",
    "link_header_contexts",
    "negotiate",
    "ngsi_endpoint",
    "problem_response",
    "request_too_large",
]
