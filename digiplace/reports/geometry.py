"""Points, areas and distances on the WGS84 sphere, precise enough for a city."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shapely.geometry import Point, shape

from digiplace.core.geo import EARTH_RADIUS_METRES, bounding_box, distance_metres

from .models import Neighbourhood

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

__all__ = [
    "EARTH_RADIUS_METRES",
    "bounding_box",
    "distance_metres",
    "geometry_bounds",
    "neighbourhood_for_point",
]


def geometry_bounds(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    """(min_latitude, min_longitude, max_latitude, max_longitude) of a GeoJSON geometry."""
    min_longitude, min_latitude, max_longitude, max_latitude = shape(geometry).bounds
    return (min_latitude, min_longitude, max_latitude, max_longitude)


def neighbourhood_for_point(
    *, municipality: Municipality, latitude: float, longitude: float
) -> Neighbourhood | None:
    """The neighbourhood whose area holds the point (the smallest one where areas overlap)."""
    candidates = Neighbourhood.objects.filter(
        municipality=municipality,
        min_latitude__lte=latitude,
        max_latitude__gte=latitude,
        min_longitude__lte=longitude,
        max_longitude__gte=longitude,
    )
    point = Point(longitude, latitude)  # GeoJSON order: longitude first
    best: tuple[float, Neighbourhood] | None = None
    for neighbourhood in candidates:
        try:
            area = shape(neighbourhood.geometry)
        except (ValueError, TypeError, KeyError, AttributeError):
            continue  # a broken area must not stop a report from being sent
        if area.covers(point) and (best is None or area.area < best[0]):
            best = (area.area, neighbourhood)
    return best[1] if best else None
