"""The GTFS-realtime feeds, read back with MobilityData's bindings."""

from __future__ import annotations

import datetime
import json

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from google.transit import gtfs_realtime_pb2

from digiplace.core.models import Municipality
from digiplace.mobility.models import AlertCause, AlertEffect, ServiceAlert
from digiplace.mobility.tests.factories_control import VehicleStateFactory
from digiplace.mobility.tests.factories_net import build_line


def read(client: Client, name: str, host: str) -> gtfs_realtime_pb2.FeedMessage:
    response = client.get(reverse(f"gtfs_rt:{name}"), HTTP_HOST=host)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-protobuf"
    message = gtfs_realtime_pb2.FeedMessage()
    message.ParseFromString(response.content)
    assert message.header.gtfs_realtime_version == "2.0"
    assert message.header.incrementality == gtfs_realtime_pb2.FeedHeader.FULL_DATASET
    return message


def test_vehicle_positions_and_trip_updates(
    client: Client, botosani: Municipality, timisoara: Municipality
) -> None:
    line = build_line(botosani, stops=4)
    trip = line.trips[0]
    seen = timezone.now() - datetime.timedelta(seconds=8)
    arrival = int(seen.timestamp()) + 90
    VehicleStateFactory.create(
        municipality=botosani,
        label="101",
        trip=trip,
        latitude=47.75,
        longitude=26.67,
        bearing=90.0,
        speed=8.5,
        observed_at=seen,
        next_stop_sequence=2,
        delay_seconds=60,
        predictions=[
            {
                "sequence": 2,
                "stop": line.stops[1].pk,
                "stop_id": line.stops[1].gtfs_id,
                "arrival": arrival,
                "delay": 60,
                "uncertainty": 40,
                "confidence": 0.8,
            }
        ],
    )
    # Silent for ten minutes: left out.
    VehicleStateFactory.create(
        municipality=botosani,
        label="102",
        observed_at=timezone.now() - datetime.timedelta(minutes=10),
    )
    VehicleStateFactory.create(municipality=timisoara, label="T1")

    positions = read(client, "vehicle_positions", "botosani.localhost")
    assert [e.vehicle.vehicle.label for e in positions.entity] == ["101"]
    (entity,) = positions.entity
    assert entity.vehicle.trip.trip_id == trip.gtfs_id
    assert entity.vehicle.trip.route_id == line.route.gtfs_id
    assert entity.vehicle.trip.start_date
    assert abs(entity.vehicle.position.latitude - 47.75) < 1e-5
    assert entity.vehicle.position.bearing == 90.0
    assert positions.header.timestamp == int(seen.timestamp())

    updates = read(client, "trip_updates", "botosani.localhost")
    (entity,) = updates.entity
    assert entity.trip_update.trip.trip_id == trip.gtfs_id
    assert entity.trip_update.vehicle.id == "101"
    (stop_update,) = entity.trip_update.stop_time_update
    assert stop_update.stop_id == line.stops[1].gtfs_id
    assert stop_update.stop_sequence == 2
    assert stop_update.arrival.time == arrival
    assert stop_update.arrival.delay == 60
    assert stop_update.arrival.uncertainty == 40

    other = read(client, "vehicle_positions", "timisoara.localhost")
    assert [e.vehicle.vehicle.label for e in other.entity] == ["T1"]
    assert not read(client, "trip_updates", "timisoara.localhost").entity

    as_json = client.get(
        reverse("gtfs_rt:trip_updates"), {"format": "json"}, HTTP_HOST="botosani.localhost"
    )
    assert as_json["Content-Type"].startswith("application/json")
    body = json.loads(as_json.content)
    assert body["entity"][0]["tripUpdate"]["trip"]["tripId"] == trip.gtfs_id


def test_alerts_feed(client: Client, botosani: Municipality) -> None:
    line = build_line(botosani, stops=3)
    alert = ServiceAlert.objects.create(
        municipality=botosani,
        header_ro="Ocolire pe strada Unirii",
        header_en="Detour along Unirii street",
        description_ro="Lucrări la carosabil.",
        description_en="Road works.",
        cause=AlertCause.CONSTRUCTION,
        effect=AlertEffect.DETOUR,
        active_from=timezone.now() - datetime.timedelta(hours=1),
        is_published=True,
        url="https://example.org/detour",
    )
    alert.routes.add(line.route)
    alert.stops.add(line.stops[1])
    ServiceAlert.objects.create(
        municipality=botosani, header_ro="Ciornă", header_en="Draft", is_published=False
    )
    ServiceAlert.objects.create(
        municipality=botosani,
        header_ro="Trecută",
        header_en="Past",
        is_published=True,
        active_from=timezone.now() - datetime.timedelta(days=2),
        active_until=timezone.now() - datetime.timedelta(days=1),
    )
    message = read(client, "alerts", "botosani.localhost")
    (entity,) = message.entity
    body = entity.alert
    assert body.cause == gtfs_realtime_pb2.Alert.CONSTRUCTION
    assert body.effect == gtfs_realtime_pb2.Alert.DETOUR
    assert {(t.language, t.text) for t in body.header_text.translation} == {
        ("ro", "Ocolire pe strada Unirii"),
        ("en", "Detour along Unirii street"),
    }
    assert {e.route_id for e in body.informed_entity if e.route_id} == {line.route.gtfs_id}
    assert {e.stop_id for e in body.informed_entity if e.stop_id} == {line.stops[1].gtfs_id}
    assert body.active_period[0].start == int(alert.active_from.timestamp())


def test_feeds_refuse_other_methods(client: Client, botosani: Municipality) -> None:
    response = client.post(reverse("gtfs_rt:alerts"), HTTP_HOST="botosani.localhost")
    assert response.status_code == 405
