"""The open-data module's public pages in /sitemap.xml (to be filled by the pages area)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.sitemaps import Sitemap

if TYPE_CHECKING:
    from digiplace.core.models import Municipality


def sitemaps(municipality: Municipality) -> dict[str, Sitemap[Any]]:
    return {}
