"""The next departures at a stop or a group of stops (a station's platforms, the stops an
e-panel shows): the timetable of the services running today, frequency-based trips expanded,
merged with what the live tracking predicts for the vehicles on those trips.

A departure is "real time" when a vehicle on its trip reported recently and predicted its
arrival at this stop (or, without a prediction for the stop, its current delay applies); it
is dropped once that vehicle has passed the stop. Otherwise it is the timetable's.
"""

from __future__ import annotations

import datetime
import math
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import F, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from digiplace.core.geo import distance_metres

from ..models import Frequency, Route, Stop, StopTime, Trip, VehicleState
from .calendar import service_day_start, services_running

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

# How far ahead a display looks, and how long a departure stays once its time has come.
HORIZON = datetime.timedelta(hours=2)
GRACE = datetime.timedelta(seconds=30)
# A vehicle silent for longer than this no longer counts as live.
REALTIME_STALE = datetime.timedelta(minutes=3)
# GTFS pickup_type 1: no boarding here (a set-down-only stop).
NO_PICKUP = 1
DEFAULT_LIMIT = 12


@dataclass(frozen=True)
class Departure:
    trip: Trip
    route: Route
    stop: Stop
    stop_sequence: int
    headsign: str
    service_date: datetime.date
    scheduled_at: datetime.datetime
    expected_at: datetime.datetime
    is_realtime: bool
    # Seconds late (negative: early), only when real time.
    delay_seconds: int | None
    minutes: int

    @property
    def is_due(self) -> bool:
        return self.minutes < 1


def stop_group(*, municipality: Municipality, stops: Iterable[Stop]) -> list[Stop]:
    """The boarding stops of ``stops``: a station stands for its child stops."""
    chosen = list(stops)
    stations = [stop.pk for stop in chosen if stop.location_type == 1]
    group = {stop.pk: stop for stop in chosen if stop.location_type != 1}
    if stations:
        for child in Stop.objects.for_municipality(municipality).filter(parent_id__in=stations):
            group.setdefault(child.pk, child)
    return list(group.values())


def _zone(municipality: Municipality) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(municipality.time_zone or "UTC")


def _stop_times(stop_ids: Sequence[int], service_ids: set[int]) -> QuerySet[StopTime]:
    last_sequence = (
        StopTime.objects.filter(trip=OuterRef("trip")).order_by("-sequence").values("sequence")[:1]
    )
    return (
        StopTime.objects.filter(stop_id__in=stop_ids, trip__service_id__in=service_ids)
        .exclude(pickup_type=NO_PICKUP)
        .annotate(moment=Coalesce("departure", "arrival"), last_sequence=Subquery(last_sequence))
        .exclude(moment__isnull=True)
        # The terminus is an arrival, not a departure.
        .exclude(sequence=F("last_sequence"))
        .select_related("trip__route", "stop")
    )


@dataclass(frozen=True)
class _Scheduled:
    stop_time: StopTime
    service_date: datetime.date
    scheduled_at: datetime.datetime


def _scheduled(
    *,
    municipality: Municipality,
    stop_ids: Sequence[int],
    now: datetime.datetime,
    horizon: datetime.timedelta,
) -> list[_Scheduled]:
    zone = _zone(municipality)
    today = now.astimezone(zone).date()
    found: list[_Scheduled] = []
    # Yesterday's service day still runs after midnight (times of 24:00:00 and more).
    for day in (today - datetime.timedelta(days=1), today):
        running = services_running(municipality=municipality, day=day)
        if not running:
            continue
        start = service_day_start(day, zone)
        low = math.floor((now - GRACE - start).total_seconds())
        high = math.ceil((now + horizon - start).total_seconds())
        if high < 0:
            continue
        frequency_trips = set(
            Frequency.objects.filter(
                trip__service_id__in=running, trip__municipality=municipality
            ).values_list("trip_id", flat=True)
        )
        rows = _stop_times(stop_ids, running)
        in_window = rows.exclude(trip_id__in=frequency_trips).filter(
            moment__gte=low,  # type: ignore[misc]  # the annotation of _stop_times
            moment__lte=high,
        )
        for stop_time in in_window:
            found.append(
                _Scheduled(
                    stop_time,
                    day,
                    start + datetime.timedelta(seconds=stop_time.moment),  # type: ignore[attr-defined]
                )
            )
        if frequency_trips:
            found.extend(
                _frequency_departures(
                    rows.filter(trip_id__in=frequency_trips), frequency_trips, day, start, low, high
                )
            )
    return found


def _frequency_departures(
    rows: QuerySet[StopTime],
    trip_ids: set[int],
    day: datetime.date,
    start: datetime.datetime,
    low: int,
    high: int,
) -> list[_Scheduled]:
    """A frequency-based trip's stop times are a pattern: its first departure moves to each
    start of the headway, the other stops keep their offsets from it."""
    first_moment = dict(
        StopTime.objects.filter(trip_id__in=trip_ids)
        .values("trip_id")
        .annotate(first=Min(Coalesce("departure", "arrival")))
        .values_list("trip_id", "first")
    )
    frequencies: dict[int, list[Frequency]] = defaultdict(list)
    for frequency in Frequency.objects.filter(trip_id__in=trip_ids):
        frequencies[frequency.trip_id].append(frequency)
    found: list[_Scheduled] = []
    for stop_time in rows:
        offset = stop_time.moment - (first_moment.get(stop_time.trip_id) or 0)  # type: ignore[attr-defined]
        for frequency in frequencies[stop_time.trip_id]:
            headway = max(frequency.headway_secs, 1)
            # The first trip start whose departure here is not before ``low``.
            steps = max(0, math.ceil((low - offset - frequency.start_time) / headway))
            trip_start = frequency.start_time + steps * headway
            while trip_start < frequency.end_time and trip_start + offset <= high:
                found.append(
                    _Scheduled(
                        stop_time, day, start + datetime.timedelta(seconds=trip_start + offset)
                    )
                )
                trip_start += headway
    return found


def _live_vehicles(
    *, municipality: Municipality, trip_ids: set[int], now: datetime.datetime
) -> dict[tuple[int, datetime.date | None], VehicleState]:
    vehicles = VehicleState.objects.for_municipality(municipality).filter(
        trip_id__in=trip_ids, is_active=True, observed_at__gte=now - REALTIME_STALE
    )
    return {(vehicle.trip_id or 0, vehicle.service_date): vehicle for vehicle in vehicles}


def _prediction(vehicle: VehicleState, stop_time: StopTime) -> dict[str, Any] | None:
    for prediction in vehicle.predictions or []:
        if not isinstance(prediction, dict):
            continue
        if prediction.get("sequence") == stop_time.sequence and (
            prediction.get("stop") in (None, stop_time.stop_id)
        ):
            return prediction
    return None


def _minutes(expected: datetime.datetime, now: datetime.datetime) -> int:
    return max(0, math.floor((expected - now).total_seconds() / 60))


def departures_next(
    *,
    municipality: Municipality,
    stops: Iterable[Stop],
    now: datetime.datetime,
    limit: int = DEFAULT_LIMIT,
    horizon: datetime.timedelta = HORIZON,
) -> list[Departure]:
    """The next ``limit`` departures from ``stops`` (stations stand for their platforms),
    soonest expected first."""
    group = stop_group(municipality=municipality, stops=stops)
    if not group:
        return []
    scheduled = _scheduled(
        municipality=municipality, stop_ids=[stop.pk for stop in group], now=now, horizon=horizon
    )
    vehicles = _live_vehicles(
        municipality=municipality,
        trip_ids={item.stop_time.trip_id for item in scheduled},
        now=now,
    )
    departures: list[Departure] = []
    for item in scheduled:
        stop_time = item.stop_time
        expected, delay, is_realtime = item.scheduled_at, None, False
        vehicle = vehicles.get((stop_time.trip_id, item.service_date))
        if vehicle is not None:
            if (
                vehicle.next_stop_sequence is not None
                and vehicle.next_stop_sequence > stop_time.sequence
            ):
                continue  # the bus has left this stop
            prediction = _prediction(vehicle, stop_time)
            if prediction is not None and isinstance(prediction.get("arrival"), int | float):
                expected = datetime.datetime.fromtimestamp(prediction["arrival"], tz=datetime.UTC)
                delay, is_realtime = round((expected - item.scheduled_at).total_seconds()), True
            elif vehicle.delay_seconds is not None:
                delay, is_realtime = vehicle.delay_seconds, True
                expected = item.scheduled_at + datetime.timedelta(seconds=delay)
        if expected < now - GRACE:
            continue
        trip = stop_time.trip
        departures.append(
            Departure(
                trip=trip,
                route=trip.route,
                stop=stop_time.stop,
                stop_sequence=stop_time.sequence,
                headsign=stop_time.headsign or trip.headsign or trip.route.long_name,
                service_date=item.service_date,
                scheduled_at=item.scheduled_at,
                expected_at=expected,
                is_realtime=is_realtime,
                delay_seconds=delay,
                minutes=_minutes(expected, now),
            )
        )
    departures.sort(key=lambda departure: (departure.expected_at, departure.route.short_name))
    return departures[:limit]


def stop_routes(*, stops: Iterable[Stop]) -> QuerySet[Route]:
    """The lines that call at ``stops``."""
    stop_ids = [stop.pk for stop in stops]
    return (
        Route.objects.filter(trips__stop_times__stop_id__in=stop_ids)
        .distinct()
        .order_by("sort_order", "short_name", "gtfs_id")
    )


def stop_search(*, municipality: Municipality, query: str = "") -> QuerySet[Stop]:
    """Boarding stops and stations (not entrances or nodes), by name or code."""
    stops = Stop.objects.for_municipality(municipality).filter(location_type__in=(0, 1))
    if query:
        stops = stops.filter(
            Q(name__icontains=query) | Q(code__iexact=query) | Q(gtfs_id__iexact=query)
        )
    # A platform whose station is listed is reached through its station.
    return stops.filter(Q(parent__isnull=True) | ~Q(parent__location_type=1)).order_by(
        "name", "gtfs_id"
    )


def stop_get(*, municipality: Municipality, gtfs_id: str) -> Stop | None:
    return Stop.objects.for_municipality(municipality).filter(gtfs_id=gtfs_id).first()


def stops_nearest(
    *, municipality: Municipality, latitude: float, longitude: float, count: int = 5
) -> list[tuple[Stop, int]]:
    """The ``count`` stops nearest a point, with their distance in metres (as the crow
    flies); candidates come from a box of a few kilometres around it."""
    box = 0.05
    candidates = stop_search(municipality=municipality).filter(
        latitude__range=(latitude - box, latitude + box),
        longitude__range=(longitude - box, longitude + box),
    )
    measured = [
        (stop, round(distance_metres(latitude, longitude, stop.latitude, stop.longitude)))
        for stop in candidates
        if stop.latitude is not None and stop.longitude is not None
    ]
    measured.sort(key=lambda pair: pair[1])
    return measured[:count]
