"""What the mobility module registers with the rest of the platform when it starts: its
sitemap sections, its places on the home map, its periodic jobs and its listeners on urban
data's changes.

Each area of the module that has something to register does it in its own
``register_<area>.py`` (functions ``register()``, ``sitemaps(municipality)``,
``home_map_places(municipality)``, each optional).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from django.contrib.sitemaps import Sitemap

if TYPE_CHECKING:
    from digiplace.core.models import Municipality
    from digiplace.core.modules import MapPlace

AREAS = ("net", "plan", "rt", "demo", "people", "control", "rider")


def _areas() -> list[ModuleType]:
    found = []
    for area in AREAS:
        try:
            found.append(importlib.import_module(f"{__package__}.register_{area}"))
        except ModuleNotFoundError as error:
            if error.name != f"{__package__}.register_{area}":
                raise
    return found


def sitemaps(municipality: Municipality) -> Mapping[str, Sitemap[Any]]:
    sections: dict[str, Sitemap[Any]] = {}
    for area in _areas():
        if hasattr(area, "sitemaps"):
            sections.update(area.sitemaps(municipality))
    return sections


def home_map_places(municipality: Municipality) -> Sequence[MapPlace]:
    places: list[MapPlace] = []
    for area in _areas():
        if hasattr(area, "home_map_places"):
            places.extend(area.home_map_places(municipality))
    return places


def register() -> None:
    """Periodic jobs and urban-data change listeners."""
    for area in _areas():
        if hasattr(area, "register"):
            area.register()
