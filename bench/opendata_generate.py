"""Regenerating every open dataset of a city (issue #14), run by bench/run-opendata.

The demo setup a newcomer gets (core's DEMO_SETUP_COMMANDS), with 100,000 reports in
Timișoara and a year of hourly air-quality rollups for each of its 55 stations and each
pollutant (written with COPY); then, in a fresh process, every dataset of Timișoara made
from scratch with the generation engine (``city_generate(force=True)``): seconds in all and
per dataset, rows, bytes, and the process's peak resident memory above what it used before.
BENCH_REPORTS and BENCH_DAYS change the sizes.
"""

from __future__ import annotations

import datetime
import math
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from digiplace.core.datasets import datasets_available  # noqa: E402
from digiplace.core.management.commands.demo_setup import DEMO_SETUP_COMMANDS  # noqa: E402
from digiplace.core.models import Municipality  # noqa: E402
from digiplace.reports.models import Report  # noqa: E402
from digiplace.urbandata.models import Rollup  # noqa: E402
from digiplace.urbandata.selectors.air import air_stations  # noqa: E402
from digiplace.urbandata.types import POLLUTANTS  # noqa: E402

CITY = "timisoara"
REPORTS = int(os.environ.get("BENCH_REPORTS", "100000"))
DAYS = int(os.environ.get("BENCH_DAYS", "365"))
HOUR = datetime.timedelta(hours=1)
Row = tuple[int, str, str, datetime.datetime, float, float, float, int]


def _status_mib(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB
    raise LookupError(field)


def peak_reset() -> None:
    """Start the peak resident memory (VmHWM) again from the current one (Linux)."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def peak_mib() -> float:
    return _status_mib("VmHWM")


def air_rows(stations: list[int], end: datetime.datetime) -> Iterator[Row]:
    rng = random.Random(2026)
    start = end - datetime.timedelta(days=DAYS)
    for station in stations:
        for number, pollutant in enumerate(POLLUTANTS):
            base = 10 + 8 * number
            day: list[float] = []
            for hour in range(DAYS * 24):
                moment = start + hour * HOUR
                value = base + base * 0.6 * math.sin(hour / 24 * 2 * math.pi) + rng.random() * 6
                yield (station, pollutant, "hour", moment, value, value, value * 4, 4)
                day.append(value)
                if len(day) == 24:
                    mean = sum(day) / 24
                    day_start = moment.replace(hour=0)
                    yield (station, pollutant, "day", day_start, min(day), max(day), mean * 96, 96)
                    day = []


def build() -> None:
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        for name, *options in DEMO_SETUP_COMMANDS:
            if name == "reports_demo":
                options = [*options, "--reports", str(REPORTS)]
            call_command(name, *options, verbosity=0, stdout=quiet)
    city = Municipality.objects.get(slug=CITY)
    print(
        f"Demo setup with {Report.objects.filter(municipality=city).count()} reports in "
        f"{CITY} in {time.perf_counter() - started:.0f} s"
    )
    stations = list(air_stations(municipality=city).values_list("pk", flat=True))
    Rollup.objects.filter(entity_id__in=stations).delete()
    end = timezone.now().astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)
    end = end.replace(hour=0)
    started = time.perf_counter()
    written = 0
    with connection.cursor() as cursor:
        raw = cursor.connection  # psycopg's connection
        with (
            raw.cursor() as raw_cursor,
            raw_cursor.copy(
                "COPY urbandata_rollup (entity_id, attribute, period, start,"
                " minimum, maximum, total, count) FROM STDIN"
            ) as copy,
        ):
            for row in air_rows(stations, end):
                copy.write_row(row)
                written += 1
        cursor.execute("ANALYZE urbandata_rollup")
    print(
        f"{written} air-quality rollups ({len(stations)} stations, {len(POLLUTANTS)} "
        f"pollutants, {DAYS} days, hourly and daily) written in "
        f"{time.perf_counter() - started:.0f} s"
    )


def measure() -> None:
    from digiplace.opendata.services.generate import dataset_generate

    city = Municipality.objects.get(slug=CITY)
    specs = datasets_available(city)
    peak_reset()
    before = _status_mib("VmRSS")
    print(f"{len(specs)} datasets; resident memory before: {before:.0f} MiB")
    print(f"{'dataset':36} {'seconds':>8} {'rows':>10} {'MiB written':>12}")
    total = 0.0
    for spec in specs:
        started = time.perf_counter()
        version = dataset_generate(city, spec, force=True)
        elapsed = time.perf_counter() - started
        total += elapsed
        if version is None:
            print(f"{spec.slug:36} {elapsed:8.2f} {'unchanged':>10}")
            continue
        size = sum(item.byte_size for item in version.distributions.all())
        rows = "" if version.row_count is None else str(version.row_count)
        print(f"{spec.slug:36} {elapsed:8.2f} {rows:>10} {size / 2**20:12.1f}")
    after = peak_mib()
    print(
        f"Every dataset of {CITY} regenerated in {total:.1f} s; peak resident memory "
        f"{after:.0f} MiB ({after - before:.0f} MiB above the {before:.0f} MiB before)"
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["--measure"]:
        measure()
    else:
        build()
        # A fresh process, so that its peak memory is the generation's alone.
        subprocess.run([sys.executable, __file__, "--measure"], check=True)
