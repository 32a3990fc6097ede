"""The open datasets of participation (``core.datasets``): survey results, participatory
budgeting results, the budgets' anonymised ballots (Pabulib) and residents' proposals.

Only what the module already shows the public is published: surveys whose results are
public, budgets whose results were published (so voting has closed), proposals that are
not hidden, all of published processes. The queries select no personal field (no account,
no author, no census or voting-code digest, no receipt); the open-data module masks the
free text and snaps the places to its grid.

The rows never depend on the active language (a regeneration from a page in English must
give the same files as the worker's): texts the city writes in several languages get one
column per language (``zone_ro``, ``zone_en``), keys are language-neutral.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from digiplace.core.datasets import (
    TOTAL,
    Chart,
    Column,
    DataFile,
    DatasetSpec,
    KeyFigure,
    Privacy,
    Row,
    Suppression,
    Text,
    dataset_register,
)
from digiplace.participation.budgeting.pabulib import Voter, election_write
from digiplace.participation.models import (
    BudgetProject,
    BudgetProjectStatus,
    BudgetZone,
    Proposal,
    Question,
    QuestionKind,
    QuestionOption,
    Survey,
)
from digiplace.participation.selectors.budgeting import zone_ballots, zone_pabulib
from digiplace.participation.selectors.surveys import (
    QuestionResults,
    survey_results_compute,
    survey_results_public,
)

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

MODULE = "participation"
# Ballots are numbered in the order of a keyed hash of their receipts: the same order at
# every regeneration (so an unchanged budget gives the same file), and one that nobody
# without the server's secret can relate to receipts or to the order ballots were cast.
BALLOT_ORDER_SALT = "digiplace.participation.datasets.ballot-order"
# A proposal's text is published as its beginning: enough to know what it asks.
SUMMARY_CHARACTERS = 300
# Pabulib archives are dated by this constant, so that equal ballots give equal bytes.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)
# Files made in one language (Pabulib's free-text meta) use the platform's first one.
FILE_LANGUAGE = LANGUAGE_CODES[0]


def _languages(name: str, description: Text, *, free_text: bool = False) -> tuple[Column, ...]:
    """One column per language of the platform: ``name_ro``, ``name_en``..."""
    return tuple(
        Column(
            f"{name}_{code}",
            "string",
            format_lazy(_("{text}, in {language}"), text=description, language=language),
            free_text=free_text,
        )
        for code, language in settings.LANGUAGES
    )


def _in_languages(name: str, values: dict[str, str | None]) -> dict[str, str]:
    """``{name}_{code}`` for each language from the ``{field}_{code}`` values (keyed by
    code); a text missing in a language is given in the first language that has it."""
    fallback = next((values[code] for code in LANGUAGE_CODES if values.get(code)), "") or ""
    return {f"{name}_{code}": values.get(code) or fallback for code in LANGUAGE_CODES}


def _fields(instance: Any, field: str) -> dict[str, str | None]:
    return {code: getattr(instance, f"{field}_{code}", None) for code in LANGUAGE_CODES}


def _gettext_each(message: str) -> dict[str, str | None]:
    """A message of this module in each language."""
    texts: dict[str, str | None] = {}
    for code in LANGUAGE_CODES:
        with translation.override(code):
            texts[code] = gettext(message)
    return texts


def _k() -> int:
    return int(settings.OPENDATA_K)


def _local_day(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment is not None else None


def _not_total(rows: Sequence[Row], key: str) -> list[Row]:
    """The table's cells, without the totals rows the engine adds to suppressed tables."""
    return [row for row in rows if row.get(key) != TOTAL]


# --- Survey results ---------------------------------------------------------------------------


def _public_surveys(municipality: Municipality) -> list[Survey]:
    surveys = (
        Survey.objects.for_municipality(municipality)
        .filter(is_published=True, process__is_published=True)
        .select_related("process")
        .order_by("closes_at", "slug")
    )
    return [survey for survey in surveys if survey_results_public(survey=survey)]


@dataclass(frozen=True)
class _Cell:
    key: str  # language-neutral: an option's key, a scale value, "other", "theme-12"...
    labels: dict[str, str | None]
    count: int


@dataclass(frozen=True)
class _Line:
    """Cells that add up to the people who answered (a multiple choice's ticks excepted),
    so that the engine can protect each line as cells and their total."""

    item: str  # a matrix row's key, else ""
    item_labels: dict[str, str | None]
    cells: list[_Cell]
    respondents: int


def _counted(survey: Survey) -> tuple[list[QuestionResults], dict[int, str]]:
    """The module's count of the survey and the options' labels as it writes them, both
    in one language (they only serve to pair each count with its option)."""
    with translation.override(FILE_LANGUAGE):
        results = survey_results_compute(survey=survey).questions
        shown = {
            option.pk: option.label
            for option in QuestionOption.objects.filter(question__survey=survey)
        }
    return results, shown


def _lines(
    result: QuestionResults,
    question: Question,
    options: list[QuestionOption],
    shown: dict[int, str],
) -> list[_Line]:
    no_item: dict[str, str | None] = {}
    if question.kind in {QuestionKind.SINGLE, QuestionKind.MULTIPLE}:
        cells = [
            _Cell(option.key, _fields(option, "label"), share.count)
            for option, share in zip(options, result.options, strict=True)
        ]
        if result.other is not None:
            cells.append(_Cell("other", _gettext_each("Other"), result.other.count))
        return [_Line("", no_item, cells, result.answered)]
    if question.kind == QuestionKind.SCALE:
        cells = [
            _Cell(share.label, dict.fromkeys(LANGUAGE_CODES, share.label), share.count)
            for share in result.distribution
        ]
        return [_Line("", no_item, cells, result.answered)]
    if question.kind == QuestionKind.RANKING:
        # Each respondent ranks one option first: those counts add up to the respondents.
        first = {item.label: item.first_places for item in result.ranking}
        cells = [
            _Cell(option.key, _fields(option, "label"), first.get(shown.get(option.pk, ""), 0))
            for option in options
        ]
        return [_Line("", no_item, cells, result.answered)]
    if question.kind == QuestionKind.MATRIX:
        return [
            _Line(
                option.key,
                _fields(option, "label"),
                [
                    _Cell(share.label, dict.fromkeys(LANGUAGE_CODES, share.label), share.count)
                    for share in row.distribution
                ],
                row.answered,
            )
            for option, row in zip(options, result.matrix, strict=True)
        ]
    # Open answers: never their text, only how many fall into each theme.
    cells = [
        _Cell(f"theme-{theme.theme_id}", dict.fromkeys(LANGUAGE_CODES, theme.label), theme.count)
        for theme in result.themes
    ]
    if result.unthemed is not None:
        cells.append(_Cell("not-grouped", _gettext_each("Not grouped"), result.unthemed.count))
    if not cells:
        cells = [_Cell("answers", _gettext_each("Answers (not grouped)"), result.answered)]
    return [_Line("", no_item, cells, result.answered)]


def _line_small(line: _Line, k: int) -> bool:
    total = sum(cell.count for cell in line.cells)
    return any(0 < cell.count < k for cell in line.cells) or 0 < total < k


def survey_rows(municipality: Municipality) -> Iterator[Row]:
    """One row per survey, question (and matrix row) and answer: the count of people who
    chose it. Shares and respondents are given only for lines where no count is small:
    with a share and its question's respondents, a hidden count could be worked out."""
    k = _k()
    for survey in _public_surveys(municipality):
        questions = {
            question.pk: question
            for question in Question.objects.filter(survey=survey).prefetch_related(
                Prefetch("options", queryset=QuestionOption.objects.order_by("position", "pk"))
            )
        }
        results, shown = _counted(survey)
        common = {
            "survey": survey.slug,
            **_in_languages("survey_title", _fields(survey, "title")),
            **_in_languages("process", _fields(survey.process, "title")),
            "closes": _local_day(survey.closes_at),
        }
        # Questions with a small count, or left out: a question shown only after some
        # answers to them would tell how many gave those answers.
        guarded: set[int] = set()
        for number, result in enumerate(results, start=1):
            question = questions[result.question_id]
            if question.shown_if_question_id in guarded:
                guarded.add(question.pk)
                continue
            lines = _lines(result, question, list(question.options.all()), shown)
            for line in lines:
                small = _line_small(line, k)
                if small:
                    guarded.add(question.pk)
                for cell in line.cells:
                    share = None
                    if not small and line.respondents:
                        share = round(100 * cell.count / line.respondents, 1)
                    yield {
                        **common,
                        "question_number": number,
                        **_in_languages("question", _fields(question, "text")),
                        "question_kind": question.kind,
                        "item": line.item,
                        **_in_languages("item_label", line.item_labels),
                        "option": cell.key,
                        **_in_languages("option_label", cell.labels),
                        "count": cell.count,
                        "share": share,
                        "respondents": None if small else line.respondents,
                    }


def _surveys_count(rows: Sequence[Row]) -> int:
    return len({row["survey"] for row in rows})


def _questions_count(rows: Sequence[Row]) -> int:
    return len({(row["survey"], row["question_number"]) for row in _not_total(rows, "option")})


def _surveys_available(municipality: Municipality) -> bool:
    return bool(_public_surveys(municipality))


SURVEYS = DatasetSpec(
    module=MODULE,
    slug="participation-surveys",
    title=_("Survey results"),
    description=_(
        "The results of the city's public surveys and consultations: for each question, how "
        "many people chose each answer. Open answers are not published, only how many fall "
        "into each theme the city grouped them into."
    ),
    themes=("GOVE", "SOCI"),
    keywords=(_("survey"), _("consultation"), _("participation"), _("public opinion")),
    frequency="IRREG",
    refresh=datetime.timedelta(days=1),
    columns=(
        Column("survey", "string", _("The survey's short name (its address on the site).")),
        *_languages("survey_title", _("The survey's title")),
        *_languages("process", _("The participatory process the survey belongs to")),
        Column("closes", "date", _("The day the survey closes (or closed).")),
        Column("question_number", "integer", _("The question's number in the survey.")),
        *_languages("question", _("The question, as it was asked")),
        Column(
            "question_kind",
            "string",
            _(
                "The kind of question: single, multiple (several choices), scale, ranking "
                "(the count is of people who ranked the option first), matrix, short_text or "
                "long_text (the count is of answers in each theme)."
            ),
        ),
        Column("item", "string", _("For a matrix question, the key of the row answered.")),
        *_languages("item_label", _("For a matrix question, the row answered")),
        Column(
            "option",
            "string",
            _(
                "The answer's key: an option's key, a scale value, other, or theme-N for a "
                "theme of open answers."
            ),
        ),
        *_languages(
            "option_label",
            _("The answer: an option, a scale value, or the theme of open answers"),
            free_text=True,
        ),
        Column(
            "count",
            "integer",
            _("How many people chose it; empty when hidden to protect small groups."),
        ),
        Column(
            "share",
            "number",
            _(
                "The count as a share of the people who answered the question (or the "
                "matrix row); empty when a count of the question is small."
            ),
            unit="%",
        ),
        Column(
            "respondents",
            "integer",
            _(
                "How many people answered the question (or the matrix row); empty when a "
                "count of the question is small."
            ),
        ),
    ),
    rows=survey_rows,
    temporal="closes",
    privacy=Privacy(
        statement=_(
            "Only counts are published, never a single response. Open answers are not "
            "published, only how many answers fall into each theme. Counts of fewer than k "
            "people are hidden, with other counts hidden too so that the totals do not give "
            "them away; for such a question the shares and the number of respondents are "
            "not published, nor the questions asked only after some of its answers."
        ),
        removed=(
            _("accounts and respondent keys"),
            _("the text of open answers and of “other” answers"),
            _("when each response was sent, and its language"),
        ),
        generalised=(_("responses counted per question and answer"),),
        suppression=Suppression(
            value="count", rows=("option",), groups=("survey", "question_number", "item")
        ),
    ),
    figures=(
        KeyFigure(_("Surveys with public results"), _surveys_count),
        KeyFigure(_("Questions"), _questions_count),
    ),
    chart=Chart(x="survey", y="respondents", kind="bar", aggregate="max", limit=20),
    available=_surveys_available,
)


# --- Participatory budgeting results ---------------------------------------------------------


def _published_zones(municipality: Municipality) -> QuerySet[BudgetZone]:
    """The zones of budgets whose results were published (after voting closed), of
    published processes, in a stable order."""
    return (
        BudgetZone.objects.for_municipality(municipality)
        .filter(
            budget__results_published_at__isnull=False,
            budget__process__is_published=True,
            result__isnull=False,
        )
        .select_related("budget__process", "zone", "result")
        .order_by("budget__voting_closes_at", "budget__pk", "zone__position", "zone__slug")
    )


def _code_key(code: str) -> tuple[str, int, str]:
    """Project numbers in their natural order: P2 before P10."""
    match = re.fullmatch(r"(\D*)(\d+)", code)
    return (match.group(1), int(match.group(2)), "") if match else (code, 0, code)


def _integer(value: Any) -> int:
    return int(Fraction(str(value)))


def budgeting_rows(municipality: Municipality) -> Iterator[Row]:
    """One row per project counted in a published result: its cost, its votes (approvals)
    and whether it was selected, from the result as published (fixed at publication)."""
    zones = list(_published_zones(municipality))
    categories = {
        (zone_id, code): category
        for zone_id, code, category in BudgetProject.objects.filter(
            budget_zone__in=zones, status=BudgetProjectStatus.ELIGIBLE
        ).values_list("budget_zone_id", "code", "category")
    }
    for budget_zone in zones:
        budget = budget_zone.budget
        result = budget_zone.result
        details: dict[str, Any] = result.details or {}
        costs: dict[str, Any] = details.get("costs", {})
        approvals: dict[str, int] = details.get("approvals", {})
        titles: dict[str, str] = details.get("titles", {})
        selected = set(result.selected)
        for code in sorted(costs, key=_code_key):
            yield {
                "process": budget.process.slug,
                **_in_languages("budget_title", _fields(budget, "title")),
                "year": timezone.localtime(budget.voting_closes_at).year,
                "zone": budget_zone.zone.slug,
                **_in_languages("zone_name", _fields(budget_zone.zone, "name")),
                "zone_amount": int(budget_zone.amount),
                "currency": details.get("currency", budget_zone.currency),
                "rule": result.rule,
                "voters": result.voters,
                "project": code,
                "title": titles.get(code, code),
                "category": categories.get((budget_zone.pk, code), ""),
                "cost": _integer(costs[code]),
                "votes": int(approvals.get(code, 0)),
                "selected": code in selected,
                "results_published": _local_day(budget.results_published_at),
            }


def _selected_count(rows: Sequence[Row]) -> int:
    return sum(1 for row in rows if row["selected"])


def _selected_cost(rows: Sequence[Row]) -> int:
    return sum(int(row["cost"]) for row in rows if row["selected"])


def _voters(rows: Sequence[Row]) -> int:
    return sum({(row["process"], row["zone"]): int(row["voters"]) for row in rows}.values())


def _budgets_available(municipality: Municipality) -> bool:
    return _published_zones(municipality).exists()


BUDGETING = DatasetSpec(
    module=MODULE,
    slug="participation-budgeting",
    title=_("Participatory budgeting results"),
    description=_(
        "The results of the city's participatory budgets, once published: every project "
        "put to the vote in each zone, its cost, how many voters approved it and whether "
        "it was selected for funding."
    ),
    themes=("GOVE", "ECON"),
    keywords=(_("participatory budgeting"), _("vote"), _("projects"), _("budget")),
    frequency="IRREG",
    refresh=datetime.timedelta(days=1),
    columns=(
        Column("process", "string", _("The participatory process's short name.")),
        *_languages("budget_title", _("The participatory budget's title")),
        Column("year", "integer", _("The year voting closed.")),
        Column(
            "zone",
            "string",
            _("The short name of the zone (district) whose voters chose among its projects."),
        ),
        *_languages("zone_name", _("The zone's name")),
        Column("zone_amount", "integer", _("The money the zone had to spend (in its currency).")),
        Column("currency", "string", _("The currency of the amounts (RON: lei).")),
        Column(
            "rule",
            "string",
            _(
                "How the winners were chosen: mes (the Method of Equal Shares) or greedy "
                "(most approvals first)."
            ),
        ),
        Column("voters", "integer", _("How many people voted in the zone.")),
        Column("project", "string", _("The project's number in the budget.")),
        Column("title", "string", _("The project's title."), free_text=True),
        Column("category", "string", _("The project's category.")),
        Column("cost", "integer", _("The project's estimated cost (in the zone's currency).")),
        Column("votes", "integer", _("How many voters approved the project.")),
        Column("selected", "boolean", _("Whether the project was selected for funding.")),
        Column("results_published", "date", _("The day the results were published.")),
    ),
    rows=budgeting_rows,
    temporal="results_published",
    privacy=Privacy(
        statement=_(
            "The official results: totals of votes per project. Nothing about voters or "
            "project authors is published."
        ),
        removed=(
            _("project authors and staff reviewers"),
            _("staff's review notes"),
            _("ballots and who voted"),
        ),
        personal=False,
    ),
    figures=(
        KeyFigure(_("Projects selected"), _selected_count),
        KeyFigure(_("Cost of the selected projects"), _selected_cost, unit="RON"),
        KeyFigure(_("Voters"), _voters),
    ),
    chart=Chart(x="title", y="votes", kind="bar", aggregate="sum", limit=20),
    available=_budgets_available,
)


# --- Anonymised ballots (Pabulib) -------------------------------------------------------------


def voter_numbers(receipts: Sequence[str]) -> dict[str, int]:
    """Each receipt's public number, 1 to n, in a keyed shuffled order."""
    order = sorted(
        receipts,
        key=lambda receipt: salted_hmac(BALLOT_ORDER_SALT, receipt, algorithm="sha256").digest(),
    )
    return {receipt: number for number, receipt in enumerate(order, start=1)}


def ballot_rows(municipality: Municipality) -> Iterator[Row]:
    """One row per ballot of the published budgets: its zone and the projects approved
    (eligible projects' numbers), voters numbered in a shuffled order."""
    for budget_zone in _published_zones(municipality):
        budget = budget_zone.budget
        ballots = zone_ballots(budget_zone=budget_zone)
        numbers = voter_numbers([receipt for receipt, _vote in ballots])
        numbered = sorted((numbers[receipt], vote) for receipt, vote in ballots)
        for number, vote in numbered:
            yield {
                "process": budget.process.slug,
                **_in_languages("budget_title", _fields(budget, "title")),
                "zone": budget_zone.zone.slug,
                **_in_languages("zone_name", _fields(budget_zone.zone, "name")),
                "voting_closed": _local_day(budget.voting_closes_at),
                "voter": number,
                "vote": ",".join(vote),
                "choices": len(vote),
            }


def ballots_pabulib_zip(municipality: Municipality) -> bytes:
    """A ZIP of one Pabulib ``.pb`` file per zone of the published budgets: the module's
    own export, with voter ids replaced by the ballots' shuffled numbers."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for budget_zone in _published_zones(municipality):
            # Its meta (the budget's and zone's names) in one language: the same bytes
            # whatever language the regeneration runs in.
            with translation.override(FILE_LANGUAGE):
                election = zone_pabulib(budget_zone=budget_zone, rule=budget_zone.result.rule)
            numbers = voter_numbers([voter.voter_id for voter in election.voters])
            election.voters = sorted(
                (
                    Voter(voter_id=str(numbers[voter.voter_id]), vote=voter.vote)
                    for voter in election.voters
                ),
                key=lambda voter: int(voter.voter_id),
            )
            election.voter_columns = ()
            name = f"{budget_zone.budget.process.slug}_{budget_zone.zone.slug}.pb"
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, election_write(election).encode("utf-8"))
    return output.getvalue()


def _ballots_count(rows: Sequence[Row]) -> int:
    return len(rows)


def _mean_choices(rows: Sequence[Row]) -> float | None:
    if not rows:
        return None
    return round(sum(int(row["choices"]) for row in rows) / len(rows), 2)


BALLOTS = DatasetSpec(
    module=MODULE,
    slug="participation-ballots",
    title=_("Participatory budgeting ballots (anonymised)"),
    description=_(
        "Every ballot of the city's participatory budgets whose results were published, "
        "with no voter's identity: the projects each ballot approved. Offered in the "
        "Pabulib format used by participatory-budgeting researchers (one .pb file per "
        "zone, in a ZIP), so that anyone can count the results again."
    ),
    themes=("GOVE",),
    keywords=(_("participatory budgeting"), _("ballots"), _("Pabulib"), _("vote")),
    frequency="IRREG",
    refresh=datetime.timedelta(days=1),
    columns=(
        Column("process", "string", _("The participatory process's short name.")),
        *_languages("budget_title", _("The participatory budget's title")),
        Column(
            "zone", "string", _("The short name of the zone (district) the ballot was cast in.")
        ),
        *_languages("zone_name", _("The zone's name")),
        Column("voting_closed", "date", _("The day voting closed.")),
        Column(
            "voter",
            "integer",
            _("The ballot's number in the zone, in a shuffled order (not the order of voting)."),
        ),
        Column(
            "vote",
            "string",
            _("The numbers of the projects the ballot approved, separated by commas."),
        ),
        Column("choices", "integer", _("How many projects the ballot approved.")),
    ),
    rows=ballot_rows,
    temporal="voting_closed",
    files=(
        DataFile(
            name="ballots-pabulib.zip",
            format="ZIP",
            media_type="application/zip",
            title=_("Ballots in the Pabulib format"),
            description=_(
                "One Pabulib .pb file per zone (META, PROJECTS and VOTES sections), voters "
                "numbered in a shuffled order."
            ),
            produce=ballots_pabulib_zip,
        ),
    ),
    privacy=Privacy(
        statement=_(
            "Only the ballots' contents are published. Voters are numbered in a shuffled "
            "order that cannot be related to their receipts, to when they voted or to who "
            "they are; no demographic data is collected with a ballot, so none is "
            "published. Ballots are published only after voting closed and the results "
            "were published."
        ),
        removed=(
            _("the voter's census or voting-code key and account"),
            _("the ballot's receipt and change token"),
            _("when the ballot was cast or changed, and the voting method"),
        ),
        generalised=(_("voter ids replaced by numbers in a shuffled order"),),
        quasi_identifiers=("process", "zone"),
    ),
    figures=(
        KeyFigure(_("Ballots"), _ballots_count),
        KeyFigure(_("Projects approved per ballot, on average"), _mean_choices),
    ),
    chart=Chart(x="choices", y="voter", kind="bar", aggregate="count"),
    available=_budgets_available,
)


# --- Proposals --------------------------------------------------------------------------------


def _summary(text: str) -> str:
    """The beginning of a proposal's text, cut at a word."""
    text = " ".join(text.split())
    if len(text) <= SUMMARY_CHARACTERS:
        return text
    cut = text[:SUMMARY_CHARACTERS].rsplit(" ", 1)[0]
    return f"{cut}…"


def _public_proposals(municipality: Municipality) -> QuerySet[Proposal]:
    return Proposal.objects.filter(
        municipality=municipality, is_hidden=False, process__is_published=True
    )


def proposal_rows(municipality: Municipality) -> Iterator[Row]:
    """One row per visible proposal of a published process, oldest first."""

    def translated(path: str) -> list[str]:
        return [f"{path}_{code}" for code in LANGUAGE_CODES]

    names = (
        "pk",
        "process__slug",
        *translated("process__title"),
        "title",
        "body",
        "category__slug",
        *translated("category__name"),
        "process__zone__slug",
        *translated("process__zone__name"),
        "status",
        "support_count",
        "created_at",
        "answer",
        "latitude",
        "longitude",
    )
    rows = _public_proposals(municipality).order_by("created_at", "pk").values(*names)
    for row in rows.iterator(chunk_size=2000):

        def each(path: str, row: dict[str, Any] = row) -> dict[str, str | None]:
            return {code: row[f"{path}_{code}"] for code in LANGUAGE_CODES}

        yield {
            "id": row["pk"],
            "process": row["process__slug"],
            **_in_languages("process_title", each("process__title")),
            "title": row["title"],
            "summary": _summary(row["body"]),
            "category": row["category__slug"] or "",
            **_in_languages("category_name", each("category__name")),
            "district": row["process__zone__slug"] or "",
            **_in_languages("district_name", each("process__zone__name")),
            "status": row["status"],
            "supports": row["support_count"],
            "created": _local_day(row["created_at"]),
            "city_answer": row["answer"],
            "latitude": row["latitude"],
            "longitude": row["longitude"],
        }


def _proposals_count(rows: Sequence[Row]) -> int:
    return len(rows)


def _accepted_count(rows: Sequence[Row]) -> int:
    return sum(1 for row in rows if row["status"] == "accepted")


def _supports(rows: Sequence[Row]) -> int:
    return sum(int(row["supports"]) for row in rows)


def _proposals_available(municipality: Municipality) -> bool:
    return _public_proposals(municipality).exists()


PROPOSALS = DatasetSpec(
    module=MODULE,
    slug="participation-proposals",
    title=_("Residents' proposals"),
    description=_(
        "The proposals residents made to the city: what each asks, its category and "
        "district, how many people supported it, where it stands and the city's answer."
    ),
    themes=("GOVE", "SOCI"),
    keywords=(_("proposals"), _("participation"), _("ideas"), _("residents")),
    frequency="DAILY",
    refresh=datetime.timedelta(days=1),
    columns=(
        Column("id", "integer", _("The proposal's number (its address on the site).")),
        Column(
            "process", "string", _("The short name of the participatory process it was sent to.")
        ),
        *_languages("process_title", _("The title of the participatory process it was sent to")),
        Column("title", "string", _("The proposal's title."), free_text=True),
        Column(
            "summary",
            "string",
            _("The beginning of the proposal's text (at most 300 characters)."),
            free_text=True,
        ),
        Column("category", "string", _("The short name of the proposal's category.")),
        *_languages("category_name", _("The proposal's category")),
        Column(
            "district",
            "string",
            _(
                "The short name of the process's district, for a neighbourhood's process; "
                "else empty."
            ),
        ),
        *_languages("district_name", _("The district's name")),
        Column(
            "status",
            "string",
            _("Where it stands: published, evaluating, accepted, rejected or withdrawn."),
        ),
        Column("supports", "integer", _("How many people supported it.")),
        Column("created", "date", _("The day it was sent.")),
        Column("city_answer", "string", _("The city's answer, if any."), free_text=True),
        Column(
            "latitude",
            "number",
            _("Where it is about: latitude, as the centre of a square of the grid."),
            unit="°",
        ),
        Column(
            "longitude",
            "number",
            _("Where it is about: longitude, as the centre of a square of the grid."),
            unit="°",
        ),
    ),
    rows=proposal_rows,
    temporal="created",
    formats=("csv", "json", "xlsx", "geojson"),
    geometry=("latitude", "longitude"),
    privacy=Privacy(
        statement=_(
            "Proposals are published without their authors, supporters, comments or "
            "photos. Emails, phone numbers, personal numeric codes and licence plates in "
            "their text are masked, the text is cut to its beginning, the time is given as "
            "the day, and places are moved to the centre of a square of the grid. Proposals "
            "hidden by moderation are not published."
        ),
        removed=(
            _("authors and supporters"),
            _("comments and photos"),
            _("the staff member who answered"),
        ),
        generalised=(
            _("the text cut to its first 300 characters"),
            _("the time sent given as the day"),
        ),
        grid=("latitude", "longitude"),
        quasi_identifiers=("district", "category", "created"),
    ),
    figures=(
        KeyFigure(_("Proposals"), _proposals_count),
        KeyFigure(_("Proposals accepted"), _accepted_count),
        KeyFigure(_("Supports"), _supports),
    ),
    chart=Chart(x="category", y="id", kind="bar", aggregate="count"),
    available=_proposals_available,
)


DATASETS = (SURVEYS, BUDGETING, BALLOTS, PROPOSALS)


def register() -> None:
    for spec in DATASETS:
        dataset_register(spec)
