"""Participatory-budgeting rules against pabutools on real Pabulib elections (issue #10).

Prints, in one run:
- the Method of Equal Shares without completion on Poland_Lodz_2022.pb (90,494 voters,
  160 projects), for this module and for pabutools: times, the speed-up (goal: at least 50x)
  and whether the outcomes are the same;
- the Method of Equal Shares with add1 completion on Poland_Swiecie_2023.pb and
  Netherlands_Amsterdam_621.pb, both implementations.

Times are wall-clock seconds of one process on an otherwise idle core: for this module the
best of three runs, for pabutools one run (each pabutools run is in a child process, stopped
after --pabutools-timeout seconds, which is then reported as such). "rule" is the count from
parsed data (for this module including the grouping of ballots); file parsing is shown apart.

    python bench/pb_rules.py [--pabutools-timeout SECONDS] [--parallel] [--only-ours]
"""

from __future__ import annotations

import argparse
import multiprocessing
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
    rule_s: float
    selected: frozenset[str]


def ours(path: Path, completion: Completion) -> Timing:
    started = time.perf_counter()
    parsed = election_read(path)
    parse_s = time.perf_counter() - started
    best = float("inf")
    selected: frozenset[str] = frozenset()
    for _ in range(3):
        started = time.perf_counter()
        outcome = equal_shares_select(approval_election_from_pabulib(parsed), completion=completion)
        best = min(best, time.perf_counter() - started)
        selected = frozenset(outcome.selected)
    return Timing(parse_s, best, selected)


def pabutools_child(path: str, completion: str, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import method_of_equal_shares

    started = time.perf_counter()
    instance, profile = parse_pabulib(path)
    parse_s = time.perf_counter() - started
    started = time.perf_counter()
    increment = 1 if completion == "add1" else None
    outcome = method_of_equal_shares(
        instance, profile, sat_class=Cost_Sat, voter_budget_increment=increment
    )
    rule_s = time.perf_counter() - started
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


def pabutools_wait(
    process: multiprocessing.Process,
    results: multiprocessing.Queue,  # type: ignore[type-arg]
    deadline: float,
) -> Timing | None:
    try:
        parse_s, rule_s, selected = results.get(timeout=max(0.0, deadline - time.monotonic()))
    except Exception:  # queue.Empty: the run did not finish in time
        process.terminate()
        process.join()
        return None
    process.join()
    return Timing(parse_s, rule_s, frozenset(selected))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pabutools-timeout", type=float, default=1800.0)
    parser.add_argument(
        "--parallel", action="store_true", help="run the pabutools children at the same time"
    )
    parser.add_argument("--only-ours", action="store_true", help="skip pabutools")
    arguments = parser.parse_args()
    timeout = arguments.pabutools_timeout

    children = {}
    if not arguments.only_ours and arguments.parallel:
        for name, completion in CASES:
            children[name] = (*pabutools_start(DATA / name, completion), time.monotonic() + timeout)

    for name, completion in CASES:
        label = "without completion" if completion == "none" else "with add1 completion"
        print(f"\nMethod of Equal Shares {label}, {name}")
        mine = ours(DATA / name, completion)
        print(
            f"  this module: rule {mine.rule_s:.3f} s (parse {mine.parse_s:.2f} s), "
            f"{len(mine.selected)} projects selected"
        )
        if arguments.only_ours:
            continue
        if name not in children:
            children[name] = (*pabutools_start(DATA / name, completion), time.monotonic() + timeout)
        process, results, deadline = children[name]
        reference = pabutools_wait(process, results, deadline)
        if reference is None:
            print(f"  pabutools:   did not finish in {timeout:.0f} s")
            if completion == "none":
                print(f"  speed-up:    more than {timeout / mine.rule_s:.0f}x (goal {GOAL}x)")
            print("  same outcome: unknown (pabutools did not finish)")
            continue
        print(
            f"  pabutools:   rule {reference.rule_s:.3f} s (parse {reference.parse_s:.2f} s), "
            f"{len(reference.selected)} projects selected"
        )
        speed_up = reference.rule_s / mine.rule_s
        goal = (
            f" (goal {GOAL}x: {'met' if speed_up >= GOAL else 'NOT met'})"
            if completion == "none"
            else ""
        )
        print(f"  speed-up:    {speed_up:.0f}x{goal}")
        print(f"  same outcome: {'yes' if reference.selected == mine.selected else 'no'}")


if __name__ == "__main__":
    main()
