"""The open-data module's public pages in /sitemap.xml: the index, and each published
dataset's page and plain-language page."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .selectors import Published, published_datasets

if TYPE_CHECKING:
    from digiplace.core.models import Municipality


class OpendataIndexSitemap(Sitemap[str]):
    def items(self) -> list[str]:
        return ["opendata:index"]

    def location(self, item: str) -> str:
        return reverse(item)


class DatasetPagesSitemap(Sitemap[tuple[str, Published]]):
    def __init__(self, municipality: Municipality) -> None:
        self.municipality = municipality

    def items(self) -> list[tuple[str, Published]]:
        return [
            (page, published)
            for published in published_datasets(self.municipality)
            for page in ("opendata:dataset", "opendata:story")
        ]

    def location(self, item: tuple[str, Published]) -> str:
        return reverse(item[0], kwargs={"slug": item[1].slug})

    def lastmod(self, item: tuple[str, Published]) -> datetime.datetime | None:
        published = item[1]
        return published.dataset.modified or published.version.created


def sitemaps(municipality: Municipality) -> Mapping[str, Sitemap[Any]]:
    return {
        "opendata": OpendataIndexSitemap(),
        "opendata-datasets": DatasetPagesSitemap(municipality),
    }
