"""The control centre's figures on hand-placed buses and hand-made arrivals: the headway to
the bus ahead (from its positions, else the live tracking's attribute), bunching, stale
buses, the table's order, the refused inputs of the day, a day's replay and punctuality."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from digiplace.core.models import Municipality
from digiplace.mobility.models import PositionReject, TapReject
from digiplace.mobility.selectors import control as selectors
from digiplace.mobility.tests.factories_control import (
    PositionRecordFactory,
    StopVisitFactory,
    VehicleEntityFactory,
    VehicleStateFactory,
)
from digiplace.mobility.tests.factories_net import TripFactory, build_line

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 4, 9, 0, tzinfo=datetime.UTC)


def at(seconds: float) -> datetime.datetime:
    return NOW + datetime.timedelta(seconds=seconds)


def test_headway_is_when_the_bus_ahead_passed_this_point(botosani: Municipality) -> None:
    line = build_line(botosani, stops=5, every_minutes=10)
    first, second, third = line.trips[0], line.trips[1], line.trips[2]
    # The bus ahead went 0 → 1200 m at 10 m/s: it was at 500 m fifty seconds after NOW - 120 s.
    ahead = VehicleStateFactory.create(
        municipality=botosani, label="A", trip=first, shape_distance=1200.0, observed_at=NOW
    )
    for seconds, metres in ((-120, 0.0), (-20, 1000.0), (0, 1200.0)):
        PositionRecordFactory.create(vehicle=ahead, observed_at=at(seconds), shape_distance=metres)
    # A record of another trip of the same bus is not its path on this one.
    PositionRecordFactory.create(
        vehicle=ahead, trip=third, observed_at=at(-60), shape_distance=500.0
    )
    VehicleStateFactory.create(
        municipality=botosani, label="B", trip=second, shape_distance=500.0, observed_at=NOW
    )
    fleet = {
        vehicle.state.label: vehicle
        for vehicle in selectors.fleet_now(municipality=botosani, now=at(2))
    }
    # Passed 500 m at -120 + 50 = -70 s; B is there at 0: 70 s behind A.
    assert fleet["B"].headway_seconds == 70
    assert fleet["B"].ahead_label == "A"
    assert fleet["B"].bunched
    # Nobody ahead of the first bus.
    assert fleet["A"].headway_seconds is None and fleet["A"].ahead_label == ""
    assert not fleet["A"].bunched


def test_only_buses_of_the_same_line_direction_and_shape_are_compared(
    botosani: Municipality,
) -> None:
    line = build_line(botosani, stops=3, every_minutes=30, name="1")
    other = build_line(botosani, stops=3, every_minutes=30, name="2")
    back = TripFactory.create(
        municipality=botosani,
        route=line.route,
        service=line.service,
        shape=line.shape,
        direction_id=1,
    )
    VehicleStateFactory.create(
        municipality=botosani,
        label="X",
        trip=other.trips[0],
        shape_distance=900.0,
        observed_at=NOW,
    )
    VehicleStateFactory.create(
        municipality=botosani, label="Y", trip=back, shape_distance=800.0, observed_at=NOW
    )
    VehicleStateFactory.create(
        municipality=botosani,
        label="Z",
        trip=line.trips[0],
        shape_distance=100.0,
        observed_at=NOW,
    )
    fleet = selectors.fleet_now(municipality=botosani, now=NOW)
    assert [(vehicle.state.label, vehicle.headway_seconds) for vehicle in fleet] == [
        ("X", None),
        ("Y", None),
        ("Z", None),
    ]


def test_headway_falls_back_on_the_live_trackings_attribute(botosani: Municipality) -> None:
    line = build_line(botosani, stops=3, every_minutes=10)
    VehicleStateFactory.create(
        municipality=botosani,
        label="A",
        trip=line.trips[0],
        shape_distance=900.0,
        observed_at=NOW,
    )
    entity = VehicleEntityFactory.create(
        municipality=botosani,
        attributes={"headway": {"type": "Property", "value": 412.4}},
    )
    VehicleStateFactory.create(
        municipality=botosani,
        label="B",
        entity=entity,
        trip=line.trips[1],
        shape_distance=200.0,
        observed_at=NOW,
    )
    # A's only position is at 900 m: when it passed 200 m is not known here.
    fleet = {
        vehicle.state.label: vehicle
        for vehicle in selectors.fleet_now(municipality=botosani, now=NOW)
    }
    assert fleet["B"].headway_seconds == 412
    assert fleet["B"].ahead_label == "A"


def test_a_stale_bus_is_flagged_and_left_out_of_headways(botosani: Municipality) -> None:
    line = build_line(botosani, stops=3, every_minutes=10)
    VehicleStateFactory.create(
        municipality=botosani,
        label="A",
        trip=line.trips[0],
        shape_distance=900.0,
        observed_at=NOW - datetime.timedelta(seconds=selectors.STALE_SECONDS + 1),
    )
    VehicleStateFactory.create(
        municipality=botosani,
        label="B",
        trip=line.trips[1],
        shape_distance=200.0,
        observed_at=NOW,
    )
    VehicleStateFactory.create(municipality=botosani, label="C", observed_at=None)
    fleet = {
        vehicle.state.label: vehicle
        for vehicle in selectors.fleet_now(municipality=botosani, now=NOW)
    }
    assert fleet["A"].stale and fleet["C"].stale and not fleet["B"].stale
    assert fleet["B"].headway_seconds is None and fleet["B"].ahead_label == ""


def test_the_fleet_sorts_by_delay_with_unknown_delays_last(
    botosani: Municipality, timisoara: Municipality
) -> None:
    for label, delay in (("1", 30), ("2", None), ("3", 900), ("4", -90)):
        VehicleStateFactory.create(municipality=botosani, label=label, delay_seconds=delay)
    VehicleStateFactory.create(municipality=timisoara, label="T1", delay_seconds=5000)
    VehicleStateFactory.create(municipality=botosani, label="gone", is_active=False)

    def order(descending: bool) -> list[str]:
        return [
            vehicle.state.label
            for vehicle in selectors.fleet_now(
                municipality=botosani, sort="delay", descending=descending
            )
        ]

    assert order(True) == ["3", "1", "4", "2"]
    assert order(False) == ["4", "1", "3", "2"]


def test_refused_inputs_are_counted_from_the_citys_midnight(
    botosani: Municipality, timisoara: Municipality
) -> None:
    # 09:00 UTC is 11:00 in Bucharest; midnight there is 22:00 UTC the day before.
    midnight = datetime.datetime(2026, 3, 3, 22, 0, tzinfo=datetime.UTC)
    for moment in (midnight, midnight + datetime.timedelta(hours=5)):
        PositionReject.objects.create(
            municipality=botosani, received_at=moment, reason="unknown", message="?"
        )
    PositionReject.objects.create(
        municipality=botosani,
        received_at=midnight - datetime.timedelta(seconds=1),
        reason="future",
        message="?",
    )
    PositionReject.objects.create(
        municipality=timisoara, received_at=NOW, reason="unknown", message="?"
    )
    TapReject.objects.create(
        municipality=botosani, received_at=NOW, reason="validator", message="?"
    )
    counts = selectors.rejects_today(municipality=botosani, now=NOW)
    assert (counts.positions, counts.taps) == (2, 1)
    assert counts.since == midnight


def test_punctuality_by_route_on_hand_made_arrivals(
    botosani: Municipality, timisoara: Municipality
) -> None:
    day = datetime.date(2026, 3, 4)
    one = build_line(botosani, stops=2, every_minutes=60, name="1")
    two = build_line(botosani, stops=2, every_minutes=60, name="2")
    stop = one.stops[0]
    # Line 1: on time at both edges (-60, +180), early at -61, late at +181, on time at 0.
    for sequence, delay in enumerate((-60, 180, -61, 181, 0), start=1):
        StopVisitFactory.create(
            trip=one.trips[0],
            stop=stop,
            service_date=day,
            stop_sequence=sequence,
            delay_seconds=delay,
        )
    StopVisitFactory.create(
        trip=two.trips[0],
        stop=two.stops[0],
        service_date=day,
        stop_sequence=1,
        delay_seconds=400,
    )
    # Another day and another city do not count.
    StopVisitFactory.create(
        trip=one.trips[0],
        stop=stop,
        service_date=day - datetime.timedelta(days=1),
        stop_sequence=1,
        delay_seconds=5000,
    )
    elsewhere = build_line(timisoara, stops=2, every_minutes=60, name="9")
    StopVisitFactory.create(
        trip=elsewhere.trips[0],
        stop=elsewhere.stops[0],
        service_date=day,
        stop_sequence=1,
        delay_seconds=5000,
    )
    rows, total = selectors.punctuality_by_route(municipality=botosani, day=day)
    assert [row.route.short_name for row in rows if row.route] == ["1", "2"]
    first, second = rows
    assert (first.visits, first.on_time, first.early, first.late) == (5, 3, 1, 1)
    assert first.on_time_percent == pytest.approx(60.0)
    assert first.mean_delay_seconds == pytest.approx((-60 + 180 - 61 + 181 + 0) / 5)
    assert (second.visits, second.on_time, second.late) == (1, 0, 1)
    assert (total.visits, total.on_time, total.early, total.late) == (6, 3, 1, 2)
    assert total.mean_delay_seconds == pytest.approx(640 / 6)


def test_the_replay_reads_the_local_day_of_one_bus(botosani: Municipality) -> None:
    bus = VehicleStateFactory.create(municipality=botosani, label="12")
    other = VehicleStateFactory.create(municipality=botosani, label="13")
    day = datetime.date(2026, 3, 4)
    zone = selectors.city_zone(botosani)
    local_midnight = datetime.datetime(2026, 3, 3, 22, 0, tzinfo=datetime.UTC)
    inside = [local_midnight, local_midnight + datetime.timedelta(hours=23, minutes=59)]
    for moment in inside:
        PositionRecordFactory.create(vehicle=bus, observed_at=moment, delay_seconds=30)
    PositionRecordFactory.create(
        vehicle=bus, observed_at=local_midnight - datetime.timedelta(seconds=1)
    )
    PositionRecordFactory.create(
        vehicle=bus, observed_at=local_midnight + datetime.timedelta(days=1)
    )
    PositionRecordFactory.create(vehicle=other, observed_at=local_midnight)
    records = selectors.vehicle_positions_of_day(vehicle=bus, day=day, zone=zone)
    assert [record.observed_at for record in records] == inside
    assert timezone.is_aware(records[0].observed_at)
