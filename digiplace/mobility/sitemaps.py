"""The mobility module's public pages in /sitemap.xml: its sections (the index, the stops,
the alerts, charging and parking, the journey planner's empty form, ridership, the data for
app makers) and each stop's page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from .models import Stop
from .selectors import departures as selectors

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

PAGES = [
    "mobility:index",
    "mobility:stop_list",
    "mobility:alert_list",
    "mobility:places_map",
    "mobility:planner",
    "mobility:ridership",
    "mobility:open_data",
]


class MobilityPagesSitemap(Sitemap[str]):
    def items(self) -> list[str]:
        return PAGES

    def location(self, item: str) -> str:
        return reverse(item)


class StopsSitemap(Sitemap[Stop]):
    def __init__(self, municipality: Municipality) -> None:
        self.municipality = municipality

    def items(self) -> QuerySet[Stop]:
        return selectors.stop_search(municipality=self.municipality).only("pk", "gtfs_id")

    def location(self, item: Stop) -> str:
        return reverse("mobility:stop_detail", kwargs={"gtfs_id": item.gtfs_id})


def sitemaps(municipality: Municipality) -> Mapping[str, Sitemap[Any]]:
    return {"mobility": MobilityPagesSitemap(), "mobility-stops": StopsSitemap(municipality)}
