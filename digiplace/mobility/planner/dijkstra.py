"""The baseline: a plain Dijkstra over the time-expanded graph of the day, for the bench and
to check RAPTOR's earliest arrivals.

Nodes are events: a *departure* at a stop (a run leaving it, where boarding is allowed),
chained in time order at each stop by *wait* edges, and a run *at* a stop (on board, at its
arrival time). Edges: wait (next departure at the same stop), board (a departure to the run
at its next stop), ride (the run at its next stop), and from a run at a stop where alighting
is allowed: change (the first departure at the same stop ``CHANGE_SECONDS`` later), walk
(the first departure at a stop of its footpaths after the walk) and egress (to the
destination). Each node's key is its moment, so the first time the destination comes out of
the heap is the earliest arrival. The rules are RAPTOR's (no transfer limit here), so on any
query both give the same earliest arrival when RAPTOR is allowed enough rounds.
"""

from __future__ import annotations

import bisect
import heapq
from dataclasses import dataclass

from .raptor import CHANGE_SECONDS, Place, ends
from .timetable import Run, Timetable


@dataclass
class Graph:
    timetable: Timetable
    # At each stop, its departures in time order: times, and (run number, position).
    times: list[list[int]]
    events: list[list[tuple[int, int]]]
    # Node numbers: departures first (stop offsets), then runs at stops (run offsets).
    departure_offset: list[int]
    run_offset: list[int]
    nodes: int


def graph(timetable: Timetable) -> Graph:
    runs = timetable.runs
    per_stop: list[list[tuple[int, int, int]]] = [[] for _ in timetable.stops]
    for number, run in enumerate(runs):
        for position in range(len(run.stops) - 1):
            if run.pickup[position]:
                per_stop[run.stops[position]].append((run.departures[position], number, position))
    times, events, departure_offset = [], [], []
    count = 0
    for rows in per_stop:
        rows.sort()
        times.append([row[0] for row in rows])
        events.append([(row[1], row[2]) for row in rows])
        departure_offset.append(count)
        count += len(rows)
    run_offset = []
    for run in runs:
        run_offset.append(count)
        count += len(run.stops)
    return Graph(timetable, times, events, departure_offset, run_offset, count)


def earliest_arrival(
    graph_: Graph, origin: Place, destination: Place, departure: int
) -> int | None:
    timetable = graph_.timetable
    runs = timetable.runs
    footpaths = timetable.footpaths
    times, events = graph_.times, graph_.events
    departure_offset, run_offset = graph_.departure_offset, graph_.run_offset
    ends_ = ends(timetable, origin, destination)
    egress = {stop: seconds for stop, (seconds, _metres) in ends_.egress.items()}
    target = graph_.nodes  # the destination's node number
    best = [1 << 40] * (graph_.nodes + 1)
    heap: list[tuple[int, int, int, int]] = []  # (moment, node, stop or run, index)

    def departure_node(stop: int, moment: int) -> None:
        index = bisect.bisect_left(times[stop], moment)
        if index < len(times[stop]):
            node = departure_offset[stop] + index
            at = times[stop][index]
            if at < best[node]:
                best[node] = at
                heapq.heappush(heap, (at, node, stop, index))

    if ends_.direct is not None:
        best[target] = departure + ends_.direct[0]
        heapq.heappush(heap, (best[target], target, -1, -1))
    for stop, (seconds, _metres) in ends_.access.items():
        departure_node(stop, departure + seconds)

    departures_end = run_offset[0] if run_offset else graph_.nodes
    while heap:
        moment, node, where, index = heapq.heappop(heap)
        if moment > best[node]:
            continue
        if node == target:
            return moment
        if node < departures_end:
            stop = where
            # Wait for the next departure here.
            if index + 1 < len(times[stop]):
                later = node + 1
                at = times[stop][index + 1]
                if at < best[later]:
                    best[later] = at
                    heapq.heappush(heap, (at, later, stop, index + 1))
            # Board: on board at the next stop.
            run_number, position = events[stop][index]
            _ride(heap, best, run_offset, runs, run_number, position + 1)
            continue
        run_number, position = where, index
        run = runs[run_number]
        if position + 1 < len(run.stops):
            _ride(heap, best, run_offset, runs, run_number, position + 1)
        if not run.dropoff[position]:
            continue
        stop = run.stops[position]
        if stop in egress:
            at = moment + egress[stop]
            if at < best[target]:
                best[target] = at
                heapq.heappush(heap, (at, target, -1, -1))
        departure_node(stop, moment + CHANGE_SECONDS)
        for other, seconds in footpaths[stop]:
            departure_node(other, moment + seconds)
    return None


def _ride(
    heap: list[tuple[int, int, int, int]],
    best: list[int],
    run_offset: list[int],
    runs: list[Run],
    run_number: int,
    position: int,
) -> None:
    node = run_offset[run_number] + position
    at = runs[run_number].arrivals[position]
    if at < best[node]:
        best[node] = at
        heapq.heappush(heap, (at, node, run_number, position))
