"""Charts and maps in the city's colours and language: horizontal bars with whole-number axes
and readable labels on a phone, translated Leaflet controls, the home map's places."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from digiplace.core.branding import municipality_theme
from digiplace.core.models import Municipality
from digiplace.reports.models import ReportStatus
from digiplace.reports.tests.factories import CategoryFactory, ReportFactory

from .conftest import NewSession, Sites, choose_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
LONG_CATEGORY = "Broken street lights on the pedestrian crossing near the school gate"
CHART = "document.getElementById('reports-by-category').digiplaceChart"


@pytest.fixture
def reported_city(timisoara: Municipality) -> Municipality:
    """Timișoara (maroon) with one report in a long-named category, two in a short one."""
    lights = CategoryFactory.create(
        municipality=timisoara, name_en=LONG_CATEGORY, name_ro=LONG_CATEGORY
    )
    potholes = CategoryFactory.create(municipality=timisoara, name_en="Potholes", name_ro="Gropi")
    ReportFactory.create(municipality=timisoara, category=lights)
    ReportFactory.create_batch(2, municipality=timisoara, category=potholes)
    ReportFactory.create(municipality=timisoara, category=potholes, status=ReportStatus.FIXED)
    return timisoara


def chart_state(page: Page) -> dict[str, Any]:
    page.wait_for_function(f"() => {CHART} !== undefined")
    state: dict[str, Any] = page.evaluate(
        f"""() => {{
            const chart = {CHART};
            const category = chart.options.indexAxis === 'y' ? chart.scales.y : chart.scales.x;
            const value = chart.options.indexAxis === 'y' ? chart.scales.x : chart.scales.y;
            return {{
                indexAxis: chart.options.indexAxis,
                labels: category.ticks.map(tick => tick.label),
                values: value.ticks.map(tick => tick.value),
                colours: chart.data.datasets.map(dataset => dataset.backgroundColor),
                tooltipTitles: chart.data.labels,
                labelRotation: category.labelRotation,
                stacked: Boolean(value.options.stacked),
                height: chart.canvas.getBoundingClientRect().height,
                canvasWidth: chart.canvas.getBoundingClientRect().width,
                boxWidth: chart.canvas.parentNode.getBoundingClientRect().width,
            }};
        }}"""
    )
    return state


def test_statistics_chart_on_a_phone_lies_down_with_whole_numbers_and_full_labels(
    reported_city: Municipality, sites: Sites, new_session: NewSession
) -> None:
    # Given a phone
    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True)
    page = session.new_page()

    # When the statistics page opens in English
    page.goto(sites.timisoara + "/reports/statistics/")
    choose_language(page, "en")
    state = chart_state(page)

    # Then the bars are horizontal, open and closed reports of a category in one bar, a row
    # of 20 to 40 px per category, in the city's colours, with no rotated label
    assert state["indexAxis"] == "y"
    assert state["stacked"] is True
    rows = len(state["tooltipTitles"])
    assert rows == 2
    assert rows * 20 < state["height"] < rows * 40 + 120
    theme = municipality_theme(reported_city)
    assert state["colours"] == [theme.chart_colours[0], theme.chart_colours[1]]
    assert state["labelRotation"] == 0
    # And the count axis has whole numbers only
    assert state["values"], "the value axis has ticks"
    assert all(float(value).is_integer() for value in state["values"]), state["values"]
    # And the long label is shortened on the axis, whole in the tooltip and the table
    shortened = [label for label in state["labels"] if str(label).endswith("…")]
    assert len(shortened) == 1
    assert LONG_CATEGORY.startswith(str(shortened[0])[:-1])
    assert LONG_CATEGORY in state["tooltipTitles"]
    table = page.locator("#reports-by-category").locator("xpath=ancestor::figure").locator("table")
    # (in the folded <details>, which the accessibility tree leaves out until it opens)
    expect(table.locator("th[scope='row']", has_text=LONG_CATEGORY)).to_have_count(1)
    # And the chart fits the screen: nothing scrolls sideways
    assert state["canvasWidth"] <= state["boxWidth"] + 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert session.page_errors == []


def test_statistics_chart_on_a_desktop_stands_up_and_turns_on_a_narrow_window(
    reported_city: Municipality, sites: Sites, new_session: NewSession
) -> None:
    # Given a desktop browser on the statistics page
    session = new_session(viewport=DESKTOP)
    page = session.new_page()
    page.goto(sites.timisoara + "/reports/statistics/")

    # Then the bars stand up, without rotated labels, on a whole-number axis
    state = chart_state(page)
    assert state["indexAxis"] == "x"
    assert state["stacked"] is False
    assert state["labelRotation"] == 0
    assert all(float(value).is_integer() for value in state["values"]), state["values"]

    # When the window becomes as narrow as a phone
    page.set_viewport_size(PHONE)

    # Then the chart is drawn again lying down
    page.wait_for_function(f"() => {CHART} && {CHART}.options.indexAxis === 'y'")
    assert page.locator("#reports-by-category").get_attribute("data-orientation") == "horizontal"
    assert session.page_errors == []


def test_home_map_has_the_city_places_in_its_colour_and_language(
    reported_city: Municipality, sites: Sites, new_session: NewSession
) -> None:
    # Given Timișoara's home page, with its reports
    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True)
    page = session.new_page()
    page.goto(sites.timisoara + "/")
    city_map = page.locator("#city-map")
    expect(city_map).to_have_attribute("data-ready", "1")

    # Then the map marks each public report in the city's marker colour
    markers = city_map.locator("path.map-marker")
    expect(markers).to_have_count(4)
    fill = markers.first.get_attribute("fill")
    assert fill == municipality_theme(reported_city).marker
    # And the list under the map names the same reports
    expect(page.locator(".home-map__places li")).to_have_count(4)

    # And the controls and the credit line speak Romanian, then English
    zoom_in = city_map.locator(".leaflet-control-zoom-in")
    expect(zoom_in).to_have_attribute("title", "Mărește")
    expect(city_map.locator(".leaflet-control-zoom-out")).to_have_attribute("title", "Micșorează")
    # And a marker's popup links the report and has a Romanian close button
    markers.first.dispatch_event("click")  # (markers may overlap one another)
    expect(city_map.locator(".leaflet-popup-content a")).to_have_attribute(
        "href", re.compile(r"^/reports/\d+/$")
    )
    expect(city_map.locator(".leaflet-popup-close-button")).to_have_attribute(
        "aria-label", "Închide"
    )
    attribution = city_map.locator(".leaflet-control-attribution")
    expect(attribution).to_contain_text("contribuitorii OpenStreetMap")
    expect(attribution).not_to_contain_text("contributors")
    choose_language(page, "en")
    expect(page.locator("#city-map .leaflet-control-zoom-in")).to_have_attribute("title", "Zoom in")
    expect(page.locator("#city-map .leaflet-control-attribution")).to_contain_text(
        "OpenStreetMap contributors"
    )
    assert session.page_errors == []


def test_links_and_menus_follow_the_city_colour(
    reported_city: Municipality, botosani: Municipality, sites: Sites, new_session: NewSession
) -> None:
    session = new_session(viewport=DESKTOP)
    page = session.new_page()
    colours = {}
    for city, base in ((reported_city, sites.timisoara), (botosani, sites.botosani)):
        page.goto(base + "/reports/statistics/")
        link = page.locator("main a").first
        colours[city.slug] = link.evaluate("link => getComputedStyle(link).color")
        expected = municipality_theme(city).link
        red, green, blue = (int(expected[index : index + 2], 16) for index in (1, 3, 5))
        assert colours[city.slug] == f"rgb({red}, {green}, {blue})", city.slug
    assert colours["timisoara"] != colours["botosani"]
