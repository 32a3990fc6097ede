"""Collection plans: choosing the containers, routes, the fixed-schedule baseline, refusals,
infeasible plans and failures (the task runs inline after commit)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone, translation

from digiplace.core.models import AuditLogEntry, Municipality
from digiplace.waste.models import (
    CollectionPlan,
    PlanRoute,
    PlanStatus,
    PlanStop,
    StopReason,
    Truck,
)
from digiplace.waste.selectors.forecasts import container_forecast
from digiplace.waste.services.planning import (
    PlanExistsError,
    next_collection_day,
    plan_create,
    plan_publish,
    plan_recompute,
    problem_message,
)

from .factories import DepotFactory, TruckFactory
from .planning_data import alert_open, city_setup, city_tomorrow, container_make

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_short_search")]


@pytest.fixture
def _short_search(settings: Any) -> None:
    settings.WASTE_PLAN_SECONDS = 1


@pytest.fixture(autouse=True)
def _english() -> None:
    translation.activate("en")


def _create(city: Municipality, capture: Any, **kwargs: Any) -> CollectionPlan:
    depot = kwargs.pop("depot")
    with capture(execute=True):
        plan = plan_create(
            municipality=city,
            day=kwargs.pop("day", city_tomorrow(city)),
            fraction=kwargs.pop("fraction", "plastic"),
            depot=depot,
            actor=None,
            **kwargs,
        )
    plan.refresh_from_db()
    return plan


def test_the_next_collection_day_follows_the_weekdays() -> None:
    friday = datetime.date(2026, 5, 8)
    assert next_collection_day(friday, [0, 1, 2, 3, 4, 5]) == datetime.date(2026, 5, 9)
    assert next_collection_day(friday, [0, 2]) == datetime.date(2026, 5, 11)
    assert next_collection_day(friday, []) == datetime.date(2026, 5, 15)


def test_a_container_forecast_predicts_the_fill_and_the_threshold(botosani: Municipality) -> None:
    fast = container_make(botosani, "fast", fill_per_day=0.3)
    container_make(botosani, "slow", fill_per_day=0.05, offset=0.002)
    now = timezone.now()

    forecast = container_forecast(fast, now=now, threshold=0.8)

    assert forecast is not None
    assert 0.85 <= forecast.fill_now <= 1.0
    assert forecast.threshold_at is not None and forecast.threshold_at <= now
    assert container_forecast(container_make(botosani, "new", fill_per_day=None), now=now) is None


def test_the_plan_takes_the_due_and_the_alerted_containers(
    botosani: Municipality, django_capture_on_commit_callbacks: Any
) -> None:
    depot, _truck = city_setup(botosani)
    due = container_make(botosani, "due", fill_per_day=0.3)
    slow = container_make(botosani, "slow", fill_per_day=0.02, offset=0.003)
    alerted = container_make(botosani, "alerted", fill_per_day=0.02, offset=-0.003)
    alert_open(botosani, alerted)
    unknown = container_make(botosani, "unknown", fill_per_day=None, offset=0.004)
    container_make(botosani, "glass", fill_per_day=0.3, fraction="glass", offset=0.005)

    plan = _create(botosani, django_capture_on_commit_callbacks, depot=depot)

    assert plan.status == PlanStatus.DRAFT
    assert plan.computed_at is not None
    reasons = {
        stop.container.code: stop.reason for stop in PlanStop.objects.filter(route__plan=plan)
    }
    assert reasons == {
        due.code: StopReason.FORECAST,
        alerted.code: StopReason.ALERT,
        unknown.code: StopReason.SCHEDULE,
    }
    assert slow.code not in reasons
    due_stop = PlanStop.objects.get(route__plan=plan, container=due)
    assert due_stop.predicted_fill is not None and due_stop.predicted_fill >= 0.8
    assert plan.is_feasible and plan.problems == []
    assert plan.distance_m > 0
    assert plan.baseline_distance_m >= plan.distance_m
    assert AuditLogEntry.objects.filter(
        target_type="waste.CollectionPlan", target_id=plan.pk, action="create"
    ).exists()


def test_routes_cover_each_chosen_container_once_within_capacity(
    botosani: Municipality, django_capture_on_commit_callbacks: Any
) -> None:
    depot, truck = city_setup(botosani)
    Truck.objects.filter(pk=truck.pk).update(capacity_litres=4000)
    second = TruckFactory.create(municipality=botosani, depot=depot, capacity_litres=4000)
    third = TruckFactory.create(municipality=botosani, depot=depot, capacity_litres=4000)
    codes = {
        container_make(botosani, f"c{n:02d}", fill_per_day=0.3, offset=0.001 * n).code
        for n in range(9)
    }

    plan = _create(
        botosani,
        django_capture_on_commit_callbacks,
        depot=depot,
        trucks=[Truck.objects.get(pk=truck.pk), second, third],
    )

    stops = list(PlanStop.objects.filter(route__plan=plan).select_related("container"))
    assert sorted(stop.container.code for stop in stops) == sorted(codes)
    routes = list(PlanRoute.objects.filter(plan=plan))
    assert len(routes) >= 3  # nine near-full 1,100-litre bins need three 4,000-litre loads
    for route in routes:
        assert route.load_litres <= 4000
        demands = [
            max(1, -(-int((stop.predicted_fill or 1) * 1100 * 1000) // 1000))
            for stop in stops
            if stop.route_id == route.pk
        ]
        assert abs(sum(demands) - route.load_litres) <= len(demands)
        sequences = [stop.sequence for stop in stops if stop.route_id == route.pk]
        assert sorted(sequences) == list(range(1, len(sequences) + 1))
    assert plan.distance_m == sum(route.distance_m for route in routes)
    assert plan.is_feasible


def test_the_fixed_schedule_costs_more_when_few_containers_are_due(
    botosani: Municipality, django_capture_on_commit_callbacks: Any
) -> None:
    depot, _truck = city_setup(botosani)
    for n in range(8):
        container_make(botosani, f"s{n}", fill_per_day=0.02, offset=0.004 * (n - 4))
    container_make(botosani, "near", fill_per_day=0.3, offset=-0.009)

    plan = _create(botosani, django_capture_on_commit_callbacks, depot=depot)

    assert PlanStop.objects.filter(route__plan=plan).count() == 1
    assert plan.baseline_distance_m > plan.distance_m > 0


def test_an_infeasible_plan_says_what_to_change(
    botosani: Municipality, django_capture_on_commit_callbacks: Any
) -> None:
    depot, _truck = city_setup(botosani)
    small = TruckFactory.create(municipality=botosani, depot=depot, capacity_litres=500)
    container_make(botosani, "big", fill_per_day=0.3)

    plan = _create(botosani, django_capture_on_commit_callbacks, depot=depot, trucks=[small])

    assert plan.status == PlanStatus.DRAFT
    assert not plan.is_feasible
    assert not plan.routes.exists()
    codes = {problem["code"] for problem in plan.problems}
    assert "stop_above_capacity" in codes
    messages = [problem_message(problem) for problem in plan.problems]
    assert any("raise the capacity to" in message for message in messages)
    with translation.override("ro"):
        romanian = [problem_message(problem) for problem in plan.problems]
    assert romanian != messages
    assert plan.baseline_distance_m > 0


def test_nothing_due_is_a_plan_without_routes(
    botosani: Municipality, django_capture_on_commit_callbacks: Any
) -> None:
    depot, _truck = city_setup(botosani)
    container_make(botosani, "slow", fill_per_day=0.02)

    plan = _create(botosani, django_capture_on_commit_callbacks, depot=depot)

    assert plan.status == PlanStatus.DRAFT
    assert not plan.routes.exists()
    assert plan.is_feasible and plan.distance_m == 0
    assert plan.baseline_distance_m > 0


def test_another_citys_depot_or_truck_is_refused(
    botosani: Municipality, timisoara: Municipality
) -> None:
    city_setup(botosani)
    their_depot = DepotFactory.create(municipality=timisoara)
    their_truck = TruckFactory.create(municipality=timisoara, depot=their_depot)

    with pytest.raises(ValidationError) as refused:
        plan_create(
            municipality=botosani,
            day=city_tomorrow(botosani),
            fraction="plastic",
            depot=their_depot,
            actor=None,
            trucks=[their_truck],
        )

    assert set(refused.value.message_dict) == {"depot", "trucks"}
    assert not CollectionPlan.objects.exists()


def test_a_past_day_an_idle_fleet_and_a_bad_threshold_are_refused(
    botosani: Municipality,
) -> None:
    depot, truck = city_setup(botosani)
    Truck.objects.filter(pk=truck.pk).update(is_active=False)

    with pytest.raises(ValidationError) as refused:
        plan_create(
            municipality=botosani,
            day=city_tomorrow(botosani) - datetime.timedelta(days=2),
            fraction="plastic",
            depot=depot,
            actor=None,
            threshold=1.5,
        )

    errors = refused.value.message_dict
    assert errors["day"] == ["A plan cannot be made for a day in the past."]
    assert errors["trucks"] == ["Choose at least one truck."]
    assert "threshold" in errors
    assert not CollectionPlan.objects.exists()


def test_a_second_plan_for_the_day_is_refused_and_points_to_the_first(
    botosani: Municipality, django_capture_on_commit_callbacks: Any
) -> None:
    depot, _truck = city_setup(botosani)
    first = _create(botosani, django_capture_on_commit_callbacks, depot=depot)

    with pytest.raises(PlanExistsError) as refused:
        plan_create(
            municipality=botosani,
            day=first.day,
            fraction="plastic",
            depot=depot,
            actor=None,
        )

    assert refused.value.plan == first
    assert "There is already a plan" in refused.value.messages[0]
    assert CollectionPlan.objects.count() == 1


@override_settings(WASTE_OSRM_URL="http://127.0.0.1:9")
def test_a_failed_computation_leaves_the_plan_failed_without_routes(
    botosani: Municipality, django_capture_on_commit_callbacks: Any
) -> None:
    depot, _truck = city_setup(botosani)
    container_make(botosani, "due", fill_per_day=0.3)

    plan = _create(botosani, django_capture_on_commit_callbacks, depot=depot)

    assert plan.status == PlanStatus.FAILED
    assert not plan.routes.exists()
    assert not PlanStop.objects.exists()
    assert "routing server" in problem_message(plan.problems[0])


def test_publish_and_recompute(
    botosani: Municipality, django_capture_on_commit_callbacks: Any
) -> None:
    depot, _truck = city_setup(botosani)
    container_make(botosani, "due", fill_per_day=0.3)
    plan = _create(botosani, django_capture_on_commit_callbacks, depot=depot)

    with django_capture_on_commit_callbacks(execute=True):
        plan_recompute(plan=plan, actor=None)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    assert PlanStop.objects.filter(route__plan=plan).count() == 1

    plan_publish(plan=plan, actor=None)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED
    with pytest.raises(ValidationError):
        plan_publish(plan=plan, actor=None)
    with pytest.raises(ValidationError):
        plan_recompute(plan=plan, actor=None)
    assert (
        AuditLogEntry.objects.filter(
            target_type="waste.CollectionPlan", target_id=plan.pk, action="update"
        ).count()
        == 2
    )


def test_computing_again_keeps_the_trucks_the_planner_chose(
    botosani: Municipality, django_capture_on_commit_callbacks: Any
) -> None:
    depot, first = city_setup(botosani)
    second = TruckFactory.create(municipality=botosani, depot=depot, name="Z second")
    container_make(botosani, "due", fill_per_day=0.3)
    plan = _create(botosani, django_capture_on_commit_callbacks, depot=depot, trucks=[second])
    assert list(plan.trucks.all()) == [second]
    assert {route.truck for route in plan.routes.all()} == {second}

    with django_capture_on_commit_callbacks(execute=True):
        plan_recompute(plan=plan, actor=None)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    assert list(plan.trucks.all()) == [second]
    assert {route.truck for route in plan.routes.all()} == {second}
    assert first not in plan.trucks.all()
