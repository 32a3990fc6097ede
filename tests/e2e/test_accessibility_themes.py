"""axe-core on every page for each city's theme, in both languages: the public pages the
sitemap gives and the back office reached through its menus, for a blue city (Botoșani)
and a maroon one (Timișoara), with colour contrast checked on their own colours; and the
entry pages of a city whose colour is too light for text on white (its links darken)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Page

from digiplace.core.branding import municipality_theme
from digiplace.core.models import Municipality

from .conftest import NewSession, Sites, axe_violations, describe_violations
from .pages import backoffice_urls, log_in, sitemap_urls, staff_with_every_module

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The demo cities' colours (data/demo/municipalities.yaml).
DEMO_COLOURS = {"botosani": ("#1d4f7a", "#f2c94c"), "timisoara": ("#6d1f3b", "#e0b84c")}
# Pages of one sitemap section checked (the other pages of a section share its templates).
PAGES_PER_SECTION = 2
LANGUAGES = ("ro", "en")
LIGHT_THEME = ("#f2c94c", "#1d4f7a")
ENTRY_PATHS = ["/", "/accounts/login/", "/reports/", "/reports/new/", "/reports/statistics/"]


def set_language(page: Page, base_url: str, language: str) -> None:
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}]
    )


def check(page: Page, url: str, language: str, theme: str, failures: list[str]) -> None:
    page.wait_for_load_state("load")
    page_language = page.evaluate("document.documentElement.lang")
    if page_language != language:
        failures.append(f"{url}: in {page_language!r}, not {language!r}")
    # The city's stylesheet applied: the check is of its own colours, not the defaults.
    link = page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--link').trim()"
    )
    if link != theme:
        failures.append(f"{url}: --link is {link!r}, not the city's {theme!r}")
    violations = axe_violations(page)
    if violations:
        failures.append(describe_violations(f"{url} ({language})", violations))


@pytest.fixture
def themed_cities(
    botosani: Municipality, timisoara: Municipality, sites: Sites
) -> list[tuple[Municipality, str]]:
    for municipality in (botosani, timisoara):
        municipality.primary_colour, municipality.secondary_colour = DEMO_COLOURS[municipality.slug]
        municipality.save()
        call_command(
            "plans_load",
            str(Path(settings.BASE_DIR) / f"data/plans/{municipality.slug}.yaml"),
            verbosity=0,
        )
    call_command("reports_demo", "--reports", "12", verbosity=0)
    for municipality in (botosani, timisoara):
        staff_with_every_module(municipality, f"axe@{municipality.slug}.example")
    return [(botosani, sites.botosani), (timisoara, sites.timisoara)]


def test_every_page_passes_axe_in_each_city_theme_and_language(
    themed_cities: list[tuple[Municipality, str]], new_session: NewSession
) -> None:
    failures: list[str] = []
    checked: dict[tuple[str, str], int] = {}

    for municipality, base_url in themed_cities:
        theme = municipality_theme(municipality).link
        public = sitemap_urls(base_url, per_section=PAGES_PER_SECTION)
        assert any("/plans/" in url for url in public) and any("/reports/" in url for url in public)
        for language in LANGUAGES:
            # One browser context and page per city and language, reused for every page.
            session = new_session(bypass_csp=True)
            page = session.new_page()
            set_language(page, base_url, language)
            count = 0
            for url in public:
                response = page.goto(url)
                assert response is not None and response.status == 200, url
                check(page, url, language, theme, failures)
                count += 1

            log_in(page, base_url, f"axe@{municipality.slug}.example")

            def on_page(page: Page, url: str, language: str = language, theme: str = theme) -> None:
                check(page, url, language, theme, failures)

            count += len(backoffice_urls(page, base_url, on_page=on_page))
            checked[(municipality.slug, language)] = count
            assert session.page_errors == [], (municipality.slug, language)

    # Both cities, both languages, and a real walk each time (public and back office)
    assert set(checked) == {(city, language) for city in DEMO_COLOURS for language in LANGUAGES}
    assert min(checked.values()) > 20, checked
    assert not failures, f"{len(failures)} problem(s):\n\n" + "\n\n".join(failures)


def test_a_light_city_colour_keeps_every_entry_page_readable(
    botosani: Municipality, sites: Sites, new_session: NewSession
) -> None:
    # Given a city whose primary colour is a light yellow (1.6:1 on white)
    botosani.primary_colour, botosani.secondary_colour = LIGHT_THEME
    botosani.save()
    theme = municipality_theme(botosani)
    assert theme.link != theme.brand, "the link colour is darkened"
    failures: list[str] = []

    for language in LANGUAGES:
        session = new_session(bypass_csp=True)
        page = session.new_page()
        set_language(page, sites.botosani, language)
        for path in ENTRY_PATHS:
            # When each entry page is checked by axe-core
            response = page.goto(sites.botosani + path)
            assert response is not None and response.status == 200, path
            check(page, sites.botosani + path, language, theme.link, failures)
        assert session.page_errors == []

    # Then nothing fails, colour contrast included
    assert not failures, "\n\n".join(failures)
