"""The survey pages: answering (drafts, sending, errors), results and their visibility,
the CSV and XLSX downloads read back, another city's survey."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from digiplace.core.cache_versions import code_version
from digiplace.core.models import Municipality, StaffMembership, User
from digiplace.core.tests.factories import UserFactory
from digiplace.participation.models import Answer, Question, Response, ResultsVisibility, Survey
from digiplace.participation.services.surveys import OTHER, AnswerValue, response_submit

from .factories_surveys import EveryKind, survey_of_every_kind

pytestmark = pytest.mark.django_db
BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"


def english_client(host: str = BOTOSANI) -> Client:
    client = Client(HTTP_HOST=host)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def client() -> Client:
    return english_client()


@pytest.fixture
def every(botosani: Municipality) -> EveryKind:
    return survey_of_every_kind(municipality=botosani, results_visibility=ResultsVisibility.LIVE)


def english(question: Question) -> str:
    """The question's English text (a modeltranslation field mypy cannot see)."""
    return str(vars(question)["text_en"])


def url(survey: Survey, suffix: str = "") -> str:
    return f"/participation/surveys/{survey.slug}/{suffix}"


def form_data(every: EveryKind, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        f"q{every.single.pk}": "bus",
        f"q{every.multiple.pk}": ["price", OTHER],
        f"q{every.multiple.pk}_other": "Curățenia",
        f"q{every.short.pk}": "Mai multe linii",
        f"q{every.long.pk}": "",
        f"q{every.scale.pk}": "4",
        f"q{every.ranking.pk}_safety": "2",
        f"q{every.ranking.pk}_frequency": "1",
        f"q{every.ranking.pk}_price": "",
        f"q{every.matrix.pk}_day": "3",
        f"q{every.matrix.pk}_night": "1",
        "action": "send",
    }
    data.update(changes)
    return data


def test_a_visitor_sees_the_questions_and_is_asked_to_sign_in(
    client: Client, every: EveryKind
) -> None:
    page = client.get(url(every.survey))
    html = page.content.decode()
    assert page.status_code == 200
    assert english(every.single) in html
    assert "to answer this survey" in html
    assert '<form method="post" class="survey-form"' not in html
    assert client.post(url(every.survey), form_data(every)).status_code == 302
    assert not Response.objects.exists()


def test_a_resident_sends_a_response_and_sees_the_confirmation(
    client: Client, every: EveryKind, resident: User
) -> None:
    client.force_login(resident)
    page = client.get(url(every.survey))
    html = page.content.decode()
    assert 'name="action" value="send"' in html
    # Without script every question shows, the conditional one with its note.
    assert f'id="q{every.why.pk}-question" data-shown-if="{every.single.pk}"' in html
    assert "Answer only if you chose “Tram” in question 1." in html

    sent = client.post(url(every.survey), form_data(every), follow=True)
    assert sent.status_code == 200
    html = sent.content.decode()
    assert "Thank you! Your response was sent." in html
    assert "Thank you for answering" in html
    response = Response.objects.get()
    assert response.user == resident and response.submitted_at is not None
    assert Answer.objects.filter(response=response).count() == 9

    again = client.post(url(every.survey), form_data(every))
    assert again.status_code == 400
    assert "You have already answered this survey." in again.content.decode()
    assert Response.objects.count() == 1


def test_bad_answers_come_back_with_their_messages_and_write_nothing(
    client: Client, every: EveryKind, resident: User
) -> None:
    client.force_login(resident)
    page = client.post(
        url(every.survey),
        form_data(every, **{f"q{every.scale.pk}": "", f"q{every.short.pk}": "x" * 501}),
    )
    html = page.content.decode()
    assert page.status_code == 400
    assert (
        f'<a href="#q{every.scale.pk}-question">Question 6: This question needs an answer.' in html
    )
    assert "This answer has 501 characters; at most 500 are allowed." in html
    # What the person typed is kept in the form.
    assert 'value="Curățenia"' in html
    assert not Response.objects.exists()


def test_a_draft_is_saved_and_resumed(client: Client, every: EveryKind, resident: User) -> None:
    client.force_login(resident)
    saved = client.post(
        url(every.survey),
        {f"q{every.short.pk}": "Prima idee", f"q{every.ranking.pk}_price": "1", "action": "draft"},
        follow=True,
    )
    html = saved.content.decode()
    assert "Your draft is saved." in html
    assert 'value="Prima idee"' in html
    assert '<option value="1" selected>' in html
    response = Response.objects.get()
    assert response.submitted_at is None


def test_an_anonymous_response_keeps_no_account(
    client: Client, every: EveryKind, resident: User
) -> None:
    client.force_login(resident)
    client.post(url(every.survey), form_data(every, is_anonymous="on"))
    response = Response.objects.get()
    assert response.user is None and response.is_anonymous
    # The page still knows it was sent (its key is the account's), and refuses another.
    assert "Thank you for answering" in client.get(url(every.survey)).content.decode()
    assert client.post(url(every.survey), form_data(every)).status_code == 400
    assert Response.objects.count() == 1


def test_sending_is_rate_limited(client: Client, every: EveryKind, resident: User) -> None:
    from digiplace.participation.views.surveys import SURVEY_SAVE_PER_ACCOUNT

    client.force_login(resident)
    for _ in range(SURVEY_SAVE_PER_ACCOUNT.limit):
        client.post(url(every.survey), {"action": "draft"})
    refused = client.post(url(every.survey), form_data(every))
    assert refused.status_code == 429
    assert Response.objects.filter(submitted_at__isnull=False).count() == 0


def test_a_closed_survey_shows_no_form(
    client: Client, botosani: Municipality, resident: User
) -> None:
    now = timezone.now()
    every = survey_of_every_kind(
        municipality=botosani,
        opens_at=now - datetime.timedelta(days=9),
        closes_at=now - datetime.timedelta(days=1),
    )
    client.force_login(resident)
    html = client.get(url(every.survey)).content.decode()
    assert "This survey is closed; answers are no longer taken." in html
    assert 'value="send"' not in html
    refused = client.post(url(every.survey), form_data(every))
    assert refused.status_code == 400
    assert not Response.objects.exists()


def test_another_citys_survey_and_an_unpublished_one_are_not_found(
    client: Client, botosani: Municipality, timisoara: Municipality, resident: User
) -> None:
    theirs = survey_of_every_kind(municipality=timisoara, results_visibility="live")
    hidden = survey_of_every_kind(municipality=botosani, is_published=False)
    client.force_login(resident)
    for survey in (theirs.survey, hidden.survey):
        for suffix in ("", "results/", "results.csv", "results.xlsx"):
            assert client.get(url(survey, suffix)).status_code == 404
    assert client.post(url(theirs.survey), form_data(theirs)).status_code == 404
    assert not Response.objects.exists()
    assert english_client(TIMISOARA).get(url(theirs.survey)).status_code == 200


def test_the_survey_list_groups_the_citys_published_surveys(
    botosani: Municipality, timisoara: Municipality
) -> None:
    now = timezone.now()
    open_one = survey_of_every_kind(municipality=botosani, results_visibility="live").survey
    closed = survey_of_every_kind(municipality=botosani).survey
    Survey.objects.filter(pk=closed.pk).update(
        opens_at=now - datetime.timedelta(days=20), closes_at=now - datetime.timedelta(days=10)
    )
    hidden = survey_of_every_kind(municipality=botosani, is_published=False).survey
    theirs = survey_of_every_kind(municipality=timisoara).survey

    page = english_client().get("/participation/surveys/")

    assert page.status_code == 200
    groups = {key: [s.pk for s, _public in items] for key, _title, items in page.context["groups"]}
    assert groups == {"open": [open_one.pk], "upcoming": [], "closed": [closed.pk]}
    html = page.content.decode()
    assert url(open_one) in html and url(open_one, "results/") in html  # live results
    assert url(closed) in html and url(closed, "results/") in html  # public after close
    assert url(hidden) not in html and url(theirs) not in html
    assert "Coming soon" in html and "None at the moment." in html


# Results


def respond(every: EveryKind, *answers: dict[int, AnswerValue]) -> None:
    for given in answers:
        response_submit(survey=every.survey, user=UserFactory.create(), answers=given)


def full(every: EveryKind, **overrides: AnswerValue) -> dict[int, AnswerValue]:
    answers = {
        every.single.pk: AnswerValue(choices=("bus",)),
        every.scale.pk: AnswerValue(value="4"),
    }
    for name, value in overrides.items():
        answers[getattr(every, name).pk] = value
    return answers


@pytest.fixture
def answered(every: EveryKind) -> EveryKind:
    respond(
        every,
        full(
            every,
            single=AnswerValue(choices=("tram",)),
            why=AnswerValue(text="Tramvaiul e istoria orașului"),
            multiple=AnswerValue(choices=("price", "speed")),
            ranking=AnswerValue(values={"safety": "1", "frequency": "2", "price": "3"}),
            matrix=AnswerValue(values={"day": "4", "night": "2"}),
            short=AnswerValue(text='=HYPERLINK("x")'),
        ),
        full(
            every,
            scale=AnswerValue(value="2"),
            multiple=AnswerValue(choices=("price", OTHER), other_text="Wi-Fi"),
            ranking=AnswerValue(values={"frequency": "1"}),
            matrix=AnswerValue(values={"day": "3"}),
        ),
        full(
            every,
            single=AnswerValue(choices=(OTHER,), other_text="Metrou"),
            scale=AnswerValue(value="5"),
        ),
    )
    # A draft counts nowhere.
    from digiplace.participation.services.surveys import response_draft_save

    response_draft_save(
        survey=every.survey,
        user=UserFactory.create(),
        answers={
            every.single.pk: AnswerValue(choices=("tram",)),
            every.scale.pk: AnswerValue(value="1"),
        },
    )
    return every


def test_results_are_counted_from_sent_responses_only(client: Client, answered: EveryKind) -> None:
    from digiplace.participation.selectors.surveys import survey_results

    results = survey_results(survey=answered.survey)
    assert results.responses == 3
    by_id = {item.question_id: item for item in results.questions}
    single = by_id[answered.single.pk]
    assert single.answered == 3
    assert [(share.label, share.count, share.percent) for share in single.options] == [
        ("Tram", 1, 33.3),
        ("Bus", 1, 33.3),
        ("Both", 0, 0.0),
    ]
    assert single.other is not None and single.other.count == 1
    multiple = by_id[answered.multiple.pk]
    assert multiple.answered == 2
    assert [(share.count, share.percent) for share in multiple.options] == [
        (2, 100.0),
        (1, 50.0),
        (0, 0.0),
        (0, 0.0),
    ]
    assert multiple.other is not None and multiple.other.count == 1
    scale = by_id[answered.scale.pk]
    assert [share.count for share in scale.distribution] == [0, 1, 0, 1, 1]
    assert scale.mean == round((4 + 2 + 5) / 3, 2)
    ranking = {row.label: row for row in by_id[answered.ranking.pk].ranking}
    assert ranking["Frequency"].first_places == 1
    assert ranking["Frequency"].average_rank == 1.5
    assert ranking["Frequency"].score == 2 + 3
    assert ranking["Safety"].score == 3
    assert ranking["Price"].score == 1
    assert [row.label for row in by_id[answered.ranking.pk].ranking] == [
        "Frequency",
        "Safety",
        "Price",
    ]
    matrix = {row.label: row for row in by_id[answered.matrix.pk].matrix}
    assert [share.count for share in matrix["Day"].distribution] == [0, 0, 1, 1]
    assert matrix["Day"].mean == 3.5
    assert matrix["Night"].answered == 1 and matrix["Night"].mean == 2.0
    assert by_id[answered.why.pk].answered == 1

    page = client.get(url(answered.survey, "results/"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "3 responses sent." in html
    assert f'id="survey-chart-{answered.single.pk}"' in html
    assert '<td class="number">33.3 %</td>' in html


def test_results_are_cached_until_the_next_write(
    answered: EveryKind, django_assert_num_queries: Any
) -> None:
    from digiplace.participation.selectors.surveys import survey_results

    survey_results(survey=answered.survey)
    with CaptureQueriesContext(connection) as queries:
        survey_results(survey=answered.survey)
    # Only the cache (a database table in tests) is read.
    assert all("participation_" not in query["sql"] for query in queries.captured_queries)
    respond(answered, full(answered))
    assert survey_results(survey=answered.survey).responses == 4


def test_themes_of_open_answers_are_counted(client: Client, answered: EveryKind) -> None:
    from digiplace.participation.models import Theme
    from digiplace.participation.selectors.surveys import survey_results

    theme = Theme.objects.create(
        municipality=answered.survey.municipality,
        question=answered.why,
        label="Istorie",
        terms=["istorie"],
    )
    Answer.objects.filter(question=answered.why).update(theme=theme)
    item = next(
        q
        for q in survey_results(survey=answered.survey).questions
        if q.question_id == answered.why.pk
    )
    assert [(t.label, t.count, t.examples) for t in item.themes] == [
        ("Istorie", 1, ["Tramvaiul e istoria orașului"])
    ]
    assert item.unthemed is None
    assert "Istorie" in client.get(url(answered.survey, "results/")).content.decode()


def expected_rows(every: EveryKind) -> list[list[str]]:
    """The answers created in ``answered``, as the export must give them (in order sent)."""
    blank_multiple = ["", "", "", "", "", ""]
    return [
        # respondent, single, single other text, why, multiple x4, other, other text,
        # short, long, scale, ranking x3, matrix x2
        [
            "1",
            "Tram",
            "",
            "Tramvaiul e istoria orașului",
            "1",
            "1",
            "0",
            "0",
            "0",
            "",
            '\'=HYPERLINK("x")',
            "",
            "4",
            "1",
            "2",
            "3",
            "4",
            "2",
        ],
        ["2", "Bus", "", "", "1", "0", "0", "0", "1", "Wi-Fi", "", "", "2", "", "1", "", "3", ""],
        ["3", "Other", "Metrou", "", *blank_multiple, "", "", "5", "", "", "", "", ""],
    ]


def test_the_csv_download_reads_back_as_the_answers(client: Client, answered: EveryKind) -> None:
    download = client.get(url(answered.survey, "results.csv"))
    assert download.status_code == 200
    body = download.getvalue().decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    header, *data = rows
    assert header[0] == "Respondent"
    assert header[1] == f"1. {english(answered.single)}"
    assert header[4] == f"3. {english(answered.multiple)} [Price]"
    assert data == expected_rows(answered)
    assert "resident" not in body and "@" not in body


def test_the_xlsx_download_reads_back_as_the_answers(client: Client, answered: EveryKind) -> None:
    download = client.get(url(answered.survey, "results.xlsx"))
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(download.content), read_only=True).active
    rows = [
        ["" if cell is None else str(cell) for cell in row]
        for row in sheet.iter_rows(values_only=True)
    ]
    # Trailing empty cells are not written.
    width = len(rows[0])
    rows = [row + [""] * (width - len(row)) for row in rows]
    assert rows[0][0] == "Respondent"
    assert rows[1:] == expected_rows(answered)


@pytest.mark.parametrize(
    ("visibility", "closed", "public"),
    [
        (ResultsVisibility.LIVE, False, True),
        (ResultsVisibility.AFTER_CLOSE, False, False),
        (ResultsVisibility.AFTER_CLOSE, True, True),
        (ResultsVisibility.STAFF, True, False),
    ],
)
def test_results_visibility(
    botosani: Municipality,
    botosani_staff: StaffMembership,
    botosani_admin: StaffMembership,
    visibility: str,
    closed: bool,
    public: bool,
) -> None:
    now = timezone.now()
    dates = (
        {
            "opens_at": now - datetime.timedelta(days=9),
            "closes_at": now - datetime.timedelta(days=1),
        }
        if closed
        else {}
    )
    every = survey_of_every_kind(municipality=botosani, results_visibility=visibility, **dates)
    visitor = english_client()
    staff = english_client()
    staff.force_login(botosani_admin.user)
    # Staff without the participation module count as the public.
    other_module = english_client()
    other_module.force_login(botosani_staff.user)
    for suffix in ("results/", "results.csv", "results.xlsx"):
        assert visitor.get(url(every.survey, suffix)).status_code == (200 if public else 404)
        assert other_module.get(url(every.survey, suffix)).status_code == (200 if public else 404)
        assert staff.get(url(every.survey, suffix)).status_code == 200
    link = "See the results" in visitor.get(url(every.survey)).content.decode()
    assert link is public


def test_slow_results_are_counted_again_at_most_once_a_while(answered: EveryKind) -> None:
    """A survey whose counting took seconds keeps its last results for a while after a
    write; a fast one is counted again at once."""
    import time

    from digiplace.participation.selectors import surveys as selectors

    first = selectors.survey_results(survey=answered.survey)
    assert first.responses == 3
    # Make the last count look slow (2 s): 40 s of grace.
    latest_key = next(
        key
        for key in _cache_keys()
        if key.startswith(f"participation:survey-results-latest:{answered.survey.pk}:")
    )
    now = time.time()
    cache.set(latest_key, selectors._Latest(computed_at=now, duration=2.0, results=first))
    respond(answered, full(answered))
    assert selectors.survey_results(survey=answered.survey, now=now + 30).responses == 3
    assert selectors.survey_results(survey=answered.survey, now=now + 41).responses == 4


def _cache_keys() -> list[str]:
    """The keys of the results cache entries (tests use the database cache)."""
    survey_keys = []
    for language in ("en", "ro"):
        for pk in Survey.objects.values_list("pk", flat=True):
            key = f"participation:survey-results-latest:{pk}:{language}:"
            survey_keys.append(key + code_version())
    return [key for key in survey_keys if cache.get(key) is not None]
