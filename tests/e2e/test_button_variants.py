"""Button variants look the same on <a> and <button>: the danger and secondary variants win
over the base button rule (a <button> that looked like the primary action misled staff)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from digiplace.core.models import Municipality, Notification, User

from .conftest import Sites
from .pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STYLE = """element => {
    const style = getComputedStyle(element);
    return {background: style.backgroundColor, text: style.color, border: style.borderTopColor};
}"""
WHITE = "rgb(255, 255, 255)"
DANGER_RED = "rgb(166, 27, 27)"


def test_button_variants_apply_to_links_and_buttons_alike(
    botosani: Municipality, resident: User, sites: Sites, page: Page
) -> None:
    Notification.objects.create(
        recipient=resident, municipality=botosani, kind="test", subject="A", body="B"
    )
    log_in(page, sites.botosani, resident.email)

    page.goto(sites.botosani + "/accounts/profile/")
    danger_link = page.locator("main a.button--danger").evaluate(STYLE)
    secondary_link = page.locator("main a.button--secondary").evaluate(STYLE)
    page.goto(sites.botosani + "/accounts/delete/")
    danger_button = page.locator("main button.button--danger").evaluate(STYLE)
    page.goto(sites.botosani + "/accounts/inbox/")
    secondary_button = page.locator("main button.button--secondary").evaluate(STYLE)

    assert danger_link == {"background": DANGER_RED, "text": WHITE, "border": DANGER_RED}
    assert danger_button == danger_link
    assert secondary_button == secondary_link
    assert secondary_button["background"] == WHITE
    assert secondary_button["text"] != WHITE
