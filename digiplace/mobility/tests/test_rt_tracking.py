"""Live tracking end to end: buses driven through urban data's write path along a small line,
tracked by the listener (trip matched, stops visited, travel times learned, arrivals
predicted, delay / off-route distance / headway written back on the entity), read back from
the GTFS-realtime feeds with MobilityData's bindings; and the positions refused (unknown
vehicle, outside the city, from the future), answered, counted, nothing written."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from google.transit import gtfs_realtime_pb2

from digiplace.core.models import Municipality
from digiplace.mobility.models import (
    PositionRecord,
    PositionReject,
    SegmentTravelTime,
    StopTime,
    StopVisit,
    VehicleState,
)
from digiplace.mobility.selectors.calendar import service_day_start
from digiplace.mobility.selectors.realtime import rejects_by_reason, rejects_count
from digiplace.mobility.services.tracking import changes_track
from digiplace.mobility.tests.factories_control import VehicleEntityFactory, VehicleStateFactory
from digiplace.mobility.tests.factories_net import Line, ServiceFactory, build_line
from digiplace.urbandata.models import Entity, Reading
from digiplace.urbandata.services.changes import EntityChange
from digiplace.urbandata.services.ingest import WriteMode, entities_write
from digiplace.urbandata.tests.factories import device_key_make

Capture = Callable[..., Any]
# Seconds from the first stop to each of the line's five stops (2 minutes apart).
SCHEDULE = [0, 120, 240, 360, 480]


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def position(
    entity_id: str, latitude: float, longitude: float, moment: datetime.datetime, **extra: Any
) -> dict[str, Any]:
    observed = _iso(moment)
    document: dict[str, Any] = {
        "id": entity_id,
        "type": "Vehicle",
        "location": {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [longitude, latitude]},
            "observedAt": observed,
        },
    }
    for name, value in extra.items():
        document[name] = {"type": "Property", "value": value, "observedAt": observed}
    return document


class Drive:
    """A line with two runs today (every day's service) and two buses on it: ``A`` (no
    trip id: matched) leaves its stop a minute late and loses 30 s a stop; ``B`` (sends its
    trip id) runs the run four minutes earlier on time. The drive ends a few seconds ago,
    so the feeds show both."""

    def __init__(self, municipality: Municipality) -> None:
        self.municipality = municipality
        zone = zoneinfo.ZoneInfo(municipality.time_zone)
        self.now = timezone.now().replace(microsecond=0)
        local_day = self.now.astimezone(zone).date()
        self.day = local_day
        self.day_start = service_day_start(local_day, zone)
        # A's run leaves on a whole minute, so that the drive (to 540 s after it, when A
        # is 20 % of the way from stop 4 to stop 5) ends within the last minute.
        seconds_now = (self.now - self.day_start).total_seconds()
        self.departure = int((seconds_now - 540 - 5) // 60 * 60)
        self.end = self.day_start + datetime.timedelta(seconds=self.departure + 540)
        service = ServiceFactory.create(
            municipality=municipality,
            saturday=True,
            sunday=True,
            start_date=local_day - datetime.timedelta(days=2),
            end_date=local_day + datetime.timedelta(days=2),
        )
        self.line: Line = build_line(
            municipality,
            stops=5,
            first=datetime.time(0, 0),
            last=datetime.time(0, 4),
            every_minutes=4,
            service=service,
        )
        # Two runs: B's at ``departure - 240`` and A's at ``departure`` (times may pass
        # 24:00 near midnight, as GTFS allows).
        b_trip, a_trip = self.line.trips
        StopTime.objects.filter(trip=a_trip).update(
            arrival=F("arrival") + self.departure - 240,
            departure=F("departure") + self.departure - 240,
        )
        StopTime.objects.filter(trip=b_trip).update(
            arrival=F("arrival") + self.departure - 240,
            departure=F("departure") + self.departure - 240,
        )
        self.a_trip, self.b_trip = a_trip, b_trip
        self.a = VehicleStateFactory.create(
            municipality=municipality, label="A1", observed_at=None, latitude=None
        )
        self.b = VehicleStateFactory.create(
            municipality=municipality, label="B1", observed_at=None, latitude=None
        )
        self.stops = [(stop.latitude or 0.0, stop.longitude or 0.0) for stop in self.line.stops]

    def at(self, seconds: float) -> datetime.datetime:
        return self.day_start + datetime.timedelta(seconds=self.departure + seconds)

    def place(self, arrivals: list[float], seconds: float) -> tuple[float, float]:
        """Where a bus that reaches the stops at ``arrivals`` (seconds, no dwell) is."""
        if seconds <= arrivals[0]:
            return self.stops[0]
        for i in range(len(arrivals) - 1):
            if seconds <= arrivals[i + 1]:
                fraction = (seconds - arrivals[i]) / (arrivals[i + 1] - arrivals[i])
                (lat1, lon1), (lat2, lon2) = self.stops[i], self.stops[i + 1]
                return (lat1 + fraction * (lat2 - lat1), lon1 + fraction * (lon2 - lon1))
        return self.stops[-1]

    # A: leaves at +60 s, 150 s a stop; B: on time, 4 minutes ahead.
    a_arrivals = [60.0 + 150 * k for k in range(5)]
    b_arrivals = [-240.0 + 120 * k for k in range(5)]

    def run(self, capture: Capture, *, every: int = 15) -> int:
        steps = 0
        for seconds in range(-60, 541, every):
            moment = self.at(seconds)
            a_lat, a_lon = self.place(self.a_arrivals, seconds)
            b_lat, b_lon = self.place(self.b_arrivals, seconds)
            with capture(execute=True):
                results = entities_write(
                    municipality=self.municipality,
                    documents=[
                        position(self.a.entity.entity_id, a_lat, a_lon, moment, heading=90.0),
                        position(
                            self.b.entity.entity_id,
                            b_lat,
                            b_lon,
                            moment,
                            refTrip=self.b_trip.gtfs_id,
                        ),
                    ],
                    mode=WriteMode.UPSERT_MERGE,
                    key=None,
                    now=moment,
                )
            assert [result.error for result in results] == [None, None]
            steps += 1
        return steps


def value(entity: Entity, name: str) -> Any:
    attribute = (entity.attributes or {}).get(name)
    return attribute.get("value") if isinstance(attribute, dict) else None


def feed(client: Client, name: str) -> gtfs_realtime_pb2.FeedMessage:
    response = client.get(reverse(f"gtfs_rt:{name}"), HTTP_HOST="botosani.localhost")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-protobuf"
    message = gtfs_realtime_pb2.FeedMessage()
    message.ParseFromString(response.content)
    return message


def test_a_bus_driven_along_a_line_is_tracked_and_in_the_feeds(
    client: Client, botosani: Municipality, django_capture_on_commit_callbacks: Capture
) -> None:
    drive = Drive(botosani)
    steps = drive.run(django_capture_on_commit_callbacks)

    a = VehicleState.objects.get(pk=drive.a.pk)
    b = VehicleState.objects.get(pk=drive.b.pk)
    # A sent no trip id: matched to its run by where and when it is.
    assert a.trip == drive.a_trip and not a.trip_explicit
    assert b.trip == drive.b_trip and b.trip_explicit
    assert a.service_date == drive.day
    assert a.observed_at == drive.end
    # 540 s after its departure A is 3.2 stops in (it left at 60 s, 150 s a stop), where
    # the timetable has it at 384 s.
    expected_delay = 540 - (3 * 120 + 0.2 * 120)
    assert a.delay_seconds == pytest.approx(expected_delay, abs=8)
    assert a.next_stop_sequence == 5 and not a.off_route
    # One position recorded per write: the derived attributes written back did not loop.
    assert PositionRecord.objects.filter(vehicle=a).count() == steps

    # Stops passed: left the first at +60 s, then every 150 s.
    visits = list(
        StopVisit.objects.filter(trip=drive.a_trip, service_date=drive.day).order_by(
            "stop_sequence"
        )
    )
    assert [visit.stop_sequence for visit in visits] == [1, 2, 3, 4]
    for visit, arrival, scheduled in zip(visits, drive.a_arrivals, SCHEDULE, strict=False):
        assert visit.arrived_at == pytest.approx(
            drive.at(arrival), abs=datetime.timedelta(seconds=3)
        )
        assert visit.delay_seconds == pytest.approx(arrival - scheduled, abs=3)
        assert visit.vehicle_id == a.pk
    # The travel times learned between them (A's 150 s, B's 120 s, same hour mostly).
    learned = SegmentTravelTime.objects.filter(route=drive.line.route)
    assert learned.exists()
    assert all(110 <= row.mean_seconds <= 155 for row in learned)

    # Predicted: stop 5 (A gets there at 660 s).
    (prediction,) = a.predictions
    assert prediction["sequence"] == 5
    assert prediction["stop_id"] == drive.line.stops[4].gtfs_id
    assert prediction["stop"] == drive.line.stops[4].pk
    assert abs(prediction["arrival"] - drive.at(drive.a_arrivals[4]).timestamp()) < 45
    assert prediction["delay"] == pytest.approx(
        prediction["arrival"] - drive.at(SCHEDULE[4]).timestamp(), abs=1
    )
    assert prediction["uncertainty"] > 0 and 0 < prediction["confidence"] <= 1

    # Derived attributes on A's entity: its delay, distance from the shape, and the time
    # since B passed where A is (B was there at 3.2 × 120 - 240 = 144 s: 396 s ago).
    entity = Entity.objects.get(pk=a.entity_id)
    assert value(entity, "delay") == pytest.approx(expected_delay, abs=8)
    assert entity.attributes["delay"]["unitCode"] == "SEC"
    assert value(entity, "offRouteDistance") < 10
    assert entity.attributes["offRouteDistance"]["unitCode"] == "MTR"
    assert value(entity, "headway") == pytest.approx(396, abs=20)
    assert Reading.objects.filter(entity=entity, attribute="delay").count() == steps
    # B, first on the line, has no bus ahead.
    assert value(Entity.objects.get(pk=b.entity_id), "headway") is None

    positions = feed(client, "vehicle_positions")
    assert positions.header.timestamp == int(drive.end.timestamp())
    by_label = {e.vehicle.vehicle.label: e.vehicle for e in positions.entity}
    assert set(by_label) == {"A1", "B1"}
    assert by_label["A1"].trip.trip_id == drive.a_trip.gtfs_id
    assert by_label["A1"].trip.route_id == drive.line.route.gtfs_id
    assert by_label["A1"].trip.start_date == drive.day.strftime("%Y%m%d")
    start = drive.departure
    assert by_label["A1"].trip.start_time == (
        f"{start // 3600:02d}:{start % 3600 // 60:02d}:{start % 60:02d}"
    )
    assert by_label["A1"].current_stop_sequence == 5
    updates = feed(client, "trip_updates")
    by_trip = {e.trip_update.trip.trip_id: e.trip_update for e in updates.entity}
    update = by_trip[drive.a_trip.gtfs_id]
    assert update.vehicle.label == "A1"
    assert [u.stop_sequence for u in update.stop_time_update] == [5]
    assert update.stop_time_update[0].arrival.time == prediction["arrival"]
    assert update.stop_time_update[0].arrival.delay == prediction["delay"]


def test_a_bus_leaving_its_route_stays_on_its_trip_off_route(
    botosani: Municipality, django_capture_on_commit_callbacks: Capture
) -> None:
    drive = Drive(botosani)
    drive.run(django_capture_on_commit_callbacks, every=60)
    moment = drive.end + datetime.timedelta(seconds=5)
    latitude, longitude = drive.place(drive.a_arrivals, 545)
    with django_capture_on_commit_callbacks(execute=True):
        entities_write(
            municipality=botosani,
            # About 300 m north of the line.
            documents=[position(drive.a.entity.entity_id, latitude + 0.0027, longitude, moment)],
            mode=WriteMode.UPSERT_MERGE,
            key=None,
            now=moment,
        )
    a = VehicleState.objects.get(pk=drive.a.pk)
    assert a.trip == drive.a_trip and a.off_route
    assert value(Entity.objects.get(pk=a.entity_id), "offRouteDistance") == pytest.approx(
        300, abs=15
    )


def test_the_listener_ignores_its_own_derived_attributes(botosani: Municipality) -> None:
    state = VehicleStateFactory.create(municipality=botosani, observed_at=None)
    entity = state.entity
    entity.attributes = {
        "location": {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [26.67, 47.75]},
            "observedAt": _iso(timezone.now()),
        }
    }
    entity.save()
    change = EntityChange(botosani.pk, entity.pk, entity.entity_id, "Vehicle", ("delay", "headway"))

    changes_track([change])
    assert not PositionRecord.objects.exists()

    changes_track(
        [EntityChange(botosani.pk, entity.pk, entity.entity_id, "Vehicle", ("location",))]
    )
    assert PositionRecord.objects.filter(vehicle=state).count() == 1


# Refusals ----------------------------------------------------------------------------


def test_refused_positions_are_answered_counted_and_write_nothing(
    botosani: Municipality, timisoara: Municipality
) -> None:
    now = timezone.now()
    fleet = VehicleStateFactory.create(municipality=botosani, label="7")
    before = dict(fleet.entity.attributes)
    stranger = VehicleEntityFactory.create(municipality=botosani)
    # A fleet vehicle of another city is unknown here too.
    elsewhere = VehicleStateFactory.create(municipality=timisoara, label="T7")

    results = entities_write(
        municipality=botosani,
        documents=[
            position("urn:ngsi-ld:Vehicle:nobody", 47.75, 26.67, now),
            position(stranger.entity_id, 47.75, 26.67, now),
            position(elsewhere.entity.entity_id, 47.75, 26.67, now),
            # Timișoara's centre, from a Botoșani bus.
            position(fleet.entity.entity_id, 45.7537, 21.2257, now),
            position(fleet.entity.entity_id, 47.75, 26.67, now + datetime.timedelta(hours=1)),
        ],
        mode=WriteMode.UPSERT_MERGE,
        key=None,
        now=now,
    )

    errors = [result.error for result in results]
    assert all(error is not None and error.kind == "BadRequestData" for error in errors)
    assert errors[0] is not None and "not a vehicle of this city's fleet" in errors[0].detail
    assert errors[3] is not None and "outside" in errors[3].detail
    assert errors[4] is not None and "in the future" in errors[4].detail
    # Nothing written: no entity made, no location moved, no reading, no position.
    assert not Entity.objects.filter(entity_id="urn:ngsi-ld:Vehicle:nobody").exists()
    fleet.entity.refresh_from_db()
    stranger.refresh_from_db()
    assert fleet.entity.attributes == before and stranger.attributes == {}
    assert not Reading.objects.exists() and not PositionRecord.objects.exists()
    since = now - datetime.timedelta(minutes=1)
    assert rejects_count(botosani, since) == 5
    assert rejects_by_reason(botosani, since) == {
        "future": 1,
        "outside_city": 1,
        "unknown_vehicle": 3,
    }
    assert rejects_count(timisoara, since) == 0
    reject = PositionReject.objects.filter(reason="outside_city").get()
    assert reject.vehicle_ref == fleet.entity.entity_id and "outside" in reject.message


def test_a_vehicle_registered_without_an_observed_position_is_accepted(
    botosani: Municipality,
) -> None:
    """Staff and the demo register a bus (a place, no observation time) before it joins the
    fleet: not a position report."""
    results = entities_write(
        municipality=botosani,
        documents=[
            {
                "id": "urn:ngsi-ld:Vehicle:new-bus",
                "type": "Vehicle",
                "location": {
                    "type": "GeoProperty",
                    "value": {"type": "Point", "coordinates": [26.67, 47.75]},
                },
            }
        ],
        mode=WriteMode.UPSERT_MERGE,
        key=None,
    )
    assert results[0].error is None
    assert not PositionReject.objects.exists()


def test_the_ngsi_ld_api_refuses_a_device_position_outside_the_city(
    client: Client, botosani: Municipality
) -> None:
    fleet = VehicleStateFactory.create(municipality=botosani, label="9")
    _key, secret = device_key_make(municipality=botosani, entity=fleet.entity)
    body = {
        "location": {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [21.2257, 45.7537]},
            "observedAt": _iso(timezone.now()),
        }
    }

    response = client.post(
        f"/ngsi-ld/v1/entities/{fleet.entity.entity_id}/attrs",
        body,
        content_type="application/json",
        HTTP_HOST="botosani.localhost",
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )

    assert response.status_code == 400
    problem = response.json()
    assert problem["type"] == "https://uri.etsi.org/ngsi-ld/errors/BadRequestData"
    assert "outside" in problem["detail"]
    fleet.entity.refresh_from_db()
    assert "location" not in fleet.entity.attributes
    assert PositionReject.objects.get().reason == "outside_city"

    # Inside the city, the same device is accepted.
    body["location"]["value"]["coordinates"] = [26.67, 47.75]  # type: ignore[index]
    accepted = client.post(
        f"/ngsi-ld/v1/entities/{fleet.entity.entity_id}/attrs",
        body,
        content_type="application/json",
        HTTP_HOST="botosani.localhost",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert accepted.status_code in (204, 207), accepted.content


def test_positions_past_the_retention_are_pruned(botosani, settings) -> None:
    from digiplace.mobility.models import PositionRecord
    from digiplace.mobility.services.tracking import positions_prune
    from digiplace.mobility.tests.factories_control import (
        PositionRecordFactory,
        VehicleStateFactory,
    )

    settings.MOBILITY_POSITION_RETENTION_DAYS = 30
    now = timezone.now()
    bus = VehicleStateFactory.create(municipality=botosani)
    old = PositionRecordFactory.create(vehicle=bus, observed_at=now - datetime.timedelta(days=31))
    kept = PositionRecordFactory.create(vehicle=bus, observed_at=now - datetime.timedelta(days=29))

    assert positions_prune(now=now) == 1
    assert list(PositionRecord.objects.values_list("pk", flat=True)) == [kept.pk]
    assert old.pk != kept.pk
