"""The NGO registry in a browser: a resident registers an organisation on a phone (a
mistyped fiscal code is refused in Romanian), staff verify it, and a visitor finds it in the
directory by filtering without reloading the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from digiplace.core.models import Municipality
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.participation.models import Organisation, OrganisationField, OrganisationStatus
from digiplace.participation.tests.factories_organisations import (
    OrganisationFactory,
    cui_valid,
    cui_wrong,
)

from .conftest import NewSession, Sites, axe_violations, choose_language, describe_violations
from .pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


def test_register_verify_and_find_an_organisation(
    botosani: Municipality, sites: Sites, new_session: NewSession
) -> None:
    UserFactory.create(email="ana@example.org", full_name="Ana Popescu")
    StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="participare@botosani.example"),
        modules=["participation"],
    )
    OrganisationFactory.create(
        municipality=botosani, name="Sprijin Social", field=OrganisationField.SOCIAL
    )

    # A resident registers on a phone, in Romanian.
    resident = new_session(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    phone = resident.new_page()
    log_in(phone, sites.botosani, "ana@example.org")
    phone.goto(sites.botosani + "/participation/organisations/register/")
    choose_language(phone, "ro")
    # By the fields' ids: the page's own words are in the catalogue once it is compiled.
    submit = phone.locator("main form button[type='submit']")
    phone.locator("#id_name").fill("Eco Botoșani")
    phone.locator("#id_cui").fill(cui_wrong("4300000"))
    phone.locator("#id_field").select_option("environment")
    phone.locator("#id_contact_email").fill("contact@eco.example")
    submit.click()
    expect(phone.locator(".error-summary")).to_contain_text(
        "Ultima cifră a acestui CUI nu se potrivește cu celelalte"
    )
    assert Organisation.objects.filter(name="Eco Botoșani").count() == 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    violations = axe_violations(phone)
    assert violations == [], describe_violations("registration with an error", violations)

    phone.locator("#id_cui").fill("RO " + cui_valid("4300000"))
    submit.click()
    expect(phone.locator(".organisation-card .organisation-status--pending")).to_be_visible()
    expect(phone.locator(".organisation-card")).to_contain_text("Eco Botoșani")
    organisation = Organisation.objects.get(name="Eco Botoșani")
    assert organisation.cui == cui_valid("4300000")
    assert organisation.status == OrganisationStatus.PENDING

    # Staff verify it.
    staff = new_session(bypass_csp=True).new_page()
    log_in(staff, sites.botosani, "participare@botosani.example")
    staff.goto(sites.botosani + "/backoffice/participation/organisations/")
    choose_language(staff, "en")
    staff.get_by_role("link", name="Eco Botoșani").click()
    staff.get_by_label("Verify", exact=True).check()
    staff.get_by_role("button", name="Save the decision").click()
    expect(staff.locator(".messages")).to_contain_text("Eco Botoșani is verified")

    # A visitor filters the directory; the results change without a new page.
    visitor = new_session(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    visitor.goto(sites.botosani + "/participation/organisations/")
    choose_language(visitor, "en")
    expect(visitor.locator("#organisation-count")).to_have_text("2 organisations")
    visitor.evaluate("window.notReloaded = true")
    visitor.get_by_label("Field of activity").select_option("environment")
    expect(visitor.locator("#organisation-count")).to_have_text("1 organisation")
    expect(visitor.locator("#organisation-results")).to_contain_text("Eco Botoșani")
    expect(visitor.locator("#organisation-results")).not_to_contain_text("Sprijin Social")
    assert visitor.evaluate("window.notReloaded") is True
    assert "field=environment" in visitor.url
    assert visitor.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
