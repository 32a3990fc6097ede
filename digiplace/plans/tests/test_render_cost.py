"""What a plans page costs when it is rendered (the page cache bypassed): a fixed number of
queries, none of them growing with the number of projects, activities, KPIs or readings,
because the aggregates come from the figures computed once per change (issue #9)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django import forms
from django.conf import settings
from django.db import connection
from django.template import engines
from django.template.loaders.cached import Loader as CachedLoader
from django.test import Client
from django.utils.safestring import mark_safe

from digiplace.core.models import Municipality
from digiplace.plans import selectors
from digiplace.plans.forms import QuickSelect
from digiplace.plans.models import Plan
from digiplace.plans.tests.factories import (
    ActivityFactory,
    ExpressionOfInterestFactory,
    GovernanceBodyFactory,
    GovernanceMemberFactory,
    KpiFactory,
    MeasurementFactory,
    ObjectiveFactory,
    PillarFactory,
    PlanFactory,
    ProjectFactory,
    RiskFactory,
    WorkingGroupFactory,
)

HOST = "botosani.localhost"
# A cookie the anonymous page cache does not accept: every request below is rendered.
RENDERED = "render_cost"

# Queries on the plans' own tables once the figures are cached, per page: the rows the
# page lists (a count and a page where it paginates), nothing per row.
PLANS_QUERIES = {
    "plan_list": 0,
    "plan_detail": 0,
    "pillar_detail": 2,  # its projects, its KPIs
    "objective_detail": 2,  # its projects, its KPIs
    "project_detail": 0,  # what it lists is read once per change, as the figures
    "project_list": 2,  # count, page
    "project_list_filtered": 2,
    "project_list_search": 3,  # and the facets of the searched projects
    "kpi_dashboard": 2,  # count, page
    "kpi_dashboard_pillar": 2,
    "budget_dashboard": 0,
    "status_overview": 2,  # located projects, recent changes
}


@dataclass
class Built:
    plan: Plan
    pillar_key: str
    objective_key: str
    project_key: str


def _build(city: Municipality, *, projects: int) -> Built:
    """A plan with ``projects`` projects, each with activities, a KPI with readings, a risk
    and an interest; two pillars with objectives, governance and working groups."""
    plan = PlanFactory.create(municipality=city, key="iap")
    pillars = [
        PillarFactory.create(municipality=city, plan=plan, key=f"A{number}", sdgs=[11])
        for number in (1, 2)
    ]
    objectives = [
        ObjectiveFactory.create(municipality=city, pillar=pillar, key=f"SO{pillar.key}")
        for pillar in pillars
    ]
    body = GovernanceBodyFactory.create(municipality=city, plan=plan)
    GovernanceMemberFactory.create(municipality=city, body=body)
    for pillar in pillars:
        WorkingGroupFactory.create(municipality=city, plan=plan, body=body, pillar=pillar)
    RiskFactory.create(municipality=city, plan=plan)
    first = None
    for number in range(projects):
        objective = objectives[number % 2]
        project = ProjectFactory.create(
            municipality=city,
            plan=plan,
            pillar=objective.pillar,
            objective=objective,
            key=f"P{number}",
            status=["planned", "in_progress", "completed"][number % 3],
            latitude=47.74 + number / 1000,
            longitude=26.66,
            budget_amount=Decimal(1000 * (number + 1)),
        )
        first = first or project
        for step in range(2):
            ActivityFactory.create(
                municipality=city, project=project, number=f"{number}.{step}", progress=50
            )
        kpi = KpiFactory.create(
            municipality=city, plan=plan, project=project, pillar=objective.pillar
        )
        for month in (3, 6):
            MeasurementFactory.create(
                municipality=city,
                kpi=kpi,
                date=datetime.date(2024, month, 1),
                value=Decimal(10 + month),
            )
        RiskFactory.create(municipality=city, plan=plan, project=project)
        WorkingGroupFactory.create(municipality=city, plan=plan, project=project)
        ExpressionOfInterestFactory.create(municipality=city, plan=plan, project=project)
        KpiFactory.create(municipality=city, plan=plan, objective=objective)
    assert first is not None
    return Built(
        plan=plan,
        pillar_key=pillars[0].key,
        objective_key=objectives[0].key,
        project_key=first.key,
    )


def _paths(built: Built) -> dict[str, str]:
    base = f"/plans/{built.plan.key}"
    return {
        "plan_list": "/plans/",
        "plan_detail": f"{base}/",
        "pillar_detail": f"{base}/pillars/{built.pillar_key}/",
        "objective_detail": (
            f"{base}/pillars/{built.pillar_key}/objectives/{built.objective_key}/"
        ),
        "project_detail": f"{base}/projects/{built.project_key}/",
        "project_list": f"{base}/projects/",
        "project_list_filtered": f"{base}/projects/?status=planned&pillar=A1&year=2023",
        "project_list_search": f"{base}/projects/?q=Project&status=planned",
        "kpi_dashboard": f"{base}/kpis/",
        "kpi_dashboard_pillar": f"{base}/kpis/?pillar=A1",
        "budget_dashboard": f"{base}/budget/",
        "status_overview": f"{base}/status/",
    }


def _queries(client: Client, path: str) -> list[str]:
    """The SQL of one rendered GET of ``path``, after a first one that computed the figures."""
    assert client.get(path, headers={"host": HOST}).status_code == 200, path
    executed: list[str] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(path, headers={"host": HOST})
    assert response.status_code == 200, path
    assert response.get("X-Cache") != "hit", path
    return executed


def _plans_tables(queries: list[str]) -> list[str]:
    return [sql for sql in queries if '"plans_' in sql]


def _client(language: str) -> Client:
    client = Client()
    client.cookies[RENDERED] = "1"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ro"])
def test_every_plans_page_runs_a_fixed_number_of_queries(
    botosani: Municipality, language: str
) -> None:
    # Given a plan of 3 projects, then the same plan grown to 12
    small = _build(botosani, projects=3)
    client = _client(language)
    counts_small = {name: _queries(client, path) for name, path in _paths(small).items()}
    Plan.objects.filter(pk=small.plan.pk).delete()
    large = _build(botosani, projects=12)

    # When each page is rendered again
    counts_large = {name: _queries(client, path) for name, path in _paths(large).items()}

    # Then each runs as many queries as before, and only the listed ones on the plans' tables
    for name, expected in PLANS_QUERIES.items():
        assert len(_plans_tables(counts_small[name])) == expected, name
        assert len(_plans_tables(counts_large[name])) == expected, name
        assert len(counts_large[name]) == len(counts_small[name]), name


@pytest.mark.django_db
def test_a_write_computes_the_figures_again(botosani: Municipality) -> None:
    # Given a plan whose figures are cached
    built = _build(botosani, projects=2)
    client = _client("en")
    path = f"/plans/{built.plan.key}/budget/"
    assert client.get(path, headers={"host": HOST}).status_code == 200

    # When a project's budget changes
    project = built.plan.projects.get(key=built.project_key)
    project.budget_amount = Decimal("5000000")
    project.save()

    # Then the next render computes the figures again and shows the new total; the one
    # after it reads them from the cache
    executed: list[str] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(path, headers={"host": HOST})
    assert "5,002,000 EUR" in response.content.decode()
    assert any('FROM "plans_project"' in sql for sql in executed)
    assert _plans_tables(_queries(client, path)) == []
    assert selectors.plan_figures(plan=built.plan).budget.total == Decimal("5002000")


@pytest.mark.django_db
def test_figures_match_the_direct_selectors(botosani: Municipality) -> None:
    # Given a plan
    built = _build(botosani, projects=5)
    plan = built.plan

    # When its figures are read (computed, then from the cache)
    computed = selectors.plan_figures(plan=plan)
    cached = selectors.plan_figures(plan=plan)

    # Then they say what the selectors say, read directly
    progress = selectors.project_progress_map(plan=plan)
    for figures in (computed, cached):
        assert figures.progress.projects == progress.projects
        assert figures.progress.plan.shown_percent == progress.plan.shown_percent
        assert figures.budget == selectors.budget_summary(plan=plan)
        assert figures.status_counts == selectors.status_counts(plan=plan)
        assert figures.filter_options == selectors.project_filter_options(plan=plan)
        assert figures.project_interest_counts == selectors.interest_counts(plan=plan)
        kpis = list(selectors.kpi_list(plan=plan, pillar_key="A1"))
        assert [
            (reading.kpi.pk, reading.latest_value, reading.status)
            for reading in figures.kpi_readings(kpis=kpis)
        ] == [
            (reading.kpi.pk, reading.latest_value, reading.status)
            for reading in selectors.kpi_readings(kpis=kpis)
        ]
        assert figures.kpi_status_counts(pillar_key="A1") == selectors.kpi_status_counts(
            kpis=selectors.kpi_list(plan=plan, pillar_key="A1")
        )
        assert [pillar.key for pillar in figures.pillars] == ["A1", "A2"]


@pytest.mark.parametrize("chosen", ["", "b&c", None, ["x"]])
def test_quick_select_writes_what_django_select_writes(chosen: object) -> None:
    # Given the same choices, with text to escape, an option group and a safe label
    choices = [
        ("", "All (3)"),
        ("b&c", 'Roads "<main>" & bridges (2)'),
        ("Group <1>", [("x", "X's (1)"), ("y", mark_safe("<b>Y</b>"))]),
        (7, "Seven"),
    ]
    attrs = {"id": "id_owner", "aria-describedby": "owner-help", "required": True, "x": False}

    # When both widgets render them
    expected = forms.Select(choices=choices).render("owner", chosen, attrs=attrs)
    quick = QuickSelect(choices=choices).render("owner", chosen, attrs=attrs)

    # Then the HTML is the same, character for character
    assert quick == expected


def test_templates_are_compiled_once_per_process() -> None:
    # Given the settings every mode shares (no "loaders" option: Django's default)
    engine = engines["django"].engine  # type: ignore[attr-defined]

    # Then templates are read through the cached loader, not parsed on every render
    assert isinstance(engine.template_loaders[0], CachedLoader)
    options = settings.TEMPLATES[0].get("OPTIONS", {})
    assert isinstance(options, dict)
    assert "loaders" not in options


@pytest.mark.django_db
def test_a_project_page_shows_a_new_reading_and_risk_on_the_next_request(
    botosani: Municipality,
) -> None:
    # Given a project page read once (what it lists is now cached)
    built = _build(botosani, projects=1)
    client = _client("en")
    path = f"/plans/{built.plan.key}/projects/{built.project_key}/"
    assert "Flooded underpass" not in client.get(path, headers={"host": HOST}).content.decode()
    project = built.plan.projects.get(key=built.project_key)

    # When a KPI reading and a risk are recorded
    kpi = project.kpis.get()
    MeasurementFactory.create(
        municipality=botosani, kpi=kpi, date=datetime.date(2025, 1, 1), value=Decimal("47")
    )
    RiskFactory.create(
        municipality=botosani, plan=built.plan, project=project, description_en="Flooded underpass"
    )

    # Then the next request shows both
    page = client.get(path, headers={"host": HOST}).content.decode()
    assert "Flooded underpass" in page
    assert "47%" in page
