"""The waste module's public pages in /sitemap.xml: the map, the containers' list, the
figures and each container's page."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from .models import Container
from .selectors.containers import public_containers

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

PAGES = ["waste:index", "waste:container_list", "waste:figures", "waste:compliance"]


class WastePagesSitemap(Sitemap[str]):
    def items(self) -> list[str]:
        return PAGES

    def location(self, item: str) -> str:
        return reverse(item)


class ContainersSitemap(Sitemap[Container]):
    def __init__(self, municipality: Municipality) -> None:
        self.municipality = municipality

    def items(self) -> QuerySet[Container]:
        return (
            public_containers(municipality=self.municipality)
            .select_related(None)
            .only("pk", "code", "created_at")
            .order_by("code")
        )

    def location(self, item: Container) -> str:
        return reverse("waste:container_detail", kwargs={"code": item.code})

    def lastmod(self, item: Container) -> datetime.datetime:
        return item.created_at


def sitemaps(municipality: Municipality) -> Mapping[str, Sitemap[Any]]:
    return {"waste": WastePagesSitemap(), "waste-containers": ContainersSitemap(municipality)}
