"""The platform's collection-planning problem: a depot, stops with a demand, a fleet.

Data in, data out: ``plan_routes(problem)`` checks what makes a plan impossible before solving
(and says what to change), solves with PyVRP, then reports any capacity or shift excess the
best solution found still has. Matrix index 0 is the depot, index ``i`` the stop
``problem.stops[i - 1]``.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from pyvrp import Client, Depot, Location, ProblemData, Solution, VehicleType

from digiplace.waste.routing.errors import RoutingInputError
from digiplace.waste.routing.matrices import TravelMatrix
from digiplace.waste.routing.search import DEFAULT_ROUNDS, best_solution

DEFAULT_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Stop:
    """A place to collect: ``demand`` in the fleet's unit (litres, kilograms)."""

    id: str
    demand: int
    service_seconds: int = 0


@dataclass(frozen=True, slots=True)
class Fleet:
    trucks: int
    capacity: int
    shift_minutes: int


@dataclass(frozen=True, slots=True)
class PlanningProblem:
    stops: tuple[Stop, ...]
    fleet: Fleet
    matrix: TravelMatrix


class InfeasibilityKind(enum.StrEnum):
    FLEET_CAPACITY = "fleet_capacity"
    STOP_ABOVE_CAPACITY = "stop_above_capacity"
    STOP_BEYOND_SHIFT = "stop_beyond_shift"
    ROUTE_OVER_CAPACITY = "route_over_capacity"
    ROUTE_OVER_SHIFT = "route_over_shift"
    TOO_FEW_TRUCKS = "too_few_trucks"


@dataclass(frozen=True, slots=True)
class Infeasibility:
    """Why a plan cannot be kept, and what to change, in ``message`` (translated).

    ``amount`` is in the kind's unit: demand units for capacity, seconds for shifts, trucks for
    a fleet too small. ``stop_id`` / ``truck`` (1-based) say where, when it is one place.
    """

    kind: InfeasibilityKind
    message: str
    amount: int
    stop_id: str | None = None
    truck: int | None = None


@dataclass(frozen=True, slots=True)
class PlannedRoute:
    truck: int
    stop_ids: tuple[str, ...]
    distance_m: int
    duration_s: int
    load: int


@dataclass(frozen=True, slots=True)
class RoutePlan:
    """Routes found (none when the problem was refused before solving) and why not feasible."""

    routes: tuple[PlannedRoute, ...]
    total_distance_m: int
    total_duration_s: int
    is_feasible: bool
    reasons: tuple[Infeasibility, ...]


def _minutes(seconds: int) -> int:
    return math.ceil(seconds / 60)


def validate_problem(problem: PlanningProblem) -> None:
    """Raise RoutingInputError on data that is wrong rather than merely infeasible."""
    fleet = problem.fleet
    if fleet.trucks < 1:
        raise RoutingInputError(_("The fleet needs at least one truck."))
    if fleet.capacity < 1:
        raise RoutingInputError(_("A truck's capacity must be positive."))
    if fleet.shift_minutes < 1:
        raise RoutingInputError(_("A shift must last at least a minute."))
    if not problem.stops:
        raise RoutingInputError(_("There is nothing to collect: no stops."))
    if problem.matrix.size != len(problem.stops) + 1:
        raise RoutingInputError(
            _("The matrices have %(size)d rows; the depot and %(stops)d stops need %(needed)d.")
            % {
                "size": problem.matrix.size,
                "stops": len(problem.stops),
                "needed": len(problem.stops) + 1,
            }
        )
    seen: set[str] = set()
    for stop in problem.stops:
        if stop.id in seen:
            raise RoutingInputError(_("Stop %(stop)s is listed twice.") % {"stop": stop.id})
        seen.add(stop.id)
        if stop.demand < 0 or stop.service_seconds < 0:
            raise RoutingInputError(
                _("Stop %(stop)s has a negative demand or service time.") % {"stop": stop.id}
            )


def check_before_solving(problem: PlanningProblem) -> tuple[Infeasibility, ...]:
    """What makes any plan impossible, whatever the routes: each with what to change."""
    validate_problem(problem)
    fleet = problem.fleet
    shift_s = fleet.shift_minutes * 60
    reasons: list[Infeasibility] = []
    total = sum(stop.demand for stop in problem.stops)
    fleet_capacity = fleet.trucks * fleet.capacity
    if total > fleet_capacity:
        more_trucks = math.ceil(total / fleet.capacity) - fleet.trucks
        capacity_needed = math.ceil(total / fleet.trucks)
        reasons.append(
            Infeasibility(
                kind=InfeasibilityKind.FLEET_CAPACITY,
                amount=total - fleet_capacity,
                message=ngettext(
                    "The stops hold %(total)d, the fleet carries %(fleet)d: add %(count)d truck"
                    " or raise each truck's capacity to %(capacity)d.",
                    "The stops hold %(total)d, the fleet carries %(fleet)d: add %(count)d trucks"
                    " or raise each truck's capacity to %(capacity)d.",
                    more_trucks,
                )
                % {
                    "total": total,
                    "fleet": fleet_capacity,
                    "count": more_trucks,
                    "capacity": capacity_needed,
                },
            )
        )
    durations = problem.matrix.durations
    for index, stop in enumerate(problem.stops, start=1):
        if stop.demand > fleet.capacity:
            reasons.append(
                Infeasibility(
                    kind=InfeasibilityKind.STOP_ABOVE_CAPACITY,
                    amount=stop.demand - fleet.capacity,
                    stop_id=stop.id,
                    message=_(
                        "Stop %(stop)s holds %(demand)d, more than a truck carries (%(capacity)d):"
                        " raise the capacity to %(demand)d or split the stop."
                    )
                    % {"stop": stop.id, "demand": stop.demand, "capacity": fleet.capacity},
                )
            )
        round_trip = int(durations[0, index] + durations[index, 0]) + stop.service_seconds
        if round_trip > shift_s:
            reasons.append(
                Infeasibility(
                    kind=InfeasibilityKind.STOP_BEYOND_SHIFT,
                    amount=round_trip - shift_s,
                    stop_id=stop.id,
                    message=_(
                        "Stop %(stop)s takes %(needed)d minutes there and back, longer than a"
                        " %(shift)d-minute shift: lengthen the shift to %(needed)d minutes."
                    )
                    % {
                        "stop": stop.id,
                        "needed": _minutes(round_trip),
                        "shift": fleet.shift_minutes,
                    },
                )
            )
    return tuple(reasons)


def problem_data(problem: PlanningProblem) -> ProblemData:
    """PyVRP's data; locations have no coordinates the solver needs (matrices given)."""
    fleet = problem.fleet
    size = problem.matrix.size
    locations = [Location(x=0, y=0) for _index in range(size)]
    clients = [
        Client(location=index, delivery=[stop.demand], service_duration=stop.service_seconds)
        for index, stop in enumerate(problem.stops, start=1)
    ]
    vehicle = VehicleType(
        num_available=fleet.trucks,
        capacity=[fleet.capacity],
        shift_duration=fleet.shift_minutes * 60,
    )
    # PyVRP's stubs type matrices as ndarray[int]; numpy's own types do not match that.
    distances: list[Any] = [np.ascontiguousarray(problem.matrix.distances, dtype=np.int64)]
    durations: list[Any] = [np.ascontiguousarray(problem.matrix.durations, dtype=np.int64)]
    return ProblemData(locations, clients, [Depot(location=0)], [vehicle], distances, durations)


def _reasons_after(
    problem: PlanningProblem, solution: Solution, routes: tuple[PlannedRoute, ...]
) -> list[Infeasibility]:
    fleet = problem.fleet
    reasons: list[Infeasibility] = []
    for route, planned in zip(solution.routes(), routes, strict=True):
        excess_load = int(route.excess_load()[0])
        if excess_load > 0:
            reasons.append(
                Infeasibility(
                    kind=InfeasibilityKind.ROUTE_OVER_CAPACITY,
                    amount=excess_load,
                    truck=planned.truck,
                    message=_(
                        "Truck %(truck)d would carry %(load)d, %(excess)d above its capacity of"
                        " %(capacity)d: add a truck or raise the capacity to %(load)d."
                    )
                    % {
                        "truck": planned.truck,
                        "load": planned.load,
                        "excess": excess_load,
                        "capacity": fleet.capacity,
                    },
                )
            )
        overtime = int(route.time_warp())
        if overtime > 0:
            reasons.append(
                Infeasibility(
                    kind=InfeasibilityKind.ROUTE_OVER_SHIFT,
                    amount=overtime,
                    truck=planned.truck,
                    message=_(
                        "Truck %(truck)d would need %(excess)d minutes more than its"
                        " %(shift)d-minute shift: add a truck or lengthen the shift to"
                        " %(needed)d minutes."
                    )
                    % {
                        "truck": planned.truck,
                        "excess": _minutes(overtime),
                        "shift": fleet.shift_minutes,
                        "needed": fleet.shift_minutes + _minutes(overtime),
                    },
                )
            )
    missing = solution.num_missing_clients()
    if missing:
        reasons.append(
            Infeasibility(
                kind=InfeasibilityKind.TOO_FEW_TRUCKS,
                amount=missing,
                message=ngettext(
                    "%(count)d stop could not be planned: add a truck.",
                    "%(count)d stops could not be planned: add a truck.",
                    missing,
                )
                % {"count": missing},
            )
        )
    return reasons


def plan_routes(
    problem: PlanningProblem,
    *,
    seconds: float = DEFAULT_SECONDS,
    seed: int = 0,
    workers: int | None = None,
    rounds: int = DEFAULT_ROUNDS,
) -> RoutePlan:
    """Plan the day: routes per truck, or the reasons no plan can be kept and what to change.

    When the checks before solving find a reason, nothing is solved (no routes). Otherwise the
    best solution found is returned even if it breaks a limit, with ``is_feasible`` False and
    the trucks that break it in ``reasons``.
    """
    if not (math.isfinite(seconds) and seconds > 0):
        raise RoutingInputError(_("The time limit must be a positive number of seconds."))
    reasons = check_before_solving(problem)
    if reasons:
        return RoutePlan(
            routes=(),
            total_distance_m=0,
            total_duration_s=0,
            is_feasible=False,
            reasons=reasons,
        )
    solution = best_solution(
        problem_data(problem), seconds=seconds, seed=seed, workers=workers, rounds=rounds
    )
    routes = tuple(
        PlannedRoute(
            truck=truck,
            stop_ids=tuple(
                problem.stops[activity.idx].id for activity in route if activity.is_client()
            ),
            distance_m=int(route.distance()),
            duration_s=int(route.duration()),
            load=int(route.delivery()[0]),
        )
        for truck, route in enumerate(solution.routes(), start=1)
    )
    after = _reasons_after(problem, solution, routes)
    return RoutePlan(
        routes=routes,
        total_distance_m=int(solution.distance()),
        total_duration_s=int(solution.duration()),
        is_feasible=solution.is_feasible() and not after,
        reasons=tuple(after),
    )
