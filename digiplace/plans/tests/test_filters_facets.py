"""The project list's filters offer only values with projects behind them, with counts,
each counted with the other active filters (faceted)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from digiplace.core.models import Municipality
from digiplace.plans import selectors
from digiplace.plans.models import Plan
from digiplace.plans.tests.factories import PillarFactory, PlanFactory, ProjectFactory

BOTOSANI = "botosani.localhost"


@pytest.fixture
def plan(botosani: Municipality) -> Plan:
    plan = PlanFactory.create(municipality=botosani, key="iap", pillar_label_en="Theme")
    mobility = PillarFactory.create(
        municipality=botosani, plan=plan, key="M", title_en="Mobility", position=0
    )
    energy = PillarFactory.create(
        municipality=botosani, plan=plan, key="E", title_en="Energy", position=1
    )
    PillarFactory.create(municipality=botosani, plan=plan, key="W", title_en="Water", position=2)
    ProjectFactory.create(
        municipality=botosani,
        pillar=mobility,
        title_en="Electric buses",
        status="in_progress",
        funding_programmes=["ERDF", "Local budget"],
        start_date=datetime.date(2023, 1, 1),
        end_date=datetime.date(2024, 12, 31),
    )
    ProjectFactory.create(
        municipality=botosani,
        pillar=mobility,
        title_en="Bike lanes",
        status="planned",
        funding_programmes=["Local budget"],
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2025, 12, 31),
    )
    ProjectFactory.create(
        municipality=botosani,
        pillar=energy,
        title_en="Solar roofs",
        status="planned",
        funding_programmes=["ERDF"],
        start_date=datetime.date(2024, 1, 1),
        end_date=datetime.date(2026, 12, 31),
    )
    return plan


def _options(client: Client, query: str = "") -> dict[str, list[str]]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(f"/plans/iap/projects/{query}", HTTP_HOST=BOTOSANI)
    assert response.status_code == 200
    page = response.content.decode()
    options = {}
    for name in ("status", "pillar", "funding_programme", "year"):
        select = re.search(rf'<select name="{name}".*?</select>', page, re.S)
        assert select is not None, name
        options[name] = [
            text.strip() for text in re.findall(r"<option[^>]*>([^<]*)</option>", select.group(0))
        ]
    return options


def test_each_option_has_its_count_and_empty_ones_are_left_out(client: Client, plan: Plan) -> None:
    options = _options(client)

    assert options["pillar"] == ["All (3)", "Mobility (2)", "Energy (1)"]  # no Water
    assert options["status"] == ["All (3)", "Planned (2)", "In progress (1)"]
    assert options["funding_programme"] == ["All (3)", "ERDF (2)", "Local budget (2)"]
    assert options["year"] == [
        "All (3)",
        "2023 (1)",
        "2024 (2)",
        "2025 (2)",
        "2026 (1)",
    ]


def test_counts_apply_the_other_filters_but_not_their_own(client: Client, plan: Plan) -> None:
    options = _options(client, "?pillar=M&year=2025")

    assert options["pillar"] == ["All (2)", "Mobility (1)", "Energy (1)"]
    assert options["year"] == ["All (2)", "2023 (1)", "2024 (1)", "2025 (1)"]
    assert options["status"] == ["All (1)", "Planned (1)"]


def test_a_chosen_value_with_nothing_behind_it_stays(client: Client, plan: Plan) -> None:
    options = _options(client, "?pillar=E&status=in_progress")

    assert options["status"] == ["All (1)", "Planned (1)", "In progress (0)"]


def test_the_counts_take_one_query(
    plan: Plan, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    years = selectors.project_filter_options(plan=plan)["years"]

    with django_assert_num_queries(1):
        counts = selectors.project_facets(plan=plan, years=years, funding_programme="ERDF")

    assert counts["funding_programme"] == {"": 3, "ERDF": 2, "Local budget": 2}
    assert counts["pillar"] == {"": 2, "M": 1, "E": 1}


@pytest.mark.django_db
def test_a_project_of_unknown_status_counts_once_under_all(plan: Plan) -> None:
    ProjectFactory.create(
        municipality=plan.municipality, pillar=plan.pillars.get(key="E"), status=""
    )

    counts = selectors.project_facets(plan=plan, years=[])

    assert counts["status"] == {"": 4, "in_progress": 1, "planned": 2}
