"""Collection routing (issue #12): the gap to best-known CVRP costs, and a Timișoara-sized day.

1. Each X instance of ../shared/data/vrp solved for BENCH_SECONDS (default 60) on every
   available core (one PyVRP search per core, different seeds, the best kept): its cost, the
   best-known cost, the gap, and the average gap (goal: at most 0.4% at 60 s on 2 cores).
2. A synthetic city the size of Timișoara (latitude 45.70-45.81, longitude 21.13-21.33): 475
   containers, 5 trucks, straight-line distances times the road factor; the time to build the
   matrix, to plan the day (BENCH_PLAN_SECONDS of search, default 10), and the plan's figures.

Run it on an otherwise idle machine: a test suite beside it takes cores from the search.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from digiplace.waste.routing import (  # noqa: E402
    DEFAULT_ROUNDS,
    Fleet,
    GeoPoint,
    PlanningProblem,
    Stop,
    available_cores,
    plan_routes,
    read_instance,
    read_solution,
    routes_cost,
    solve_cvrp,
    straight_line_matrix,
)
from digiplace.waste.routing.matrices import (  # noqa: E402
    DEFAULT_ROAD_FACTOR,
    DEFAULT_SPEED_KMH,
)
from digiplace.waste.routing.search import NUM_NEIGHBOURS  # noqa: E402

VRP_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "vrp"
SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
PLAN_SECONDS = float(os.environ.get("BENCH_PLAN_SECONDS", "10"))
SEED = int(os.environ.get("BENCH_SEED", "0"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", str(DEFAULT_ROUNDS)))
# Names of instances to run (comma-separated; default: all).
ONLY = {name for name in os.environ.get("BENCH_INSTANCES", "").split(",") if name}
GOAL_GAP = 0.4
CONTAINERS = 475
TRUCKS = 5


def gaps() -> None:
    cores = available_cores()
    print(
        f"CVRP: {SECONDS:g} s per instance, {cores} core(s), one PyVRP 0.14.1 search per core"
        f" ({NUM_NEIGHBOURS} neighbours per client, PyVRP's other defaults, first seed {SEED}),"
        f" {ROUNDS} round(s) each restarting from"
        " the best so far"
    )
    print(f"{'instance':<14} {'cost':>8} {'best':>8} {'gap %':>7} {'routes':>6} {'wall s':>7}")
    found: list[float] = []
    for path in sorted(VRP_DIR.glob("*.vrp"), key=lambda p: read_instance(p).dimension):
        if ONLY and path.stem not in ONLY:
            continue
        instance = read_instance(path)
        best = read_solution(path.with_suffix(".sol"))
        started = time.monotonic()
        solution = solve_cvrp(instance, seconds=SECONDS, seed=SEED, rounds=ROUNDS)
        wall = time.monotonic() - started
        assert routes_cost(instance, solution.routes) == solution.cost
        gap = 100 * (solution.cost - best.cost) / best.cost
        found.append(gap)
        print(
            f"{instance.name:<14} {solution.cost:>8} {best.cost:>8} {gap:>7.2f}"
            f" {len(solution.routes):>6} {wall:>7.1f}"
        )
    average = sum(found) / len(found)
    verdict = "meets" if average <= GOAL_GAP else "misses"
    print(f"average gap {average:.2f}% ({verdict} the {GOAL_GAP}% goal at {SECONDS:g} s)")


def city_day() -> None:
    rng = random.Random(SEED)
    depot = GeoPoint(45.7300, 21.1500)
    points = [depot] + [
        GeoPoint(rng.uniform(45.70, 45.81), rng.uniform(21.13, 21.33)) for _ in range(CONTAINERS)
    ]
    # 1,100 l bins holding about 60 kg when full, 40-95% full; 90 s to empty one
    stops = tuple(
        Stop(id=f"TM-{index:04d}", demand=rng.randint(24, 57), service_seconds=90)
        for index in range(1, CONTAINERS + 1)
    )
    fleet = Fleet(trucks=TRUCKS, capacity=6_000, shift_minutes=8 * 60)
    started = time.monotonic()
    matrix = straight_line_matrix(points)
    matrix_s = time.monotonic() - started
    problem = PlanningProblem(stops=stops, fleet=fleet, matrix=matrix)
    started = time.monotonic()
    plan = plan_routes(problem, seconds=PLAN_SECONDS, seed=SEED, rounds=ROUNDS)
    plan_s = time.monotonic() - started
    print()
    print(
        f"Timișoara-sized day: {CONTAINERS} containers (demand {sum(s.demand for s in stops)} kg),"
        f" {TRUCKS} trucks of {fleet.capacity} kg, {fleet.shift_minutes // 60} h shifts,"
        f" road factor {DEFAULT_ROAD_FACTOR}, {DEFAULT_SPEED_KMH:g} km/h"
    )
    print(f"matrix {matrix_s * 1000:.0f} ms; plan {plan_s:.1f} s ({PLAN_SECONDS:g} s of search)")
    print(f"feasible {plan.is_feasible}; total {plan.total_distance_m / 1000:.1f} km")
    for route in plan.routes:
        print(
            f"  truck {route.truck}: {len(route.stop_ids)} stops, {route.load} kg,"
            f" {route.distance_m / 1000:.1f} km, {route.duration_s / 3600:.2f} h"
        )
    for reason in plan.reasons:
        print(f"  {reason.message}")


if __name__ == "__main__":
    if os.environ.get("BENCH_PART", "all") in {"all", "gaps"}:
        gaps()
    if os.environ.get("BENCH_PART", "all") in {"all", "city"}:
        city_day()
