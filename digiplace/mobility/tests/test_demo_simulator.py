"""The live simulator drives the mobility demo: at a weekday moment of service every demo bus
the schedule has out is on its line's shape with a trip, the others parked; urban data's write
path accepts every document; chargers and car parks change now and then, within their
capacity; a city without the demo gets nothing from the provider."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from digiplace.core.models import Municipality
from digiplace.mobility import simulation
from digiplace.mobility.demo import live
from digiplace.mobility.demo.geometry import distance
from digiplace.mobility.models import Shape, Trip
from digiplace.urbandata import simulator
from digiplace.urbandata.models import Entity
from digiplace.urbandata.services.ingest import WriteMode, entities_write
from digiplace.urbandata.simulator import CitySimulator

pytestmark = pytest.mark.django_db

ZONE = zoneinfo.ZoneInfo("Europe/Bucharest")


def _weekday_at(hour: int, minute: int = 0) -> datetime.datetime:
    """A coming weekday at this local time: inside the demo calendars' window, and after
    the demo's first values (an older observation would not replace them)."""
    day = timezone.localdate() + datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=ZONE)


def test_the_mobility_provider_is_registered() -> None:
    assert "mobility" in simulator.PROVIDERS


def test_a_step_at_rush_hour_drives_the_buses_along_their_lines(
    botosani: Municipality, timisoara: Municipality
) -> None:
    call_command("mobility_demo", verbosity=0)
    now = _weekday_at(8, 15)
    city_simulator = CitySimulator(municipality=botosani, http_url="http://testserver", seed=3)
    documents, _waste = city_simulator.documents(now)
    vehicles = [document for document in documents if document["type"] == "Vehicle"]
    assert len(vehicles) == 11
    on_route = [v for v in vehicles if v["serviceStatus"]["value"] in ("onRoute", "broken")]
    # The buses out are those of the day's simulated runs in progress at 08:15: most blocks
    # (on some days' draws a bus waits between two trips of its block, or broke down earlier).
    day = now.astimezone(ZONE).date()
    simulated = live._DAYS[(botosani.pk, day)]
    moment = (now - simulation.day_start(day, ZONE)).total_seconds()
    in_progress = {
        vehicle
        for vehicle, runs in simulated.vehicles.items()
        if any(
            not run.cancelled
            and run.ready
            <= moment
            <= run.end + (simulated.config.breakdown_stand if run.breakdown else 0.0)
            for run in runs
        )
    }
    assert len(on_route) == len(in_progress) >= 8
    for vehicle in on_route:
        trip = Trip.objects.select_related("shape").get(
            municipality=botosani, gtfs_id=vehicle["refTrip"]["value"]
        )
        assert trip.shape is not None
        longitude, latitude = vehicle["location"]["value"]["coordinates"]
        nearest = min(distance((latitude, longitude), (p[1], p[2])) for p in trip.shape.points)
        assert nearest < 30
        assert 0 <= vehicle["speed"]["value"] < 80
        assert 0 <= vehicle["heading"]["value"] < 360
    # Spread along the lines (two may stand at one stop).
    places = {tuple(v["location"]["value"]["coordinates"]) for v in on_route}
    assert len(places) > len(on_route) // 2
    results = entities_write(
        municipality=botosani,
        documents=documents,
        mode=WriteMode.UPSERT_MERGE,
        key=None,
        now=now + datetime.timedelta(seconds=1),
    )
    assert [result.error for result in results if result.error is not None] == []
    first = on_route[0]
    entity = Entity.objects.get(municipality=botosani, entity_id=first["id"])
    assert entity.attributes["refTrip"]["value"] == first["refTrip"]["value"]
    assert entity.longitude == pytest.approx(first["location"]["value"]["coordinates"][0])

    # Half a minute later the buses have moved on.
    later, _waste = city_simulator.documents(now + datetime.timedelta(seconds=30))
    moved = {
        v["id"]: tuple(v["location"]["value"]["coordinates"])
        for v in later
        if v["type"] == "Vehicle" and v["serviceStatus"]["value"] == "onRoute"
    }
    before = {v["id"]: tuple(v["location"]["value"]["coordinates"]) for v in on_route}
    assert sum(moved.get(key) != place for key, place in before.items()) >= len(before) // 2


def test_at_night_the_buses_are_parked_and_places_change_within_capacity(
    botosani: Municipality,
) -> None:
    call_command("mobility_demo", verbosity=0)
    now = _weekday_at(3, 0)
    city_simulator = CitySimulator(municipality=botosani, http_url="http://testserver", seed=5)
    changed: dict[str, int] = {}
    for minute in range(0, 40, 2):
        moment = now + datetime.timedelta(minutes=minute)
        documents, _waste = city_simulator.documents(moment)
        vehicles = [document for document in documents if document["type"] == "Vehicle"]
        assert {v["serviceStatus"]["value"] for v in vehicles} == {"parked"}
        results = entities_write(
            municipality=botosani,
            documents=documents,
            mode=WriteMode.UPSERT_MERGE,
            key=None,
            now=moment + datetime.timedelta(seconds=1),
        )
        assert [result.error for result in results if result.error is not None] == []
        for document in documents:
            if document["type"] != "Vehicle":
                changed[document["type"]] = changed.get(document["type"], 0) + 1
    assert set(changed) == {"OffStreetParking", "ParkingSpot", "EVChargingStation"}
    for car_park in Entity.objects.filter(municipality=botosani, type="OffStreetParking"):
        free = car_park.attributes["availableSpotNumber"]["value"]
        total = car_park.attributes["totalSpotNumber"]["value"]
        assert 0 <= free <= total
        # At night the car parks are mostly empty.
        assert free > total / 2
    for charger in Entity.objects.filter(municipality=botosani, type="EVChargingStation"):
        assert (
            0
            <= charger.attributes["availableCapacity"]["value"]
            <= charger.attributes["capacity"]["value"]
        )


def test_a_city_without_the_demo_gets_no_mobility_documents(botosani: Municipality) -> None:
    city_simulator = CitySimulator(municipality=botosani, http_url="http://testserver", seed=1)
    documents, _waste = city_simulator.documents(_weekday_at(9))
    assert documents == []
    assert not Shape.objects.exists()
