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
