"""The waste module's staff pages (planning, fleet, settings, camera-watched sites,
observations import, campaigns, the police's cases, a route sheet's plan) pass axe in
Romanian and English and fit a phone."""

from __future__ import annotations

import pytest
from django.urls import reverse

from digiplace.core.models import Municipality, StaffRole
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.waste.compliance import ObservationKind
from digiplace.waste.tests.factories import (
    CameraSiteFactory,
    CampaignFactory,
    CollectionPlanFactory,
    EnforcementCaseFactory,
    ObservationFactory,
    TruckFactory,
)

from .conftest import NewSession, Sites, axe_violations, choose_language, describe_violations
from .pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def staff_pages(botosani: Municipality, sites: Sites) -> tuple[str, list[str]]:
    """A police-granted administrator and the back-office pages with a record in each."""
    StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="chief@botosani.example"),
        role=StaffRole.ADMIN,
        modules=["waste_enforcement"],
    )
    truck = TruckFactory.create(municipality=botosani)
    plan = CollectionPlanFactory.create(municipality=botosani, depot=truck.depot)
    site = CameraSiteFactory.create(municipality=botosani)
    observation = ObservationFactory.create(
        municipality=botosani, site=site, kind=ObservationKind.BULKY_DUMPED
    )
    case = EnforcementCaseFactory.create(municipality=botosani, observation=observation)
    campaign = CampaignFactory.create(municipality=botosani)
    names = [
        ("waste_backoffice:index", None),
        ("waste_backoffice:plan_new", None),
        ("waste_backoffice:plan_detail", plan.pk),
        ("waste_backoffice:fleet_list", None),
        ("waste_backoffice:truck_edit", truck.pk),
        ("waste_backoffice:settings", None),
        ("waste_backoffice:rounds", None),
        ("waste_backoffice:site_list", None),
        ("waste_backoffice:site_detail", site.pk),
        ("waste_backoffice:observations_import", None),
        ("waste_backoffice:campaign_list", None),
        ("waste_backoffice:campaign_edit", campaign.pk),
        ("waste_backoffice:case_list", None),
        ("waste_backoffice:case_detail", case.pk),
    ]
    urls = [sites.botosani + reverse(name, args=[] if pk is None else [pk]) for name, pk in names]
    return "chief@botosani.example", urls


def test_staff_pages_pass_axe_in_both_languages_and_fit_a_phone(
    staff_pages: tuple[str, list[str]], new_session: NewSession, sites: Sites
) -> None:
    email, urls = staff_pages
    session = new_session(bypass_csp=True, viewport=PHONE, is_mobile=True, has_touch=True)
    page = session.new_page()
    log_in(page, sites.botosani, email)
    failures: list[str] = []
    too_wide: list[str] = []
    for url in urls:
        for language in ("ro", "en"):
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            choose_language(page, language)
            violations = axe_violations(page)
            if violations:
                failures.append(describe_violations(f"{url} ({language})", violations))
            if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
                too_wide.append(f"{url} ({language})")
    assert not failures, "\n\n".join(failures)
    assert too_wide == []
    assert session.page_errors == []
