"""'Me too' from a phone by a resident who is not signed in: the emailed link opens a page
that passes axe-core and only its Confirm button subscribes the address."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from digiplace.core.models import Municipality
from digiplace.reports.models import Supporter
from digiplace.reports.tests.factories import ReportFactory

from .conftest import (
    MessageCollector,
    NewSession,
    Sites,
    axe_violations,
    choose_language,
    describe_violations,
    links_in,
    message_text,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
EMAIL = "neighbour@example.org"


def test_the_emailed_link_confirms_only_by_its_button_on_a_phone(
    botosani: Municipality,
    sites: Sites,
    new_session: NewSession,
    smtp_server: MessageCollector,
) -> None:
    report = ReportFactory.create(municipality=botosani, reporter_email="secret@example.org")
    page = new_session(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True).new_page()
    page.goto(f"{sites.botosani}/reports/{report.pk}/")
    choose_language(page, "en")
    support = page.locator("#support")
    support.get_by_label("Email").fill(EMAIL)
    support.get_by_role("button", name="Me too").click()
    expect(page.get_by_text("Unless this address follows the report already")).to_be_visible()

    (link,) = [
        link for link in links_in(message_text(smtp_server.wait_for(EMAIL))) if "/confirm/" in link
    ]
    page.goto(link)

    # Opening the link, as a mail scanner would, changed nothing.
    assert list(Supporter.objects.values_list("email", "confirmed_at")) == [(EMAIL, None)]
    expect(page.get_by_role("heading", name="Confirm your address")).to_be_visible()
    violations = axe_violations(page)
    assert not violations, describe_violations(link, violations)
    page.wait_for_load_state("load")  # measured once the stylesheet has applied
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(f"{sites.botosani}/reports/{report.pk}/")
    expect(page.get_by_text("Your address is confirmed.")).to_be_visible()
    assert Supporter.objects.get().confirmed_at is not None
