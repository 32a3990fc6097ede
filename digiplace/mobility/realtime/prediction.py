"""Arrival predictions: from where the vehicle is now, how late it is, and the travel times
learned between consecutive stops of its route at this hour of the day.

Pure functions over plain values, so that the tracking service (with ``SegmentTravelTime``
rows) and the benchmark (with a simulated day in memory) run the same predictor.

The learned time of a segment is the time from the arrival at one stop to the arrival at the
next (the dwell included), as a recency-weighted mean and variance: each new observation
moves the mean by a weight of ``max(ALPHA, 1 / samples)``, so the first observations count
fully and later the recent days count more than last month's."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

ALPHA = 0.15
# Below this many observations a segment's learned time is blended with the timetable's.
FULL_CONFIDENCE_SAMPLES = 5
# Uncertainty without data: a base and a share of the horizon (seconds).
BASE_UNCERTAINTY = 30.0
SCHEDULE_UNCERTAINTY_SHARE = 0.15
# A vehicle early at a stop leaves at the scheduled departure; the learned travel time
# already holds the usual dwell, so the hold is counted from this long before it.
HOLD_SLACK = 25.0
# Confidence halves every this many seconds of horizon.
CONFIDENCE_HALF_LIFE = 1200.0


@dataclass(frozen=True, slots=True)
class SegmentStats:
    mean: float
    variance: float
    samples: int


def segment_learn(previous: SegmentStats | None, observed: float) -> SegmentStats:
    """The segment's statistics after one more observed travel time (seconds)."""
    if previous is None or previous.samples == 0:
        return SegmentStats(observed, 0.0, 1)
    weight = max(ALPHA, 1.0 / (previous.samples + 1))
    deviation = observed - previous.mean
    mean = previous.mean + weight * deviation
    variance = (1.0 - weight) * (previous.variance + weight * deviation * deviation)
    return SegmentStats(mean, variance, previous.samples + 1)


@dataclass(frozen=True, slots=True)
class StopAhead:
    """A stop of the trip, with its timetable as moments (POSIX seconds)."""

    sequence: int
    stop_id: str
    stop_pk: int | None
    scheduled_arrival: float
    scheduled_departure: float
    distance: float  # metres along the shape


@dataclass(frozen=True, slots=True)
class Prediction:
    sequence: int
    stop_pk: int | None
    stop_id: str
    arrival: float
    delay: float
    uncertainty: float
    confidence: float

    def as_json(self) -> dict[str, object]:
        """The shape ``VehicleState.predictions`` stores (read by the displays and planner)."""
        return {
            "sequence": self.sequence,
            "stop": self.stop_pk,
            "stop_id": self.stop_id,
            "arrival": round(self.arrival),
            "delay": round(self.delay),
            "uncertainty": round(self.uncertainty),
            "confidence": round(self.confidence, 3),
        }


# (from stop id, to stop id, hour of the day) → learned statistics, or None.
SegmentLookup = Callable[[str, str, int], SegmentStats | None]


def _hour(moment: float, utc_offset: float) -> int:
    return int(((moment + utc_offset) // 3600) % 24)


def predict_arrivals(
    *,
    now: float,
    stops: Sequence[StopAhead],
    last_index: int,
    last_arrival: float | None,
    shape_distance: float,
    segments: SegmentLookup,
    utc_offset: float = 0.0,
    limit: int | None = None,
) -> list[Prediction]:
    """Predicted arrivals at the stops after ``stops[last_index]`` (the last stop the
    vehicle reached, at ``last_arrival``; None when not known, e.g. just matched).

    The vehicle is ``shape_distance`` metres along; the rest of the current segment takes
    the segment's learned (or scheduled) time in proportion of the distance left, but never
    less than what has already been spent on it warrants; each later segment takes its
    learned time at the hour the vehicle will get there. A vehicle early at a stop waits
    for the scheduled departure (drivers hold at stops)."""
    predictions: list[Prediction] = []
    clock = now
    variance = 0.0
    weakest = 1.0
    for i in range(last_index, len(stops) - 1):
        a, b = stops[i], stops[i + 1]
        scheduled = max(0.0, b.scheduled_arrival - a.scheduled_arrival)
        stats = segments(a.stop_id, b.stop_id, _hour(clock, utc_offset))
        if stats is None or stats.samples == 0:
            travel, spread, strength = scheduled, SCHEDULE_UNCERTAINTY_SHARE * scheduled, 0.0
        else:
            strength = min(1.0, stats.samples / FULL_CONFIDENCE_SAMPLES)
            travel = strength * stats.mean + (1 - strength) * scheduled
            spread = math.sqrt(max(0.0, stats.variance)) + (1 - strength) * (
                SCHEDULE_UNCERTAINTY_SHARE * scheduled
            )
        if i == last_index:
            span = b.distance - a.distance
            left = 1.0 if span <= 0 else max(0.0, min(1.0, (b.distance - shape_distance) / span))
            if last_arrival is not None:
                # From the arrival at the last stop (held to its departure when early); a
                # vehicle already longer on the segment than usual still has the distance
                # left to drive.
                start = max(last_arrival, a.scheduled_departure - HOLD_SLACK)
                clock = max(start + travel, now + travel * left)
            else:
                clock = now + travel * left
            variance += (spread * left) ** 2
        else:
            clock = max(clock, a.scheduled_departure - HOLD_SLACK) + travel
            variance += spread**2
        weakest = min(weakest, strength)
        horizon = max(0.0, clock - now)
        uncertainty = BASE_UNCERTAINTY + math.sqrt(variance)
        confidence = math.exp(-horizon * math.log(2) / CONFIDENCE_HALF_LIFE) * (0.4 + 0.6 * weakest)
        predictions.append(
            Prediction(
                sequence=b.sequence,
                stop_pk=b.stop_pk,
                stop_id=b.stop_id,
                arrival=clock,
                delay=clock - b.scheduled_arrival,
                uncertainty=uncertainty,
                confidence=max(0.0, min(1.0, confidence)),
            )
        )
        if limit is not None and len(predictions) >= limit:
            break
    return predictions
