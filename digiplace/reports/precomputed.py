"""Reads of the public reports pages worked out once per change, not once per request.

Each value sits in the shared cache under a key that carries the versions of the data it
comes from (``core.cache_versions``: reports, and core for the departments' names), so a
write moves the key and the next reader computes it afresh: never stale, whatever the
expiry (which only clears the values of versions gone by). Values hold no personal data:
counts, names of categories, neighbourhoods and departments, positions and statuses of
visible reports, the filters' HTML.
"""

from __future__ import annotations

import datetime
import hashlib
import math
from collections.abc import Callable
from dataclasses import astuple, dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.cache import cache
from django.db.models import Avg, Count, F, FloatField, Max, Min
from django.db.models.functions import Floor
from django.utils import timezone

from digiplace.core.cache_versions import cache_versions

from . import selectors
from .models import Category, Neighbourhood

if TYPE_CHECKING:
    from digiplace.core.models import Department, Municipality

T = TypeVar("T")

# Map clusters: one per square of this many screen pixels, below this zoom level.
CLUSTER_CELL_PIXELS = 64
CLUSTER_BELOW_ZOOM = 16
TILE_PIXELS = 256
# Values stay a day at most, so that those of versions gone by leave the cache (freshness
# comes from the key, never from this expiry).
KEEP_SECONDS = 24 * 60 * 60


class Versions:
    """The versions of the reports and core data of one municipality, read once (one cache
    query) by the first value a request asks for; one per request, never kept longer."""

    def __init__(self, municipality: Municipality) -> None:
        self.municipality = municipality
        self._versions: dict[str, str] | None = None

    def key(self, modules: tuple[str, ...]) -> str:
        if self._versions is None:
            self._versions = cache_versions(self.municipality.pk, ("reports", "core"))
        return ":".join(self._versions[module] for module in modules)


def once_per_change(
    versions: Versions,
    name: str,
    compute: Callable[[], T],
    *,
    modules: tuple[str, ...] = ("reports",),
    parts: tuple[Any, ...] = (),
) -> T:
    """``compute()``, cached until the next write to ``modules`` in the municipality."""
    detail = hashlib.sha256(repr(parts).encode()).hexdigest()[:24]
    key = f"reports:{name}:{versions.municipality.pk}:{versions.key(modules)}:{detail}"
    value: T | None = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=KEEP_SECONDS)
    return value


@dataclass(frozen=True)
class Lookups:
    """The city's categories (active), neighbourhoods and departments, for the filters and
    the map's labels. Model instances: their translated names follow the active language."""

    categories: list[Category]
    neighbourhoods: list[Neighbourhood]
    departments: list[Department]
    category_names: dict[int, Category]  # every category, active or not, by id


def lookups(*, versions: Versions, language: str) -> Lookups:
    """Once per change and language (names are sorted in the language's order)."""
    municipality = versions.municipality

    def compute() -> Lookups:
        every = list(
            Category.objects.filter(municipality=municipality).order_by("position", "service_code")
        )
        return Lookups(
            categories=[category for category in every if category.is_active],
            neighbourhoods=list(
                # Not the areas' polygons: the list and the map need names only.
                Neighbourhood.objects.filter(municipality=municipality)
                .defer("geometry")
                .order_by("name")
            ),
            departments=selectors.report_departments(municipality=municipality),
            category_names={category.pk: category for category in every},
        )

    return once_per_change(
        versions, "lookups", compute, modules=("reports", "core"), parts=(language,)
    )


def report_facets(
    *, versions: Versions, filters: selectors.ReportFilters
) -> selectors.ReportFacets:
    """``selectors.report_facets``, once per change and set of filters."""
    municipality = versions.municipality
    return once_per_change(
        versions,
        "facets",
        lambda: selectors.report_facets(municipality=municipality, filters=filters),
        parts=astuple(filters),
    )


def report_statistics(
    *, versions: Versions, language: str
) -> dict[str, list[selectors.StatisticsRow]]:
    """``selectors.report_statistics`` once per change and hour: the periods end at the
    start of the current hour, so the figures of one key are the same whoever computes them
    (a report made since then is counted: the periods have no end date)."""
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    municipality = versions.municipality
    return once_per_change(
        versions,
        "statistics",
        lambda: selectors.report_statistics(municipality=municipality, now=now),
        modules=("reports", "core"),
        parts=(now.isoformat(), language),
    )


@dataclass(frozen=True)
class MapCell:
    """The visible reports of one square of the clustering grid: ``count`` of them around
    (latitude, longitude), within (south, west, north, east). A square of one report
    carries that report's id, status, category and day of creation."""

    column: int
    row: int
    count: int
    latitude: float
    longitude: float
    south: float
    west: float
    north: float
    east: float
    report_id: int
    status: str
    category_id: int
    created_at: datetime.datetime


@dataclass(frozen=True)
class MapGrid:
    cell_longitude: float  # degrees of longitude per square
    cell_latitude: float
    cells: list[MapCell]

    def within(self, bbox: tuple[float, float, float, float]) -> list[MapCell]:
        """The squares that touch ``bbox`` (south, west, north, east)."""
        south, west, north, east = bbox
        first_column, last_column = (
            math.floor(west / self.cell_longitude),
            math.floor(east / self.cell_longitude),
        )
        first_row, last_row = (
            math.floor(south / self.cell_latitude),
            math.floor(north / self.cell_latitude),
        )
        return [
            cell
            for cell in self.cells
            if first_column <= cell.column <= last_column and first_row <= cell.row <= last_row
        ]


def grid_cell_size(municipality: Municipality, zoom: int) -> tuple[float, float]:
    """(longitude, latitude) degrees of a square of CLUSTER_CELL_PIXELS at ``zoom`` (Web
    Mercator); squares of latitude shrink with the city's latitude, so they look square."""
    longitude = CLUSTER_CELL_PIXELS * 360 / (TILE_PIXELS * 2**zoom)
    latitude = longitude * math.cos(math.radians(municipality.centre_latitude))
    return longitude, latitude


def report_map_grid(*, versions: Versions, filters: selectors.ReportFilters, zoom: int) -> MapGrid:
    """The visible reports matching ``filters`` (the whole city: no bounding box), grouped
    in squares of the grid of ``zoom``: one grouped query, once per change."""
    municipality = versions.municipality
    cell_longitude, cell_latitude = grid_cell_size(municipality, zoom)

    def compute() -> MapGrid:
        rows = (
            selectors.report_search(municipality=municipality, filters=filters)
            .filter(latitude__isnull=False, longitude__isnull=False)
            .order_by()
            .annotate(
                column=Floor(F("longitude") / cell_longitude, output_field=FloatField()),
                row=Floor(F("latitude") / cell_latitude, output_field=FloatField()),
            )
            .values("column", "row")
            .annotate(
                count=Count("id"),
                middle_latitude=Avg("latitude"),
                middle_longitude=Avg("longitude"),
                south=Min("latitude"),
                north=Max("latitude"),
                west=Min("longitude"),
                east=Max("longitude"),
                report_id=Min("id"),
                first_status=Min("status"),
                first_category=Min("category_id"),
                first_created=Min("created_at"),
            )
        )
        cells = [
            MapCell(
                column=int(row["column"]),
                row=int(row["row"]),
                count=row["count"],
                latitude=row["middle_latitude"],
                longitude=row["middle_longitude"],
                south=row["south"],
                west=row["west"],
                north=row["north"],
                east=row["east"],
                report_id=row["report_id"],
                status=row["first_status"],
                category_id=row["first_category"],
                created_at=row["first_created"],
            )
            for row in rows
        ]
        return MapGrid(cell_longitude=cell_longitude, cell_latitude=cell_latitude, cells=cells)

    return once_per_change(versions, "map-grid", compute, parts=(astuple(filters), zoom))


# Up to this many matching reports, the map's points are kept whole, once per change, and
# each viewport is cut from them in memory; beyond it, each request asks the database.
MAP_POINTS_KEPT = 20_000

MapPoint = tuple[int, float, float, str, int, datetime.datetime]


def report_map_points(
    *, versions: Versions, filters: selectors.ReportFilters
) -> list[MapPoint] | None:
    """The visible reports matching ``filters`` (the whole city: no bounding box) that have
    a position, newest first, as (id, latitude, longitude, status, category id, created):
    one query once per change; None when there are more than ``MAP_POINTS_KEPT``."""

    def compute() -> list[MapPoint] | bool:
        found = (
            selectors.report_search(municipality=versions.municipality, filters=filters)
            .filter(latitude__isnull=False, longitude__isnull=False)
            .values_list("pk", "latitude", "longitude", "status", "category_id", "created_at")[
                : MAP_POINTS_KEPT + 1
            ]
        )
        rows: list[MapPoint] = [
            (pk, latitude, longitude, status, category_id, created)
            for pk, latitude, longitude, status, category_id, created in found
            if latitude is not None and longitude is not None
        ]
        # False, not None, for "too many": the cache cannot tell None from a miss.
        return False if len(rows) > MAP_POINTS_KEPT else rows

    points = once_per_change(versions, "map-points", compute, parts=(astuple(filters),))
    return points if isinstance(points, list) else None
