"""The open datasets of participation (``core.datasets``): survey results, participatory
budgeting results, the budgets' anonymised ballots (Pabulib) and residents' proposals.

Only what the module already shows the public is published: surveys whose results are
public, budgets whose results were published (so voting has closed), proposals that are
not hidden, all of published processes. The queries select no personal field (no account,
no author, no census or voting-code digest, no receipt); the open-data module masks the
free text and snaps the places to its grid.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac
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
    dataset_register,
)
from digiplace.participation.budgeting.pabulib import Voter, election_write
from digiplace.participation.models import (
    BudgetProject,
    BudgetProjectStatus,
    BudgetZone,
    Proposal,
    Question,
    Survey,
)
from digiplace.participation.selectors.budgeting import zone_ballots, zone_pabulib
from digiplace.participation.selectors.surveys import (
    QuestionResults,
    Share,
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


def _survey_lines(
    result: QuestionResults,
) -> list[tuple[str, list[tuple[str, int]], int]]:
    """A question's counts as lines: (matrix row or "", [(option, count)], respondents).
    Each line's counts add up to the people who answered it (a multiple choice's ticks
    excepted), so that the engine can protect each line as cells and their total."""

    def shares(items: list[Share]) -> list[tuple[str, int]]:
        return [(item.label, item.count) for item in items]

    if result.options or result.other is not None:
        counts = shares(result.options)
        if result.other is not None:
            counts.append((gettext("Other"), result.other.count))
        return [("", counts, result.answered)]
    if result.distribution:
        return [("", shares(result.distribution), result.answered)]
    if result.ranking:
        # Each respondent ranks one option first: those counts add up to the respondents.
        return [("", [(item.label, item.first_places) for item in result.ranking], result.answered)]
    if result.matrix:
        return [(row.label, shares(row.distribution), row.answered) for row in result.matrix]
    if result.themes or result.unthemed is not None:
        counts = [(theme.label, theme.count) for theme in result.themes]
        if result.unthemed is not None:
            counts.append((gettext("Not grouped"), result.unthemed.count))
        return [("", counts, result.answered)]
    if result.kind in {"short_text", "long_text"}:
        return [("", [(gettext("Answers (not grouped)"), result.answered)], result.answered)]
    return []


def _line_small(counts: list[tuple[str, int]], k: int) -> bool:
    return any(0 < count < k for _label, count in counts) or 0 < sum(c for _l, c in counts) < k


def survey_rows(municipality: Municipality) -> Iterator[Row]:
    """One row per survey, question (and matrix row) and option: the count of people who
    chose it. Shares and respondents are given only for lines where no count is small:
    with a share and its question's respondents, a hidden count could be worked out."""
    k = _k()
    for survey in _public_surveys(municipality):
        conditions = dict(
            Question.objects.filter(survey=survey).values_list("pk", "shown_if_question_id")
        )
        results = survey_results_compute(survey=survey)
        # Questions whose lines had a small count, or that were left out: a question shown
        # only after some answers to them would tell how many gave those answers.
        guarded: set[int] = set()
        for result in sorted(results.questions, key=lambda item: (item.position, item.question_id)):
            condition = conditions.get(result.question_id)
            if condition is not None and condition in guarded:
                guarded.add(result.question_id)
                continue
            for item, counts, respondents in _survey_lines(result):
                small = _line_small(counts, k)
                if small:
                    guarded.add(result.question_id)
                for label, count in counts:
                    yield {
                        "survey": survey.slug,
                        "survey_title": survey.title,
                        "process": survey.process.title,
                        "closes": _local_day(survey.closes_at),
                        "question_position": result.position,
                        "question": result.text,
                        "question_kind": result.kind,
                        "item": item,
                        "option": label,
                        "count": count,
                        "share": None
                        if small or not respondents
                        else round(100 * count / respondents, 1),
                        "respondents": None if small else respondents,
                    }


def _surveys_count(rows: Sequence[Row]) -> int:
    return len({row["survey"] for row in rows})


def _questions_count(rows: Sequence[Row]) -> int:
    return len({(row["survey"], row["question_position"]) for row in _not_total(rows, "option")})


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
        Column("survey_title", "string", _("The survey's title.")),
        Column("process", "string", _("The participatory process the survey belongs to.")),
        Column("closes", "date", _("The day the survey closes (or closed).")),
        Column("question_position", "integer", _("The question's number in the survey.")),
        Column("question", "string", _("The question, as it was asked.")),
        Column(
            "question_kind",
            "string",
            _(
                "The kind of question: single, multiple (several choices), scale, ranking "
                "(the count is of people who ranked the option first), matrix, short_text or "
                "long_text (the count is of answers in each theme)."
            ),
        ),
        Column("item", "string", _("For a matrix question, the row answered; else empty.")),
        Column(
            "option",
            "string",
            _("The answer chosen: an option, a scale value, or the theme of open answers."),
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
            value="count", rows=("option",), groups=("survey", "question_position", "item")
        ),
    ),
    figures=(
        KeyFigure(_("Surveys with public results"), _surveys_count),
        KeyFigure(_("Questions"), _questions_count),
    ),
    chart=Chart(x="survey_title", y="respondents", kind="bar", aggregate="max", limit=20),
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
                "budget": budget.title,
                "year": timezone.localtime(budget.voting_closes_at).year,
                "zone": budget_zone.zone.name,
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
        Column("budget", "string", _("The participatory budget's title.")),
        Column("year", "integer", _("The year voting closed.")),
        Column("zone", "string", _("The zone (district) whose voters chose among its projects.")),
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
                "budget": budget.title,
                "zone": budget_zone.zone.name,
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
        Column("budget", "string", _("The participatory budget's title.")),
        Column("zone", "string", _("The zone (district) the ballot was cast in.")),
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
    rows = (
        _public_proposals(municipality)
        .order_by("created_at", "pk")
        .values_list(
            "pk",
            "process__title",
            "title",
            "body",
            "category__name",
            "process__zone__name",
            "status",
            "support_count",
            "created_at",
            "answer",
            "latitude",
            "longitude",
        )
    )
    for (
        pk,
        process,
        title,
        body,
        category,
        district,
        status,
        supports,
        created_at,
        answer,
        latitude,
        longitude,
    ) in rows.iterator(chunk_size=2000):
        yield {
            "id": pk,
            "process": process,
            "title": title,
            "summary": _summary(body),
            "category": category or "",
            "district": district or "",
            "status": status,
            "supports": supports,
            "created": _local_day(created_at),
            "city_answer": answer,
            "latitude": latitude,
            "longitude": longitude,
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
        Column("process", "string", _("The participatory process it was sent to.")),
        Column("title", "string", _("The proposal's title."), free_text=True),
        Column(
            "summary",
            "string",
            _("The beginning of the proposal's text (at most 300 characters)."),
            free_text=True,
        ),
        Column("category", "string", _("The proposal's category.")),
        Column(
            "district",
            "string",
            _("The district of the process, for a neighbourhood's process; else empty."),
        ),
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
        KeyFigure(_("Accepted"), _accepted_count),
        KeyFigure(_("Supports"), _supports),
    ),
    chart=Chart(x="category", y="id", kind="bar", aggregate="count"),
    available=_proposals_available,
)


DATASETS = (SURVEYS, BUDGETING, BALLOTS, PROPOSALS)


def register() -> None:
    for spec in DATASETS:
        dataset_register(spec)
