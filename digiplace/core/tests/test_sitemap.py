"""/sitemap.xml: an index of sections listing every public page of the city's host, once."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from digiplace.core.models import Municipality
from digiplace.plans.tests.factories import ObjectiveFactory, PlanFactory, ProjectFactory
from digiplace.reports.tests.factories import ReportFactory
from digiplace.urbandata.tests.factories import EntityFactory
from digiplace.waste.tests.factories import ContainerFactory

BOTOSANI = "botosani.localhost:8000"
NAMESPACE = {"sitemap": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def locations(client: Client, url: str, host: str = BOTOSANI) -> list[str]:
    response = client.get(url, HTTP_HOST=host)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314 (our own server's answer)
    return [element.text or "" for element in root.findall("*/sitemap:loc", NAMESPACE)]


def every_page(client: Client, host: str = BOTOSANI) -> list[str]:
    pages: list[str] = []
    for section in locations(client, "/sitemap.xml", host):
        pages.extend(locations(client, section.removeprefix(f"http://{host}"), host))
    return pages


@pytest.mark.django_db
def test_sitemap_lists_the_city_public_pages_once(
    botosani: Municipality, timisoara: Municipality, client: Client
) -> None:
    objective = ObjectiveFactory.create(
        municipality=botosani, pillar__plan__key="pid", pillar__key="A1", key="SO1"
    )
    ProjectFactory.create(municipality=botosani, pillar=objective.pillar, key="P7")
    PlanFactory.create(municipality=botosani, key="draft", is_published=False)
    PlanFactory.create(municipality=timisoara, key="elsewhere")
    shown = ReportFactory.create(municipality=botosani)
    hidden = ReportFactory.create(municipality=botosani, is_hidden=True)
    other_city = ReportFactory.create(municipality=timisoara)

    sections = locations(client, "/sitemap.xml")
    pages = every_page(client)

    base = f"http://{BOTOSANI}"
    assert sections == [
        f"{base}/sitemap-pages.xml",
        f"{base}/sitemap-plans.xml",
        f"{base}/sitemap-reports.xml",
        f"{base}/sitemap-report-pages.xml",
        f"{base}/sitemap-participation.xml",
        f"{base}/sitemap-participation-processes.xml",
        f"{base}/sitemap-participation-surveys.xml",
        f"{base}/sitemap-participation-proposals.xml",
        f"{base}/sitemap-participation-budgets.xml",
        f"{base}/sitemap-participation-meetings.xml",
        f"{base}/sitemap-participation-organisations.xml",
        f"{base}/sitemap-urbandata.xml",
        f"{base}/sitemap-urbandata-air-stations.xml",
        f"{base}/sitemap-waste.xml",
        f"{base}/sitemap-waste-containers.xml",
        f"{base}/sitemap-mobility.xml",
        f"{base}/sitemap-mobility-stops.xml",
        f"{base}/sitemap-opendata.xml",
        f"{base}/sitemap-opendata-datasets.xml",
    ]
    assert pages == [
        f"{base}/",
        f"{base}/accounts/login/",
        f"{base}/accounts/register/",
        f"{base}/accounts/password-reset/",
        f"{base}/plans/",
        f"{base}/plans/pid/",
        f"{base}/plans/pid/projects/",
        f"{base}/plans/pid/status/",
        f"{base}/plans/pid/budget/",
        f"{base}/plans/pid/kpis/",
        f"{base}/plans/pid/reports/",
        f"{base}/plans/pid/pillars/A1/",
        f"{base}/plans/pid/pillars/A1/objectives/SO1/",
        f"{base}/plans/pid/projects/P7/",
        f"{base}/reports/",
        f"{base}/reports/new/",
        f"{base}/reports/statistics/",
        f"{base}/reports/{shown.pk}/",
        f"{base}/participation/",
        f"{base}/participation/surveys/",
        f"{base}/participation/proposals/",
        f"{base}/participation/budgets/",
        f"{base}/participation/meetings/",
        f"{base}/participation/organisations/",
        f"{base}/urbandata/",
        f"{base}/urbandata/air/",
        f"{base}/waste/",
        f"{base}/waste/containers/",
        f"{base}/waste/figures/",
        f"{base}/waste/compliance/",
        f"{base}/mobility/",
        f"{base}/mobility/stops/",
        f"{base}/mobility/alerts/",
        f"{base}/mobility/charging-parking/",
        f"{base}/mobility/planner/",
        f"{base}/mobility/ridership/",
        f"{base}/mobility/data/",
        # No dataset generated yet: the open-data index only.
        f"{base}/opendata/",
    ]
    assert f"{base}/reports/{hidden.pk}/" not in pages
    assert f"{base}/reports/{other_city.pk}/" not in pages


@pytest.mark.django_db
def test_every_page_in_the_sitemap_opens(botosani: Municipality, client: Client) -> None:
    ProjectFactory.create(municipality=botosani)
    ReportFactory.create(municipality=botosani)
    ContainerFactory.create(
        municipality=botosani, code="p01-glass", entity=EntityFactory.create(municipality=botosani)
    )

    pages = every_page(client)
    assert f"http://{BOTOSANI}/waste/containers/p01-glass/" in pages

    assert len(pages) > 10
    for page in pages:
        response = client.get(page.removeprefix(f"http://{BOTOSANI}"), HTTP_HOST=BOTOSANI)
        assert response.status_code == 200, page


@pytest.mark.django_db
def test_report_pages_are_paginated(
    botosani: Municipality, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from digiplace.reports.sitemaps import ReportPagesSitemap

    monkeypatch.setattr(ReportPagesSitemap, "limit", 2)
    reports = ReportFactory.create_batch(3, municipality=botosani)

    sections = locations(client, "/sitemap.xml")
    first = locations(client, "/sitemap-report-pages.xml")
    second = locations(client, "/sitemap-report-pages.xml?p=2")

    base = f"http://{BOTOSANI}"
    assert f"{base}/sitemap-report-pages.xml?p=2" in sections
    newest_first = [f"{base}/reports/{report.pk}/" for report in reversed(reports)]
    assert first + second == newest_first
    assert client.get("/sitemap-report-pages.xml?p=3", HTTP_HOST=BOTOSANI).status_code == 404


@pytest.mark.django_db
def test_unknown_section_is_not_found(botosani: Municipality, client: Client) -> None:
    assert client.get("/sitemap-nothing.xml", HTTP_HOST=BOTOSANI).status_code == 404


@pytest.mark.django_db
def test_platform_host_lists_its_landing_page_only(botosani: Municipality, client: Client) -> None:
    assert every_page(client, host="127.0.0.1:8000") == ["http://127.0.0.1:8000/"]


@pytest.mark.django_db
def test_plan_sections_cost_the_same_queries_whatever_the_plan_size(
    botosani: Municipality, client: Client, django_assert_max_num_queries: Any
) -> None:
    ProjectFactory.create(municipality=botosani, pillar__plan__key="small")
    with CaptureQueriesContext(connection) as small:
        small_pages = locations(client, "/sitemap-plans.xml")
    plan = PlanFactory.create(municipality=botosani, key="big")
    for _ in range(5):
        objective = ObjectiveFactory.create(municipality=botosani, pillar__plan=plan)
        ProjectFactory.create_batch(3, municipality=botosani, pillar=objective.pillar)

    with django_assert_max_num_queries(len(small.captured_queries)):
        big_pages = locations(client, "/sitemap-plans.xml")

    assert len(big_pages) == len(small_pages) + 6 + 5 * (1 + 1 + 3)
