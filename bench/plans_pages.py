"""Server time of the plan pages with a synthetic plan: 1,000 projects, 5,000 activities,
500 KPIs and 50,000 measurements (issue: p95 under 100 ms). Run by bench/run-plans on a
throwaway PostgreSQL server; requests go through Django's full stack in this process,
so the figures are server time without the network.
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from digiplace.core.models import Municipality  # noqa: E402
from digiplace.plans.models import (  # noqa: E402
    Activity,
    ChangeRecord,
    Kpi,
    Measurement,
    Objective,
    Pillar,
    Plan,
    Project,
)

PROJECTS, ACTIVITIES_PER_PROJECT, KPIS, MEASUREMENTS_PER_KPI = 1000, 5, 500, 100
PILLARS, OBJECTIVES_PER_PILLAR = 10, 4
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40"))
GOAL_P95_MS = 100
HOST = "botosani.localhost"
STATUSES = ["planned", "in_preparation", "in_progress", "completed", ""]


def build() -> Plan:
    """The synthetic plan, created with bulk inserts."""
    call_command("demo_load", verbosity=0)
    city = Municipality.objects.get(slug="botosani")
    Plan.objects.filter(municipality=city, key="synthetic").delete()
    plan = Plan.objects.create(
        municipality=city,
        key="synthetic",
        title_en="Synthetic plan",
        title_ro="Plan sintetic",
        period_start=2022,
        period_end=2027,
    )
    pillars = Pillar.objects.bulk_create(
        Pillar(municipality=city, plan=plan, key=f"P{i}", position=i, title_en=f"Pillar {i}")
        for i in range(PILLARS)
    )
    objectives = Objective.objects.bulk_create(
        Objective(
            municipality=city, pillar=pillar, key=f"O{j}", position=j, title_en=f"Objective {j}"
        )
        for pillar in pillars
        for j in range(OBJECTIVES_PER_PILLAR)
    )
    rng = random.Random(2026)
    projects = Project.objects.bulk_create(
        Project(
            municipality=city,
            plan=plan,
            pillar=objective.pillar,
            objective=objective,
            key=f"X{n}",
            position=n,
            kind="strategic_project",
            title_en=f"Project {n} on mobility and data",
            title_ro=f"Proiectul {n}",
            description_en="Synthetic project for the benchmark.",
            owner=f"Directorate {n % 7}",
            status=rng.choice(STATUSES),
            budget_amount=Decimal(rng.randrange(10_000, 5_000_000)),
            funding_programmes=[f"Programme {n % 9}"],
            digital_enablers=[f"Enabler {n % 5}"],
            start_date=datetime.date(2022 + n % 3, 1, 1),
            end_date=datetime.date(2026, 12, 31),
            latitude=47.70 + rng.random() * 0.08 if n % 10 == 0 else None,
            longitude=26.60 + rng.random() * 0.12 if n % 10 == 0 else None,
        )
        for n, objective in ((n, objectives[n % len(objectives)]) for n in range(PROJECTS))
    )
    Activity.objects.bulk_create(
        Activity(
            municipality=city,
            project=project,
            number=f"1.{a}",
            position=a,
            title_en=f"Activity {a}",
            status=rng.choice(STATUSES),
            progress=rng.choice([None, 10, 50, 90]),
            start_date=datetime.date(2023, 1 + a, 1),
            end_date=datetime.date(2024, 1 + a, 28),
            outputs=["one output"],
        )
        for project in projects
        for a in range(ACTIVITIES_PER_PROJECT)
    )
    kpis = Kpi.objects.bulk_create(
        Kpi(
            municipality=city,
            plan=plan,
            project=projects[k] if k % 2 else None,
            pillar=projects[k].pillar,
            key=f"K{k}",
            kind="outcome",
            name_en=f"Indicator {k}",
            unit="%",
            baseline_value=Decimal(10),
            baseline_date=datetime.date(2022, 1, 1),
            target_value=Decimal(60),
            target_date=datetime.date(2027, 12, 31),
        )
        for k in range(KPIS)
    )
    Measurement.objects.bulk_create(
        (
            Measurement(
                municipality=city,
                kpi=kpi,
                date=datetime.date(2022, 1, 1) + datetime.timedelta(days=9 * m),
                value=Decimal(10 + m * 0.3 + rng.random()).quantize(Decimal("0.01")),
            )
            for kpi in kpis
            for m in range(MEASUREMENTS_PER_KPI)
        ),
        batch_size=5000,
    )
    ChangeRecord.objects.bulk_create(
        ChangeRecord(
            municipality=city,
            plan=plan,
            project=project,
            field="status",
            old_value="planned",
            new_value="in_progress",
        )
        for project in projects[:300]
    )
    return plan


def measure(client: Client, path: str) -> tuple[list[float], int]:
    client.get(path, headers={"host": HOST})  # warm the caches
    executed: list[str] = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(path, headers={"host": HOST})
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}")
    timings = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        client.get(path, headers={"host": HOST})
        timings.append((time.perf_counter() - start) * 1000)
    return timings, len(executed)


def main() -> None:
    started = time.perf_counter()
    plan = build()
    print(
        f"Synthetic plan: {Project.objects.filter(plan=plan).count()} projects, "
        f"{Activity.objects.filter(project__plan=plan).count()} activities, "
        f"{plan.kpis.count()} KPIs, {Measurement.objects.filter(kpi__plan=plan).count()} "
        f"measurements (built in {time.perf_counter() - started:.0f} s)"
    )
    project = Project.objects.filter(plan=plan, kpis__isnull=False).first()
    assert project is not None
    pages = [
        ("plan page", f"/plans/{plan.key}/"),
        ("project list", f"/plans/{plan.key}/projects/"),
        ("project list, filtered", f"/plans/{plan.key}/projects/?status=in_progress&q=mobility"),
        ("project page", f"/plans/{plan.key}/projects/{project.key}/"),
        ("status overview", f"/plans/{plan.key}/status/"),
        ("budget dashboard", f"/plans/{plan.key}/budget/"),
        ("KPI dashboard", f"/plans/{plan.key}/kpis/"),
    ]
    client = Client()
    print(f"\n{REQUESTS} requests each, server time in ms (goal: p95 < {GOAL_P95_MS} ms)")
    print(f"{'page':<26} {'p50':>7} {'p95':>7} {'max':>7} {'queries':>8}  goal")
    for name, path in pages:
        timings, queries = measure(client, path)
        p50 = statistics.median(timings)
        p95 = statistics.quantiles(timings, n=20)[18]
        verdict = "met" if p95 < GOAL_P95_MS else "NOT met"
        print(f"{name:<26} {p50:>7.1f} {p95:>7.1f} {max(timings):>7.1f} {queries:>8}  {verdict}")


if __name__ == "__main__":
    main()
