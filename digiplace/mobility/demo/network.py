"""A demo city's network as GTFS rows: its operator, stops, lines with their shapes, a
weekday and a weekend calendar valid from a month ago to a year ahead (each run moves the
window, so the demo always runs), and the trips with their stop times.

Times come from the shape: the distance between two stops at the city's commercial speed,
plus a dwell at each stop. Each bus of a line runs one block: out and back all day, with a
layover at each terminus chosen so that the line's buses keep an even headway (its round
trip takes exactly ``buses × headway``).
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..models import Agency, Route, Service, Shape, Stop, StopTime, Trip
from ..models.network import RouteType
from .cities import CityNetwork, LineSpec
from .geometry import Point, cumulative, densify, locate

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

DWELL_SECONDS = 20
MIN_LAYOVER_SECONDS = 240
WINDOW_BEFORE = datetime.timedelta(days=30)
WINDOW_AFTER = datetime.timedelta(days=365)


@dataclass(frozen=True)
class ServiceSpec:
    gtfs_id: str
    weekdays: tuple[bool, bool, bool, bool, bool, bool, bool]
    # First departure and end of service, seconds after the service day's start.
    first: int
    last: int
    weekend: bool


SERVICES = (
    ServiceSpec("demo-weekday", (True,) * 5 + (False,) * 2, 5 * 3600 + 1800, 23 * 3600, False),
    ServiceSpec("demo-weekend", (False,) * 5 + (True,) * 2, 6 * 3600 + 1800, 22 * 3600, True),
)
WEEKDAY_FIELDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass
class NetworkReport:
    stops: int = 0
    routes: int = 0
    trips: int = 0
    stop_times: int = 0


@dataclass(frozen=True)
class Pattern:
    """One direction of a line: its shape's points, and its stops with their distances."""

    shape_id: str
    points: list[Point]
    distances: list[float]
    stops: list[str]
    stop_distances: list[float]

    def run_times(self, speed_kmh: float) -> list[tuple[int, int]]:
        """(arrival, departure) at each stop, seconds after leaving the first one."""
        speed = speed_kmh / 3.6
        times = [(0, 0)]
        clock = 0
        for index in range(1, len(self.stops)):
            gap = self.stop_distances[index] - self.stop_distances[index - 1]
            clock += max(30, round(gap / speed))
            last = index == len(self.stops) - 1
            times.append((clock, clock if last else clock + DWELL_SECONDS))
            if not last:
                clock += DWELL_SECONDS
        return times


def line_patterns(city: CityNetwork, line: LineSpec) -> tuple[Pattern, Pattern]:
    patterns = []
    for direction in (0, 1):
        path = list(line.path if direction == 0 else reversed(line.path))
        waypoints = [city.stops[item][1] if isinstance(item, str) else item for item in path]
        points = densify(waypoints)
        distances = cumulative(points)
        stops = [item for item in path if isinstance(item, str)]
        patterns.append(
            Pattern(
                shape_id=f"{line.number}-{direction}",
                points=points,
                distances=distances,
                stops=stops,
                stop_distances=[locate(points, distances, city.stops[stop][1]) for stop in stops],
            )
        )
    return patterns[0], patterns[1]


def headway_and_layover(run: int, buses: int) -> tuple[int, int]:
    """The even headway (whole minutes) ``buses`` can keep on a line whose one-way run
    takes ``run`` seconds, and the layover at each terminus that makes it exact."""
    headway = math.ceil((2 * run + 2 * MIN_LAYOVER_SECONDS) / buses / 60) * 60
    return headway, (buses * headway - 2 * run) // 2


def services_ensure(municipality: Municipality, today: datetime.date) -> dict[str, Service]:
    services = {}
    for spec in SERVICES:
        service, _created = Service.objects.update_or_create(
            municipality=municipality,
            gtfs_id=spec.gtfs_id,
            defaults={
                "weekly": True,
                "start_date": today - WINDOW_BEFORE,
                "end_date": today + WINDOW_AFTER,
                "is_demo": True,
                **dict(zip(WEEKDAY_FIELDS, spec.weekdays, strict=True)),
            },
        )
        services[spec.gtfs_id] = service
    return services


def network_load(
    *, municipality: Municipality, city: CityNetwork, today: datetime.date
) -> NetworkReport | None:
    """The network's rows (None when the city has its demo network already: only the
    calendars' window is moved)."""
    services = services_ensure(municipality, today)
    if Route.objects.filter(municipality=municipality, is_demo=True).exists():
        return None
    report = NetworkReport()
    agency = Agency.objects.create(
        municipality=municipality,
        gtfs_id="demo",
        name=city.agency,
        url=city.agency_url,
        timezone="Europe/Bucharest",
        lang="ro",
        phone=city.agency_phone,
        is_demo=True,
    )
    stops = {
        code: Stop(
            municipality=municipality,
            gtfs_id=code,
            code=code,
            name=name,
            latitude=position[0],
            longitude=position[1],
            wheelchair_boarding=1,
            is_demo=True,
        )
        for code, (name, position) in city.stops.items()
    }
    Stop.objects.bulk_create(stops.values())
    stops = {stop.gtfs_id: stop for stop in Stop.objects.filter(municipality=municipality)}
    report.stops = len(city.stops)
    trips: list[Trip] = []
    # Per trip, the pattern its stop times follow and its departure.
    timetable: list[tuple[Pattern, int]] = []
    for order, line in enumerate(city.lines, start=1):
        route = Route.objects.create(
            municipality=municipality,
            gtfs_id=line.number,
            agency=agency,
            short_name=line.number,
            long_name=line.name,
            route_type=RouteType.BUS,
            color=line.colour,
            text_color="FFFFFF",
            sort_order=order,
            is_demo=True,
        )
        report.routes += 1
        patterns = line_patterns(city, line)
        shapes = [
            Shape.objects.create(
                municipality=municipality,
                gtfs_id=pattern.shape_id,
                points=[
                    [sequence, point[0], point[1], round(distance, 1)]
                    for sequence, (point, distance) in enumerate(
                        zip(pattern.points, pattern.distances, strict=True), start=1
                    )
                ],
                is_demo=True,
            )
            for pattern in patterns
        ]
        run = max(pattern.run_times(city.speed_kmh)[-1][0] for pattern in patterns)
        for spec in SERVICES:
            buses = line.weekend_buses if spec.weekend else line.weekday_buses
            headway, layover = headway_and_layover(run, buses)
            for bus in range(buses):
                block = f"{line.number}-{spec.gtfs_id.removeprefix('demo-')}-{bus + 1:02d}"
                departure = spec.first + bus * headway
                direction = 0
                number = 1
                while departure < spec.last:
                    pattern = patterns[direction]
                    trips.append(
                        Trip(
                            municipality=municipality,
                            gtfs_id=f"{block}-{number:02d}",
                            route=route,
                            service=services[spec.gtfs_id],
                            headsign=stops[pattern.stops[-1]].name,
                            direction_id=direction,
                            block_id=block,
                            shape=shapes[direction],
                            wheelchair_accessible=1,
                            bikes_allowed=2,
                            is_demo=True,
                        )
                    )
                    timetable.append((pattern, departure))
                    departure += run + layover
                    direction = 1 - direction
                    number += 1
    Trip.objects.bulk_create(trips, batch_size=500)
    report.trips = len(trips)
    saved = {trip.gtfs_id: trip for trip in Trip.objects.filter(municipality=municipality)}
    stop_times: list[StopTime] = []
    for trip, (pattern, departure) in zip(trips, timetable, strict=True):
        saved_trip = saved[trip.gtfs_id]
        for sequence, ((arrival, leave), stop, distance) in enumerate(
            zip(
                pattern.run_times(city.speed_kmh),
                pattern.stops,
                pattern.stop_distances,
                strict=True,
            ),
            start=1,
        ):
            stop_times.append(
                StopTime(
                    trip=saved_trip,
                    stop=stops[stop],
                    sequence=sequence,
                    arrival=departure + arrival,
                    departure=departure + leave,
                    shape_dist_traveled=round(distance, 1),
                    timepoint=1,
                )
            )
    StopTime.objects.bulk_create(stop_times, batch_size=2000)
    report.stop_times = len(stop_times)
    return report
