"""What each public reports page costs to render, without the page cache (issue #9).

The demo data plus BENCH_REPORTS synthetic reports (the loader of bench/reports_api.py),
then each page requested through Django's full stack in this process: median and p95
server time in ms over BENCH_REQUESTS requests, and the SQL queries of one request. The
anonymous page cache is bypassed (a query parameter of its own on each request, which the
page cache keys on and the views ignore), so the figures are what a miss costs; figures a
module precomputes "once per change" stay warm, as they are between two writes.

    DIGIPLACE_MODE=test DATABASE_URL=sqlite:////tmp/profile.sqlite3 \
        .venv/bin/python bench/profile_reports.py
    bench/run-profile-reports        (on a throwaway PostgreSQL server)

Options: ``--without-page-cache`` (the views alone), ``--verbose`` (each query's SQL).
"""

from __future__ import annotations

import itertools
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("BENCH_REPORTS", "3000")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from django.conf import settings
from django.db import connection
from django.test import Client
from reports_api import HOST, build

from digiplace.reports.models import Report

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40"))
_bypass = itertools.count()


def _get(client: Client, path: str, language: str, **headers: str) -> object:
    separator = "&" if "?" in path else "?"
    return client.get(
        f"{path}{separator}_profile={next(_bypass)}",
        headers={"host": HOST, "accept-language": language, **headers},
    )


def measure(
    client: Client, path: str, language: str, **headers: str
) -> tuple[float, float, float, int]:
    response = _get(client, path, language, **headers)
    status = getattr(response, "status_code", 0)
    if status != 200:
        raise SystemExit(f"{path} answered {status}")
    executed: list[str] = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        _get(client, path, language, **headers)
    timings = []
    cpu_started = time.process_time()
    for _ in range(REQUESTS):
        start = time.perf_counter()
        _get(client, path, language, **headers)
        timings.append((time.perf_counter() - start) * 1000)
    cpu = (time.process_time() - cpu_started) * 1000 / REQUESTS
    if "--verbose" in sys.argv:
        for sql in executed:
            print(f"      {sql[:150]}")
    p50, p95 = statistics.median(timings), statistics.quantiles(timings, n=20)[18]
    return p50, p95, cpu, len(executed)


def main() -> None:
    if "--without-page-cache" in sys.argv:
        # The views alone: the page cache's own work on a miss (its reads, storing the page)
        # left out too.
        settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if "page_cache" not in name]
    city = build()
    total = Report.objects.filter(municipality=city).count()
    report = Report.objects.filter(municipality=city, is_hidden=False).order_by("-pk").first()
    assert report is not None
    print(
        f"{total} reports in {city.slug}, {connection.vendor}, DEBUG={settings.DEBUG}; "
        f"{REQUESTS} requests each, server time without the page cache"
    )
    middle_latitude = (city.bounds_south + city.bounds_north) / 2
    middle_longitude = (city.bounds_west + city.bounds_east) / 2
    street = (
        f"{middle_latitude - 0.002:.5f},{middle_longitude - 0.003:.5f},"
        f"{middle_latitude + 0.002:.5f},{middle_longitude + 0.003:.5f}"
    )
    pages = [
        ("list", "/reports/", "en", {}),
        ("list (ro)", "/reports/", "ro", {}),
        ("list, filtered", "/reports/?status=open&category=pothole", "en", {}),
        ("list, page 3", "/reports/?page=3", "en", {}),
        ("list, htmx fragment", "/reports/?status=open", "en", {"hx-request": "true"}),
        ("map data, whole city", "/reports/map-data.json", "en", {}),
        ("map data, city at zoom 13", "/reports/map-data.json?zoom=13", "en", {}),
        (
            "map data, a street at zoom 17",
            f"/reports/map-data.json?zoom=17&bbox={street}",
            "en",
            {},
        ),
        ("statistics", "/reports/statistics/", "en", {}),
        ("statistics (ro, 365 days)", "/reports/statistics/?period=365", "ro", {}),
        ("statistics CSV", "/reports/statistics.csv?period=90", "en", {}),
        ("report page", f"/reports/{report.pk}/", "en", {}),
        ("Open311 requests.json", "/open311/v2/requests.json", "en", {}),
        ("Open311 services.json", "/open311/v2/services.json", "en", {}),
    ]
    client = Client()
    # CPU: this process's own time per request (Django, and SQLite's work in process), which
    # other programs on a busy machine do not inflate; PostgreSQL's work is not in it.
    print(f"{'page':<30} {'p50 ms':>7} {'p95 ms':>7} {'CPU ms':>7} {'queries':>8}")
    for name, path, language, headers in pages:
        p50, p95, cpu, queries = measure(client, path, language, **headers)
        print(f"{name:<30} {p50:>7.1f} {p95:>7.1f} {cpu:>7.1f} {queries:>8}")


if __name__ == "__main__":
    main()
