"""The API documentation renders in Chromium under the site's Content-Security-Policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from digiplace.core.models import Municipality

from .conftest import BrowserSession, NewSession, Sites, axe_violations, describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_api_docs_render_the_operations_without_csp_violations(
    botosani: Municipality, sites: Sites, browser_session: BrowserSession, page: Page
) -> None:
    console_errors: list[str] = []

    def keep_error(message: ConsoleMessage) -> None:
        if message.type == "error":
            console_errors.append(message.text)

    page.on("console", keep_error)

    # Given the CSP the site sends (scripts and styles from the site only)
    # When someone opens the API documentation on a municipality's host
    response = page.goto(sites.botosani + "/api/docs/")

    # Then the page is served with that policy and Swagger UI draws the operations
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("DigiPlace API")
    expect(page.locator(".opblock-tag-section")).not_to_have_count(0)
    get_token = page.locator("#operations-auth-v1_auth_token_create")
    expect(get_token).to_be_visible()
    expect(page.locator("#operations-open311-open311_requests_list")).to_be_visible()

    # And opening an operation shows its documented answers, errors included
    get_token.locator(".opblock-summary").click()
    expect(get_token.locator("tr.response[data-code='400']")).to_be_visible()

    # And nothing was refused by the CSP, nothing failed, nothing was fetched off the site
    assert console_errors == []
    assert browser_session.blocked_urls == []


def test_api_docs_pass_axe_with_an_operation_open(
    botosani: Municipality, sites: Sites, new_session: NewSession
) -> None:
    # Swagger UI's own colours are darkened (core/api-docs.css) and its deep links, which it
    # nests inside the operation buttons, are off. axe is injected: the context bypasses the CSP.
    page = new_session(bypass_csp=True).new_page()
    page.goto(sites.botosani + "/api/docs/")
    operation = page.locator("#operations-open311-open311_requests_list")
    expect(operation).to_be_visible()
    operation.locator(".opblock-summary").click()
    expect(operation.locator("tr.response[data-code='200']")).to_be_visible()

    violations = axe_violations(page)

    assert violations == [], describe_violations("/api/docs/", violations)
