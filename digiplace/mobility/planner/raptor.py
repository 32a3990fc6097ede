"""RAPTOR (Delling, Pajor, Werneck, "Round-Based Public Transit Routing", 2012) over one
service day's timetable, with footpaths between nearby stops.

Round k finds the earliest arrival at every stop with k rides. Each round scans the patterns
that call at a stop improved in the round before, from the first such stop on, hopping onto
the earliest run it can catch; then relaxes the changes at the same stop (``CHANGE_SECONDS``
to get off one bus and onto another) and the footpaths to the stops around. The result is
the Pareto set on (arrival, transfers): the journey of round k is kept only when it arrives
earlier than every journey with fewer rides (and than walking all the way).

A journey starts and ends at a stop or at a point: from a point, the stops within 800 m are
reached on foot; a stop reaches those within the 400 m of its footpaths.

*Arrive by* is a binary search over the departure time: the earliest arrival never gets
earlier when one leaves later (runs do not overtake in a pattern), so the latest departure
that still arrives in time is found with about fourteen forward searches over a three-hour
window, and the journeys of that departure that arrive in time are the answer. (Reverse
RAPTOR would give the same latest departure in one pass; at ~1-3 ms a search on a city's
network the simpler search is fast enough, and it shares all its code with the forward one.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from digiplace.core.geo import distance_metres

from .timetable import (
    ACCESS_METRES,
    RouteInfo,
    StopInfo,
    Timetable,
    walk_seconds,
)

CHANGE_SECONDS = 60  # from one bus to another at the same stop
MAX_TRANSFERS = 4
DIRECT_WALK_METRES = 2 * ACCESS_METRES
ARRIVE_BY_WINDOW = 3 * 3600
INFINITY = 1 << 40


class PlanningError(ValueError):
    """The query cannot be planned: ``code`` says why (``origin_far``, ``destination_far``,
    ``same_place``)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Place:
    """An origin or destination: a stop (its index in the timetable) or a point."""

    stop: int | None = None
    latitude: float | None = None
    longitude: float | None = None

    def coordinates(self, timetable: Timetable) -> tuple[float, float] | None:
        if self.stop is not None:
            info = timetable.stops[self.stop]
            if info.latitude is None or info.longitude is None:
                return None
            return info.latitude, info.longitude
        if self.latitude is None or self.longitude is None:
            return None
        return self.latitude, self.longitude


@dataclass(frozen=True)
class Leg:
    kind: str  # "walk" or "ride"
    departure: int
    arrival: int
    # None: the origin or destination point.
    from_stop: StopInfo | None
    to_stop: StopInfo | None
    wait_before: int = 0
    metres: float = 0.0
    route: RouteInfo | None = None
    headsign: str = ""
    trip_id: str = ""
    stops_ridden: int = 0
    # Real-time delay (seconds) at the boarding and the alighting stop; 0 on schedule.
    board_delay: int = 0
    alight_delay: int = 0

    @property
    def duration(self) -> int:
        return self.arrival - self.departure

    @property
    def is_ride(self) -> bool:
        return self.kind == "ride"


@dataclass(frozen=True)
class Journey:
    legs: tuple[Leg, ...]
    departure: int
    arrival: int
    transfers: int
    waiting: int
    walking: int
    rides: int = field(default=0)

    @property
    def duration(self) -> int:
        return self.arrival - self.departure


@dataclass(frozen=True)
class Ends:
    """The walks from the origin to its stops and from the stops to the destination
    (seconds and metres by stop index), and the walk all the way when it is short."""

    access: dict[int, tuple[int, float]]
    egress: dict[int, tuple[int, float]]
    direct: tuple[int, float] | None


def _reach(timetable: Timetable, place: Place) -> dict[int, tuple[int, float]]:
    if place.stop is not None:
        reach = {place.stop: (0, 0.0)}
        here = timetable.stops[place.stop]
        for other, seconds in timetable.footpaths[place.stop]:
            there = timetable.stops[other]
            metres = 0.0
            if None not in (here.latitude, here.longitude, there.latitude, there.longitude):
                metres = distance_metres(
                    here.latitude,  # type: ignore[arg-type]
                    here.longitude,  # type: ignore[arg-type]
                    there.latitude,  # type: ignore[arg-type]
                    there.longitude,  # type: ignore[arg-type]
                )
            reach[other] = (seconds, metres)
        return reach
    assert place.latitude is not None and place.longitude is not None
    return {
        stop: (walk_seconds(metres), metres)
        for stop, metres in timetable.stops_near(place.latitude, place.longitude)
    }


def ends(timetable: Timetable, origin: Place, destination: Place) -> Ends:
    """The walks at both ends; ``PlanningError`` when either end has no stop near it or
    both are the same place."""
    if origin.stop is not None and origin.stop == destination.stop:
        raise PlanningError("same_place")
    start, end = origin.coordinates(timetable), destination.coordinates(timetable)
    direct = None
    if start is not None and end is not None:
        metres = distance_metres(*start, *end)
        if metres < 1.0:
            raise PlanningError("same_place")
        if metres <= DIRECT_WALK_METRES:
            direct = (walk_seconds(metres), metres)
    access = _reach(timetable, origin)
    if not access:
        raise PlanningError("origin_far")
    egress = _reach(timetable, destination)
    if not egress:
        raise PlanningError("destination_far")
    return Ends(access=access, egress=egress, direct=direct)


@dataclass
class _Search:
    """What one RAPTOR search leaves behind to rebuild its journeys."""

    # Per round: the best arrival at each stop ready to board (after a change or a walk),
    # and how it was reached: ("access", 0, stop, seconds), ("change", round, stop, 0) or
    # ("walk", round, from_stop, seconds).
    ready: list[list[int]]
    ready_how: list[list[tuple[str, int, int, int] | None]]
    # Per round: the ride that reached a stop: (pattern, run row, board position, alight position).
    rides: list[dict[int, tuple[int, int, int, int]]]
    # (round, arrival at the destination, last stop) of each Pareto-optimal journey.
    found: list[tuple[int, int, int]]


def _search(
    timetable: Timetable, ends_: Ends, departure: int, max_transfers: int
) -> tuple[_Search, int]:
    stops_count = len(timetable.stops)
    patterns = timetable.patterns
    stop_patterns = timetable.stop_patterns
    footpaths = timetable.footpaths
    egress = {stop: seconds for stop, (seconds, _metres) in ends_.egress.items()}

    ready0 = [INFINITY] * stops_count
    how0: list[tuple[str, int, int, int] | None] = [None] * stops_count
    for stop, (seconds, _metres) in ends_.access.items():
        ready0[stop] = departure + seconds
        how0[stop] = ("access", 0, stop, seconds)
    search = _Search(ready=[ready0], ready_how=[how0], rides=[{}], found=[])
    best_ride = [INFINITY] * stops_count
    best_target = departure + ends_.direct[0] if ends_.direct else INFINITY
    marked = set(ends_.access)

    for round_ in range(1, max_transfers + 2):
        if not marked:
            break
        queue: dict[int, int] = {}
        for stop in marked:
            for pattern_number, position in stop_patterns[stop]:
                if position < queue.get(pattern_number, INFINITY):
                    queue[pattern_number] = position
        previous = search.ready[round_ - 1]
        rides: dict[int, tuple[int, int, int, int]] = {}
        ride_at: dict[int, int] = {}
        target_before = best_target
        round_target: tuple[int, int] | None = None
        for pattern_number, start in queue.items():
            pattern = patterns[pattern_number]
            stops = pattern.stops
            runs = pattern.runs
            pickup = pattern.pickup
            dropoff = pattern.dropoff
            row = -1
            board = -1
            board_ready = INFINITY
            arrivals: tuple[int, ...] = ()
            for position in range(start, len(stops)):
                stop = stops[position]
                if row >= 0 and dropoff[position]:
                    moment = arrivals[position]
                    if moment < best_ride[stop] and moment < best_target:
                        best_ride[stop] = moment
                        ride_at[stop] = moment
                        rides[stop] = (pattern_number, row, board, position)
                        if stop in egress:
                            at_target = moment + egress[stop]
                            if at_target < best_target:
                                best_target = at_target
                                round_target = (at_target, stop)
                if pickup[position]:
                    ready = previous[stop]
                    if ready < INFINITY and (row < 0 or ready <= pattern.departures[position][row]):
                        earlier = pattern.first_run_from(position, ready)
                        # On the same run, board where one was ready soonest: from the
                        # origin, the stop with the shortest walk; later, the most slack.
                        if earlier is not None and (
                            row < 0 or earlier < row or (earlier == row and ready < board_ready)
                        ):
                            row = earlier
                            board = position
                            board_ready = ready
                            arrivals = runs[row].arrivals
        ready_k = list(previous)
        how_k = list(search.ready_how[round_ - 1])
        marked = set()
        for stop, moment in ride_at.items():
            changed = moment + CHANGE_SECONDS
            if changed < ready_k[stop]:
                ready_k[stop] = changed
                how_k[stop] = ("change", round_, stop, 0)
                marked.add(stop)
            for other, seconds in footpaths[stop]:
                walked = moment + seconds
                if walked < ready_k[other]:
                    ready_k[other] = walked
                    how_k[other] = ("walk", round_, stop, seconds)
                    marked.add(other)
        search.ready.append(ready_k)
        search.ready_how.append(how_k)
        search.rides.append(rides)
        if round_target is not None and round_target[0] < target_before:
            search.found.append((round_, round_target[0], round_target[1]))
    return search, best_target


def _journey(
    timetable: Timetable, ends_: Ends, search: _Search, round_: int, last_stop: int
) -> Journey:
    stops = timetable.stops
    backwards: list[Leg] = []
    stop = last_stop
    access_stop = -1
    while True:
        pattern_number, row, board, alight = search.rides[round_][stop]
        pattern = timetable.patterns[pattern_number]
        run = pattern.runs[row]
        backwards.append(
            Leg(
                kind="ride",
                departure=run.departures[board],
                arrival=run.arrivals[alight],
                from_stop=stops[pattern.stops[board]],
                to_stop=stops[pattern.stops[alight]],
                route=run.route,
                headsign=run.headsign,
                trip_id=run.trip_id,
                stops_ridden=alight - board,
                board_delay=run.delay_at(board),
                alight_delay=run.delay_at(alight),
            )
        )
        board_stop = pattern.stops[board]
        how = search.ready_how[round_ - 1][board_stop]
        assert how is not None
        kind, earlier_round, from_stop, seconds = how
        if kind == "access":
            access_stop = board_stop
            break
        if kind == "walk":
            metres = _metres(stops[from_stop], stops[board_stop])
            arrived = search.rides[earlier_round][from_stop]
            alighted = timetable.patterns[arrived[0]].runs[arrived[1]].arrivals[arrived[3]]
            backwards.append(
                Leg(
                    kind="walk",
                    departure=alighted,
                    arrival=alighted + seconds,
                    from_stop=stops[from_stop],
                    to_stop=stops[board_stop],
                    metres=metres,
                )
            )
        round_, stop = earlier_round, from_stop
    legs = list(reversed(backwards))
    access_seconds, access_metres = ends_.access[access_stop]
    first_board = legs[0].departure
    if access_seconds:
        legs.insert(
            0,
            Leg(
                kind="walk",
                departure=first_board - access_seconds,
                arrival=first_board,
                from_stop=None,
                to_stop=stops[access_stop],
                metres=access_metres,
            ),
        )
    egress_seconds, egress_metres = ends_.egress[last_stop]
    if egress_seconds:
        alighted = legs[-1].arrival
        legs.append(
            Leg(
                kind="walk",
                departure=alighted,
                arrival=alighted + egress_seconds,
                from_stop=stops[last_stop],
                to_stop=None,
                metres=egress_metres,
            )
        )
    return _assembled(legs)


def _metres(a: StopInfo, b: StopInfo) -> float:
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        return 0.0
    return distance_metres(a.latitude, a.longitude, b.latitude, b.longitude)


def _assembled(legs: list[Leg]) -> Journey:
    timed: list[Leg] = []
    waiting = 0
    for number, leg in enumerate(legs):
        wait = leg.departure - legs[number - 1].arrival if number else 0
        waiting += wait
        timed.append(Leg(**{**leg.__dict__, "wait_before": wait}))
    rides = sum(1 for leg in legs if leg.is_ride)
    return Journey(
        legs=tuple(timed),
        departure=legs[0].departure,
        arrival=legs[-1].arrival,
        transfers=max(0, rides - 1),
        waiting=waiting,
        walking=sum(leg.duration for leg in legs if not leg.is_ride),
        rides=rides,
    )


def _walk_only(ends_: Ends, departure: int) -> Journey:
    assert ends_.direct is not None
    seconds, metres = ends_.direct
    return _assembled(
        [
            Leg(
                kind="walk",
                departure=departure,
                arrival=departure + seconds,
                from_stop=None,
                to_stop=None,
                metres=metres,
            )
        ]
    )


def depart_at(
    timetable: Timetable,
    origin: Place,
    destination: Place,
    departure: int,
    *,
    max_transfers: int = MAX_TRANSFERS,
) -> list[Journey]:
    """The Pareto-optimal journeys on (arrival, transfers) leaving at or after
    ``departure``, fewest rides first (walking all the way, when short, comes first)."""
    ends_ = ends(timetable, origin, destination)
    search, _best = _search(timetable, ends_, departure, max_transfers)
    journeys = [_walk_only(ends_, departure)] if ends_.direct else []
    journeys.extend(
        _journey(timetable, ends_, search, round_, stop) for round_, _arrival, stop in search.found
    )
    return [_with_ends(journey, origin, destination, timetable) for journey in journeys]


def earliest_arrival(
    timetable: Timetable,
    origin: Place,
    destination: Place,
    departure: int,
    *,
    max_transfers: int = MAX_TRANSFERS,
) -> int | None:
    ends_ = ends(timetable, origin, destination)
    _unused, best = _search(timetable, ends_, departure, max_transfers)
    return best if best < INFINITY else None


def arrive_by(
    timetable: Timetable,
    origin: Place,
    destination: Place,
    deadline: int,
    *,
    max_transfers: int = MAX_TRANSFERS,
    window: int = ARRIVE_BY_WINDOW,
) -> list[Journey]:
    """The journeys that arrive by ``deadline`` leaving as late as possible (a binary
    search over the departure time, see the module's docstring)."""
    ends_ = ends(timetable, origin, destination)

    def arrives(departure: int) -> int:
        return _search(timetable, ends_, departure, max_transfers)[1]

    low = max(0, deadline - window)
    if arrives(low) > deadline:
        return []
    high = deadline
    # Invariant: leaving at ``low`` arrives in time; leaving after ``high`` does not.
    while low < high:
        middle = (low + high + 1) // 2
        if arrives(middle) <= deadline:
            low = middle
        else:
            high = middle - 1
    return [
        journey
        for journey in depart_at(timetable, origin, destination, low, max_transfers=max_transfers)
        if journey.arrival <= deadline
    ]


def _with_ends(
    journey: Journey, origin: Place, destination: Place, timetable: Timetable
) -> Journey:
    """Walks from and to a stop (rather than a point) start and end at that stop."""
    legs = list(journey.legs)
    first, last = legs[0], legs[-1]
    if origin.stop is not None and not first.is_ride and first.from_stop is None:
        legs[0] = Leg(**{**first.__dict__, "from_stop": timetable.stops[origin.stop]})
    last = legs[-1]
    if destination.stop is not None and not last.is_ride and last.to_stop is None:
        legs[-1] = Leg(**{**last.__dict__, "to_stop": timetable.stops[destination.stop]})
    return Journey(**{**journey.__dict__, "legs": tuple(legs)})
