"""Every page of mobility's back office, with the demo network, fleet, alerts and validators
loaded (issue #13), passes axe in English on a desk screen and in Romanian on a 360 px phone,
where it does not scroll sideways: the walk follows the module's own links from
/backoffice/mobility/, one page of each kind (a stop, a line, its timetable, a trip…)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Page

from digiplace.core.models import Municipality
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory

from .conftest import NewSession, Sites, axe_violations, describe_violations
from .pages import _walk, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "transport.walker@botosani.example"
ROOT = "/backoffice/mobility/"
# The kinds of page the walk must have reached (so that a broken menu cannot pass it).
EXPECTED = (
    "control/",
    "control/punctuality/",
    "/replay/",
    "network/stops/",
    "network/routes/",
    "/timetable/",
    "network/calendars/",
    "network/trips/",
    "alerts/new/",
    "validators/",
)
SCREENS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("en", {"viewport": {"width": 1280, "height": 900}}),
    ("ro", {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}),
)


def test_every_mobility_backoffice_page_passes_axe_and_fits_a_phone(
    sites: Sites, new_session: NewSession, botosani: Municipality, timisoara: Municipality
) -> None:
    call_command("mobility_demo", verbosity=0)
    StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email=EMAIL),
        modules=["mobility", "urbandata"],
    )
    failures: list[str] = []

    for language, options in SCREENS:
        session = new_session(bypass_csp=True, **options)
        session.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": sites.botosani}]
        )
        page = session.new_page()
        log_in(page, sites.botosani, EMAIL)
        width = options["viewport"]["width"]

        def check(page: Page, url: str, language: str = language, width: int = width) -> None:
            violations = axe_violations(page)
            if violations:
                failures.append(describe_violations(f"{url} ({language})", violations))
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width:
                failures.append(f"{url} ({language}): {scroll_width} px wide")

        walked = _walk(
            page,
            [sites.botosani + ROOT],
            follows=lambda path: path.startswith(ROOT),
            on_page=check,
            limit=60,
        )
        for kind in EXPECTED:
            assert any(kind in url for url in walked), f"the walk never reached {kind}: {walked}"
        assert session.page_errors == [], session.page_errors

    assert not failures, "\n\n".join(failures)
