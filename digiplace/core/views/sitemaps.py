"""/sitemap.xml (an index) and its sections, for the request's host."""

from __future__ import annotations

from typing import Any

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from ..http import as_city_request
from ..sitemaps import city_sitemaps


def _sections(request: HttpRequest) -> dict[str, Sitemap[Any] | type[Sitemap[Any]]]:
    return dict(city_sitemaps(municipality=as_city_request(request).municipality))


@require_GET
def sitemap_index(request: HttpRequest) -> HttpResponse:
    return sitemap_views.index(request, _sections(request), sitemap_url_name="core:sitemap_section")


@require_GET
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    return sitemap_views.sitemap(request, _sections(request), section=section)
