"""The city's GTFS-realtime feeds (VehiclePositions, TripUpdates, Alerts), built with
MobilityData's bindings from what the tracking made of the vehicles' positions and from the
staff's published service alerts.

A feed is a full dataset, timestamped with its newest data; vehicles silent for longer than
``STALE_AFTER`` are left out (a bus that stopped reporting is not shown where it was), and a
built feed is cached for at most ``CACHE_SECONDS``, so a consumer never reads one staler
than that plus the vehicles' own reporting interval."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from google.transit import gtfs_realtime_pb2

from ..models import ServiceAlert, VehicleState

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

STALE_AFTER = datetime.timedelta(minutes=3)
CACHE_SECONDS = 5
KINDS = ("vehicle_positions", "trip_updates", "alerts")


def _message(moment: datetime.datetime | None) -> gtfs_realtime_pb2.FeedMessage:
    message = gtfs_realtime_pb2.FeedMessage()
    message.header.gtfs_realtime_version = "2.0"
    message.header.incrementality = gtfs_realtime_pb2.FeedHeader.FULL_DATASET
    message.header.timestamp = int((moment or timezone.now()).timestamp())
    return message


class _Vehicle(NamedTuple):
    """What the feeds read of a fleet vehicle (a row, not a model: building 500 models with
    their trip and route took most of a feed's time)."""

    label: str
    trip_id: str | None
    route_id: str | None
    direction_id: int | None
    service_date: datetime.date | None
    trip_start: int | None
    latitude: float
    longitude: float
    bearing: float | None
    speed: float | None
    observed_at: datetime.datetime
    next_stop_sequence: int | None
    delay_seconds: int | None


_FIELDS = (
    "label",
    "trip__gtfs_id",
    "trip__route__gtfs_id",
    "trip__direction_id",
    "service_date",
    "trip_start",
    "latitude",
    "longitude",
    "bearing",
    "speed",
    "observed_at",
    "next_stop_sequence",
    "delay_seconds",
)


def _fresh_vehicles(
    municipality: Municipality,
    now: datetime.datetime,
    *,
    on_trip: bool = False,
    predictions: bool = False,
) -> list[tuple[_Vehicle, list[dict[str, Any]]]]:
    found = VehicleState.objects.for_municipality(municipality).filter(
        is_active=True,
        observed_at__gte=now - STALE_AFTER,
        observed_at__lte=now + datetime.timedelta(seconds=30),
        latitude__isnull=False,
        longitude__isnull=False,
    )
    if on_trip:
        found = found.filter(trip__isnull=False)
    fields = (*_FIELDS, "predictions") if predictions else _FIELDS
    rows = found.order_by("label").values_list(*fields)
    if predictions:
        return [(_Vehicle(*row[:-1]), row[-1] or []) for row in rows]
    return [(_Vehicle(*row), []) for row in rows]


def _describe(state: _Vehicle, target: Any) -> None:
    """Fill the trip and vehicle descriptors of a VehiclePosition or TripUpdate."""
    if state.trip_id is not None:
        descriptor = target.trip
        descriptor.trip_id = state.trip_id
        descriptor.route_id = state.route_id or ""
        if state.direction_id is not None:
            descriptor.direction_id = state.direction_id
        if state.service_date:
            descriptor.start_date = state.service_date.strftime("%Y%m%d")
        if state.trip_start is not None:
            # Which run of a frequency-based trip (and the timetable's for the others).
            start = state.trip_start
            descriptor.start_time = f"{start // 3600:02d}:{start % 3600 // 60:02d}:{start % 60:02d}"
        descriptor.schedule_relationship = gtfs_realtime_pb2.TripDescriptor.SCHEDULED
    vehicle = target.vehicle
    vehicle.id = state.label
    vehicle.label = state.label


def vehicle_positions(
    municipality: Municipality, now: datetime.datetime | None = None
) -> gtfs_realtime_pb2.FeedMessage:
    now = now or timezone.now()
    states = _fresh_vehicles(municipality, now)
    message = _message(max((s.observed_at for s, _p in states), default=now))
    for state, _predictions in states:
        entity = message.entity.add()
        entity.id = f"vehicle-{state.label}"
        position = entity.vehicle
        _describe(state, position)
        position.position.latitude = float(state.latitude)
        position.position.longitude = float(state.longitude)
        if state.bearing is not None:
            position.position.bearing = float(state.bearing)
        if state.speed is not None:
            position.position.speed = float(state.speed)
        if state.next_stop_sequence is not None and state.trip_id is not None:
            position.current_stop_sequence = state.next_stop_sequence
            position.current_status = gtfs_realtime_pb2.VehiclePosition.IN_TRANSIT_TO
        position.timestamp = int(state.observed_at.timestamp())
    return message


_StopTimeUpdate = gtfs_realtime_pb2.TripUpdate.StopTimeUpdate
_StopTimeEvent = gtfs_realtime_pb2.TripUpdate.StopTimeEvent


def trip_updates(
    municipality: Municipality, now: datetime.datetime | None = None
) -> gtfs_realtime_pb2.FeedMessage:
    now = now or timezone.now()
    states = _fresh_vehicles(municipality, now, on_trip=True, predictions=True)
    message = _message(max((s.observed_at for s, _p in states), default=now))
    scheduled = _StopTimeUpdate.SCHEDULED
    for state, predictions in states:
        entity = message.entity.add()
        entity.id = f"trip-{state.label}"
        update = entity.trip_update
        _describe(state, update)
        update.timestamp = int(state.observed_at.timestamp())
        if state.delay_seconds is not None:
            update.delay = state.delay_seconds
        updates = []
        for prediction in predictions:
            # Buses leave when they have boarded: the departure is the arrival as predicted.
            event = _StopTimeEvent(
                time=int(prediction["arrival"]),
                delay=int(prediction.get("delay", 0)),
                uncertainty=int(prediction.get("uncertainty", 0)),
            )
            updates.append(
                _StopTimeUpdate(
                    stop_sequence=int(prediction["sequence"]),
                    stop_id=str(prediction["stop_id"]),
                    arrival=event,
                    departure=event,
                    schedule_relationship=scheduled,
                )
            )
        update.stop_time_update.extend(updates)
    return message


def _translated(
    target: gtfs_realtime_pb2.TranslatedString, alert: ServiceAlert, field: str
) -> None:
    texts = [
        (code, getattr(alert, f"{field}_{code}", None) or "") for code, _ in settings.LANGUAGES
    ]
    for code, text in texts:
        if text:
            translation = target.translation.add()
            translation.text = text
            translation.language = code


def alerts(
    municipality: Municipality, now: datetime.datetime | None = None
) -> gtfs_realtime_pb2.FeedMessage:
    now = now or timezone.now()
    published = list(
        ServiceAlert.objects.for_municipality(municipality)
        .filter(is_published=True, active_from__lte=now)
        .filter(Q(active_until__isnull=True) | Q(active_until__gt=now))
        .prefetch_related("routes", "stops")
        .order_by("pk")
    )
    message = _message(max((a.modified_at for a in published), default=now))
    for alert in published:
        entity = message.entity.add()
        entity.id = f"alert-{alert.pk}"
        body = entity.alert
        period = body.active_period.add()
        period.start = int(alert.active_from.timestamp())
        if alert.active_until:
            period.end = int(alert.active_until.timestamp())
        for route in alert.routes.all():
            body.informed_entity.add().route_id = route.gtfs_id
        for stop in alert.stops.all():
            body.informed_entity.add().stop_id = stop.gtfs_id
        if not alert.routes.all() and not alert.stops.all():
            # An alert on the whole network: the agency's.
            body.informed_entity.add().agency_id = ""
        body.cause = gtfs_realtime_pb2.Alert.Cause.Value(alert.cause.upper())
        body.effect = gtfs_realtime_pb2.Alert.Effect.Value(alert.effect.upper())
        _translated(body.header_text, alert, "header")
        _translated(body.description_text, alert, "description")
        if alert.url:
            body.url.translation.add().text = alert.url
    return message


BUILDERS = {
    "vehicle_positions": vehicle_positions,
    "trip_updates": trip_updates,
    "alerts": alerts,
}


def feed_bytes(municipality: Municipality, kind: str) -> bytes:
    """The serialised feed, built at most every ``CACHE_SECONDS`` per city."""
    key = f"mobility:gtfs-rt:{municipality.pk}:{kind}"
    found = cache.get(key)
    if isinstance(found, bytes):
        return found
    data: bytes = BUILDERS[kind](municipality).SerializeToString()
    cache.set(key, data, CACHE_SECONDS)
    return data
