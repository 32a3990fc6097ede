"""The city's GTFS-realtime feeds (VehiclePositions, TripUpdates, Alerts), built with
MobilityData's bindings from what the tracking made of the vehicles' positions and from the
staff's published service alerts.

A feed is a full dataset, timestamped with its newest data; vehicles silent for longer than
``STALE_AFTER`` are left out (a bus that stopped reporting is not shown where it was), and a
built feed is cached for at most ``CACHE_SECONDS``, so a consumer never reads one staler
than that plus the vehicles' own reporting interval."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

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


def _fresh_vehicles(municipality: Municipality, now: datetime.datetime) -> list[VehicleState]:
    return list(
        VehicleState.objects.for_municipality(municipality)
        .filter(
            is_active=True,
            observed_at__gte=now - STALE_AFTER,
            observed_at__lte=now + datetime.timedelta(seconds=30),
            latitude__isnull=False,
            longitude__isnull=False,
        )
        .select_related("trip__route")
        .order_by("label")
    )


def _describe(entity: gtfs_realtime_pb2.FeedEntity, state: VehicleState, target: object) -> None:
    """Fill the trip and vehicle descriptors of a VehiclePosition or TripUpdate."""
    trip = state.trip
    if trip is not None:
        descriptor = target.trip  # type: ignore[attr-defined]
        descriptor.trip_id = trip.gtfs_id
        descriptor.route_id = trip.route.gtfs_id
        if trip.direction_id is not None:
            descriptor.direction_id = trip.direction_id
        if state.service_date:
            descriptor.start_date = state.service_date.strftime("%Y%m%d")
        if state.trip_start is not None:
            # Which run of a frequency-based trip (and the timetable's for the others).
            start = state.trip_start
            descriptor.start_time = f"{start // 3600:02d}:{start % 3600 // 60:02d}:{start % 60:02d}"
        descriptor.schedule_relationship = gtfs_realtime_pb2.TripDescriptor.SCHEDULED
    vehicle = target.vehicle  # type: ignore[attr-defined]
    vehicle.id = state.label
    vehicle.label = state.label


def vehicle_positions(
    municipality: Municipality, now: datetime.datetime | None = None
) -> gtfs_realtime_pb2.FeedMessage:
    now = now or timezone.now()
    states = _fresh_vehicles(municipality, now)
    message = _message(max((s.observed_at for s in states if s.observed_at), default=now))
    for state in states:
        assert state.observed_at is not None
        entity = message.entity.add()
        entity.id = f"vehicle-{state.label}"
        position = entity.vehicle
        _describe(entity, state, position)
        position.position.latitude = float(state.latitude or 0.0)
        position.position.longitude = float(state.longitude or 0.0)
        if state.bearing is not None:
            position.position.bearing = float(state.bearing)
        if state.speed is not None:
            position.position.speed = float(state.speed)
        if state.next_stop_sequence is not None and state.trip is not None:
            position.current_stop_sequence = state.next_stop_sequence
            position.current_status = gtfs_realtime_pb2.VehiclePosition.IN_TRANSIT_TO
        position.timestamp = int(state.observed_at.timestamp())
    return message


def trip_updates(
    municipality: Municipality, now: datetime.datetime | None = None
) -> gtfs_realtime_pb2.FeedMessage:
    now = now or timezone.now()
    states = [s for s in _fresh_vehicles(municipality, now) if s.trip is not None]
    message = _message(max((s.observed_at for s in states if s.observed_at), default=now))
    for state in states:
        assert state.observed_at is not None
        entity = message.entity.add()
        entity.id = f"trip-{state.label}"
        update = entity.trip_update
        _describe(entity, state, update)
        update.timestamp = int(state.observed_at.timestamp())
        if state.delay_seconds is not None:
            update.delay = state.delay_seconds
        for prediction in state.predictions or []:
            stop_update = update.stop_time_update.add()
            stop_update.stop_sequence = int(prediction["sequence"])
            stop_update.stop_id = str(prediction["stop_id"])
            stop_update.arrival.time = int(prediction["arrival"])
            stop_update.arrival.delay = int(prediction.get("delay", 0))
            stop_update.arrival.uncertainty = int(prediction.get("uncertainty", 0))
            # Buses leave when they have boarded; the departure is the arrival as predicted.
            stop_update.departure.time = int(prediction["arrival"])
            stop_update.departure.delay = int(prediction.get("delay", 0))
            stop_update.departure.uncertainty = int(prediction.get("uncertainty", 0))
            stop_update.schedule_relationship = (
                gtfs_realtime_pb2.TripUpdate.StopTimeUpdate.SCHEDULED
            )
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
