"""The network area's public page in /sitemap.xml: the open-data page for app makers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

if TYPE_CHECKING:
    from digiplace.core.models import Municipality


class OpenDataSitemap(Sitemap[str]):
    def items(self) -> list[str]:
        return ["mobility:open_data"]

    def location(self, item: str) -> str:
        return reverse(item)


def sitemaps(municipality: Municipality) -> Mapping[str, Sitemap[Any]]:
    return {"mobility-open-data": OpenDataSitemap()}
