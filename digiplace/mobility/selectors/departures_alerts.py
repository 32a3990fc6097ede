"""Service alerts as the public pages, the stop displays and the staff list read them.

An alert is active from ``active_from`` until ``active_until`` (open-ended when empty) once
staff publish it. It bears on a stop when it names the stop, or a line that calls there, or
names neither (an alert for the whole network).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from ..models import Route, ServiceAlert, Stop

if TYPE_CHECKING:
    from digiplace.core.models import Municipality


def _with_targets(alerts: QuerySet[ServiceAlert]) -> QuerySet[ServiceAlert]:
    return alerts.prefetch_related(
        "routes",
        "stops",
    )


def alerts_active(*, municipality: Municipality, now: datetime.datetime) -> QuerySet[ServiceAlert]:
    """The published alerts in force at ``now``, newest first."""
    return _with_targets(
        ServiceAlert.objects.for_municipality(municipality)
        .filter(is_published=True, active_from__lte=now)
        .filter(Q(active_until__isnull=True) | Q(active_until__gt=now))
        .order_by("-active_from", "-pk")
    )


def alerts_for_stops(
    *, municipality: Municipality, stops: Iterable[Stop], now: datetime.datetime
) -> list[ServiceAlert]:
    """The active alerts that bear on ``stops``: naming one of them or a line that calls
    there, or naming nothing (the whole network)."""
    stop_ids = [stop.pk for stop in stops]
    route_ids = Route.objects.filter(trips__stop_times__stop_id__in=stop_ids).values("pk")
    return list(
        alerts_active(municipality=municipality, now=now)
        .filter(
            Q(stops__in=stop_ids)
            | Q(routes__in=route_ids)
            | (Q(stops__isnull=True) & Q(routes__isnull=True))
        )
        .distinct()
    )


def alert_get_public(*, municipality: Municipality, pk: int) -> ServiceAlert | None:
    """A published alert of the city (also one that has ended: its page stays readable)."""
    return _with_targets(
        ServiceAlert.objects.for_municipality(municipality).filter(is_published=True, pk=pk)
    ).first()


def alert_list_staff(*, municipality: Municipality) -> QuerySet[ServiceAlert]:
    return _with_targets(
        ServiceAlert.objects.for_municipality(municipality).order_by("-active_from", "-pk")
    )


def alert_get(*, municipality: Municipality, pk: int) -> ServiceAlert | None:
    return _with_targets(ServiceAlert.objects.for_municipality(municipality).filter(pk=pk)).first()


def route_choices(*, municipality: Municipality) -> QuerySet[Route]:
    return Route.objects.for_municipality(municipality).order_by(
        "sort_order", "short_name", "gtfs_id"
    )


def stop_choices(*, municipality: Municipality) -> QuerySet[Stop]:
    return (
        Stop.objects.for_municipality(municipality)
        .filter(location_type__in=(0, 1))
        .order_by("name", "gtfs_id")
    )
