"""Geometry along a trip's shape: cumulative distances, a point projected onto the shape
(metres along it and metres off it) and the point, bearing at a distance along it.

Distances are metres on a local equirectangular approximation, exact enough at a city's
scale (a few tenths of a percent over tens of kilometres) and much cheaper than haversine
per segment, which matters when every position of every vehicle is projected."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from digiplace.core.geo import EARTH_RADIUS_METRES, distance_metres

# One haversine formula for the platform (core.geo).
distance_m = distance_metres


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial bearing from the first point to the second, degrees clockwise from north."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return (math.degrees(math.atan2(x, y)) + 360.0) % 360.0


@dataclass(frozen=True, slots=True)
class Projection:
    """Where a point falls on a shape."""

    distance: float  # metres along the shape
    offset: float  # metres from the shape
    segment: int  # index of the segment (points[segment] → points[segment + 1])


class ShapeLine:
    """A polyline of (latitude, longitude) points with its cumulative distances."""

    def __init__(self, points: Sequence[tuple[float, float]]) -> None:
        cleaned: list[tuple[float, float]] = []
        for lat, lon in points:
            if not cleaned or cleaned[-1] != (lat, lon):
                cleaned.append((float(lat), float(lon)))
        if not cleaned:
            raise ValueError("a shape needs at least one point")
        self.points: list[tuple[float, float]] = cleaned
        self.lat0 = sum(p[0] for p in cleaned) / len(cleaned)
        self._kx = math.radians(1.0) * EARTH_RADIUS_METRES * math.cos(math.radians(self.lat0))
        self._ky = math.radians(1.0) * EARTH_RADIUS_METRES
        self._xy = [self._to_xy(lat, lon) for lat, lon in cleaned]
        cumulative = [0.0]
        for (x1, y1), (x2, y2) in zip(self._xy, self._xy[1:], strict=False):
            cumulative.append(cumulative[-1] + math.hypot(x2 - x1, y2 - y1))
        self.cumulative = cumulative

    @property
    def length(self) -> float:
        return self.cumulative[-1]

    def _to_xy(self, lat: float, lon: float) -> tuple[float, float]:
        return (lon * self._kx, lat * self._ky)

    def _segment_projection(self, i: int, x: float, y: float) -> tuple[float, float]:
        """(metres along the shape, squared metres off it) of the point on segment ``i``."""
        x1, y1 = self._xy[i]
        x2, y2 = self._xy[i + 1]
        dx, dy = x2 - x1, y2 - y1
        seg2 = dx * dx + dy * dy
        t = 0.0 if seg2 == 0 else max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / seg2))
        px, py = x1 + t * dx, y1 + t * dy
        return (
            self.cumulative[i] + t * (self.cumulative[i + 1] - self.cumulative[i]),
            (x - px) ** 2 + (y - py) ** 2,
        )

    def project(
        self,
        lat: float,
        lon: float,
        *,
        hint: float | None = None,
        window: float = 1500.0,
        backwards: float = 200.0,
    ) -> Projection:
        """The nearest point of the shape to (lat, lon).

        With ``hint`` (metres along, e.g. the vehicle's previous projection), only the part of
        the shape from ``hint - backwards`` to ``hint + window`` is searched, so that on a loop
        or an out-and-back shape the vehicle stays on the leg it is driving rather than jumping
        to the other one passing the same street; when nothing in that part is within 150 m,
        the whole shape is searched (the vehicle may have skipped ahead between reports)."""
        x, y = self._to_xy(lat, lon)
        if len(self._xy) == 1:
            x1, y1 = self._xy[0]
            return Projection(0.0, math.hypot(x - x1, y - y1), 0)
        last = len(self._xy) - 2
        if hint is not None:
            first = max(0, bisect_right(self.cumulative, hint - backwards) - 1)
            end = min(last, bisect_right(self.cumulative, hint + window) - 1)
            found = self._best(x, y, first, end)
            if found.offset <= 150.0:
                return found
        return self._best(x, y, 0, last)

    def stretches(self, lat: float, lon: float, *, within: float) -> list[Projection]:
        """Every place the shape passes within ``within`` metres of (lat, lon): the nearest
        point of each stretch of consecutive segments that close, in order along the shape.

        A loop or an out-and-back shape passes a street twice; matching weighs each
        passage against the timetable instead of taking the nearest one."""
        x, y = self._to_xy(lat, lon)
        if len(self._xy) == 1:
            x1, y1 = self._xy[0]
            offset = math.hypot(x - x1, y - y1)
            return [Projection(0.0, offset, 0)] if offset <= within else []
        limit = within * within
        found: list[Projection] = []
        best: tuple[float, float, int] | None = None
        last_along = 0.0
        for i in range(len(self._xy) - 1):
            along, d2 = self._segment_projection(i, x, y)
            if d2 <= limit:
                # The shape turned back past the point (out and back along one street):
                # the nearest point jumps along the shape, and a new passage starts.
                if best is not None and abs(along - last_along) > 2 * within:
                    found.append(Projection(best[0], math.sqrt(best[1]), best[2]))
                    best = None
                if best is None or d2 < best[1]:
                    best = (along, d2, i)
                last_along = along
            elif best is not None:
                found.append(Projection(best[0], math.sqrt(best[1]), best[2]))
                best = None
        if best is not None:
            found.append(Projection(best[0], math.sqrt(best[1]), best[2]))
        return found

    def _best(self, x: float, y: float, first: int, end: int) -> Projection:
        best_along, best_d2, best_i = 0.0, math.inf, first
        for i in range(first, end + 1):
            along, d2 = self._segment_projection(i, x, y)
            if d2 < best_d2:
                best_along, best_d2, best_i = along, d2, i
        return Projection(best_along, math.sqrt(best_d2), best_i)

    def project_in_order(
        self, points: Sequence[tuple[float, float]], *, slack: float = 25.0
    ) -> list[float]:
        """Metres along the shape of points visited in order (a trip's stops): each is placed
        on the first stretch, at or after the previous one, that comes within ``slack`` metres
        of its nearest — so a stop served on the way out is not placed on the way back."""
        result: list[float] = []
        start = 0
        last = max(0, len(self._xy) - 2)
        for lat, lon in points:
            x, y = self._to_xy(lat, lon)
            if len(self._xy) == 1:
                result.append(0.0)
                continue
            candidates = [(i, *self._segment_projection(i, x, y)) for i in range(start, last + 1)]
            floor = result[-1] if result else 0.0
            nearest = min(d2 for _, _, d2 in candidates)
            limit = (math.sqrt(nearest) + slack) ** 2
            for i, along, d2 in candidates:
                if d2 <= limit and along >= floor - 1e-6:
                    result.append(along)
                    start = i
                    break
            else:
                result.append(max(floor, candidates[-1][1]))
        return result

    def point_at(self, distance: float) -> tuple[float, float]:
        """(latitude, longitude) at ``distance`` metres along the shape (clamped to its ends)."""
        i, t = self._locate(distance)
        if t == 0.0 or i + 1 >= len(self.points):
            return self.points[i]
        (lat1, lon1), (lat2, lon2) = self.points[i], self.points[i + 1]
        return (lat1 + t * (lat2 - lat1), lon1 + t * (lon2 - lon1))

    def bearing_at(self, distance: float) -> float:
        """The direction of travel at ``distance`` metres along the shape."""
        if len(self.points) == 1:
            return 0.0
        i, _ = self._locate(distance)
        i = min(i, len(self.points) - 2)
        (lat1, lon1), (lat2, lon2) = self.points[i], self.points[i + 1]
        return bearing_deg(lat1, lon1, lat2, lon2)

    def _locate(self, distance: float) -> tuple[int, float]:
        if distance <= 0 or len(self.points) == 1:
            return 0, 0.0
        if distance >= self.length:
            return len(self.points) - 1, 0.0
        i = bisect_right(self.cumulative, distance) - 1
        span = self.cumulative[i + 1] - self.cumulative[i]
        return i, (0.0 if span == 0 else (distance - self.cumulative[i]) / span)


def stop_distances(
    line: ShapeLine,
    stops: Sequence[tuple[float, float]],
    *,
    stop_dist: Sequence[float | None] | None = None,
    shape_dist: Sequence[float | None] | None = None,
) -> list[float]:
    """Metres along the shape of a trip's stops.

    When the feed gives ``shape_dist_traveled`` for every stop and every shape point, those are
    used (converted to metres through the shape's own points, since GTFS leaves the unit to the
    feed); otherwise the stops are projected in order."""
    if (
        stop_dist is not None
        and shape_dist is not None
        and len(shape_dist) == len(line.points)
        and all(d is not None for d in stop_dist)
        and all(d is not None for d in shape_dist)
    ):
        feed = [float(d) for d in shape_dist if d is not None]
        metres: list[float] = []
        for value in stop_dist:
            assert value is not None
            i = max(0, min(len(feed) - 2, bisect_right(feed, value) - 1))
            span = feed[i + 1] - feed[i] if len(feed) > 1 else 0.0
            t = 0.0 if span <= 0 else max(0.0, min(1.0, (value - feed[i]) / span))
            metres.append(
                line.cumulative[i]
                + t * (line.cumulative[min(i + 1, len(feed) - 1)] - line.cumulative[i])
            )
        return metres
    return line.project_in_order(stops)
