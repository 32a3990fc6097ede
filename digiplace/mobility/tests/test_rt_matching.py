"""Matching positions to trips: the real Bull Runner VehiclePositions feed (route and position
only, frequency-based trips) against the Bull Runner network it came from; explicit trip
ids, blocks, loops and detours on small hand-made patterns."""

from __future__ import annotations

import datetime
import zoneinfo
from pathlib import Path

import pytest
from django.conf import settings
from google.transit import gtfs_realtime_pb2

from digiplace.core.models import Municipality
from digiplace.core.tests.factories import MunicipalityFactory
from digiplace.mobility.models import Trip
from digiplace.mobility.realtime.matching import (
    Matcher,
    Observation,
    Previous,
    ServiceDay,
    TripPattern,
    pattern_make,
)
from digiplace.mobility.realtime.shapes import distance_m
from digiplace.mobility.services.network import network_import
from digiplace.mobility.services.tracking_network import matcher_load

GTFS_DIR = Path(settings.BASE_DIR).parent / "shared" / "data" / "gtfs"
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture
def tampa(db: None) -> Municipality:
    return MunicipalityFactory.create(
        slug="tampa",
        time_zone="America/New_York",
        centre_latitude=28.06,
        centre_longitude=-82.41,
        bounds_south=27.9,
        bounds_west=-82.6,
        bounds_north=28.2,
        bounds_east=-82.3,
    )


def test_the_real_bull_runner_positions_match_the_feeds_trips(tampa: Municipality) -> None:
    record = network_import(tampa, GTFS_DIR / "bullrunner_gtfs.zip", None)
    assert record.succeeded
    feed = gtfs_realtime_pb2.FeedMessage()
    feed.ParseFromString((GTFS_DIR / "bullrunner_vehicle_positions.pb").read_bytes())
    moment = datetime.datetime.fromtimestamp(feed.header.timestamp, datetime.UTC)
    # The feed's own moment: Wednesday 13 September 2017, 10:52 in Tampa.
    assert moment.astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M") == "2017-09-13 10:52"
    vehicles = [entity.vehicle for entity in feed.entity]
    assert len(vehicles) == 10
    matcher = matcher_load(tampa, moment, route_ids={v.trip.route_id for v in vehicles})
    observations = [
        Observation(
            latitude=v.position.latitude,
            longitude=v.position.longitude,
            bearing=v.position.bearing,
            moment=float(feed.header.timestamp),
            route_id=v.trip.route_id,
        )
        for v in vehicles
    ]
    matches = matcher.match_all(observations)

    # Wednesday runs the Monday-to-Thursday service ("Mo"): one frequency-based trip a route.
    weekday_trips = {
        trip.route.gtfs_id: trip.gtfs_id
        for trip in Trip.objects.filter(municipality=tampa, service__gtfs_id="Mo").select_related(
            "route"
        )
    }
    runs = set()
    for vehicle, match in zip(vehicles, matches, strict=True):
        assert match is not None, vehicle.vehicle.id
        assert match.pattern.route_id == vehicle.trip.route_id
        assert match.pattern.trip_id == weekday_trips[vehicle.trip.route_id]
        assert match.day.date == datetime.date(2017, 9, 13)
        # A run of the trip's frequencies (every 9 to 12 minutes from 07:00).
        assert match.start in match.pattern.run_starts()
        # By its shape (all within 20 m but bus 1124, 115 m off at route D's terminus): the
        # point it was placed at is where the bus is.
        assert match.offset < (150 if vehicle.vehicle.id == "1124" else 20)
        latitude, longitude = match.pattern.line.point_at(match.distance)
        assert distance_m(
            latitude, longitude, vehicle.position.latitude, vehicle.position.longitude
        ) == pytest.approx(match.offset, abs=1.0)
        assert -15 * 60 <= match.delay <= 15 * 60
        runs.add(match.identity())
    # Two buses of a route are on two runs, the one further along on the earlier run.
    assert len(runs) == len(vehicles)
    by_route: dict[str, list[tuple[float, int]]] = {}
    for match in matches:
        assert match is not None
        by_route.setdefault(match.pattern.route_id, []).append((match.distance, match.start))
    for placed in by_route.values():
        placed.sort()
        assert [start for _d, start in placed] == sorted(
            (start for _d, start in placed), reverse=True
        )


# Hand-made patterns (no database) ---------------------------------------------------

LAT, LON = 47.7486, 26.6694
DAY = datetime.date(2026, 3, 2)
# About 300 m of longitude at Botoșani.
STEP = 0.004


def _stop(
    sequence: int, seconds: int, east: float, dwell: int = 0
) -> tuple[int, str, int | None, int, int, float, float, float | None]:
    return (sequence, f"s{sequence}", None, seconds, seconds + dwell, LAT, LON + east, None)


def out_and_back(key: int = 1, trip_id: str = "t1", first: int = 8 * 3600) -> TripPattern:
    """Out 3 stops east and back, a stop every 2 minutes, on the same street both ways."""
    stops = [_stop(i + 1, first + i * 120, STEP * min(i, 4 - i)) for i in range(5)]
    shape = [(LAT, LON), (LAT, LON + 2 * STEP), (LAT, LON)]
    return pattern_make(key=key, trip_id=trip_id, route_id="r1", stops=stops, shape=shape)


def day_of(*patterns: TripPattern) -> ServiceDay:
    return ServiceDay(date=DAY, start=0.0, running=frozenset(p.key for p in patterns))


def at(east: float, seconds: float, **fields: object) -> Observation:
    return Observation(latitude=LAT + 0.00005, longitude=LON + east, moment=seconds, **fields)  # type: ignore[arg-type]


def test_the_leg_of_an_out_and_back_shape_is_chosen_by_the_timetable() -> None:
    pattern = out_and_back()
    matcher = Matcher([pattern], [day_of(pattern)])
    half = pattern.stops[1].distance

    going = matcher.match(at(STEP, 8 * 3600 + 130))
    coming = matcher.match(at(STEP, 8 * 3600 + 370))

    assert going is not None and coming is not None
    assert going.distance == pytest.approx(half, abs=10)
    assert coming.distance == pytest.approx(3 * half, abs=10)
    assert going.delay == pytest.approx(10, abs=5) and going.next_index == 2
    assert coming.delay == pytest.approx(10, abs=5) and coming.next_index == 4
    assert going.offset < 10 and going.how == "nearest"


def test_an_explicit_trip_id_wins_and_a_detour_stays_on_its_trip_off_route() -> None:
    first, second = out_and_back(1, "early"), out_and_back(2, "late", first=8 * 3600 + 600)
    matcher = Matcher([first, second], [day_of(first, second)])
    moment = 8 * 3600 + 130

    assert matcher.match(at(STEP, moment)).pattern.trip_id == "early"  # type: ignore[union-attr]
    named = matcher.match(at(STEP, moment, trip_id="late"))
    assert named is not None and named.pattern.trip_id == "late" and named.how == "explicit"
    assert named.delay == pytest.approx(130 - 720, abs=10)
    # 400 m north of the street: no trip passes there, but the bus says which it runs.
    detour = matcher.match(
        Observation(latitude=LAT + 0.0036, longitude=LON + STEP, moment=moment, trip_id="early")
    )
    assert detour is not None and detour.pattern.trip_id == "early"
    assert detour.offset == pytest.approx(400, abs=15)
    # Without the trip id, the trip it was on keeps it, off route.
    previous = Previous(key=1, service_date=DAY, start=8 * 3600, distance=200.0)
    kept = matcher.match(
        Observation(latitude=LAT + 0.0036, longitude=LON + STEP, moment=moment),
        previous=previous,
    )
    assert kept is not None and kept.pattern.trip_id == "early" and kept.how == "previous"
    assert kept.offset > 300
    assert matcher.match(Observation(latitude=LAT + 0.0036, longitude=LON, moment=moment)) is None


def test_a_frequency_run_named_in_the_trip_id_and_the_next_trip_of_a_block() -> None:
    frequent = out_and_back(1, "loop")
    frequent.frequencies = ((6 * 3600, 10 * 3600, 600),)
    matcher = Matcher([frequent], [day_of(frequent)])
    run = matcher.match(at(STEP, 8 * 3600 + 130, trip_id="loop@07:50:00"))
    assert run is not None and run.start == 7 * 3600 + 50 * 60
    # Past the same place on the way back 6 minutes late fits better than out 12 late.
    assert run.delay == pytest.approx(370, abs=10)
    assert run.distance == pytest.approx(3 * frequent.stops[1].distance, abs=10)

    blocked = [out_and_back(k, f"b{k}", first=8 * 3600 + (k - 1) * 600) for k in (1, 2, 3)]
    for pattern in blocked:
        pattern.block_id = "block-7"
    other = out_and_back(4, "other", first=8 * 3600 + 1290)
    matcher = Matcher([*blocked, other], [day_of(*blocked, other)])
    # Leaving the terminus after the second trip of its block, 90 s late for the third:
    # the block's third trip, though another line's trip leaves there just now.
    found = matcher.match(
        at(0.0003, 8 * 3600 + 1300), previous=Previous(2, DAY, 8 * 3600 + 600, 2000.0, "block-7")
    )
    assert found is not None and found.pattern.trip_id == "b3" and found.how == "block"
    assert matcher.match(at(0.0003, 8 * 3600 + 1300)).pattern.trip_id == "other"  # type: ignore[union-attr]
