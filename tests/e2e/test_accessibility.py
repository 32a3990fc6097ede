"""axe-core finds no serious or critical problems, and the pages fit a small phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from digiplace.core.models import Municipality

from .conftest import NewSession, Sites, axe_violations, choose_language, describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CITY_PATHS = ["/", "/accounts/login/", "/accounts/register/"]
PHONE = {"width": 360, "height": 740}


def pages_to_check(sites: Sites) -> list[str]:
    return [sites.platform + "/"] + [
        base + path for base in (sites.botosani, sites.timisoara) for path in CITY_PATHS
    ]


def open_page(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == 200, f"{url} answered {response.status}"


def test_accessibility(
    botosani: Municipality, timisoara: Municipality, sites: Sites, new_session: NewSession
) -> None:
    # Given a desktop browser that may inject axe-core (inline scripts pass the CSP)
    session = new_session(bypass_csp=True)
    page = session.new_page()
    failures: list[str] = []

    # When axe-core checks every public entry page, in each language the city offers
    for url in pages_to_check(sites):
        for language in ("ro", "en"):
            open_page(page, url)
            choose_language(page, language)
            violations = axe_violations(page)
            if violations:
                failures.append(describe_violations(f"{url} ({language})", violations))

    # Then none has a serious or critical violation
    assert not failures, "\n\n".join(failures)
    assert session.page_errors == []


def test_small_screen_fits_and_skip_link_comes_first(
    botosani: Municipality, timisoara: Municipality, sites: Sites, new_session: NewSession
) -> None:
    # Given a phone-sized browser (360 × 740)
    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True)
    page = session.new_page()
    problems: list[str] = []

    for url in pages_to_check(sites):
        # When a page opens
        open_page(page, url)

        # Then nothing scrolls sideways
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > PHONE["width"]:
            problems.append(f"{url}: scrollWidth {scroll_width} px > {PHONE['width']} px")

        # And the first Tab lands on the skip link, which shows and leads to the content
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.outerHTML.slice(0, 160)")
        skip_link = page.locator(".skip-link")
        if not skip_link.evaluate("link => link === document.activeElement"):
            problems.append(f"{url}: the first Tab focuses {focused}, not the skip link")
            continue
        expect(skip_link).to_have_attribute("href", "#main")
        expect(skip_link).to_be_in_viewport()
        page.keyboard.press("Enter")
        expect(page.locator("main#main")).to_be_focused()

    assert not problems, "\n".join(problems)
    assert session.page_errors == []
