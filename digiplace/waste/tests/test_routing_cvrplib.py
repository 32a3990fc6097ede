"""CVRPLIB files: the X instances and their best-known solutions read back, bad files named."""

from __future__ import annotations

from pathlib import Path

import pytest

from digiplace.waste.routing import (
    CvrpSolution,
    RoutingInputError,
    format_solution,
    parse_instance,
    parse_solution,
    read_instance,
    read_solution,
    routes_cost,
)

VRP_DIR = Path(__file__).resolve().parents[4] / "shared" / "data" / "vrp"
INSTANCES = sorted(path.stem for path in VRP_DIR.glob("*.vrp"))

SMALL = """NAME : tiny
TYPE : CVRP
DIMENSION : 4
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
1 0 0
2 3 4
3 -3 4
4 0 -2
DEMAND_SECTION
1 0
2 4
3 5
4 6
DEPOT_SECTION
1
-1
EOF
"""


def test_the_shared_instances_are_there() -> None:
    assert len(INSTANCES) == 6


@pytest.mark.parametrize("name", INSTANCES)
def test_each_best_known_solution_costs_what_it_states(name: str) -> None:
    # Given an X instance and its best-known solution
    instance = read_instance(VRP_DIR / f"{name}.vrp")
    best = read_solution(VRP_DIR / f"{name}.sol")
    # Then the header's dimension is the node count, and the rounded distances give the cost
    assert instance.name == name
    assert instance.dimension == int(name.split("-n")[1].split("-")[0])
    assert routes_cost(instance, best.routes) == best.cost
    # And every customer is served once within capacity
    served = sorted(customer for route in best.routes for customer in route)
    assert served == list(range(1, instance.dimension))
    for route in best.routes:
        assert sum(instance.demands[customer] for customer in route) <= instance.capacity


def test_a_small_instance_is_read_with_nint_distances() -> None:
    instance = parse_instance(SMALL)
    assert instance.capacity == 10
    assert instance.coordinates[2] == (-3.0, 4.0)
    assert instance.demands == (0, 4, 5, 6)
    distances = instance.distance_matrix()
    assert distances[0, 1] == 5
    assert distances[1, 2] == 6
    assert distances[2, 3] == 7  # sqrt(45) = 6.708 rounds up
    assert routes_cost(instance, ((1, 2), (3,))) == 5 + 6 + 5 + 2 + 2


def test_a_solution_written_reads_back_the_same() -> None:
    solution = CvrpSolution(routes=((1, 2), (3,)), cost=20)
    text = format_solution(solution)
    assert text == "Route #1: 1 2\nRoute #2: 3\nCost 20\n"
    assert parse_solution(text) == solution


@pytest.mark.parametrize(
    ("bad", "line", "problem"),
    [
        (SMALL.replace("2 3 4", "2 3 four"), 8, "“four” is not a number"),
        (SMALL.replace("3 5\n", "3 five\n"), 14, "“five” is not a whole number"),
        (SMALL.replace("CAPACITY : 10", "CAPACITY : 0"), 5, "the capacity must be positive"),
        (SMALL.replace("EUC_2D", "GEO"), 4, "only EUC_2D distances are supported, not GEO"),
        (SMALL.replace("4 0 -2\n", ""), 6, "NODE_COORD_SECTION must list nodes 1 to 4"),
        (SMALL.replace("4 6\n", "4 -6\n"), 15, "a demand cannot be negative"),
        ("hello world\n", 1, "this line is not part of any section"),
    ],
)
def test_a_bad_instance_is_refused_naming_its_line(bad: str, line: int, problem: str) -> None:
    with pytest.raises(RoutingInputError, match=f"tiny.vrp, line {line}: {problem}"):
        parse_instance(bad, source="tiny.vrp")


def test_a_bad_solution_is_refused_naming_its_line() -> None:
    with pytest.raises(RoutingInputError, match=r"x.sol, line 2: expected “Route #k: …”"):
        parse_solution("Route #1: 1 2\nRoutes 3\nCost 5\n", source="x.sol")
    with pytest.raises(RoutingInputError, match="the Cost line is missing"):
        parse_solution("Route #1: 1 2\n", source="x.sol")
    with pytest.raises(RoutingInputError, match="“b” is not a whole number"):
        parse_solution("Route #1: 1 b\nCost 5\n", source="x.sol")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(RoutingInputError, match=r"absent\.vrp cannot be read"):
        read_instance(tmp_path / "absent.vrp")
