"""Staff handle a report from the desk on a phone with the keyboard only: the queue opens on
their department's open reports, j/k and Enter pick one, `s` changes its status, `r` and a
reply template answer the reporter (who gets the email), k goes back to the previous
report; the shortcuts can be turned off. axe passes on the desk's pages, which never scroll
sideways at 390 px."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from digiplace.core.models import Department, Municipality, StaffMembership
from digiplace.core.tests.factories import PASSWORD, StaffMembershipFactory, UserFactory
from digiplace.reports.models import Category, ReplyTemplate, Report, ReportStatus
from digiplace.reports.tests.factories import CategoryFactory, ReportFactory

from .conftest import (
    MessageCollector,
    NewSession,
    Sites,
    axe_violations,
    choose_language,
    describe_violations,
    message_text,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
TEMPLATE_TEXT = "The pothole is in next week's paving programme; the spot is marked until then."
# Screenshots for people who review the desk, when asked for (a folder to write them to).
SHOTS = os.environ.get("DIGIPLACE_DESK_SHOTS", "")


@pytest.fixture
def pothole(botosani: Municipality) -> Category:
    roads = Department.objects.create(
        municipality=botosani, name_en="Roads Department", name_ro="Serviciul Drumuri"
    )
    return CategoryFactory.create(
        municipality=botosani,
        service_code="pothole",
        name_en="Pothole",
        name_ro="Groapă în carosabil",
        department=roads,
        sla_days=10,
    )


@pytest.fixture
def roads_staff(botosani: Municipality, pothole: Category) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        department=pothole.department,
        user=UserFactory.create(email="drumuri@botosani.example", full_name="Radu Drumaru"),
        modules=["reports"],
    )


@pytest.fixture
def desk_reports(botosani: Municipality, pothole: Category) -> tuple[Report, Report]:
    now = timezone.now()
    older = ReportFactory.create(
        municipality=botosani,
        category=pothole,
        description="Deep pothole in the right lane on Calea Națională, by the bus stop.",
        address="Calea Națională 12",
        reporter_email="ion@example.org",
        created_at=now - datetime.timedelta(days=3),
    )
    newer = ReportFactory.create(
        municipality=botosani,
        category=pothole,
        description="Two potholes at the crossing of Strada Marchian and Strada Cuza Vodă.",
        created_at=now - datetime.timedelta(hours=5),
    )
    # Not in the queue's default view: closed, or another department's.
    ReportFactory.create(municipality=botosani, category=pothole, status=ReportStatus.FIXED)
    ReportFactory.create(municipality=botosani)
    ReplyTemplate.objects.create(
        municipality=botosani,
        title_en="Thank you, we are on it",
        text_en="Thank you for your report; the field team has it.",
    )
    ReplyTemplate.objects.create(
        municipality=botosani,
        category=pothole,
        title_en="Repair in the paving programme",
        text_en=TEMPLATE_TEXT,
    )
    return older, newer


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/accounts/login/")
    choose_language(page, "en")
    main = page.get_by_role("main")
    main.get_by_label("Email:", exact=True).fill(email)
    main.get_by_label("Password:", exact=True).fill(PASSWORD)
    main.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base_url + "/")


def focused(page: Page) -> str:
    return str(page.evaluate("(document.activeElement.textContent || '').trim()"))


def tab_to(page: Page, text: str, *, backwards: bool = False, limit: int = 12) -> None:
    """Press Tab (or Shift+Tab) until the focused element's text is ``text``."""
    for _step in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if focused(page) == text:
            return
    raise AssertionError(f"Tab never reached {text!r}; the focus is on {focused(page)!r}")


def check_page(page: Page, where: str) -> None:
    page.wait_for_load_state("load")
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width, where
    violations = axe_violations(page)
    assert violations == [], describe_violations(where, violations)


def shoot(page: Page, name: str, *, full_page: bool = False) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=full_page)


def test_staff_handle_a_report_from_the_desk_with_the_keyboard_on_a_phone(
    roads_staff: StaffMembership,
    desk_reports: tuple[Report, Report],
    sites: Sites,
    new_session: NewSession,
    smtp_server: MessageCollector,
) -> None:
    older, newer = desk_reports
    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    page = session.new_page()
    log_in(page, sites.botosani, roads_staff.user.email)

    # The desk opens on the open reports of the Roads Department, newest first.
    page.goto(sites.botosani + "/backoffice/reports/")
    expect(page.get_by_role("status")).to_have_text("2 reports")
    counts = page.locator(".desk-counts")
    expect(counts.get_by_role("link", name="2 New")).to_be_visible()
    check_page(page, "queue on a phone")
    shoot(page, "h1-queue-phone.png", full_page=True)

    # j twice reaches the older report; Enter opens it.
    page.keyboard.press("j")
    assert focused(page).startswith(f"#{newer.pk} ")
    page.keyboard.press("j")
    assert focused(page).startswith(f"#{older.pk} ")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{sites.botosani}/backoffice/reports/{older.pk}/")
    check_page(page, "report screen on a phone")
    shoot(page, "h1-report-phone.png")

    # s: the status; type-ahead chooses it, Tab to the public response and the button.
    page.keyboard.press("s")
    status = page.locator("#id_status_status")
    expect(status).to_be_focused()
    page.keyboard.type("Ack")
    expect(status).to_have_value("acknowledged")
    page.keyboard.press("Tab")
    expect(page.locator("#id_status_public_response")).to_be_focused()
    page.keyboard.type("A crew looks at it tomorrow.")
    tab_to(page, "Change the status")
    page.keyboard.press("Enter")
    timeline = page.locator("section[aria-labelledby=timeline-heading]")
    expect(timeline).to_contain_text("A crew looks at it tomorrow.")
    expect(page.get_by_role("main")).to_contain_text(f"Report #{older.pk} is now “Acknowledged”.")

    # r: a public reply; Shift+Tab reaches the templates, Enter fills the box from one.
    page.keyboard.press("r")
    text = page.locator("#id_response_text")
    expect(text).to_be_focused()
    expect(page.locator('#respond input[name="is_public"][value="1"]')).to_be_checked()
    tab_to(page, "Repair in the paving programme", backwards=True)
    page.keyboard.press("Enter")
    expect(text).to_be_focused()
    expect(text).to_have_value(TEMPLATE_TEXT)
    tab_to(page, "Save")
    page.keyboard.press("Enter")
    expect(timeline).to_contain_text(TEMPLATE_TEXT)
    expect(page.get_by_role("main")).to_contain_text(
        "The response was published and sent to the reporter."
    )
    shoot(page, "h1-report-phone-handled.png", full_page=True)

    older.refresh_from_db()
    assert older.status == ReportStatus.ACKNOWLEDGED
    assert older.updates.filter(kind="response", is_public=True, text=TEMPLATE_TEXT).exists()
    texts = [message_text(message) for message in smtp_server.wait_for_count("ion@example.org", 2)]
    assert any(TEMPLATE_TEXT in text for text in texts)

    # k: the previous report of the queue.
    page.keyboard.press("k")
    expect(page).to_have_url(f"{sites.botosani}/backoffice/reports/{newer.pk}/")
    page.wait_for_load_state("load")  # the shortcuts listen once the page's script has run

    # The shortcuts can be turned off (remembered on the device): then r does nothing.
    page.keyboard.press("?")
    expect(page.locator("[data-shortcuts-help]")).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    expect(page.locator("#shortcuts-on")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator("#shortcuts-on")).not_to_be_checked()
    page.keyboard.press("Shift+Tab")  # back on the help's summary: not a field
    page.keyboard.press("r")
    expect(page.locator("#id_response_text")).not_to_be_focused()
    assert page.evaluate("localStorage.getItem('digiplace.desk.shortcuts')") == "off"
    assert session.page_errors == []


def test_the_desk_on_a_laptop_passes_axe_with_everything_in_reach(
    roads_staff: StaffMembership,
    desk_reports: tuple[Report, Report],
    sites: Sites,
    new_session: NewSession,
) -> None:
    older, _newer = desk_reports
    session = new_session(viewport=LAPTOP, bypass_csp=True)
    page = session.new_page()
    log_in(page, sites.botosani, roads_staff.user.email)

    page.goto(sites.botosani + "/backoffice/reports/")
    check_page(page, "queue on a laptop")
    shoot(page, "h1-queue-desktop.png")

    page.goto(f"{sites.botosani}/backoffice/reports/{older.pk}/")
    check_page(page, "report screen on a laptop")
    shoot(page, "h1-report-desktop.png")
    # The actions sit beside the report: the status form and every other action's heading,
    # the map, the photos and the timeline's heading show without scrolling.
    in_reach = [
        "form#status button",
        "#response-heading",
        "#assign-heading",
        "#category-heading",
        "#merge-heading",
        "#visibility-heading",
        "#desk-map",
        "#photos-heading",
        "#timeline-heading",
    ]
    for selector in in_reach:
        box = page.locator(selector).bounding_box()
        assert box is not None and box["y"] + box["height"] <= LAPTOP["height"], selector
    actions = page.locator(".desk-report__actions").bounding_box()
    details = page.locator(".desk-report__details").bounding_box()
    assert actions is not None and details is not None
    assert actions["x"] > details["x"] + details["width"] - 1
    assert session.page_errors == []


def test_administrators_write_reply_templates_on_a_phone(
    botosani_admin: StaffMembership,
    pothole: Category,
    sites: Sites,
    new_session: NewSession,
) -> None:
    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    page = session.new_page()
    log_in(page, sites.botosani, botosani_admin.user.email)

    page.goto(sites.botosani + "/backoffice/reports/templates/")
    form = page.locator("form", has=page.get_by_role("button", name="Add the template"))
    form.get_by_label("Category").select_option(label="Pothole")
    form.get_by_label("Title in Romanian").fill("Reparație programată")
    form.get_by_label("Reply in Romanian").fill("Groapa va fi reparată săptămâna viitoare.")
    form.get_by_role("button", name="Add the template").click()

    expect(page.get_by_role("main")).to_contain_text(
        "The template “Reparație programată” was added."
    )
    check_page(page, "reply templates on a phone")
    shoot(page, "h1-templates-phone.png", full_page=True)
    assert ReplyTemplate.objects.filter(category=pothole, title_ro="Reparație programată").exists()
    assert session.page_errors == []
