"""Uncached server time and SQL queries of the plans pages and the home page (issue #9).

Run on a database that ``manage.py demo_setup`` prepared (both cities' plans), for example:

    DIGIPLACE_MODE=demo DATABASE_URL=sqlite:////tmp/bench.sqlite3 \
        .venv/bin/python manage.py demo_setup
    DIGIPLACE_MODE=demo DATABASE_URL=sqlite:////tmp/bench.sqlite3 \
        .venv/bin/python bench/profile_plans.py [--language ro] [--requests 40] [--verbose]

Every request goes through Django's whole stack in this process (no network) and carries a
cookie that the anonymous page cache does not accept, so each one renders the page: what a
visitor gets on the first request after a change. The figures printed are the median and
95th percentile in milliseconds (and the fastest request: the page's own cost, least
disturbed by other work on a busy machine), the median CPU time of this process (the database's too
on SQLite; steadier than the wall clock on a busy machine) and the queries of one request.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from digiplace.plans.models import Kpi, Objective, Plan, Project  # noqa: E402

GOAL_MS = 10.0
CITIES = ("botosani", "timisoara")
# A cookie the page cache does not know: the request is rendered, never served from the cache.
UNCACHED_COOKIE = {"profile_uncached": "1"}


def city_pages(city: str) -> list[tuple[str, str]]:
    """(name, path) of every kind of plans page for the city's largest plan, and its home."""
    pages = [("home", "/"), ("plans list", "/plans/")]
    plan = Plan.objects.filter(municipality__slug=city, is_published=True).order_by("-pk").first()
    if plan is None:
        raise SystemExit(f"No published plan for {city}: run manage.py demo_setup first.")
    base = f"/plans/{plan.key}"
    pillar = plan.pillars.order_by("position").first()
    objective = Objective.objects.filter(pillar__plan=plan).order_by("pk").first()
    project = (
        Project.objects.filter(plan=plan, kpis__isnull=False).order_by("pk").first()
        or Project.objects.filter(plan=plan).order_by("pk").first()
    )
    pages.append(("plan page", f"{base}/"))
    if pillar is not None:
        pages.append(("pillar", f"{base}/pillars/{pillar.key}/"))
    if objective is not None:
        pages.append(
            ("objective", f"{base}/pillars/{objective.pillar.key}/objectives/{objective.key}/")
        )
    if project is not None:
        pages.append(("project", f"{base}/projects/{project.key}/"))
    pages += [
        ("KPI dashboard", f"{base}/kpis/"),
        ("budget", f"{base}/budget/"),
        ("status overview", f"{base}/status/"),
        ("project list", f"{base}/projects/"),
    ]
    filtered = "?status=in_progress&q=a"
    if pillar is not None:
        filtered += f"&pillar={pillar.key}"
    pages.append(("project list, filtered", f"{base}/projects/{filtered}"))
    if Kpi.objects.filter(plan=plan).exists() and pillar is not None:
        pages.append(("KPI dashboard, a pillar", f"{base}/kpis/?pillar={pillar.key}"))
    return pages


def measure(
    client: Client, host: str, path: str, requests: int
) -> tuple[list[float], list[float], list[str]]:
    """Wall-clock and CPU milliseconds of each request, and the queries of one."""
    headers = {"host": host}
    response = client.get(path, headers=headers)  # warm per-process and per-change caches
    if response.status_code != 200:
        raise SystemExit(f"http://{host}{path} answered {response.status_code}")
    if response.get("X-Cache") == "hit":
        raise SystemExit(f"http://{host}{path} came from the page cache: not a render")
    executed: list[str] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        executed.append(sql)
        return execute(sql, params, many, context)

    # Not CaptureQueriesContext: the request_started signal empties the log it reads.
    with connection.execute_wrapper(record):
        client.get(path, headers=headers)
    timings, cpu = [], []
    for _ in range(requests):
        start, start_cpu = time.perf_counter(), time.process_time()
        client.get(path, headers=headers)
        timings.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return timings, cpu, executed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--language", default="en", choices=[code for code, _ in settings.LANGUAGES]
    )
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--verbose", action="store_true", help="print each query")
    arguments = parser.parse_args()
    client = Client()
    client.cookies.load({**UNCACHED_COOKIE, settings.LANGUAGE_COOKIE_NAME: arguments.language})
    print(
        f"{connection.vendor}, language {arguments.language}, {arguments.requests} requests "
        f"each; server time in ms (goal: median under {GOAL_MS:.0f} ms)"
    )
    print(
        f"{'city':<10} {'page':<26} {'min':>6} {'median':>7} {'p95':>7} {'CPU':>6} {'queries':>8}"
        "  goal"
    )
    for city in CITIES:
        host = f"{city}.localhost"
        for name, path in city_pages(city):
            timings, cpu, queries = measure(client, host, path, arguments.requests)
            median = statistics.median(timings)
            p95 = statistics.quantiles(timings, n=20)[18]
            cpu_median = statistics.median(cpu)
            verdict = "met" if median < GOAL_MS else "NOT met"
            print(
                f"{city:<10} {name:<26} {min(timings):>6.1f} {median:>7.1f} {p95:>7.1f} "
                f"{cpu_median:>6.1f} {len(queries):>8}  {verdict}"
            )
            if arguments.verbose:
                for sql in queries:
                    print(f"        {sql[:200]}")


if __name__ == "__main__":
    main()
