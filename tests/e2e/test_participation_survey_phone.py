"""A resident answers Botoșani's consultation on a phone (375 × 667): the conditional
question appears only once its condition is met, a draft is kept, the response is sent
and confirmed; the survey page passes axe and does not scroll sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from digiplace.core.models import Municipality, User
from digiplace.core.tests.factories import PASSWORD
from digiplace.participation.models import Answer, Response
from digiplace.participation.services.surveys import AnswerValue, response_submit
from digiplace.participation.tests.factories_surveys import EveryKind, survey_of_every_kind

from .conftest import NewSession, Sites, axe_violations, choose_language, describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 667}


@pytest.fixture
def consultation(botosani: Municipality) -> EveryKind:
    every = survey_of_every_kind(municipality=botosani, title_en="Tram or electric buses?")
    vars(every.single)["text_en"] = "Which option do you prefer?"
    every.single.save()
    vars(every.why)["text_en"] = "Why would you keep the tram?"
    every.why.save()
    return every


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/accounts/login/")
    choose_language(page, "en")
    main = page.get_by_role("main")
    main.get_by_label("Email:", exact=True).fill(email)
    main.get_by_label("Password:", exact=True).fill(PASSWORD)
    main.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base_url + "/")


def test_a_resident_answers_the_consultation_on_a_phone(
    sites: Sites, new_session: NewSession, consultation: EveryKind, resident: User
) -> None:
    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    page = session.new_page()
    log_in(page, sites.botosani, resident.email)
    page.goto(f"{sites.botosani}/participation/surveys/{consultation.survey.slug}/")
    page.wait_for_load_state("load")

    violations = axe_violations(page)
    assert not violations, describe_violations("survey page", violations)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    why = page.locator(f"#q{consultation.why.pk}-question")
    expect(why).to_be_hidden()
    choice = page.get_by_role("group", name="Which option do you prefer?")
    choice.get_by_label("Tram", exact=True).check()
    expect(why).to_be_visible()
    page.get_by_label("Why would you keep the tram?").fill("Tramvaiul e istoria orașului.")
    choice.get_by_label("Bus", exact=True).check()
    expect(why).to_be_hidden()
    choice.get_by_label("Tram", exact=True).check()
    expect(why).to_be_visible()

    # Saved as a draft, then resumed.
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Your draft is saved.")).to_be_visible()
    expect(page.get_by_label("Why would you keep the tram?")).to_have_value(
        "Tramvaiul e istoria orașului."
    )

    # Sent without the required scale: the error shows on the question.
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_contain_text("This question needs an answer.")
    scale = page.locator(f"#q{consultation.scale.pk}-question")
    scale.get_by_label("4", exact=True).check()
    page.get_by_role("button", name="Send").click()

    expect(page.get_by_role("heading", name="Thank you for answering")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    response = Response.objects.get(survey=consultation.survey)
    assert response.submitted_at is not None
    assert Answer.objects.get(response=response, question=consultation.why).text == (
        "Tramvaiul e istoria orașului."
    )
    assert Answer.objects.get(response=response, question=consultation.scale).number == 4


def test_the_results_read_on_a_phone(
    sites: Sites, new_session: NewSession, consultation: EveryKind, resident: User
) -> None:
    consultation.survey.results_visibility = "live"
    consultation.survey.save()
    response_submit(
        survey=consultation.survey,
        user=resident,
        answers={
            consultation.single.pk: AnswerValue(choices=("bus",)),
            consultation.scale.pk: AnswerValue(value="5"),
            consultation.matrix.pk: AnswerValue(values={"day": "2", "night": "4"}),
        },
    )
    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    page = session.new_page()
    page.goto(f"{sites.botosani}/participation/surveys/{consultation.survey.slug}/results/")
    choose_language(page, "en")
    page.wait_for_load_state("load")
    expect(page.get_by_text("1 response sent.")).to_be_visible()
    expect(page.locator(f"#survey-chart-{consultation.single.pk}")).to_be_visible()
    violations = axe_violations(page)
    assert not violations, describe_violations("survey results", violations)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
