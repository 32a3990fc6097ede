"""The page cache is on: after each plan write (an edit, a translation, a KPI reading) the
plan's public pages, its exports and the city's home page show it on the next request, in
both languages, and another city's cached pages are untouched (core.page_cache)."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client

from digiplace.core.models import Municipality
from digiplace.plans.models import Kpi, Plan, Project
from digiplace.plans.services import measurement_create, project_update_status
from digiplace.plans.tests.factories import KpiFactory, PlanFactory, ProjectFactory

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"


def visitor(language: str, host: str = BOTOSANI) -> Client:
    client = Client(HTTP_HOST=host)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def warm(client: Client, path: str) -> None:
    """Visit twice: the second answer comes from the cache."""
    first = client.get(path)
    assert first.status_code == 200, path
    assert first["X-Cache"] == "miss", path
    assert client.get(path)["X-Cache"] == "hit", path


@pytest.fixture
def plan(botosani: Municipality) -> Plan:
    return PlanFactory.create(municipality=botosani, key="sidu")


@pytest.fixture
def project(plan: Plan) -> Project:
    return ProjectFactory.create(
        municipality=plan.municipality,
        pillar__plan=plan,
        pillar__municipality=plan.municipality,
        key="P7",
        title_ro="Parcul din centru",
        title_en="The central park",
    )


@pytest.fixture
def kpi(plan: Plan) -> Kpi:
    return KpiFactory.create(
        municipality=plan.municipality, plan=plan, name_en="Green space", name_ro="Spațiu verde"
    )


@pytest.fixture
def foreign_plan(timisoara: Municipality) -> Plan:
    return PlanFactory.create(municipality=timisoara, key="pmud")


def test_a_romanian_title_edit_shows_at_once_in_both_languages(
    project: Project, foreign_plan: Plan
) -> None:
    paths = ["/plans/", "/plans/sidu/projects/", "/plans/sidu/projects/P7/", "/"]
    romanian, english = visitor("ro"), visitor("en")
    for client in (romanian, english):
        for path in paths:
            warm(client, path)
    other_city = visitor("ro", TIMISOARA)
    for path in ("/plans/", "/plans/pmud/"):
        warm(other_city, path)

    project.title_ro = "Parcul central renovat"  # type: ignore[attr-defined]
    project.save()

    for path in paths[1:3]:
        page = romanian.get(path)
        assert page["X-Cache"] == "miss", path
        assert "Parcul central renovat" in page.content.decode(), path
        assert "Parcul din centru" not in page.content.decode(), path
        # The English page is new too (and still says the English title).
        english_page = english.get(path)
        assert english_page["X-Cache"] == "miss", path
        assert "The central park" in english_page.content.decode(), path
    # Every page of the city that shows plans is new: the home page depends on them.
    assert romanian.get("/")["X-Cache"] == "miss"
    for path in ("/plans/", "/plans/pmud/"):
        assert other_city.get(path)["X-Cache"] == "hit", path


def progress_in(export: bytes) -> str:
    """The progress column of project P7 in the projects export (not a digit run elsewhere,
    such as a time stamp's microseconds)."""
    rows = [
        row for row in csv.DictReader(io.StringIO(export.decode("utf-8-sig"))) if row["key"] == "P7"
    ]
    assert len(rows) == 1
    return rows[0]["progress"]


def test_a_status_and_progress_edit_shows_on_the_project_page_and_the_export(
    project: Project,
) -> None:
    page_path = "/plans/sidu/projects/P7/"
    export_path = "/plans/sidu/download/projects.csv"
    romanian, english = visitor("ro"), visitor("en")
    etags = {}
    for client in (romanian, english):
        warm(client, page_path)
        # The export is streamed, and small: read whole and stored, validated.
        export = client.get(export_path)
        assert export["X-Cache"] == "miss"
        assert progress_in(export.content) == "0"
        assert client.get(export_path)["X-Cache"] == "hit"
        etags[client] = export["ETag"]
        assert client.get(export_path, HTTP_IF_NONE_MATCH=export["ETag"]).status_code == 304

    project_update_status(actor=None, project=project, status="in_progress", progress=73)

    for client in (romanian, english):
        page = client.get(page_path)
        assert page["X-Cache"] == "miss"
        assert "73" in page.content.decode()
        export = client.get(export_path, HTTP_IF_NONE_MATCH=etags[client])
        assert export.status_code == 200
        assert export["X-Cache"] == "miss"
        assert progress_in(export.content) == "73"


def test_a_kpi_reading_shows_at_once_in_both_languages(kpi: Kpi, foreign_plan: Plan) -> None:
    path = "/plans/sidu/kpis/"
    romanian, english = visitor("ro"), visitor("en")
    warm(romanian, path)
    warm(english, path)
    other_city = visitor("en", TIMISOARA)
    warm(other_city, "/plans/pmud/kpis/")

    measurement_create(actor=None, kpi=kpi, date=datetime.date(2024, 3, 31), value=Decimal("42.5"))

    ro_page = romanian.get(path)
    en_page = english.get(path)
    assert ro_page["X-Cache"] == en_page["X-Cache"] == "miss"
    assert "42,5" in ro_page.content.decode()
    assert "42.5" in en_page.content.decode()
    assert other_city.get("/plans/pmud/kpis/")["X-Cache"] == "hit"


def test_conditional_get_of_a_plan_export_304_then_200_after_a_change(project: Project) -> None:
    client = visitor("ro")
    path = "/plans/sidu/download.json"
    first = client.get(path)
    assert first.status_code == 200
    etag = first["ETag"]
    assert first["Cache-Control"].startswith("public, max-age=0, s-maxage=")
    assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    project_update_status(actor=None, project=project, progress=40)
    again = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert again["ETag"] != etag
