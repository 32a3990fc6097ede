"""The city's home map shows what the modules give (newest public reports, located projects)
and lists the same places under it; its notices promise only what the page has."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from digiplace.core.models import Municipality
from digiplace.plans.tests.factories import PlanFactory, ProjectFactory
from digiplace.reports.tests.factories import ReportFactory

LIST_PROMISE = "the list on this page has the same information"
PROJECT_TITLE = "Green corridor along the Siret"


def home_page(client: Client, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get("/", HTTP_HOST="botosani.localhost").content.decode()


def map_features(page: str) -> list[dict[str, object]]:
    found = re.search(
        r'<script id="city-map-features" type="application/json">(.*?)</script>', page
    )
    assert found is not None, "the home map has no features"
    features: list[dict[str, object]] = json.loads(found.group(1))["features"]
    return features


@pytest.mark.django_db
def test_home_map_shows_public_reports_and_located_projects_of_this_city_only(
    botosani: Municipality, timisoara: Municipality, client: Client
) -> None:
    # Given a public report, a hidden one, a located project, an unlocated one, a project of
    # an unpublished plan, and a report of another city
    report = ReportFactory.create(municipality=botosani, latitude=47.75, longitude=26.66)
    hidden = ReportFactory.create(municipality=botosani, is_hidden=True)
    plan = PlanFactory.create(municipality=botosani, is_published=True)
    project = ProjectFactory.create(
        municipality=botosani,
        pillar__plan=plan,
        latitude=47.74,
        longitude=26.67,
        title_en=PROJECT_TITLE,
    )
    ProjectFactory.create(municipality=botosani, pillar__plan=plan)
    draft = PlanFactory.create(municipality=botosani, is_published=False)
    ProjectFactory.create(municipality=botosani, pillar__plan=draft, latitude=47.7, longitude=26.6)
    ReportFactory.create(municipality=timisoara)

    # When the home page is opened in English
    html = home_page(client, "en")

    # Then the map has exactly the public report and the located project, with their links
    urls = sorted(str(feature["properties"]["url"]) for feature in map_features(html))  # type: ignore[index]
    project_url = f"/plans/{plan.key}/projects/{project.key}/"
    assert urls == sorted([f"/reports/{report.pk}/", project_url])
    assert f"/reports/{hidden.pk}/" not in html
    # And the list under the map links the same places, so the notice's promise holds
    assert f'<a href="/reports/{report.pk}/">#{report.pk} {report.category.name}</a>' in html
    assert f'<a href="{project_url}">{PROJECT_TITLE}</a>' in html
    assert LIST_PROMISE in html


@pytest.mark.django_db
def test_empty_home_map_promises_no_list(botosani: Municipality, client: Client) -> None:
    page = home_page(client, "en")

    assert LIST_PROMISE not in page
    assert "The background map could not be loaded. The places are still shown on it." in page
    assert "Nothing is marked on the map yet" in page
    assert 'id="city-map-features"' not in page


@pytest.mark.django_db
def test_cached_home_page_asks_the_modules_nothing(botosani: Municipality, client: Client) -> None:
    ReportFactory.create_batch(3, municipality=botosani)
    client.get("/", HTTP_HOST="botosani.localhost")

    with CaptureQueriesContext(connection) as queries:
        client.get("/", HTTP_HOST="botosani.localhost")

    assert not [query for query in queries if "reports_report" in query["sql"]]


@pytest.mark.django_db
def test_map_controls_and_credit_speak_the_page_language(
    botosani: Municipality, client: Client
) -> None:
    ro_page, en_page = home_page(client, "ro"), home_page(client, "en")
    assert 'data-zoom-in-title="Mărește"' in ro_page
    assert 'data-zoom-out-title="Micșorează"' in ro_page
    assert "contribuitorii" in ro_page and "contributors" not in ro_page
    assert 'data-zoom-in-title="Zoom in"' in en_page
    assert "OpenStreetMap&lt;/a&gt; contributors" in en_page
