"""Public pages of the core: the landing page, a municipality's home, language switch."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..branding import readable_text_colour
from ..http import as_city_request, request_user
from ..i18n import language_cookie_set


def home(request: HttpRequest) -> HttpResponse:
    municipality = as_city_request(request).municipality
    if municipality is None:
        return render(
            request,
            "core/landing.html",
            {"municipality_links": selectors.municipality_links(request=request)},
        )
    return render(request, "core/home.html", {"municipality": municipality})


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Remember the chosen language in a cookie and in the person's profile."""
    language = request.POST.get("language", "")
    municipality = as_city_request(request).municipality
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in selectors.languages_available(municipality=municipality):
        language_cookie_set(response, language)
        user = request_user(request)
        if user is not None:
            services.user_language_set(user=user, language=language)
    return response


@cache_control(max_age=300, public=True)
def branding_css(request: HttpRequest) -> HttpResponse:
    """The municipality's colours as CSS custom properties (no inline styles under CSP)."""
    municipality = as_city_request(request).municipality
    if municipality is None:
        return HttpResponse("", content_type="text/css")
    css = (
        ":root {"
        f" --brand: {municipality.primary_colour};"
        f" --brand-text: {readable_text_colour(municipality.primary_colour)};"
        f" --accent: {municipality.secondary_colour};"
        " }\n"
    )
    return HttpResponse(css, content_type="text/css")


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/404.html", status=404)
