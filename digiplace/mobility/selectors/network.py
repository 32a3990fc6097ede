"""Reading the city's network for the staff pages and the open-data page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet

from ..models import NetworkImport, Route, Service, Stop, StopTime, Trip

if TYPE_CHECKING:
    from digiplace.core.models import Municipality


@dataclass(frozen=True)
class NetworkSummary:
    routes: int
    stops: int
    trips: int
    services: int
    last_import: NetworkImport | None


def network_summary(*, municipality: Municipality) -> NetworkSummary:
    return NetworkSummary(
        routes=Route.objects.for_municipality(municipality).count(),
        stops=Stop.objects.for_municipality(municipality).count(),
        trips=Trip.objects.for_municipality(municipality).count(),
        services=Service.objects.for_municipality(municipality).count(),
        last_import=network_imports(municipality=municipality).filter(succeeded=True).first(),
    )


def network_imports(*, municipality: Municipality) -> QuerySet[NetworkImport]:
    return NetworkImport.objects.for_municipality(municipality).select_related("imported_by")


def stop_list(*, municipality: Municipality) -> QuerySet[Stop]:
    return Stop.objects.for_municipality(municipality).order_by("name", "gtfs_id")


def stop_get(*, municipality: Municipality, pk: int) -> Stop | None:
    return Stop.objects.for_municipality(municipality).filter(pk=pk).first()


def route_list(*, municipality: Municipality) -> QuerySet[Route]:
    return (
        Route.objects.for_municipality(municipality)
        .select_related("agency")
        .annotate(trip_count=Count("trips"))
    )


def route_get(*, municipality: Municipality, pk: int) -> Route | None:
    return Route.objects.for_municipality(municipality).filter(pk=pk).first()


def route_trips(*, route: Route) -> QuerySet[Trip]:
    """The route's trips with their stop times (in order), by service and first departure."""
    return (
        Trip.objects.filter(route=route)
        .select_related("service")
        .prefetch_related("stop_times__stop")
        .order_by("service__gtfs_id", "direction_id", "gtfs_id")
    )


def trip_get(*, municipality: Municipality, pk: int) -> Trip | None:
    return (
        Trip.objects.for_municipality(municipality)
        .select_related("route", "service")
        .filter(pk=pk)
        .first()
    )


def trip_stop_times(*, trip: Trip) -> QuerySet[StopTime]:
    return StopTime.objects.filter(trip=trip).select_related("stop").order_by("sequence")


def service_list(*, municipality: Municipality) -> QuerySet[Service]:
    return Service.objects.for_municipality(municipality).annotate(trip_count=Count("trips"))


def service_get(*, municipality: Municipality, pk: int) -> Service | None:
    return Service.objects.for_municipality(municipality).filter(pk=pk).first()
