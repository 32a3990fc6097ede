"""The city's sitemap: core's public pages, then each registered module's sections.

/sitemap.xml is an index of the sections (/sitemap-<section>.xml, paginated with ?p=).
The language is chosen by cookie, not in the URL, so every page is listed once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from . import modules

if TYPE_CHECKING:
    from .models import Municipality


class NamedPagesSitemap(Sitemap[str]):
    """Pages given by URL name (with no arguments)."""

    def __init__(self, url_names: list[str]) -> None:
        self.url_names = url_names

    def items(self) -> list[str]:
        return self.url_names

    def location(self, item: str) -> str:
        return reverse(item)


CITY_PAGES = [
    "core:home",
    "accounts:login",
    "accounts:register",
    "accounts:password_reset",
]


def city_sitemaps(*, municipality: Municipality | None) -> dict[str, Sitemap[Any]]:
    """The sitemap sections of a city's host; on a platform host only its landing page."""
    if municipality is None:
        return {"pages": NamedPagesSitemap(["core:home"])}
    sections: dict[str, Sitemap[Any]] = {"pages": NamedPagesSitemap(CITY_PAGES)}
    for spec in modules.all_modules():
        if spec.sitemaps is None:
            continue
        for name, sitemap in spec.sitemaps(municipality).items():
            if name in sections:
                raise ValueError(f"Two sitemap sections are named {name!r}")
            sections[name] = sitemap
    return sections
