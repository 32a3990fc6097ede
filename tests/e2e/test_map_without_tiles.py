"""The home page's map works on a machine that cannot reach the tile server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from digiplace.core.models import Municipality

from .conftest import BOTOSANI_EN, BrowserSession, Sites, choose_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The home page of a city with nothing on its map lists nothing, so the notice promises no list.
TILES_FAILED_EN = "The background map could not be loaded. The places are still shown on it."
MAP_ZOOM = "document.getElementById('city-map').digiplaceMap.getZoom()"


def test_map_without_tiles(
    botosani: Municipality, sites: Sites, browser_session: BrowserSession, page: Page
) -> None:
    # Given a browser whose requests to outside hosts (the tile server) are refused
    # When a visitor opens Botoșani's home page
    page.goto(sites.botosani + "/")

    # Then the notice speaks the page's language (Romanian first)
    expect(page.locator("html")).to_have_attribute("lang", "ro")
    romanian_notice = page.locator("#city-map").get_attribute("data-tiles-failed-message")
    assert romanian_notice
    expect(page.locator(".map-notice")).to_have_text(romanian_notice)

    # When they read it in English
    choose_language(page, "en")

    # Then Leaflet draws the map component, the tiles fail, and the page says so
    city_map = page.get_by_role("region", name="Map of the municipality")
    expect(city_map).to_have_attribute("data-ready", "1")
    expect(city_map).to_have_class(re.compile(r"\bleaflet-container\b.*\bmap--no-tiles\b"))
    expect(city_map.locator(".leaflet-control-zoom-in")).to_be_visible()
    notice = page.locator(".map-notice")
    expect(notice).to_have_count(1)
    expect(notice).to_have_attribute("role", "status")
    expect(notice).to_have_text(TILES_FAILED_EN)
    assert browser_session.blocked_urls, "the browser should have asked for map tiles"
    assert {url.split("/")[2] for url in browser_session.blocked_urls} == {"tile.openstreetmap.org"}

    # And the rest of the page works: the map zooms, the page reads, links lead on
    zoom_before = page.evaluate(MAP_ZOOM)
    city_map.locator(".leaflet-control-zoom-in").click()
    page.wait_for_function(f"{MAP_ZOOM} === {zoom_before + 1}")
    expect(page.get_by_role("heading", level=1)).to_have_text(BOTOSANI_EN)
    navigation = page.get_by_role("navigation", name="Main navigation")
    navigation.get_by_role("link", name="Log in").click()
    expect(page).to_have_url(sites.botosani + "/accounts/login/")
