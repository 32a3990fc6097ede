"""The reports map on a phone reads the server's clusters (issue #9): reports close together
show as one numbered cluster at the city's zoom, which zooms in to its reports when tapped
or chosen with the keyboard."""

from __future__ import annotations

import math

import pytest
from playwright.sync_api import expect

from digiplace.core.models import Municipality
from digiplace.reports import precomputed
from digiplace.reports.tests.factories import CategoryFactory, ReportFactory

from .conftest import NewSession, Sites, axe_violations, choose_language, describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
CITY_ZOOM = 13  # the list page's map opens at the city's centre at this zoom


@pytest.fixture
def clustered(botosani: Municipality) -> None:
    """Three reports about 110 m apart in the middle of one square of the city zoom's grid,
    one more far away."""
    pothole = CategoryFactory.create(municipality=botosani, name_en="Pothole", name_ro="Groapă")
    cell_longitude, cell_latitude = precomputed.grid_cell_size(botosani, CITY_ZOOM)
    middle_longitude = (math.floor(botosani.centre_longitude / cell_longitude) + 0.5) * (
        cell_longitude
    )
    middle_latitude = (math.floor(botosani.centre_latitude / cell_latitude) + 0.5) * cell_latitude
    for shift in (-0.0015, 0.0, 0.0015):
        ReportFactory.create(
            municipality=botosani,
            category=pothole,
            latitude=middle_latitude,
            longitude=middle_longitude + shift,
        )
    ReportFactory.create(
        municipality=botosani,
        category=pothole,
        latitude=middle_latitude + 3 * cell_latitude,
        longitude=middle_longitude + 3 * cell_longitude,
    )


def test_a_cluster_shows_its_count_and_zooms_to_its_reports(
    sites: Sites, new_session: NewSession, clustered: None
) -> None:
    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    page = session.new_page()
    page.goto(sites.botosani + "/reports/")
    choose_language(page, "en")
    reports_map = page.locator("#reports-map")
    expect(reports_map).to_have_attribute("data-ready", "1")

    # At the city's zoom, the three reports close together are one cluster of 3 (not 4)
    cluster = reports_map.locator(".marker-cluster")
    expect(cluster).to_have_count(1)
    expect(cluster).to_have_text("3")
    expect(cluster).to_have_attribute("title", "3 reports here: zoom in")
    violations = axe_violations(page)
    assert not violations, describe_violations("reports map with a cluster", violations)

    # Chosen with the keyboard, it zooms in to its three reports, each a marker of its own
    cluster.focus()
    page.keyboard.press("Enter")
    expect(reports_map.locator("path.report-marker")).to_have_count(3)
    expect(reports_map.locator(".marker-cluster")).to_have_count(0)
    zoom = page.evaluate("document.getElementById('reports-map').digiplaceMap.getZoom()")
    assert zoom >= precomputed.CLUSTER_BELOW_ZOOM

    # And a marker's popup names and links its report
    reports_map.locator("path.report-marker").first.dispatch_event("click")
    link = reports_map.locator(".leaflet-popup-content a")
    expect(link).to_contain_text("Pothole")
    assert (link.get_attribute("href") or "").startswith("/reports/")
    assert session.page_errors == []
