"""Collection planning on the demo city (issue #12): planned kilometres against the fixed
schedule, and the time to plan.

Loads the demo into a throwaway SQLite database (migrations, ``demo_load``, then
``waste_demo`` — the waste module's demo: Timișoara's 475 collection points, its depot and
trucks, weeks of fill readings and collections) and plans tomorrow for each fraction of
Timișoara with all its trucks in service, as the task does (``services.planning``). Prints,
per fraction: the time to plan (forecasts, choice, routes and the fixed-schedule baseline),
the planned and the fixed-schedule kilometres and the saving, and the containers chosen out
of all. Without the waste demo (``waste_demo`` missing), it says so and stops.

BENCH_PLAN_SECONDS (default 10) is each plan's route search; the baseline searches half.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="digiplace-bench-planning-"))
os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'bench.sqlite3'}"
os.environ["DIGIPLACE_MODE"] = "development"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DIGIPLACE_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import datetime  # noqa: E402
import io  # noqa: E402
import zoneinfo  # noqa: E402

from django.conf import settings  # noqa: E402
from django.core.management import call_command, get_commands  # noqa: E402
from django.utils import timezone  # noqa: E402

from digiplace.core.models import Municipality  # noqa: E402
from digiplace.waste.models import (  # noqa: E402
    CollectionPlan,
    Container,
    Depot,
    Fraction,
    PlanStatus,
    PlanStop,
    Truck,
)
from digiplace.waste.selectors.forecasts import city_settings  # noqa: E402
from digiplace.waste.services import planning  # noqa: E402

PLAN_SECONDS = int(os.environ.get("BENCH_PLAN_SECONDS", "10"))
CITY = "timisoara"


def load() -> Municipality | None:
    quiet = io.StringIO()
    call_command("migrate", verbosity=0, stdout=quiet)
    call_command("demo_load", stdout=quiet)
    if "waste_demo" not in get_commands():
        print("The waste demo (manage.py waste_demo) is not in this build: nothing to plan.")
        return None
    call_command("waste_demo", stdout=quiet)
    return Municipality.objects.filter(slug=CITY).first()


def plan_day(city: Municipality, fraction: str, day: datetime.date) -> None:
    depot = Depot.objects.filter(municipality=city).order_by("pk").first()
    trucks = list(Truck.objects.filter(municipality=city, is_active=True))
    total = Container.objects.filter(municipality=city, fraction=fraction, is_active=True).count()
    if depot is None or not trucks or not total:
        print(f"{fraction:>9}: no depot, trucks or containers in the demo")
        return
    plan = CollectionPlan.objects.create(
        municipality=city,
        day=day,
        fraction=fraction,
        status=PlanStatus.COMPUTING,
        threshold=city_settings(city).threshold,
        depot=depot,
    )
    start = time.perf_counter()
    status = planning.plan_compute(plan_id=plan.pk, truck_ids=[t.pk for t in trucks])
    elapsed = time.perf_counter() - start
    plan.refresh_from_db()
    chosen = PlanStop.objects.filter(route__plan=plan).count()
    planned, fixed = plan.distance_m / 1000, plan.baseline_distance_m / 1000
    saving = 100 * (fixed - planned) / fixed if fixed and chosen else 0.0
    problems = "" if plan.is_feasible else f" · infeasible: {[p['code'] for p in plan.problems]}"
    print(
        f"{fraction:>9}: {status or plan.status:<6} {elapsed:6.1f} s · fixed schedule"
        f" {fixed:7.1f} km · this plan {planned:7.1f} km · {saving:5.1f} % fewer ·"
        f" {chosen} of {total} containers, {plan.routes.count()} routes{problems}"
        + ("" if chosen else " (nothing due)")
    )


def main() -> int:
    settings.WASTE_PLAN_SECONDS = PLAN_SECONDS
    started = time.perf_counter()
    city = load()
    if city is None:
        return 1
    print(f"Demo loaded in {time.perf_counter() - started:.0f} s ({WORK})")
    trucks = Truck.objects.filter(municipality=city, is_active=True)
    print(
        f"{city.name}: {Container.objects.filter(municipality=city).count()} containers,"
        f" {trucks.count()} trucks in service; route search {PLAN_SECONDS} s per plan"
    )
    day = timezone.localdate(timezone=zoneinfo.ZoneInfo(city.time_zone)) + datetime.timedelta(1)
    for fraction in Fraction.values:
        plan_day(city, fraction, day)
    return 0


if __name__ == "__main__":
    sys.exit(main())
