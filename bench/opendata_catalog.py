"""The open-data catalogue with 500 datasets (issue #14), run by bench/run-opendata.

Declares 500 small datasets in this process (besides the modules' own), generates them for
Botoșani with the engine, then times, through Django's test client (server time without the
network), ``/opendata/catalog.ttl`` (the whole catalogue in Turtle, 500 datasets and their
files: Hydra pages of 100 are fetched one by one, then the first page alone) with the cache
emptied before each request (cold) and with it kept (warm), and CKAN's ``package_search`` with
a mix of queries (p50/p95 ms; goal under 50 ms). BENCH_DATASETS and BENCH_REQUESTS change
the sizes.
"""

from __future__ import annotations

import datetime
import logging
import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from digiplace.core.datasets import (  # noqa: E402
    Column,
    DatasetSpec,
    Privacy,
    Row,
    dataset_register,
    datasets_available,
)
from digiplace.core.models import Municipality  # noqa: E402

DATASETS = int(os.environ.get("BENCH_DATASETS", "500"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "100"))
HOST = "botosani.localhost"
GOAL_MS = 50
THEMES = ("ENVI", "TRAN", "GOVE", "REGI", "SOCI", "ECON", "ENER")
WORDS = ("parking", "trees", "budget", "lighting", "schools", "noise", "water", "bicycles")


def rows_of(number: int) -> Callable[[Municipality], Iterator[Row]]:
    def rows(municipality: Municipality) -> Iterator[Row]:
        start = datetime.date(2026, 1, 1)
        for day in range(30):
            yield {"day": start + datetime.timedelta(days=day), "value": (number * 7 + day) % 50}

    return rows


def declare() -> None:
    for number in range(DATASETS):
        word = WORDS[number % len(WORDS)]
        dataset_register(
            DatasetSpec(
                module="opendata",
                slug=f"bench-{number:03d}",
                title=f"Bench dataset {number} about {word}",
                description=f"Daily figures number {number} on {word} in the city.",
                themes=(THEMES[number % len(THEMES)],),
                keywords=(word, f"set{number % 10}"),
                frequency="DAILY",
                refresh=datetime.timedelta(days=1),
                privacy=Privacy(statement="No personal data.", personal=False),
                columns=(
                    Column("day", "date", "The day."),
                    Column("value", "integer", "The figure.", unit="items"),
                ),
                rows=rows_of(number),
                temporal="day",
            )
        )


def timings(call: Callable[[], int], *, cold: bool) -> tuple[list[float], int]:
    call()  # warm up imports and the process
    times = []
    size = 0
    for _ in range(REQUESTS):
        if cold:
            cache.clear()
        started = time.perf_counter()
        size = call()
        times.append((time.perf_counter() - started) * 1000)
    return times, size


def summary(label: str, times: list[float], extra: str = "") -> None:
    ordered = sorted(times)
    p95 = ordered[max(0, math.ceil(len(ordered) * 0.95) - 1)]
    print(f"{label:58} p50 {statistics.median(ordered):8.1f} ms  p95 {p95:8.1f} ms  {extra}")


def main() -> None:
    from digiplace.opendata.services.generate import dataset_generate

    # The catalogue's pages are fetched until one answers 404: not worth a log line each.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    call_command("demo_load", verbosity=0)
    declare()
    city = Municipality.objects.get(slug="botosani")
    specs = [spec for spec in datasets_available(city) if spec.slug.startswith("bench-")]
    started = time.perf_counter()
    for spec in specs:
        dataset_generate(city, spec, force=True, now=timezone.now())
    print(f"{len(specs)} datasets generated in {time.perf_counter() - started:.1f} s")
    client = Client()

    def catalogue_all_pages() -> int:
        size = 0
        page = 1
        while True:
            response = client.get(f"/opendata/catalog.ttl?page={page}", headers={"host": HOST})
            if response.status_code == 404:
                return size
            assert response.status_code == 200, response.status_code
            size += len(response.content)
            page += 1

    def catalogue_first_page() -> int:
        response = client.get("/opendata/catalog.ttl", headers={"host": HOST})
        assert response.status_code == 200, response.status_code
        return len(response.content)

    for cold in (True, False):
        state = "cold cache" if cold else "warm cache"
        times, size = timings(catalogue_all_pages, cold=cold)
        summary(f"catalog.ttl, every page ({state})", times, f"{size / 1024:.0f} KiB")
        times, size = timings(catalogue_first_page, cold=cold)
        summary(f"catalog.ttl, first page ({state})", times, f"{size / 1024:.0f} KiB")

    queries = [
        "q=parking",
        "q=budget&rows=50",
        "fq=tags:trees",
        "q=water&fq=organization:botosani",
        "rows=100&start=200",
        "q=bench&sort=metadata_modified desc",
    ]
    for cold in (True, False):
        state = "cold cache" if cold else "warm cache"
        all_times: list[float] = []
        for query in queries:

            def search(query: str = query) -> int:
                response = client.get(
                    f"/api/3/action/package_search?{query}", headers={"host": HOST}
                )
                assert response.status_code == 200, (query, response.status_code)
                assert response.json()["success"] is True
                return len(response.content)

            times, _size = timings(search, cold=cold)
            all_times += times
        summary(f"package_search, {len(queries)} kinds of query ({state})", all_times)
    print(f"Goal for package_search: p95 under {GOAL_MS} ms")


if __name__ == "__main__":
    main()
