"""The participation index and a process page pass axe in both languages and fit a 375 px
phone, with the demo's real data (phases with the current one marked, what is open now);
staff edit a process's phases with the keyboard-reachable form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from digiplace.core.models import Municipality, StaffMembership
from digiplace.core.tests.factories import PASSWORD, StaffMembershipFactory, UserFactory
from digiplace.participation.demo import processes as processes_demo
from digiplace.participation.models import Process
from digiplace.participation.tests.factories_surveys import SurveyFactory

from .conftest import NewSession, Sites, axe_violations, choose_language, describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 667}


@pytest.fixture
def pages(botosani: Municipality, timisoara: Municipality, sites: Sites) -> list[str]:
    processes_demo.demo_load(botosani=botosani, timisoara=timisoara)
    process = Process.objects.get(municipality=botosani, slug=processes_demo.BOTOSANI_SLUG)
    SurveyFactory.create(
        process=process, title="Ce servicii online folosiți?", title_en="Which online services?"
    )
    return [
        f"{sites.botosani}/participation/",
        f"{sites.botosani}/participation/?state=open&scope=city",
        f"{sites.botosani}/participation/processes/{processes_demo.BOTOSANI_SLUG}/",
        f"{sites.timisoara}/participation/processes/{processes_demo.TIMISOARA_SLUG}/",
    ]


def test_pages_pass_axe_in_both_languages_and_fit_a_phone(
    pages: list[str], new_session: NewSession
) -> None:
    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    page = session.new_page()
    failures: list[str] = []
    too_wide: list[str] = []

    for url in pages:
        for language in ("ro", "en"):
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            choose_language(page, language)
            violations = axe_violations(page)
            if violations:
                failures.append(describe_violations(f"{url} ({language})", violations))
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                too_wide.append(f"{url} ({language}): {width} px")

    assert not failures, "\n\n".join(failures)
    assert too_wide == []
    assert session.page_errors == []


def test_the_current_phase_is_marked_for_everyone(
    pages: list[str], new_session: NewSession
) -> None:
    session = new_session()
    page = session.new_page()
    page.goto(pages[2])
    choose_language(page, "en")

    current = page.locator('.timeline [aria-current="step"]')
    expect(current).to_have_count(1)
    expect(current).to_contain_text("Public consultation")
    expect(current).to_contain_text("Now")
    survey_link = page.get_by_role("link", name=re.compile("Answer the survey.*online services"))
    expect(survey_link).to_be_visible()


def test_staff_add_a_phase(botosani: Municipality, sites: Sites, new_session: NewSession) -> None:
    processes_demo.demo_load(botosani=botosani, timisoara=None)
    process = Process.objects.get(municipality=botosani, slug=processes_demo.BOTOSANI_SLUG)
    staff: StaffMembership = StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="participare@botosani.example"),
        modules=["participation"],
    )
    session = new_session(bypass_csp=True)
    page = session.new_page()
    page.goto(f"{sites.botosani}/accounts/login/")
    choose_language(page, "en")
    main = page.get_by_role("main")
    main.get_by_label("Email:", exact=True).fill(staff.user.email)
    main.get_by_label("Password:", exact=True).fill(PASSWORD)
    main.get_by_role("button", name="Log in").click()
    page.goto(f"{sites.botosani}/backoffice/participation/processes/{process.pk}/")

    violations = axe_violations(page)
    assert not violations, describe_violations("process form", violations)
    new_phase = page.get_by_role("group", name="Phase 5")
    new_phase.get_by_label("Phase (Romanian):").fill("Implementarea")
    new_phase.get_by_label("Starts:").fill("2030-01-01")
    new_phase.get_by_label("Ends:").fill("2030-12-31")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_text("The process was saved.")).to_be_visible()
    assert process.phases.count() == 5
    assert session.page_errors == []
