"""The waste module's public pages in /sitemap.xml (filled in by the public pages' work)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.contrib.sitemaps import Sitemap

if TYPE_CHECKING:
    from digiplace.core.models import Municipality


def sitemaps(municipality: Municipality) -> Mapping[str, Sitemap[Any]]:
    return {}
