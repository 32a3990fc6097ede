"""The registry of DigiPlace modules, so that navigation and permissions list only what exists.

Each module's AppConfig.ready() calls ``register`` with its spec; the navigation shows
the modules whose public page exists, staff memberships grant modules by code, and
/sitemap.xml lists the public pages each module's ``sitemaps`` gives for the city; the
city's home map shows the places each module's ``map_places`` gives.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.sitemaps import Sitemap
from django.utils.functional import Promise

if TYPE_CHECKING:
    from .models import Municipality

# A module's sitemap sections for one city: section name → sitemap of its public pages.
SitemapSections = Callable[["Municipality"], Mapping[str, Sitemap[Any]]]


@dataclass(frozen=True)
class MapPlace:
    """A public place a module shows on the city's home map and in the list under it."""

    title: str
    url: str
    latitude: float
    longitude: float
    description: str = ""


# A module's places for one city's home map, newest or most relevant first, a few at most.
MapPlaces = Callable[["Municipality"], Sequence[MapPlace]]


# The moment, at or before ``now``, of the latest change that the module's pages show by the
# clock alone (a survey opened, a vote closed), given the module's current cache version;
# None if there was none. Cached pages are new after such a moment, though nothing was
# written (``core.page_cache``).
PageClock = Callable[["Municipality", str, datetime.datetime], datetime.datetime | None]


@dataclass(frozen=True)
class ModuleSpec:
    code: str
    name: str | Promise
    public_url_name: str | None = None
    backoffice_url_name: str | None = None
    sitemaps: SitemapSections | None = None
    map_places: MapPlaces | None = None
    # Other modules whose data this module's public pages show (their writes make its
    # cached pages new too); every page depends on core, core's pages on every module.
    page_depends_on: tuple[str, ...] = ()
    page_clock: PageClock | None = None
    # Administrators do not get it with their role: it must be granted by name (a module
    # whose data only one service may see, such as the local police's enforcement cases).
    grant_required: bool = False


_modules: dict[str, ModuleSpec] = {}


def register(spec: ModuleSpec) -> None:
    _modules[spec.code] = spec


def all_modules() -> list[ModuleSpec]:
    return list(_modules.values())


def grant_required(code: str) -> bool:
    spec = _modules.get(code)
    return spec is not None and spec.grant_required


def module_choices() -> list[tuple[str, str | Promise]]:
    return [(spec.code, spec.name) for spec in _modules.values()]
