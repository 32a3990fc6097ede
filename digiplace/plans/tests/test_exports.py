"""Open-data downloads: the whole plan as JSON and one CSV per table, without personal data,
in a fixed number of queries."""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from digiplace.core.cache_versions import cache_version_bump
from digiplace.core.models import Municipality
from digiplace.core.tests.factories import UserFactory
from digiplace.plans.models import Plan
from digiplace.plans.tests.factories import (
    ActivityFactory,
    ChangeRecordFactory,
    ExpressionOfInterestFactory,
    KpiFactory,
    MeasurementFactory,
    ObjectiveFactory,
    PillarFactory,
    PlanFactory,
    ProjectFactory,
    RiskFactory,
)

BOTOSANI = "botosani.localhost"


@pytest.fixture(autouse=True)
def _language_reset() -> Iterator[None]:
    yield
    translation.deactivate()


@pytest.fixture
def plan(botosani: Municipality) -> Plan:
    return PlanFactory.create(
        municipality=botosani, key="iap", title_en="Action plan", title_ro="Plan de acțiune"
    )


def _grow(plan: Plan, size: int) -> None:
    """``size`` projects, each with an activity, a KPI with two measurements, a risk, an
    expression of interest and a change by a named staff member."""
    municipality = plan.municipality
    pillar = PillarFactory.create(municipality=municipality, plan=plan)
    objective = ObjectiveFactory.create(municipality=municipality, pillar=pillar)
    staff = UserFactory.create(full_name="Staff Person", email=f"staff{size}@botosani.example")
    for _ in range(size):
        project = ProjectFactory.create(
            municipality=municipality, pillar=pillar, objective=objective
        )
        ActivityFactory.create(municipality=municipality, project=project, progress=50)
        kpi = KpiFactory.create(municipality=municipality, plan=plan, project=project)
        MeasurementFactory.create(municipality=municipality, kpi=kpi, entered_by=staff)
        MeasurementFactory.create(
            municipality=municipality, kpi=kpi, date=datetime.date(2024, 6, 30), entered_by=staff
        )
        RiskFactory.create(municipality=municipality, plan=plan, project=project)
        ExpressionOfInterestFactory.create(
            municipality=municipality,
            project=project,
            name="Volunteer Name",
            email=f"volunteer-{project.pk}@example.org",
            motivation="Private motivation",
        )
        ChangeRecordFactory.create(municipality=municipality, project=project, changed_by=staff)


def _csv(client: Client, table: str) -> list[dict[str, str]]:
    response = client.get(f"/plans/iap/download/{table}.csv", HTTP_HOST=BOTOSANI)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="iap-{table}.csv"'
    # Streamed by the view; small enough for the page cache to read it whole and store it.
    body = response.content.decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


PERSONAL = [
    "Volunteer Name",
    "volunteer-",
    "Private motivation",
    "Staff Person",
    "@botosani.example",
]


@pytest.mark.django_db
def test_json_download_has_the_whole_plan_and_nothing_personal(plan: Plan, client: Client) -> None:
    _grow(plan, 2)

    response = client.get("/plans/iap/download.json", HTTP_HOST=BOTOSANI)

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="iap.json"'
    body = response.content.decode()
    data = json.loads(body)
    assert data["plan"]["title"] == {"ro": "Plan de acțiune", "en": "Action plan"}
    assert sorted(data) == [
        "exported_at",
        "format",
        "kpis",
        "municipality",
        "pillars",
        "plan",
        "projects",
        "risks",
    ]
    assert len(data["pillars"]) == 1
    assert len(data["pillars"][0]["objectives"]) == 1
    assert len(data["projects"]) == 2
    first = data["projects"][0]
    assert first["progress"] == 50
    assert first["budget"] == {"amount": "100000", "currency": "EUR"}
    assert [activity["progress"] for activity in first["activities"]] == [50]
    assert len(data["kpis"]) == 2
    assert [m["date"] for m in data["kpis"][0]["measurements"]] == ["2023-06-30", "2024-06-30"]
    assert data["kpis"][0]["latest"] == {"value": "20", "date": "2024-06-30"}
    assert len(data["risks"]) == 2
    for text in PERSONAL:
        assert text not in body, text


@pytest.mark.django_db
def test_csv_tables_have_a_header_row_and_one_row_per_record(plan: Plan, client: Client) -> None:
    _grow(plan, 3)

    projects = _csv(client, "projects")
    activities = _csv(client, "activities")
    kpis = _csv(client, "kpis")
    measurements = _csv(client, "measurements")

    assert len(projects) == 3
    assert projects[0]["status"] == "planned"
    assert projects[0]["progress"] == "50"
    assert projects[0]["budget_amount"] == "100000"
    assert projects[0]["funding_programmes"] == "ERDF"
    assert set(projects[0]) >= {"title_ro", "title_en", "key", "pillar", "objective"}
    assert len(activities) == 3
    assert len(kpis) == 3
    assert kpis[0]["latest_value"] == "20"
    assert kpis[0]["status"] in {"on_track", "at_risk", "off_track", "no_data"}
    assert len(measurements) == 6
    assert list(measurements[0]) == ["kpi", "date", "value", "source", "note"]
    every_cell = "".join(
        str(row) for table in (projects, activities, kpis, measurements) for row in table
    )
    for text in PERSONAL:
        assert text not in every_cell, text


@pytest.mark.django_db
def test_csv_is_utf8_and_neutralises_spreadsheet_formulas(plan: Plan, client: Client) -> None:
    ProjectFactory.create(
        municipality=plan.municipality,
        pillar__plan=plan,
        pillar__municipality=plan.municipality,
        title_ro="Școala „Mihai Eminescu”",
        owner="=HYPERLINK(1)",
    )

    [row] = _csv(client, "projects")

    assert row["title_ro"] == "Școala „Mihai Eminescu”"
    assert row["owner"] == "'=HYPERLINK(1)"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/plans/iap/download.json", "/plans/iap/download/projects.csv"])
def test_downloads_refuse_unknown_tables_unpublished_and_foreign_plans(
    path: str, plan: Plan, timisoara: Municipality, client: Client
) -> None:
    PlanFactory.create(municipality=timisoara, key="smart")
    PlanFactory.create(municipality=plan.municipality, key="draft", is_published=False)

    answers = [
        client.get("/plans/iap/download/people.csv", HTTP_HOST=BOTOSANI).status_code,
        client.get(path.replace("iap", "draft"), HTTP_HOST=BOTOSANI).status_code,
        client.get(path.replace("iap", "smart"), HTTP_HOST=BOTOSANI).status_code,
        client.get(path, HTTP_HOST=BOTOSANI).status_code,
    ]

    assert answers == [404, 404, 404, 200]


def _queries(client: Client, path: str) -> int:
    # A rendered answer, not one from the page cache (core.page_cache).
    cache_version_bump(Municipality.objects.get(slug="botosani").pk, "plans")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, HTTP_HOST=BOTOSANI)
        if response.streaming:
            b"".join(response.streaming_content)  # type: ignore[attr-defined]
        else:
            assert response.content
    return len(queries)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/plans/iap/download.json",
        "/plans/iap/download/projects.csv",
        "/plans/iap/download/activities.csv",
        "/plans/iap/download/kpis.csv",
        "/plans/iap/download/measurements.csv",
    ],
)
def test_download_queries_do_not_grow_with_rows(plan: Plan, client: Client, path: str) -> None:
    _grow(plan, 2)
    _queries(client, path)  # warms the host → municipality cache
    small = _queries(client, path)
    _grow(plan, 15)

    large = _queries(client, path)

    assert large == small


@pytest.mark.django_db
def test_json_numbers_are_exact_decimal_strings(plan: Plan, client: Client) -> None:
    project = ProjectFactory.create(
        municipality=plan.municipality,
        pillar__plan=plan,
        pillar__municipality=plan.municipality,
        budget_amount=Decimal("682396.50"),
    )
    KpiFactory.create(
        municipality=plan.municipality, plan=plan, project=project, baseline_value=Decimal("13.50")
    )

    data: dict[str, Any] = client.get("/plans/iap/download.json", HTTP_HOST=BOTOSANI).json()

    assert data["projects"][0]["budget"]["amount"] == "682396.5"
    assert data["kpis"][0]["baseline"]["value"] == "13.5"
    assert data["kpis"][0]["project"] == project.key
