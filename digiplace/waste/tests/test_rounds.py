"""The drivers' phone pages: who may open them, today's published routes, a stop emptied
once (the entity emptied, one collection), a problem reported, htmx in place."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from digiplace.core.models import Municipality, StaffMembership
from digiplace.core.tests.factories import StaffMembershipFactory
from digiplace.urbandata.models import Entity
from digiplace.waste.models import (
    Collection,
    CollectionPlan,
    CollectionSource,
    PlanRoute,
    PlanStatus,
    PlanStop,
    StopReason,
)

from .factories import CollectionPlanFactory, DepotFactory, TruckFactory
from .planning_data import container_make

pytestmark = pytest.mark.django_db

BOTOSANI = "botosani.localhost"


def staff_client(membership: StaffMembership | None = None) -> Client:
    client = Client(HTTP_HOST=BOTOSANI)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if membership is not None:
        client.force_login(membership.user)
    return client


def published_route(city: Municipality, status: str = PlanStatus.PUBLISHED) -> PlanRoute:
    import zoneinfo

    from django.utils import timezone

    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(city.time_zone))
    depot = DepotFactory.create(municipality=city, name="Depot Nord")
    plan = CollectionPlanFactory.create(municipality=city, depot=depot, day=today, status=status)
    route = PlanRoute.objects.create(
        plan=plan,
        truck=TruckFactory.create(municipality=city, depot=depot, name="BT-07"),
        number=1,
        distance_m=8200,
        duration_s=3600,
        load_litres=1800,
    )
    for sequence, code in enumerate(("second-st", "first-st"), start=1):
        PlanStop.objects.create(
            route=route,
            container=container_make(city, code, fill_per_day=None, offset=0.001 * sequence),
            sequence=sequence,
            reason=StopReason.FORECAST,
            predicted_fill=0.85,
        )
    return route


@pytest.fixture
def driver(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(municipality=botosani, modules=["waste_rounds"])


def test_rounds_need_the_rounds_or_the_planning_module(
    botosani: Municipality, botosani_staff: StaffMembership, driver: StaffMembership
) -> None:
    route = published_route(botosani)
    planner = StaffMembershipFactory.create(municipality=botosani, modules=["waste"])
    url = reverse("waste_backoffice:rounds")
    assert url == "/backoffice/waste/rounds/"

    assert staff_client().get(url).status_code == 302
    assert staff_client(botosani_staff).get(url).status_code == 403
    page = staff_client(driver).get(url)
    assert page.status_code == 200 and "Route 1 · BT-07" in page.content.decode()
    assert staff_client(planner).get(url).status_code == 200
    route_url = reverse("waste_backoffice:rounds_route", args=[route.pk])
    assert staff_client(botosani_staff).get(route_url).status_code == 403
    assert staff_client(driver).get(reverse("waste_backoffice:index")).status_code == 403


def test_a_draft_or_another_citys_route_is_not_shown(
    botosani: Municipality, timisoara: Municipality, driver: StaffMembership
) -> None:
    draft = published_route(botosani, status=PlanStatus.DRAFT)
    theirs = published_route(timisoara)
    client = staff_client(driver)

    assert "Route 1" not in client.get(reverse("waste_backoffice:rounds")).content.decode()
    assert client.get(reverse("waste_backoffice:rounds_route", args=[draft.pk])).status_code == 404
    assert client.get(reverse("waste_backoffice:rounds_route", args=[theirs.pk])).status_code == 404
    their_stop = theirs.stops.first()
    assert their_stop is not None
    emptied = client.post(reverse("waste_backoffice:stop_emptied", args=[their_stop.pk]))
    assert emptied.status_code == 404
    assert not Collection.objects.exists()


def test_emptied_twice_records_one_collection_and_empties_the_entity(
    botosani: Municipality, driver: StaffMembership
) -> None:
    route = published_route(botosani)
    stop = route.stops.get(sequence=1)
    client = staff_client(driver)
    page = client.get(reverse("waste_backoffice:rounds_route", args=[route.pk])).content.decode()
    assert page.index("second-st") < page.index("first-st")

    first = client.post(reverse("waste_backoffice:stop_emptied", args=[stop.pk]))
    second = client.post(reverse("waste_backoffice:stop_emptied", args=[stop.pk]))

    assert first.status_code == 302 and first["Location"].endswith(f"#stop-{stop.pk}")
    assert second.status_code == 302
    collection = Collection.objects.get()
    assert collection.stop_id == stop.pk and collection.source == CollectionSource.DRIVER
    stop.refresh_from_db()
    assert stop.emptied_at == collection.collected_at and stop.done_by == driver.user
    entity = Entity.objects.get(waste_container=stop.container)
    assert entity.attributes["fillingLevel"]["value"] == 0.0
    assert "dateLastEmptying" in entity.attributes


def test_emptied_with_htmx_answers_the_stop_in_place(
    botosani: Municipality, driver: StaffMembership
) -> None:
    route = published_route(botosani)
    stop = route.stops.get(sequence=2)

    response = staff_client(driver).post(
        reverse("waste_backoffice:stop_emptied", args=[stop.pk]), HTTP_HX_REQUEST="true"
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert text.startswith(f'<li id="stop-{stop.pk}"') and "Emptied at" in text


def test_a_problem_is_reported_and_the_planner_sees_it(
    botosani: Municipality, driver: StaffMembership
) -> None:
    route = published_route(botosani)
    stops = list(route.stops.order_by("sequence"))
    client = staff_client(driver)

    refused = client.post(
        reverse("waste_backoffice:stop_problem", args=[stops[0].pk]), {"problem": "flooded"}
    )
    assert refused.status_code == 400
    form = client.get(reverse("waste_backoffice:stop_problem", args=[stops[0].pk]))
    assert "Access blocked" in form.content.decode() or "access blocked" in form.content.decode()
    reported = client.post(
        reverse("waste_backoffice:stop_problem", args=[stops[0].pk]),
        {"problem": "blocked", "note": "Parked car in front"},
    )
    assert reported.status_code == 302
    stops[0].refresh_from_db()
    assert (stops[0].problem, stops[0].problem_note) == ("blocked", "Parked car in front")
    assert not Collection.objects.exists()

    client.post(reverse("waste_backoffice:stop_emptied", args=[stops[1].pk]))
    plan = CollectionPlan.objects.get()
    assert plan.status == PlanStatus.DONE
    planner = StaffMembershipFactory.create(municipality=botosani, modules=["waste"])
    text = (
        staff_client(planner)
        .get(reverse("waste_backoffice:plan_detail", args=[plan.pk]))
        .content.decode()
    )
    assert "Problems reported by the drivers" in text and "Parked car in front" in text
