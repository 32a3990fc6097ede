"""Solve a CVRPLIB instance with the engine (the ``vrp_solve`` command, tests, bench/)."""

from __future__ import annotations

from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from pyvrp import Client, Depot, Location, ProblemData, VehicleType

from digiplace.waste.routing.cvrplib import CvrpInstance, CvrpSolution
from digiplace.waste.routing.errors import RoutingError
from digiplace.waste.routing.search import DEFAULT_ROUNDS, best_solution


def cvrp_problem_data(instance: CvrpInstance) -> ProblemData:
    """PyVRP's data: depot at location 0, customer ``i`` at location ``i``, unlimited trucks."""
    distances = instance.distance_matrix()
    locations = [Location(x=x, y=y) for x, y in instance.coordinates]
    clients = [
        Client(location=node, delivery=[instance.demands[node]])
        for node in range(1, instance.dimension)
    ]
    fleet = VehicleType(num_available=instance.dimension - 1, capacity=[instance.capacity])
    # PyVRP's stubs type matrices as ndarray[int]; numpy's own types do not match that.
    distance_matrices: list[Any] = [distances]
    duration_matrices: list[Any] = [np.zeros_like(distances)]
    return ProblemData(
        locations, clients, [Depot(location=0)], [fleet], distance_matrices, duration_matrices
    )


def solve_cvrp(
    instance: CvrpInstance,
    *,
    seconds: float,
    seed: int = 0,
    workers: int | None = None,
    rounds: int = DEFAULT_ROUNDS,
) -> CvrpSolution:
    """The best routes found in ``seconds`` (on ``workers`` cores), in ``.sol`` numbering.

    ``rounds``: see ``search.best_solution`` (the cores restart from the best so far).

    Raises RoutingError when no feasible solution was found (a customer above capacity).
    """
    solution = best_solution(
        cvrp_problem_data(instance), seconds=seconds, seed=seed, workers=workers, rounds=rounds
    )
    if not solution.is_feasible():
        raise RoutingError(
            _("No feasible solution found for %(name)s in %(seconds)s s.")
            % {"name": instance.name, "seconds": seconds}
        )
    # Client index i is node i + 1, whose .sol number is i + 1 as well (node number minus one).
    routes = tuple(
        tuple(activity.idx + 1 for activity in route if activity.is_client())
        for route in solution.routes()
    )
    return CvrpSolution(routes=routes, cost=int(solution.distance()))
