"""The survey factories make consistent records (the same city all the way down)."""

import pytest

from digiplace.participation.models import QuestionKind

from .factories_surveys import AnswerFactory, QuestionFactory, ThemeFactory


@pytest.mark.django_db
def test_answer_factory_keeps_one_city_and_survey() -> None:
    question = QuestionFactory.create(options=["a", "b"])
    answer = AnswerFactory.create(question=question, option=question.options.get(key="b"))
    assert answer.response.survey_id == question.survey_id
    assert answer.municipality_id == question.municipality_id == answer.response.municipality_id
    assert [option.key for option in question.options.all()] == ["a", "b"]
    theme = ThemeFactory.create(question__survey=question.survey)
    assert theme.question.kind == QuestionKind.LONG_TEXT
    assert theme.municipality_id == question.municipality_id


@pytest.mark.django_db
def test_factories_given_a_city_make_their_parents_there() -> None:
    from digiplace.core.tests.factories import MunicipalityFactory

    city = MunicipalityFactory.create()
    answer = AnswerFactory.create(municipality=city)
    theme = ThemeFactory.create(municipality=city, id=7_000_123)

    assert answer.question.survey.process.municipality == city
    assert answer.response.survey_id == answer.question.survey_id
    assert theme.pk == 7_000_123
    assert theme.question.survey.municipality == city


@pytest.mark.django_db
def test_survey_of_every_kind_has_one_question_of_each_kind() -> None:
    from digiplace.core.tests.factories import MunicipalityFactory

    from .factories_surveys import survey_of_every_kind

    every = survey_of_every_kind(municipality=MunicipalityFactory.create())

    kinds = {question.kind for question in every.survey.questions.all()}
    assert kinds == set(QuestionKind.values)
    assert every.why.shown_if_question == every.single
