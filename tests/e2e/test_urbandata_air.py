"""The public air-quality map in a browser: stations drawn in their index colours, the legend
with each band's advice, the station list, on a desktop and on a 375 px phone without
horizontal scrolling, and no serious accessibility violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import ViewportSize, expect

from digiplace.core.models import Municipality
from digiplace.urbandata.tests.test_air_pages import _hour, rollups_add, station_make

from .conftest import NewSession, Sites, axe_violations, choose_language, describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 375, "height": 812}


@pytest.fixture
def air_city(timisoara: Municipality) -> Municipality:
    poor = station_make(timisoara, is_demo=True)
    rollups_add(poor, _hour(1), no2=61.2, pm25=12)
    good = station_make(
        timisoara,
        entity_id="urn:ngsi-ld:AirQualityObserved:test-aq-02",
        name="Iosefin",
        latitude=45.745,
        longitude=21.21,
        is_demo=True,
    )
    rollups_add(good, _hour(1), no2=8, pm25=3)
    return timisoara


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_air_map_renders_with_its_legend_and_list(
    air_city: Municipality, sites: Sites, new_session: NewSession, viewport: ViewportSize | None
) -> None:
    options = {"bypass_csp": True} | ({"viewport": viewport} if viewport else {})
    session = new_session(**options)
    page = session.new_page()
    page.goto(sites.timisoara + "/urbandata/air/")
    choose_language(page, "en")
    expect(page.locator("h1")).to_have_text("Air quality")

    # The map's two stations, each in its band's colour.
    expect(page.locator("#air-map[data-air-coloured='1']")).to_have_count(1)
    markers = page.locator("#air-map path.map-marker")
    expect(markers).to_have_count(2)
    fills = sorted(
        (markers.nth(index).get_attribute("data-level"), markers.nth(index).get_attribute("fill"))
        for index in range(2)
    )
    assert fills == [("1", "#50f0e6"), ("4", "#ff5050")]

    # The legend: six bands, each with advice for everyone and for sensitive people.
    legend = page.locator(".air-legend__band")
    expect(legend).to_have_count(6)
    expect(legend.nth(5)).to_contain_text("Extremely poor")
    expect(legend.nth(5)).to_contain_text("Avoid physical activity outdoors.")

    # The list gives the same as the map, in words.
    rows = page.locator("table.air-stations tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Piața Victoriei")).to_contain_text("Poor")
    expect(rows.filter(has_text="Iosefin")).to_contain_text("Good")
    expect(page.locator(".air-demo-note")).to_be_visible()

    # Nothing wider than the screen; no serious accessibility violation.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    violations = axe_violations(page)
    assert violations == [], describe_violations("air map", violations)

    # A station's page opens from the list, with its charts.
    page.locator("table.air-stations a", has_text="Piața Victoriei").click()
    expect(page.locator("h1")).to_have_text("Piața Victoriei")
    expect(page.locator("canvas#air-no2")).to_be_visible()
    expect(page.locator(".air-now > p > .air-chip")).to_have_text("Poor")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    violations = axe_violations(page)
    assert violations == [], describe_violations("air station", violations)
    assert session.page_errors == []
