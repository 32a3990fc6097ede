"""The plans module's open datasets: the rows on factory data (values, types, only published
plans, nothing personal, another city never), and their regeneration through the open-data
engine after a change in the plan."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from digiplace.core.datasets import dataset_spec, datasets_available
from digiplace.core.models import Municipality
from digiplace.core.tests.factories import UserFactory
from digiplace.plans.models import Plan, Project
from digiplace.plans.tests.factories import (
    ActivityFactory,
    ExpressionOfInterestFactory,
    KpiFactory,
    MeasurementFactory,
    PillarFactory,
    PlanFactory,
    ProjectFactory,
)

SLUGS = ("plans-projects", "plans-activities", "plans-budgets", "plans-kpis")


def rows_of(slug: str, municipality: Municipality) -> list[dict[str, Any]]:
    spec = dataset_spec(slug)
    assert spec is not None and spec.rows is not None
    rows = [dict(row) for row in spec.rows(municipality)]
    names = [column.name for column in spec.columns]
    for row in rows:
        assert list(row) == names  # every declared column, in order, nothing else
    return rows


@pytest.fixture
def plan(botosani: Municipality) -> Plan:
    return PlanFactory.create(municipality=botosani, key="smart-city")


@pytest.fixture
def project(plan: Plan) -> Project:
    pillar = PillarFactory.create(
        municipality=plan.municipality,
        plan=plan,
        key="A1",
        title_en="Mobility",
        title_ro="Mobilitate",
    )
    return ProjectFactory.create(
        municipality=plan.municipality,
        plan=plan,
        pillar=pillar,
        key="P1",
        title_en="Electric buses",
        title_ro="Autobuze electrice",
        owner_en="Transport department",
        owner_ro="Direcția Transport",
        status="in_progress",
        progress=40,
        budget_amount=Decimal("2500000.50"),
        budget_currency="EUR",
        funding_programmes_ro=["PNRR", "POR"],
        latitude=47.75,
        longitude=26.66,
    )


def test_each_table_is_published_where_a_published_plan_has_rows_for_it(
    botosani: Municipality, timisoara: Municipality, project: Project
) -> None:
    def available(city: Municipality) -> set[str]:
        return {spec.slug for spec in datasets_available(city)} & set(SLUGS)

    assert available(botosani) == {"plans-projects", "plans-budgets"}
    ActivityFactory.create(municipality=botosani, project=project)
    KpiFactory.create(municipality=botosani, plan=project.plan)
    assert available(botosani) == set(SLUGS)
    draft = PlanFactory.create(municipality=timisoara, is_published=False)
    KpiFactory.create(municipality=timisoara, plan=draft)
    ActivityFactory.create(municipality=timisoara, project__pillar__plan=draft)
    assert available(timisoara) == set()  # a draft plan publishes nothing
    for slug in SLUGS:
        spec = dataset_spec(slug)
        assert spec is not None and spec.module == "plans"
        assert spec.privacy.personal is False


def test_projects_rows_values_and_types(
    botosani: Municipality, timisoara: Municipality, project: Project
) -> None:
    ActivityFactory.create(municipality=botosani, project=project, progress=100)
    other_plan = PlanFactory.create(municipality=timisoara)
    ProjectFactory.create(municipality=timisoara, pillar__plan=other_plan, key="FOREIGN")
    draft = PlanFactory.create(municipality=botosani, is_published=False)
    ProjectFactory.create(municipality=botosani, pillar__plan=draft, key="DRAFT")

    rows = rows_of("plans-projects", botosani)

    assert [row["code"] for row in rows] == ["P1"]  # no draft plan, no other city
    row = rows[0]
    assert row["plan"] == "smart-city"
    assert row["title_en"] == "Electric buses"
    assert row["title_ro"] == "Autobuze electrice"
    assert row["pillar"] == "A1"
    assert row["pillar_title_ro"] == "Mobilitate"
    assert row["status"] == "in_progress"
    assert row["progress"] == 40  # staff's figure wins over the activities' mean
    assert row["responsible_en"] == "Transport department"
    assert row["responsible_ro"] == "Direcția Transport"
    assert row["budget_amount"] == 2500000.5 and isinstance(row["budget_amount"], float)
    assert row["budget_currency"] == "EUR"
    assert row["funding_programmes"] == "PNRR; POR"
    assert row["start_date"] == datetime.date(2022, 1, 1)
    assert row["start_precision"] == "year"
    assert (row["latitude"], row["longitude"]) == (47.75, 26.66)
    assert isinstance(row["updated"], datetime.datetime) and row["updated"].tzinfo is not None


def test_rows_do_not_depend_on_the_active_language(
    botosani: Municipality, project: Project
) -> None:
    with translation.override("en"):
        in_english = rows_of("plans-projects", botosani)
    with translation.override("ro"):
        in_romanian = rows_of("plans-projects", botosani)
    assert in_english == in_romanian


def test_activities_rows(botosani: Municipality, timisoara: Municipality, project: Project) -> None:
    ActivityFactory.create(
        municipality=botosani,
        project=project,
        number="1.1",
        title_en="Buy buses",
        title_ro="Achiziția autobuzelor",
        status="completed",
        progress=100,
        outputs_ro=["11 autobuze", "20 validatoare"],
    )
    ActivityFactory.create(municipality=timisoara, project__municipality=timisoara)

    rows = rows_of("plans-activities", botosani)

    assert len(rows) == 1
    row = rows[0]
    assert (row["plan"], row["project"], row["number"]) == ("smart-city", "P1", "1.1")
    assert row["title_ro"] == "Achiziția autobuzelor"
    assert row["status"] == "completed" and row["progress"] == 100
    assert row["outputs"] == "11 autobuze; 20 validatoare"
    assert row["end_date"] == datetime.date(2023, 12, 31)


def test_budgets_rows_only_projects_with_a_budget(botosani: Municipality, project: Project) -> None:
    ProjectFactory.create(
        municipality=botosani, plan=project.plan, pillar=project.pillar, budget_amount=None
    )
    rows = rows_of("plans-budgets", botosani)
    assert [row["project"] for row in rows] == ["P1"]
    assert rows[0]["budget_amount"] == 2500000.5
    assert (rows[0]["start_year"], rows[0]["end_year"]) == (2022, 2024)
    spec = dataset_spec("plans-budgets")
    assert spec is not None
    # Projects with a budget, the total in euro, the largest.
    assert [figure.compute(rows) for figure in spec.figures] == [1, 2500000.5, 2500000.5]


def test_kpi_rows_one_per_reading_and_one_for_an_indicator_never_measured(
    botosani: Municipality, timisoara: Municipality, plan: Plan
) -> None:
    staff = UserFactory.create(email="measurer@botosani.example", full_name="Secret Person")
    kpi = KpiFactory.create(
        municipality=botosani, plan=plan, key="K1", name_en="Bus riders", unit_en="riders"
    )
    MeasurementFactory.create(
        municipality=botosani, kpi=kpi, date=datetime.date(2024, 1, 1), value=Decimal("100"),
        entered_by=staff, note="entered by Secret Person",
    )  # fmt: skip
    MeasurementFactory.create(
        municipality=botosani, kpi=kpi, date=datetime.date(2025, 1, 1), value=Decimal("150.5")
    )
    KpiFactory.create(municipality=botosani, plan=plan, key="K2")
    MeasurementFactory.create(municipality=timisoara, kpi__municipality=timisoara)

    rows = rows_of("plans-kpis", botosani)

    assert [(row["kpi"], row["date"], row["value"]) for row in rows] == [
        ("K1", datetime.date(2024, 1, 1), 100.0),
        ("K1", datetime.date(2025, 1, 1), 150.5),
        ("K2", None, None),
    ]
    assert rows[0]["name_en"] == "Bus riders" and rows[0]["unit_en"] == "riders"
    assert rows[0]["baseline_value"] == 10.0 and rows[0]["target_value"] == 50.0
    assert rows[0]["higher_is_better"] is True
    published = repr(rows)
    assert "Secret Person" not in published and "measurer@" not in published
    spec = dataset_spec("plans-kpis")
    assert spec is not None
    figures = [figure.compute(rows) for figure in spec.figures]
    assert figures == [2, 1, 2]


def test_nothing_personal_in_any_plans_dataset(botosani: Municipality, project: Project) -> None:
    ExpressionOfInterestFactory.create(
        municipality=botosani,
        plan=project.plan,
        project=project,
        name="Maria Ionescu",
        email="maria@example.org",
        motivation="I live on this street",
    )
    for slug in SLUGS:
        published = repr(rows_of(slug, botosani))
        assert "Maria" not in published and "maria@example.org" not in published


def test_plans_datasets_regenerate_after_a_change_keeping_the_old_version(
    botosani: Municipality, project: Project
) -> None:
    from digiplace.opendata.models import DatasetVersion
    from digiplace.opendata.services import generate

    ActivityFactory.create(municipality=botosani, project=project, status="completed")
    MeasurementFactory.create(municipality=botosani, kpi__plan=project.plan)
    made: dict[str, DatasetVersion] = {}
    for slug in SLUGS:
        spec = dataset_spec(slug)
        assert spec is not None
        version = generate.dataset_generate(botosani, spec)
        assert version is not None and version.row_count == 1
        assert version.privacy_report["personal"] is False
        made[slug] = version
    spec = dataset_spec("plans-projects")
    assert spec is not None
    first = made["plans-projects"]
    assert first.figures == [1, 0, 1, 40.0]
    assert first.chart == {"x": ["in_progress"], "y": [1.0]}
    assert {item.key for item in first.distributions.all()} == {"csv", "json", "xlsx", "geojson"}
    assert generate.dataset_generate(botosani, spec) is None  # nothing changed

    Project.objects.filter(pk=project.pk).update(status="completed", progress=100)
    project.refresh_from_db()
    project.save()  # a change through the model, as staff's forms make it

    second = generate.dataset_generate(botosani, spec)
    assert second is not None and second.number == first.number + 1
    assert second.dataset.versions.filter(number=first.number).exists()  # the old one kept
    csv = second.distributions.get(key="csv").file.read().decode()
    assert "completed" in csv
