"""The waste figures on hand-computed examples (recycling rate, kilograms per person,
collections and kilometres per week in the city's time zone), the figures page, and the
daily job that records them as the plans' KPI measurements once per week."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from digiplace.core.models import Municipality
from digiplace.core.periodic import periodic_jobs
from digiplace.plans.models import Kpi, Measurement
from digiplace.plans.tests.factories import KpiFactory
from digiplace.waste import periodic
from digiplace.waste.models import (
    CollectionPlan,
    Fraction,
    PlanRoute,
    PlanStatus,
    WasteSettings,
)
from digiplace.waste.selectors.figures import week_start, weekly_figures
from digiplace.waste.services.figures import figures_kpis_record

from .factories import (
    CollectionFactory,
    CollectionPlanFactory,
    ContainerFactory,
    TruckFactory,
)

pytestmark = pytest.mark.django_db

BUCHAREST = zoneinfo.ZoneInfo("Europe/Bucharest")
# A week of the past, Monday 2 to Sunday 8 November 2026 (EET, UTC+2).
MONDAY = datetime.date(2026, 11, 2)
TODAY = datetime.date(2026, 11, 11)  # the Wednesday after: that week is complete


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=BUCHAREST)


def collect(
    city: Municipality, fraction: str, kilograms: float | None, at: datetime.datetime
) -> None:
    container = ContainerFactory.create(municipality=city, fraction=fraction)
    CollectionFactory.create(
        municipality=city, container=container, collected_at=at, weight_kg=kilograms
    )


def plan(city: Municipality, day: datetime.date, status: str, *metres: int) -> CollectionPlan:
    made = CollectionPlanFactory.create(municipality=city, day=day, status=status)
    truck = TruckFactory.create(municipality=city, depot=made.depot)
    for number, distance in enumerate(metres, start=1):
        PlanRoute.objects.create(
            plan=made,
            truck=truck,
            number=number,
            distance_m=distance,
            duration_s=3600,
            load_litres=10_000,
        )
    made.distance_m = sum(metres)
    made.save()
    return made


@pytest.fixture
def week_of_data(botosani: Municipality) -> Municipality:
    """Three collections of known weights in the week, one without a weight, plans."""
    WasteSettings.objects.create(municipality=botosani, population=1000)
    collect(botosani, Fraction.RESIDUAL, 100.0, local(MONDAY, 7))
    collect(botosani, Fraction.PLASTIC, 30.0, local(MONDAY + datetime.timedelta(days=2), 9))
    collect(botosani, Fraction.PAPER, 20.0, local(MONDAY + datetime.timedelta(days=6), 23, 30))
    collect(botosani, Fraction.GLASS, None, local(MONDAY + datetime.timedelta(days=3), 10))
    plan(botosani, MONDAY, PlanStatus.DONE, 12_000, 8_000)
    plan(botosani, MONDAY + datetime.timedelta(days=1), PlanStatus.PUBLISHED, 5_500)
    # Not driven: a draft and a failed plan add no kilometres.
    plan(botosani, MONDAY + datetime.timedelta(days=2), PlanStatus.DRAFT, 40_000)
    plan(botosani, MONDAY + datetime.timedelta(days=3), PlanStatus.FAILED, 40_000)
    return botosani


def test_a_weeks_figures_on_a_hand_computed_example(week_of_data: Municipality) -> None:
    weeks = weekly_figures(municipality=week_of_data, today=TODAY, weeks=2)

    assert [week.start for week in weeks] == [MONDAY, MONDAY + datetime.timedelta(days=7)]
    week = weeks[0]
    assert week.is_complete and not weeks[1].is_complete
    assert week.collections == 4
    assert week.weight_kg == 150.0
    assert week.separate_kg == 50.0
    assert week.recycling_rate == pytest.approx(100 * 50 / 150)
    assert week.kg_per_person == pytest.approx(0.15)
    assert week.kg_per_person_year == pytest.approx(0.15 * 365.25 / 7)
    assert week.distance_m == 25_500 and week.kilometres == 25.5
    assert not weeks[1].has_data and weeks[1].recycling_rate is None


def test_weeks_are_cut_at_midnight_in_the_citys_time_zone(botosani: Municipality) -> None:
    sunday_night = local(MONDAY + datetime.timedelta(days=6), 23, 30)  # 21:30 UTC
    monday_morning = local(MONDAY + datetime.timedelta(days=7), 1, 30)  # Sunday 23:30 UTC
    collect(botosani, Fraction.RESIDUAL, 10.0, sunday_night)
    collect(botosani, Fraction.RESIDUAL, 7.0, monday_morning)

    weeks = weekly_figures(municipality=botosani, today=TODAY, weeks=2)

    assert [(week.collections, week.weight_kg) for week in weeks] == [(1, 10.0), (1, 7.0)]


def test_without_a_population_there_are_no_kilograms_per_person(botosani: Municipality) -> None:
    collect(botosani, Fraction.RESIDUAL, 10.0, local(MONDAY, 9))

    week = weekly_figures(municipality=botosani, today=TODAY, weeks=2)[0]

    assert week.weight_kg == 10.0 and week.recycling_rate == 0.0
    assert week.kg_per_person is None and week.kg_per_person_year is None


def test_another_citys_collections_do_not_count(
    week_of_data: Municipality, timisoara: Municipality
) -> None:
    weeks = weekly_figures(municipality=timisoara, today=TODAY, weeks=2)
    assert not any(week.has_data for week in weeks)


def english(host: str = "botosani.localhost") -> Client:
    client = Client(HTTP_HOST=host)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_figures_page_shows_the_weeks(botosani: Municipality) -> None:
    last_monday = week_start(timezone.localdate()) - datetime.timedelta(days=7)
    WasteSettings.objects.create(municipality=botosani, population=2000)
    collect(botosani, Fraction.RESIDUAL, 300.0, local(last_monday + datetime.timedelta(days=2), 9))
    collect(botosani, Fraction.GLASS, 100.0, local(last_monday + datetime.timedelta(days=2), 11))
    plan(botosani, last_monday + datetime.timedelta(days=2), PlanStatus.DONE, 18_250)

    response = english().get(reverse("waste:figures"))

    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["rate"] == pytest.approx(25.0)
    assert "25.0 %" in html
    # 400 kg in one week for 2,000 people: 0.2 kg, 10.4 kg a year at that pace.
    assert response.context["kg_per_person_year"] == pytest.approx(0.2 * 365.25 / 7)
    assert "0.20" in html and "18.2" in html
    assert [chart["id"] for chart in response.context["charts"]] == [
        "waste-recycling",
        "waste-kg-person",
        "waste-collections",
        "waste-kilometres",
    ]
    assert "The number of residents served is not set" not in html


def test_the_figures_page_says_when_there_is_nothing_or_no_population(
    botosani: Municipality, timisoara: Municipality
) -> None:
    empty = english("timisoara.localhost").get(reverse("waste:figures"))
    assert empty.status_code == 200
    assert "No collection or collection plan has been recorded in these weeks yet." in (
        empty.content.decode()
    )

    last_monday = week_start(timezone.localdate()) - datetime.timedelta(days=7)
    collect(botosani, Fraction.PAPER, 10.0, local(last_monday, 12))
    response = english().get(reverse("waste:figures"))
    html = response.content.decode()
    assert "The number of residents served is not set" in html
    assert "waste-kg-person" not in [chart["id"] for chart in response.context["charts"]]


@pytest.fixture
def kpis(botosani: Municipality) -> dict[str, Kpi]:
    recycling = KpiFactory.create(municipality=botosani, key="A5-recycling", unit="%")
    household = KpiFactory.create(
        municipality=botosani,
        plan=recycling.plan,
        key="A5-household-waste",
        unit="kg per capita",
        higher_is_better=False,
    )
    return {"recycling": recycling, "household": household}


def test_the_kpi_job_records_each_complete_week_once(
    week_of_data: Municipality, kpis: dict[str, Kpi], timisoara: Municipality
) -> None:
    other = KpiFactory.create(municipality=timisoara, key="A5-recycling", unit="%")
    translation.activate("en")

    added = figures_kpis_record(municipality=week_of_data, today=TODAY)

    sunday = MONDAY + datetime.timedelta(days=6)
    assert {(m.kpi.key, m.date, m.value) for m in added} == {
        ("A5-recycling", sunday, Decimal("33.33")),
        ("A5-household-waste", sunday, Decimal("7.83")),
    }
    measurement = Measurement.objects.get(kpi=kpis["recycling"])
    assert measurement.entered_by is None
    # In the city's language (Botoșani speaks Romanian), whatever the reader's.
    assert measurement.source.startswith("Modulul de deșeuri DigiPlace")
    # Again, the next day: the week is there already; another city's KPI is not touched.
    again = figures_kpis_record(municipality=week_of_data, today=TODAY + datetime.timedelta(1))
    assert again == []
    assert Measurement.objects.filter(kpi__in=kpis.values()).count() == 2
    assert not Measurement.objects.filter(kpi=other).exists()


def test_the_kpi_job_records_nothing_without_data(
    botosani: Municipality, kpis: dict[str, Kpi]
) -> None:
    # A week with kilometres but no collection: no rate, no kilograms, no measurement.
    plan(botosani, MONDAY, PlanStatus.DONE, 10_000)

    assert figures_kpis_record(municipality=botosani, today=TODAY) == []
    assert not Measurement.objects.exists()


def test_the_kpi_job_leaves_kilograms_per_person_without_a_population(
    botosani: Municipality, kpis: dict[str, Kpi]
) -> None:
    collect(botosani, Fraction.GLASS, 40.0, local(MONDAY, 8))
    collect(botosani, Fraction.RESIDUAL, 60.0, local(MONDAY, 9))

    added = figures_kpis_record(municipality=botosani, today=TODAY)

    assert [(m.kpi.key, m.value) for m in added] == [("A5-recycling", Decimal("40.00"))]


def test_the_kpi_job_is_a_daily_periodic_job(botosani: Municipality, kpis: dict[str, Kpi]) -> None:
    jobs = {job.name: job for job in periodic_jobs()}
    job = jobs["waste.figures_kpis_record"]
    assert job.interval == datetime.timedelta(days=1)
    assert job.task is periodic.figures_kpis_record
    # Run as the worker would: last week's collections become a measurement, once.
    last_monday = week_start(timezone.localdate()) - datetime.timedelta(days=7)
    collect(botosani, Fraction.PLASTIC, 25.0, local(last_monday + datetime.timedelta(days=1), 9))
    collect(botosani, Fraction.RESIDUAL, 75.0, local(last_monday + datetime.timedelta(days=1), 10))

    assert periodic.figures_kpis_record.call() == 1
    assert periodic.figures_kpis_record.call() == 0
    measurement = Measurement.objects.get(kpi=kpis["recycling"])
    assert (measurement.date, measurement.value) == (
        last_monday + datetime.timedelta(days=6),
        Decimal("25.00"),
    )
