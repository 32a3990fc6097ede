"""What the control centre reads: the fleet now with each bus's headway, the open alerts on
the buses, the refused inputs of the day, a bus's positions of a day (the replay) and the
day's punctuality by route.

Headway is a time, not a distance: how long ago the bus ahead (same line, direction and
shape, so that distances along the shape compare) passed the point where this bus is now.
It is read from the positions the bus ahead reported on its current trip, interpolated
along the shape; where those positions do not reach that far back, the ``headway``
attribute the live tracking wrote on the bus's entity is used instead.
"""

from __future__ import annotations

import datetime
import itertools
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from digiplace.urbandata.models import Alert, AlertState
from digiplace.urbandata.services.alerts import attribute_value

from ..models import PositionRecord, PositionReject, Route, StopVisit, TapReject, VehicleState
from ..services.control import BUNCHING_SECONDS, ENTITY_TYPE

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

# Vehicles report every 5–30 s: two minutes without a position is four missed reports.
STALE_SECONDS = 120
# How far back the positions of the bus ahead are read to find when it passed a point.
HEADWAY_LOOKBACK = datetime.timedelta(hours=3)
# The usual definition of on time: from one minute early to three minutes late.
ON_TIME_EARLIEST = -60
ON_TIME_LATEST = 180

SORT_KEYS = ("label", "route", "delay", "headway", "seen")
DEFAULT_SORT = "label"


@dataclass(frozen=True)
class FleetVehicle:
    state: VehicleState
    route: Route | None
    headway_seconds: int | None
    # The fleet number of the bus ahead the headway is measured to.
    ahead_label: str
    stale: bool

    @property
    def bunched(self) -> bool:
        return self.headway_seconds is not None and self.headway_seconds < BUNCHING_SECONDS


def is_stale(state: VehicleState, now: datetime.datetime) -> bool:
    if state.observed_at is None:
        return True
    return (now - state.observed_at).total_seconds() > STALE_SECONDS


def city_zone(municipality: Municipality) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(municipality.time_zone)


def day_bounds(
    day: datetime.date, zone: zoneinfo.ZoneInfo
) -> tuple[datetime.datetime, datetime.datetime]:
    """The calendar day's first moment and the next day's, local time."""
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tzinfo=zone)
    return start, end


# Headway


def _passed_at(
    track: Sequence[tuple[datetime.datetime, float]], distance: float
) -> datetime.datetime | None:
    """When a vehicle whose (moment, metres along the shape) are ``track`` last passed
    ``distance``, interpolated between the two positions around it."""
    passed: datetime.datetime | None = None
    for (first_at, first_distance), (second_at, second_distance) in itertools.pairwise(track):
        if first_distance == distance:
            passed = first_at
        elif first_distance < distance <= second_distance:
            share = (distance - first_distance) / (second_distance - first_distance)
            passed = first_at + (second_at - first_at) * share
    if passed is None and track and track[-1][1] == distance:
        passed = track[-1][0]
    return passed


def _tracks(
    vehicles: Iterable[VehicleState], now: datetime.datetime
) -> dict[int, list[tuple[datetime.datetime, float]]]:
    """Each vehicle's positions on its current trip, in time order, with its latest state."""
    by_vehicle = {vehicle.pk: vehicle for vehicle in vehicles}
    tracks: dict[int, list[tuple[datetime.datetime, float]]] = defaultdict(list)
    rows = (
        PositionRecord.objects.filter(
            vehicle_id__in=list(by_vehicle),
            observed_at__gte=now - HEADWAY_LOOKBACK,
            shape_distance__isnull=False,
        )
        .order_by("vehicle_id", "observed_at")
        .values_list("vehicle_id", "trip_id", "observed_at", "shape_distance")
    )
    for vehicle_id, trip_id, observed_at, shape_distance in rows:
        if trip_id == by_vehicle[vehicle_id].trip_id and shape_distance is not None:
            tracks[vehicle_id].append((observed_at, shape_distance))
    for vehicle in by_vehicle.values():
        track = tracks[vehicle.pk]
        assert vehicle.observed_at is not None and vehicle.shape_distance is not None
        if not track or track[-1][0] < vehicle.observed_at:
            track.append((vehicle.observed_at, vehicle.shape_distance))
    return tracks


def _attribute_headway(state: VehicleState) -> int | None:
    value = attribute_value(state.entity, "headway")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return round(float(value))


def fleet_headways(
    states: Sequence[VehicleState], *, now: datetime.datetime
) -> dict[int, tuple[int | None, str]]:
    """Each vehicle's headway in seconds (None where it has no bus ahead or it cannot be
    told) and the bus ahead's fleet number, by the vehicle's primary key. Stale vehicles and
    those not placed on a trip's shape take no part."""
    groups: dict[tuple[int, int | None, int | None], list[VehicleState]] = defaultdict(list)
    for state in states:
        if state.trip is None or state.shape_distance is None or is_stale(state, now):
            continue
        groups[(state.trip.route_id, state.trip.direction_id, state.trip.shape_id)].append(state)
    pairs: list[tuple[VehicleState, VehicleState]] = []
    for members in groups.values():
        members.sort(key=lambda member: (member.shape_distance or 0.0, member.label))
        pairs.extend(itertools.pairwise(members))
    tracks = _tracks([ahead for _behind, ahead in pairs], now)
    result: dict[int, tuple[int | None, str]] = {}
    for behind, ahead in pairs:
        assert behind.shape_distance is not None and behind.observed_at is not None
        passed = _passed_at(tracks[ahead.pk], behind.shape_distance)
        if passed is None:
            headway = _attribute_headway(behind)
        else:
            headway = max(0, round((behind.observed_at - passed).total_seconds()))
        result[behind.pk] = (headway, ahead.label)
    return result


def fleet_now(
    *,
    municipality: Municipality,
    now: datetime.datetime | None = None,
    sort: str = DEFAULT_SORT,
    descending: bool = False,
) -> list[FleetVehicle]:
    """The city's fleet in service, with headways, in the order asked (empty values last)."""
    now = now or timezone.now()
    states = list(
        VehicleState.objects.for_municipality(municipality)
        .filter(is_active=True)
        .select_related("entity", "trip__route")
    )
    headways = fleet_headways(states, now=now)
    fleet = [
        FleetVehicle(
            state=state,
            route=state.trip.route if state.trip is not None else None,
            headway_seconds=headways.get(state.pk, (None, ""))[0],
            ahead_label=headways.get(state.pk, (None, ""))[1],
            stale=is_stale(state, now),
        )
        for state in states
    ]
    return fleet_sort(fleet, sort=sort, descending=descending)


def _sort_value(vehicle: FleetVehicle, sort: str) -> float | str | None:
    state = vehicle.state
    if sort == "route":
        return str(vehicle.route) if vehicle.route is not None else None
    if sort == "delay":
        return state.delay_seconds
    if sort == "headway":
        return vehicle.headway_seconds
    if sort == "seen":
        return state.observed_at.timestamp() if state.observed_at is not None else None
    return state.label


def fleet_sort(fleet: list[FleetVehicle], *, sort: str, descending: bool) -> list[FleetVehicle]:
    present = [vehicle for vehicle in fleet if _sort_value(vehicle, sort) is not None]
    missing = [vehicle for vehicle in fleet if _sort_value(vehicle, sort) is None]
    present.sort(key=lambda vehicle: vehicle.state.label)
    present.sort(key=lambda vehicle: _sort_value(vehicle, sort), reverse=descending)  # type: ignore[arg-type,return-value]
    return present + missing


# Alerts and refused inputs


def vehicle_alerts_open(municipality: Municipality) -> QuerySet[Alert]:
    """The alerts not yet resolved on the city's buses, the latest first."""
    return (
        Alert.objects.for_municipality(municipality)
        .filter(entity__type=ENTITY_TYPE)
        .exclude(state=AlertState.RESOLVED)
        .select_related("rule", "entity")
        .order_by("-opened_at")
    )


@dataclass(frozen=True)
class RejectCounts:
    positions: int
    taps: int
    since: datetime.datetime


def rejects_today(
    *, municipality: Municipality, now: datetime.datetime | None = None
) -> RejectCounts:
    """Positions and validator taps refused since the city's midnight."""
    now = now or timezone.now()
    zone = city_zone(municipality)
    since, _end = day_bounds(now.astimezone(zone).date(), zone)
    return RejectCounts(
        positions=PositionReject.objects.for_municipality(municipality)
        .filter(received_at__gte=since)
        .count(),
        taps=TapReject.objects.for_municipality(municipality)
        .filter(received_at__gte=since)
        .count(),
        since=since,
    )


# Replay


def vehicle_positions_of_day(
    *, vehicle: VehicleState, day: datetime.date, zone: zoneinfo.ZoneInfo
) -> list[PositionRecord]:
    """The positions ``vehicle`` reported on the local calendar day ``day``, in time order."""
    start, end = day_bounds(day, zone)
    return list(
        PositionRecord.objects.filter(vehicle=vehicle, observed_at__gte=start, observed_at__lt=end)
        .select_related("trip__route")
        .order_by("observed_at")
    )


# Punctuality


@dataclass(frozen=True)
class Punctuality:
    route: Route | None
    visits: int
    early: int
    late: int
    mean_delay_seconds: float | None

    @property
    def on_time(self) -> int:
        return self.visits - self.early - self.late

    def _share(self, count: int) -> float | None:
        return 100.0 * count / self.visits if self.visits else None

    @property
    def on_time_percent(self) -> float | None:
        return self._share(self.on_time)

    @property
    def early_percent(self) -> float | None:
        return self._share(self.early)

    @property
    def late_percent(self) -> float | None:
        return self._share(self.late)


def _punctuality_counts() -> dict[str, Count | Avg]:
    return {
        "visits": Count("pk"),
        "early": Count("pk", filter=Q(delay_seconds__lt=ON_TIME_EARLIEST)),
        "late": Count("pk", filter=Q(delay_seconds__gt=ON_TIME_LATEST)),
        "mean": Avg("delay_seconds"),
    }


def punctuality_by_route(
    *, municipality: Municipality, day: datetime.date
) -> tuple[list[Punctuality], Punctuality]:
    """The observed arrivals of the service day ``day`` per route (in the routes' order),
    and all routes together."""
    visits = StopVisit.objects.filter(trip__municipality=municipality, service_date=day)
    rows = {
        row["trip__route"]: row
        for row in visits.values("trip__route").annotate(**_punctuality_counts()).order_by()
    }
    routes = Route.objects.for_municipality(municipality).filter(pk__in=list(rows))
    by_route = [
        Punctuality(
            route=route,
            visits=rows[route.pk]["visits"],
            early=rows[route.pk]["early"],
            late=rows[route.pk]["late"],
            mean_delay_seconds=rows[route.pk]["mean"],
        )
        for route in routes
    ]
    total = visits.aggregate(**_punctuality_counts())
    return by_route, Punctuality(
        route=None,
        visits=total["visits"],
        early=total["early"],
        late=total["late"],
        mean_delay_seconds=total["mean"],
    )
