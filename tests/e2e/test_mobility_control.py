"""The control centre in a browser (issue #13): the live map and table of the buses load, and
the table follows the JSON poll when a bus falls behind, without a reload; the control,
punctuality and replay pages pass axe; the replay's slider, moved with the keyboard, moves
the bus's marker and says the time."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from digiplace.core.models import Municipality
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.mobility import views_control
from digiplace.mobility.models import VehicleState
from digiplace.mobility.tests.factories_control import (
    PositionRecordFactory,
    StopVisitFactory,
    VehicleStateFactory,
)
from digiplace.mobility.tests.factories_net import CENTRE_LATITUDE, CENTRE_LONGITUDE, build_line

from .conftest import NewSession, Sites, axe_violations, describe_violations
from .pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "dispatcher@botosani.example"
REPLAY_POINTS = 12


def staff_page(new_session: NewSession, sites: Sites, **options: Any) -> Page:
    session = new_session(**options)
    session.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": sites.botosani}]
    )
    page = session.new_page()
    log_in(page, sites.botosani, EMAIL)
    return page


def axe_clean(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert violations == [], describe_violations(where, violations)


@pytest.fixture
def fleet(botosani: Municipality) -> tuple[VehicleState, VehicleState, datetime.date]:
    """Two buses on line 1 (one on time, one half a minute late), a day of positions of the
    first for its replay and a few observed arrivals for the punctuality page."""
    StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email=EMAIL, preferred_language="en"),
        modules=["mobility"],
    )
    line = build_line(botosani, stops=5, every_minutes=30)
    first = VehicleStateFactory.create(
        municipality=botosani, label="B101", trip=line.trips[10], delay_seconds=0
    )
    second = VehicleStateFactory.create(
        municipality=botosani,
        label="B102",
        trip=line.trips[11],
        delay_seconds=30,
        longitude=CENTRE_LONGITUDE + 0.008,
    )
    day = timezone.now().astimezone(zoneinfo.ZoneInfo(botosani.time_zone)).date()
    start = datetime.datetime.combine(
        day, datetime.time(8), tzinfo=zoneinfo.ZoneInfo(botosani.time_zone)
    )
    for number in range(REPLAY_POINTS):
        PositionRecordFactory.create(
            vehicle=first,
            observed_at=start + datetime.timedelta(seconds=30 * number),
            latitude=CENTRE_LATITUDE,
            longitude=CENTRE_LONGITUDE + 0.001 * number,
            delay_seconds=10 * number,
        )
    for sequence, delay in enumerate((0, 45, 200, -90), start=1):
        StopVisitFactory.create(
            trip=line.trips[0],
            stop=line.stops[sequence - 1],
            vehicle=first,
            service_date=day,
            stop_sequence=sequence,
            delay_seconds=delay,
        )
    return first, second, day


def test_the_live_table_follows_the_poll(
    sites: Sites,
    new_session: NewSession,
    fleet: tuple[VehicleState, VehicleState, datetime.date],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(views_control, "LIVE_SECONDS", 1)
    _first, second, _day = fleet
    # The site's own CSP: the map and the poll run as they do for the dispatcher.
    page = staff_page(new_session, sites)
    page.goto(f"{sites.botosani}/backoffice/mobility/control/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Control centre")
    expect(page.locator("#control-map .control-marker")).to_have_count(2)
    expect(page.locator("#control-map .control-marker", has_text="B102")).to_be_visible()
    late_row = page.locator("tr[data-vehicle='B102']")
    expect(late_row).to_contain_text("30 s late")
    expect(late_row).to_contain_text("normal")
    expect(page.locator("[data-count='late']")).to_have_text("0")
    page.evaluate("window.__controlMark = 'same page'")

    # B102 falls twelve minutes behind (the tracking writes its state): the next poll says so.
    VehicleState.objects.filter(pk=second.pk).update(delay_seconds=720, observed_at=timezone.now())
    expect(late_row).to_contain_text("12 min 00 s late")
    expect(late_row).to_contain_text("late")
    expect(late_row).to_have_class("control-row--alert")
    expect(page.locator("[data-count='late']")).to_have_text("1")
    expect(page.locator("#control-map .control-marker--late", has_text="B102")).to_be_visible()
    expect(page.locator("tr[data-vehicle='B101']")).to_contain_text("on schedule")
    assert page.evaluate("window.__controlMark") == "same page", "the page reloaded"

    # A bus's number in the table opens its replay.
    with page.expect_navigation():
        page.get_by_role("link", name="B101: replay of the day").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Replay of B101")


def test_control_pages_pass_axe_and_the_replay_works_by_keyboard(
    sites: Sites,
    new_session: NewSession,
    fleet: tuple[VehicleState, VehicleState, datetime.date],
) -> None:
    _first, _second, day = fleet
    page = staff_page(new_session, sites, bypass_csp=True)
    base = f"{sites.botosani}/backoffice/mobility/control"

    page.goto(f"{base}/")
    expect(page.locator("#control-map .control-marker")).to_have_count(2)
    axe_clean(page, "control centre")

    page.goto(f"{base}/punctuality/?date={day.isoformat()}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Punctuality by line")
    # Four arrivals: on time (0 s, +45 s), late (+200 s), early (-90 s).
    punctuality = page.locator("table.control-punctuality tbody tr")
    expect(punctuality).to_have_count(1)
    expect(punctuality).to_contain_text("50.0 % (2)")
    axe_clean(page, "punctuality")

    page.goto(f"{base}/vehicles/B101/replay/?date={day.isoformat()}")
    expect(page.get_by_text(f"{REPLAY_POINTS} positions reported on this day.")).to_be_visible()
    slider = page.get_by_label("Moment")
    marker = page.locator("#replay-map path.control-replay-marker")
    expect(marker).to_have_count(1)
    time_text = page.locator("[data-replay='time']")
    expect(time_text).to_have_text("08:00:00")
    start_path = marker.get_attribute("d")
    axe_clean(page, "replay")

    slider.focus()
    page.keyboard.press("ArrowRight")
    expect(time_text).to_have_text("08:00:30")
    expect(page.locator("[data-replay='delay']")).to_have_text("10 s late")
    expect(slider).to_have_attribute("aria-valuetext", "08:00:30, 10 s late")
    page.keyboard.press("End")
    expect(time_text).to_have_text("08:05:30")
    expect(page.locator("[data-replay='delay']")).to_have_text("1 min 50 s late")
    # The marker went east along the track.
    expect(marker).not_to_have_attribute("d", start_path or "")
    page.keyboard.press("Home")
    expect(time_text).to_have_text("08:00:00")
    expect(marker).to_have_attribute("d", start_path or "")
