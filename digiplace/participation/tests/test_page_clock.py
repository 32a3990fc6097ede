"""Cached participation pages follow the clock: a survey page held while the survey was
open says "closed" once it closes, though nothing was written (``page_clock``)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from digiplace.participation.page_clock import clock_moments, page_clock
from digiplace.participation.tests.factories import ProcessFactory
from digiplace.participation.tests.factories_budgeting import BudgetFactory
from digiplace.participation.tests.factories_surveys import SurveyFactory


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime.datetime]:
    """The time every ``timezone.now()`` reads; the test moves it forward."""
    moments = [timezone.now()]
    monkeypatch.setattr(timezone, "now", lambda: moments[0])
    return moments


def test_a_cached_survey_page_closes_on_time_without_a_write(botosani, clock) -> None:
    survey = SurveyFactory.create(
        municipality=botosani,
        opens_at=clock[0] - datetime.timedelta(days=1),
        closes_at=clock[0] + datetime.timedelta(minutes=5),
    )
    visitor = Client(HTTP_HOST="botosani.localhost", HTTP_COOKIE="digiplace_language=en")
    path = f"/participation/surveys/{survey.slug}/"

    first, second = visitor.get(path), visitor.get(path)
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert "Answers are taken until" in second.content.decode()

    clock[0] += datetime.timedelta(minutes=6)  # past closes_at, same day, no write
    third = visitor.get(path)

    assert third["X-Cache"] == "miss"
    page = third.content.decode()
    assert "This survey is closed" in page and "Answers are taken until" not in page
    assert visitor.get(path)["X-Cache"] == "hit"


def test_the_clock_names_the_latest_moment_passed(botosani, timisoara) -> None:
    now = timezone.now()
    hour = datetime.timedelta(hours=1)
    survey = SurveyFactory.create(municipality=botosani, opens_at=now - hour, closes_at=now + hour)
    SurveyFactory.create(municipality=botosani, is_published=False, opens_at=now - 3 * hour)
    budget = BudgetFactory.create(municipality=botosani)
    ProcessFactory.create(
        municipality=botosani,
        proposals_enabled=True,
        proposals_open_from=now - 2 * hour,
        proposals_open_until=now + 2 * hour,
    )
    SurveyFactory.create(municipality=timisoara, opens_at=now - hour / 2)

    moments = clock_moments(municipality=botosani)
    expected = {
        survey.opens_at,
        survey.closes_at,
        budget.submission_opens_at,
        budget.submission_closes_at,
        budget.voting_opens_at,
        budget.voting_closes_at,
        now - 2 * hour,
        now + 2 * hour,
    }
    assert moments == sorted(moment.timestamp() for moment in expected)
    passed = max(moment for moment in expected if moment <= now)
    assert page_clock(botosani, "v1", now) == passed
    assert page_clock(botosani, "v1", min(expected) - hour) is None
