"""The alert list in a browser, on a phone: a burning container is listed and on the map; a
new fire appears in the list and on the map without reloading; the operator opens it and
acknowledges it; axe passes."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from digiplace.core.models import Municipality
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.urbandata import views_alerts
from digiplace.urbandata.models import Alert, AlertRule, AlertRuleKind, AlertState
from digiplace.urbandata.services import alerts
from digiplace.urbandata.tests.factories import EntityFactory

from .conftest import NewSession, Sites, axe_violations, describe_violations
from .pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POLL_SECONDS = 2
LIVE_TIMEOUT_MS = 8_000


def burning(municipality: Municipality, rule: AlertRule, name: str, latitude: float) -> Alert:
    entity = EntityFactory.create(
        municipality=municipality,
        name=name,
        latitude=latitude,
        longitude=26.6694,
        attributes={"status": {"type": "Property", "value": "burning"}},
    )
    alert = alerts.rule_apply(rule=rule, entity=entity)
    assert alert is not None
    return alert


def test_the_alert_list_follows_new_alerts_on_a_phone(
    sites: Sites,
    new_session: NewSession,
    botosani: Municipality,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(views_alerts, "POLL_SECONDS", POLL_SECONDS)
    operator = StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="operator@botosani.example"),
        modules=["urbandata"],
    )
    rule = AlertRule.objects.create(
        municipality=botosani,
        name="Fire",
        entity_type="WasteContainer",
        kind=AlertRuleKind.STATUS,
        attribute="status",
        status_values=["burning"],
    )
    burning(botosani, rule, "Container Piața Revoluției", 47.7486)

    session = new_session(bypass_csp=True, viewport={"width": 375, "height": 812})
    session.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": sites.botosani}]
    )
    page = session.new_page()
    log_in(page, sites.botosani, operator.user.email)
    page.goto(f"{sites.botosani}/backoffice/urbandata/alerts/")
    expect(page.get_by_role("heading", name="Alerts", exact=True)).to_be_visible()
    live = page.locator("#alerts-live")
    expect(live).to_contain_text("Container Piața Revoluției")
    markers = page.locator("#alerts-map path.alert-marker")
    expect(markers).to_have_count(1)
    page.evaluate("window.__alertsMark = 'same page'")
    # Nothing wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    violations = axe_violations(page)
    assert violations == [], describe_violations("alert list", violations)

    # A second fire: listed and drawn without a reload.
    second = burning(botosani, rule, "Container Calea Națională", 47.7560)
    expect(live).to_contain_text("Container Calea Națională", timeout=LIVE_TIMEOUT_MS)
    expect(markers).to_have_count(2, timeout=LIVE_TIMEOUT_MS)
    assert page.evaluate("window.__alertsMark === 'same page'")

    # The operator opens it and acknowledges it.
    with page.expect_navigation():
        live.get_by_role("link", name="Container Calea Națională").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("The alert is acknowledged.")).to_be_visible()
    second.refresh_from_db()
    assert second.state == AlertState.ACKNOWLEDGED
    violations = axe_violations(page)
    assert violations == [], describe_violations("alert page", violations)
    assert session.page_errors == []
