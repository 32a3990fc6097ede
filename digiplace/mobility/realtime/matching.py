"""Matching a vehicle's position to the trip it is running.

In order of trust:

1. an explicit trip id (the ``refTrip`` attribute of the ``Vehicle`` entity, a GTFS
   trip_id; ``<trip_id>@HH:MM:SS`` names one run of a frequency-based trip);
2. the vehicle's block: the trip of the block it was on whose schedule fits now (at the
   end of a trip the bus goes on with the next trip of its block);
3. its route, if known (GTFS-rt feeds such as Bull Runner's give only a route id), else
   every trip running now: the trip — and, for a frequency-based trip, the run — whose
   scheduled position fits where the vehicle is.

"Fits" is a cost in seconds: how far the vehicle is from where the timetable puts it
(its delay, early running counting double, since buses wait for their times more often
than they run ahead), plus its distance from the shape and a penalty when it heads
against the shape's direction there. Each place a loop or an out-and-back shape passes the
vehicle is weighed separately, so the leg is chosen by the timetable, not by the nearest
street. Frequency-based trips have no timetable to be late against: the run is the one
whose departure, given how long the trip takes to reach the vehicle's position, is nearest.

Pure code over plain values (``TripPattern``), so tests and benchmarks match without a
database; ``services.tracking`` loads the patterns from the imported network.
"""

from __future__ import annotations

import datetime
import itertools
import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .shapes import Projection, ShapeLine, stop_distances

# How far from its shape a vehicle may be and still be matched to it (GPS error, a
# stop's bay, a shape drawn roughly).
MATCH_WITHIN = 150.0
# Delays outside this window do not match a trip (seconds; early, late).
EARLIEST = -15 * 60
LATEST = 45 * 60
# Early running costs this much more than lateness.
EARLY_WEIGHT = 2.0
# Seconds of cost per metre off the shape.
OFFSET_WEIGHT = 1.0
# Heading against the shape: up to this many seconds of cost.
BEARING_PENALTY = 900.0
BEARING_TOLERANCE = 60.0
# The trip the vehicle was on keeps it unless another fits clearly better.
CONTINUITY_BONUS = 180.0
# A vehicle matched to its previous trip may fall back this far (GPS jitter).
BACKWARDS_TOLERANCE = 60.0


@dataclass(frozen=True, slots=True)
class PatternStop:
    sequence: int
    stop_id: str
    stop_pk: int | None
    arrival: int  # seconds after the service day's start (before a frequency shift)
    departure: int
    distance: float  # metres along the shape


@dataclass(slots=True)
class TripPattern:
    """A trip's timetable along its shape. ``frequencies`` ((start, end, headway) seconds)
    makes it frequency-based: it runs once per headway, each run shifted from the
    timetable's first departure."""

    key: int  # the Trip's primary key (any unique number in tests)
    trip_id: str
    route_id: str
    line: ShapeLine
    stops: tuple[PatternStop, ...]
    block_id: str = ""
    direction_id: int | None = None
    frequencies: tuple[tuple[int, int, int], ...] = ()
    # The trip's calendar and route (the loader's primary keys).
    service_key: int = 0
    route_key: int = 0

    @property
    def first_departure(self) -> int:
        return self.stops[0].departure

    @property
    def duration(self) -> int:
        return self.stops[-1].arrival - self.stops[0].departure

    def time_at(self, distance: float) -> float:
        """When the timetable has the vehicle ``distance`` metres along (seconds after the
        service day's start, unshifted): leaving a stop at its departure, reaching the next
        at its arrival, evenly in between."""
        stops = self.stops
        if distance <= stops[0].distance:
            return float(stops[0].departure)
        if distance >= stops[-1].distance:
            return float(stops[-1].arrival)
        distances = [stop.distance for stop in stops]
        i = max(0, min(len(stops) - 2, bisect_right(distances, distance) - 1))
        a, b = stops[i], stops[i + 1]
        span = b.distance - a.distance
        fraction = 0.0 if span <= 0 else (distance - a.distance) / span
        return a.departure + fraction * (b.arrival - a.departure)

    def distance_at(self, seconds: float) -> float:
        """Where the timetable has the vehicle at ``seconds`` (unshifted): standing at a
        stop between its arrival and departure."""
        stops = self.stops
        if seconds <= stops[0].departure:
            return stops[0].distance
        for a, b in itertools.pairwise(stops):
            if seconds <= b.arrival:
                span = b.arrival - a.departure
                fraction = 1.0 if span <= 0 else (seconds - a.departure) / span
                return a.distance + max(0.0, min(1.0, fraction)) * (b.distance - a.distance)
            if seconds <= b.departure:
                return b.distance
        return stops[-1].distance

    def run_starts(self) -> list[int]:
        """The departures of a frequency-based trip's runs."""
        starts: list[int] = []
        for start, end, headway in self.frequencies:
            if headway > 0:
                starts.extend(range(start, end, headway))
        return sorted(starts)


def pattern_make(
    *,
    key: int,
    trip_id: str,
    route_id: str,
    stops: Sequence[tuple[int, str, int | None, int, int, float, float, float | None]],
    shape: Sequence[tuple[float, float]] = (),
    shape_dist: Sequence[float | None] | None = None,
    block_id: str = "",
    direction_id: int | None = None,
    frequencies: Sequence[tuple[int, int, int]] = (),
) -> TripPattern:
    """A pattern from a trip's stop times — ``(sequence, stop id, stop pk, arrival,
    departure, latitude, longitude, shape_dist_traveled)`` with times filled in — and its
    shape's points (straight lines between the stops without one)."""
    places = [(lat, lon) for *_, lat, lon, _dist in stops]
    line = ShapeLine(shape if len(shape) >= 2 else places)
    distances = stop_distances(
        line,
        places,
        stop_dist=[row[7] for row in stops],
        shape_dist=list(shape_dist) if shape_dist and len(shape) >= 2 else None,
    )
    return TripPattern(
        key=key,
        trip_id=trip_id,
        route_id=route_id,
        line=line,
        stops=tuple(
            PatternStop(row[0], row[1], row[2], row[3], max(row[3], row[4]), distance)
            for row, distance in zip(stops, distances, strict=True)
        ),
        block_id=block_id,
        direction_id=direction_id,
        frequencies=tuple(frequencies),
    )


@dataclass(frozen=True, slots=True)
class ServiceDay:
    """A service day the patterns may run on: its date, its start as a POSIX time (noon
    minus twelve hours, local) and which patterns run on it (their keys)."""

    date: datetime.date
    start: float
    running: frozenset[int]


@dataclass(frozen=True, slots=True)
class Observation:
    latitude: float
    longitude: float
    moment: float  # POSIX seconds
    bearing: float | None = None
    trip_id: str = ""  # an explicit GTFS trip id (refTrip)
    route_id: str = ""
    block_id: str = ""


@dataclass(frozen=True, slots=True)
class Previous:
    """What the vehicle was last matched to."""

    key: int
    service_date: datetime.date
    start: int  # the run's first departure (seconds after the service day's start)
    distance: float
    block_id: str = ""


@dataclass(frozen=True, slots=True)
class Match:
    pattern: TripPattern
    day: ServiceDay
    # The run's first departure: the timetable's, or a frequency run's (seconds after the
    # service day's start); ``shift`` moves the pattern's times onto this run.
    start: int
    distance: float  # metres along the shape
    offset: float  # metres from the shape
    delay: float  # seconds; negative: early
    cost: float
    how: str  # "explicit", "block", "route" or "nearest"

    @property
    def shift(self) -> int:
        return self.start - self.pattern.first_departure

    @property
    def next_index(self) -> int:
        """The index of the next stop ahead of the vehicle (the last one at the end)."""
        for i, stop in enumerate(self.pattern.stops):
            if stop.distance > self.distance + 1.0:
                return i
        return len(self.pattern.stops) - 1

    def identity(self) -> tuple[int, datetime.date, int]:
        return (self.pattern.key, self.day.date, self.start)


def _angle(a: float, b: float) -> float:
    difference = abs(a - b) % 360.0
    return min(difference, 360.0 - difference)


def _options(
    pattern: TripPattern,
    day: ServiceDay,
    observation: Observation,
    stretches: Sequence[Projection],
    *,
    how: str,
    start: int | None = None,
    previous: Previous | None = None,
    bounded: bool = True,
) -> list[Match]:
    """Every way the observation fits a run of the pattern on ``day`` (one per stretch of
    the shape near the vehicle), with their costs."""
    now = observation.moment - day.start
    found: list[Match] = []
    starts = pattern.run_starts() if pattern.frequencies else []
    for stretch in stretches:
        distance, offset = stretch.distance, stretch.offset
        elapsed = pattern.time_at(distance) - pattern.first_departure
        implied = now - elapsed  # when the vehicle left the first stop, at its pace
        if start is not None:
            candidates = [start]
        elif starts and not bounded:
            candidates = starts
        elif starts:
            # Every run it may be on, late or early within bounds.
            low = bisect_right(starts, implied - LATEST - 1)
            high = bisect_right(starts, implied - EARLIEST)
            candidates = starts[low:high]
        else:
            candidates = [pattern.first_departure]
        penalty = OFFSET_WEIGHT * offset
        if observation.bearing is not None and pattern.line.length > 0:
            heading = pattern.line.bearing_at(min(distance + 1.0, pattern.line.length))
            off = _angle(observation.bearing, heading) - BEARING_TOLERANCE
            if off > 0:
                penalty += BEARING_PENALTY * off / (180.0 - BEARING_TOLERANCE)
        for run_start in candidates:
            delay = implied - run_start
            if bounded and not EARLIEST <= delay <= LATEST:
                continue
            cost = (delay if delay >= 0 else -EARLY_WEIGHT * delay) + penalty
            if (
                previous is not None
                and previous.key == pattern.key
                and previous.service_date == day.date
                and previous.start == run_start
            ):
                if distance < previous.distance - BACKWARDS_TOLERANCE:
                    continue  # buses do not drive their trips backwards
                cost -= CONTINUITY_BONUS
            found.append(Match(pattern, day, run_start, distance, offset, delay, cost, how))
    return found


def _nearest(
    pattern: TripPattern, observation: Observation, previous: Previous | None
) -> Projection:
    hint = previous.distance if previous is not None and previous.key == pattern.key else None
    return pattern.line.project(observation.latitude, observation.longitude, hint=hint)


def _split_trip_id(trip_id: str) -> tuple[str, int | None]:
    """``<trip_id>@HH:MM:SS`` (a run of a frequency-based trip) → (trip id, start)."""
    base, at, clock = trip_id.rpartition("@")
    if not at:
        return trip_id, None
    parts = clock.split(":")
    if len(parts) == 3 and all(part.isdigit() for part in parts):
        h, m, s = (int(part) for part in parts)
        return base, h * 3600 + m * 60 + s
    return trip_id, None


class Matcher:
    """Matches observations against the patterns running on some service days.

    ``patterns`` are the trips that may run (all of a city's, or just those of a route or
    a block); ``days`` the service days to try (yesterday's for trips past midnight, and
    today's). Each shape is projected once per observation, however many trips share it."""

    def __init__(self, patterns: Iterable[TripPattern], days: Sequence[ServiceDay]) -> None:
        self.patterns = list(patterns)
        self.days = list(days)
        self.by_trip_id = {pattern.trip_id: pattern for pattern in self.patterns}

    def _stretches(
        self, observation: Observation, patterns: Iterable[TripPattern]
    ) -> dict[int, list[Projection]]:
        cache: dict[int, list[Projection]] = {}
        result: dict[int, list[Projection]] = {}
        for pattern in patterns:
            line_id = id(pattern.line)
            if line_id not in cache:
                cache[line_id] = list(
                    pattern.line.stretches(
                        observation.latitude, observation.longitude, within=MATCH_WITHIN
                    )
                )
            result[pattern.key] = cache[line_id]
        return result

    def options(
        self,
        observation: Observation,
        *,
        previous: Previous | None = None,
    ) -> list[Match]:
        """Every fitting run, best first, by the first rule that finds any."""
        if observation.trip_id:
            explicit = self._explicit(observation, previous)
            if explicit:
                return explicit
        block = observation.block_id or (previous.block_id if previous else "")
        if block:
            found = self._among(
                observation,
                [p for p in self.patterns if p.block_id == block],
                "block",
                previous,
            )
            if found:
                return found
        if observation.route_id:
            candidates = [p for p in self.patterns if p.route_id == observation.route_id]
            how = "route"
        else:
            candidates = self.patterns
            how = "nearest"
        found = self._among(observation, candidates, how, previous)
        if not found and previous is not None:
            found = self._previous(observation, previous)
        return found

    def match(self, observation: Observation, *, previous: Previous | None = None) -> Match | None:
        found = self.options(observation, previous=previous)
        return found[0] if found else None

    def _explicit(self, observation: Observation, previous: Previous | None) -> list[Match]:
        trip_id, start = _split_trip_id(observation.trip_id)
        pattern = self.by_trip_id.get(trip_id) or self.by_trip_id.get(observation.trip_id)
        if pattern is None:
            return []
        if pattern.trip_id == observation.trip_id:
            start = None
        stretches = self._stretches(observation, [pattern])[pattern.key]
        if not stretches:
            # Off its shape (a detour): still on the trip it says, off route.
            stretches = [_nearest(pattern, observation, previous)]
        found: list[Match] = []
        for day in self.days:
            if pattern.key in day.running:
                found.extend(
                    _options(
                        pattern,
                        day,
                        observation,
                        stretches,
                        how="explicit",
                        start=start,
                        previous=previous,
                        bounded=False,
                    )
                )
        return sorted(found, key=lambda match: match.cost)

    def _previous(self, observation: Observation, previous: Previous) -> list[Match]:
        """The trip the vehicle was on, though it has left the shape: a bus on a detour
        is still on its trip (and off route), not on no trip."""
        pattern = next((p for p in self.patterns if p.key == previous.key), None)
        day = next((d for d in self.days if d.date == previous.service_date), None)
        if pattern is None or day is None:
            return []
        stretch = _nearest(pattern, observation, previous)
        return _options(
            pattern,
            day,
            observation,
            [stretch],
            how="previous",
            start=previous.start,
            previous=previous,
            bounded=False,
        )

    def _among(
        self,
        observation: Observation,
        patterns: Sequence[TripPattern],
        how: str,
        previous: Previous | None,
    ) -> list[Match]:
        stretches = self._stretches(observation, patterns)
        found: list[Match] = []
        for pattern in patterns:
            near = stretches[pattern.key]
            if not near:
                continue
            for day in self.days:
                if pattern.key in day.running:
                    found.extend(
                        _options(pattern, day, observation, near, how=how, previous=previous)
                    )
        return sorted(found, key=lambda match: match.cost)

    def match_all(
        self,
        observations: Sequence[Observation],
        *,
        previous: Sequence[Previous | None] | None = None,
        taken: Iterable[tuple[int, datetime.date, int]] = (),
    ) -> list[Match | None]:
        """Match several vehicles at once, one vehicle per run, at the least total cost
        (an optimal assignment: three buses of a line a headway apart are on three runs,
        though greedily the first two might take the runs the third fits best). ``taken``
        are runs other vehicles already hold."""
        held = set(taken)
        ranked = [
            [
                option
                for option in self.options(obs, previous=previous[i] if previous else None)
                if option.identity() not in held
            ]
            for i, obs in enumerate(observations)
        ]
        columns: dict[tuple[int, datetime.date, int], int] = {}
        best: list[dict[int, Match]] = []
        for options in ranked:
            mine: dict[int, Match] = {}
            for option in options:
                column = columns.setdefault(option.identity(), len(columns))
                if column not in mine:  # options are sorted: the first is the cheapest
                    mine[column] = option
            best.append(mine)
        count = len(observations)
        # One extra column per vehicle: left unmatched, at a cost above any real match.
        width = len(columns) + count
        cost = [
            [
                best[i][j].cost if j in best[i] else (UNMATCHED if j >= len(columns) else NEVER)
                for j in range(width)
            ]
            for i in range(count)
        ]
        result: list[Match | None] = [None] * count
        for i, j in enumerate(_assignment(cost)):
            if j in best[i]:
                result[i] = best[i][j]
        return result


# The cost of leaving a vehicle unmatched in ``match_all``, and of an impossible pair.
UNMATCHED = 1e7
NEVER = 1e12


def _assignment(cost: list[list[float]]) -> list[int]:
    """The column of each row in a least-cost assignment (rows ≤ columns): the Hungarian
    method with potentials, O(rows² × columns)."""
    rows = len(cost)
    if not rows:
        return []
    columns = len(cost[0])
    u = [0.0] * (rows + 1)
    v = [0.0] * (columns + 1)
    owner = [0] * (columns + 1)  # owner[j]: the row (1-based) assigned to column j
    way = [0] * (columns + 1)
    for i in range(1, rows + 1):
        owner[0] = i
        j0 = 0
        slack = [math.inf] * (columns + 1)
        used = [False] * (columns + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = owner[j0], math.inf, 0
            for j in range(1, columns + 1):
                if not used[j]:
                    current = cost[i0 - 1][j - 1] - u[i0] - v[j]
                    if current < slack[j]:
                        slack[j], way[j] = current, j0
                    if slack[j] < delta:
                        delta, j1 = slack[j], j
            for j in range(columns + 1):
                if used[j]:
                    u[owner[j]] += delta
                    v[j] -= delta
                else:
                    slack[j] -= delta
            j0 = j1
            if owner[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            owner[j0] = owner[j1]
            j0 = j1
    assigned = [0] * rows
    for j in range(1, columns + 1):
        if owner[j]:
            assigned[owner[j] - 1] = j - 1
    return assigned


def schedule_distance(pattern: TripPattern, seconds: float, start: int) -> float:
    """Where run ``start`` of the pattern should be at ``seconds`` after the day's start."""
    return pattern.distance_at(seconds - (start - pattern.first_departure))


def off_route(offset: float, *, threshold: float = 100.0) -> bool:
    return math.isfinite(offset) and offset > threshold
