"""Per-request municipality, language and time zone."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

from . import selectors
from .http import as_city_request, error_format_for

# Paths that work on any host, known or not (static files, health check).
HOST_INDEPENDENT_PREFIXES = ("/static/", "/media/", "/healthz", "/readyz", "/metrics")


def _unknown_host_answer(request: HttpRequest) -> HttpResponse | None:
    """The registered API's own answer to a host that serves no municipality, if any."""
    error_format = error_format_for(request)
    if error_format is None:
        return None
    with translation.override(
        translation.get_language_from_request(request) or settings.LANGUAGE_CODE
    ):
        return error_format.host_not_served(request)


class DisallowedHostMiddleware:
    """First in the chain: a host outside ``ALLOWED_HOSTS`` (in production, any host that
    is not a municipality's) gets the registered API's own error answer instead of
    Django's HTML 400, before any other middleware reads the host."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if error_format_for(request) is not None:
            try:
                request.get_host()
            except DisallowedHost:
                answer = _unknown_host_answer(request)
                if answer is not None:
                    return answer
        return self.get_response(request)


# Browser features no page of the platform uses are switched off, also for anything a page
# embeds; the new-report form asks for the device location, so geolocation stays for the
# site itself. Photos come through a file input, which needs no camera permission.
PERMISSIONS_POLICY = ", ".join(
    (
        "accelerometer=()",
        "autoplay=()",
        "camera=()",
        "display-capture=()",
        "encrypted-media=()",
        "geolocation=(self)",
        "gyroscope=()",
        "hid=()",
        "idle-detection=()",
        "magnetometer=()",
        "microphone=()",
        "midi=()",
        "payment=()",
        "publickey-credentials-get=()",
        "screen-wake-lock=()",
        "serial=()",
        "usb=()",
        "xr-spatial-tracking=()",
    )
)


class PermissionsPolicyMiddleware:
    """Adds the ``Permissions-Policy`` header to every response, error pages included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class MunicipalityMiddleware:
    """Sets ``request.municipality`` from the host name.

    Platform hosts (``DIGIPLACE_PLATFORM_HOSTS``) get ``None`` and show the landing
    page; an unknown host gets a helpful 404 listing the hosted municipalities.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, http_request: HttpRequest) -> HttpResponse:
        request = as_city_request(http_request)
        host = request.get_host().lower()
        bare_host = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        request.is_platform_host = bare_host in settings.PLATFORM_HOSTS
        request.municipality = None
        if not request.is_platform_host:
            municipality = selectors.municipality_for_host(host=bare_host)
            if municipality is None and not request.path.startswith(HOST_INDEPENDENT_PREFIXES):
                own_answer = _unknown_host_answer(request)
                if own_answer is not None:
                    return own_answer
                translation.activate(
                    translation.get_language_from_request(request) or settings.LANGUAGE_CODE
                )
                return render(
                    request,
                    "core/unknown_host.html",
                    {
                        "host": bare_host,
                        "municipality_links": selectors.municipality_links(request=request),
                    },
                    status=404,
                )
            request.municipality = municipality
        return self.get_response(request)


class LanguageAndTimezoneMiddleware:
    """Picks the page's language and activates the municipality's time zone.

    Order: the language the visitor chose (cookie), the signed-in person's preferred
    language, the municipality's default language; on the platform's own pages the
    browser's Accept-Language decides last.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, http_request: HttpRequest) -> HttpResponse:
        request = as_city_request(http_request)
        municipality = getattr(request, "municipality", None)
        available = selectors.languages_available(municipality=municipality)
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in available:
            user = getattr(request, "user", None)
            language = getattr(user, "preferred_language", "") if user else ""
        if language not in available:
            if municipality is not None:
                language = municipality.default_language
            else:
                language = translation.get_language_from_request(request)
        if language not in available:
            language = available[0]
        translation.activate(language)
        request.LANGUAGE_CODE = language
        if municipality is not None:
            timezone.activate(ZoneInfo(municipality.time_zone))
        else:
            timezone.deactivate()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        response.headers.setdefault("Content-Language", language)
        return response
