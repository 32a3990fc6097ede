"""The page cache is on: after each write the reports pages show it on the next request, in
both languages, and another city's cached pages are untouched (core.page_cache)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from digiplace.core.models import Municipality, StaffMembership
from digiplace.reports.models import Category, Report, ReportStatus, Supporter
from digiplace.reports.services import report_change_status
from digiplace.reports.tests.factories import CategoryFactory, ReportFactory

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"
TOKEN_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PUBLIC_PAGES = ("/reports/", "/reports/map-data.json", "/reports/statistics/")


def visitor(language: str, host: str = BOTOSANI) -> Client:
    client = Client(HTTP_HOST=host, enforce_csrf_checks=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def warm(client: Client, path: str) -> None:
    """Visit twice: the second answer comes from the cache."""
    assert client.get(path)["X-Cache"] == "miss"
    assert client.get(path)["X-Cache"] == "hit"


def token_of(page: Any) -> str:
    found = TOKEN_INPUT.search(page.content.decode())
    assert found is not None
    return found.group(1)


@pytest.fixture
def container(botosani: Municipality) -> Category:
    return CategoryFactory.create(
        municipality=botosani,
        service_code="container",
        name_ro="Container plin",
        name_en="Overflowing container",
    )


@pytest.fixture
def foreign(timisoara: Municipality) -> Report:
    return ReportFactory.create(municipality=timisoara, description="Un copac căzut în parc.")


def test_a_new_report_filed_from_a_cached_form_shows_at_once_in_both_languages(
    container: Category, foreign: Report
) -> None:
    romanian, english = visitor("ro"), visitor("en")
    for client in (romanian, english):
        for path in PUBLIC_PAGES:
            warm(client, path)
    other_city = visitor("ro", TIMISOARA)
    warm(other_city, "/reports/")

    # The form comes from the cache (a second visitor), and posts with CSRF checks on.
    assert visitor("ro").get("/reports/new/")["X-Cache"] == "miss"
    filer = visitor("ro")
    form = filer.get("/reports/new/")
    assert form["X-Cache"] == "hit"
    filed = filer.post(
        "/reports/new/",
        {
            "csrfmiddlewaretoken": token_of(form),
            "category": str(container.pk),
            "latitude": "47.755191",
            "longitude": "26.615849",
            "address": "",
            "description": "Containerele de pe strada Mare sunt pline.",
            "reporter_name": "Maria Ionescu",
            "reporter_email": "maria@example.org",
            "reporter_phone": "",
            "is_anonymous": "on",
        },
    )
    assert filed.status_code == 302, filed.content.decode()[:2000]
    report = Report.objects.get(description__startswith="Containerele de pe strada Mare")

    for client in (romanian, english):
        listing = client.get("/reports/")
        assert listing["X-Cache"] == "miss"
        assert f"/reports/{report.pk}/" in listing.content.decode()
        map_data = client.get("/reports/map-data.json")
        assert map_data["X-Cache"] == "miss"
        assert str(report.pk) in map_data.content.decode()
        assert client.get("/reports/statistics/")["X-Cache"] == "miss"
    assert "Container plin" in romanian.get(f"/reports/{report.pk}/").content.decode()
    assert "Overflowing container" in english.get(f"/reports/{report.pk}/").content.decode()
    assert other_city.get("/reports/")["X-Cache"] == "hit"


def test_a_status_change_shows_at_once_in_both_languages(
    container: Category, botosani_staff: StaffMembership, foreign: Report
) -> None:
    report = ReportFactory.create(municipality=container.municipality, category=container)
    path = f"/reports/{report.pk}/"
    romanian, english = visitor("ro"), visitor("en")
    warm(romanian, path)
    warm(english, path)
    other_city = visitor("en", TIMISOARA)
    warm(other_city, f"/reports/{foreign.pk}/")

    report_change_status(
        report=report,
        actor=botosani_staff.user,
        status=ReportStatus.IN_PROGRESS,
        public_response="Echipa pleacă mâine.",
    )

    for client, language in ((romanian, "ro"), (english, "en")):
        page = client.get(path)
        assert page["X-Cache"] == "miss"
        with translation.override(language):
            label = str(ReportStatus.IN_PROGRESS.label)
        assert label in page.content.decode()
        assert "Echipa pleacă mâine." in page.content.decode()
    assert other_city.get(f"/reports/{foreign.pk}/")["X-Cache"] == "hit"


def test_me_too_from_a_cached_report_page_posts_with_csrf_checks_on(
    container: Category, django_capture_on_commit_callbacks: Any
) -> None:
    report = ReportFactory.create(municipality=container.municipality, category=container)
    path = f"/reports/{report.pk}/"
    warm(visitor("ro"), path)
    neighbour = visitor("ro")
    page = neighbour.get(path)
    assert page["X-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        supported = neighbour.post(
            f"/reports/{report.pk}/support/",
            {"csrfmiddlewaretoken": token_of(page), "email": "vecin@example.org"},
        )
    assert supported.status_code == 302
    assert Supporter.objects.filter(report=report, email="vecin@example.org").exists()
    # The supporter's cookie (if any) and the session take them off the cache; nothing
    # personal ever reaches the pages other visitors get.
    after = visitor("ro").get(path)
    assert "vecin@example.org" not in after.content.decode()
