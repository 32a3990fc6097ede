"""A visitor's whole account life in the browser, with mail through a real SMTP server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from digiplace.core.models import Municipality, User

from .conftest import (
    BOTOSANI_EN,
    BOTOSANI_RO,
    MessageCollector,
    Sites,
    choose_language,
    links_in,
    message_text,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "maria.ionescu@example.org"
PASSWORD = "Castane-coapte-la-Prut-2026"
WRONG_LOGIN = "The email or password is not correct."


def log_in(page: Page, sites: Sites, email: str, password: str) -> None:
    page.goto(sites.botosani + "/accounts/login/")
    main = page.get_by_role("main")
    main.get_by_label("Email:", exact=True).fill(email)
    main.get_by_label("Password:", exact=True).fill(password)
    main.get_by_role("button", name="Log in").click()


def test_account_journey(
    botosani: Municipality,
    sites: Sites,
    smtp_server: MessageCollector,
    page: Page,
    tmp_path: Path,
) -> None:
    # Given a visitor on Botoșani's home page, which speaks Romanian first
    page.goto(sites.botosani + "/")
    expect(page.locator("html")).to_have_attribute("lang", "ro")
    expect(page.get_by_role("heading", level=1)).to_have_text(BOTOSANI_RO)

    # When they switch to English
    choose_language(page, "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(BOTOSANI_EN)

    # And register
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Register"
    ).click()
    expect(page).to_have_url(sites.botosani + "/accounts/register/")
    form = page.get_by_role("main")
    form.get_by_label("Email:", exact=True).fill(EMAIL)
    form.get_by_label("Full name:", exact=True).fill("Maria Ionescu")
    form.get_by_label("Password:", exact=True).fill(PASSWORD)
    form.get_by_label("Password confirmation:", exact=True).fill(PASSWORD)
    expect(form.get_by_label("Language:", exact=True)).to_have_value("en")
    form.get_by_role("button", name="Create account").click()

    # Then they are told to check their mail, and the account waits for confirmation
    expect(page).to_have_url(sites.botosani + "/accounts/register/sent/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    account = User.objects.get(email=EMAIL)
    assert account.is_active is False
    assert account.preferred_language == "en"

    # And logging in before confirming is refused
    log_in(page, sites, EMAIL, PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text(WRONG_LOGIN)

    # When the confirmation email arrives at the SMTP server, in English
    message = smtp_server.wait_for(EMAIL)
    assert message["To"] == EMAIL
    assert message["Subject"] == f"Confirm your email for {BOTOSANI_EN}"
    confirm_links = [link for link in links_in(message_text(message)) if "/confirm/" in link]
    assert len(confirm_links) == 1, message_text(message)
    # The link brings the person back to the municipality (and port) they registered on.
    assert confirm_links[0].startswith(sites.botosani + "/accounts/confirm/")

    # And they open its link
    page.goto(confirm_links[0])

    # Then the address is confirmed and they can log in
    expect(page).to_have_url(sites.botosani + "/accounts/login/")
    expect(page.get_by_role("status").filter(has_text="Your email is confirmed.")).to_be_visible()
    log_in(page, sites, EMAIL, PASSWORD)
    expect(page).to_have_url(sites.botosani + "/")
    navigation = page.get_by_role("navigation", name="Main navigation")
    expect(navigation.get_by_role("button", name="Log out")).to_be_visible()

    # When they download their data from their account page
    navigation.get_by_role("link", name="My account").click()
    expect(page).to_have_url(sites.botosani + "/accounts/profile/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download my data").click()
    download = download_info.value

    # Then the JSON file holds their account
    assert download.suggested_filename == "digiplace-my-data.json"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert EMAIL in json.dumps(data, ensure_ascii=False)
    assert "Maria Ionescu" in json.dumps(data, ensure_ascii=False)

    # When they ask to delete the account with a wrong password
    page.get_by_role("link", name="Delete my account").click()
    expect(page).to_have_url(sites.botosani + "/accounts/delete/")
    page.get_by_role("main").get_by_label("Password:", exact=True).fill("not-my-password")
    page.get_by_role("main").get_by_role("button", name="Delete my account").click()

    # Then nothing is deleted
    expect(page.get_by_role("main")).to_contain_text("The password is not correct.")
    assert User.objects.filter(email=EMAIL).exists()

    # When they confirm with their password
    page.get_by_role("main").get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Delete my account").click()

    # Then the account is gone, they are logged out, and they cannot log in again
    expect(page).to_have_url(sites.botosani + "/")
    deleted = page.get_by_role("status").filter(has_text="Your account and your data are deleted.")
    expect(deleted).to_be_visible()
    expect(navigation.get_by_role("link", name="Log in")).to_be_visible()
    assert not User.objects.filter(email=EMAIL).exists()
    log_in(page, sites, EMAIL, PASSWORD)
    expect(page).to_have_url(sites.botosani + "/accounts/login/")
    expect(page.get_by_role("alert")).to_contain_text(WRONG_LOGIN)
