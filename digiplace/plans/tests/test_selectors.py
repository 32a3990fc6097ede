"""Progress roll-up and KPI status against the straight trajectory."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from digiplace.core.models import Municipality
from digiplace.plans import selectors
from digiplace.plans.models import Kpi
from digiplace.plans.selectors import KpiStatus
from digiplace.plans.tests.factories import (
    ActivityFactory,
    KpiFactory,
    MeasurementFactory,
    ObjectiveFactory,
    PillarFactory,
    PlanFactory,
    ProjectFactory,
)


@pytest.mark.django_db
def test_progress_rolls_up_weighted_from_activities(botosani: Municipality) -> None:
    plan = PlanFactory.create(municipality=botosani)
    pillar = PillarFactory.create(municipality=botosani, plan=plan)
    objective = ObjectiveFactory.create(municipality=botosani, pillar=pillar)
    from_activities = ProjectFactory.create(
        municipality=botosani, pillar=pillar, objective=objective, weight=1
    )
    ActivityFactory.create(municipality=botosani, project=from_activities, status="completed")
    ActivityFactory.create(municipality=botosani, project=from_activities, progress=50)
    ActivityFactory.create(municipality=botosani, project=from_activities)  # nothing yet: 0
    explicit = ProjectFactory.create(municipality=botosani, pillar=pillar, progress=20, weight=3)
    completed = ProjectFactory.create(municipality=botosani, pillar=pillar, status="completed")

    progress = selectors.project_progress_map(plan=plan)

    assert progress.projects == {from_activities.pk: 50, explicit.pk: 20, completed.pk: 100}
    # (50×1 + 20×3 + 100×1) / 5 = 42
    assert progress.pillars[pillar.pk].percent == 42
    assert progress.plan.percent == 42
    assert progress.objectives[objective.pk].percent == 50


@pytest.mark.django_db
def test_progress_map_runs_two_queries_for_any_size(
    botosani: Municipality, django_assert_num_queries: object
) -> None:
    plan = PlanFactory.create(municipality=botosani)
    for _ in range(30):
        ActivityFactory.create(
            municipality=botosani,
            project=ProjectFactory.create(
                municipality=botosani, pillar=PillarFactory.create(municipality=botosani, plan=plan)
            ),
        )

    with django_assert_num_queries(2):  # type: ignore[operator]
        selectors.project_progress_map(plan=plan)


def _kpi(**fields: object) -> Kpi:
    defaults: dict[str, object] = {
        "baseline_value": Decimal(10),
        "baseline_date": datetime.date(2022, 1, 1),
        "target_value": Decimal(30),
        "target_date": datetime.date(2026, 1, 1),
        "higher_is_better": True,
    }
    defaults.update(fields)
    return Kpi(**defaults)


@pytest.mark.parametrize(
    ("value", "status"),
    [
        (Decimal(20), KpiStatus.ON_TRACK),  # exactly on the line halfway
        (Decimal(25), KpiStatus.ON_TRACK),
        (Decimal("18.5"), KpiStatus.AT_RISK),  # 1.5 behind of a 20 span: 7.5 %
        (Decimal(17), KpiStatus.OFF_TRACK),  # 3 behind: 15 %
    ],
)
def test_kpi_status_against_the_trajectory(value: Decimal, status: str) -> None:
    halfway = datetime.date(2024, 1, 1)

    reading = selectors.kpi_status(kpi=_kpi(), latest_value=value, latest_date=halfway)

    assert reading.expected_value is not None
    assert round(reading.expected_value, 1) == Decimal("20.0")
    assert reading.status == status


def test_kpi_status_when_lower_is_better() -> None:
    kpi = _kpi(baseline_value=Decimal(40), target_value=Decimal(20), higher_is_better=False)
    halfway = datetime.date(2024, 1, 1)

    assert selectors.kpi_status(kpi=kpi, latest_value=Decimal(28), latest_date=halfway).status == (
        KpiStatus.ON_TRACK
    )
    assert selectors.kpi_status(kpi=kpi, latest_value=Decimal(31), latest_date=halfway).status == (
        KpiStatus.AT_RISK
    )
    assert selectors.kpi_status(kpi=kpi, latest_value=Decimal(36), latest_date=halfway).status == (
        KpiStatus.OFF_TRACK
    )


def test_kpi_without_target_or_measurement_has_no_status() -> None:
    no_target = _kpi(target_value=None)

    assert (
        selectors.kpi_status(
            kpi=no_target, latest_value=Decimal(5), latest_date=datetime.date(2024, 1, 1)
        ).status
        == KpiStatus.NO_DATA
    )
    assert selectors.kpi_status(kpi=_kpi(), latest_value=None, latest_date=None).status == (
        KpiStatus.NO_DATA
    )


@pytest.mark.django_db
def test_kpi_readings_use_the_latest_measurement(botosani: Municipality) -> None:
    kpi = KpiFactory.create(municipality=botosani)
    MeasurementFactory.create(
        municipality=botosani, kpi=kpi, date=datetime.date(2023, 1, 1), value=Decimal(90)
    )
    MeasurementFactory.create(
        municipality=botosani, kpi=kpi, date=datetime.date(2024, 1, 1), value=Decimal(12)
    )

    (reading,) = selectors.kpi_readings(kpis=[kpi])

    assert (reading.latest_value, reading.latest_date) == (Decimal(12), datetime.date(2024, 1, 1))
    assert reading.status == KpiStatus.OFF_TRACK


@pytest.mark.django_db
def test_project_list_filters_on_json_lists_and_year(botosani: Municipality) -> None:
    plan = PlanFactory.create(municipality=botosani)
    pillar = PillarFactory.create(municipality=botosani, plan=plan)
    erdf = ProjectFactory.create(
        municipality=botosani,
        pillar=pillar,
        funding_programmes=["ERDF", "PNRR"],
        digital_enablers=["IoT"],
        start_date=datetime.date(2021, 1, 1),
        end_date=datetime.date(2022, 12, 31),
    )
    ProjectFactory.create(
        municipality=botosani,
        pillar=pillar,
        funding_programmes=["ERDF 2021"],
        start_date=datetime.date(2024, 1, 1),
        end_date=datetime.date(2025, 12, 31),
    )

    assert list(selectors.project_list(plan=plan, funding_programme="ERDF")) == [erdf]
    assert list(selectors.project_list(plan=plan, digital_enabler="IoT")) == [erdf]
    assert list(selectors.project_list(plan=plan, year=2022)) == [erdf]
    assert selectors.project_filter_options(plan=plan)["years"] == [
        "2021",
        "2022",
        "2024",
        "2025",
    ]


def test_quarter_bounds() -> None:
    assert selectors.quarter_bounds(year=2024, quarter=1) == (
        datetime.date(2024, 1, 1),
        datetime.date(2024, 3, 31),
    )
    assert selectors.quarter_bounds(year=2024, quarter=4) == (
        datetime.date(2024, 10, 1),
        datetime.date(2024, 12, 31),
    )


@pytest.mark.django_db
def test_a_project_nothing_is_known_about_has_no_progress_and_stays_out_of_the_means(
    botosani: Municipality,
) -> None:
    plan = PlanFactory.create(municipality=botosani)
    pillar = PillarFactory.create(municipality=botosani, plan=plan)
    unknown = ProjectFactory.create(municipality=botosani, pillar=pillar, status="in_progress")
    ActivityFactory.create(municipality=botosani, project=unknown)  # says nothing either
    planned = ProjectFactory.create(municipality=botosani, pillar=pillar, status="planned")
    halfway = ProjectFactory.create(municipality=botosani, pillar=pillar, progress=60)
    silent_plan = PlanFactory.create(municipality=botosani)
    ProjectFactory.create(
        municipality=botosani,
        pillar=PillarFactory.create(municipality=botosani, plan=silent_plan),
        status="",
    )

    progress = selectors.project_progress_map(plan=plan)

    assert progress.projects == {planned.pk: 0, halfway.pk: 60}
    assert (progress.pillars[pillar.pk].shown_percent, progress.pillars[pillar.pk].projects) == (
        30,
        3,
    )
    assert selectors.project_progress_percent(project=unknown) is None
    assert selectors.project_progress_percent(project=planned) == 0
    assert selectors.plan_progress_percentages(plans=[plan, silent_plan]) == {
        plan.pk: 30,
        silent_plan.pk: None,
    }
    assert selectors.project_progress_map(plan=silent_plan).plan.shown_percent is None
