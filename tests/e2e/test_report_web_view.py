"""The quarterly report's web version shows in the browser with its own styles, under its
strict Content-Security-Policy (no violation reported)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from digiplace.core.models import Municipality
from digiplace.plans import services
from digiplace.plans.tests.factories import PillarFactory, PlanFactory

from .conftest import NewSession, Sites

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def test_the_report_shows_as_a_styled_web_page(
    sites: Sites, new_session: NewSession, botosani: Municipality
) -> None:
    plan = PlanFactory.create(municipality=botosani, key="iap", title_en="Action plan")
    PillarFactory.create(municipality=botosani, plan=plan, title_en="Mobility")
    with transaction.atomic():
        report = services.report_request(actor=None, plan=plan, year=2025, quarter=1, language="en")
    report.refresh_from_db()
    assert report.status == "ready", report.error
    session = new_session(viewport={"width": 390, "height": 844})
    page = session.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.context.add_cookies([{"name": "digiplace_language", "value": "en", "url": sites.botosani}])

    page.goto(f"{sites.botosani}/plans/iap/reports/")
    page.get_by_role("link", name="View as a web page").click()

    page.wait_for_url(f"{sites.botosani}/plans/iap/reports/{report.pk}/")
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text().startswith("Monitoring report")
    # The document's own style sheet applied: its headings' colour.
    assert heading.evaluate("element => getComputedStyle(element).color") == "rgb(31, 78, 121)"
    assert not [text for text in console if "Content Security Policy" in text], console
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert session.page_errors == []
