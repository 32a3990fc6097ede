"""Chart series from the rollups on PostgreSQL (issue #11: a 30-day chart for 475 containers
and a 1-year hourly series for one entity, p95 < 100 ms). Run by bench/run-urbandata.

Builds 475 waste containers with 30 days of hourly and daily fillingLevel rollups (356,250
rows) and one air-quality station with a year of hourly and daily pm25 rollups (9,125 rows),
written with COPY; then times what a chart receives, in this process (server time without
the network): ``series_chart_json`` (the JSON text built by PostgreSQL: one time axis in
epoch ms, per entity columns of min / mean / max) and its bytes as a response would send
them. For comparison, the older path: ``series_daily_many`` / ``series_rollup`` points
turned into JSON in Python.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from digiplace.core.models import Municipality  # noqa: E402
from digiplace.urbandata.models import Entity, RollupPeriod  # noqa: E402
from digiplace.urbandata.selectors.series import (  # noqa: E402
    SeriesPoint,
    series_chart_json,
    series_daily_many,
    series_daily_many_chart_json,
    series_rollup,
)

CONTAINERS = int(os.environ.get("BENCH_CONTAINERS", "475"))
DAYS = 30
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "60"))
GOAL_MS = 100
HOUR = datetime.timedelta(hours=1)
Row = tuple[int, str, str, datetime.datetime, float, float, float, int]


def copy_rollups(rows: Iterator[Row]) -> int:
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.connection  # psycopg's connection
        with (
            raw.cursor() as raw_cursor,
            raw_cursor.copy(
                "COPY urbandata_rollup (entity_id, attribute, period, start,"
                " minimum, maximum, total, count) FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def hours_and_days(
    entity_pk: int,
    attribute: str,
    start: datetime.datetime,
    hours: int,
    level: Callable[[int], float],
) -> Iterator[Row]:
    """Hourly rollups (four readings an hour) and the daily ones made from them."""
    day: list[float] = []
    for number in range(hours):
        moment = start + number * HOUR
        values = [level(number * 4 + sample) for sample in range(4)]
        yield (entity_pk, attribute, "hour", moment, min(values), max(values), sum(values), 4)
        day.extend(values)
        if len(day) == 96:
            day_start = moment.replace(hour=0)
            yield (entity_pk, attribute, "day", day_start, min(day), max(day), sum(day), 96)
            day = []


def build() -> tuple[list[int], int, datetime.datetime]:
    call_command("demo_load", verbosity=0)
    city = Municipality.objects.get(slug="botosani")
    rng = random.Random(2026)
    containers = Entity.objects.bulk_create(
        Entity(
            municipality=city,
            entity_id=f"urn:ngsi-ld:WasteContainer:bench-{number:04d}",
            type="WasteContainer",
            latitude=rng.uniform(city.bounds_south, city.bounds_north),
            longitude=rng.uniform(city.bounds_west, city.bounds_east),
            is_demo=True,
        )
        for number in range(CONTAINERS)
    )
    station = Entity.objects.create(
        municipality=city,
        entity_id="urn:ngsi-ld:AirQualityObserved:bench-station",
        type="AirQualityObserved",
        is_demo=True,
    )
    today = (
        timezone.now().astimezone(datetime.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    )

    def rows() -> Iterator[Row]:
        start = today - datetime.timedelta(days=DAYS - 1)
        for container in containers:
            phase = rng.random()

            def filling(sample: int, phase: float = phase) -> float:
                return (sample / 96 / 4 + phase) % 1.0

            yield from hours_and_days(container.pk, "fillingLevel", start, DAYS * 24, filling)
        year_start = today - datetime.timedelta(days=364)
        yield from hours_and_days(
            station.pk,
            "pm25",
            year_start,
            365 * 24,
            lambda sample: 15 + 10 * math.sin(sample / 96 * 2 * math.pi) + rng.random() * 5,
        )

    started = time.perf_counter()
    written = copy_rollups(rows())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE urbandata_rollup")
    print(f"{written} rollups written with COPY in {time.perf_counter() - started:.1f} s")
    return (
        [container.pk for container in containers],
        station.pk,
        today + datetime.timedelta(days=1),
    )


def chart_points(points: list[SeriesPoint]) -> list[tuple[int, float, float, float]]:
    """What a chart receives: epoch milliseconds, minimum, mean, maximum."""
    return [
        (int(point.start.timestamp()) * 1000, point.minimum, point.mean, point.maximum)
        for point in points
    ]


def measure(read: Callable[[], bytes]) -> tuple[list[float], int, int]:
    with CaptureQueriesContext(connection) as executed:
        body = read()
    timings = []
    for _number in range(REQUESTS):
        start = time.perf_counter()
        read()
        timings.append((time.perf_counter() - start) * 1000)
    return timings, len(executed.captured_queries), len(body)


def main() -> None:
    container_pks, station_pk, end = build()
    now = end - HOUR

    year_start = end - datetime.timedelta(days=365)

    def chart_30_days() -> bytes:
        return series_daily_many_chart_json(
            entities=container_pks, attribute="fillingLevel", days=DAYS, now=now
        ).encode()

    def year_hourly() -> bytes:
        return series_chart_json(
            entities=[station_pk],
            attribute="pm25",
            start=year_start,
            end=end,
            period=RollupPeriod.HOUR,
        ).encode()

    def points_30_days() -> bytes:
        series = series_daily_many(
            entities=container_pks, attribute="fillingLevel", days=DAYS, now=now
        )
        return json.dumps({pk: chart_points(points) for pk, points in series.items()}).encode()

    def points_year() -> bytes:
        series = series_rollup(
            entity=station_pk, attribute="pm25", start=year_start, end=end, period=RollupPeriod.HOUR
        )
        return json.dumps(chart_points(series)).encode()

    # What the charts receive is complete: every container, every day, every hour.
    month = json.loads(chart_30_days())
    assert len(month["t"]) == DAYS and len(month["series"]) == len(container_pks)
    assert all(None not in series["mean"] for series in month["series"])
    year = json.loads(year_hourly())
    assert len(year["t"]) == 365 * 24 and None not in year["series"][0]["mean"]

    cases = [
        (f"30-day daily chart, {len(container_pks)} containers", chart_30_days, True),
        ("1-year hourly series, one station", year_hourly, True),
        ("  before: points + json.dumps, 30-day", points_30_days, False),
        ("  before: points + json.dumps, 1-year", points_year, False),
    ]
    load = os.getloadavg()[0]
    print(
        f"\n{REQUESTS} reads each (selector + the JSON bytes a chart receives), server time"
        f" in ms; load average {load:.1f}"
    )
    print(f"{'series':<40} {'p50':>7} {'p95':>7} {'max':>7} {'queries':>8} {'KB':>6}  goal")
    for name, read, is_goal in cases:
        timings, queries, size = measure(read)
        p50 = statistics.median(timings)
        p95 = statistics.quantiles(timings, n=20)[18]
        verdict = f"p95 < {GOAL_MS} ms " + ("met" if p95 < GOAL_MS else "NOT met")
        if not is_goal:
            verdict = "(for comparison)"
        print(
            f"{name:<40} {p50:>7.1f} {p95:>7.1f} {max(timings):>7.1f} {queries:>8} "
            f"{size / 1024:>6.0f}  {verdict}"
        )


if __name__ == "__main__":
    main()
