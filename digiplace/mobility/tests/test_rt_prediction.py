"""Arrival predictions: the learned travel times, and predictions better than the timetable
on a simulated day."""

from __future__ import annotations

import datetime
import itertools
import statistics

import pytest

from digiplace.mobility.realtime.prediction import (
    SegmentStats,
    StopAhead,
    predict_arrivals,
    segment_learn,
)
from digiplace.mobility.simulation import SimConfig, SimStopTime, SimTrip, simulate_day

DAY = datetime.date(2026, 3, 3)


def test_learning_a_segment() -> None:
    stats = segment_learn(None, 100.0)
    assert stats == SegmentStats(100.0, 0.0, 1)
    stats = segment_learn(stats, 140.0)
    # The second observation weighs a half, the mean is between.
    assert stats.mean == pytest.approx(120.0)
    assert stats.variance > 0
    for _ in range(50):
        stats = segment_learn(stats, 200.0)
    # Recent observations win over the old ones.
    assert stats.mean == pytest.approx(200.0, abs=1.0)
    assert stats.samples == 52


def line_trip(trip_id: str, start: int) -> SimTrip:
    # Ten stops 600 m apart going east, two minutes apart in the timetable.
    return SimTrip(
        trip_id=trip_id,
        route_id="7",
        service_date=DAY,
        stop_times=tuple(
            SimStopTime(i + 1, f"S{i}", 47.74, 26.66 + i * 0.008, start + 120 * i, start + 120 * i)
            for i in range(10)
        ),
    )


def test_without_data_the_prediction_follows_the_timetable_with_low_confidence() -> None:
    stops = [
        StopAhead(i + 1, f"S{i}", i, 1000.0 + 120 * i, 1000.0 + 120 * i, 600.0 * i)
        for i in range(4)
    ]
    found = predict_arrivals(
        now=1000.0,
        stops=stops,
        last_index=0,
        last_arrival=1000.0,
        shape_distance=0.0,
        segments=lambda a, b, hour: None,
    )
    assert [p.sequence for p in found] == [2, 3, 4]
    assert [round(p.arrival) for p in found] == [1120, 1240, 1360]
    assert all(p.delay == pytest.approx(0.0) for p in found)
    uncertainties = [p.uncertainty for p in found]
    confidences = [p.confidence for p in found]
    assert uncertainties == sorted(uncertainties)
    assert confidences == sorted(confidences, reverse=True)
    assert confidences[0] < 0.5
    assert found[0].as_json() == {
        "sequence": 2,
        "stop": 1,
        "stop_id": "S1",
        "arrival": 1120,
        "delay": 0,
        "uncertainty": round(found[0].uncertainty),
        "confidence": round(found[0].confidence, 3),
    }


def test_learned_predictions_beat_the_timetable_on_a_simulated_day() -> None:
    config = SimConfig(breakdown_chance=0.0)
    trips = [line_trip(f"T{i}", 7 * 3600 + i * 600) for i in range(24)]
    learned: dict[tuple[str, str, int], SegmentStats] = {}
    for seed in (1, 2, 3):
        day = simulate_day(trips, seed=seed, config=config)
        for trip in trips:
            for a, b in itertools.pairwise(day.arrivals(trip.trip_id)):
                assert a.arrival is not None and b.arrival is not None
                key = (a.stop_id, b.stop_id, int(a.arrival // 3600))
                learned[key] = segment_learn(learned.get(key), b.arrival - a.arrival)
    test_day = simulate_day(trips, seed=99, config=config)
    ours: list[float] = []
    timetable: list[float] = []
    for trip in trips:
        run = test_day.runs[trip.trip_id]
        arrivals = test_day.arrivals(trip.trip_id)
        stops = [
            StopAhead(st.sequence, st.stop_id, None, st.arrival, st.departure, d)
            for st, d in zip(trip.stop_times, run.distances, strict=True)
        ]
        # Half-way between the third and fourth stops.
        third, fourth = arrivals[2], arrivals[3]
        assert third.departure is not None and fourth.arrival is not None and third.arrival
        now = (third.departure + fourth.arrival) / 2
        position = test_day.position_of(trip.trip_id, now)
        assert position is not None
        found = predict_arrivals(
            now=now,
            stops=stops,
            last_index=2,
            last_arrival=third.arrival,
            shape_distance=position.shape_distance,
            segments=lambda a, b, hour: learned.get((a, b, hour)),
        )
        for prediction, actual in zip(found, arrivals[3:], strict=True):
            assert actual.arrival is not None
            ours.append(abs(prediction.arrival - actual.arrival))
            timetable.append(abs(actual.scheduled - actual.arrival))
    assert statistics.fmean(ours) < 0.7 * statistics.fmean(timetable)
