"""The journey planner's public page in /sitemap.xml (its results depend on the query, so
the empty form is the one page to list)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

if TYPE_CHECKING:
    from digiplace.core.models import Municipality


class PlannerSitemap(Sitemap[str]):
    def items(self) -> list[str]:
        return ["mobility:planner"]

    def location(self, item: str) -> str:
        return reverse(item)


def sitemaps(municipality: Municipality) -> Mapping[str, Sitemap[Any]]:
    return {"mobility-planner": PlannerSitemap()}
