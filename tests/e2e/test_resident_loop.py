"""The resident's loop on a 390×844 phone: a resident files a report, receives the city's
email through a real SMTP server, follows its absolute link as it is (the live server
answers at the city's host name), sees "me too" stated and "My reports"; a reporter
without an account follows the report by the private link; the unsubscribe link works
without logging in. Each page passes axe-core and fits the screen.

With ``DIGIPLACE_SHOTS_DIR`` set, screenshots of the loop are saved there (h2-*.png).
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from digiplace.core.models import EmailOptOut, Municipality, User
from digiplace.core.tests.factories import PASSWORD, UserFactory
from digiplace.reports.models import Category, Report
from digiplace.reports.tests.factories import CategoryFactory

from .conftest import (
    BrowserSession,
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

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SENDER_NAME = "Primăria Municipiului Botoșani"


def shot(page: Page, name: str, *, full_page: bool = True) -> None:
    folder = os.environ.get("DIGIPLACE_SHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"h2-{name}.png"), full_page=full_page)


def check_page(page: Page, where: str, *, width: int = PHONE["width"]) -> None:
    page.wait_for_load_state("load")  # measured once the stylesheet has applied
    violations = axe_violations(page)
    assert not violations, describe_violations(where, violations)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, where


def phone(new_session: NewSession) -> BrowserSession:
    return new_session(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/accounts/login/")
    choose_language(page, "en")
    main = page.get_by_role("main")
    main.get_by_label("Email:", exact=True).fill(email)
    main.get_by_label("Password:", exact=True).fill(PASSWORD)
    main.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base_url + "/")


def file_report(page: Page, base_url: str, *, name: str = "", email: str = "") -> Report:
    page.goto(base_url + "/reports/new/")
    form = page.get_by_role("main").locator(
        "form", has=page.get_by_role("button", name="Send the report")
    )
    form.get_by_label("What is the problem?").select_option(label="Overflowing container")
    form.get_by_label("Latitude").fill("47.755191")
    form.get_by_label("Longitude").fill("26.615849")
    form.get_by_label("Describe the problem").fill("The container by block A3 is full.")
    if name:
        form.get_by_label("Your name").fill(name)
        form.get_by_label("Your email").fill(email)
    form.get_by_role("button", name="Send the report").click()
    expect(page.get_by_text("was sent to the city")).to_be_visible()
    return Report.objects.latest("pk")


def show_email(page: Page, message: object, name: str) -> None:
    """The email as its reader sees it (headers and text), for the screenshots."""
    headers = "".join(
        f"<dt>{field}</dt><dd>{html.escape(str(message[field]))}</dd>"  # type: ignore[index]
        for field in ("From", "To", "Subject", "List-Unsubscribe")
    )
    page.set_content(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Email</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        '<body style="font-family: sans-serif; margin: 1rem; overflow-wrap: anywhere">'
        f"<main><h1>Email</h1><dl>{headers}</dl>"
        "<pre style='white-space: pre-wrap; overflow-wrap: anywhere'>"
        f"{html.escape(message_text(message))}</pre></main></body></html>"  # type: ignore[arg-type]
    )
    shot(page, name)


@pytest.fixture
def city(botosani: Municipality) -> Municipality:
    botosani.email_sender_name = SENDER_NAME
    botosani.email_sender_address = "no-reply@botosani.localhost"
    botosani.save()
    return botosani


@pytest.fixture
def container(city: Municipality) -> Category:
    return CategoryFactory.create(
        municipality=city,
        service_code="overflowing-container",
        name_en="Overflowing container",
        name_ro="Container plin",
    )


def test_a_resident_files_a_report_follows_the_emailed_link_and_sees_my_reports(
    container: Category,
    resident: User,
    sites: Sites,
    new_session: NewSession,
    smtp_server: MessageCollector,
) -> None:
    page = phone(new_session).new_page()
    log_in(page, sites.botosani, resident.email)

    report = file_report(page, sites.botosani)

    # The acknowledgement comes from the city, with an absolute link to its own host.
    message = smtp_server.wait_for(resident.email)
    assert message["From"].addresses[0].display_name == SENDER_NAME
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message_text(message)
    assert "47.75519° N, 26.61585° E" in text
    report_link = f"{sites.botosani}/reports/{report.pk}/"
    assert report_link in links_in(text)
    show_email(new_session(viewport=PHONE).new_page(), message, "email-phone")
    show_email(new_session(viewport=DESKTOP).new_page(), message, "email-desktop")

    # The link is followed as it is.
    page.goto(report_link)
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Report #{report.pk}")
    expect(page.locator("#support")).to_contain_text("You sent this report")
    check_page(page, report_link)

    # A neighbour says "me too" and sees it stated, with the count, and can undo it.
    neighbour = UserFactory.create(email="neighbour@example.org", full_name="Ion Vecinu")
    for session, width, name in (
        (new_session(viewport=DESKTOP, bypass_csp=True), DESKTOP["width"], "me-too-desktop"),
        (phone(new_session), PHONE["width"], "me-too-phone"),
    ):
        other = session.new_page()
        log_in(other, sites.botosani, neighbour.email)
        other.goto(report_link)
        support = other.locator("#support")
        if name == "me-too-desktop":
            support.get_by_role("button", name="Me too").click()
        expect(support).to_contain_text("You support this report.")
        expect(support).to_contain_text("1 person has this problem.")
        expect(support.get_by_role("button", name="Withdraw my support")).to_be_visible()
        check_page(other, f"{report_link} (supporter)", width=width)
        shot(other, name)

    # "My reports", from the reports menu, shows the report with its status.
    page.get_by_role("link", name="My reports").first.click()
    expect(page).to_have_url(f"{sites.botosani}/reports/mine/")
    card = page.get_by_role("main").get_by_role("listitem").filter(has_text=f"#{report.pk}")
    expect(card).to_contain_text("New")
    expect(card).to_contain_text("47.75519° N, 26.61585° E")
    check_page(page, "/reports/mine/")
    shot(page, "my-reports-phone")
    desktop = new_session(viewport=DESKTOP, bypass_csp=True).new_page()
    log_in(desktop, sites.botosani, resident.email)
    desktop.goto(f"{sites.botosani}/reports/mine/")
    check_page(desktop, "/reports/mine/ (desktop)", width=DESKTOP["width"])
    shot(desktop, "my-reports-desktop")

    # The unsubscribe link works without logging in: a page, then its button.
    (unsubscribe,) = [link for link in links_in(text) if "/unsubscribe/" in link]
    stranger = phone(new_session).new_page()
    stranger.goto(unsubscribe)
    expect(stranger.get_by_role("heading", name="Stop these emails")).to_be_visible()
    check_page(stranger, unsubscribe)
    stranger.get_by_role("button", name="Stop these emails").click()
    expect(stranger.get_by_role("heading", level=1)).to_have_text(
        "You will no longer receive these emails"
    )
    shot(stranger, "unsubscribed-phone")
    # It stopped this report's emails; the account's other notifications still come.
    assert EmailOptOut.objects.filter(scope=f"reports.report:{report.pk}").count() == 1
    resident.refresh_from_db()
    assert resident.notify_by_email is True


def test_a_reporter_without_an_account_follows_the_report_by_the_private_link(
    container: Category,
    sites: Sites,
    new_session: NewSession,
    smtp_server: MessageCollector,
) -> None:
    page = phone(new_session).new_page()
    page.goto(sites.botosani + "/")
    choose_language(page, "ro")
    page.goto(sites.botosani + "/reports/new/")
    form = page.get_by_role("main").locator("form", has=page.locator("button[type=submit]"))
    form.locator("select[name=category]").select_option(label="Container plin")
    form.locator("input[name=latitude]").fill("47.755191")
    form.locator("input[name=longitude]").fill("26.615849")
    form.locator("textarea[name=description]").fill("Containerul de la blocul A3 e plin.")
    form.locator("input[name=reporter_name]").fill("Maria Ionescu")
    form.locator("input[name=reporter_email]").fill("maria@example.org")
    form.locator("button[type=submit]").last.click()
    page.wait_for_url(f"{sites.botosani}/reports/*/?token=*")
    report = Report.objects.latest("pk")

    # In Romanian, from the city, with the place as a Romanian coordinate pair.
    message = smtp_server.wait_for("maria@example.org")
    assert message["From"].addresses[0].display_name == SENDER_NAME
    text = message_text(message)
    assert "47,75519° N, 26,61585° E" in text
    (follow,) = [link for link in links_in(text) if "/follow/" in link]
    assert follow.startswith(f"{sites.botosani}/reports/{report.pk}/follow/")
    show_email(new_session(viewport=PHONE).new_page(), message, "email-private-link-phone")

    private = phone(new_session).new_page()
    private.goto(follow)
    main = private.get_by_role("main")
    expect(main).to_contain_text("maria@example.org")
    expect(main).to_contain_text("Maria Ionescu")
    check_page(private, follow)
    shot(private, "private-link-phone")
    # The public page shows neither.
    private.goto(f"{sites.botosani}/reports/{report.pk}/")
    expect(private.get_by_role("main")).not_to_contain_text("maria@example.org")
