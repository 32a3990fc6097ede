"""A seeded simulation of a day of bus service: every trip's vehicle drives along the trip's
shape from stop to stop, with the traffic of the time of day, random dwell times at the
stops, random hold-ups that add up to a delay, and now and then a breakdown (the vehicle
stops where it is and the trip, with the rest of its block, is abandoned).

It is pure: plain dataclasses in (``SimTrip``, built from the database, a GTFS zip or a
test), plain dataclasses out — for any moment each vehicle's position, bearing, speed and
trip (``SimulatedDay.positions_at``), and the ground truth, the moment each trip reached each
stop (``SimulatedDay.arrivals``), against which the predictions are measured. The same seed
gives the same day; each trip draws from its own random stream (seeded by the day's seed and
the trip id), so adding or removing a trip does not change what the others do.

Times are seconds after the service day's start (GTFS times; ``day_start`` turns them into
moments)."""

from __future__ import annotations

import csv
import datetime
import io
import math
import random
import zipfile
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .realtime.shapes import ShapeLine, stop_distances

if TYPE_CHECKING:
    from digiplace.core.models import Municipality


@dataclass(frozen=True, slots=True)
class SimStopTime:
    sequence: int
    stop_id: str
    latitude: float
    longitude: float
    arrival: int  # scheduled, seconds after the service day's start
    departure: int
    # shape_dist_traveled as the feed gives it (its own unit), if it does.
    shape_dist: float | None = None


@dataclass(frozen=True, slots=True)
class SimTrip:
    trip_id: str
    route_id: str
    service_date: datetime.date
    stop_times: tuple[SimStopTime, ...]
    # [(latitude, longitude), ...]; empty: straight lines from stop to stop.
    shape: tuple[tuple[float, float], ...] = ()
    # shape_dist_traveled of each shape point, when the feed gives it.
    shape_dist: tuple[float | None, ...] = ()
    block_id: str = ""
    # The fleet number of the vehicle that runs it (default: the block, else the trip).
    vehicle_label: str = ""
    direction_id: int | None = None

    @property
    def vehicle(self) -> str:
        return self.vehicle_label or (f"block-{self.block_id}" if self.block_id else self.trip_id)


@dataclass(frozen=True, slots=True)
class SimConfig:
    dwell_min: float = 10.0
    dwell_max: float = 40.0
    # Multiplier of the scheduled running time by hour of the day (traffic): see traffic().
    peak_factor: float = 1.22
    offpeak_factor: float = 0.92
    # Spread (log-normal sigma) of a segment's running time around the traffic's.
    segment_sigma: float = 0.10
    # Spread of a driver's / trip's own pace (persistent over the trip).
    trip_sigma: float = 0.05
    # Chance per segment of a hold-up (a red light too many, a van unloading) and its length.
    holdup_chance: float = 0.04
    holdup_min: float = 20.0
    holdup_max: float = 150.0
    # Chance per trip of a breakdown, and how long the broken vehicle keeps reporting.
    breakdown_chance: float = 0.004
    breakdown_stand: float = 1800.0
    # Vehicles do not leave a stop before its scheduled departure.
    hold_early: bool = True
    # A vehicle shows up at its first stop this long before the departure (when free).
    layover_before: float = 300.0
    min_layover: float = 60.0


def traffic(hour: float, config: SimConfig) -> float:
    """Running time relative to the schedule at this hour: slower in the morning and
    evening peaks (smoothly, peaking at 8:00 and 17:00), faster at night."""
    peak = math.exp(-(((hour - 8.0) / 1.1) ** 2)) + math.exp(-(((hour - 17.0) / 1.4) ** 2))
    night = 1.0 if hour < 6.0 or hour >= 21.0 else 0.0
    base = 1.0 + (config.peak_factor - 1.0) * min(1.0, peak)
    return base - (1.0 - config.offpeak_factor) * night


@dataclass(frozen=True, slots=True)
class StopArrival:
    """What happened at one stop of a trip (``arrival`` None: the trip never got there)."""

    sequence: int
    stop_id: str
    scheduled: int
    arrival: float | None
    departure: float | None


@dataclass(frozen=True, slots=True)
class VehiclePosition:
    vehicle: str
    trip_id: str
    route_id: str
    block_id: str
    service_date: datetime.date
    time: float  # seconds after the service day's start
    latitude: float
    longitude: float
    bearing: float  # degrees clockwise from north
    speed: float  # metres per second
    shape_distance: float
    # The stop the vehicle is at or heading to, and whether it stands there.
    stop_sequence: int
    at_stop: bool
    broken_down: bool = False


@dataclass(slots=True)
class _Run:
    trip: SimTrip
    line: ShapeLine
    distances: list[float]
    ready: float  # when the vehicle is at the first stop
    arrivals: list[float | None]
    departures: list[float | None]
    # When the vehicle broke down: (time, metres along), else None.
    breakdown: tuple[float, float] | None = None
    # The running time the broken segment would have taken (to place the vehicle before).
    broken_segment_time: float = 0.0
    cancelled: bool = False

    @property
    def end(self) -> float:
        """The last moment the vehicle is on this trip."""
        if self.cancelled:
            return -math.inf
        if self.breakdown is not None:
            return self.breakdown[0]
        last = self.arrivals[-1]
        assert last is not None
        return last


@dataclass
class SimulatedDay:
    config: SimConfig
    runs: dict[str, _Run] = field(default_factory=dict)
    # vehicle → its runs in order
    vehicles: dict[str, list[_Run]] = field(default_factory=dict)

    def arrivals(self, trip_id: str) -> list[StopArrival]:
        run = self.runs[trip_id]
        return [
            StopArrival(st.sequence, st.stop_id, st.arrival, arr, dep)
            for st, arr, dep in zip(run.trip.stop_times, run.arrivals, run.departures, strict=True)
        ]

    def breakdowns(self) -> list[tuple[str, float]]:
        """(trip id, moment) of each breakdown of the day."""
        return sorted(
            ((trip_id, run.breakdown[0]) for trip_id, run in self.runs.items() if run.breakdown),
            key=lambda item: item[1],
        )

    def cancelled(self) -> list[str]:
        """Trips not run at all (their vehicle broke down earlier in the block)."""
        return [trip_id for trip_id, run in self.runs.items() if run.cancelled]

    def positions_at(self, time: float) -> list[VehiclePosition]:
        """Each vehicle on a trip at ``time`` (seconds after the service day's start)."""
        found = []
        for runs in self.vehicles.values():
            for run in runs:
                if run.cancelled or time < run.ready:
                    continue
                stand_until = run.end + (
                    self.config.breakdown_stand if run.breakdown is not None else 0.0
                )
                if time <= stand_until:
                    found.append(_position(run, time))
                    break
        return found

    def position_of(self, trip_id: str, time: float) -> VehiclePosition | None:
        """Where the vehicle of ``trip_id`` is at ``time``, if it is on that trip then."""
        run = self.runs[trip_id]
        if run.cancelled or time < run.ready:
            return None
        if time > run.end + (self.config.breakdown_stand if run.breakdown is not None else 0.0):
            return None
        return _position(run, time)

    def span(self) -> tuple[float, float]:
        """The first and last moment any vehicle is out."""
        runs = [r for r in self.runs.values() if not r.cancelled]
        if not runs:
            return (0.0, 0.0)
        return (
            min(r.ready for r in runs),
            max(r.end + (self.config.breakdown_stand if r.breakdown else 0.0) for r in runs),
        )


def _eased(fraction: float) -> float:
    """Share of a segment's distance covered after ``fraction`` of its time: starting and
    stopping smoothly (the speed is zero at the stops, twice the mean half-way)."""
    return fraction - math.sin(2 * math.pi * fraction) / (2 * math.pi)


def _position(run: _Run, time: float) -> VehiclePosition:
    trip = run.trip
    stops = trip.stop_times

    def make(
        distance: float, speed: float, sequence: int, at_stop: bool, broken: bool = False
    ) -> VehiclePosition:
        lat, lon = run.line.point_at(distance)
        return VehiclePosition(
            vehicle=trip.vehicle,
            trip_id=trip.trip_id,
            route_id=trip.route_id,
            block_id=trip.block_id,
            service_date=trip.service_date,
            time=time,
            latitude=lat,
            longitude=lon,
            bearing=run.line.bearing_at(distance),
            speed=speed,
            shape_distance=distance,
            stop_sequence=sequence,
            at_stop=at_stop,
            broken_down=broken,
        )

    if run.breakdown is not None and time >= run.breakdown[0]:
        where = run.breakdown[1]
        nxt = next((i for i, d in enumerate(run.distances) if d > where), len(stops) - 1)
        return make(where, 0.0, stops[nxt].sequence, False, True)
    # The last stop the vehicle has reached by ``time`` (arrivals are filled in order, up to
    # a breakdown).
    reached = [a for a in run.arrivals if a is not None]
    i = bisect_right(reached, time) - 1
    if i < 0:  # waiting at the first stop before departure
        return make(run.distances[0], 0.0, stops[0].sequence, True)
    departure = run.departures[i]
    if departure is None or time <= departure or i + 1 >= len(stops):
        return make(run.distances[i], 0.0, stops[i].sequence, True)
    nxt_arrival = run.arrivals[i + 1]
    gap = run.distances[i + 1] - run.distances[i]
    if nxt_arrival is None:  # on the segment where it is about to break down
        span = max(1e-6, run.broken_segment_time)
    else:
        span = max(1e-6, nxt_arrival - departure)
    fraction = min(1.0, max(0.0, (time - departure) / span))
    distance = run.distances[i] + gap * _eased(fraction)
    speed = gap / span * (1 - math.cos(2 * math.pi * fraction))
    return make(distance, speed, stops[i + 1].sequence, False)


def simulate_day(
    trips: Iterable[SimTrip], *, seed: int = 0, config: SimConfig | None = None
) -> SimulatedDay:
    """Run the day. A vehicle runs its trips in the order of their scheduled departures; a
    late arrival delays its next trip (after ``min_layover``)."""
    config = config or SimConfig()
    day = SimulatedDay(config)
    by_vehicle: dict[str, list[SimTrip]] = defaultdict(list)
    cache: dict[tuple[object, ...], tuple[ShapeLine, list[float]]] = {}
    for trip in trips:
        if len(trip.stop_times) >= 2:
            by_vehicle[trip.vehicle].append(trip)
    for vehicle, vehicle_trips in sorted(by_vehicle.items()):
        vehicle_trips.sort(key=lambda t: (t.service_date, t.stop_times[0].departure))
        free_at = -math.inf
        broken = False
        runs: list[_Run] = []
        for trip in vehicle_trips:
            run = _run_trip(trip, config, seed, free_at, broken, cache)
            runs.append(run)
            day.runs[trip.trip_id] = run
            if run.breakdown is not None:
                broken = True
            elif not run.cancelled:
                free_at = run.end + config.min_layover
        day.vehicles[vehicle] = runs
    return day


def _trip_line(
    trip: SimTrip, cache: dict[tuple[object, ...], tuple[ShapeLine, list[float]]]
) -> tuple[ShapeLine, list[float]]:
    # Many trips share a shape and a stop pattern; projecting the stops is the costly part.
    key = (trip.shape, trip.shape_dist, tuple(st.stop_id for st in trip.stop_times))
    found = cache.get(key)
    if found is None:
        found = cache[key] = _project_trip(trip)
    return found


def _project_trip(trip: SimTrip) -> tuple[ShapeLine, list[float]]:
    stops = [(st.latitude, st.longitude) for st in trip.stop_times]
    if len(trip.shape) >= 2:
        line = ShapeLine(trip.shape)
        distances = stop_distances(
            line,
            stops,
            stop_dist=[st.shape_dist for st in trip.stop_times],
            shape_dist=list(trip.shape_dist) if trip.shape_dist else None,
        )
        return line, distances
    line = ShapeLine(stops)
    return line, stop_distances(line, stops)


def _run_trip(
    trip: SimTrip,
    config: SimConfig,
    seed: int,
    free_at: float,
    cancelled: bool,
    cache: dict[tuple[object, ...], tuple[ShapeLine, list[float]]],
) -> _Run:
    line, distances = _trip_line(trip, cache)
    stops = trip.stop_times
    count = len(stops)
    run = _Run(
        trip=trip,
        line=line,
        distances=distances,
        ready=math.inf,
        arrivals=[None] * count,
        departures=[None] * count,
    )
    if cancelled:
        run.cancelled = True
        return run
    # A simulation, not a secret.
    rng = random.Random(f"{seed}:{trip.service_date.isoformat()}:{trip.trip_id}")  # noqa: S311
    pace = math.exp(rng.gauss(0.0, config.trip_sigma))
    breakdown_segment = rng.randrange(count - 1) if rng.random() < config.breakdown_chance else None
    first = stops[0]
    run.ready = max(free_at, first.departure - config.layover_before)
    # At the first stop the "arrival" is the moment it leaves (what passengers see).
    leave = max(first.departure, run.ready + config.min_layover / 2)
    run.arrivals[0] = leave
    run.departures[0] = leave
    for i in range(count - 1):
        a, b = stops[i], stops[i + 1]
        departed = run.departures[i]
        assert departed is not None
        # The timetable's time from stop to stop includes the usual stop at the next one:
        # the driving part is what is left of it, and never faster than 12 m/s on average.
        gap = distances[i + 1] - distances[i]
        mean_dwell = (config.dwell_min + config.dwell_max) / 2
        driving = max(float(b.arrival - a.departure) - mean_dwell, gap / 12.0, 5.0)
        hour = (departed / 3600.0) % 24
        running = driving * traffic(hour, config) * pace
        running *= math.exp(rng.gauss(0.0, config.segment_sigma))
        if rng.random() < config.holdup_chance:
            running += rng.uniform(config.holdup_min, config.holdup_max)
        if breakdown_segment == i:
            fraction = rng.uniform(0.1, 0.9)
            where = distances[i] + (distances[i + 1] - distances[i]) * _eased(fraction)
            run.breakdown = (departed + running * fraction, where)
            run.broken_segment_time = running
            return run
        arrived = departed + running
        run.arrivals[i + 1] = arrived
        if i + 1 == count - 1:
            run.departures[i + 1] = arrived
            break
        dwell = rng.uniform(config.dwell_min, config.dwell_max)
        leave = arrived + dwell
        if config.hold_early:
            leave = max(leave, float(b.departure))
        run.departures[i + 1] = leave
    return run


def day_start(day: datetime.date, zone: datetime.tzinfo) -> datetime.datetime:
    """The moment GTFS times of ``day`` count from (noon minus twelve hours, local time)."""
    noon = datetime.datetime.combine(day, datetime.time(12), tzinfo=zone)
    return noon.astimezone(datetime.UTC) - datetime.timedelta(hours=12)


# Loaders ------------------------------------------------------------------------------


def _seconds(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    h, m, s = (int(part) for part in text.split(":"))
    return h * 3600 + m * 60 + s


def _interpolate(times: list[int | None]) -> list[int] | None:
    """Fill the times between timepoints linearly (by stop count); None if the first or
    last is missing."""
    if not times or times[0] is None or times[-1] is None:
        return None
    filled: list[int] = []
    last_i, last_t = 0, times[0]
    for i, value in enumerate(times):
        if value is not None:
            for j in range(last_i + 1, i):
                filled.append(round(last_t + (value - last_t) * (j - last_i) / (i - last_i)))
            filled.append(value)
            last_i, last_t = i, value
    return filled


def _services_on(archive: zipfile.ZipFile, day: datetime.date) -> set[str]:
    names = set(archive.namelist())
    running: set[str] = set()
    weekday = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[
        day.weekday()
    ]
    stamp = day.strftime("%Y%m%d")
    if "calendar.txt" in names:
        for row in _rows(archive, "calendar.txt"):
            if row["start_date"] <= stamp <= row["end_date"] and row[weekday].strip() == "1":
                running.add(row["service_id"])
    if "calendar_dates.txt" in names:
        for row in _rows(archive, "calendar_dates.txt"):
            if row["date"].strip() == stamp:
                if row["exception_type"].strip() == "1":
                    running.add(row["service_id"])
                else:
                    running.discard(row["service_id"])
    return running


def _rows(archive: zipfile.ZipFile, name: str) -> Iterable[dict[str, str]]:
    with archive.open(name) as raw:
        reader = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig"))
        for row in reader:
            yield {(k or "").strip(): (v or "") for k, v in row.items()}


def trips_from_gtfs(
    path: str | Path,
    day: datetime.date,
    *,
    routes: Sequence[str] | None = None,
    expand_frequencies: bool = True,
) -> list[SimTrip]:
    """The trips of a GTFS zip that run on ``day`` (frequency-based trips expanded into one
    trip per departure, ids ``<trip_id>@<HH:MM:SS>``), optionally only some routes."""
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        services = _services_on(archive, day)
        stops = {
            row["stop_id"]: (float(row["stop_lat"]), float(row["stop_lon"]))
            for row in _rows(archive, "stops.txt")
            if row.get("stop_lat", "").strip() and row.get("stop_lon", "").strip()
        }
        trip_rows = {
            row["trip_id"]: row
            for row in _rows(archive, "trips.txt")
            if row["service_id"] in services and (routes is None or row["route_id"] in routes)
        }
        stop_rows: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in _rows(archive, "stop_times.txt"):
            if row["trip_id"] in trip_rows:
                stop_rows[row["trip_id"]].append(row)
        shapes: dict[str, list[tuple[int, float, float, float | None]]] = defaultdict(list)
        wanted_shapes = {row.get("shape_id", "") for row in trip_rows.values()}
        if "shapes.txt" in names:
            for row in _rows(archive, "shapes.txt"):
                if row["shape_id"] in wanted_shapes:
                    dist = row.get("shape_dist_traveled", "").strip()
                    shapes[row["shape_id"]].append(
                        (
                            int(row["shape_pt_sequence"]),
                            float(row["shape_pt_lat"]),
                            float(row["shape_pt_lon"]),
                            float(dist) if dist else None,
                        )
                    )
        frequencies: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
        if expand_frequencies and "frequencies.txt" in names:
            for row in _rows(archive, "frequencies.txt"):
                if row["trip_id"] in trip_rows:
                    start, end = _seconds(row["start_time"]), _seconds(row["end_time"])
                    if start is not None and end is not None:
                        frequencies[row["trip_id"]].append((start, end, int(row["headway_secs"])))
    trips: list[SimTrip] = []
    for trip_id, row in trip_rows.items():
        rows = sorted(stop_rows.get(trip_id, []), key=lambda r: int(r["stop_sequence"]))
        rows = [r for r in rows if r["stop_id"] in stops]
        arrivals = _interpolate([_seconds(r["arrival_time"]) for r in rows])
        departures = _interpolate(
            [_seconds(r["departure_time"]) or _seconds(r["arrival_time"]) for r in rows]
        )
        if arrivals is None or departures is None or len(rows) < 2:
            continue
        stop_times = tuple(
            SimStopTime(
                sequence=int(r["stop_sequence"]),
                stop_id=r["stop_id"],
                latitude=stops[r["stop_id"]][0],
                longitude=stops[r["stop_id"]][1],
                arrival=arr,
                departure=max(arr, dep),
                shape_dist=(
                    float(r["shape_dist_traveled"])
                    if r.get("shape_dist_traveled", "").strip()
                    else None
                ),
            )
            for r, arr, dep in zip(rows, arrivals, departures, strict=True)
        )
        points = sorted(shapes.get(row.get("shape_id", ""), []))
        direction = row.get("direction_id", "").strip()
        base = SimTrip(
            trip_id=trip_id,
            route_id=row["route_id"],
            service_date=day,
            stop_times=stop_times,
            shape=tuple((lat, lon) for _, lat, lon, _ in points),
            shape_dist=(
                tuple(d for *_, d in points) if all(p[3] is not None for p in points) else ()
            ),
            block_id=row.get("block_id", "").strip(),
            direction_id=int(direction) if direction else None,
        )
        if trip_id in frequencies:
            trips.extend(expand_frequency(base, frequencies[trip_id]))
        else:
            trips.append(base)
    return sorted(trips, key=lambda t: (t.stop_times[0].departure, t.trip_id))


def expand_frequency(trip: SimTrip, windows: Sequence[tuple[int, int, int]]) -> list[SimTrip]:
    """A frequency-based trip as one trip per departure (its stop times shifted), each run
    by its own vehicle (``<trip_id>@HH:MM:SS``)."""
    offset0 = trip.stop_times[0].departure
    expanded = []
    for start, end, headway in windows:
        if headway <= 0:
            continue
        for departure in range(start, end, headway):
            shift = departure - offset0
            label = f"{departure // 3600:02d}:{departure % 3600 // 60:02d}:{departure % 60:02d}"
            expanded.append(
                SimTrip(
                    trip_id=f"{trip.trip_id}@{label}",
                    route_id=trip.route_id,
                    service_date=trip.service_date,
                    stop_times=tuple(
                        SimStopTime(
                            st.sequence,
                            st.stop_id,
                            st.latitude,
                            st.longitude,
                            st.arrival + shift,
                            st.departure + shift,
                            st.shape_dist,
                        )
                        for st in trip.stop_times
                    ),
                    shape=trip.shape,
                    shape_dist=trip.shape_dist,
                    block_id=trip.block_id,
                    vehicle_label=f"{trip.route_id}-{label}",
                    direction_id=trip.direction_id,
                )
            )
    return expanded


def trips_from_network(
    municipality: Municipality, day: datetime.date, *, vehicle_labels: Sequence[str] = ()
) -> list[SimTrip]:
    """The trips of the city's imported network that run on ``day``. With
    ``vehicle_labels`` (the fleet numbers), the blocks (or, without blocks, the trips) are
    handed out to them in turn by first departure, so a small fleet runs the day."""
    from .models import Frequency, StopTime, Trip
    from .selectors.calendar import services_running

    services = services_running(municipality=municipality, day=day)
    trips = list(
        Trip.objects.for_municipality(municipality)
        .filter(service_id__in=services)
        .select_related("route", "shape")
    )
    by_trip: dict[int, list[StopTime]] = defaultdict(list)
    for st in (
        StopTime.objects.filter(trip__in=trips).select_related("stop").order_by("trip", "sequence")
    ):
        by_trip[st.trip_id].append(st)
    windows: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for freq in Frequency.objects.filter(trip__in=trips):
        windows[freq.trip_id].append((freq.start_time, freq.end_time, freq.headway_secs))
    result: list[SimTrip] = []
    for trip in trips:
        rows = [st for st in by_trip.get(trip.pk, []) if st.stop.latitude is not None]
        arrivals = _interpolate([st.arrival for st in rows])
        departures = _interpolate(
            [st.departure if st.departure is not None else st.arrival for st in rows]
        )
        if arrivals is None or departures is None or len(rows) < 2:
            continue
        points = sorted(trip.shape.points) if trip.shape else []
        base = SimTrip(
            trip_id=trip.gtfs_id,
            route_id=trip.route.gtfs_id,
            service_date=day,
            stop_times=tuple(
                SimStopTime(
                    st.sequence,
                    st.stop.gtfs_id,
                    float(st.stop.latitude or 0.0),
                    float(st.stop.longitude or 0.0),
                    arr,
                    max(arr, dep),
                    st.shape_dist_traveled,
                )
                for st, arr, dep in zip(rows, arrivals, departures, strict=True)
            ),
            shape=tuple((float(p[1]), float(p[2])) for p in points),
            shape_dist=(
                tuple(float(p[3]) for p in points)
                if points and all(len(p) > 3 and p[3] is not None for p in points)
                else ()
            ),
            block_id=trip.block_id,
            direction_id=trip.direction_id,
        )
        if trip.pk in windows:
            result.extend(expand_frequency(base, windows[trip.pk]))
        else:
            result.append(base)
    result.sort(key=lambda t: (t.stop_times[0].departure, t.trip_id))
    if vehicle_labels:
        result = assign_vehicles(result, vehicle_labels)
    return result


def assign_vehicles(trips: Sequence[SimTrip], labels: Sequence[str]) -> list[SimTrip]:
    """Hand the blocks (a trip without a block is its own) to the fleet numbers: each block
    goes to the vehicle free soonest (a vehicle is free again at its last trip's scheduled
    end), so a fleet of N runs the day as it would in service; blocks no vehicle is free for
    keep their own label (a spare from the depot)."""
    blocks: dict[str, list[SimTrip]] = defaultdict(list)
    for trip in trips:
        blocks[trip.block_id or f"trip:{trip.trip_id}"].append(trip)
    ordered = sorted(blocks.values(), key=lambda b: min(t.stop_times[0].departure for t in b))
    free: dict[str, float] = dict.fromkeys(labels, -math.inf)
    result: list[SimTrip] = []
    for block in ordered:
        start = min(t.stop_times[0].departure for t in block)
        end = max(t.stop_times[-1].arrival for t in block)
        candidates = [label for label, at in free.items() if at + 300 <= start]
        label = min(candidates, key=lambda lab: (free[lab], lab)) if candidates else ""
        if label:
            free[label] = end
        for trip in block:
            result.append(
                SimTrip(
                    trip.trip_id,
                    trip.route_id,
                    trip.service_date,
                    trip.stop_times,
                    trip.shape,
                    trip.shape_dist,
                    trip.block_id,
                    label or trip.vehicle_label,
                    trip.direction_id,
                )
            )
    return result
