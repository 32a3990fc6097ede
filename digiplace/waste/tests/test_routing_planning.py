"""Planning a collection day on a small made-up city; infeasible days say what to change."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from digiplace.waste.routing import (
    Fleet,
    GeoPoint,
    InfeasibilityKind,
    PlanningProblem,
    RoutingInputError,
    Stop,
    TravelMatrix,
    check_before_solving,
    plan_routes,
    straight_line_matrix,
)

DEPOT = GeoPoint(45.7489, 21.2087)
# Eight stops on a ring about 2 km around the depot.
STOP_POINTS = [
    GeoPoint(
        DEPOT.latitude + 0.018 * math.cos(angle),
        DEPOT.longitude + 0.026 * math.sin(angle),
    )
    for angle in np.linspace(0, 2 * math.pi, 8, endpoint=False)
]


def problem(
    *,
    demands: list[int] | None = None,
    trucks: int = 2,
    capacity: int = 1000,
    shift_minutes: int = 240,
    service_seconds: int = 120,
) -> PlanningProblem:
    demands = demands or [200] * len(STOP_POINTS)
    stops = tuple(
        Stop(id=f"P{index}", demand=demand, service_seconds=service_seconds)
        for index, demand in enumerate(demands, start=1)
    )
    return PlanningProblem(
        stops=stops,
        fleet=Fleet(trucks=trucks, capacity=capacity, shift_minutes=shift_minutes),
        matrix=straight_line_matrix([DEPOT, *STOP_POINTS[: len(stops)]]),
    )


def test_the_straight_line_matrix_is_haversine_times_the_road_factor() -> None:
    # Timișoara's Piața Victoriei to Piața Unirii: about 620 m as the crow flies
    points = [GeoPoint(45.7537, 21.2257), GeoPoint(45.7580, 21.2290)]
    plain = straight_line_matrix(points, road_factor=1.0, speed_kmh=36.0)
    assert 530 < plain.distances[0, 1] < 560
    assert plain.durations[0, 1] == round(plain.distances[0, 1] / 10)
    by_road = straight_line_matrix(points)
    assert by_road.distances[0, 1] == pytest.approx(1.3 * plain.distances[0, 1], abs=1)
    assert by_road.distances[0, 0] == 0
    assert by_road.distances[1, 0] == by_road.distances[0, 1]


def test_a_feasible_day_serves_every_stop_once_within_limits() -> None:
    day = problem()
    plan = plan_routes(day, seconds=0.5, workers=1)
    assert plan.is_feasible
    assert plan.reasons == ()
    served = sorted(stop_id for route in plan.routes for stop_id in route.stop_ids)
    assert served == sorted(stop.id for stop in day.stops)
    assert len(plan.routes) <= 2
    demand = {stop.id: stop.demand for stop in day.stops}
    for route in plan.routes:
        assert route.load == sum(demand[stop_id] for stop_id in route.stop_ids) <= 1000
        assert route.duration_s <= 240 * 60
        indices = [0, *(int(stop_id[1:]) for stop_id in route.stop_ids), 0]
        legs = itertools.pairwise(indices)
        assert route.distance_m == sum(int(day.matrix.distances[a, b]) for a, b in legs)
    assert plan.total_distance_m == sum(route.distance_m for route in plan.routes)


def test_too_little_fleet_capacity_says_how_many_trucks_or_what_capacity() -> None:
    # 8 x 300 = 2400 to collect, 2 trucks of 1000
    reasons = check_before_solving(problem(demands=[300] * 8))
    assert [reason.kind for reason in reasons] == [InfeasibilityKind.FLEET_CAPACITY]
    assert reasons[0].amount == 400
    assert reasons[0].message == (
        "The stops hold 2400, the fleet carries 2000: add 1 truck"
        " or raise each truck's capacity to 1200."
    )


def test_a_stop_above_a_truck_and_a_stop_beyond_the_shift_are_named() -> None:
    # Given a stop that alone overfills a truck and a 10-minute shift
    day = problem(demands=[1500, 100, 100], trucks=3, shift_minutes=10)
    # When the plan is made
    plan = plan_routes(day, seconds=0.5, workers=1)
    # Then nothing is solved, and each reason names its stop and what to change
    assert plan.routes == ()
    assert not plan.is_feasible
    kinds = [(reason.kind, reason.stop_id) for reason in plan.reasons]
    assert (InfeasibilityKind.STOP_ABOVE_CAPACITY, "P1") in kinds
    above = next(r for r in plan.reasons if r.kind == InfeasibilityKind.STOP_ABOVE_CAPACITY)
    assert above.amount == 500
    assert above.message == (
        "Stop P1 holds 1500, more than a truck carries (1000): raise the capacity to 1500"
        " or split the stop."
    )
    beyond = [r for r in plan.reasons if r.kind == InfeasibilityKind.STOP_BEYOND_SHIFT]
    assert {reason.stop_id for reason in beyond} == {"P1", "P2", "P3"}
    round_trip = int(day.matrix.durations[0, 2] + day.matrix.durations[2, 0]) + 120
    p2 = next(reason for reason in beyond if reason.stop_id == "P2")
    assert p2.amount == round_trip - 600
    assert p2.message == (
        f"Stop P2 takes {math.ceil(round_trip / 60)} minutes there and back, longer than a"
        f" 10-minute shift: lengthen the shift to {math.ceil(round_trip / 60)} minutes."
    )


def test_a_shift_too_short_for_the_whole_day_is_reported_per_truck() -> None:
    # Given one truck whose shift allows any single stop but not all eight
    day = problem(trucks=1, capacity=5000, shift_minutes=40, service_seconds=300)
    assert check_before_solving(day) == ()
    # When the plan is made
    plan = plan_routes(day, seconds=0.5, workers=1)
    # Then the best routes found come back, marked infeasible, with the truck's overtime
    assert not plan.is_feasible
    assert len(plan.routes) == 1
    assert plan.routes[0].duration_s > 40 * 60
    (reason,) = plan.reasons
    assert reason.kind == InfeasibilityKind.ROUTE_OVER_SHIFT
    assert reason.truck == 1
    assert reason.amount == plan.routes[0].duration_s - 40 * 60
    extra = math.ceil(reason.amount / 60)
    assert reason.message == (
        f"Truck 1 would need {extra} minutes more than its 40-minute shift: add a truck or"
        f" lengthen the shift to {40 + extra} minutes."
    )


def test_tight_capacity_after_solving_names_the_overloaded_truck() -> None:
    # Total 1000 fits 2 x 500 by sum, but 3 x 333 + 1 stop of 1 cannot split into two 500s
    day = problem(demands=[333, 333, 333, 1], trucks=2, capacity=500)
    assert check_before_solving(day) == ()
    plan = plan_routes(day, seconds=0.5, workers=1)
    assert not plan.is_feasible
    overloaded = [r for r in plan.reasons if r.kind == InfeasibilityKind.ROUTE_OVER_CAPACITY]
    assert overloaded
    for reason in overloaded:
        route = plan.routes[reason.truck - 1]  # type: ignore[operator]
        assert reason.amount == route.load - 500
        assert reason.message == (
            f"Truck {reason.truck} would carry {route.load}, {reason.amount} above its capacity"
            f" of 500: add a truck or raise the capacity to {route.load}."
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"trucks": 0}, "The fleet needs at least one truck."),
        ({"capacity": 0}, "A truck's capacity must be positive."),
        ({"shift_minutes": 0}, "A shift must last at least a minute."),
        ({"demands": [-5]}, "Stop P1 has a negative demand or service time."),
    ],
)
def test_wrong_data_is_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(RoutingInputError, match=f"^{message}$"):
        plan_routes(problem(**changes), seconds=0.5, workers=1)  # type: ignore[arg-type]


def test_a_matrix_of_the_wrong_size_is_refused() -> None:
    day = problem()
    small = TravelMatrix(
        distances=np.zeros((3, 3), dtype=np.int64), durations=np.zeros((3, 3), dtype=np.int64)
    )
    with pytest.raises(RoutingInputError, match="The matrices have 3 rows; the depot and 8 stops"):
        plan_routes(PlanningProblem(stops=day.stops, fleet=day.fleet, matrix=small), seconds=0.5)


def test_a_position_off_earth_is_refused() -> None:
    with pytest.raises(RoutingInputError, match="is not a position on Earth"):
        straight_line_matrix([DEPOT, GeoPoint(91.0, 21.0)])


def test_on_two_cores_the_least_infeasible_plan_is_kept() -> None:
    # Given a day one truck cannot finish in its shift, searched on two cores
    day = problem(trucks=1, capacity=5000, shift_minutes=40, service_seconds=300)
    one_core = plan_routes(day, seconds=0.5, seed=5, workers=1)
    two_cores = plan_routes(day, seconds=0.5, seed=5, workers=2)
    # Then both report the same single truck's overtime, and neither adds a violation
    for plan in (one_core, two_cores):
        assert [reason.kind for reason in plan.reasons] == [InfeasibilityKind.ROUTE_OVER_SHIFT]
    # Eight stops on a ring have one best tour; both searches find it
    assert two_cores.routes[0].duration_s == one_core.routes[0].duration_s
