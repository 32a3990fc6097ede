"""Property-based: generated query parameters never give a server error on the public
lists of the plans module or its read API. Strategies: ``digiplace.core.tests.fuzzing``."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import given

from digiplace.core.models import Municipality
from digiplace.core.tests.fuzzing import (
    FUZZ,
    assert_no_server_error,
    get,
    path_with,
    query_strategy,
)
from digiplace.plans.models import Plan
from digiplace.plans.tests.factories import KpiFactory, PillarFactory, PlanFactory, ProjectFactory

PROJECT_FILTERS = [
    "q",
    "status",
    "pillar",
    "funding_programme",
    "owner",
    "year",
    "digital_enabler",
    "kind",
    "page",
]
PATHS = {
    "/plans/": ["page"],
    "/plans/iap/": ["pillar"],
    "/plans/iap/projects/": PROJECT_FILTERS,
    "/plans/iap/kpis/": ["pillar", "page"],
    "/plans/iap/status/": ["pillar"],
    "/plans/iap/budget/": ["pillar"],
    "/plans/iap/reports/": ["page"],
    "/api/v1/plans/": ["page", "format"],
    "/api/v1/plans/iap/projects/": ["status", "pillar", "page", "format"],
    "/api/v1/plans/iap/kpis/": ["pillar", "page", "format"],
}


@pytest.fixture
def plan(botosani: Municipality) -> Plan:
    plan = PlanFactory.create(municipality=botosani, key="iap")
    pillar = PillarFactory.create(municipality=botosani, plan=plan, key="5.1")
    ProjectFactory.create(municipality=botosani, pillar=pillar, key="5.1-1")
    KpiFactory.create(municipality=botosani, plan=plan, pillar=pillar, key="K1")
    return plan


@pytest.mark.parametrize("path", PATHS)
def test_public_lists_and_the_api_never_fail(plan: Plan, path: str) -> None:
    client = Client()

    @FUZZ
    @given(pairs=query_strategy(PATHS[path]))
    def check(pairs: list[tuple[str, str]]) -> None:
        full_path = path_with(path, pairs)
        assert_no_server_error(get(client, full_path), full_path)

    check()
