"""Open data in a browser: a resident finds the air-quality dataset, previews it on the map
and downloads it; the index, a dataset's page, its plain-language page and the back office
pass axe in both languages and fit a 360 px phone."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from playwright.sync_api import ViewportSize, expect

from digiplace.core.datasets import dataset_spec
from digiplace.core.models import Municipality
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.opendata.models import Dataset, Distribution
from digiplace.opendata.services.generate import dataset_generate
from digiplace.urbandata.tests.test_air_pages import _hour, rollups_add, station_make

from .conftest import NewSession, Sites, axe_violations, choose_language, describe_violations
from .pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AIR = "urbandata-air-quality"
PHONE: ViewportSize = {"width": 360, "height": 740}
STAFF_EMAIL = "data@timisoara.example"


@pytest.fixture
def air_city(timisoara: Municipality) -> Municipality:
    """Two stations with two hours of readings, published through the engine."""
    centre = station_make(timisoara)
    rollups_add(centre, _hour(2), no2=41.5, pm25=12)
    rollups_add(centre, _hour(1), no2=38, pm25=11)
    west = station_make(
        timisoara,
        entity_id="urn:ngsi-ld:AirQualityObserved:test-aq-02",
        name="Iosefin",
        latitude=45.745,
        longitude=21.21,
    )
    rollups_add(west, _hour(2), no2=9, pm25=4)
    spec = dataset_spec(AIR)
    assert spec is not None, "urban data declares its air-quality dataset"
    assert dataset_generate(timisoara, spec) is not None
    return timisoara


def test_a_resident_finds_previews_and_downloads_the_air_quality_data(
    air_city: Municipality, sites: Sites, new_session: NewSession
) -> None:
    session = new_session(accept_downloads=True)
    page = session.new_page()
    page.goto(sites.timisoara + "/opendata/")
    choose_language(page, "en")
    expect(page.locator("h1")).to_have_text("Open data")

    # A keyword of the dataset.
    page.get_by_role("searchbox", name="Search").fill("pollution")
    with page.expect_navigation():
        page.get_by_role("button", name="Show datasets").click()
    results = page.locator(".opendata-result")
    expect(results).to_have_count(1)
    with page.expect_navigation():
        results.first.locator("h3 a").click()
    expect(page.locator("h1")).to_have_text("Air quality, hour by hour")

    # The map: one marker per station; the first rows of the file as a table.
    expect(page.locator("#opendata-map path.map-marker")).to_have_count(2)
    preview = page.locator(".opendata-preview table")
    expect(preview).to_contain_text("station_name")
    expect(preview).to_contain_text("Piața Victoriei")
    # Markers open a popup naming the station.
    page.locator("#opendata-map path.map-marker").first.click(force=True)
    expect(page.locator(".leaflet-popup-content")).to_contain_text("rows here")

    with page.expect_download() as waiting:
        page.locator(".opendata-actions a.button").click()
    download = waiting.value
    assert download.suggested_filename == f"timisoara-{AIR}.csv"
    path = download.path()
    content = path.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(content, newline="")))
    assert {row["station_name"] for row in rows} == {"Piața Victoriei", "Iosefin"}
    assert {row["pollutant"] for row in rows} == {"no2", "pm25"}
    assert len(rows) == 6
    dataset = Dataset.objects.get(municipality=air_city, slug=AIR)
    assert dataset.downloads == 1
    assert Distribution.objects.get(version__dataset=dataset, key="csv").downloads == 1
    assert session.page_errors == []


@pytest.fixture
def opendata_pages(air_city: Municipality, sites: Sites) -> list[str]:
    StaffMembershipFactory.create(
        municipality=air_city,
        user=UserFactory.create(email=STAFF_EMAIL),
        modules=["opendata"],
    )
    base = sites.timisoara
    return [
        base + reverse("opendata:index"),
        base + reverse("opendata:index") + "?q=aer&theme=ENVI",
        base + reverse("opendata:dataset", kwargs={"slug": AIR}),
        base + reverse("opendata:story", kwargs={"slug": AIR}),
        base + reverse("opendata_backoffice:index"),
    ]


def test_the_pages_pass_axe_in_both_languages(
    opendata_pages: list[str], sites: Sites, new_session: NewSession
) -> None:
    session = new_session(bypass_csp=True)
    page = session.new_page()
    log_in(page, sites.timisoara, STAFF_EMAIL)
    failures: list[str] = []
    for url in opendata_pages:
        for language in ("ro", "en"):
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            choose_language(page, language)
            violations = axe_violations(page)
            if violations:
                failures.append(describe_violations(f"{url} ({language})", violations))
    assert not failures, "\n\n".join(failures)
    assert session.page_errors == []


def test_the_pages_fit_a_phone(
    opendata_pages: list[str], sites: Sites, new_session: NewSession
) -> None:
    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True)
    page = session.new_page()
    log_in(page, sites.timisoara, STAFF_EMAIL)
    too_wide: list[str] = []
    for url in opendata_pages:
        for language in ("ro", "en"):
            page.goto(url)
            choose_language(page, language)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                too_wide.append(f"{url} ({language}): {width} px")
    assert too_wide == []
    assert session.page_errors == []
