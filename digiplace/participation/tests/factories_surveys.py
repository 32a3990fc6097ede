"""factory_boy factories for surveys: surveys, questions, options, responses, answers and
the themes of open answers, and a survey with every kind of question
(``survey_of_every_kind``). Shared by the surveys and survey_staff tests.

A survey made by ``SurveyFactory`` is published and open now (opened a day ago, closes
in 30 days). A record takes the city of its parent, so ``AnswerFactory(question=question)``
makes a response in the same survey; given only ``municipality`` (as the isolation tests
do: ``SurveyFactory(municipality=timisoara, id=...)``), its new parents are made in that
city too.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from typing import Any, ClassVar

import factory
from django.utils import timezone

from digiplace.core.models import Municipality
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


class _CityFromParent:
    """Given ``municipality`` but not the parent record, the new parents are made there
    (the process at the top of the chain; the others take its city)."""

    _parent_path: ClassVar[tuple[str, ...]]

    @classmethod
    def _generate(cls, strategy: str, params: dict[str, Any]) -> Any:
        parent = cls._parent_path[0]
        if (
            "municipality" in params
            and parent not in params
            and not any(
                name.startswith(f"{parent}__") and name.endswith("municipality") for name in params
            )
        ):
            chain = "__".join(cls._parent_path)
            params = {**params, f"{chain}__municipality": params["municipality"]}
        return super()._generate(strategy, params)  # type: ignore[misc]


class SurveyFactory(_CityFromParent, factory.django.DjangoModelFactory[Survey]):
    _parent_path = ("process",)

    class Meta:
        model = Survey

    process = factory.SubFactory(ProcessFactory)
    municipality = factory.SelfAttribute("process.municipality")
    slug = factory.Sequence(lambda number: f"sondaj-{number}")
    title = factory.Sequence(lambda number: f"Sondaj {number}")
    title_en = factory.Sequence(lambda number: f"Survey {number}")
    description = "Spuneți-ne părerea."
    description_en = "Tell us what you think."
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))
    is_published = True


class QuestionFactory(_CityFromParent, factory.django.DjangoModelFactory[Question]):
    """A question; ``kind`` defaults to one choice. Add options with ``QuestionOptionFactory``
    or pass ``options=["a", "b"]`` (keys; labels made from them)."""

    _parent_path = ("survey", "process")

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


class QuestionOptionFactory(_CityFromParent, factory.django.DjangoModelFactory[QuestionOption]):
    _parent_path = ("question", "survey", "process")

    class Meta:
        model = QuestionOption

    question = factory.SubFactory(QuestionFactory)
    municipality = factory.SelfAttribute("question.municipality")
    key = factory.Sequence(lambda number: f"option-{number}")
    label = factory.Sequence(lambda number: f"Opțiunea {number}")
    label_en = factory.Sequence(lambda number: f"Option {number}")
    position = factory.Sequence(lambda number: number)


# The surveys tests' name for it.
OptionFactory = QuestionOptionFactory


class ResponseFactory(_CityFromParent, factory.django.DjangoModelFactory[Response]):
    """A submitted response (pass ``submitted_at=None`` for a draft)."""

    _parent_path = ("survey", "process")

    class Meta:
        model = Response

    survey = factory.SubFactory(SurveyFactory)
    municipality = factory.SelfAttribute("survey.municipality")
    respondent_key = factory.Sequence(_respondent_key)
    language = "ro"
    submitted_at = factory.LazyFunction(timezone.now)


class ThemeFactory(_CityFromParent, factory.django.DjangoModelFactory[Theme]):
    _parent_path = ("question", "survey", "process")

    class Meta:
        model = Theme

    question = factory.SubFactory(QuestionFactory, kind=QuestionKind.LONG_TEXT)
    municipality = factory.SelfAttribute("question.municipality")
    label = factory.Sequence(lambda number: f"Tema {number}")
    terms = factory.LazyFunction(lambda: ["transport", "autobuz"])
    position = factory.Sequence(lambda number: number)


class AnswerFactory(_CityFromParent, factory.django.DjangoModelFactory[Answer]):
    """An answer; by default a new submitted response in the question's survey."""

    _parent_path = ("question", "survey", "process")

    class Meta:
        model = Answer

    question = factory.SubFactory(QuestionFactory)
    response = factory.SubFactory(
        ResponseFactory, survey=factory.SelfAttribute("..question.survey")
    )
    municipality = factory.SelfAttribute("question.municipality")


def options_add(question: Question, keys: list[str]) -> list[QuestionOption]:
    return [
        OptionFactory.create(
            question=question,
            key=key,
            label=key.capitalize(),
            label_en=key.capitalize(),
            position=index,
        )
        for index, key in enumerate(keys)
    ]


@dataclass
class EveryKind:
    """A survey with one question of each kind, and a conditional one."""

    survey: Survey
    single: Question
    multiple: Question
    short: Question
    long: Question
    scale: Question
    ranking: Question
    matrix: Question
    why: Question  # long text shown only when "single" is "tram"


def survey_of_every_kind(*, municipality: Municipality, **survey_fields: object) -> EveryKind:
    survey = SurveyFactory.create(
        process=ProcessFactory.create(municipality=municipality), **survey_fields
    )

    def question(kind: str, position: int, **fields: object) -> Question:
        return QuestionFactory.create(survey=survey, kind=kind, position=position, **fields)

    single = question(QuestionKind.SINGLE, 1, required=True, has_other=True)
    tram, _bus, _both = options_add(single, ["tram", "bus", "both"])
    why = question(QuestionKind.LONG_TEXT, 2, required=True, shown_if_question=single)
    why.shown_if_options.set([tram])
    multiple = question(QuestionKind.MULTIPLE, 3, max_choices=2, has_other=True)
    options_add(multiple, ["price", "speed", "comfort", "noise"])
    short = question(QuestionKind.SHORT_TEXT, 4)
    long = question(QuestionKind.LONG_TEXT, 5)
    scale = question(QuestionKind.SCALE, 6, required=True, scale_min=1, scale_max=5)
    ranking = question(QuestionKind.RANKING, 7)
    options_add(ranking, ["safety", "frequency", "price"])
    matrix = question(QuestionKind.MATRIX, 8, scale_min=1, scale_max=4)
    options_add(matrix, ["day", "night"])
    return EveryKind(
        survey=survey,
        single=single,
        multiple=multiple,
        short=short,
        long=long,
        scale=scale,
        ranking=ranking,
        matrix=matrix,
        why=why,
    )
