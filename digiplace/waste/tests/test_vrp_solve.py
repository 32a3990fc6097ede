"""``manage.py vrp_solve``: the .sol format on stdout and nothing else; errors as CommandError."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from digiplace.waste.routing import parse_solution, read_instance, routes_cost
from digiplace.waste.tests.test_routing_cvrplib import VRP_DIR

SOL_LINE = re.compile(r"^(Route #(\d+): \d+( \d+)*|Cost \d+)$")


def run(*args: str) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("vrp_solve", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def test_the_solution_is_printed_in_the_sol_format_and_nothing_else() -> None:
    # Given an X instance
    path = VRP_DIR / "X-n157-k13.vrp"
    instance = read_instance(path)
    # When the command solves it for a second
    stdout, stderr = run(str(path), "--seconds", "1", "--seed", "3", "--workers", "1")
    # Then stdout holds only Route lines numbered 1..k, then the Cost line
    lines = stdout.splitlines()
    assert stdout.endswith("\n")
    assert stderr == ""
    assert all(SOL_LINE.match(line) for line in lines), lines
    assert lines[-1].startswith("Cost ")
    numbers = [int(line.split("#")[1].split(":")[0]) for line in lines[:-1]]
    assert numbers == list(range(1, len(lines)))
    # And it parses back: customers 1..n-1 once each, within capacity, the cost their sum
    solution = parse_solution(stdout)
    served = sorted(customer for route in solution.routes for customer in route)
    assert served == list(range(1, instance.dimension))
    for route in solution.routes:
        assert sum(instance.demands[customer] for customer in route) <= instance.capacity
    assert solution.cost == routes_cost(instance, solution.routes)


def test_a_missing_file_is_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"absent\.vrp cannot be read"):
        run(str(tmp_path / "absent.vrp"), "--seconds", "1")


def test_a_bad_file_names_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.vrp"
    bad.write_text("NAME : bad\nDIMENSION : three\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"bad\.vrp, line 2: “three” is not a whole number"):
        run(str(bad), "--seconds", "1")


@pytest.mark.parametrize("seconds", ["0", "-2", "soon", "nan"])
def test_a_bad_time_limit_is_a_command_error(seconds: str) -> None:
    with pytest.raises(CommandError, match="--seconds must be a positive number"):
        run(str(VRP_DIR / "X-n101-k25.vrp"), "--seconds", seconds)


def test_too_many_workers_is_a_command_error() -> None:
    with pytest.raises(CommandError, match="--workers must be between 1 and"):
        run(str(VRP_DIR / "X-n101-k25.vrp"), "--seconds", "1", "--workers", "4096")


def test_zero_rounds_is_a_command_error() -> None:
    with pytest.raises(CommandError, match="--rounds must be at least 1"):
        run(str(VRP_DIR / "X-n101-k25.vrp"), "--seconds", "1", "--rounds", "0")
