"""The imported network as the matcher reads it: the trips that may be running at a moment
(on yesterday's service day, for trips past midnight, and on today's), each with its
timetable along its shape (``realtime.matching.TripPattern``)."""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Q

from ..models import Frequency, StopTime, Trip
from ..realtime.matching import Matcher, PatternStop, ServiceDay, TripPattern
from ..realtime.shapes import ShapeLine, stop_distances
from ..selectors.calendar import service_day_start, services_running
from ..simulation import _interpolate

if TYPE_CHECKING:
    from digiplace.core.models import Municipality


def service_days(
    municipality: Municipality, moment: datetime.datetime
) -> list[tuple[datetime.date, float, set[int]]]:
    """(date, start as POSIX seconds, running services' pks) of yesterday's and today's
    service days at ``moment``, in the city's time zone."""
    zone = zoneinfo.ZoneInfo(municipality.time_zone)
    today = moment.astimezone(zone).date()
    days = []
    for date in (today - datetime.timedelta(days=1), today):
        start = service_day_start(date, zone).timestamp()
        days.append((date, start, services_running(municipality=municipality, day=date)))
    return days


def matcher_load(
    municipality: Municipality,
    moment: datetime.datetime,
    *,
    trip_ids: Iterable[str] = (),
    route_ids: Iterable[str] = (),
    block_ids: Iterable[str] = (),
    everything: bool = False,
) -> Matcher:
    """A matcher over the city's trips running around ``moment``: those named (by trip,
    route or block id), or all of them with ``everything``."""
    days = service_days(municipality, moment)
    services = set().union(*(running for _date, _start, running in days))
    trips = Trip.objects.for_municipality(municipality).filter(service_id__in=services)
    if not everything:
        wanted = Q(pk__in=[])
        trip_ids = [trip_id.rpartition("@")[0] or trip_id for trip_id in trip_ids] + list(trip_ids)
        if trip_ids:
            wanted |= Q(gtfs_id__in=trip_ids)
        if route_ids := list(route_ids):
            wanted |= Q(route__gtfs_id__in=route_ids)
        if block_ids := [block for block in block_ids if block]:
            wanted |= Q(block_id__in=block_ids)
        trips = trips.filter(wanted)
    patterns = patterns_load(list(trips.select_related("route", "shape")))
    return Matcher(
        patterns,
        [
            ServiceDay(
                date=date,
                start=start,
                running=frozenset(p.key for p in patterns if p.service_key in running),
            )
            for date, start, running in days
        ],
    )


def patterns_load(trips: list[Trip]) -> list[TripPattern]:
    """The patterns of ``trips`` (with their route and shape selected): stop times with
    their times filled in between timepoints, placed along the shape once per shape and
    stop sequence."""
    if not trips:
        return []
    rows: dict[int, list[StopTime]] = defaultdict(list)
    for stop_time in (
        StopTime.objects.filter(trip__in=trips)
        .select_related("stop")
        .only(
            "trip_id",
            "sequence",
            "arrival",
            "departure",
            "shape_dist_traveled",
            "stop__gtfs_id",
            "stop__latitude",
            "stop__longitude",
        )
        .order_by("trip_id", "sequence")
    ):
        if stop_time.stop.latitude is not None and stop_time.stop.longitude is not None:
            rows[stop_time.trip_id].append(stop_time)
    windows: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for frequency in Frequency.objects.filter(trip__in=trips):
        windows[frequency.trip_id].append(
            (frequency.start_time, frequency.end_time, frequency.headway_secs)
        )
    lines: dict[object, ShapeLine] = {}
    placed: dict[tuple[object, ...], list[float]] = {}
    patterns: list[TripPattern] = []
    for trip in trips:
        stop_times = rows.get(trip.pk, [])
        arrivals = _interpolate([st.arrival for st in stop_times])
        departures = _interpolate(
            [st.departure if st.departure is not None else st.arrival for st in stop_times]
        )
        if arrivals is None or departures is None or len(stop_times) < 2:
            continue
        places = [
            (float(st.stop.latitude or 0.0), float(st.stop.longitude or 0.0)) for st in stop_times
        ]
        points = sorted(trip.shape.points) if trip.shape is not None else []
        shape_key: object = trip.shape_id if len(points) >= 2 else ("stops", tuple(places))
        line = lines.get(shape_key)
        if line is None:
            line = lines[shape_key] = ShapeLine(
                [(float(p[1]), float(p[2])) for p in points] if len(points) >= 2 else places
            )
        shape_dist = [p[3] if len(p) > 3 else None for p in points] if len(points) >= 2 else None
        stop_dist = [st.shape_dist_traveled for st in stop_times]
        key = (shape_key, tuple(st.stop_id for st in stop_times), tuple(stop_dist))
        distances = placed.get(key)
        if distances is None:
            distances = placed[key] = stop_distances(
                line, places, stop_dist=stop_dist, shape_dist=shape_dist
            )
        pattern = TripPattern(
            key=trip.pk,
            trip_id=trip.gtfs_id,
            route_id=trip.route.gtfs_id,
            line=line,
            stops=tuple(
                PatternStop(
                    st.sequence, st.stop.gtfs_id, st.stop_id, arrival, max(arrival, departure), d
                )
                for st, arrival, departure, d in zip(
                    stop_times, arrivals, departures, distances, strict=True
                )
            ),
            block_id=trip.block_id,
            direction_id=trip.direction_id,
            frequencies=tuple(sorted(windows.get(trip.pk, []))),
            service_key=trip.service_id,
            route_key=trip.route_id,
        )
        patterns.append(pattern)
    return patterns
