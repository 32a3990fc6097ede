"""Responses to surveys: every kind of question, valid and invalid; conditions; drafts; one
response per person (account or CNP, anonymous too); closed surveys."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from digiplace.core.models import Municipality, User
from digiplace.core.tests.factories import UserFactory
from digiplace.participation.models import Answer, RespondentRule, Response
from digiplace.participation.services.surveys import (
    OTHER,
    AnswerValue,
    respondent_key_for_user,
    response_draft_save,
    response_submit,
)

from .factories_surveys import EveryKind, survey_of_every_kind

pytestmark = pytest.mark.django_db


def cnp_make(prefix: str) -> str:
    """A valid CNP from its first 12 digits (the control digit computed)."""
    weights = (2, 7, 9, 1, 4, 6, 3, 5, 8, 2, 7, 9)
    remainder = sum(int(d) * w for d, w in zip(prefix, weights, strict=True)) % 11
    return prefix + str(1 if remainder == 10 else remainder)


ADULT_CNP = cnp_make("190010107123")  # born 1 January 1990, Botoșani county 07
CHILD_CNP = cnp_make("515010107123")  # born 1 January 2015


@pytest.fixture
def every(botosani: Municipality) -> EveryKind:
    return survey_of_every_kind(municipality=botosani)


@pytest.fixture
def verified(botosani: Municipality) -> EveryKind:
    return survey_of_every_kind(municipality=botosani, respondent_rule=RespondentRule.VERIFIED)


def valid_answers(every: EveryKind) -> dict[int, AnswerValue]:
    return {
        every.single.pk: AnswerValue(choices=("bus",)),
        every.multiple.pk: AnswerValue(choices=("price", OTHER), other_text="Curățenia"),
        every.short.pk: AnswerValue(text="  Mai multe linii  "),
        every.long.pk: AnswerValue(text="Autobuze electrice pe toate liniile."),
        every.scale.pk: AnswerValue(value="4"),
        every.ranking.pk: AnswerValue(values={"safety": "2", "frequency": "1", "price": ""}),
        every.matrix.pk: AnswerValue(values={"day": "3", "night": "1"}),
    }


def submit(
    every: EveryKind, user: User, answers: dict[int, AnswerValue], **kwargs: Any
) -> Response:
    return response_submit(survey=every.survey, user=user, answers=answers, **kwargs)


def errors_of(raised: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return raised.value.message_dict


def test_a_valid_response_of_every_kind_is_stored_one_row_per_piece(
    every: EveryKind, resident: User
) -> None:
    response = submit(every, resident, valid_answers(every), language="ro")

    assert response.submitted_at is not None
    assert response.user == resident
    assert response.respondent_key == respondent_key_for_user(survey=every.survey, user=resident)
    rows = {
        (a.question_id, a.option.key if a.option else None, a.is_other, a.number, a.text)
        for a in Answer.objects.filter(response=response).select_related("option")
    }
    assert rows == {
        (every.single.pk, "bus", False, None, ""),
        (every.multiple.pk, "price", False, None, ""),
        (every.multiple.pk, None, True, None, "Curățenia"),
        (every.short.pk, None, False, None, "Mai multe linii"),
        (every.long.pk, None, False, None, "Autobuze electrice pe toate liniile."),
        (every.scale.pk, None, False, 4, ""),
        (every.ranking.pk, "frequency", False, 1, ""),
        (every.ranking.pk, "safety", False, 2, ""),
        (every.matrix.pk, "day", False, 3, ""),
        (every.matrix.pk, "night", False, 1, ""),
    }


@pytest.mark.parametrize(
    ("question", "value", "message"),
    [
        ("single", AnswerValue(choices=("bus", "tram")), "Choose only one option."),
        ("single", AnswerValue(choices=("metro",)), "Choose among the options shown."),
        ("single", AnswerValue(choices=(OTHER,)), "Write your answer next to “Other”."),
        ("single", AnswerValue(choices=(OTHER,), other_text="x" * 501), "at most 500"),
        ("multiple", AnswerValue(choices=("price", "speed", "noise")), "at most 2 options"),
        ("short", AnswerValue(text="a" * 501), "at most 500 are allowed"),
        ("long", AnswerValue(text="a" * 5001), "at most 5000 are allowed"),
        ("scale", AnswerValue(value="6"), "Choose a value from 1 to 5."),
        ("scale", AnswerValue(value="patru"), "Choose a value from 1 to 5."),
        ("ranking", AnswerValue(values={"safety": "1", "price": "1"}), "one option only"),
        ("ranking", AnswerValue(values={"safety": "1", "price": "3"}), "without gaps"),
        ("ranking", AnswerValue(values={"safety": "4"}), "from 1 to 3"),
        ("ranking", AnswerValue(values={"metro": "1"}), "Rank only the options shown."),
        ("matrix", AnswerValue(values={"day": "5", "night": "1"}), "from 1 to 4"),
        ("matrix", AnswerValue(values={"evening": "2"}), "Answer only the rows shown."),
    ],
)
def test_an_invalid_answer_is_refused_with_its_message_and_nothing_is_written(
    every: EveryKind, resident: User, question: str, value: AnswerValue, message: str
) -> None:
    answers = valid_answers(every)
    target = getattr(every, question)
    answers[target.pk] = value

    with pytest.raises(ValidationError) as raised:
        submit(every, resident, answers)

    (error,) = errors_of(raised)[f"q{target.pk}"]
    assert message in error
    assert not Response.objects.exists()
    assert not Answer.objects.exists()


def test_cnp_errors_come_in_the_page_language(verified: EveryKind, resident: User) -> None:
    with translation.override("ro"), pytest.raises(ValidationError) as raised:
        submit(verified, resident, valid_answers(verified), cnp="12345")
    assert errors_of(raised)["cnp"] == ["Un CNP are exact 13 cifre; acesta are 5."]


def test_required_questions_must_be_answered_when_sending(every: EveryKind, resident: User) -> None:
    answers = valid_answers(every)
    del answers[every.scale.pk]
    answers[every.single.pk] = AnswerValue()

    with pytest.raises(ValidationError) as raised:
        submit(every, resident, answers)

    errors = errors_of(raised)
    assert errors[f"q{every.scale.pk}"] == ["This question needs an answer."]
    assert errors[f"q{every.single.pk}"] == ["This question needs an answer."]
    assert not Response.objects.exists()


def test_a_required_matrix_needs_every_row(every: EveryKind, resident: User) -> None:
    every.matrix.required = True
    every.matrix.save()
    answers = valid_answers(every)
    answers[every.matrix.pk] = AnswerValue(values={"day": "2", "night": ""})
    with pytest.raises(ValidationError) as raised:
        submit(every, resident, answers)
    assert errors_of(raised)[f"q{every.matrix.pk}"] == ["Answer every row of this question."]


def test_a_conditional_question_counts_only_when_its_condition_is_met(
    every: EveryKind, resident: User
) -> None:
    # Given "bus": the question about the tram is ignored, even its answer, and not required.
    answers = valid_answers(every)
    answers[every.why.pk] = AnswerValue(text="Îmi place tramvaiul")
    response = submit(every, resident, answers)
    assert not Answer.objects.filter(response=response, question=every.why).exists()

    # Given "tram": it is required, and kept.
    other = UserFactory.create()
    answers[every.single.pk] = AnswerValue(choices=("tram",))
    answers[every.why.pk] = AnswerValue()
    with pytest.raises(ValidationError) as raised:
        submit(every, other, answers)
    assert errors_of(raised)[f"q{every.why.pk}"] == ["This question needs an answer."]
    answers[every.why.pk] = AnswerValue(text="Îmi place tramvaiul")
    response = submit(every, other, answers)
    assert Answer.objects.get(response=response, question=every.why).text == "Îmi place tramvaiul"


def test_a_draft_keeps_partial_answers_and_is_resumed_then_sent(
    every: EveryKind, resident: User
) -> None:
    draft = response_draft_save(
        survey=every.survey,
        user=resident,
        answers={every.short.pk: AnswerValue(text="Prima idee")},
    )
    assert draft.submitted_at is None
    assert list(Answer.objects.filter(response=draft).values_list("text", flat=True)) == [
        "Prima idee"
    ]

    again = response_draft_save(
        survey=every.survey,
        user=resident,
        answers={
            every.short.pk: AnswerValue(text="A doua idee"),
            every.scale.pk: AnswerValue(value="2"),
        },
    )
    assert again.pk == draft.pk
    assert Answer.objects.filter(response=draft).count() == 2

    sent = submit(every, resident, valid_answers(every))
    assert sent.pk == draft.pk
    assert Response.objects.count() == 1
    assert Answer.objects.get(response=sent, question=every.short).text == "Mai multe linii"


def test_an_invalid_draft_writes_nothing(every: EveryKind, resident: User) -> None:
    response_draft_save(
        survey=every.survey, user=resident, answers={every.scale.pk: AnswerValue(value="3")}
    )
    with pytest.raises(ValidationError):
        response_draft_save(
            survey=every.survey,
            user=resident,
            answers={
                every.scale.pk: AnswerValue(value="2"),
                every.short.pk: AnswerValue(text="x" * 600),
            },
        )
    assert list(Answer.objects.values_list("number", flat=True)) == [3]


def test_a_second_response_of_the_account_is_refused(every: EveryKind, resident: User) -> None:
    submit(every, resident, valid_answers(every))
    with pytest.raises(ValidationError) as raised:
        submit(every, resident, valid_answers(every))
    assert raised.value.messages == ["You have already answered this survey."]
    with pytest.raises(ValidationError):
        response_draft_save(survey=every.survey, user=resident, answers={})
    assert Response.objects.count() == 1
    assert Answer.objects.count() == 10


def test_an_anonymous_response_keeps_no_account_but_a_second_one_is_refused(
    every: EveryKind, resident: User
) -> None:
    response = submit(every, resident, valid_answers(every), is_anonymous=True)
    assert response.user is None
    assert response.is_anonymous

    with pytest.raises(ValidationError) as raised:
        submit(every, resident, valid_answers(every), is_anonymous=True)
    assert raised.value.messages == ["You have already answered this survey."]
    assert Response.objects.count() == 1


def test_anonymous_answers_are_refused_when_the_survey_does_not_allow_them(
    botosani: Municipality, resident: User
) -> None:
    every = survey_of_every_kind(municipality=botosani, anonymous_allowed=False)
    with pytest.raises(ValidationError) as raised:
        submit(every, resident, valid_answers(every), is_anonymous=True)
    assert "is_anonymous" in errors_of(raised)
    assert not Response.objects.exists()


def test_a_verified_survey_needs_a_valid_cnp_of_someone_aged_14(
    verified: EveryKind, resident: User
) -> None:
    for cnp, message in [
        ("", "Enter your personal numeric code"),
        ("123", "A CNP has exactly 13 digits; this one has 3."),
        (ADULT_CNP[:-1] + str((int(ADULT_CNP[-1]) + 1) % 10), "does not match the others"),
        (CHILD_CNP, "aged 14 or more"),
    ]:
        with pytest.raises(ValidationError) as raised:
            submit(verified, resident, valid_answers(verified), cnp=cnp)
        (error,) = errors_of(raised)["cnp"]
        assert message in error
    assert not Response.objects.exists()

    response = submit(verified, resident, valid_answers(verified), cnp=ADULT_CNP)
    assert ADULT_CNP not in response.respondent_key
    assert len(response.respondent_key) == 64


def test_the_same_cnp_cannot_answer_twice_even_anonymously_from_another_account(
    verified: EveryKind, resident: User
) -> None:
    submit(verified, resident, valid_answers(verified), cnp=ADULT_CNP, is_anonymous=True)
    other = UserFactory.create()
    with pytest.raises(ValidationError) as raised:
        submit(
            verified, other, valid_answers(verified), cnp=" " + ADULT_CNP[:7] + " " + ADULT_CNP[7:]
        )
    assert errors_of(raised)["cnp"] == [
        "A response was already sent with this personal numeric code."
    ]
    assert Response.objects.filter(submitted_at__isnull=False).count() == 1
    # The second person's draft was not sent and holds no answers.
    assert Answer.objects.filter(response__submitted_at__isnull=True).count() == 0


def test_an_account_that_answered_a_verified_survey_cannot_answer_again(
    verified: EveryKind, resident: User
) -> None:
    submit(verified, resident, valid_answers(verified), cnp=ADULT_CNP)
    with pytest.raises(ValidationError) as raised:
        submit(verified, resident, valid_answers(verified), cnp=cnp_make("285020207123"))
    assert raised.value.messages == ["You have already answered this survey."]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"is_published": False}, "This survey is not published."),
        ({"closes_at_days": -1}, "This survey is closed; answers are no longer taken."),
        ({"opens_at_days": 2}, "This survey is not open yet."),
    ],
)
def test_a_closed_or_unpublished_survey_refuses_responses_and_drafts(
    botosani: Municipality, resident: User, fields: dict[str, object], message: str
) -> None:
    now = timezone.now()
    survey_fields: dict[str, object] = {"is_published": fields.get("is_published", True)}
    if "closes_at_days" in fields:
        survey_fields |= {
            "opens_at": now - datetime.timedelta(days=10),
            "closes_at": now - datetime.timedelta(days=1),
        }
    if "opens_at_days" in fields:
        survey_fields |= {
            "opens_at": now + datetime.timedelta(days=2),
            "closes_at": now + datetime.timedelta(days=10),
        }
    every = survey_of_every_kind(municipality=botosani, **survey_fields)
    with pytest.raises(ValidationError) as raised:
        submit(every, resident, valid_answers(every))
    assert raised.value.messages == [message]
    with pytest.raises(ValidationError):
        response_draft_save(survey=every.survey, user=resident, answers={})
    assert not Response.objects.exists()


def test_an_unconfirmed_account_cannot_answer(every: EveryKind) -> None:
    user = UserFactory.create(email_confirmed_at=None)
    with pytest.raises(ValidationError) as raised:
        submit(every, user, valid_answers(every))
    assert raised.value.messages == ["Confirm your email address before answering surveys."]
    assert not Response.objects.exists()
