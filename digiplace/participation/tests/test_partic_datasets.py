"""Participation's open datasets (``participation.datasets``): survey results with small
counts protected, budgeting results as published, anonymised ballots (rows and Pabulib
files), proposals without authors. Only public records, never another city's, nothing
personal."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from digiplace.core.datasets import dataset_spec, registered_datasets
from digiplace.core.models import Municipality
from digiplace.core.tests.factories import UserFactory
from digiplace.participation import datasets
from digiplace.participation.budgeting.pabulib import election_parse
from digiplace.participation.budgeting.rules import (
    approval_election_from_pabulib,
    equal_shares_select,
)
from digiplace.participation.models import (
    Ballot,
    BudgetProjectStatus,
    BudgetZone,
    QuestionKind,
    ResultsVisibility,
    Survey,
)
from digiplace.participation.services.budgeting_results import budget_results_publish
from digiplace.participation.tests.factories import ProcessFactory, ZoneFactory
from digiplace.participation.tests.factories_budgeting import (
    BallotFactory,
    BudgetFactory,
    BudgetProjectFactory,
    BudgetZoneFactory,
)
from digiplace.participation.tests.factories_proposals import (
    ProposalCategoryFactory,
    ProposalFactory,
)
from digiplace.participation.tests.factories_surveys import (
    AnswerFactory,
    QuestionFactory,
    ResponseFactory,
    SurveyFactory,
    ThemeFactory,
    options_add,
)

pytestmark = pytest.mark.django_db

PLANTED_EMAIL = "ion.popescu@example.com"
PLANTED_PHONE = "0740 123 456"


@pytest.fixture(autouse=True)
def small_k(settings: Any) -> None:
    settings.OPENDATA_K = 3


def rows_of(slug: str, municipality: Municipality) -> list[dict[str, Any]]:
    spec = dataset_spec(slug)
    assert spec is not None and spec.rows is not None
    rows = [dict(row) for row in spec.rows(municipality)]
    names = [column.name for column in spec.columns]
    for row in rows:
        assert list(row) == names
    return rows


def values_text(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, default=str, ensure_ascii=False)


def test_the_four_datasets_are_registered() -> None:
    assert {spec.slug for spec in registered_datasets("participation")} == {
        "participation-surveys",
        "participation-budgeting",
        "participation-ballots",
        "participation-proposals",
    }


# --- Surveys --------------------------------------------------------------------------------


def closed_survey(municipality: Municipality, **fields: Any) -> Survey:
    now = timezone.now()
    return SurveyFactory.create(
        process=ProcessFactory.create(municipality=municipality),
        opens_at=now - datetime.timedelta(days=10),
        closes_at=now - datetime.timedelta(days=1),
        **fields,
    )


def answer_times(question: Any, option: Any, times: int, **fields: Any) -> None:
    for _ in range(times):
        AnswerFactory.create(question=question, option=option, **fields)


def test_survey_rows_count_choices_and_never_publish_text(botosani: Municipality) -> None:
    survey = closed_survey(botosani)
    single = QuestionFactory.create(survey=survey, position=1, has_other=True)
    tram, bus = options_add(single, ["tram", "bus"])
    answer_times(single, tram, 4)
    answer_times(single, bus, 3)
    AnswerFactory.create(question=single, is_other=True, text=f"Scrieți-mi la {PLANTED_EMAIL}")
    AnswerFactory.create(question=single, is_other=True, text=f"Sunați {PLANTED_PHONE}")
    AnswerFactory.create(question=single, is_other=True, text="Bicicleta")
    # A draft is not counted.
    AnswerFactory.create(
        question=single,
        option=tram,
        response=ResponseFactory.create(survey=survey, submitted_at=None),
    )
    text = QuestionFactory.create(survey=survey, position=2, kind=QuestionKind.LONG_TEXT)
    theme = ThemeFactory.create(question=text, label="Transport")
    for number in range(3):
        AnswerFactory.create(question=text, theme=theme, text=f"{PLANTED_EMAIL} mesajul {number}")

    rows = rows_of("participation-surveys", botosani)

    first = [row for row in rows if row["question_number"] == 1]
    assert [(row["option"], row["option_label_en"], row["count"]) for row in first] == [
        ("tram", "Tram", 4),
        ("bus", "Bus", 3),
        ("other", "Other", 3),
    ]
    assert first[2]["option_label_ro"] != "Other"  # in Romanian
    assert all(row["share"] is not None for row in first)
    assert [row["share"] for row in first] == [40.0, 30.0, 30.0]
    assert {row["respondents"] for row in first} == {10}
    assert first[0]["survey"] == survey.slug
    assert first[0]["closes"] == timezone.localdate(survey.closes_at)
    assert first[0]["question_kind"] == "single"
    themed = [row for row in rows if row["question_number"] == 2]
    assert [(row["option_label_ro"], row["option_label_en"], row["count"]) for row in themed] == [
        ("Transport", "Transport", 3)
    ]
    published = values_text(rows)
    assert PLANTED_EMAIL not in published and PLANTED_PHONE not in published
    assert "Bicicleta" not in published and "mesajul" not in published
    for row in rows:
        assert isinstance(row["count"], int)
        assert isinstance(row["question_number"], int)
        assert isinstance(row["closes"], datetime.date)


def test_a_small_count_hides_the_shares_and_the_questions_that_depend_on_it(
    botosani: Municipality,
) -> None:
    survey = closed_survey(botosani)
    single = QuestionFactory.create(survey=survey, position=1)
    tram, bus, both = options_add(single, ["tram", "bus", "both"])
    answer_times(single, tram, 5)
    answer_times(single, bus, 1)  # fewer than k = 3
    answer_times(single, both, 6)
    why = QuestionFactory.create(
        survey=survey, position=2, kind=QuestionKind.SCALE, shown_if_question=single
    )
    why.shown_if_options.set([tram])
    for _ in range(5):
        AnswerFactory.create(question=why, number=4)
    scale = QuestionFactory.create(survey=survey, position=3, kind=QuestionKind.SCALE)
    for _ in range(4):
        AnswerFactory.create(question=scale, number=5)

    rows = rows_of("participation-surveys", botosani)

    first = [row for row in rows if row["question_number"] == 1]
    assert [row["count"] for row in first] == [5, 1, 6]
    # The engine hides the counts; the shares and respondents would give them back.
    assert {row["share"] for row in first} == {None}
    assert {row["respondents"] for row in first} == {None}
    # Asked only of those who chose "tram": its respondents would tell that count.
    assert not [row for row in rows if row["question_number"] == 2]
    third = [row for row in rows if row["question_number"] == 3]
    assert [(row["option"], row["count"]) for row in third] == [
        ("1", 0),
        ("2", 0),
        ("3", 0),
        ("4", 0),
        ("5", 4),
    ]
    assert third[-1]["share"] == 100.0 and third[-1]["respondents"] == 4
    spec = dataset_spec("participation-surveys")
    assert spec is not None and spec.privacy.suppression is not None
    assert spec.privacy.suppression.value == "count"
    assert spec.privacy.suppression.groups == ("survey", "question_number", "item")


def test_matrix_and_ranking_lines(botosani: Municipality) -> None:
    survey = closed_survey(botosani)
    matrix = QuestionFactory.create(
        survey=survey, position=1, kind=QuestionKind.MATRIX, scale_min=1, scale_max=2
    )
    day, night = options_add(matrix, ["day", "night"])
    ranking = QuestionFactory.create(survey=survey, position=2, kind=QuestionKind.RANKING)
    safety, price = options_add(ranking, ["safety", "price"])
    for number in range(4):
        response = ResponseFactory.create(survey=survey)
        AnswerFactory.create(question=matrix, response=response, option=day, number=1)
        AnswerFactory.create(question=matrix, response=response, option=night, number=2)
        first, second = (safety, price) if number < 3 else (price, safety)
        AnswerFactory.create(question=ranking, response=response, option=first, number=1)
        AnswerFactory.create(question=ranking, response=response, option=second, number=2)

    rows = rows_of("participation-surveys", botosani)

    lines = [(row["item"], row["item_label_en"], row["option"], row["count"]) for row in rows]
    assert ("day", "Day", "1", 4) in lines and ("day", "Day", "2", 0) in lines
    assert ("night", "Night", "2", 4) in lines
    ranked = {row["option"]: row["count"] for row in rows if row["question_number"] == 2}
    assert ranked == {"safety": 3, "price": 1}


def test_only_public_results_of_the_city(botosani: Municipality, timisoara: Municipality) -> None:
    now = timezone.now()
    public = closed_survey(botosani)
    hidden = closed_survey(botosani, results_visibility=ResultsVisibility.STAFF)
    still_open = SurveyFactory.create(
        process=ProcessFactory.create(municipality=botosani),
        closes_at=now + datetime.timedelta(days=3),
    )
    live = SurveyFactory.create(
        process=ProcessFactory.create(municipality=botosani),
        results_visibility=ResultsVisibility.LIVE,
    )
    draft = closed_survey(botosani, is_published=False)
    unpublished_process = SurveyFactory.create(
        process=ProcessFactory.create(municipality=botosani, is_published=False),
        opens_at=now - datetime.timedelta(days=5),
        closes_at=now - datetime.timedelta(days=1),
    )
    elsewhere = closed_survey(timisoara)
    for survey in (public, hidden, still_open, live, draft, unpublished_process, elsewhere):
        question = QuestionFactory.create(survey=survey)
        (option,) = options_add(question, ["yes"])
        answer_times(question, option, 3)

    slugs = {row["survey"] for row in rows_of("participation-surveys", botosani)}

    assert slugs == {public.slug, live.slug}
    assert {row["survey"] for row in rows_of("participation-surveys", timisoara)} == {
        elsewhere.slug
    }
    spec = dataset_spec("participation-surveys")
    assert spec is not None and spec.available is not None
    assert spec.available(botosani)
    Survey.objects.filter(municipality=botosani).update(is_published=False)
    assert not spec.available(botosani)


# --- Budgeting results and ballots ----------------------------------------------------------


def published_zone(
    municipality: Municipality, ballots: list[tuple[list[str], int]], *, slug: str = "centru"
) -> BudgetZone:
    budget = BudgetFactory.create(municipality=municipality, closed=True)
    zone = BudgetZoneFactory.create(
        budget=budget,
        zone=ZoneFactory.create(
            municipality=municipality, slug=slug, name_ro="Centru", name_en="Centre"
        ),
        amount=Decimal(100),
    )
    author = UserFactory.create(email="autor.proiect@example.org", full_name="Autorul Proiectului")
    projects = {
        code: BudgetProjectFactory.create(
            budget_zone=zone,
            code=code,
            title=f"Proiect {code}",
            cost=Decimal(cost),
            category="Parcuri",
            author=author,
        )
        for code, cost in (("P1", 60), ("P2", 50), ("P10", 30))
    }
    BudgetProjectFactory.create(
        budget_zone=zone,
        code="P3",
        status=BudgetProjectStatus.INELIGIBLE,
        review_reason="Nu e pe domeniul public.",
    )
    for codes, count in ballots:
        for _ in range(count):
            BallotFactory.create(budget_zone=zone, choices=[projects[code] for code in codes])
    budget_results_publish(actor=None, budget=budget)
    return zone


BALLOTS = [(["P1"], 3), (["P1", "P2"], 2), (["P10"], 1)]


def test_budgeting_rows_are_the_published_results(
    botosani: Municipality, timisoara: Municipality
) -> None:
    zone = published_zone(botosani, BALLOTS)
    # Voting closed but results not published; and voting still open: nothing of them.
    unpublished = BudgetZoneFactory.create(
        budget=BudgetFactory.create(municipality=botosani, closed=True)
    )
    BudgetProjectFactory.create(budget_zone=unpublished, code="X1")
    BudgetProjectFactory.create(
        budget_zone=BudgetZoneFactory.create(municipality=botosani), code="X2"
    )
    published_zone(timisoara, [(["P2"], 2)])

    rows = rows_of("participation-budgeting", botosani)

    assert [row["project"] for row in rows] == ["P1", "P2", "P10"]
    by_code = {row["project"]: row for row in rows}
    assert by_code["P1"]["votes"] == 5 and by_code["P2"]["votes"] == 2
    assert by_code["P10"]["votes"] == 1
    assert by_code["P1"]["selected"] is True
    assert by_code["P1"]["cost"] == 60 and isinstance(by_code["P1"]["cost"], int)
    assert by_code["P1"]["category"] == "Parcuri"
    assert by_code["P1"]["voters"] == 6
    assert by_code["P1"]["zone_amount"] == 100
    assert by_code["P1"]["title"] == "Proiect P1"
    assert by_code["P1"]["results_published"] == timezone.localdate(
        zone.budget.results_published_at
    )
    assert by_code["P1"]["process"] == zone.budget.process.slug
    assert by_code["P1"]["zone"] == "centru" and by_code["P1"]["zone_name_en"] == "Centre"
    assert by_code["P1"]["budget_title_en"].startswith("Participatory budget ")
    selected = {row["project"] for row in rows if row["selected"]}
    assert selected == set(zone.result.selected)
    published = values_text(rows)
    assert "autor.proiect" not in published and "Autorul" not in published
    assert "Nu e pe domeniul public" not in published
    assert len(rows_of("participation-budgeting", timisoara)) == 3
    spec = dataset_spec("participation-budgeting")
    assert spec is not None and spec.available is not None
    assert spec.available(botosani)
    assert [figure.compute(rows) for figure in spec.figures] == [
        len(selected),
        sum(row["cost"] for row in rows if row["selected"]),
        6,
    ]


def test_ballot_rows_number_voters_in_a_shuffled_order(
    botosani: Municipality, timisoara: Municipality
) -> None:
    zone = published_zone(botosani, BALLOTS)
    BallotFactory.create(budget_zone=BudgetZoneFactory.create(municipality=botosani))
    published_zone(timisoara, [(["P2"], 2)])
    receipts = list(Ballot.objects.filter(budget_zone=zone).values_list("receipt", flat=True))

    rows = rows_of("participation-ballots", botosani)

    assert sorted(row["voter"] for row in rows) == [1, 2, 3, 4, 5, 6]
    assert sorted(row["vote"] for row in rows) == ["P1", "P1", "P1", "P1,P2", "P1,P2", "P10"]
    assert {(row["zone"], row["zone_name_ro"], row["zone_name_en"]) for row in rows} == {
        ("centru", "Centru", "Centre")
    }
    assert all(row["choices"] == len(row["vote"].split(",")) for row in rows)
    assert all(
        row["voting_closed"] == timezone.localdate(zone.budget.voting_closes_at) for row in rows
    )
    published = values_text(rows)
    assert not any(receipt in published for receipt in receipts)
    # The same numbers at every regeneration.
    assert rows_of("participation-ballots", botosani) == rows
    assert len(rows_of("participation-ballots", timisoara)) == 2


def test_voter_numbers_do_not_follow_the_receipts_order() -> None:
    receipts = [f"{number:04d}" for number in range(200)]
    numbers = datasets.voter_numbers(receipts)
    assert sorted(numbers.values()) == list(range(1, 201))
    assert [numbers[receipt] for receipt in receipts] != list(range(1, 201))
    assert datasets.voter_numbers(list(reversed(receipts))) == numbers


def test_pabulib_zip_counts_the_same_winners_without_receipts(
    botosani: Municipality, timisoara: Municipality
) -> None:
    zone = published_zone(botosani, BALLOTS)
    other = published_zone(botosani, [(["P2"], 3)], slug="nord")
    published_zone(timisoara, [(["P2"], 2)])
    receipts = list(Ballot.objects.filter(municipality=botosani).values_list("receipt", flat=True))
    spec = dataset_spec("participation-ballots")
    assert spec is not None and len(spec.files) == 1

    content = spec.files[0].produce(botosani)

    assert spec.files[0].name == "ballots-pabulib.zip"
    assert content == spec.files[0].produce(botosani)  # same bytes: no new version
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = sorted(archive.namelist())
        texts = {name: archive.read(name).decode("utf-8") for name in names}
    assert names == sorted(
        [
            f"{zone.budget.process.slug}_centru.pb",
            f"{other.budget.process.slug}_nord.pb",
        ]
    )
    election = election_parse(texts[f"{zone.budget.process.slug}_centru.pb"])
    assert sorted(voter.voter_id for voter in election.voters) == [str(n) for n in range(1, 7)]
    assert election.voter_columns == ()
    assert election.meta["num_votes"] == "6"
    selected = equal_shares_select(approval_election_from_pabulib(election), completion="add1")
    assert list(selected.selected) == list(zone.result.selected)
    rows = rows_of("participation-ballots", botosani)
    ballots_of_file = {(voter.voter_id, ",".join(voter.vote)) for voter in election.voters}
    assert ballots_of_file == {
        (str(row["voter"]), row["vote"])
        for row in rows
        if row["process"] == zone.budget.process.slug
    }
    whole = "".join(texts.values())
    assert not any(receipt in whole for receipt in receipts)
    assert "autor.proiect" not in whole


# --- Proposals ------------------------------------------------------------------------------


def test_proposal_rows_without_authors(botosani: Municipality, timisoara: Municipality) -> None:
    author = UserFactory.create(email="maria.ionescu@example.org", full_name="Maria Ionescu")
    neighbourhood = ZoneFactory.create(
        municipality=botosani, name_ro="Cartierul Nord", name_en="North"
    )
    process = ProcessFactory.create(
        municipality=botosani, scope="zone", zone=neighbourhood, proposals_enabled=True
    )
    category = ProposalCategoryFactory.create(
        municipality=botosani, name_ro="Parcuri", name_en="Parks"
    )
    long_body = "Bănci noi în parc. " * 40 + f"Contact: {PLANTED_EMAIL}"
    visible = ProposalFactory.create(
        municipality=botosani,
        process=process,
        author=author,
        category=category,
        title="Bănci noi",
        body=long_body,
        latitude=47.7485,
        longitude=26.6694,
        support_count=7,
    )
    ProposalFactory.create(municipality=botosani, process=process, author=author, is_hidden=True)
    ProposalFactory.create(
        municipality=botosani,
        process=ProcessFactory.create(municipality=botosani, is_published=False),
    )
    ProposalFactory.create(municipality=timisoara, title="Propunere din Timișoara")

    rows = rows_of("participation-proposals", botosani)

    assert [row["id"] for row in rows] == [visible.pk]
    (row,) = rows
    assert row["title"] == "Bănci noi"
    assert (row["category"], row["category_name_ro"], row["category_name_en"]) == (
        category.slug,
        "Parcuri",
        "Parks",
    )
    assert (row["district"], row["district_name_en"]) == (neighbourhood.slug, "North")
    assert row["district_name_ro"] == "Cartierul Nord"
    assert row["process"] == process.slug
    assert row["supports"] == 7 and row["status"] == "published"
    assert row["created"] == timezone.localdate(visible.created_at)
    assert row["latitude"] == 47.7485 and row["longitude"] == 26.6694
    assert len(row["summary"]) <= datasets.SUMMARY_CHARACTERS + 1
    assert row["summary"].endswith("…") and PLANTED_EMAIL not in row["summary"]
    published = values_text(rows)
    assert "maria.ionescu" not in published and "Maria" not in published
    assert [r["title"] for r in rows_of("participation-proposals", timisoara)] == [
        "Propunere din Timișoara"
    ]
    spec = dataset_spec("participation-proposals")
    assert spec is not None
    assert spec.privacy.grid == ("latitude", "longitude") == spec.geometry
    assert {column.name for column in spec.columns if column.free_text} == {
        "title",
        "summary",
        "city_answer",
    }


def test_rows_do_not_depend_on_the_active_language(botosani: Municipality) -> None:
    survey = closed_survey(botosani)
    question = QuestionFactory.create(survey=survey, kind=QuestionKind.RANKING, has_other=True)
    first, second = options_add(question, ["safety", "price"])
    for _ in range(3):
        response = ResponseFactory.create(survey=survey)
        AnswerFactory.create(question=question, response=response, option=first, number=1)
        AnswerFactory.create(question=question, response=response, option=second, number=2)
    published_zone(botosani, BALLOTS)
    ProposalFactory.create(
        municipality=botosani, category=ProposalCategoryFactory.create(municipality=botosani)
    )
    spec = dataset_spec("participation-ballots")
    assert spec is not None
    for slug in ("participation-surveys", "participation-budgeting", "participation-proposals"):
        with translation.override("en"):
            in_english = rows_of(slug, botosani)
        with translation.override("ro"):
            in_romanian = rows_of(slug, botosani)
        assert in_english == in_romanian and in_english
    with translation.override("en"):
        in_english_file = spec.files[0].produce(botosani)
    with translation.override("ro"):
        assert spec.files[0].produce(botosani) == in_english_file


# --- Through the open-data engine -----------------------------------------------------------


def test_participation_datasets_regenerate_after_a_change_keeping_the_old_version(
    botosani: Municipality,
) -> None:
    import csv

    from digiplace.opendata.services import generate

    survey = closed_survey(botosani)
    single = QuestionFactory.create(survey=survey, position=1)
    tram, bus, both = options_add(single, ["tram", "bus", "both"])
    answer_times(single, tram, 5)
    answer_times(single, bus, 1)  # fewer than k = 3: hidden, with another count
    answer_times(single, both, 6)
    published_zone(botosani, BALLOTS)
    proposal = ProposalFactory.create(
        municipality=botosani,
        body=f"Scrieți la {PLANTED_EMAIL}",
        latitude=47.7485,
        longitude=26.6694,
    )

    versions = {}
    for spec in registered_datasets("participation"):
        version = generate.dataset_generate(botosani, spec)
        assert version is not None, spec.slug
        versions[spec.slug] = version
        assert generate.dataset_generate(botosani, spec) is None  # nothing changed

    surveys = versions["participation-surveys"]
    assert surveys.privacy_report["suppressed"] == {"primary": 1, "complementary": 1, "k": 3}
    table = list(
        csv.DictReader(
            io.StringIO(surveys.distributions.get(key="csv").file.read().decode("utf-8-sig"))
        )
    )
    counts = {row["option"]: row["count"] for row in table}
    assert counts == {"tram": "", "bus": "", "both": "6", "TOTAL": "12"}
    assert {row["share"] for row in table} == {""}
    ballots = versions["participation-ballots"]
    keys = {item.key for item in ballots.distributions.all()}
    assert "ballots-pabulib.zip" in keys and "csv" in keys
    assert ballots.privacy_report["k_anonymity"] == 6
    proposals = versions["participation-proposals"]
    assert proposals.privacy_report["masked"]["email"] == 1
    assert "geojson" in {item.key for item in proposals.distributions.all()}
    text = proposals.distributions.get(key="csv").file.read().decode("utf-8-sig")
    assert PLANTED_EMAIL not in text and "47.7485" not in text

    # A change in the module: a new version, the old one kept.
    ProposalFactory.create(
        municipality=botosani, process=proposal.process, title="A doua propunere"
    )
    proposals_spec = dataset_spec("participation-proposals")
    assert proposals_spec is not None
    second = generate.dataset_generate(botosani, proposals_spec)
    assert second is not None and second.number == proposals.number + 1
    assert second.row_count == 2
    assert second.dataset.versions.filter(number=proposals.number).exists()
    AnswerFactory.create(question=single, option=both)
    surveys_spec = dataset_spec("participation-surveys")
    assert surveys_spec is not None
    again = generate.dataset_generate(botosani, surveys_spec)
    assert again is not None and again.number == surveys.number + 1
    assert again.dataset.versions.count() == 2
