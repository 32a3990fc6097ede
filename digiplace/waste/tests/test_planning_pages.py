"""Planners' pages: who may open them, the new plan form (tomorrow's plastic plan), the plan
page (computing state, kilometres against the fixed schedule, problems, map data, publish),
another city's records, depots, trucks and settings."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from digiplace.core.models import AuditLogEntry, Municipality, StaffMembership
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.waste.models import (
    CollectionPlan,
    Depot,
    PlanStatus,
    Truck,
    WasteSettings,
)

from .factories import CollectionPlanFactory, DepotFactory, TruckFactory
from .planning_data import city_setup, city_tomorrow, container_make

pytestmark = pytest.mark.django_db

BOTOSANI = "botosani.localhost"


@pytest.fixture(autouse=True)
def _short_search(settings: Any) -> None:
    settings.WASTE_PLAN_SECONDS = 1


def staff_client(membership: StaffMembership | None = None, host: str = BOTOSANI) -> Client:
    client = Client(HTTP_HOST=host)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if membership is not None:
        client.force_login(membership.user)
    return client


@pytest.fixture
def planner(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="planner@botosani.example"),
        modules=["waste"],
    )


def test_planning_needs_the_waste_module(
    botosani: Municipality, botosani_staff: StaffMembership
) -> None:
    driver = StaffMembershipFactory.create(municipality=botosani, modules=["waste_rounds"])
    for url in (
        reverse("waste_backoffice:index"),
        reverse("waste_backoffice:plan_new"),
        reverse("waste_backoffice:fleet_list"),
        reverse("waste_backoffice:settings"),
    ):
        assert staff_client().get(url).status_code == 302
        assert staff_client(botosani_staff).get(url).status_code == 403
        assert staff_client(driver).get(url).status_code == 403


def test_the_planner_makes_tomorrows_plastic_plan(
    botosani: Municipality, planner: StaffMembership, django_capture_on_commit_callbacks: Any
) -> None:
    depot, truck = city_setup(botosani)
    container_make(botosani, "due-1", fill_per_day=0.3)
    container_make(botosani, "due-2", fill_per_day=0.3, offset=0.004)
    container_make(botosani, "slow", fill_per_day=0.02, offset=-0.004)
    client = staff_client(planner)

    index = client.get(reverse("waste_backoffice:index"))
    assert index.status_code == 200
    assert "New plan" in index.content.decode()
    form = client.get(reverse("waste_backoffice:plan_new"))
    assert form.status_code == 200
    assert form.context["form"]["day"].value() == city_tomorrow(botosani)
    assert form.context["form"]["threshold"].value() == 80

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("waste_backoffice:plan_new"),
            {
                "day": city_tomorrow(botosani).isoformat(),
                "fraction": "plastic",
                "depot": depot.pk,
                "trucks": [truck.pk],
                "threshold": 80,
            },
        )
    plan = CollectionPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("waste_backoffice:plan_detail", args=[plan.pk])

    page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert plan.status == PlanStatus.COMPUTING or "Draft" in text or "draft" in text
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    assert "Fixed schedule:" in text and "This plan:" in text and "% fewer" in text
    assert "Route 1" in text and "due-1" in text and "due-2" in text and "slow" not in text
    assert 'id="plan-map-data"' in text
    assert "Route sheet (PDF)" in text

    published = client.post(reverse("waste_backoffice:plan_publish", args=[plan.pk]))
    assert published.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED


def test_a_plan_being_computed_polls_until_done(
    botosani: Municipality, planner: StaffMembership
) -> None:
    depot, _truck = city_setup(botosani)
    plan = CollectionPlanFactory.create(
        municipality=botosani, depot=depot, status=PlanStatus.COMPUTING
    )
    client = staff_client(planner)

    text = client.get(reverse("waste_backoffice:plan_detail", args=[plan.pk])).content.decode()
    assert "The plan is being computed." in text
    assert reverse("waste_backoffice:plan_status", args=[plan.pk]) in text
    assert 'http-equiv="refresh"' in text
    still = client.get(reverse("waste_backoffice:plan_status", args=[plan.pk]))
    assert still.status_code == 200 and "being computed" in still.content.decode()

    CollectionPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.DRAFT)
    done = client.get(reverse("waste_backoffice:plan_status", args=[plan.pk]))
    assert done.status_code == 204 and done["HX-Refresh"] == "true"


def test_the_form_refuses_a_duplicate_and_links_to_the_plan(
    botosani: Municipality, planner: StaffMembership
) -> None:
    depot, _truck = city_setup(botosani)
    plan = CollectionPlanFactory.create(
        municipality=botosani, depot=depot, day=city_tomorrow(botosani), fraction="plastic"
    )

    response = staff_client(planner).post(
        reverse("waste_backoffice:plan_new"),
        {
            "day": city_tomorrow(botosani).isoformat(),
            "fraction": "plastic",
            "depot": depot.pk,
            "threshold": 80,
        },
    )

    text = response.content.decode()
    assert response.status_code == 400
    assert "There is already a plan" in text
    assert reverse("waste_backoffice:plan_detail", args=[plan.pk]) in text
    assert CollectionPlan.objects.count() == 1


def test_the_form_refuses_another_citys_depot_and_a_past_day(
    botosani: Municipality, timisoara: Municipality, planner: StaffMembership
) -> None:
    depot, _truck = city_setup(botosani)
    their_depot = DepotFactory.create(municipality=timisoara)
    client = staff_client(planner)

    theirs = client.post(
        reverse("waste_backoffice:plan_new"),
        {
            "day": city_tomorrow(botosani).isoformat(),
            "fraction": "plastic",
            "depot": their_depot.pk,
            "threshold": 80,
        },
    )
    past = client.post(
        reverse("waste_backoffice:plan_new"),
        {"day": "2020-01-01", "fraction": "plastic", "depot": depot.pk, "threshold": 80},
    )

    assert theirs.status_code == 400 and "depot" in theirs.context["form"].errors
    assert past.status_code == 400
    assert past.context["form"].errors["day"] == ["A plan cannot be made for a day in the past."]
    assert "A plan cannot be made for a day in the past." in past.content.decode()
    assert not CollectionPlan.objects.exists()


def test_another_citys_plan_route_and_truck_are_404(
    botosani: Municipality, timisoara: Municipality, planner: StaffMembership
) -> None:
    their_depot = DepotFactory.create(municipality=timisoara)
    their_plan = CollectionPlanFactory.create(municipality=timisoara, depot=their_depot)
    their_truck = TruckFactory.create(municipality=timisoara, depot=their_depot)
    client = staff_client(planner)

    assert (
        client.get(reverse("waste_backoffice:plan_detail", args=[their_plan.pk])).status_code == 404
    )
    assert (
        client.post(reverse("waste_backoffice:plan_publish", args=[their_plan.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("waste_backoffice:truck_edit", args=[their_truck.pk])).status_code == 404
    )
    assert (
        client.get(reverse("waste_backoffice:depot_edit", args=[their_depot.pk])).status_code == 404
    )


def test_an_infeasible_plan_page_says_what_to_change(
    botosani: Municipality, planner: StaffMembership, django_capture_on_commit_callbacks: Any
) -> None:
    depot, _truck = city_setup(botosani)
    small = TruckFactory.create(municipality=botosani, depot=depot, capacity_litres=500)
    container_make(botosani, "big", fill_per_day=0.3)
    client = staff_client(planner)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("waste_backoffice:plan_new"),
            {
                "day": city_tomorrow(botosani).isoformat(),
                "fraction": "plastic",
                "depot": depot.pk,
                "trucks": [small.pk],
                "threshold": 80,
            },
        )
    plan = CollectionPlan.objects.get()

    text = client.get(reverse("waste_backoffice:plan_detail", args=[plan.pk])).content.decode()
    assert "This plan cannot be kept as it is" in text
    assert "raise the capacity to" in text
    assert "Publish to the drivers" not in text


def test_depots_trucks_and_settings_are_saved_and_audited(
    botosani: Municipality, timisoara: Municipality, planner: StaffMembership
) -> None:
    client = staff_client(planner)
    their_depot = DepotFactory.create(municipality=timisoara)

    response = client.post(
        reverse("waste_backoffice:depot_new"),
        {"name": "Depot Sud", "latitude": "47.73", "longitude": "26.66"},
    )
    assert response.status_code == 302
    depot = Depot.objects.get(municipality=botosani)
    refused = client.post(
        reverse("waste_backoffice:truck_new"),
        {
            "name": "BT-01",
            "depot": their_depot.pk,
            "capacity_litres": 12000,
            "shift_start": "06:00",
            "shift_minutes": 480,
            "is_active": "on",
        },
    )
    assert refused.status_code == 400
    assert not Truck.objects.exists()
    created = client.post(
        reverse("waste_backoffice:truck_new"),
        {
            "name": "BT-01",
            "depot": depot.pk,
            "capacity_litres": 12000,
            "shift_start": "06:00",
            "shift_minutes": 480,
            "is_active": "on",
        },
    )
    assert created.status_code == 302
    truck = Truck.objects.get()
    assert truck.municipality == botosani
    edited = client.post(
        reverse("waste_backoffice:truck_edit", args=[truck.pk]),
        {
            "name": "BT-01",
            "depot": depot.pk,
            "capacity_litres": 16000,
            "shift_start": "05:30",
            "shift_minutes": 420,
        },
    )
    assert edited.status_code == 302
    truck.refresh_from_db()
    assert (truck.capacity_litres, truck.is_active) == (16000, False)

    bad = client.post(
        reverse("waste_backoffice:settings"),
        {
            "collection_weekdays": ["0", "3"],
            "threshold": "1.5",
            "road_factor": "1.3",
            "speed_kmh": "25",
            "service_seconds": "90",
        },
    )
    assert bad.status_code == 400
    assert not WasteSettings.objects.exists()
    saved = client.post(
        reverse("waste_backoffice:settings"),
        {
            "population": "106000",
            "collection_weekdays": ["0", "3"],
            "threshold": "0.75",
            "road_factor": "1.4",
            "speed_kmh": "22",
            "service_seconds": "120",
        },
    )
    assert saved.status_code == 302
    row = WasteSettings.objects.get(municipality=botosani)
    assert (row.collection_weekdays, row.threshold, row.population) == ([0, 3], 0.75, 106000)
    targets = set(
        AuditLogEntry.objects.filter(municipality=botosani).values_list("target_type", "action")
    )
    assert {
        ("waste.Depot", "create"),
        ("waste.Truck", "create"),
        ("waste.Truck", "update"),
        ("waste.WasteSettings", "create"),
    } <= targets
