"""Reports at scale: 100,000 reports in one city on PostgreSQL (issue: Open311
`GET requests.json` with filters p95 < 50 ms; the map's data for one viewport p95 < 100 ms).
Run by bench/run-reports; requests go through Django's full stack in this process, so the
figures are server time without the network.
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from digiplace.core.models import Municipality  # noqa: E402
from digiplace.reports.models import Category, Report, ReportStatus  # noqa: E402

REPORTS = int(os.environ.get("BENCH_REPORTS", "100000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "60"))
HOST = "botosani.localhost"
STATUSES = [status for status, _label in ReportStatus.choices]


def build() -> Municipality:
    call_command("demo_load", verbosity=0)
    call_command("reports_demo", "--reports", "0", verbosity=0)
    city = Municipality.objects.get(slug="botosani")
    missing = REPORTS - Report.objects.filter(municipality=city).count()
    categories = list(Category.objects.filter(municipality=city))
    rng = random.Random(2026)
    now = timezone.now()
    batch: list[Report] = []
    for _number in range(max(missing, 0)):
        created = now - datetime.timedelta(minutes=rng.uniform(0, 3 * 365 * 24 * 60))
        category = rng.choice(categories)
        batch.append(
            Report(
                municipality=city,
                category=category,
                department=category.department,
                status=rng.choice(STATUSES),
                description="Synthetic report for the benchmark.",
                latitude=rng.uniform(city.bounds_south, city.bounds_north),
                longitude=rng.uniform(city.bounds_west, city.bounds_east),
                created_at=created,
                updated_at=created,
                expected_at=created + datetime.timedelta(days=category.sla_days),
                editable_until=created,
            )
        )
        if len(batch) == 5000:
            Report.objects.bulk_create(batch)
            batch = []
    Report.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reports_report")
    return city


def measure(client: Client, path: str) -> tuple[list[float], int, int]:
    response = client.get(path, headers={"host": HOST})
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}: {response.content[:300]!r}")
    executed: list[str] = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(path, headers={"host": HOST})
    timings = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        client.get(path, headers={"host": HOST})
        timings.append((time.perf_counter() - start) * 1000)
    return timings, len(executed), len(response.content)


def main() -> None:
    started = time.perf_counter()
    city = build()
    total = Report.objects.filter(municipality=city).count()
    print(f"{total} reports in {city.slug} (ready in {time.perf_counter() - started:.0f} s)")
    today = timezone.localdate()
    window = f"start_date={today - datetime.timedelta(days=60)}&end_date={today}"
    middle_latitude = (city.bounds_south + city.bounds_north) / 2
    middle_longitude = (city.bounds_west + city.bounds_east) / 2
    viewport = (
        f"{middle_latitude - 0.01:.5f},{middle_longitude - 0.015:.5f},"
        f"{middle_latitude + 0.01:.5f},{middle_longitude + 0.015:.5f}"
    )
    cases = [
        ("Open311 requests.json, 90-day default", "/open311/v2/requests.json", 50),
        (
            "Open311 requests.json, filtered",
            f"/open311/v2/requests.json?service_code=pothole,graffiti&status=open&{window}",
            50,
        ),
        (
            "Open311 requests.json, near a point",
            f"/open311/v2/requests.json?lat={middle_latitude}&long={middle_longitude}&radius=500",
            50,
        ),
    ]
    try:
        cases.append(
            ("map data, one viewport", f"{reverse('reports:map_data')}?bbox={viewport}", 100)
        )
    except Exception as error:  # the map's endpoint may not exist yet
        print(f"map data endpoint not available: {error}")
    client = Client()
    print(f"\n{REQUESTS} requests each, server time in ms")
    print(f"{'request':<40} {'p50':>7} {'p95':>7} {'max':>7} {'queries':>8} {'KB':>6}  goal")
    for name, path, goal in cases:
        timings, queries, size = measure(client, path)
        p50 = statistics.median(timings)
        p95 = statistics.quantiles(timings, n=20)[18]
        verdict = f"p95 < {goal} ms " + ("met" if p95 < goal else "NOT met")
        print(
            f"{name:<40} {p50:>7.1f} {p95:>7.1f} {max(timings):>7.1f} {queries:>8} "
            f"{size / 1024:>6.0f}  {verdict}"
        )


if __name__ == "__main__":
    main()
