"""Arrival prediction error on a simulated day of the Cairns feed (issue #13).

Five simulated weekdays (seeds 1-5) teach the predictor the travel times between stops per
route and hour; a sixth (seed 100) is the test: every two minutes of each trip, the tracker
knows where the vehicle is (its simulated position along the shape) and when it reached its
last stop, and predicts its arrivals at the stops ahead. The error is measured against what
then happened in the simulation, by horizon (how far ahead the arrival was), for

- learned: the predictor of ``digiplace.mobility.realtime.prediction``;
- schedule: the timetable alone (predicted = scheduled);
- schedule + delay: the timetable shifted by the delay at the last stop (for reference).

Pure Python, no database: ``.venv/bin/python bench/mobility_predictions.py``."""

from __future__ import annotations

import datetime
import itertools
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digiplace.mobility.realtime.prediction import (  # noqa: E402
    SegmentStats,
    StopAhead,
    predict_arrivals,
    segment_learn,
)
from digiplace.mobility.simulation import SimTrip, simulate_day, trips_from_gtfs  # noqa: E402

FEED = ROOT.parent / "shared" / "data" / "gtfs" / "cairns_gtfs.zip"
DAY = datetime.date(2014, 6, 3)
TRAIN_SEEDS = (1, 2, 3, 4, 5)
TEST_SEED = 100
STEP = 120
# Horizons (minutes) and the window around each that counts for it.
HORIZONS = ((1, 0.5, 1.5), (2, 1.5, 3), (5, 4, 6), (10, 9, 11), (15, 14, 16), (20, 19, 21))

Key = tuple[str, str, str, int]


def learn(trips: list[SimTrip]) -> dict[Key, SegmentStats]:
    learned: dict[Key, SegmentStats] = {}
    for seed in TRAIN_SEEDS:
        day = simulate_day(trips, seed=seed)
        for trip in trips:
            arrivals = day.arrivals(trip.trip_id)
            for a, b in itertools.pairwise(arrivals):
                if a.arrival is None or b.arrival is None:
                    break
                key = (trip.route_id, a.stop_id, b.stop_id, int(a.arrival // 3600) % 24)
                learned[key] = segment_learn(learned.get(key), b.arrival - a.arrival)
    return learned


def main() -> None:
    started = time.perf_counter()
    trips = trips_from_gtfs(FEED, DAY)
    learned = learn(trips)
    learn_seconds = time.perf_counter() - started
    day = simulate_day(trips, seed=TEST_SEED)
    errors: dict[str, dict[int, list[float]]] = {
        name: defaultdict(list) for name in ("learned", "schedule", "delay")
    }
    predictions = 0
    predict_seconds = 0.0
    for trip in trips:
        run = day.runs[trip.trip_id]
        arrivals = day.arrivals(trip.trip_id)
        if run.cancelled or arrivals[0].arrival is None:
            continue
        stops = [
            StopAhead(st.sequence, st.stop_id, None, st.arrival, st.departure, d)
            for st, d in zip(trip.stop_times, run.distances, strict=True)
        ]
        reached = [a.arrival for a in arrivals if a.arrival is not None]

        def lookup(a: str, b: str, hour: int, route: str = trip.route_id) -> SegmentStats | None:
            return learned.get((route, a, b, hour))

        now = reached[0] + 1
        while now < reached[-1]:
            position = day.position_of(trip.trip_id, now)
            if position is None or position.broken_down:
                break
            last = max(i for i, t in enumerate(reached) if t <= now)
            last_arrival = reached[last]
            delay_now = last_arrival - trip.stop_times[last].arrival
            t0 = time.perf_counter()
            predicted = predict_arrivals(
                now=now,
                stops=stops,
                last_index=last,
                last_arrival=last_arrival,
                shape_distance=position.shape_distance,
                segments=lookup,
            )
            predict_seconds += time.perf_counter() - t0
            predictions += 1
            for offset, prediction in enumerate(predicted, start=last + 1):
                actual = arrivals[offset].arrival
                if actual is None:
                    break
                horizon = (actual - now) / 60
                for minutes, low, high in HORIZONS:
                    if low <= horizon < high:
                        scheduled = trip.stop_times[offset].arrival
                        errors["learned"][minutes].append(abs(prediction.arrival - actual))
                        errors["schedule"][minutes].append(abs(scheduled - actual))
                        errors["delay"][minutes].append(abs(scheduled + delay_now - actual))
            now += STEP
    print(f"Cairns feed, {DAY:%A %d %B %Y}: {len(trips)} trips; learned on seeds {TRAIN_SEEDS}")
    print(f"  ({len(learned)} segment-hours, {learn_seconds:.1f} s), tested on seed {TEST_SEED}")
    print(
        f"  {predictions} predictions (each for all the stops ahead), "
        f"{1000 * predict_seconds / max(1, predictions):.3f} ms each"
    )
    print()
    print("Mean absolute error of the predicted arrival, seconds")
    print(f"{'horizon':>8} {'n':>7} {'learned':>9} {'schedule':>9} {'sched+delay':>12}")
    for minutes, _, _ in HORIZONS:
        n = len(errors["learned"][minutes])
        if not n:
            continue
        row = [statistics.fmean(errors[name][minutes]) for name in ("learned", "schedule", "delay")]
        print(f"{minutes:>6} m {n:>7} {row[0]:>9.1f} {row[1]:>9.1f} {row[2]:>12.1f}")


if __name__ == "__main__":
    main()
