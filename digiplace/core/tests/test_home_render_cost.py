"""What the city's home page costs when it is rendered (the page cache bypassed): after a
change, one narrow query per module for the map's places, whatever their number; while
nothing changed, none (its sections come from the fragment cache keyed by the versions)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from digiplace.core.models import Municipality
from digiplace.plans.models import Plan
from digiplace.plans.tests.factories import PillarFactory, ProjectFactory

HOST = "botosani.localhost"


def _queries(client: Client) -> tuple[list[str], str]:
    executed: list[str] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get("/", headers={"host": HOST})
    assert response.status_code == 200
    assert response.get("X-Cache") != "hit"
    return executed, response.content.decode()


def _client() -> Client:
    client = Client()
    client.cookies["render_cost"] = "1"  # not a cookie the page cache accepts: rendered
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _located_projects(city: Municipality, count: int, *, start: int = 0) -> None:
    pillar = PillarFactory.create(municipality=city, plan__municipality=city, plan__key="iap")
    for number in range(start, start + count):
        ProjectFactory.create(
            municipality=city,
            pillar=pillar,
            key=f"P{number}",
            title_en=f"Located project {number}",
            latitude=47.74 + number / 1000,
            longitude=26.66,
        )


@pytest.mark.django_db
def test_home_page_reads_each_modules_places_with_one_narrow_query(
    botosani: Municipality,
) -> None:
    # Given a city with 2 located projects, then 9 (the map shows at most 10)
    client = _client()
    _queries(client)  # the city's host and versions read once
    _located_projects(botosani, 2)
    few, few_page = _queries(client)
    Plan.objects.filter(municipality=botosani).delete()
    _located_projects(botosani, 9, start=10)

    # When the home page is rendered after that change
    many, many_page = _queries(client)

    # Then it ran as many queries, one of them on the plans' projects, without descriptions
    assert len(many) == len(few)
    projects = [sql for sql in many if 'FROM "plans_project"' in sql]
    assert len(projects) == 1
    assert "description" not in projects[0]
    assert "Located project 18" in many_page
    assert "Located project 1" in few_page


@pytest.mark.django_db
def test_home_page_asks_the_modules_nothing_while_nothing_changed(
    botosani: Municipality,
) -> None:
    # Given a home page rendered once
    client = _client()
    _located_projects(botosani, 3)
    _queries(client)

    # When it is rendered again with no change in between
    again, page = _queries(client)

    # Then no module's table is read (the sections come from the fragment cache)
    assert [sql for sql in again if '"plans_' in sql or '"reports_' in sql] == []
    assert "Located project 2" in page
