"""Points, areas and distances on the WGS84 sphere, precise enough for a city."""

from __future__ import annotations

import math
from typing import Any

from shapely.geometry import Point, shape

from digiplace.core.models import Municipality

from .models import Neighbourhood

EARTH_RADIUS_METRES = 6_371_008.8


def distance_metres(
    latitude_a: float, longitude_a: float, latitude_b: float, longitude_b: float
) -> float:
    """Great-circle (haversine) distance between two points, in metres."""
    phi_a, phi_b = math.radians(latitude_a), math.radians(latitude_b)
    delta_phi = phi_b - phi_a
    delta_lambda = math.radians(longitude_b - longitude_a)
    chord = (
        math.sin(delta_phi / 2) ** 2
        + math.cos(phi_a) * math.cos(phi_b) * math.sin(delta_lambda / 2) ** 2
    )
    return 2 * EARTH_RADIUS_METRES * math.asin(min(1.0, math.sqrt(chord)))


def bounding_box(
    latitude: float, longitude: float, radius_metres: float
) -> tuple[float, float, float, float]:
    """(south, west, north, east) of a box that holds every point within the radius."""
    latitude_delta = math.degrees(radius_metres / EARTH_RADIUS_METRES)
    cosine = max(math.cos(math.radians(latitude)), 1e-6)
    longitude_delta = math.degrees(radius_metres / (EARTH_RADIUS_METRES * cosine))
    return (
        latitude - latitude_delta,
        longitude - longitude_delta,
        latitude + latitude_delta,
        longitude + longitude_delta,
    )


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
