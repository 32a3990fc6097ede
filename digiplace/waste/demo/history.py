"""Four weeks of fill history for every demo container: what the forecasts learn from and
the container pages chart.

Containers fill at their fraction's rate as the live simulator has them
(``digiplace.urbandata.simulation.waste_fill_rate``: more in the daytime and on weekends),
times a factor of their own (a busy point, a quiet one), with hour-to-hour noise. They are
emptied on the simulator's fixed schedule (``simulation.COLLECTION_DAYS``) from 06:00, each
point at its place in the round, on the city's collection days. A sensor reports a few times
a day (every six hours, at its own minutes) and once just after each emptying, so the fill
falls right after every collection; a bin that overflows reads full until it is emptied.

Each emptying is a ``Collection`` (the fill found, the weight estimated as the waste module
estimates it, the sensor or the driver as the source), and each entity's current
``fillingLevel`` and ``dateLastEmptying`` continue the same history. Nothing lies in the
future.
"""

from __future__ import annotations

import datetime
import math
import zlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection

from digiplace.urbandata import simulation
from digiplace.urbandata.models import RollupPeriod

HISTORY_DAYS = 28
ATTRIBUTE = "fillingLevel"
SAMPLE_EVERY = datetime.timedelta(hours=6)
# The sensor notices the bin was emptied (the lid's tilt) and reports at once.
AFTER_EMPTYING = datetime.timedelta(minutes=5)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
# The simulator's fill right after an emptying (what sticks to the bottom).
LEVEL_AFTER_EMPTYING = 0.02
SENSOR_NOISE = 0.01
FILL_NOISE = 0.15
# A round starts at the simulator's hour and takes the morning: each point's place in it.
ROUND_MINUTES = 360
# Drivers mark some emptyings on their phones before the sensor reports them.
DRIVER_SHARE = 0.2


def seed(text: str) -> int:
    """A stable seed from a text (``hash`` changes from one process to the next)."""
    return zlib.crc32(text.encode())


@dataclass(frozen=True)
class Timeline:
    """The hours of a city's history, and each kind's fill per hour over them."""

    start: datetime.datetime  # a whole UTC hour
    now: datetime.datetime
    zone: datetime.tzinfo
    rates: dict[str, np.ndarray]  # fill per hour at each hour's start, by storedWasteKind

    @classmethod
    def build(cls, *, now: datetime.datetime, zone: datetime.tzinfo) -> Timeline:
        end = now.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)
        start = end - HISTORY_DAYS * DAY
        hours = [start + index * HOUR for index in range(HISTORY_DAYS * 24 + 1)]
        locals_ = [hour.astimezone(zone) for hour in hours]
        rates = {
            kind: np.array([simulation.waste_fill_rate(kind, local) for local in locals_])
            for kind in simulation.FILL_PER_HOUR
        }
        return cls(start, now, zone, rates)

    def hour(self, index: int) -> datetime.datetime:
        return self.start + index * HOUR

    def day_of(self, index: int) -> datetime.datetime:
        """The UTC day (as rollups count days) of hour ``index``."""
        return self.hour(index).replace(hour=0)

    def collection_moments(
        self, *, kind: str, weekdays: Sequence[int], round_minutes: int
    ) -> list[datetime.datetime]:
        """When a container of ``kind`` was emptied: its schedule's days that are collection
        days, at the round's start plus its place in the round; after the start, up to now."""
        days = set(simulation.COLLECTION_DAYS.get(kind, simulation.COLLECTION_DAYS["other"]))
        days &= set(weekdays)
        first = self.start.astimezone(self.zone).date()
        moments = []
        for offset in range((self.now.astimezone(self.zone).date() - first).days + 1):
            day = first + datetime.timedelta(days=offset)
            if day.weekday() not in days:
                continue
            local = datetime.datetime.combine(
                day, datetime.time(simulation.COLLECTION_HOUR), tzinfo=self.zone
            )
            moment = (local + datetime.timedelta(minutes=round_minutes)).astimezone(datetime.UTC)
            if self.start < moment <= self.now:
                moments.append(moment)
        return moments


@dataclass(frozen=True)
class FillHistory:
    """One container's history: readings, emptyings with the fill found, and its state now."""

    readings: list[tuple[datetime.datetime, float]]
    collections: list[tuple[datetime.datetime, float]]
    level_now: float
    last_emptied: datetime.datetime | None


def fill_history(
    *,
    timeline: Timeline,
    kind: str,
    factor: float,
    collections: Sequence[datetime.datetime],
    name: str,
) -> FillHistory:
    """Simulate one container (``name`` seeds it: the same every time)."""
    randomness = np.random.default_rng(seed(name))
    rates = timeline.rates[kind]
    noise = np.maximum(1 + randomness.normal(0, FILL_NOISE, len(rates)), 0)
    increments = rates * factor * noise
    cumulative = np.concatenate(([0.0], np.cumsum(increments)))

    def gained(moment: datetime.datetime) -> float:
        position = (moment - timeline.start) / HOUR
        hour = min(int(position), len(increments) - 1)
        return float(cumulative[hour] + increments[hour] * (position - hour))

    phase = datetime.timedelta(minutes=int(randomness.integers(0, 360)))
    samples = []
    moment = timeline.start + phase
    while moment < timeline.now:
        samples.append(moment)
        moment += SAMPLE_EVERY
    samples += [
        moment + AFTER_EMPTYING for moment in collections if moment + AFTER_EMPTYING < timeline.now
    ]
    events = sorted([(moment, 1) for moment in samples] + [(moment, 0) for moment in collections])
    anchor_at, anchor_level = timeline.start, float(randomness.uniform(0.05, 0.5))

    def level(moment: datetime.datetime) -> float:
        return min(1.0, anchor_level + gained(moment) - gained(anchor_at))

    readings: list[tuple[datetime.datetime, float]] = []
    emptied: list[tuple[datetime.datetime, float]] = []
    sensor = randomness.normal(0, SENSOR_NOISE, len(events))
    for index, (moment, is_reading) in enumerate(events):
        if is_reading:
            value = min(max(level(moment) + float(sensor[index]), 0.0), 1.0)
            readings.append((moment, round(value, 3)))
        else:
            emptied.append((moment, round(level(moment), 3)))
            anchor_at, anchor_level = moment, LEVEL_AFTER_EMPTYING
    return FillHistory(
        readings=readings,
        collections=emptied,
        level_now=round(level(timeline.now), 3),
        last_emptied=emptied[-1][0] if emptied else None,
    )


def datetime_adapter() -> Callable[[datetime.datetime], Any]:
    """UTC moments as the connection stores them, for raw inserts: SQLite keeps naive UTC
    text (what Django's adapter makes, without its per-value checks: half a million values
    here), PostgreSQL takes the aware value."""
    if connection.vendor == "sqlite":
        return lambda moment: moment.replace(tzinfo=None).isoformat(sep=" ")
    return connection.ops.adapt_datetimefield_value


def reading_rows(
    entity_pk: int, history: FillHistory, timeline: Timeline, adapt: Callable[..., Any]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The readings' rows and their hourly and daily (UTC) rollups' rows, for the bulk
    insert (``adapt``: ``datetime_adapter()``)."""
    readings = []
    hours: dict[int, list[float]] = defaultdict(list)
    for moment, value in history.readings:
        readings.append((entity_pk, ATTRIBUTE, adapt(moment), value, ""))
        hours[int((moment - timeline.start) / HOUR)].append(value)
    rollups = []
    days: dict[datetime.datetime, list[float]] = defaultdict(list)
    for index, values in hours.items():
        start = timeline.hour(index)
        rollups.append(
            (
                entity_pk,
                ATTRIBUTE,
                RollupPeriod.HOUR.value,
                adapt(start),
                min(values),
                max(values),
                sum(values),
                len(values),
            )
        )
        days[timeline.day_of(index)] += values
    for start, values in days.items():
        rollups.append(
            (
                entity_pk,
                ATTRIBUTE,
                RollupPeriod.DAY.value,
                adapt(start),
                min(values),
                max(values),
                sum(values),
                len(values),
            )
        )
    return readings, rollups


def round_place(index: int, count: int) -> int:
    """Minutes after the round's start at which point ``index`` of ``count`` is emptied."""
    return math.floor(ROUND_MINUTES * index / max(count, 1))
