"""Urban data's devices back office in a browser: staff find a device in the list (type
filter and search), issue a key that is shown once and copied with the button, then revoke
it after confirming; the pages pass axe and fit a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from digiplace.core.models import Municipality
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.urbandata.models import DeviceKey
from digiplace.urbandata.services.keys import KEY_PREFIX
from digiplace.urbandata.tests.factories import EntityFactory

from .conftest import NewSession, Sites, axe_violations, choose_language, describe_violations
from .pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


def test_find_a_device_issue_a_key_copy_it_and_revoke_it(
    botosani: Municipality, sites: Sites, new_session: NewSession
) -> None:
    StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="date@botosani.example"),
        modules=["urbandata"],
    )
    EntityFactory.create(
        municipality=botosani,
        entity_id="urn:ngsi-ld:WasteContainer:botosani-centru-1",
        name="Container Piața Revoluției",
        is_demo=True,
    )
    EntityFactory.create(
        municipality=botosani,
        type="HeatSubstation",
        entity_id="urn:ngsi-ld:HeatSubstation:botosani-pt-01",
        name="PT 1 Centru",
        attributes={"supplyTemperature": {"type": "Property", "value": 88.5}},
    )
    session = new_session(bypass_csp=True, permissions=["clipboard-read", "clipboard-write"])
    page = session.new_page()
    log_in(page, sites.botosani, "date@botosani.example")

    page.goto(sites.botosani + "/backoffice/urbandata/devices/")
    choose_language(page, "en")
    page.locator("#id_type").select_option("WasteContainer")
    page.locator("#id_q").fill("revolu")
    with page.expect_navigation():
        page.locator("form[role='search'] button[type='submit']").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Container Piața Revoluției")
    expect(rows.first).to_contain_text("demo")
    violations = axe_violations(page)
    assert violations == [], describe_violations("devices list", violations)

    with page.expect_navigation():
        rows.first.get_by_role("link", name="Container Piața Revoluției").click()
    expect(page.locator("h1")).to_have_text("Container Piața Revoluției")
    page.locator("#id_name").fill("Lid sensor")
    with page.expect_navigation():
        page.get_by_role("button", name="Issue a key").click()

    secret_field = page.locator("#key-secret")
    secret = secret_field.input_value()
    assert secret.startswith(KEY_PREFIX)
    key = DeviceKey.objects.get()
    expect(page.locator("#key-username")).to_have_text(key.username)
    expect(page.locator("main")).to_contain_text("digiplace/botosani/entities")
    page.get_by_role("button", name="Copy the key").click()
    expect(page.locator(".urbandata-copy-status")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    violations = axe_violations(page)
    assert violations == [], describe_violations("new key", violations)

    # Back on the device: the key is listed by its prefix only, and can be revoked.
    with page.expect_navigation():
        page.get_by_role("link", name="Back to the device").click()
    assert secret not in page.content()
    with page.expect_navigation():
        page.get_by_role("link", name="Revoke the key Lid sensor").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Revoke the key").click()
    expect(page.locator(".messages")).to_contain_text("is revoked")
    expect(page.locator("table").last).to_contain_text("Revoked")
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert session.page_errors == []


def test_the_devices_list_and_heating_dashboard_fit_a_phone(
    botosani: Municipality, sites: Sites, new_session: NewSession
) -> None:
    StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="date@botosani.example"),
        modules=["urbandata"],
    )
    for number in range(3):
        EntityFactory.create(
            municipality=botosani,
            type="HeatSubstation",
            entity_id=f"urn:ngsi-ld:HeatSubstation:botosani-pt-{number:02d}",
            name=f"PT {number}",
            attributes={
                "supplyTemperature": {"type": "Property", "value": 88.5},
                "returnTemperature": {"type": "Property", "value": 61.0},
                "pressure": {"type": "Property", "value": 5.2},
                "flow": {"type": "Property", "value": 31.4},
            },
        )
    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    page = session.new_page()
    log_in(page, sites.botosani, "date@botosani.example")
    for path in ("/backoffice/urbandata/devices/", "/backoffice/urbandata/heating/"):
        page.goto(sites.botosani + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        violations = axe_violations(page)
        assert violations == [], describe_violations(path, violations)
    expect(page.locator("table.heating-table tbody tr")).to_have_count(3)
    assert session.page_errors == []
