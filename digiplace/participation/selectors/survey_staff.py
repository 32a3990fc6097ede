"""Reads of the survey back office: surveys per process, a survey's questions with their
answer counts and conditions, and the themes of a text question with counts, top terms and
example answers. Every read is scoped to the staff member's municipality."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet

from digiplace.core.models import Municipality
from digiplace.participation.text.tokens import text_fold

from ..models import Answer, Process, Question, QuestionOption, Survey, Theme
from ..services.survey_staff import CHOICE_KINDS
from ..services.survey_staff_themes import theme_answers

ANSWERS_PER_PAGE = 50
EXAMPLE_COUNT = 3
# Examples are picked among this many answers of each theme.
EXAMPLE_POOL = 200


def process_list_with_surveys(*, municipality: Municipality) -> QuerySet[Process]:
    surveys = Survey.objects.annotate(
        response_count=Count("responses", filter=Q(responses__submitted_at__isnull=False)),
        question_count=Count("questions", distinct=True),
    ).order_by("opens_at", "pk")
    return (
        Process.objects.for_municipality(municipality)
        .prefetch_related(Prefetch("surveys", queryset=surveys))
        .order_by("-created_at", "pk")
    )


def survey_get(*, municipality: Municipality, survey_id: int) -> Survey | None:
    return (
        Survey.objects.for_municipality(municipality)
        .select_related("process")
        .filter(pk=survey_id)
        .first()
    )


def question_get(*, municipality: Municipality, question_id: int) -> Question | None:
    return (
        Question.objects.for_municipality(municipality)
        .select_related("survey", "survey__process")
        .filter(pk=question_id)
        .first()
    )


def theme_get(*, municipality: Municipality, theme_id: int) -> Theme | None:
    return (
        Theme.objects.for_municipality(municipality)
        .select_related("question", "question__survey", "question__survey__process")
        .filter(pk=theme_id)
        .first()
    )


def survey_questions(*, survey: Survey) -> list[Question]:
    """The questions in order, with options, condition and number of answers."""
    return list(
        survey.questions.order_by("position", "pk")
        .annotate(answer_count=Count("answers"))
        .select_related("shown_if_question")
        .prefetch_related("options", "shown_if_options")
    )


def survey_response_count(*, survey: Survey) -> int:
    return survey.responses.filter(submitted_at__isnull=False).count()


def condition_sources(*, survey: Survey, question: Question | None) -> list[Question]:
    """The questions a condition of ``question`` may name: earlier choice questions (all
    choice questions for a new one), with their options."""
    sources = (
        survey.questions.filter(kind__in=CHOICE_KINDS)
        .order_by("position", "pk")
        .prefetch_related(
            Prefetch("options", queryset=QuestionOption.objects.order_by("position", "pk"))
        )
    )
    if question is None:
        return list(sources)
    return [
        source
        for source in sources
        if (source.position, source.pk) < (question.position, question.pk)
    ]


@dataclass(frozen=True)
class ThemeSummary:
    theme: Theme
    answer_count: int
    examples: list[str]


@dataclass(frozen=True)
class QuestionThemes:
    themes: list[ThemeSummary]
    answer_count: int
    unthemed_count: int


def _examples(texts: list[str], terms: list[str]) -> list[str]:
    """The answers using most of the theme's top terms (then the shortest), distinct."""
    folded_terms = [text_fold(term) for term in terms if term]

    def score(text: str) -> tuple[int, int]:
        folded = text_fold(text)
        return (-sum(1 for term in folded_terms if term in folded), len(text))

    examples: list[str] = []
    for text in sorted(texts, key=score):
        if text.strip() and text.strip() not in examples:
            examples.append(text.strip())
        if len(examples) == EXAMPLE_COUNT:
            break
    return examples


def question_themes(*, question: Question) -> QuestionThemes:
    answers = theme_answers(question=question)
    counts = dict(
        answers.exclude(theme=None)
        .order_by()
        .values_list("theme")
        .annotate(count=Count("pk"))
        .values_list("theme", "count")
    )
    themes = list(question.themes.order_by("position", "pk"))
    summaries = [
        ThemeSummary(
            theme=theme,
            answer_count=counts.get(theme.pk, 0),
            examples=_examples(
                list(answers.filter(theme=theme).values_list("text", flat=True)[:EXAMPLE_POOL]),
                list(theme.terms),
            ),
        )
        for theme in themes
    ]
    total = answers.count()
    return QuestionThemes(
        themes=summaries,
        answer_count=total,
        unthemed_count=total - sum(summary.answer_count for summary in summaries),
    )


def theme_answer_page(
    *, question: Question, theme: Theme | None, page_number: str | None
) -> Page[Answer]:
    """One page of the answers in ``theme`` (None: the answers without a theme)."""
    answers = theme_answers(question=question).filter(theme=theme)
    return Paginator(answers, ANSWERS_PER_PAGE).get_page(page_number)
