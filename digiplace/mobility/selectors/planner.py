"""What the journey planner reads from the database: the day's timetable (built once per
city, day and network version, then kept in memory), the real-time delays of the vehicles
on their trips, the stops to choose from, and the charging stations and parking nearest to
a destination with their live status."""

from __future__ import annotations

import dataclasses
import datetime
import math
import threading
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Max, Sum

from digiplace.core.geo import distance_metres
from digiplace.urbandata.models import Entity

from ..models import Frequency, Route, Service, Stop, StopTime, Trip, VehicleState
from ..planner import timetable as tt
from .calendar import services_running

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

# Timetables kept in memory (per process): a few days of a few cities, each for at most
# CACHE_SECONDS (the fingerprint below misses an edit that only renames a stop or a line).
CACHE_SIZE = 16
CACHE_SECONDS = 600.0
_cache: OrderedDict[tuple[int, datetime.date, tuple[Any, ...]], tuple[float, tt.Timetable]] = (
    OrderedDict()
)
_lock = threading.Lock()

PLACE_TYPES = ("EVChargingStation", "ParkingSpot", "OffStreetParking")
PLACES_METRES = 1500.0
PLACES_PER_TYPE = 3


def network_version(municipality: Municipality) -> tuple[Any, ...]:
    """A fingerprint of the city's network that changes with any import or edit: counts,
    the newest row and sums of the columns the planner reads. (No version number is kept
    with the network; four aggregate queries cost a few milliseconds.)"""
    times = StopTime.objects.filter(trip__municipality=municipality).aggregate(
        count=Count("pk"),
        newest=Max("pk"),
        arrivals=Sum("arrival"),
        departures=Sum("departure"),
        stops=Sum("stop_id"),
        sequences=Sum("sequence"),
        pickups=Sum("pickup_type"),
        drop_offs=Sum("drop_off_type"),
    )
    stops = Stop.objects.filter(municipality=municipality).aggregate(
        count=Count("pk"), newest=Max("pk"), latitudes=Sum("latitude"), longitudes=Sum("longitude")
    )
    trips = Trip.objects.filter(municipality=municipality).aggregate(
        count=Count("pk"), newest=Max("pk"), services=Sum("service_id"), routes=Sum("route_id")
    )
    calendars = Service.objects.filter(municipality=municipality).aggregate(
        count=Count("pk"),
        newest=Max("pk"),
        exception_count=Count("exceptions"),
        exception_newest=Max("exceptions__pk"),
    )
    frequencies = Frequency.objects.filter(trip__municipality=municipality).aggregate(
        count=Count("pk"), newest=Max("pk"), headways=Sum("headway_secs"), starts=Sum("start_time")
    )
    parts = (times, stops, trips, calendars, frequencies)
    return tuple(tuple(sorted(part.items())) for part in parts)


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def timetable_for_day(*, municipality: Municipality, day: datetime.date) -> tt.Timetable:
    key = (municipality.pk, day, network_version(municipality))
    now = time.monotonic()
    with _lock:
        if key in _cache and now - _cache[key][0] < CACHE_SECONDS:
            _cache.move_to_end(key)
            return _cache[key][1]
    built = timetable_build(municipality=municipality, day=day)
    with _lock:
        _cache[key] = (now, built)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return built


def timetable_build(*, municipality: Municipality, day: datetime.date) -> tt.Timetable:
    """The day's timetable from the database (uncached)."""
    stops: list[tt.StopInfo] = []
    index_by_pk: dict[int, int] = {}
    for pk, gtfs_id, name, code, latitude, longitude in (
        Stop.objects.for_municipality(municipality)
        .order_by("pk")
        .values_list("pk", "gtfs_id", "name", "code", "latitude", "longitude")
    ):
        index_by_pk[pk] = len(stops)
        stops.append(
            tt.StopInfo(
                index=len(stops),
                gtfs_id=gtfs_id,
                name=name,
                code=code,
                latitude=latitude,
                longitude=longitude,
                pk=pk,
            )
        )
    routes = {
        route.pk: tt.RouteInfo(
            gtfs_id=route.gtfs_id,
            short_name=route.short_name,
            long_name=route.long_name,
            color=route.color,
            text_color=route.text_color,
            pk=route.pk,
        )
        for route in Route.objects.for_municipality(municipality)
    }
    runs = _runs_of(
        municipality, services_running(municipality=municipality, day=day), routes, index_by_pk
    )
    # Yesterday's trips still running after midnight (GTFS times of 24:00:00 and more): in
    # today's times, a day earlier (a clock change that night is not allowed for).
    yesterday = services_running(municipality=municipality, day=day - datetime.timedelta(days=1))
    for run in _runs_of(municipality, yesterday, routes, index_by_pk, after_midnight=True):
        runs.append(
            dataclasses.replace(
                run,
                arrivals=tuple(time - DAY_SECONDS for time in run.arrivals),
                departures=tuple(time - DAY_SECONDS for time in run.departures),
            )
        )
    return tt.build(stops, runs, day=day)


DAY_SECONDS = 24 * 3600


def _runs_of(
    municipality: Municipality,
    running: set[int],
    routes: dict[int, tt.RouteInfo],
    index_by_pk: dict[int, int],
    *,
    after_midnight: bool = False,
) -> list[tt.Run]:
    """The runs of the trips of ``running`` services (only those reaching past midnight when
    ``after_midnight``)."""
    trips_query = Trip.objects.for_municipality(municipality).filter(service_id__in=running)
    if after_midnight:
        late = StopTime.objects.filter(trip__in=trips_query, arrival__gte=DAY_SECONDS).values_list(
            "trip_id", flat=True
        )
        # A frequency trip's runs are placed by their start: keep them all, and the last
        # filter below keeps those that reach past midnight.
        late_frequencies = Frequency.objects.filter(trip__in=trips_query).values_list(
            "trip_id", flat=True
        )
        trips_query = trips_query.filter(pk__in={*late, *late_frequencies})
    trips = {
        pk: (gtfs_id, route_id, headsign)
        for pk, gtfs_id, route_id, headsign in trips_query.values_list(
            "pk", "gtfs_id", "route_id", "headsign"
        )
    }
    rows: dict[int, list[tt.StopTimeRow]] = defaultdict(list)
    for trip_id, stop_id, sequence, arrival, departure, pickup, drop_off in (
        StopTime.objects.filter(trip_id__in=trips)
        .order_by("trip_id", "sequence")
        .values_list(
            "trip_id", "stop_id", "sequence", "arrival", "departure", "pickup_type", "drop_off_type"
        )
    ):
        rows[trip_id].append(
            tt.StopTimeRow(
                stop=index_by_pk[stop_id],
                sequence=sequence,
                arrival=arrival,
                departure=departure,
                pickup_type=pickup,
                drop_off_type=drop_off,
            )
        )
    frequencies: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for trip_id, start, end, headway in Frequency.objects.filter(trip_id__in=trips).values_list(
        "trip_id", "start_time", "end_time", "headway_secs"
    ):
        frequencies[trip_id].append((start, end, headway))
    runs: list[tt.Run] = []
    for pk, (gtfs_id, route_id, headsign) in sorted(trips.items()):
        runs.extend(
            tt.make_runs(
                trip_id=gtfs_id,
                route=routes[route_id],
                headsign=headsign,
                rows=rows.get(pk, []),
                frequencies=frequencies.get(pk, ()),
                trip_pk=pk,
            )
        )
    if after_midnight:
        runs = [run for run in runs if run.arrivals[-1] > DAY_SECONDS]
    return runs


def realtime_delays(*, municipality: Municipality, day: datetime.date) -> dict[str, dict[int, int]]:
    """``{trip gtfs id: {stop_sequence: delay seconds}}`` from the fleet's live state on
    ``day``'s trips: the predictions at the next stops, or else the vehicle's current
    delay from its next stop on."""
    delays: dict[str, dict[int, int]] = {}
    for gtfs_id, predictions, delay, next_sequence in (
        VehicleState.objects.for_municipality(municipality)
        .filter(is_active=True, service_date=day, trip__isnull=False)
        .values_list("trip__gtfs_id", "predictions", "delay_seconds", "next_stop_sequence")
    ):
        by_sequence: dict[int, int] = {}
        for prediction in predictions or []:
            if not isinstance(prediction, dict):
                continue
            sequence, late = prediction.get("sequence"), prediction.get("delay")
            if isinstance(sequence, int) and isinstance(late, int | float):
                by_sequence[sequence] = int(late)
        if not by_sequence and delay is not None:
            by_sequence[next_sequence or 0] = delay
        if by_sequence:
            delays[gtfs_id] = by_sequence
    return delays


@dataclass(frozen=True)
class StopChoice:
    gtfs_id: str
    name: str
    code: str
    latitude: float | None
    longitude: float | None

    @property
    def label(self) -> str:
        """What the form's list offers and reads back: the name and, in brackets, the id
        (names repeat: both directions of a street share one)."""
        return f"{self.name} [{self.gtfs_id}]" if self.name else self.gtfs_id


def stop_choices(*, municipality: Municipality) -> list[StopChoice]:
    """The stops a journey can start or end at (those a trip calls at)."""
    return [
        StopChoice(gtfs_id, name, code, latitude, longitude)
        for gtfs_id, name, code, latitude, longitude in Stop.objects.for_municipality(municipality)
        .filter(stop_times__isnull=False)
        .distinct()
        .order_by("name", "gtfs_id")
        .values_list("gtfs_id", "name", "code", "latitude", "longitude")
    ]


@dataclass(frozen=True)
class NearbyPlace:
    entity_id: str
    type: str
    name: str
    latitude: float
    longitude: float
    metres: float
    status: str
    available: int | None
    capacity: int | None
    is_demo: bool


def _value(attributes: dict[str, Any], name: str) -> Any:
    attribute = attributes.get(name)
    if isinstance(attribute, dict):
        return attribute.get("value")
    return None


def places_near(
    *, municipality: Municipality, latitude: float, longitude: float
) -> dict[str, list[NearbyPlace]]:
    """The charging stations and parking nearest to a point (within 1.5 km, three of each
    type), with their live status; keyed by entity type."""
    dlat = PLACES_METRES / 111_000.0
    dlon = PLACES_METRES / (111_000.0 * max(0.01, math.cos(math.radians(latitude))))
    found: dict[str, list[NearbyPlace]] = {kind: [] for kind in PLACE_TYPES}
    for entity in Entity.objects.for_municipality(municipality).filter(
        type__in=PLACE_TYPES,
        latitude__range=(latitude - dlat, latitude + dlat),
        longitude__range=(longitude - dlon, longitude + dlon),
    ):
        assert entity.latitude is not None and entity.longitude is not None
        metres = distance_metres(latitude, longitude, entity.latitude, entity.longitude)
        if metres > PLACES_METRES:
            continue
        attributes = entity.attributes or {}
        available = _value(attributes, "availableCapacity")
        capacity = _value(attributes, "capacity")
        if capacity is None:
            capacity = _value(attributes, "totalSpotNumber")
        if available is None:
            available = _value(attributes, "availableSpotNumber")
        status = _value(attributes, "status")
        found[entity.type].append(
            NearbyPlace(
                entity_id=entity.entity_id,
                type=entity.type,
                name=entity.name or entity.entity_id,
                latitude=entity.latitude,
                longitude=entity.longitude,
                metres=metres,
                status=str(status) if status is not None else "",
                available=int(available) if isinstance(available, int | float) else None,
                capacity=int(capacity) if isinstance(capacity, int | float) else None,
                is_demo=entity.is_demo,
            )
        )
    for places in found.values():
        places.sort(key=lambda place: place.metres)
        del places[PLACES_PER_TYPE:]
    return found
