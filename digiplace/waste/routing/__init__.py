"""Collection routing (issue #12): CVRPLIB files, travel matrices, and plans solved by PyVRP.

The module's facade: import from here, not from the submodules.
"""

from digiplace.waste.routing.cvrp import solve_cvrp
from digiplace.waste.routing.cvrplib import (
    CvrpInstance,
    CvrpSolution,
    format_solution,
    parse_instance,
    parse_solution,
    read_instance,
    read_solution,
    routes_cost,
)
from digiplace.waste.routing.errors import DistanceServiceError, RoutingError, RoutingInputError
from digiplace.waste.routing.matrices import (
    GeoPoint,
    OsrmClient,
    TravelMatrix,
    straight_line_matrix,
    travel_matrix,
)
from digiplace.waste.routing.planning import (
    Fleet,
    Infeasibility,
    InfeasibilityKind,
    PlannedRoute,
    PlanningProblem,
    RoutePlan,
    Stop,
    check_before_solving,
    plan_routes,
)
from digiplace.waste.routing.search import DEFAULT_ROUNDS, available_cores

__all__ = [
    "DEFAULT_ROUNDS",
    "CvrpInstance",
    "CvrpSolution",
    "DistanceServiceError",
    "Fleet",
    "GeoPoint",
    "Infeasibility",
    "InfeasibilityKind",
    "OsrmClient",
    "PlannedRoute",
    "PlanningProblem",
    "RoutePlan",
    "RoutingError",
    "RoutingInputError",
    "Stop",
    "TravelMatrix",
    "available_cores",
    "check_before_solving",
    "format_solution",
    "parse_instance",
    "parse_solution",
    "plan_routes",
    "read_instance",
    "read_solution",
    "routes_cost",
    "solve_cvrp",
    "straight_line_matrix",
    "travel_matrix",
]
