"""Collection plans: for a day and a fraction, the containers to collect and the trucks'
routes, against the fixed schedule that visits every container.

``plan_create`` checks what the planner asked for, writes the plan in status ``computing``
and queues ``tasks.plan_compute``; the task calls ``plan_compute`` here, which reads the
forecasts, chooses the containers, solves the routes with the routing engine and writes the
routes and stops in one transaction (or marks the plan ``failed``, writing nothing else).

Choosing the containers, for a visit on ``day`` at the trucks' shift start:

- ``alert``: an open or acknowledged urban-data alert on the container's entity (fire,
  tilt, vandalism, overflow…): someone has to go there, whatever the fill;
- ``forecast``: predicted to reach the threshold before the next possible visit (the next
  collection day after ``day`` in the city's settings, at the same shift start);
- ``schedule``: no forecast at all (no reading and no emptying known in the forecast's
  window, or no container of the fraction with a fill cycle to learn from): chosen when its
  last recorded collection is unknown or at least one visit gap old (the gap from ``day``
  to the next visit), as the fixed schedule would; collecting an unknown bin errs on the
  safe side.

Problems are stored as codes with numbers (``{"code", "params"}``) and put into words at
display time, in the reader's language (``problem_message``).
"""

from __future__ import annotations

import datetime
import logging
import math
import zoneinfo
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from digiplace.core.audit import audit_record, audited_change, model_snapshot
from digiplace.core.models import AuditAction
from digiplace.urbandata.models import Alert, AlertState

from ..models import (
    Collection,
    CollectionPlan,
    Container,
    Depot,
    Fraction,
    PlanRoute,
    PlanStatus,
    PlanStop,
    StopReason,
    Truck,
    WasteSettings,
)
from ..routing import (
    DistanceServiceError,
    Fleet,
    GeoPoint,
    Infeasibility,
    InfeasibilityKind,
    PlanningProblem,
    RoutePlan,
    Stop,
    plan_routes,
    travel_matrix,
)
from ..selectors.forecasts import ContainerForecast, city_settings, fraction_forecasts

if TYPE_CHECKING:
    from digiplace.core.models import Municipality, User

logger = logging.getLogger(__name__)

# Problems that are not the routing engine's: the computation itself failed.
FAILED = "failed"
DISTANCE_SERVICE = "distance_service"


# --- Choosing the containers ---------------------------------------------------------------


@dataclass(frozen=True)
class ChosenContainer:
    container: Container
    reason: StopReason
    predicted_fill: float | None

    @property
    def demand(self) -> int:
        """Container litres to take: the predicted fill times the capacity (the whole
        capacity when nothing is predicted), at least one litre."""
        fill = 1.0 if self.predicted_fill is None else self.predicted_fill
        return max(1, math.ceil(fill * self.container.capacity_litres))


def next_collection_day(day: datetime.date, weekdays: list[int]) -> datetime.date:
    """The first collection day after ``day`` (a week later when no day is set)."""
    for offset in range(1, 8):
        candidate = day + datetime.timedelta(days=offset)
        if candidate.weekday() in weekdays:
            return candidate
    return day + datetime.timedelta(days=7)


def _local_moment(day: datetime.date, at: datetime.time, zone: str) -> datetime.datetime:
    return datetime.datetime.combine(day, at, tzinfo=zoneinfo.ZoneInfo(zone))


def _alerted_entities(municipality: Municipality, containers: list[Container]) -> set[int]:
    entity_ids = [c.entity_id for c in containers if c.entity_id is not None]
    return set(
        Alert.objects.filter(
            municipality=municipality,
            entity_id__in=entity_ids,
            state__in=(AlertState.OPEN, AlertState.ACKNOWLEDGED),
        ).values_list("entity_id", flat=True)
    )


def _last_collections(containers: list[Container]) -> dict[int, datetime.datetime]:
    rows = (
        Collection.objects.filter(container__in=containers)
        .values("container_id")
        .annotate(last=Max("collected_at"))
    )
    return {row["container_id"]: row["last"] for row in rows}


def containers_choose(
    *,
    municipality: Municipality,
    fraction: str,
    threshold: float,
    visit_at: datetime.datetime,
    next_visit_at: datetime.datetime,
    now: datetime.datetime,
) -> tuple[list[ChosenContainer], list[ChosenContainer]]:
    """(chosen, every active container of the fraction with its predicted fill at the visit):
    the second list is the fixed schedule's."""
    containers = list(
        Container.objects.filter(municipality=municipality, fraction=fraction, is_active=True)
        .select_related("point", "entity")
        .order_by("code")
    )
    forecasts = fraction_forecasts(
        municipality=municipality,
        fraction=fraction,
        now=now,
        threshold=threshold,
        containers=containers,
    )
    alerted = _alerted_entities(municipality, containers)
    last = _last_collections(containers)
    gap = next_visit_at - visit_at
    chosen: list[ChosenContainer] = []
    everyone: list[ChosenContainer] = []
    for container in containers:
        forecast = forecasts.get(container.pk)
        fill = forecast.fill_at(max(visit_at, now)) if forecast is not None else None
        everyone.append(ChosenContainer(container, StopReason.SCHEDULE, fill))
        reason = _reason(container, forecast, alerted, last, visit_at, next_visit_at, gap)
        if reason is not None:
            chosen.append(ChosenContainer(container, reason, fill))
    return chosen, everyone


def _reason(
    container: Container,
    forecast: ContainerForecast | None,
    alerted: set[int],
    last: dict[int, datetime.datetime],
    visit_at: datetime.datetime,
    next_visit_at: datetime.datetime,
    gap: datetime.timedelta,
) -> StopReason | None:
    if container.entity_id is not None and container.entity_id in alerted:
        return StopReason.ALERT
    if forecast is not None:
        due = forecast.threshold_at is not None and forecast.threshold_at < next_visit_at
        return StopReason.FORECAST if due else None
    emptied = last.get(container.pk)
    if emptied is None or visit_at - emptied >= gap:
        return StopReason.SCHEDULE
    return None


# --- Checking the request ------------------------------------------------------------------


def _city_today(municipality: Municipality) -> datetime.date:
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(municipality.time_zone))


def _trucks_check(
    municipality: Municipality, trucks: list[Truck] | None, depot: Depot | None
) -> list[Truck]:
    if trucks is None:
        if depot is None:
            return []
        trucks = list(Truck.objects.filter(municipality=municipality, depot=depot, is_active=True))
    return sorted(trucks, key=lambda truck: (truck.name, truck.pk))


def _plan_errors(
    *,
    municipality: Municipality,
    day: datetime.date,
    fraction: str,
    depot: Depot | None,
    trucks: list[Truck],
    threshold: float,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if day < _city_today(municipality):
        errors["day"] = [_("A plan cannot be made for a day in the past.")]
    if fraction not in Fraction.values:
        errors["fraction"] = [_("Choose one of the listed fractions.")]
    if depot is None or depot.municipality_id != municipality.pk:
        errors["depot"] = [_("Choose one of this city's depots.")]
    if not trucks:
        errors["trucks"] = [_("Choose at least one truck.")]
    elif any(t.municipality_id != municipality.pk or not t.is_active for t in trucks):
        errors["trucks"] = [_("Choose trucks of this city that are in service.")]
    if not 0.1 <= threshold <= 1.0:
        errors["threshold"] = [_("The threshold must be between 10 % and 100 %.")]
    return errors


def plan_existing(
    *, municipality: Municipality, day: datetime.date, fraction: str
) -> CollectionPlan | None:
    return CollectionPlan.objects.filter(
        municipality=municipality, day=day, fraction=fraction
    ).first()


class PlanExistsError(ValidationError):
    """A plan for that day and fraction exists already: open it or recompute it."""

    def __init__(self, plan: CollectionPlan) -> None:
        self.plan = plan
        super().__init__(
            _(
                "There is already a plan for %(fraction)s on %(day)s: open it, or recompute it"
                " there."
            )
            % {"fraction": plan.get_fraction_display(), "day": plan.day.isoformat()}
        )


def plan_create(
    *,
    municipality: Municipality,
    day: datetime.date,
    fraction: str,
    depot: Depot | None,
    actor: User | None,
    threshold: float | None = None,
    trucks: list[Truck] | None = None,
) -> CollectionPlan:
    """Write the plan in status ``computing`` and queue its computation (after commit).

    Refuses (ValidationError, nothing written) a day in the past, another city's depot or
    trucks, trucks out of service, no truck, a threshold outside 10-100 %, and a second plan
    for the same city, day and fraction (``PlanExistsError``, which carries the plan)."""
    if threshold is None:
        threshold = city_settings(municipality).threshold
    chosen_trucks = _trucks_check(municipality, trucks, depot)
    errors = _plan_errors(
        municipality=municipality,
        day=day,
        fraction=fraction,
        depot=depot,
        trucks=chosen_trucks,
        threshold=threshold,
    )
    if errors:
        raise ValidationError(errors)
    existing = plan_existing(municipality=municipality, day=day, fraction=fraction)
    if existing is not None:
        raise PlanExistsError(existing)
    assert depot is not None
    try:
        with transaction.atomic():
            plan = CollectionPlan.objects.create(
                municipality=municipality,
                day=day,
                fraction=fraction,
                status=PlanStatus.COMPUTING,
                threshold=threshold,
                depot=depot,
                created_by=actor,
            )
            audit_record(
                actor=actor,
                municipality=municipality,
                action=AuditAction.CREATE,
                instance=plan,
                after=model_snapshot(plan),
            )
            plan.trucks.set(chosen_trucks)
            _queue(plan, chosen_trucks)
    except IntegrityError:
        # Made by someone else in between.
        existing = plan_existing(municipality=municipality, day=day, fraction=fraction)
        if existing is None:
            raise
        raise PlanExistsError(existing) from None
    return plan


def _queue(plan: CollectionPlan, trucks: list[Truck]) -> None:
    from ..tasks import plan_compute_task

    plan_id, truck_ids = plan.pk, [truck.pk for truck in trucks]
    transaction.on_commit(lambda: plan_compute_task.enqueue(plan_id=plan_id, truck_ids=truck_ids))


def plan_recompute(
    *, plan: CollectionPlan, actor: User | None, trucks: list[Truck] | None = None
) -> CollectionPlan:
    """Compute a draft or failed plan again (the forecasts and alerts of now), with
    ``trucks`` or else those chosen for it (in service), or else the depot's trucks in
    service."""
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.FAILED):
        raise ValidationError(
            _("Only a draft or a plan that could not be computed can be computed again.")
        )
    if trucks is None:
        trucks = list(plan.trucks.filter(is_active=True))
    chosen = _trucks_check(plan.municipality, trucks or None, plan.depot)
    if not chosen:
        raise ValidationError(_("Choose at least one truck."))
    with audited_change(plan, actor=actor) as change:
        change.instance.status = PlanStatus.COMPUTING
        change.instance.save(update_fields=["status"])
        change.instance.trucks.set(chosen)
        _queue(change.instance, chosen)
    return change.instance


def plan_publish(*, plan: CollectionPlan, actor: User | None) -> CollectionPlan:
    """A draft becomes visible to the drivers (their phone page lists it on its day)."""
    with audited_change(plan, actor=actor) as change:
        if change.instance.status != PlanStatus.DRAFT:
            raise ValidationError(_("Only a draft plan can be published."))
        if not change.instance.routes.exists():
            raise ValidationError(_("This plan has no routes to publish."))
        change.instance.status = PlanStatus.PUBLISHED
        change.instance.save(update_fields=["status"])
    return change.instance


# --- Computing ---------------------------------------------------------------------------


def _fleet(trucks: list[Truck], stops: int) -> Fleet:
    # The engine's fleet has one capacity and one shift: with trucks that differ, the
    # smallest capacity and the shortest shift, so every route fits whichever truck takes it.
    return Fleet(
        trucks=len(trucks),
        capacity=min(truck.capacity_litres for truck in trucks),
        shift_minutes=min(truck.shift_minutes for truck in trucks),
    )


def _problem(
    chosen: list[ChosenContainer], depot: Depot, fleet: Fleet, road: WasteSettings
) -> PlanningProblem:
    points = [GeoPoint(depot.latitude, depot.longitude)] + [
        GeoPoint(item.container.point.latitude, item.container.point.longitude) for item in chosen
    ]
    matrix = travel_matrix(points, road_factor=road.road_factor, speed_kmh=road.speed_kmh)
    stops = tuple(
        Stop(id=item.container.code, demand=item.demand, service_seconds=road.service_seconds)
        for item in chosen
    )
    return PlanningProblem(stops=stops, fleet=fleet, matrix=matrix)


def _baseline_distance(
    everyone: list[ChosenContainer],
    depot: Depot,
    fleet: Fleet,
    road: WasteSettings,
    seconds: float,
) -> int:
    """Every active container of the fraction, with as many trucks as it takes and a shift
    and capacity stretched to the farthest and largest stop, so it always has a distance."""
    if not everyone:
        return 0
    problem = _problem(everyone, depot, fleet, road)
    durations = problem.matrix.durations
    longest = max(
        int(durations[0, index] + durations[index, 0]) + road.service_seconds
        for index in range(1, problem.matrix.size)
    )
    stretched = Fleet(
        trucks=len(everyone),
        capacity=max(fleet.capacity, max(item.demand for item in everyone)),
        shift_minutes=max(fleet.shift_minutes, math.ceil(longest / 60) + 1),
    )
    result = plan_routes(PlanningProblem(problem.stops, stretched, problem.matrix), seconds=seconds)
    return result.total_distance_m


def problem_entry(
    reason: Infeasibility, problem: PlanningProblem, plan: RoutePlan
) -> dict[str, Any]:
    """What to store of one reason: its kind and the numbers its message needs."""
    fleet = problem.fleet
    params: dict[str, Any] = {"amount": reason.amount}
    kind = reason.kind
    if kind == InfeasibilityKind.FLEET_CAPACITY:
        total = sum(stop.demand for stop in problem.stops)
        params |= {
            "total": total,
            "fleet": fleet.trucks * fleet.capacity,
            "count": math.ceil(total / fleet.capacity) - fleet.trucks,
            "capacity": math.ceil(total / fleet.trucks),
        }
    elif kind == InfeasibilityKind.STOP_ABOVE_CAPACITY:
        demand = next(stop.demand for stop in problem.stops if stop.id == reason.stop_id)
        params |= {"stop": reason.stop_id, "demand": demand, "capacity": fleet.capacity}
    elif kind == InfeasibilityKind.STOP_BEYOND_SHIFT:
        needed = math.ceil((reason.amount + fleet.shift_minutes * 60) / 60)
        params |= {"stop": reason.stop_id, "needed": needed, "shift": fleet.shift_minutes}
    elif kind == InfeasibilityKind.ROUTE_OVER_CAPACITY:
        load = next(route.load for route in plan.routes if route.truck == reason.truck)
        params |= {
            "truck": reason.truck,
            "load": load,
            "excess": reason.amount,
            "capacity": fleet.capacity,
        }
    elif kind == InfeasibilityKind.ROUTE_OVER_SHIFT:
        excess = math.ceil(reason.amount / 60)
        params |= {
            "truck": reason.truck,
            "excess": excess,
            "shift": fleet.shift_minutes,
            "needed": fleet.shift_minutes + excess,
        }
    elif kind == InfeasibilityKind.TOO_FEW_TRUCKS:
        params |= {"count": reason.amount}
    return {"code": str(kind), "params": params}


def problem_message(entry: dict[str, Any]) -> str:
    """A stored problem in the reader's language, with what to change (the routing engine's
    own words, so one translation serves both)."""
    code = entry.get("code")
    p = entry.get("params") or {}
    try:
        if code == InfeasibilityKind.FLEET_CAPACITY:
            return (
                ngettext(
                    "The stops hold %(total)d, the fleet carries %(fleet)d: add %(count)d truck"
                    " or raise each truck's capacity to %(capacity)d.",
                    "The stops hold %(total)d, the fleet carries %(fleet)d: add %(count)d trucks"
                    " or raise each truck's capacity to %(capacity)d.",
                    p["count"],
                )
                % p
            )
        if code == InfeasibilityKind.STOP_ABOVE_CAPACITY:
            return (
                _(
                    "Stop %(stop)s holds %(demand)d, more than a truck carries (%(capacity)d):"
                    " raise the capacity to %(demand)d or split the stop."
                )
                % p
            )
        if code == InfeasibilityKind.STOP_BEYOND_SHIFT:
            return (
                _(
                    "Stop %(stop)s takes %(needed)d minutes there and back, longer than a"
                    " %(shift)d-minute shift: lengthen the shift to %(needed)d minutes."
                )
                % p
            )
        if code == InfeasibilityKind.ROUTE_OVER_CAPACITY:
            return (
                _(
                    "Truck %(truck)d would carry %(load)d, %(excess)d above its capacity of"
                    " %(capacity)d: add a truck or raise the capacity to %(load)d."
                )
                % p
            )
        if code == InfeasibilityKind.ROUTE_OVER_SHIFT:
            return (
                _(
                    "Truck %(truck)d would need %(excess)d minutes more than its"
                    " %(shift)d-minute shift: add a truck or lengthen the shift to"
                    " %(needed)d minutes."
                )
                % p
            )
        if code == InfeasibilityKind.TOO_FEW_TRUCKS:
            return (
                ngettext(
                    "%(count)d stop could not be planned: add a truck.",
                    "%(count)d stops could not be planned: add a truck.",
                    p["count"],
                )
                % p
            )
        if code == DISTANCE_SERVICE:
            return _(
                "The routing server could not give the distances: check its address in the"
                " settings, or leave it empty to use straight-line distances, then compute again."
            )
    except (KeyError, TypeError, ValueError):
        pass
    return _("The plan could not be computed. Compute it again; if it fails again, tell support.")


@dataclass(frozen=True)
class _Outcome:
    chosen: list[ChosenContainer]
    result: RoutePlan | None
    problems: list[dict[str, Any]]
    baseline_m: int


def _solve(plan: CollectionPlan, trucks: list[Truck], now: datetime.datetime) -> _Outcome:
    municipality = plan.municipality
    road = city_settings(municipality)
    start = min(truck.shift_start for truck in trucks)
    visit_at = _local_moment(plan.day, start, municipality.time_zone)
    next_day = next_collection_day(plan.day, list(road.collection_weekdays or []))
    next_visit_at = _local_moment(next_day, start, municipality.time_zone)
    chosen, everyone = containers_choose(
        municipality=municipality,
        fraction=plan.fraction,
        threshold=plan.threshold,
        visit_at=visit_at,
        next_visit_at=next_visit_at,
        now=now,
    )
    seconds = float(getattr(settings, "WASTE_PLAN_SECONDS", 10))
    fleet = _fleet(trucks, len(chosen))
    result: RoutePlan | None = None
    problems: list[dict[str, Any]] = []
    if chosen:
        problem = _problem(chosen, plan.depot, fleet, road)
        result = plan_routes(problem, seconds=seconds)
        problems = [problem_entry(reason, problem, result) for reason in result.reasons]
    baseline = _baseline_distance(everyone, plan.depot, fleet, road, max(1.0, seconds / 2))
    return _Outcome(chosen, result, problems, baseline)


def _write(plan: CollectionPlan, trucks: list[Truck], outcome: _Outcome) -> None:
    by_code = {item.container.code: item for item in outcome.chosen}
    result = outcome.result
    with transaction.atomic():
        locked = CollectionPlan.objects.select_for_update().get(pk=plan.pk)
        locked.routes.all().delete()
        for route in result.routes if result is not None else ():
            row = PlanRoute.objects.create(
                plan=locked,
                truck=trucks[(route.truck - 1) % len(trucks)],
                number=route.truck,
                distance_m=route.distance_m,
                duration_s=route.duration_s,
                load_litres=route.load,
            )
            PlanStop.objects.bulk_create(
                PlanStop(
                    route=row,
                    container=by_code[code].container,
                    sequence=sequence,
                    reason=by_code[code].reason,
                    predicted_fill=by_code[code].predicted_fill,
                )
                for sequence, code in enumerate(route.stop_ids, start=1)
            )
        locked.distance_m = result.total_distance_m if result is not None else 0
        locked.baseline_distance_m = outcome.baseline_m
        locked.is_feasible = result.is_feasible if result is not None else True
        locked.problems = outcome.problems
        locked.status = PlanStatus.DRAFT
        locked.computed_at = timezone.now()
        locked.save()


def _fail(plan_id: int, code: str) -> None:
    with transaction.atomic():
        plan = CollectionPlan.objects.select_for_update().filter(pk=plan_id).first()
        if plan is None:
            return
        plan.routes.all().delete()
        plan.status = PlanStatus.FAILED
        plan.is_feasible = False
        plan.problems = [{"code": code, "params": {}}]
        plan.distance_m = 0
        plan.computed_at = timezone.now()
        plan.save()


def plan_compute(
    *, plan_id: int, truck_ids: list[int], now: datetime.datetime | None = None
) -> str:
    """Choose, solve and store one plan (the task's work); returns the status reached."""
    plan = (
        CollectionPlan.objects.select_related("municipality", "depot")
        .filter(pk=plan_id, status=PlanStatus.COMPUTING)
        .first()
    )
    if plan is None:
        return ""
    trucks = sorted(
        Truck.objects.filter(municipality=plan.municipality, pk__in=truck_ids),
        key=lambda truck: (truck.name, truck.pk),
    )
    try:
        if not trucks:
            raise ValueError("no trucks")
        outcome = _solve(plan, trucks, now or timezone.now())
        _write(plan, trucks, outcome)
    except DistanceServiceError:
        logger.exception("Collection plan %s: the routing server failed", plan_id)
        _fail(plan_id, DISTANCE_SERVICE)
        return PlanStatus.FAILED
    except Exception:  # the plan records the failure for the planner to see
        logger.exception("Collection plan %s could not be computed", plan_id)
        _fail(plan_id, FAILED)
        return PlanStatus.FAILED
    return PlanStatus.DRAFT
