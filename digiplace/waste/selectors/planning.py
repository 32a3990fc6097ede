"""Reading plans, routes, stops, depots and trucks, always within one municipality."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet

from digiplace.urbandata.models import Alert, AlertState

from ..models import (
    CollectionPlan,
    Depot,
    Fraction,
    PlanRoute,
    PlanStatus,
    PlanStop,
    Truck,
)

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

# Route colours on the map and in the tables (dark enough for white numbers, told apart
# by the route number too, never by colour alone).
ROUTE_COLOURS = ("#1f5fa8", "#b3261e", "#1e7a3c", "#7a4fa0", "#a35a00", "#00707a", "#5c5c5c")
ROUNDS_STATUSES = (PlanStatus.PUBLISHED, PlanStatus.DONE)


def route_colour_index(number: int) -> int:
    """1 to 7: the route's colour class (``route-colour-N`` in planning.css)."""
    return (number - 1) % len(ROUTE_COLOURS) + 1


def route_colour(number: int) -> str:
    return ROUTE_COLOURS[route_colour_index(number) - 1]


def plans_for_days(
    *, municipality: Municipality, days: list[datetime.date]
) -> QuerySet[CollectionPlan]:
    return (
        CollectionPlan.objects.filter(municipality=municipality, day__in=days)
        .select_related("depot")
        .annotate(route_count=Count("routes", distinct=True))
        .order_by("day", "fraction")
    )


def plan_list(*, municipality: Municipality, limit: int = 30) -> QuerySet[CollectionPlan]:
    return CollectionPlan.objects.filter(municipality=municipality).select_related("depot")[:limit]


def plan_get(*, municipality: Municipality, pk: int) -> CollectionPlan | None:
    return (
        CollectionPlan.objects.filter(municipality=municipality, pk=pk)
        .select_related("depot", "municipality", "created_by")
        .first()
    )


def plan_routes(*, plan: CollectionPlan) -> list[PlanRoute]:
    return list(
        plan.routes.select_related("truck").prefetch_related(
            "stops__container__point", "stops__done_by"
        )
    )


def route_get(*, municipality: Municipality, pk: int) -> PlanRoute | None:
    return (
        PlanRoute.objects.filter(plan__municipality=municipality, pk=pk)
        .select_related("plan", "plan__depot", "plan__municipality", "truck")
        .first()
    )


def route_stops(*, route: PlanRoute) -> list[PlanStop]:
    return list(route.stops.select_related("container__point").order_by("sequence"))


def stop_get(*, municipality: Municipality, pk: int) -> PlanStop | None:
    return (
        PlanStop.objects.filter(route__plan__municipality=municipality, pk=pk)
        .select_related(
            "route__plan__municipality", "route__truck", "container__point", "container__entity"
        )
        .first()
    )


def rounds_routes(*, municipality: Municipality, day: datetime.date) -> list[PlanRoute]:
    """The published plans' routes of ``day``, with how many stops are left."""
    return list(
        PlanRoute.objects.filter(
            plan__municipality=municipality, plan__day=day, plan__status__in=ROUNDS_STATUSES
        )
        .select_related("plan", "truck")
        .annotate(
            stop_count=Count("stops"),
            left_count=Count("stops", filter=Q(stops__emptied_at__isnull=True, stops__problem="")),
        )
        .order_by("plan__fraction", "number")
    )


def depot_list(*, municipality: Municipality) -> QuerySet[Depot]:
    return Depot.objects.filter(municipality=municipality).annotate(
        truck_count=Count("trucks", filter=Q(trucks__is_active=True))
    )


def depot_get(*, municipality: Municipality, pk: int) -> Depot | None:
    return Depot.objects.filter(municipality=municipality, pk=pk).first()


def truck_list(*, municipality: Municipality) -> QuerySet[Truck]:
    return Truck.objects.filter(municipality=municipality).select_related("depot")


def truck_get(*, municipality: Municipality, pk: int) -> Truck | None:
    return Truck.objects.filter(municipality=municipality, pk=pk).select_related("depot").first()


def waste_alert_count(*, municipality: Municipality) -> int:
    """Unresolved alerts on the city's waste containers."""
    return (
        Alert.objects.filter(municipality=municipality, entity__type="WasteContainer")
        .exclude(state=AlertState.RESOLVED)
        .count()
    )


@dataclass(frozen=True)
class PlanSummary:
    distance_km: float
    baseline_km: float
    saving_percent: int | None
    stop_count: int


def plan_summary(plan: CollectionPlan, routes: list[PlanRoute]) -> PlanSummary:
    saving = None
    if plan.baseline_distance_m > 0:
        saving = round(
            100 * (plan.baseline_distance_m - plan.distance_m) / plan.baseline_distance_m
        )
    return PlanSummary(
        distance_km=plan.distance_m / 1000,
        baseline_km=plan.baseline_distance_m / 1000,
        saving_percent=saving,
        stop_count=sum(len(route.stops.all()) for route in routes),
    )


def plan_map_data(plan: CollectionPlan, routes: list[PlanRoute]) -> dict[str, Any]:
    """What planning.js draws: the depot, and per route its colour and its stops in order."""
    return {
        "depot": {
            "name": plan.depot.name,
            "latitude": plan.depot.latitude,
            "longitude": plan.depot.longitude,
        },
        "routes": [
            {
                "number": route.number,
                "colour": route_colour(route.number),
                "truck": route.truck.name,
                "stops": [
                    {
                        "sequence": stop.sequence,
                        "code": stop.container.code,
                        "street": stop.container.point.street or stop.container.point.name,
                        "latitude": stop.container.point.latitude,
                        "longitude": stop.container.point.longitude,
                    }
                    for stop in route.stops.all()
                ],
            }
            for route in routes
        ],
    }


def fraction_choices() -> list[tuple[str, Any]]:
    return list(Fraction.choices)
