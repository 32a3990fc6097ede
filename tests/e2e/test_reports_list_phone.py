"""The reports page on a phone: the map and the first results come before the filters,
which are folded; a filter's options carry counts that follow the other filters."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from digiplace.core.models import Municipality
from digiplace.reports.models import ReportStatus
from digiplace.reports.tests.factories import CategoryFactory, NeighbourhoodFactory, ReportFactory

from .conftest import NewSession, Sites, axe_violations, choose_language, describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def reports(botosani: Municipality) -> None:
    pothole = CategoryFactory.create(
        municipality=botosani, service_code="pothole", name="Pothole", name_en="Pothole"
    )
    graffiti = CategoryFactory.create(
        municipality=botosani, service_code="graffiti", name="Graffiti", name_en="Graffiti"
    )
    centre = NeighbourhoodFactory.create(municipality=botosani, slug="centre", name="Centre")
    north = NeighbourhoodFactory.create(municipality=botosani, slug="north", name="North")
    for status in (ReportStatus.NEW, ReportStatus.NEW, ReportStatus.FIXED):
        ReportFactory.create(
            municipality=botosani, category=pothole, neighbourhood=centre, status=status
        )
    ReportFactory.create(municipality=botosani, category=graffiti, neighbourhood=north)


def test_on_a_phone_the_map_and_first_results_come_before_the_folded_filters(
    sites: Sites, new_session: NewSession, reports: None
) -> None:
    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    page = session.new_page()
    page.goto(sites.botosani + "/reports/")
    choose_language(page, "en")
    page.wait_for_load_state("load")

    first_result = page.locator("#report-results tbody tr").first
    expect(first_result).to_be_visible()
    panel = page.locator("details#report-filters-panel")
    expect(panel).not_to_have_attribute("open", "")
    category = page.get_by_label("Category")
    expect(category).to_be_hidden()
    map_top = page.locator("#reports-map").bounding_box()
    panel_top = panel.bounding_box()
    result_top = first_result.bounding_box()
    assert map_top and panel_top and result_top
    assert map_top["y"] < panel_top["y"] < result_top["y"]
    assert result_top["y"] < PHONE["height"], "the first result is below the first screen"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Unfolded, a filter's options carry counts; choosing one updates the others' counts.
    page.get_by_text("Filter the reports", exact=True).click()
    expect(category).to_be_visible()
    assert category.locator("option").all_inner_texts() == [
        "All (4)",
        "Graffiti (1)",
        "Pothole (3)",
    ]
    category.focus()
    category.select_option(label="Graffiti (1)")
    expect(page.locator("#report-count")).to_have_text("1 report found")
    neighbourhood = page.get_by_label("Neighbourhood")
    expect(neighbourhood.locator("option")).to_have_text(["All (1)", "North (1)"])
    expect(page.get_by_label("Category")).to_be_focused()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    violations = axe_violations(page)
    assert violations == [], describe_violations("reports list on a phone", violations)
    assert session.page_errors == []
