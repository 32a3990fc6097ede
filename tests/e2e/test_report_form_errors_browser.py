"""The new-report form flags every missing field on the first try, on a phone: in the
browser before anything is sent, and from the server when scripts are off."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from digiplace.core.models import Municipality
from digiplace.reports.models import Category, Report
from digiplace.reports.tests.factories import CategoryFactory

from .conftest import NewSession, Sites, choose_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
MESSAGES = [
    "Choose a category.",
    "Show where the problem is: pick the place on the map, use your location, "
    "or write an address or a landmark.",
    "Describe the problem.",
    "Give your name.",
    "Give your email address, so we can tell you.",
]


@pytest.fixture
def graffiti(botosani: Municipality) -> Category:
    return CategoryFactory.create(
        municipality=botosani, service_code="graffiti", name_en="Graffiti", name_ro="Graffiti"
    )


def _summary(page: Page) -> list[str]:
    return page.locator("[data-error-summary] a").all_inner_texts()


def test_the_browser_flags_every_missing_field_before_sending(
    sites: Sites, new_session: NewSession, graffiti: Category
) -> None:
    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True)
    page = session.new_page()
    page.goto(sites.botosani + "/reports/new/")
    choose_language(page, "en")
    posts: list[str] = []
    page.on(
        "request", lambda request: posts.append(request.url) if request.method == "POST" else None
    )

    page.get_by_role("button", name="Send the report").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert _summary(page) == MESSAGES
    assert posts == []
    latitude = page.get_by_label("Latitude")
    expect(latitude).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_latitude_error")).to_have_text(MESSAGES[1])

    # A link puts the cursor in its field.
    summary.get_by_role("link", name=MESSAGES[1]).click()
    expect(latitude).to_be_focused()

    # Filled in, the form goes to the server and the report is made.
    form = page.locator("form[data-report-form]")
    form.get_by_label("What is the problem?").select_option(label="Graffiti")
    form.get_by_label("Address or landmark").fill("Piața Revoluției, by the fountain")
    form.get_by_label("Describe the problem").fill("Graffiti on the fountain's wall.")
    form.get_by_label("Your name").fill("Ana Pop")
    form.get_by_label("Your email").fill("ana@example.org")
    form.get_by_role("button", name="Send the report").click()
    expect(page).to_have_url(re.compile(r"/reports/\d+/"))
    assert Report.objects.count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert session.page_errors == []


def test_without_scripts_the_server_lists_every_missing_field(
    sites: Sites, new_session: NewSession, graffiti: Category
) -> None:
    session = new_session(viewport=PHONE, java_script_enabled=False)
    page = session.new_page()
    page.context.add_cookies([{"name": "digiplace_language", "value": "en", "url": sites.botosani}])
    page.goto(sites.botosani + "/reports/new/")
    expect(page.locator("[data-error-summary]")).to_be_hidden()

    page.get_by_role("button", name="Send the report").click()

    expect(page.locator("[data-error-summary]")).to_be_visible()
    assert _summary(page) == MESSAGES
    assert Report.objects.count() == 0
