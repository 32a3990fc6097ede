"""Participatory-budgeting rules against pabutools on real Pabulib elections (issue #10).

Prints, in one run:
- the Method of Equal Shares without completion on Poland_Lodz_2022.pb (90,494 voters,
  160 projects), for this module and for pabutools: times, the speed-up (goal: at least 50x)
  and whether the outcomes are the same;
- the Method of Equal Shares with add1 completion on Poland_Swiecie_2023.pb and
  Netherlands_Amsterdam_621.pb, both implementations.

Times are CPU seconds of the process doing the count (comparable even when the machine's
cores are shared): for this module the best of three runs, for pabutools one run, in a child
process stopped after --pabutools-timeout wall-clock seconds (then reported as such, with
the CPU time it had used). "rule" is the count from parsed data (for this module including
the grouping of ballots); parsing the file is shown apart.

    python bench/pb_rules.py [--pabutools-timeout SECONDS] [--parallel] [--only-ours]
"""

from __future__ import annotations

import argparse
import multiprocessing
import queue
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digiplace.participation.budgeting.pabulib import election_read  # noqa: E402
from digiplace.participation.budgeting.rules import (  # noqa: E402
    Completion,
    approval_election_from_pabulib,
    equal_shares_select,
)

DATA = ROOT.parent / "shared" / "data" / "pabulib"
CASES: list[tuple[str, Completion]] = [
    ("Poland_Lodz_2022.pb", "none"),
    ("Poland_Swiecie_2023.pb", "add1"),
    ("Netherlands_Amsterdam_621.pb", "add1"),
]
GOAL = 50


@dataclass
class Timing:
    parse_s: float
    rule_s: float  # CPU seconds of the count alone
    selected: frozenset[str]


def ours(path: Path, completion: Completion) -> Timing:
    started = time.process_time()
    parsed = election_read(path)
    parse_s = time.process_time() - started
    best = float("inf")
    selected: frozenset[str] = frozenset()
    for _ in range(3):
        started = time.process_time()
        outcome = equal_shares_select(approval_election_from_pabulib(parsed), completion=completion)
        best = min(best, time.process_time() - started)
        selected = frozenset(outcome.selected)
    return Timing(parse_s, best, selected)


def pabutools_child(path: str, completion: str, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import method_of_equal_shares

    started = time.process_time()
    instance, profile = parse_pabulib(path)
    parse_s = time.process_time() - started
    started = time.process_time()
    increment = 1 if completion == "add1" else None
    outcome = method_of_equal_shares(
        instance, profile, sat_class=Cost_Sat, voter_budget_increment=increment
    )
    rule_s = time.process_time() - started
    results.put((parse_s, rule_s, sorted(project.name for project in outcome)))


def pabutools_start(
    path: Path, completion: Completion
) -> tuple[multiprocessing.Process, multiprocessing.Queue]:  # type: ignore[type-arg]
    results: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    process = multiprocessing.Process(
        target=pabutools_child, args=(str(path), completion, results), daemon=True
    )
    process.start()
    return process, results


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def pabutools_wait(
    process: multiprocessing.Process,
    results: multiprocessing.Queue,  # type: ignore[type-arg]
    deadline: float,
) -> Timing | float:
    """The child's figures, or the CPU seconds it had used when it was stopped at the deadline."""
    try:
        parse_s, rule_s, selected = results.get(timeout=max(0.0, deadline - time.monotonic()))
    except queue.Empty:
        before = children_cpu_s()
        process.terminate()
        process.join()
        return children_cpu_s() - before
    process.join()
    return Timing(parse_s, rule_s, frozenset(selected))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pabutools-timeout", type=float, default=1800.0, metavar="SECONDS")
    parser.add_argument(
        "--parallel",
        action="store_true",
        help="run the three pabutools counts at the same time (CPU times stay comparable)",
    )
    parser.add_argument("--only-ours", action="store_true", help="skip pabutools")
    arguments = parser.parse_args()
    timeout = arguments.pabutools_timeout

    mine = {}
    print("This module (CPU seconds, best of 3):")
    for name, completion in CASES:
        mine[name] = ours(DATA / name, completion)
        print(
            f"  {name} ({completion_label(completion)}): rule {mine[name].rule_s:.3f} s "
            f"(parse {mine[name].parse_s:.2f} s), {len(mine[name].selected)} projects selected",
            flush=True,
        )
    if arguments.only_ours:
        return

    children = {}
    if arguments.parallel:
        for name, completion in CASES:
            children[name] = (*pabutools_start(DATA / name, completion), time.monotonic() + timeout)
    for name, completion in CASES:
        if name not in children:
            children[name] = (*pabutools_start(DATA / name, completion), time.monotonic() + timeout)
        reference = pabutools_wait(*children[name])
        own = mine[name]
        print(f"\nMethod of Equal Shares {completion_label(completion)}, {name}")
        print(f"  this module: {own.rule_s:.3f} s CPU, {len(own.selected)} projects selected")
        if isinstance(reference, float):
            print(
                f"  pabutools:   did not finish in {timeout:.0f} s "
                f"(stopped after {reference:.0f} s of CPU, parsing included)"
            )
            print(f"  speed-up:    more than {reference / own.rule_s:.0f}x")
            print("  same outcome: unknown (pabutools did not finish)", flush=True)
            continue
        print(
            f"  pabutools:   {reference.rule_s:.3f} s CPU (parse {reference.parse_s:.2f} s), "
            f"{len(reference.selected)} projects selected"
        )
        speed_up = reference.rule_s / own.rule_s
        goal = ""
        if completion == "none":
            goal = f" (goal {GOAL}x: {'met' if speed_up >= GOAL else 'NOT met'})"
        print(f"  speed-up:    {speed_up:.0f}x{goal}")
        print(
            f"  same outcome: {'yes' if reference.selected == own.selected else 'no'}", flush=True
        )


def completion_label(completion: Completion) -> str:
    return "without completion" if completion == "none" else "with add1 completion"


if __name__ == "__main__":
    main()
