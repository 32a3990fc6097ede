"""What a request says about its client and its city, read the same way everywhere."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

if TYPE_CHECKING:
    from rest_framework.request import Request

    from .models import Municipality, StaffMembership, User


class CityRequest(HttpRequest):
    """A request as core's middleware and permission checks leave it (for type checking).

    ``MunicipalityMiddleware`` sets ``municipality`` (None on a platform host) and
    ``is_platform_host``; the back-office checks (``staff_required``, the staff API
    permissions) set ``membership``. Use ``as_city_request`` to read them, and the helpers
    below for the usual questions.
    """

    municipality: Municipality | None
    is_platform_host: bool
    membership: StaffMembership


def as_city_request(request: HttpRequest | Request) -> CityRequest:
    """The same request, typed with what the middleware set on it."""
    # DRF's Request hands unknown attributes to the HttpRequest it wraps.
    return cast(CityRequest, request)


def request_municipality(request: HttpRequest | Request) -> Municipality:
    """The municipality of the request's host; 404 on a platform host (no municipality)."""
    municipality = getattr(request, "municipality", None)
    if municipality is None:
        raise Http404
    return cast("Municipality", municipality)


def request_user(request: HttpRequest | Request) -> User | None:
    """The signed-in person, or None for an anonymous visitor."""
    user: Any = request.user
    return cast("User", user) if user is not None and user.is_authenticated else None


def request_actor(request: HttpRequest | Request) -> User:
    """The signed-in person acting in a view that requires one (back office, staff API)."""
    user = request_user(request)
    if user is None:
        raise PermissionDenied  # a view that needs a person, reached without one
    return user


def request_membership(request: HttpRequest | Request) -> StaffMembership:
    """The staff membership that ``staff_required`` (or a staff API permission) checked."""
    return as_city_request(request).membership


def _valid_address(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [::1]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 192.0.2.1:port
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address.

    Behind ``DIGIPLACE_TRUSTED_PROXIES`` reverse proxies (default none), each proxy appends
    the address it received the request from to ``X-Forwarded-For``; the client is the
    entry the outermost trusted proxy added. Entries further left can be forged by the
    client and are ignored."""
    remote = _valid_address(request.META.get("REMOTE_ADDR", "") or "")
    proxies: int = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [
        part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    if len(forwarded) < proxies:
        return remote
    return _valid_address(forwarded[-proxies]) or remote


def address_rate_key(address: str | None) -> str:
    """What rate limits count a client address as: an IPv6 address by its /64 network (the
    block one household or server gets, whose addresses it can rotate through at will), an
    IPv4 address as it is."""
    if not address:
        return "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


@dataclass(frozen=True)
class ErrorFormat:
    """How an API whose standard has its own error format (Open311's error list) answers
    the refusals that core makes before any of its views run."""

    # 413 for a body declared over the platform's limit (the limit in bytes is given).
    request_too_large: Callable[[HttpRequest, int], HttpResponse]
    # 404 for a host that serves no municipality (outside ALLOWED_HOSTS, or not a city's).
    host_not_served: Callable[[HttpRequest], HttpResponse]


_error_formats: dict[str, ErrorFormat] = {}


def error_format_register(*, path_prefix: str, error_format: ErrorFormat) -> None:
    """Requests under ``path_prefix`` are refused in ``error_format`` (called from an app's
    ``ready()``); elsewhere core answers with its own pages."""
    _error_formats[path_prefix] = error_format


def error_format_for(request: HttpRequest) -> ErrorFormat | None:
    for prefix, error_format in _error_formats.items():
        if request.path.startswith(prefix):
            return error_format
    return None
