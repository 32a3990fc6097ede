"""One service day's timetable in memory, shaped for RAPTOR.

Times are seconds after the service day's start, as in GTFS. A *run* is one journey of a
vehicle along a trip (a frequency-based trip gives one run per departure); *patterns* group
the runs that call at the same stops in the same order with the same boarding and alighting
rules, split further so that no run of a pattern overtakes another (RAPTOR's route scan
takes the first run that leaves a stop after a moment, which is only right when the runs'
order is the same at every stop). Footpaths join the stops less than 400 m apart in a
straight line, walked at 1.3 m/s with a 1.2 detour factor.

``build`` makes a timetable from plain rows; ``from_gtfs_zip`` reads a feed's zip for a day
(the tests and the bench plan on Cairns without a database); the database's timetable is
built by ``selectors.planner``.
"""

from __future__ import annotations

import bisect
import csv
import datetime
import io
import itertools
import math
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from digiplace.core.geo import distance_metres

WALK_SPEED = 1.3  # metres per second
WALK_DETOUR = 1.2  # streets are longer than the straight line
FOOTPATH_METRES = 400.0  # transfers on foot between stops
ACCESS_METRES = 800.0  # from a point to the stops around it, and from the stops to a point


def walk_seconds(metres: float) -> int:
    return math.ceil(metres * WALK_DETOUR / WALK_SPEED)


@dataclass(frozen=True)
class StopInfo:
    index: int
    gtfs_id: str
    name: str
    latitude: float | None
    longitude: float | None
    code: str = ""
    pk: int | None = None


@dataclass(frozen=True)
class RouteInfo:
    gtfs_id: str
    short_name: str
    long_name: str
    color: str = ""
    text_color: str = ""
    pk: int | None = None

    @property
    def label(self) -> str:
        return self.short_name or self.long_name or self.gtfs_id


@dataclass(frozen=True)
class Run:
    """One run of a trip: its stops (indices into the timetable's stops), their GTFS
    stop_sequence numbers (what real-time delays refer to), times, and whether passengers
    may board and alight there. ``delays`` holds the real-time delay applied at each stop."""

    trip_id: str
    route: RouteInfo
    headsign: str
    stops: tuple[int, ...]
    sequences: tuple[int, ...]
    arrivals: tuple[int, ...]
    departures: tuple[int, ...]
    pickup: tuple[bool, ...]
    dropoff: tuple[bool, ...]
    delays: tuple[int, ...] | None = None
    trip_pk: int | None = None

    def delay_at(self, position: int) -> int:
        return self.delays[position] if self.delays else 0


@dataclass
class Pattern:
    stops: tuple[int, ...]
    pickup: tuple[bool, ...]
    dropoff: tuple[bool, ...]
    runs: list[Run]
    # departures[position] lists the runs' departures there, in the runs' order (sorted).
    departures: list[list[int]] = field(default_factory=list)

    def first_run_from(self, position: int, moment: int) -> int | None:
        """The first run (its row) leaving the stop at ``position`` at or after ``moment``."""
        column = self.departures[position]
        row = bisect.bisect_left(column, moment)
        return row if row < len(column) else None


@dataclass
class Timetable:
    day: datetime.date | None
    stops: list[StopInfo]
    runs: list[Run]
    patterns: list[Pattern]
    # For each stop, the (pattern, position) pairs that call at it.
    stop_patterns: list[list[tuple[int, int]]]
    # For each stop, the stops within FOOTPATH_METRES and the seconds it takes to walk there.
    footpaths: list[list[tuple[int, int]]]
    stop_by_id: dict[str, int]

    def stops_near(
        self, latitude: float, longitude: float, metres: float = ACCESS_METRES
    ) -> list[tuple[int, float]]:
        """The stops within ``metres`` of a point, nearest first, with their distance."""
        # A degree of latitude is 111 km everywhere: a cheap filter before the haversine.
        dlat = metres / 111_000.0
        dlon = metres / (111_000.0 * max(0.01, math.cos(math.radians(latitude))))
        found = []
        for stop in self.stops:
            if stop.latitude is None or stop.longitude is None:
                continue
            if abs(stop.latitude - latitude) > dlat or abs(stop.longitude - longitude) > dlon:
                continue
            metres_to = distance_metres(latitude, longitude, stop.latitude, stop.longitude)
            if metres_to <= metres:
                found.append((stop.index, metres_to))
        found.sort(key=lambda pair: pair[1])
        return found

    def with_delays(self, delays: Mapping[str, Mapping[int, int]]) -> Timetable:
        """The same day with real-time delays: ``{trip_id: {stop_sequence: seconds}}``. A
        delay holds from its stop on until the next stop with a delay of its own (GTFS-rt's
        propagation); the stops before the first one keep their times."""
        if not delays:
            return self
        runs = [
            _delayed(run, delays[run.trip_id]) if run.trip_id in delays else run
            for run in self.runs
        ]
        return build(self.stops, runs, day=self.day, footpaths=self.footpaths)


def _delayed(run: Run, by_sequence: Mapping[int, int]) -> Run:
    applied: list[int] = []
    current: int | None = None
    for sequence in run.sequences:
        if sequence in by_sequence:
            current = int(by_sequence[sequence])
        applied.append(current or 0)
    if not any(applied):
        return run
    arrivals = tuple(time + delay for time, delay in zip(run.arrivals, applied, strict=True))
    departures = tuple(
        max(time + delay, arrival)
        for time, delay, arrival in zip(run.departures, applied, arrivals, strict=True)
    )
    return replace(run, arrivals=arrivals, departures=departures, delays=tuple(applied))


def _overtakes(earlier: Run, later: Run) -> bool:
    return any(a > b for a, b in zip(earlier.departures, later.departures, strict=True)) or any(
        a > b for a, b in zip(earlier.arrivals, later.arrivals, strict=True)
    )


def _patterns(runs: Sequence[Run]) -> list[Pattern]:
    groups: dict[tuple[tuple[int, ...], tuple[bool, ...], tuple[bool, ...]], list[Run]] = (
        defaultdict(list)
    )
    for run in runs:
        groups[(run.stops, run.pickup, run.dropoff)].append(run)
    patterns: list[Pattern] = []
    for (stops, pickup, dropoff), members in sorted(groups.items(), key=lambda item: item[0]):
        members.sort(key=lambda run: (run.departures[0], run.arrivals[-1], run.trip_id))
        split: list[list[Run]] = []
        for run in members:
            for chain in split:
                if not _overtakes(chain[-1], run):
                    chain.append(run)
                    break
            else:
                split.append([run])
        for chain in split:
            pattern = Pattern(stops=stops, pickup=pickup, dropoff=dropoff, runs=chain)
            pattern.departures = [
                [run.departures[position] for run in chain] for position in range(len(stops))
            ]
            patterns.append(pattern)
    return patterns


def _footpaths(stops: Sequence[StopInfo]) -> list[list[tuple[int, int]]]:
    paths: list[list[tuple[int, int]]] = [[] for _ in stops]
    placed = sorted(
        (stop for stop in stops if stop.latitude is not None and stop.longitude is not None),
        key=lambda stop: stop.latitude or 0.0,
    )
    dlat = FOOTPATH_METRES / 111_000.0
    for i, stop in enumerate(placed):
        assert stop.latitude is not None and stop.longitude is not None
        for other in placed[i + 1 :]:
            assert other.latitude is not None and other.longitude is not None
            if other.latitude - stop.latitude > dlat:
                break
            metres = distance_metres(stop.latitude, stop.longitude, other.latitude, other.longitude)
            if metres <= FOOTPATH_METRES:
                seconds = walk_seconds(metres)
                paths[stop.index].append((other.index, seconds))
                paths[other.index].append((stop.index, seconds))
    for row in paths:
        row.sort()
    return paths


def build(
    stops: list[StopInfo],
    runs: list[Run],
    *,
    day: datetime.date | None = None,
    footpaths: list[list[tuple[int, int]]] | None = None,
) -> Timetable:
    patterns = _patterns(runs)
    stop_patterns: list[list[tuple[int, int]]] = [[] for _ in stops]
    for number, pattern in enumerate(patterns):
        for position, stop in enumerate(pattern.stops):
            stop_patterns[stop].append((number, position))
    return Timetable(
        day=day,
        stops=stops,
        runs=list(runs),
        patterns=patterns,
        stop_patterns=stop_patterns,
        footpaths=footpaths if footpaths is not None else _footpaths(stops),
        stop_by_id={stop.gtfs_id: stop.index for stop in stops},
    )


@dataclass(frozen=True)
class StopTimeRow:
    stop: int
    sequence: int
    arrival: int | None
    departure: int | None
    pickup_type: int = 0
    drop_off_type: int = 0


def _filled(times: list[int | None]) -> list[int]:
    """Times between timepoints, interpolated evenly by position (GTFS leaves them empty)."""
    known = [i for i, time in enumerate(times) if time is not None]
    if not known:
        return []
    filled = list(times)
    for a, b in itertools.pairwise(known):
        start, end = times[a], times[b]
        assert start is not None and end is not None
        for i in range(a + 1, b):
            filled[i] = start + round((end - start) * (i - a) / (b - a))
    # Before the first and after the last timepoint: nothing to go by but the timepoint.
    first, last = times[known[0]], times[known[-1]]
    for i in range(known[0]):
        filled[i] = first
    for i in range(known[-1] + 1, len(filled)):
        filled[i] = last
    return [time if time is not None else 0 for time in filled]


def make_runs(
    *,
    trip_id: str,
    route: RouteInfo,
    headsign: str,
    rows: Iterable[StopTimeRow],
    frequencies: Sequence[tuple[int, int, int]] = (),
    trip_pk: int | None = None,
) -> list[Run]:
    """A trip's runs: one, or one per departure of its frequencies (start, end, headway)."""
    ordered = sorted(rows, key=lambda row: row.sequence)
    if len(ordered) < 2:
        return []
    arrivals_in = [row.arrival if row.arrival is not None else row.departure for row in ordered]
    departures_in = [row.departure if row.departure is not None else row.arrival for row in ordered]
    arrivals = _filled(arrivals_in)
    departures = _filled(departures_in)
    if not arrivals:
        return []
    departures = [max(d, a) for d, a in zip(departures, arrivals, strict=True)]
    # 1 means "no pickup" / "no drop off"; 2 and 3 (arrange with the operator) are allowed.
    base = Run(
        trip_id=trip_id,
        route=route,
        headsign=headsign,
        stops=tuple(row.stop for row in ordered),
        sequences=tuple(row.sequence for row in ordered),
        arrivals=tuple(arrivals),
        departures=tuple(departures),
        pickup=tuple(row.pickup_type != 1 for row in ordered),
        dropoff=tuple(row.drop_off_type != 1 for row in ordered),
        trip_pk=trip_pk,
    )
    if not frequencies:
        return [base]
    runs = []
    first = base.departures[0]
    for start, end, headway in frequencies:
        if headway <= 0:
            continue
        for moment in range(start, end, headway):
            shift = moment - first
            runs.append(
                replace(
                    base,
                    arrivals=tuple(time + shift for time in base.arrivals),
                    departures=tuple(time + shift for time in base.departures),
                )
            )
    return runs


# --- GTFS zip -----------------------------------------------------------------------------


def gtfs_seconds(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    hours, minutes, seconds = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds)


def _rows(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    if name not in archive.namelist():
        return []
    with archive.open(name) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        return [
            {key.strip(): (value or "").strip() for key, value in row.items() if key}
            for row in csv.DictReader(text)
        ]


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _gtfs_date(text: str) -> datetime.date:
    return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def gtfs_services_running(
    calendar: Sequence[Mapping[str, str]],
    calendar_dates: Sequence[Mapping[str, str]],
    day: datetime.date,
) -> set[str]:
    weekday = _WEEKDAYS[day.weekday()]
    running = {
        row["service_id"]
        for row in calendar
        if row.get(weekday) == "1"
        and _gtfs_date(row["start_date"]) <= day <= _gtfs_date(row["end_date"])
    }
    for row in calendar_dates:
        if _gtfs_date(row["date"]) != day:
            continue
        if row["exception_type"] == "1":
            running.add(row["service_id"])
        else:
            running.discard(row["service_id"])
    return running


def from_gtfs_zip(path: Path | str, day: datetime.date) -> Timetable:
    """The timetable of ``day`` read from a GTFS zip (no database)."""
    with zipfile.ZipFile(path) as archive:
        stop_rows = _rows(archive, "stops.txt")
        route_rows = _rows(archive, "routes.txt")
        trip_rows = _rows(archive, "trips.txt")
        stop_time_rows = _rows(archive, "stop_times.txt")
        frequency_rows = _rows(archive, "frequencies.txt")
        running = gtfs_services_running(
            _rows(archive, "calendar.txt"), _rows(archive, "calendar_dates.txt"), day
        )
    stops: list[StopInfo] = []
    for row in stop_rows:
        if row.get("location_type", "") not in ("", "0"):
            continue
        stops.append(
            StopInfo(
                index=len(stops),
                gtfs_id=row["stop_id"],
                name=row.get("stop_name", ""),
                code=row.get("stop_code", ""),
                latitude=float(row["stop_lat"]) if row.get("stop_lat") else None,
                longitude=float(row["stop_lon"]) if row.get("stop_lon") else None,
            )
        )
    stop_by_id = {stop.gtfs_id: stop.index for stop in stops}
    routes = {
        row["route_id"]: RouteInfo(
            gtfs_id=row["route_id"],
            short_name=row.get("route_short_name", ""),
            long_name=row.get("route_long_name", ""),
            color=row.get("route_color", ""),
            text_color=row.get("route_text_color", ""),
        )
        for row in route_rows
    }
    trips = {row["trip_id"]: row for row in trip_rows if row["service_id"] in running}
    times: dict[str, list[StopTimeRow]] = defaultdict(list)
    for row in stop_time_rows:
        if row["trip_id"] in trips and row["stop_id"] in stop_by_id:
            times[row["trip_id"]].append(
                StopTimeRow(
                    stop=stop_by_id[row["stop_id"]],
                    sequence=int(row["stop_sequence"]),
                    arrival=gtfs_seconds(row.get("arrival_time", "")),
                    departure=gtfs_seconds(row.get("departure_time", "")),
                    pickup_type=int(row.get("pickup_type") or 0),
                    drop_off_type=int(row.get("drop_off_type") or 0),
                )
            )
    frequencies: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for row in frequency_rows:
        start, end = gtfs_seconds(row["start_time"]), gtfs_seconds(row["end_time"])
        if start is not None and end is not None:
            frequencies[row["trip_id"]].append((start, end, int(row["headway_secs"])))
    runs: list[Run] = []
    for trip_id, trip in sorted(trips.items()):
        runs.extend(
            make_runs(
                trip_id=trip_id,
                route=routes.get(trip["route_id"], RouteInfo(trip["route_id"], "", "")),
                headsign=trip.get("trip_headsign", ""),
                rows=times.get(trip_id, []),
                frequencies=frequencies.get(trip_id, ()),
            )
        )
    return build(stops, runs, day=day)
