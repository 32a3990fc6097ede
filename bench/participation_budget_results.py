"""A zone's participatory-budgeting results: counting and publishing a zone with 20,000
ballots and 30 projects (Method of Equal Shares with add1, the staff service), then the
server time of the zone's results page, rendered (the page cache moved on before each
request) and from the page cache, and of the anonymised ballots' .pb export.

Run by bench/run-pb on a throwaway PostgreSQL server (or alone on the database that
DATABASE_URL names, SQLite without it); requests go through Django's full stack in this
process, so the figures are server time without the network.

    python bench/participation_budget_results.py   (BENCH_BALLOTS, BENCH_REQUESTS)
"""

from __future__ import annotations

import datetime
import hashlib
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

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from digiplace.core.cache_versions import cache_version_bump  # noqa: E402
from digiplace.core.models import Municipality, MunicipalityHost  # noqa: E402
from digiplace.participation.models import (  # noqa: E402
    Ballot,
    BallotChoice,
    Budget,
    BudgetProject,
    BudgetProjectStatus,
    BudgetRule,
    BudgetZone,
    Process,
    VotingMethod,
    Zone,
)
from digiplace.participation.services.budgeting_results import (  # noqa: E402
    budget_results_publish,
)

BALLOTS = int(os.environ.get("BENCH_BALLOTS", "20000"))
PROJECTS = 30
AMOUNT = 500_000
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40"))
GOAL_P95_MS = 200
HOST = "bench-pb.localhost"
SLUG = "bench-pb"


def build() -> Budget:
    """A city, a closed budget with one zone of 30 projects and the ballots (bulk inserts)."""
    if Municipality.objects.filter(slug=SLUG).exists():
        raise SystemExit(
            f"The database already has the benchmark's city ({SLUG}): use a fresh one."
        )
    city = Municipality.objects.create(
        slug=SLUG,
        name="Bench PB",
        name_ro="Municipiul Bench",
        name_en="Bench Municipality",
        centre_latitude=45.75,
        centre_longitude=21.22,
        bounds_south=45.69,
        bounds_west=21.13,
        bounds_north=45.81,
        bounds_east=21.33,
    )
    MunicipalityHost.objects.create(municipality=city, host=HOST)
    zone = Zone.objects.create(municipality=city, slug="zona", name="Zona", name_ro="Zona")
    process = Process.objects.create(
        municipality=city, slug="pb", title="Buget", title_ro="Buget", is_published=True
    )
    now = timezone.now()
    budget = Budget.objects.create(
        municipality=city,
        process=process,
        title="Buget",
        title_ro="Buget",
        rule=BudgetRule.MES,
        submission_opens_at=now - datetime.timedelta(days=60),
        submission_closes_at=now - datetime.timedelta(days=40),
        voting_opens_at=now - datetime.timedelta(days=30),
        voting_closes_at=now - datetime.timedelta(days=1),
    )
    budget_zone = BudgetZone.objects.create(
        municipality=city, budget=budget, zone=zone, amount=Decimal(AMOUNT)
    )
    rng = random.Random(2026)
    projects = BudgetProject.objects.bulk_create(
        BudgetProject(
            municipality=city,
            budget_zone=budget_zone,
            code=f"P{n + 1}",
            title=f"Proiectul {n + 1}",
            description="Proiect sintetic.",
            cost=Decimal(rng.randrange(20, 300) * 1_000),
            status=BudgetProjectStatus.ELIGIBLE,
        )
        for n in range(PROJECTS)
    )
    popularity = [rng.uniform(0.2, 3.0) for _ in projects]
    ballots = Ballot.objects.bulk_create(
        (
            Ballot(
                municipality=city,
                budget=budget,
                budget_zone=budget_zone,
                voter_key=hashlib.sha256(f"bench:{n}".encode()).hexdigest(),
                method=VotingMethod.CODE,
                receipt=f"bench-{n:06d}",
                imported=True,
            )
            for n in range(BALLOTS)
        ),
        batch_size=5_000,
    )
    choices = []
    for ballot in ballots:
        picked: set[int] = set()
        total = 0
        for index in rng.choices(range(PROJECTS), weights=popularity, k=rng.randint(1, 6)):
            cost = int(projects[index].cost)
            if index not in picked and total + cost <= AMOUNT:
                picked.add(index)
                total += cost
        choices += [
            BallotChoice(municipality=city, ballot=ballot, project=projects[index])
            for index in picked
        ]
    BallotChoice.objects.bulk_create(choices, batch_size=10_000)
    cache_version_bump(city.pk, "participation")
    return budget


def timings(client: Client, path: str, *, rendered: bool, city: Municipality) -> list[float]:
    measured = []
    for _ in range(REQUESTS):
        if rendered:
            cache_version_bump(city.pk, "participation")  # not timed: the next one renders
        started = time.perf_counter()
        response = client.get(path, headers={"host": HOST})
        measured.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    return measured


def query_count(client: Client, path: str, city: Municipality) -> int:
    cache_version_bump(city.pk, "participation")
    executed: list[str] = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(path, headers={"host": HOST})
    return len(executed)


def main() -> None:
    started = time.perf_counter()
    budget = build()
    budget_zone = budget.zones.get()
    print(
        f"\nA zone's budgeting results: {budget_zone.ballots.count():,} ballots, "
        f"{PROJECTS} projects, {AMOUNT:,} lei (built in {time.perf_counter() - started:.0f} s, "
        f"{connection.vendor})"
    )
    started = time.perf_counter()
    (result,) = budget_results_publish(actor=None, budget=budget)
    publish_s = time.perf_counter() - started
    print(
        f"  count and publish (equal shares + add1, "
        f"{result.details['increments']} increments): {publish_s:.2f} s, "
        f"{len(result.selected)} projects selected"
    )
    city = budget.municipality
    client = Client()
    results_path = f"/participation/budgets/{budget.pk}/zones/zona/results/"
    export_path = f"/participation/budgets/{budget.pk}/zones/zona/ballots.pb"
    client.get(results_path, headers={"host": HOST})  # warm the caches
    print(f"  {REQUESTS} requests each, server time in ms (goal for pages: p95 < {GOAL_P95_MS} ms)")
    print(f"  {'page':<34} {'p50':>7} {'p95':>7} {'max':>7} {'queries':>8}  goal")
    for name, path, rendered in (
        ("results page, rendered", results_path, True),
        ("results page, from the page cache", results_path, False),
        ("ballots .pb export, rendered", export_path, True),
    ):
        measured = timings(client, path, rendered=rendered, city=city)
        p50 = statistics.median(measured)
        p95 = statistics.quantiles(measured, n=20)[18]
        queries = query_count(client, path, city) if rendered else 0
        if path == export_path:
            verdict = "(a download: no goal)"
        else:
            verdict = "met" if p95 < GOAL_P95_MS else "NOT met"
        print(f"  {name:<34} {p50:>7.1f} {p95:>7.1f} {max(measured):>7.1f} {queries:>8}  {verdict}")


if __name__ == "__main__":
    main()
