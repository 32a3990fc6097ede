"""The journey planner in a browser (issue #13): choose two stops from the list, submit, read
the journey; click on the map to set the start and the destination as points; a stop that
does not exist is refused with a message the field's description carries."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from digiplace.core.models import Municipality
from digiplace.mobility.selectors import planner as planner_selectors
from digiplace.mobility.tests.factories_plan import DAY, LATITUDE, LONGITUDE, plan_network

from .conftest import NewSession, Sites, axe_violations, describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def network(botosani: Municipality) -> None:
    planner_selectors.clear_cache()
    plan_network(botosani)


def english_page(new_session: NewSession, sites: Sites, **options: object) -> Page:
    session = new_session(bypass_csp=True, **options)
    session.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": sites.botosani}]
    )
    return session.new_page()


def when_fill(page: Page) -> None:
    page.get_by_label("Date", exact=True).fill(DAY.isoformat())
    page.get_by_label("Time", exact=True).fill("07:55")
    page.get_by_label("when I leave", exact=True).check()


def map_click(page: Page, latitude: float, longitude: float) -> None:
    """Click the planner's map where the point is (Leaflet turns the pixel back into it)."""
    point = page.evaluate(
        "([lat, lng]) => { const map = document.getElementById('plan-map').digiplaceMap;"
        " const p = map.latLngToContainerPoint([lat, lng]); return {x: p.x, y: p.y}; }",
        [latitude, longitude],
    )
    page.locator("#plan-map").click(position={"x": point["x"], "y": point["y"]})


def test_a_journey_between_two_stops_chosen_from_the_list(
    sites: Sites, new_session: NewSession, network: None
) -> None:
    page = english_page(new_session, sites)
    page.goto(f"{sites.botosani}/mobility/planner/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Journey planner")
    # The stops are offered to the fields as a list.
    expect(page.locator("datalist#plan-stops option")).to_have_count(3)
    page.get_by_label("From", exact=True).fill("Piața Revoluției [A]")
    page.get_by_label("To", exact=True).fill("Gară [C]")
    when_fill(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Find journeys").click()

    journeys = page.locator("ol.plan-journeys > li")
    expect(journeys).to_have_count(1)
    journey = journeys.first
    expect(journey.get_by_role("heading", level=3)).to_have_text(
        re.compile(r"08:00\s+–\s+08:10,\s+10 minutes")
    )
    expect(journey).to_contain_text("Bus 1")
    expect(journey).to_contain_text("board at Piața Revoluției")
    expect(journey).to_contain_text("get off at Gară")
    expect(journey.locator(".plan-summary")).to_contain_text("0 changes")
    # The form keeps what was asked, so that it can be changed.
    expect(page.get_by_label("From", exact=True)).to_have_value("Piața Revoluției [A]")
    assert "origin=" in page.url, "the journey's address can be shared"
    violations = axe_violations(page)
    assert violations == [], describe_violations("planner with a journey", violations)


def test_points_set_by_clicking_the_map(
    sites: Sites, new_session: NewSession, network: None
) -> None:
    page = english_page(new_session, sites)
    page.goto(f"{sites.botosani}/mobility/planner/")
    expect(page.locator("#plan-map.leaflet-container")).to_be_visible()
    origin, destination = page.get_by_label("From", exact=True), page.get_by_label("To", exact=True)
    expect(page.get_by_label("the start", exact=True)).to_be_checked()

    # About 150 m west of stop A, then beside stop C.
    map_click(page, LATITUDE, LONGITUDE - 0.002)
    expect(origin).to_have_value(re.compile(r"^47\.74\d+, 26\.66\d+$"))
    # The next click sets the other end.
    expect(page.get_by_label("the destination", exact=True)).to_be_checked()
    map_click(page, LATITUDE, LONGITUDE + 0.024)
    expect(destination).to_have_value(re.compile(r"^47\.74\d+, 26\.69\d+$"))
    assert origin.input_value() != destination.input_value()

    when_fill(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Find journeys").click()
    journey = page.locator("ol.plan-journeys > li").first
    expect(journey).to_be_visible()
    expect(journey.locator(".plan-leg-walk").first).to_contain_text("to Piața Revoluției")
    expect(journey).to_contain_text("board at Piața Revoluției")
    expect(journey).to_contain_text("get off at Gară")
    expect(journey.locator(".plan-leg-walk").last).to_contain_text("to the destination")


def test_an_unknown_stop_is_refused_on_a_phone(
    sites: Sites, new_session: NewSession, network: None
) -> None:
    page = english_page(new_session, sites, viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(f"{sites.botosani}/mobility/planner/")
    page.get_by_label("From", exact=True).fill("Nowhere")
    page.get_by_label("To", exact=True).fill("Gară [C]")
    when_fill(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Find journeys").click()
    origin = page.get_by_label("From", exact=True)
    expect(origin).to_have_attribute("aria-invalid", "true")
    # The message and the hint are the field's description, read with it.
    expect(origin).to_have_accessible_description(
        re.compile(r"or click the map\)\.\s+There is no stop called “Nowhere”")
    )
    expect(page.locator("ol.plan-journeys")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    violations = axe_violations(page)
    assert violations == [], describe_violations("planner refusing a stop", violations)
