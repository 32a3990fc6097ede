"""The bus simulation: seeded, along the shapes, with dwell times, delays and breakdowns."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.conf import settings

from digiplace.mobility.realtime.shapes import ShapeLine, distance_m
from digiplace.mobility.simulation import (
    SimConfig,
    SimStopTime,
    SimTrip,
    assign_vehicles,
    simulate_day,
    trips_from_gtfs,
)

GTFS_DIR = Path(settings.BASE_DIR).parent / "shared" / "data" / "gtfs"
DAY = datetime.date(2026, 3, 3)

# A line going east then north (an L), four stops.
STOPS = [(47.7400, 26.6600), (47.7400, 26.6700), (47.7400, 26.6800), (47.7500, 26.6800)]
SHAPE = (
    (47.7400, 26.6600),
    (47.7400, 26.6650),
    (47.7400, 26.6700),
    (47.7400, 26.6800),
    (47.7450, 26.6800),
    (47.7500, 26.6800),
)


def make_trip(trip_id: str, start: int, *, block: str = "", reverse: bool = False) -> SimTrip:
    stops = list(reversed(STOPS)) if reverse else STOPS
    shape = tuple(reversed(SHAPE)) if reverse else SHAPE
    return SimTrip(
        trip_id=trip_id,
        route_id="1",
        service_date=DAY,
        stop_times=tuple(
            SimStopTime(i + 1, f"S{i}", lat, lon, start + i * 120, start + i * 120)
            for i, (lat, lon) in enumerate(stops)
        ),
        shape=shape,
        block_id=block,
    )


def test_same_seed_same_day_other_seed_other_day() -> None:
    trips = [make_trip(f"T{i}", 8 * 3600 + i * 900) for i in range(6)]
    first = simulate_day(trips, seed=7)
    again = simulate_day(trips, seed=7)
    other = simulate_day(trips, seed=8)
    assert [first.arrivals(t.trip_id) for t in trips] == [again.arrivals(t.trip_id) for t in trips]
    assert [first.arrivals(t.trip_id) for t in trips] != [other.arrivals(t.trip_id) for t in trips]
    # A trip's own random stream: simulating it alone gives it the same day.
    alone = simulate_day(trips[2:3], seed=7)
    assert alone.arrivals("T2") == first.arrivals("T2")


def test_vehicle_follows_the_shape_and_dwells_at_stops() -> None:
    config = SimConfig(breakdown_chance=0.0, holdup_chance=0.0)
    trip = make_trip("T", 12 * 3600)
    day = simulate_day([trip], seed=3, config=config)
    arrivals = day.arrivals("T")
    times = [a.arrival for a in arrivals]
    assert all(t is not None for t in times)
    assert times == sorted(times)  # type: ignore[type-var]
    for stop in arrivals[1:-1]:
        assert stop.arrival is not None and stop.departure is not None
        assert stop.departure - stop.arrival >= config.dwell_min
        # Never leaves before the timetable says.
        assert stop.departure >= stop.scheduled
    line = ShapeLine(SHAPE)
    start, end = day.span()
    moment = start
    seen_moving = False
    while moment <= end:
        (position,) = day.positions_at(moment)
        assert position.trip_id == "T"
        assert line.project(position.latitude, position.longitude).offset < 1.0
        if position.at_stop:
            assert position.speed == 0.0
        else:
            seen_moving = seen_moving or position.speed > 1.0
        moment += 5
    assert seen_moving
    # At a stop's recorded arrival the vehicle is at that stop.
    third = arrivals[2]
    assert third.arrival is not None
    (at_third,) = day.positions_at(third.arrival + 1)
    assert at_third.at_stop and at_third.stop_sequence == 3
    assert distance_m(at_third.latitude, at_third.longitude, *STOPS[2]) < 1.0
    # Heading east on the first leg, north on the last.
    (early,) = day.positions_at(arrivals[0].scheduled + 60)
    assert 80 < early.bearing < 100
    last = arrivals[3].arrival
    assert last is not None
    (late,) = day.positions_at(last - 20)
    assert late.bearing < 10 or late.bearing > 350
    assert day.positions_at(last + 10) == []


def test_peak_hour_traffic_makes_buses_late() -> None:
    config = SimConfig(breakdown_chance=0.0, holdup_chance=0.0, trip_sigma=0.0)
    morning = [make_trip(f"M{i}", 8 * 3600 + i * 60) for i in range(10)]
    night = [make_trip(f"N{i}", 22 * 3600 + i * 60) for i in range(10)]
    day = simulate_day(morning + night, seed=1, config=config)

    def delay(trip: SimTrip) -> float:
        last = day.arrivals(trip.trip_id)[-1]
        assert last.arrival is not None
        return last.arrival - last.scheduled

    assert sum(map(delay, morning)) > sum(map(delay, night))


def test_a_breakdown_abandons_the_trip_and_the_rest_of_the_block() -> None:
    config = SimConfig(breakdown_chance=1.0)
    trips = [
        make_trip("A1", 9 * 3600, block="A"),
        make_trip("A2", 9 * 3600 + 600, block="A", reverse=True),
    ]
    day = simulate_day(trips, seed=5, config=config)
    ((trip_id, moment),) = day.breakdowns()
    assert trip_id == "A1"
    assert day.cancelled() == ["A2"]
    arrivals = day.arrivals("A1")
    assert arrivals[-1].arrival is None
    assert all(a.arrival is None for a in day.arrivals("A2"))
    (stuck,) = day.positions_at(moment + 600)
    assert stuck.broken_down and stuck.speed == 0.0
    assert day.positions_at(moment + config.breakdown_stand + 1) == []


def test_a_block_runs_its_trips_in_turn_and_lateness_carries_over() -> None:
    config = SimConfig(breakdown_chance=0.0, peak_factor=2.0, dwell_min=30, dwell_max=40)
    # The return trip is scheduled to leave as soon as the first arrives: a late first trip
    # makes it late.
    trips = [
        make_trip("B1", 8 * 3600 - 180, block="B"),
        make_trip("B2", 8 * 3600 + 180, block="B", reverse=True),
    ]
    day = simulate_day(trips, seed=2, config=config)
    first_end = day.arrivals("B1")[-1].arrival
    second_start = day.arrivals("B2")[0].arrival
    assert first_end is not None and second_start is not None
    assert second_start >= first_end + config.min_layover / 2
    assert second_start > trips[1].stop_times[0].departure
    vehicles = {p.vehicle for t in range(7 * 3600, 9 * 3600, 30) for p in day.positions_at(t)}
    assert vehicles == {"block-B"}


def test_a_small_fleet_runs_the_blocks() -> None:
    trips = [make_trip(f"T{i}", 8 * 3600 + i * 300) for i in range(6)]
    assigned = assign_vehicles(trips, ["101", "102", "103"])
    # Each trip lasts 6 minutes; a vehicle takes a trip 5 minutes after its last one ends.
    assert {t.vehicle for t in assigned} == {"101", "102", "103"}
    day = simulate_day(assigned, seed=1)
    for moment in range(8 * 3600, 9 * 3600, 60):
        labels = [p.vehicle for p in day.positions_at(moment)]
        assert len(labels) == len(set(labels))


def test_a_day_of_the_cairns_feed() -> None:
    trips = trips_from_gtfs(GTFS_DIR / "cairns_gtfs.zip", datetime.date(2014, 6, 3))
    assert len(trips) > 500
    day = simulate_day(trips, seed=1)
    at_eight = day.positions_at(8 * 3600)
    assert len(at_eight) > 20
    for position in at_eight:
        assert -17.5 < position.latitude < -16.5 and 145.5 < position.longitude < 146.0
    done = [a for t in trips for a in day.arrivals(t.trip_id) if a.arrival is not None]
    assert len(done) > 10_000


def test_frequency_trips_of_bull_runner_are_expanded() -> None:
    # A Wednesday of 2015: route A's trip runs every 10 minutes from 7:00.
    trips = trips_from_gtfs(GTFS_DIR / "bullrunner_gtfs.zip", datetime.date(2015, 6, 3))
    ids = {t.trip_id for t in trips}
    assert "1@07:00:00" in ids and "1@07:10:00" in ids
    first = next(t for t in trips if t.trip_id == "1@07:10:00")
    assert first.stop_times[0].departure == 7 * 3600 + 600
    day = simulate_day(trips, seed=4)
    assert {p.route_id for p in day.positions_at(9 * 3600)} >= {"A"}
