"""factory_boy factories for surveys: surveys, questions, options, responses, answers and
the themes of open answers. Shared by the surveys and survey_staff tests.

A survey made by ``SurveyFactory`` is published and open now (opened a week ago, closes
in a week). Records of a question, option, response, answer or theme take the city of
their parent, so ``AnswerFactory(question=question)`` makes a response in the same survey.
"""

from __future__ import annotations

import datetime
import hashlib

import factory
from django.utils import timezone

from digiplace.participation.models import (
    Answer,
    Question,
    QuestionKind,
    QuestionOption,
    Response,
    Survey,
    Theme,
)

from .factories import ProcessFactory


def _respondent_key(number: int) -> str:
    return hashlib.sha256(f"respondent-{number}".encode()).hexdigest()


class SurveyFactory(factory.django.DjangoModelFactory[Survey]):
    class Meta:
        model = Survey

    process = factory.SubFactory(ProcessFactory)
    municipality = factory.SelfAttribute("process.municipality")
    slug = factory.Sequence(lambda number: f"survey-{number}")
    title = factory.Sequence(lambda number: f"Chestionar {number}")
    title_en = factory.Sequence(lambda number: f"Survey {number}")
    description = "Descriere"
    description_en = "Description"
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=7))
    closes_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
    is_published = True


class QuestionFactory(factory.django.DjangoModelFactory[Question]):
    """A question; ``kind`` defaults to one choice. Add options with ``QuestionOptionFactory``
    or pass ``options=["a", "b"]`` (keys; labels made from them)."""

    class Meta:
        model = Question
        skip_postgeneration_save = True

    survey = factory.SubFactory(SurveyFactory)
    municipality = factory.SelfAttribute("survey.municipality")
    position = factory.Sequence(lambda number: number)
    kind = QuestionKind.SINGLE
    text = factory.Sequence(lambda number: f"Întrebarea {number}")
    text_en = factory.Sequence(lambda number: f"Question {number}")

    @factory.post_generation
    def options(  # type: ignore[misc]
        question: Question, create: bool, extracted: list[str] | None, **kwargs: object
    ) -> None:
        if not create or not extracted:
            return
        for position, key in enumerate(extracted):
            QuestionOption.objects.create(
                question=question,
                municipality=question.municipality,
                key=key,
                label=f"Opțiunea {key}",
                label_en=f"Option {key}",
                position=position,
            )


class QuestionOptionFactory(factory.django.DjangoModelFactory[QuestionOption]):
    class Meta:
        model = QuestionOption

    question = factory.SubFactory(QuestionFactory)
    municipality = factory.SelfAttribute("question.municipality")
    key = factory.Sequence(lambda number: f"option-{number}")
    label = factory.Sequence(lambda number: f"Opțiunea {number}")
    label_en = factory.Sequence(lambda number: f"Option {number}")
    position = factory.Sequence(lambda number: number)


class ResponseFactory(factory.django.DjangoModelFactory[Response]):
    """A submitted response (pass ``submitted_at=None`` for a draft)."""

    class Meta:
        model = Response

    survey = factory.SubFactory(SurveyFactory)
    municipality = factory.SelfAttribute("survey.municipality")
    respondent_key = factory.Sequence(_respondent_key)
    language = "ro"
    submitted_at = factory.LazyFunction(timezone.now)


class ThemeFactory(factory.django.DjangoModelFactory[Theme]):
    class Meta:
        model = Theme

    question = factory.SubFactory(QuestionFactory, kind=QuestionKind.LONG_TEXT)
    municipality = factory.SelfAttribute("question.municipality")
    label = factory.Sequence(lambda number: f"Tema {number}")
    terms = factory.LazyFunction(lambda: ["transport", "autobuz"])
    position = factory.Sequence(lambda number: number)


class AnswerFactory(factory.django.DjangoModelFactory[Answer]):
    """An answer; by default a new submitted response in the question's survey."""

    class Meta:
        model = Answer

    question = factory.SubFactory(QuestionFactory)
    response = factory.SubFactory(
        ResponseFactory, survey=factory.SelfAttribute("..question.survey")
    )
    municipality = factory.SelfAttribute("question.municipality")
