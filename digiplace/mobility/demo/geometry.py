"""Plane geometry on a city's scale: distances between points, a polyline drawn densely
through waypoints, a point at a distance along it. Exact enough for a few kilometres."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from digiplace.core.geo import distance_metres

Point = tuple[float, float]


def distance(a: Point, b: Point) -> float:
    """Metres between two (latitude, longitude) points (haversine)."""
    return distance_metres(a[0], a[1], b[0], b[1])


def bearing(a: Point, b: Point) -> float:
    """Degrees clockwise from north, from ``a`` towards ``b`` (0 ≤ bearing < 360)."""
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    y = math.sin(lon2 - lon1) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return math.degrees(math.atan2(y, x)) % 360


def densify(waypoints: Sequence[Point], step: float = 40.0) -> list[Point]:
    """The polyline through ``waypoints`` with a point at least every ``step`` metres (a
    shape a map draws along the street, and a vehicle can be placed on)."""
    points: list[Point] = [waypoints[0]]
    for start, end in itertools.pairwise(waypoints):
        parts = max(1, math.ceil(distance(start, end) / step))
        for part in range(1, parts + 1):
            fraction = part / parts
            points.append(
                (
                    round(start[0] + (end[0] - start[0]) * fraction, 6),
                    round(start[1] + (end[1] - start[1]) * fraction, 6),
                )
            )
    return points


def cumulative(points: Sequence[Point]) -> list[float]:
    """Metres from the first point to each point along the polyline."""
    total = 0.0
    distances = [0.0]
    for start, end in itertools.pairwise(points):
        total += distance(start, end)
        distances.append(total)
    return distances


def along(points: Sequence[Point], distances: Sequence[float], metres: float) -> Point:
    """The point ``metres`` along the polyline (clamped to its ends)."""
    if metres <= 0:
        return points[0]
    if metres >= distances[-1]:
        return points[-1]
    low, high = 0, len(distances) - 1
    while high - low > 1:
        middle = (low + high) // 2
        if distances[middle] <= metres:
            low = middle
        else:
            high = middle
    span = distances[high] - distances[low]
    fraction = (metres - distances[low]) / span if span else 0.0
    a, b = points[low], points[high]
    return (a[0] + (b[0] - a[0]) * fraction, a[1] + (b[1] - a[1]) * fraction)


def locate(points: Sequence[Point], distances: Sequence[float], target: Point) -> float:
    """Metres along the polyline of its point nearest ``target`` (a stop on its shape)."""
    best, best_distance = 0.0, math.inf
    for index, point in enumerate(points):
        gap = distance(point, target)
        if gap < best_distance:
            best, best_distance = distances[index], gap
    return best
