"""Reads of the surveys component: the public surveys, a person's response, and the results.

Results are counted by the database (GROUP BY on answers of sent responses only), a few
queries per survey whatever its size, then kept in the shared cache under a key that
moves with every write to the city's participation data (``core.cache_versions``): a
survey with 50,000 responses is counted once per change, not once per page view, and
while responses stream in, at most about once a minute (``survey_results``).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from digiplace.core.cache_versions import cache_version, code_version
from digiplace.core.models import Municipality
from digiplace.participation.models import (
    Answer,
    Question,
    QuestionKind,
    Response,
    ResultsVisibility,
    Survey,
    Theme,
)

# Values stay a day at most (freshness comes from the key, never from this expiry).
KEEP_SECONDS = 24 * 60 * 60
EXAMPLES_PER_THEME = 3
# Results that take this long to count may be served a little late (see survey_results).
SLOW_SECONDS = 0.5
STALE_FACTOR = 20
STALE_MAX_SECONDS = 60


def survey_list_public(*, municipality: Municipality) -> QuerySet[Survey]:
    return Survey.objects.for_municipality(municipality).filter(is_published=True)


def survey_for_slug(*, municipality: Municipality, slug: str) -> Survey | None:
    return (
        Survey.objects.for_municipality(municipality)
        .select_related("process")
        .filter(slug=slug)
        .first()
    )


def survey_results_public(*, survey: Survey) -> bool:
    """Whether anyone may see the results now (staff always may)."""
    if not survey.is_published:
        return False
    if survey.results_visibility == ResultsVisibility.LIVE:
        return True
    if survey.results_visibility == ResultsVisibility.AFTER_CLOSE:
        return survey.is_closed(timezone.now())
    return False


def response_answers(*, response: Response) -> list[Answer]:
    return list(Answer.objects.filter(response=response).select_related("option"))


# --- Results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """A count and its share (in percent, of the people who answered the question)."""

    label: str
    count: int
    percent: float


@dataclass(frozen=True)
class RankedOption:
    label: str
    times_ranked: int
    average_rank: float | None
    first_places: int
    # Borda-like score: an option ranked r-th among n options earns n - r + 1 points.
    score: int


@dataclass(frozen=True)
class MatrixRow:
    label: str
    distribution: list[Share]
    answered: int
    mean: float | None


@dataclass(frozen=True)
class ThemeCount:
    theme_id: int | None
    label: str
    terms: list[str]
    count: int
    percent: float
    examples: list[str]


@dataclass(frozen=True)
class QuestionResults:
    question_id: int
    position: int
    kind: str
    text: str
    # People who answered the question (sent responses only).
    answered: int
    options: list[Share] = field(default_factory=list)
    other: Share | None = None
    distribution: list[Share] = field(default_factory=list)
    mean: float | None = None
    ranking: list[RankedOption] = field(default_factory=list)
    matrix: list[MatrixRow] = field(default_factory=list)
    scale_values: list[int] = field(default_factory=list)
    scale_min_label: str = ""
    scale_max_label: str = ""
    themes: list[ThemeCount] = field(default_factory=list)
    unthemed: ThemeCount | None = None


@dataclass(frozen=True)
class SurveyResults:
    responses: int
    questions: list[QuestionResults]


def _percent(count: int, total: int) -> float:
    return round(100 * count / total, 1) if total else 0.0


def _mean(pairs: list[tuple[int, int]]) -> float | None:
    total = sum(count for _value, count in pairs)
    if not total:
        return None
    return round(sum(value * count for value, count in pairs) / total, 2)


def _distribution(
    question: Question, counts: dict[int, int], answered: int
) -> tuple[list[Share], float | None]:
    values = list(range(question.scale_min, question.scale_max + 1))
    shares = [
        Share(
            label=str(value),
            count=counts.get(value, 0),
            percent=_percent(counts.get(value, 0), answered),
        )
        for value in values
    ]
    return shares, _mean([(value, counts.get(value, 0)) for value in values])


def _themes(
    question: Question, answered: int, theme_counts: dict[int | None, int], themes: list[Theme]
) -> tuple[list[ThemeCount], ThemeCount | None]:
    sent = Answer.objects.filter(question=question, response__submitted_at__isnull=False)
    found: list[ThemeCount] = []
    for theme in themes:
        examples = list(
            sent.filter(theme=theme)
            .order_by("pk")
            .values_list("text", flat=True)[:EXAMPLES_PER_THEME]
        )
        count = theme_counts.get(theme.pk, 0)
        found.append(
            ThemeCount(
                theme_id=theme.pk,
                label=theme.label,
                terms=list(theme.terms or []),
                count=count,
                percent=_percent(count, answered),
                examples=examples,
            )
        )
    found.sort(key=lambda item: -item.count)
    unthemed_count = theme_counts.get(None, 0)
    unthemed = None
    if unthemed_count and themes:
        examples = list(
            sent.filter(theme__isnull=True)
            .order_by("pk")
            .values_list("text", flat=True)[:EXAMPLES_PER_THEME]
        )
        unthemed = ThemeCount(
            theme_id=None,
            label="",
            terms=[],
            count=unthemed_count,
            percent=_percent(unthemed_count, answered),
            examples=examples,
        )
    return found, unthemed


def survey_results_compute(*, survey: Survey) -> SurveyResults:
    """Every question's results, counted by the database (in the active language)."""
    questions = list(
        Question.objects.filter(survey=survey)
        .prefetch_related("options")
        .order_by("position", "pk")
    )
    sent = Q(response__submitted_at__isnull=False)
    answers = Answer.objects.filter(sent, question_id__in=[question.pk for question in questions])
    responses = Response.objects.filter(survey=survey, submitted_at__isnull=False).count()
    answered = dict(
        answers.values("question_id")
        .annotate(people=Count("response_id", distinct=True))
        .values_list("question_id", "people")
    )
    # One GROUP BY gives choice counts (number empty), "Other" counts, scale values
    # (option empty), ranks per option and matrix values per row.
    grouped: dict[int, list[tuple[int | None, bool, int | None, int]]] = defaultdict(list)
    for question_id, option_id, is_other, number, count in (
        answers.exclude(option__isnull=True, is_other=False, number__isnull=True)
        .values("question_id", "option_id", "is_other", "number")
        .annotate(count=Count("id"))
        .values_list("question_id", "option_id", "is_other", "number", "count")
        .order_by()
    ):
        grouped[question_id].append((option_id, is_other, number, count))
    text_ids = [question.pk for question in questions if question.is_text]
    theme_counts: dict[int, dict[int | None, int]] = defaultdict(dict)
    if text_ids:
        for question_id, theme_id, count in (
            answers.filter(question_id__in=text_ids)
            .values("question_id", "theme_id")
            .annotate(count=Count("id"))
            .values_list("question_id", "theme_id", "count")
            .order_by()
        ):
            theme_counts[question_id][theme_id] = count
    themes_of: dict[int, list[Theme]] = defaultdict(list)
    for theme in Theme.objects.filter(question_id__in=text_ids).order_by("position", "pk"):
        themes_of[theme.question_id].append(theme)

    results: list[QuestionResults] = []
    for question in questions:
        people = answered.get(question.pk, 0)
        rows = grouped.get(question.pk, [])
        options = list(question.options.all())
        common = {
            "question_id": question.pk,
            "position": question.position,
            "kind": question.kind,
            "text": question.text,
            "answered": people,
        }
        if question.kind in {QuestionKind.SINGLE, QuestionKind.MULTIPLE}:
            by_option = {option_id: count for option_id, _o, _n, count in rows if option_id}
            other_count = sum(count for _i, is_other, _n, count in rows if is_other)
            results.append(
                QuestionResults(
                    **common,
                    options=[
                        Share(
                            label=option.label,
                            count=by_option.get(option.pk, 0),
                            percent=_percent(by_option.get(option.pk, 0), people),
                        )
                        for option in options
                    ],
                    other=Share(label="", count=other_count, percent=_percent(other_count, people))
                    if question.has_other
                    else None,
                )
            )
        elif question.kind == QuestionKind.SCALE:
            counts = {number: count for _i, _o, number, count in rows if number is not None}
            distribution, mean = _distribution(question, counts, people)
            results.append(
                QuestionResults(
                    **common,
                    distribution=distribution,
                    mean=mean,
                    scale_values=list(range(question.scale_min, question.scale_max + 1)),
                    scale_min_label=question.scale_min_label,
                    scale_max_label=question.scale_max_label,
                )
            )
        elif question.kind == QuestionKind.RANKING:
            size = len(options)
            ranked: list[RankedOption] = []
            for option in options:
                pairs = [
                    (number, count)
                    for option_id, _o, number, count in rows
                    if option_id == option.pk and number
                ]
                ranked.append(
                    RankedOption(
                        label=option.label,
                        times_ranked=sum(count for _n, count in pairs),
                        average_rank=_mean(pairs),
                        first_places=sum(count for number, count in pairs if number == 1),
                        score=sum((size - number + 1) * count for number, count in pairs),
                    )
                )
            ranked.sort(key=lambda item: (-item.score, item.label))
            results.append(QuestionResults(**common, ranking=ranked))
        elif question.kind == QuestionKind.MATRIX:
            matrix_rows: list[MatrixRow] = []
            for option in options:
                counts = {
                    number: count
                    for option_id, _o, number, count in rows
                    if option_id == option.pk and number is not None
                }
                row_answered = sum(counts.values())
                distribution, mean = _distribution(question, counts, row_answered)
                matrix_rows.append(
                    MatrixRow(
                        label=option.label,
                        distribution=distribution,
                        answered=row_answered,
                        mean=mean,
                    )
                )
            results.append(
                QuestionResults(
                    **common,
                    matrix=matrix_rows,
                    scale_values=list(range(question.scale_min, question.scale_max + 1)),
                    scale_min_label=question.scale_min_label,
                    scale_max_label=question.scale_max_label,
                )
            )
        else:
            found, unthemed = _themes(
                question, people, theme_counts.get(question.pk, {}), themes_of.get(question.pk, [])
            )
            results.append(QuestionResults(**common, themes=found, unthemed=unthemed))
    return SurveyResults(responses=responses, questions=results)


@dataclass(frozen=True)
class _Latest:
    """The last results counted for a survey, whatever the version, and how long it took."""

    computed_at: float
    duration: float
    results: SurveyResults


def survey_results(*, survey: Survey, now: float | None = None) -> SurveyResults:
    """``survey_results_compute``, cached until the next write to the city's participation
    data, per language (option labels are translated).

    A survey whose counting is slow (``SLOW_SECONDS`` or more: tens of thousands of
    responses) is not counted again on every change while it is live: the last results
    serve for up to ``STALE_FACTOR`` times their counting time (``STALE_MAX_SECONDS`` at
    most), so a stream of new responses costs one count a minute, not one per response.
    """
    language = get_language()
    version = cache_version(survey.municipality_id, "participation")
    key = f"participation:survey-results:{survey.pk}:{language}:{version}"
    value: SurveyResults | None = cache.get(key)
    if value is not None:
        return value
    latest_key = f"participation:survey-results-latest:{survey.pk}:{language}:{code_version()}"
    now = time.time() if now is None else now
    latest = cache.get(latest_key)
    if (
        isinstance(latest, _Latest)
        and latest.duration >= SLOW_SECONDS
        and now - latest.computed_at < min(STALE_MAX_SECONDS, STALE_FACTOR * latest.duration)
    ):
        return latest.results
    started = time.perf_counter()
    value = survey_results_compute(survey=survey)
    duration = time.perf_counter() - started
    cache.set(key, value, timeout=KEEP_SECONDS)
    cache.set(latest_key, _Latest(now, duration, value), timeout=KEEP_SECONDS)
    return value
