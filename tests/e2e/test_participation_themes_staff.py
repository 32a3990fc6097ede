"""Staff work on the themes of a question's open answers: they open the question's themes,
rename one, move an answer from it to another theme on the theme's page, and see both
counts change. axe passes on these pages and on the survey's and question form's, which fit
a 375 px phone without sideways scroll."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from digiplace.core.models import Municipality, StaffMembership
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.participation.models import Question, QuestionKind, Theme
from digiplace.participation.tests.factories_surveys import (
    AnswerFactory,
    QuestionFactory,
    ThemeFactory,
)

from .conftest import NewSession, Sites, axe_violations, choose_language, describe_violations
from .pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 375, "height": 812}
EMAIL = "consultari@botosani.example"


@pytest.fixture
def surveys_staff(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani, user=UserFactory.create(email=EMAIL), modules=["participation"]
    )


@pytest.fixture
def themed_question(botosani: Municipality) -> Question:
    question = QuestionFactory.create(
        municipality=botosani,
        kind=QuestionKind.LONG_TEXT,
        text_ro="De ce preferați acest mijloc de transport?",
        text_en="Why do you prefer this kind of transport?",
    )
    trams = ThemeFactory.create(
        question=question, label="tramvai, șine, linie", terms=["tramvai", "șine"], position=0
    )
    buses = ThemeFactory.create(
        question=question, label="autobuze, electrice", terms=["autobuze"], position=1
    )
    for text in [
        "Tramvaiul e mai rapid pe linia reabilitată.",
        "Șinele noi de tramvai sunt deja puse.",
        "Autobuzele electrice sunt mai curate.",  # misplaced: staff move it
    ]:
        AnswerFactory.create(question=question, text=text, theme=trams)
    AnswerFactory.create(question=question, text="Autobuze electrice, fără zgomot.", theme=buses)
    return question


def count_of(page: Page, label: str) -> str:
    theme = page.locator("li.survey-staff-theme").filter(
        has=page.get_by_role("heading", name=label)
    )
    return theme.locator(".survey-staff-count").inner_text()


def test_staff_rename_a_theme_and_move_an_answer(
    new_session: NewSession,
    sites: Sites,
    surveys_staff: StaffMembership,
    themed_question: Question,
) -> None:
    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    page = session.new_page()
    # The first pages of a fresh live server can be slow on a busy machine.
    page.set_default_navigation_timeout(30_000)
    log_in(page, sites.botosani, EMAIL)
    page.goto(f"{sites.botosani}/backoffice/participation/surveys/{themed_question.survey_id}/")
    choose_language(page, "en")  # the city's default is Romanian
    assert axe_violations(page) == [], describe_violations("survey", axe_violations(page))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("link", name="Add a question").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a question")
    assert axe_violations(page) == [], describe_violations("question", axe_violations(page))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.go_back()
    page.get_by_role("link", name="Themes of the answers").first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Themes of the answers")
    assert "3 answers" in count_of(page, "tramvai, șine, linie")
    assert "1 answer" in count_of(page, "autobuze, electrice")
    assert axe_violations(page) == [], describe_violations("themes", axe_violations(page))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    trams = Theme.objects.get(label="tramvai, șine, linie")
    page.get_by_label("New name · tramvai, șine, linie").fill("Tramvaiul reabilitat")
    with page.expect_navigation():
        page.get_by_role("button", name="Rename · tramvai, șine, linie").click()
    expect(page.get_by_text("Theme renamed.")).to_be_visible()
    expect(page.get_by_role("link", name="Tramvaiul reabilitat")).to_be_visible()

    page.get_by_role("link", name="Tramvaiul reabilitat").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tramvaiul reabilitat")
    assert axe_violations(page) == [], describe_violations("theme", axe_violations(page))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_label("Autobuzele electrice sunt mai curate.").check()
    page.get_by_label("Move the chosen answers to").select_option(label="autobuze, electrice")
    with page.expect_navigation():
        page.get_by_role("button", name="Move", exact=True).click()
    expect(page.get_by_text("1 answer moved to “autobuze, electrice”.")).to_be_visible()
    expect(page.get_by_label("Autobuzele electrice sunt mai curate.")).to_have_count(0)

    page.get_by_role("link", name="All themes of this question").click()
    assert "2 answers" in count_of(page, "Tramvaiul reabilitat")
    assert "2 answers" in count_of(page, "autobuze, electrice")
    trams.refresh_from_db()
    assert (trams.label, trams.renamed, trams.answers.count()) == ("Tramvaiul reabilitat", True, 2)
    assert session.page_errors == []
