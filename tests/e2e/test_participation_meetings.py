"""Meetings in the browser: a resident on a phone registers for the last seat, a second one
joins the waiting list, and the first one's cancellation gives the seat to the second; the
pages pass axe and never scroll sideways at 375 px. Staff choose a meeting's place with a
tap on the map."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from digiplace.core.models import Municipality, StaffRole
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.participation.models import Meeting, Registration
from digiplace.participation.tests.factories_meetings import MeetingFactory

from .conftest import BrowserSession, NewSession, Sites, axe_violations, describe_violations
from .pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


def english(session: BrowserSession, sites: Sites) -> BrowserSession:
    """The page's language chosen as English (Botoșani's default is Romanian)."""
    session.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": sites.botosani}]
    )
    return session


def no_sideways_scroll(page: Page) -> None:
    widths = page.evaluate(
        "({scroll: document.documentElement.scrollWidth,"
        " client: document.documentElement.clientWidth})"
    )
    assert widths["scroll"] <= widths["client"], widths


def accessible(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert violations == [], describe_violations(where, violations)


@pytest.fixture
def forum(botosani: Municipality) -> Meeting:
    return MeetingFactory.create(
        municipality=botosani,
        slug="forum-public",
        title="Forumul public anual",
        title_ro="Forumul public anual",
        title_en="Annual public forum",
        capacity=1,
        latitude=47.7486,
        longitude=26.6694,
        stream_url="https://stream.example.org/forum",
        questions_enabled=True,
    )


def test_the_last_seat_the_waiting_list_and_the_promotion_on_a_phone(
    sites: Sites, new_session: NewSession, forum: Meeting
) -> None:
    UserFactory.create(email="ana@example.org", full_name="Ana Popescu")
    UserFactory.create(email="ion@example.org", full_name="Ion Ionescu")
    detail = f"{sites.botosani}/participation/meetings/forum-public/"

    ana_session = english(
        new_session(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True), sites
    )
    ana = ana_session.new_page()
    ana.goto(f"{sites.botosani}/participation/meetings/")
    no_sideways_scroll(ana)
    accessible(ana, "meetings list")
    log_in(ana, sites.botosani, "ana@example.org")
    ana.goto(detail)
    with ana.expect_navigation():
        ana.get_by_role("button", name="Register for this meeting").click()
    expect(ana.locator(".meeting-registration .message--success")).to_be_visible()
    no_sideways_scroll(ana)
    accessible(ana, "meeting page")

    ion_session = english(new_session(viewport=PHONE, is_mobile=True, has_touch=True), sites)
    ion = ion_session.new_page()
    log_in(ion, sites.botosani, "ion@example.org")
    ion.goto(detail)
    with ion.expect_navigation():
        ion.get_by_role("button", name="Join the waiting list").click()
    expect(ion.locator(".meeting-registration")).to_contain_text(
        "You are on the waiting list, number 1."
    )
    assert Registration.objects.get(user__email="ion@example.org").status == "waiting"

    with ana.expect_navigation():
        ana.get_by_role("button", name="Cancel my registration").click()
    ion.reload()
    expect(ion.locator(".meeting-registration .message--success")).to_be_visible()
    assert Registration.objects.get(user__email="ion@example.org").status == "confirmed"
    for session in (ana_session, ion_session):
        assert session.page_errors == []


def test_staff_pick_the_place_on_the_map(
    sites: Sites, new_session: NewSession, botosani: Municipality
) -> None:
    staff = StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="events@botosani.example"),
        role=StaffRole.STAFF,
        modules=["participation"],
    )
    session = english(new_session(bypass_csp=True), sites)
    page = session.new_page()
    log_in(page, sites.botosani, staff.user.email)
    page.goto(f"{sites.botosani}/backoffice/participation/meetings/new/")
    latitude = page.locator("#id_latitude")
    longitude = page.locator("#id_longitude")
    expect(latitude).to_have_value("")

    page.locator("#meeting-picker-map").click(position={"x": 200, "y": 120})

    expect(latitude).not_to_have_value("")
    lat, lon = float(latitude.input_value()), float(longitude.input_value())
    assert botosani.contains_point(lat, lon)
    expect(page.locator(".meeting-picker .location-status")).not_to_be_empty()
    accessible(page, "meeting form")
    assert session.page_errors == []
