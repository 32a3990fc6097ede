"""Urban data's public pages in /sitemap.xml: the module's index, the air map and each
air-quality station's page."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from .models import Entity
from .selectors import air

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

PAGES = ["urbandata:index", "urbandata:air"]


class UrbandataPagesSitemap(Sitemap[str]):
    def items(self) -> list[str]:
        return PAGES

    def location(self, item: str) -> str:
        return reverse(item)


class AirStationsSitemap(Sitemap[Entity]):
    def __init__(self, municipality: Municipality) -> None:
        self.municipality = municipality

    def items(self) -> QuerySet[Entity]:
        return air.air_stations(municipality=self.municipality).only(
            "pk", "entity_id", "modified_at"
        )

    def location(self, item: Entity) -> str:
        return reverse("urbandata:air_station", kwargs={"entity_id": item.entity_id})

    def lastmod(self, item: Entity) -> datetime.datetime:
        return item.modified_at


def sitemaps(municipality: Municipality) -> Mapping[str, Sitemap[Any]]:
    return {
        "urbandata": UrbandataPagesSitemap(),
        "urbandata-air-stations": AirStationsSitemap(municipality),
    }
