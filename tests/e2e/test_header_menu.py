"""The header's menu on a phone: a disclosure button that folds the navigation, usable with
the keyboard; without scripts the navigation is simply shown."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from digiplace.core.models import Municipality

from .conftest import NewSession, Sites, choose_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def test_menu_button_folds_the_navigation_on_a_phone(
    botosani: Municipality, sites: Sites, new_session: NewSession
) -> None:
    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True)
    page = session.new_page()
    page.goto(sites.botosani + "/")
    choose_language(page, "en")
    button = page.get_by_role("button", name="Menu")
    navigation = page.get_by_role("navigation", name="Main navigation")
    login = page.locator("#site-nav").get_by_role("link", name="Log in")

    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_have_attribute("aria-controls", "site-nav")
    expect(login).to_be_hidden()
    header_height = page.locator("header").evaluate("header => header.offsetHeight")
    assert header_height <= 0.2 * PHONE["height"]

    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(login).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    expect(login).to_be_hidden()

    page.keyboard.press("Space")
    expect(navigation.get_by_role("link", name="Log in")).to_be_visible()
    assert session.page_errors == []


def test_navigation_is_shown_without_scripts_and_on_wide_screens(
    botosani: Municipality, sites: Sites, new_session: NewSession
) -> None:
    for options in (
        {"viewport": PHONE, "is_mobile": True, "java_script_enabled": False},
        {"viewport": DESKTOP},
    ):
        page = new_session(**options).new_page()
        page.goto(sites.botosani + "/")
        choose_language(page, "en")

        expect(page.locator(".menu-button")).to_be_hidden()
        expect(page.locator("#site-nav").get_by_role("link", name="Log in")).to_be_visible()


def test_menu_stays_folded_after_htmx_swaps_the_page(
    botosani: Municipality, sites: Sites, new_session: NewSession
) -> None:
    # Boosted links and forms (the staff desk) swap the whole body, header included.
    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True)
    page = session.new_page()
    page.goto(sites.botosani + "/")
    choose_language(page, "en")
    page.evaluate("() => { document.body.dataset.before = '1'; }")
    page.evaluate("() => htmx.ajax('GET', window.location.href, {target: 'body'})")
    expect(page.locator("body[data-before='1'] .site-header[data-menu-ready]")).to_have_count(1)
    button = page.get_by_role("button", name="Menu")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#site-nav").get_by_role("link", name="Log in")).to_be_hidden()
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    assert session.page_errors == []
