"""The modules' public pages pass axe-core and fit a phone, with real data in them."""

from __future__ import annotations

import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from digiplace.core.models import Municipality
from digiplace.mobility.models import ServiceAlert
from digiplace.mobility.selectors import planner as planner_selectors
from digiplace.mobility.tests.factories_people import (
    ServiceAlertFactory,
    people_line,
    prediction,
    vehicle_on,
)
from digiplace.mobility.tests.factories_plan import DAY, plan_network
from digiplace.participation.demo import organisations as organisations_demo
from digiplace.participation.demo import processes as processes_demo
from digiplace.participation.models import Organisation
from digiplace.plans.models import Plan, Project
from digiplace.reports.models import Report
from digiplace.urbandata.tests.factories import EntityFactory
from digiplace.waste.tests.factories import CollectionPointFactory, ContainerFactory

from .conftest import NewSession, Sites, axe_violations, choose_language, describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def mobility_pages(municipality: Municipality, base: str) -> list[str]:
    """Mobility's public pages with something in them: a line with a live bus and its
    timetable bus, an alert on a stop, chargers and car parks with their status, a journey."""
    planner_selectors.clear_cache()
    line = people_line(municipality, minutes_from_now=(4, 12, 75))
    stop = line.stops[1]
    live = line.trips[0].stop_times.get(stop=stop)
    vehicle_on(
        municipality,
        line.trips[0],
        delay_seconds=120,
        predictions=[prediction(live, timezone.now() + datetime.timedelta(minutes=6), 120)],
    )
    alert: ServiceAlert = ServiceAlertFactory.create(municipality=municipality)
    alert.stops.set([stop])
    alert.routes.set([line.route])
    for entity_type, name, attributes in (
        ("EVChargingStation", "Încărcare Primărie", {"capacity": 4, "availableCapacity": 1}),
        ("ParkingSpot", "Loc 12", {"status": "occupied"}),
        ("OffStreetParking", "Parcare Centru", {"totalSpotNumber": 120, "availableSpotNumber": 37}),
    ):
        EntityFactory.create(
            municipality=municipality,
            type=entity_type,
            name=name,
            latitude=municipality.centre_latitude,
            longitude=municipality.centre_longitude,
            attributes={
                key: {"type": "Property", "value": value} for key, value in attributes.items()
            },
        )
    plan_network(municipality, prefix="p")
    journey = f"origin=pA&destination=pC&date={DAY.isoformat()}&time=07:55&when=depart"
    return [
        f"{base}/mobility/",
        f"{base}/mobility/stops/",
        f"{base}/mobility/stops/{stop.gtfs_id}/",
        f"{base}/mobility/stops/{stop.gtfs_id}/display/",
        f"{base}/mobility/alerts/",
        f"{base}/mobility/alerts/{alert.pk}/",
        f"{base}/mobility/charging-parking/",
        f"{base}/mobility/planner/",
        f"{base}/mobility/planner/?{journey}",
        f"{base}/mobility/ridership/",
        f"{base}/mobility/data/",
    ]


@pytest.fixture
def module_pages(botosani: Municipality, timisoara: Municipality, sites: Sites) -> list[str]:
    call_command(
        "plans_load", str(Path(settings.BASE_DIR) / "data/plans/timisoara.yaml"), verbosity=0
    )
    call_command("reports_demo", "--reports", "30", verbosity=0)
    organisations_demo.demo_load(botosani=botosani, timisoara=timisoara)
    processes_demo.demo_load(botosani=botosani, timisoara=timisoara)
    plan = Plan.objects.get(municipality=timisoara)
    project = Project.objects.filter(plan=plan).first()
    report = Report.objects.filter(municipality=timisoara).first()
    organisation = Organisation.objects.filter(municipality=timisoara, status="verified").first()
    assert project is not None and report is not None and organisation is not None
    base = f"{sites.timisoara}/plans/{plan.key}"
    point = CollectionPointFactory.create(
        municipality=timisoara,
        code="p001",
        name="Piața Victoriei",
        latitude=timisoara.centre_latitude,
        longitude=timisoara.centre_longitude,
    )
    ContainerFactory.create(
        municipality=timisoara,
        point=point,
        code="p001-plastic",
        entity=EntityFactory.create(municipality=timisoara),
    )
    return [
        f"{base}/",
        f"{base}/projects/",
        f"{base}/projects/{project.key}/",
        f"{base}/status/",
        f"{base}/budget/",
        f"{base}/kpis/",
        f"{sites.timisoara}/reports/",
        f"{sites.timisoara}/reports/new/",
        f"{sites.timisoara}/reports/{report.pk}/",
        f"{sites.timisoara}/reports/statistics/",
        f"{sites.timisoara}/participation/",
        f"{sites.timisoara}/participation/processes/{processes_demo.TIMISOARA_SLUG}/",
        f"{sites.timisoara}/participation/organisations/",
        f"{sites.timisoara}/participation/organisations/{organisation.pk}/",
        f"{sites.timisoara}/waste/",
        f"{sites.timisoara}/waste/containers/",
        f"{sites.timisoara}/waste/containers/p001-plastic/",
        f"{sites.timisoara}/waste/figures/",
        f"{sites.timisoara}/waste/compliance/",
        *mobility_pages(timisoara, sites.timisoara),
    ]


def language_set(page: Page, url: str, language: str) -> None:
    """The header's language switch; a stop display (a full-screen panel, no header) takes
    the language from the cookie the switch would set."""
    if page.locator("form.language-switch").count():
        choose_language(page, language)
        return
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(url))
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": origin}]
    )
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", language)


def test_module_pages_pass_axe_in_both_languages(
    module_pages: list[str], new_session: NewSession
) -> None:
    session = new_session(bypass_csp=True)
    page = session.new_page()
    failures: list[str] = []

    for url in module_pages:
        for language in ("ro", "en"):
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            language_set(page, url, language)
            violations = axe_violations(page)
            if violations:
                failures.append(describe_violations(f"{url} ({language})", violations))

    assert not failures, "\n\n".join(failures)
    assert session.page_errors == []


def test_module_pages_fit_a_phone(module_pages: list[str], new_session: NewSession) -> None:
    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True)
    page = session.new_page()
    too_wide = []

    for url in module_pages:
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide.append(f"{url}: {width} px")

    assert too_wide == []
    assert session.page_errors == []
