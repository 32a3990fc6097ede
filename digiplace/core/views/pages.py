"""Public pages of the core: the landing page, a municipality's home, language switch."""

from __future__ import annotations

import logging

from django.db import connection
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    HttpResponseServerError,
    JsonResponse,
)
from django.shortcuts import render
from django.template import loader
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_http_methods

from .. import branding, modules, selectors, services
from ..home_map import HomeMap
from ..http import as_city_request, request_user
from ..i18n import language_cookie_set
from ..page_cache import never_page_cached


def home(request: HttpRequest) -> HttpResponse:
    municipality = as_city_request(request).municipality
    if municipality is None:
        return render(
            request,
            "core/landing.html",
            {"municipality_links": selectors.municipality_links(request=request)},
        )
    return render(
        request,
        "core/home.html",
        {"municipality": municipality, "home_map": HomeMap(municipality)},
    )


@never_page_cached
@never_cache
@require_http_methods(["GET", "POST"])
def language_switch(request: HttpRequest) -> HttpResponse:
    """Remember the chosen language in a cookie and, when posted by a signed-in person, in
    their profile. Anonymous visitors' pages switch with a get (no CSRF token in pages that
    have no form of their own, so that a reverse proxy may hold them): it only sets the
    cookie, which is all a forged link could do."""
    data = request.POST if request.method == "POST" else request.GET
    language = data.get("language", "")
    municipality = as_city_request(request).municipality
    next_url = data.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in selectors.languages_available(municipality=municipality):
        language_cookie_set(response, language)
        user = request_user(request)
        if user is not None and request.method == "POST":
            services.user_language_set(user=user, language=language)
    return response


@cache_control(max_age=300, public=True)
def branding_css(request: HttpRequest) -> HttpResponse:
    """The municipality's colours as CSS custom properties (no inline styles under CSP)."""
    municipality = as_city_request(request).municipality
    if municipality is None:
        return HttpResponse("", content_type="text/css")
    return HttpResponse(branding.municipality_theme(municipality).css(), content_type="text/css")


def _favicon_response(
    request: HttpRequest, content: bytes | str, content_type: str
) -> HttpResponse:
    """A versioned link (?v=) is cached for a year; the browser's own request for an hour."""
    municipality = as_city_request(request).municipality
    response = HttpResponse(content, content_type=content_type)
    if request.GET.get("v") == branding.branding_version(municipality):
        patch_cache_control(response, public=True, max_age=31_536_000, immutable=True)
    else:
        patch_cache_control(response, public=True, max_age=3600)
    return response


@require_GET
def favicon_svg(request: HttpRequest) -> HttpResponse:
    """The city's icon: its logo, or its initial on its primary colour."""
    municipality = as_city_request(request).municipality
    return _favicon_response(request, branding.favicon_svg(municipality), "image/svg+xml")


@require_GET
def favicon_ico(request: HttpRequest) -> HttpResponse:
    """The same icon as ICO, for browsers that ask for /favicon.ico by themselves."""
    municipality = as_city_request(request).municipality
    return _favicon_response(request, branding.favicon_ico(municipality), "image/x-icon")


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/404.html", status=404)


logger = logging.getLogger(__name__)


def _public_module_links() -> list[tuple[str, str]]:
    links = []
    for spec in modules.all_modules():
        if spec.public_url_name:
            try:
                links.append((str(spec.name), reverse(spec.public_url_name)))
            except NoReverseMatch:
                continue
    return links


def server_error(request: HttpRequest) -> HttpResponse:
    """The ``handler500``: needs neither the database nor the context processors, so that
    it renders when the database is what failed; the municipality is the one the request
    already carries, if the failure came after the host was read."""
    municipality = getattr(request, "municipality", None)
    language = getattr(request, "LANGUAGE_CODE", None) or translation.get_language_from_request(
        request
    )
    try:
        with translation.override(language):
            html = loader.get_template("core/500.html").render(
                {
                    "municipality": municipality,
                    "LANGUAGE_CODE": translation.get_language(),
                    "module_links": _public_module_links(),
                    "home_url": reverse("core:home"),
                }
            )
    except Exception:  # the error page must not fail in turn
        logger.exception("The 500 page could not be rendered")
        html = "<!doctype html><title>Server error</title><h1>Server error (500)</h1>"
    return HttpResponseServerError(html)
