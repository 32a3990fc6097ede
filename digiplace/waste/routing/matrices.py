"""Distance (metres) and duration (seconds) matrices between points on the map.

The default is straight-line (haversine) distance times a road factor, driven at an average
speed. A routing server can be configured instead: OSRM's ``table`` service, at
``settings.WASTE_OSRM_URL`` (empty: straight line).
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.utils.translation import gettext as _

from digiplace.waste.routing.errors import DistanceServiceError, RoutingInputError

EARTH_RADIUS_M = 6_371_008.8
DEFAULT_ROAD_FACTOR = 1.3
DEFAULT_SPEED_KMH = 25.0
DEFAULT_OSRM_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class GeoPoint:
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class TravelMatrix:
    """``distances[i, j]`` metres and ``durations[i, j]`` seconds from point i to point j."""

    distances: npt.NDArray[np.int64]
    durations: npt.NDArray[np.int64]

    def __post_init__(self) -> None:
        size = self.distances.shape[0] if self.distances.ndim == 2 else -1
        if self.distances.shape != (size, size) or self.durations.shape != (size, size):
            raise RoutingInputError(_("Distance and duration matrices must be square and alike."))
        if (self.distances < 0).any() or (self.durations < 0).any():
            raise RoutingInputError(_("Distances and durations cannot be negative."))

    @property
    def size(self) -> int:
        return int(self.distances.shape[0])


def _check_points(points: Sequence[GeoPoint]) -> None:
    for point in points:
        if not (-90 <= point.latitude <= 90 and -180 <= point.longitude <= 180):
            raise RoutingInputError(
                _("(%(latitude)s, %(longitude)s) is not a position on Earth.")
                % {"latitude": point.latitude, "longitude": point.longitude}
            )


def straight_line_matrix(
    points: Sequence[GeoPoint],
    *,
    road_factor: float = DEFAULT_ROAD_FACTOR,
    speed_kmh: float = DEFAULT_SPEED_KMH,
) -> TravelMatrix:
    """Haversine distance times ``road_factor``, travelled at ``speed_kmh``."""
    _check_points(points)
    if not (math.isfinite(road_factor) and road_factor >= 1):
        raise RoutingInputError(_("The road factor must be at least 1."))
    if not (math.isfinite(speed_kmh) and speed_kmh > 0):
        raise RoutingInputError(_("The average speed must be positive."))
    latitudes = np.radians([point.latitude for point in points])
    longitudes = np.radians([point.longitude for point in points])
    half_dlat = (latitudes[:, None] - latitudes[None, :]) / 2
    half_dlon = (longitudes[:, None] - longitudes[None, :]) / 2
    chord = (
        np.sin(half_dlat) ** 2
        + np.cos(latitudes)[:, None] * np.cos(latitudes)[None, :] * np.sin(half_dlon) ** 2
    )
    metres = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(chord, 0, 1))) * road_factor
    seconds = metres / (speed_kmh / 3.6)
    return TravelMatrix(
        distances=np.rint(metres).astype(np.int64), durations=np.rint(seconds).astype(np.int64)
    )


@dataclass(frozen=True, slots=True)
class OsrmClient:
    """OSRM's ``table`` service: ``{base_url}/table/v1/{profile}/{lon,lat;...}``."""

    base_url: str
    profile: str = "driving"
    timeout_s: float = DEFAULT_OSRM_TIMEOUT_S

    def table(self, points: Sequence[GeoPoint]) -> TravelMatrix:
        _check_points(points)
        coordinates = ";".join(f"{p.longitude:.6f},{p.latitude:.6f}" for p in points)
        url = (
            f"{self.base_url.rstrip('/')}/table/v1/{self.profile}/{coordinates}"
            "?annotations=distance,duration"
        )
        if not url.startswith(("http://", "https://")):
            raise DistanceServiceError(
                _("The routing server address must start with http:// or https://.")
            )
        try:
            with urllib.request.urlopen(url, timeout=self.timeout_s) as response:  # noqa: S310
                body = response.read()
        except urllib.error.HTTPError as error:
            raise DistanceServiceError(
                _("The routing server at %(url)s answered with error %(status)d.")
                % {"url": self.base_url, "status": error.code}
            ) from error
        except (urllib.error.URLError, OSError) as error:
            raise DistanceServiceError(
                _("The routing server at %(url)s cannot be reached (%(reason)s).")
                % {"url": self.base_url, "reason": getattr(error, "reason", error)}
            ) from error
        return self._parse(body, len(points))

    def _parse(self, body: bytes, size: int) -> TravelMatrix:
        try:
            answer = json.loads(body)
            if answer.get("code") != "Ok":
                raise ValueError(answer.get("message") or answer.get("code"))
            distances = np.array(answer["distances"], dtype=np.float64)
            durations = np.array(answer["durations"], dtype=np.float64)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise DistanceServiceError(
                _("The routing server at %(url)s gave an answer that cannot be used (%(reason)s).")
                % {"url": self.base_url, "reason": error}
            ) from error
        if distances.shape != (size, size) or durations.shape != (size, size):
            raise DistanceServiceError(
                _("The routing server at %(url)s returned a table of the wrong size.")
                % {"url": self.base_url}
            )
        if np.isnan(distances).any() or np.isnan(durations).any():
            raise DistanceServiceError(
                _("The routing server at %(url)s found no road between some of the points.")
                % {"url": self.base_url}
            )
        return TravelMatrix(
            distances=np.rint(distances).astype(np.int64),
            durations=np.rint(durations).astype(np.int64),
        )


def travel_matrix(
    points: Sequence[GeoPoint],
    *,
    road_factor: float = DEFAULT_ROAD_FACTOR,
    speed_kmh: float = DEFAULT_SPEED_KMH,
) -> TravelMatrix:
    """OSRM when ``settings.WASTE_OSRM_URL`` is set, else the straight-line estimate."""
    if settings.WASTE_OSRM_URL:
        return OsrmClient(
            base_url=settings.WASTE_OSRM_URL, timeout_s=float(settings.WASTE_OSRM_TIMEOUT)
        ).table(points)
    return straight_line_matrix(points, road_factor=road_factor, speed_kmh=speed_kmh)
