"""What the mobility module registers with the rest of the platform when it starts: its
sitemap sections, its places on the home map, its periodic jobs and its listeners on urban
data's changes. Each area adds its own here (one line each)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.contrib.sitemaps import Sitemap

if TYPE_CHECKING:
    from digiplace.core.models import Municipality
    from digiplace.core.modules import MapPlace


def sitemaps(municipality: Municipality) -> Mapping[str, Sitemap[Any]]:
    """The module's sitemap sections (each area adds its own)."""
    return {}


def home_map_places(municipality: Municipality) -> Sequence[MapPlace]:
    return []


def register() -> None:
    """Periodic jobs and urban-data change listeners."""
