"""PyVRP's iterated local search, one independent search per core, the best kept.

PyVRP solves on one thread. Each extra core runs the same search with another seed in a
forked process (the problem data is inherited, not pickled); the calling process runs the
first seed itself, so ``workers`` searches use ``workers`` cores and one fork fewer.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import threading
import time
import warnings
from collections.abc import Sequence

from django.utils.translation import gettext as _
from pyvrp import ProblemData, Solution, SolveParams, solve
from pyvrp.search import NeighbourhoodParams
from pyvrp.stop import MaxRuntime

from digiplace.waste.routing.errors import RoutingInputError

# Set in the parent just before forking; each child reads it instead of unpickling it.
_shared_data: ProblemData | None = None
_fork_lock = threading.Lock()

# Each client's moves are tried with its 30 nearest neighbours, not PyVRP's default 50: in a
# minute the cheaper local search runs more iterations, which pays on large instances
# (bench/waste_routing.py at 60 s on 2 cores, 5 rounds: average gap 0.44% → 0.39%, X-n1001
# 1.48% → 1.00%; smaller instances move by a tenth of a percent either way, run to run).
NUM_NEIGHBOURS = 30

# 5 rounds: lower gaps than 1 on the X instances in 5 s runs on 2 cores (bench/waste_routing.py).
DEFAULT_ROUNDS = 5
_SHORTEST_ROUND_S = 0.25

# A round behind schedule still searches this long, so that it returns a solution.
_MINIMUM_ROUND_S = 0.05


def available_cores() -> int:
    """Cores this process may run on (the affinity mask where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _one_search(
    data: ProblemData, seconds: float, seed: int, initial: Solution | None = None
) -> Solution:
    with warnings.catch_warnings():
        # PyVRP warns when it struggles to find a feasible solution; the caller reports that.
        warnings.simplefilter("ignore")
        result = solve(
            data,
            MaxRuntime(seconds),
            seed=seed,
            collect_stats=False,
            display=False,
            params=SolveParams(neighbourhood=NeighbourhoodParams(num_neighbours=NUM_NEIGHBOURS)),
            initial_solution=initial,
        )
    return result.best


def _child_search(seconds: float, seed: int, initial: Solution | None) -> Solution:
    assert _shared_data is not None  # set by the parent before the fork
    return _one_search(_shared_data, seconds, seed, initial)


def _can_fork() -> bool:
    """Forking needs the fork start method and a process allowed children (not a daemon)."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )


def _rank(solution: Solution) -> tuple[bool, int, int, int, int]:
    """Feasible first; then fewer missing clients, less excess load, less overtime; shorter."""
    return (
        not solution.is_feasible(),
        solution.num_missing_clients(),
        sum(solution.excess_load()),
        solution.time_warp(),
        solution.distance(),
    )


def best_solution(
    data: ProblemData,
    *,
    seconds: float,
    seed: int = 0,
    workers: int | None = None,
    rounds: int = DEFAULT_ROUNDS,
) -> Solution:
    """Run ``workers`` searches (default: every available core) for ``seconds``, keep the best.

    With ``rounds`` above 1 the time is cut into that many rounds; each round's searches all
    start from the best solution of the round before (new seeds each round), so the cores
    share what they found instead of each following its own run to the end. Rounds are
    never shorter than a quarter of a second: a short limit gets fewer of them.
    """
    if not (math.isfinite(seconds) and seconds > 0):
        raise RoutingInputError(_("The time limit must be a positive number of seconds."))
    count = available_cores() if workers is None else workers
    if count < 1:
        raise RoutingInputError(_("At least one search must run."))
    if rounds < 1:
        raise RoutingInputError(_("At least one round must run."))
    rounds = max(1, min(rounds, int(seconds / _SHORTEST_ROUND_S)))
    if not _can_fork():
        count = 1
    # Each round gets an equal share of the time left, so the set-up each search repeats
    # (neighbourhoods, forks) is paid from the budget rather than added to it.
    deadline = time.monotonic() + seconds
    best: Solution | None = None
    for round_number in range(rounds):
        share = max((deadline - time.monotonic()) / (rounds - round_number), _MINIMUM_ROUND_S)
        seeds = [seed + (round_number * count) + offset for offset in range(count)]
        found = _searches(data, share, seeds, best)
        best = min(found if best is None else [best, *found], key=_rank)
    assert best is not None
    return best


def _searches(
    data: ProblemData, seconds: float, seeds: Sequence[int], initial: Solution | None
) -> list[Solution]:
    """One search per seed, side by side: the first here, the others in forked processes."""
    if len(seeds) == 1:
        return [_one_search(data, seconds, seeds[0], initial)]
    with _fork_lock:  # one set of children at a time: they read the one shared slot
        return _forked_searches(data, seconds, seeds, initial)


def _forked_searches(
    data: ProblemData, seconds: float, seeds: Sequence[int], initial: Solution | None
) -> list[Solution]:
    global _shared_data
    _shared_data = data
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(processes=len(seeds) - 1) as pool:
            pending = [
                pool.apply_async(_child_search, (seconds, child, initial)) for child in seeds[1:]
            ]
            solutions = [_one_search(data, seconds, seeds[0], initial)]
            solutions.extend(job.get() for job in pending)
    finally:
        _shared_data = None
    return solutions
