"""The mobility demo (``manage.py mobility_demo``): Botoșani's two electric-bus lines along the
former tram corridor with 11 buses and 20 validators, Timișoara's four lines, their chargers
and car parks, each city's alerts; shapes inside the city's map, stops on their shapes,
times that only go forward, a bus's trips one after the other; loading it again changes
nothing."""

from __future__ import annotations

import datetime
import itertools
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.utils import timezone

from digiplace.core.models import Municipality
from digiplace.mobility.demo.cities import NETWORKS
from digiplace.mobility.demo.geometry import distance
from digiplace.mobility.models import (
    Agency,
    Route,
    Service,
    ServiceAlert,
    Shape,
    Stop,
    StopTime,
    Trip,
    Validator,
    VehicleState,
)
from digiplace.mobility.selectors.calendar import services_running
from digiplace.urbandata.models import Entity

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    models = (
        Agency,
        Route,
        Service,
        Shape,
        Stop,
        StopTime,
        Trip,
        Validator,
        VehicleState,
        ServiceAlert,
        Entity,
    )
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def loaded(botosani: Municipality, timisoara: Municipality) -> None:
    call_command("mobility_demo", verbosity=0)


def test_botosani_has_its_electric_buses_validators_chargers_and_car_parks(
    loaded: None, botosani: Municipality
) -> None:
    buses = VehicleState.objects.filter(municipality=botosani, is_demo=True)
    assert buses.count() == 11
    assert len({bus.label for bus in buses}) == 11
    vehicles = Entity.objects.filter(municipality=botosani, type="Vehicle", is_demo=True)
    assert vehicles.count() == 11
    assert {entity.attributes["vehicleType"]["value"] for entity in vehicles} == {"bus"}
    assert {bus.entity_id for bus in buses} == {entity.pk for entity in vehicles}
    validators = Validator.objects.filter(municipality=botosani, is_demo=True)
    assert validators.count() == 20
    # Every bus carries at least one validator.
    assert {validator.vehicle_id for validator in validators} == {bus.pk for bus in buses}
    assert Entity.objects.filter(municipality=botosani, type="EVChargingStation").count() == 5
    car_parks = Entity.objects.filter(municipality=botosani, type="OffStreetParking")
    assert car_parks.count() == 3
    for car_park in car_parks:
        total = car_park.attributes["totalSpotNumber"]["value"]
        free = car_park.attributes["availableSpotNumber"]["value"]
        assert 0 <= free <= total
    assert Entity.objects.filter(municipality=botosani, type="ParkingSpot").count() == 6
    assert set(
        Route.objects.filter(municipality=botosani).values_list("short_name", flat=True)
    ) == {
        "101",
        "102",
    }
    alerts = ServiceAlert.objects.filter(municipality=botosani, is_published=True, is_demo=True)
    assert alerts.count() == 2
    for alert in alerts:
        # mypy does not see modeltranslation's fields: read them as values.
        header_ro, header_en = (getattr(alert, name) for name in ("header_ro", "header_en"))
        assert header_ro and header_en and header_ro != header_en
        assert alert.routes.exists()


def test_timisoara_has_a_small_network_and_its_fleet(loaded: None, timisoara: Municipality) -> None:
    assert Route.objects.filter(municipality=timisoara, is_demo=True).count() == 4
    assert VehicleState.objects.filter(municipality=timisoara).count() == sum(
        line.weekday_buses for line in NETWORKS["timisoara"].lines
    )
    assert Entity.objects.filter(municipality=timisoara, type="OffStreetParking").count() == 4
    assert Entity.objects.filter(municipality=timisoara, type="EVChargingStation").count() == 4
    assert Entity.objects.filter(municipality=timisoara, type="ParkingSpot").count() == 8
    assert Entity.objects.filter(municipality=timisoara, is_demo=False).count() == 0
    # Nothing of one city's network points to the other's.
    assert not Trip.objects.filter(municipality=timisoara).exclude(route__municipality=timisoara)
    assert not StopTime.objects.filter(trip__municipality=timisoara).exclude(
        stop__municipality=timisoara
    )


def test_shapes_lie_inside_the_city_and_stops_on_their_shapes(
    loaded: None, botosani: Municipality, timisoara: Municipality
) -> None:
    for city in (botosani, timisoara):
        shapes = Shape.objects.filter(municipality=city)
        assert shapes.count() == 2 * Route.objects.filter(municipality=city).count()
        for shape in shapes:
            distances = [point[3] for point in shape.points]
            assert distances == sorted(distances)
            assert len(shape.points) > 20
            for _sequence, latitude, longitude, _distance in shape.points:
                assert city.contains_point(latitude, longitude), (
                    shape.gtfs_id,
                    latitude,
                    longitude,
                )
            # Consecutive points are close: the line is drawn, not jumping across the city.
            gaps = [
                distance((a[1], a[2]), (b[1], b[2]))
                for a, b in zip(shape.points, shape.points[1:], strict=False)
            ]
            assert max(gaps) < 60
        for trip in Trip.objects.filter(municipality=city, gtfs_id__endswith="-01"):
            assert trip.shape is not None
            points = [(point[1], point[2]) for point in trip.shape.points]
            for stop_time in trip.stop_times.select_related("stop"):
                stop = stop_time.stop
                assert stop.latitude is not None and stop.longitude is not None
                nearest = min(distance((stop.latitude, stop.longitude), p) for p in points)
                assert nearest < 30, (trip.gtfs_id, stop.name, nearest)


def test_trips_go_forward_and_a_block_is_one_bus_after_the_other(
    loaded: None, botosani: Municipality
) -> None:
    blocks: dict[str, list[tuple[int, int, str, str]]] = defaultdict(list)
    trips = Trip.objects.filter(municipality=botosani).prefetch_related("stop_times__stop")
    assert trips.count() > 200
    for trip in trips:
        stop_times = list(trip.stop_times.all())
        assert len(stop_times) >= 10
        moments = []
        for stop_time in stop_times:
            assert stop_time.arrival is not None and stop_time.departure is not None
            assert stop_time.departure >= stop_time.arrival
            moments += [stop_time.arrival, stop_time.departure]
        assert moments == sorted(moments)
        # Run times from the distance at a bus's speed: 10 to 40 km/h including the dwells.
        shape_metres = stop_times[-1].shape_dist_traveled or 0
        minutes = (stop_times[-1].arrival - stop_times[0].departure) / 60  # type: ignore[operator]
        assert 10 <= shape_metres / 1000 / (minutes / 60) <= 40
        blocks[trip.block_id].append(
            (
                stop_times[0].departure,
                stop_times[-1].arrival,
                stop_times[0].stop.gtfs_id,  # type: ignore[arg-type]
                stop_times[-1].stop.gtfs_id,
            )
        )
    for block, runs in blocks.items():
        runs.sort()
        for before, after in itertools.pairwise(runs):
            # The next trip leaves after the last arrived, from where it arrived.
            assert after[0] >= before[1] + 60, block
            assert after[2] == before[3], block
    weekday_blocks = {block for block in blocks if "-weekday-" in block}
    assert len(weekday_blocks) == 11


def test_weekday_and_weekend_services_run_around_today(
    loaded: None, botosani: Municipality
) -> None:
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    weekday = Service.objects.get(municipality=botosani, gtfs_id="demo-weekday")
    weekend = Service.objects.get(municipality=botosani, gtfs_id="demo-weekend")
    for offset in range(7):
        day = monday + datetime.timedelta(days=offset)
        expected = {weekday.pk} if offset < 5 else {weekend.pk}
        assert services_running(municipality=botosani, day=day) == expected
    assert weekday.trips.count() > weekend.trips.count() > 0


def test_loading_again_changes_nothing(loaded: None) -> None:
    before = _counts()
    call_command("mobility_demo", verbosity=0)
    assert _counts() == before
