"""The module's index and a process's page: the list and its filters, phases with the
current one marked, what a person can do now following the components' real dates, the
linked plan project, and another city's or an unpublished process never shown."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from digiplace.core.models import Municipality
from digiplace.participation.models import ProcessScope
from digiplace.participation.selectors import processes as selectors
from digiplace.participation.tests.factories import PhaseFactory, ProcessFactory, ZoneFactory
from digiplace.participation.tests.factories_budgeting import BudgetFactory
from digiplace.participation.tests.factories_meetings import MeetingFactory
from digiplace.participation.tests.factories_surveys import SurveyFactory
from digiplace.plans.tests.factories import PlanFactory, ProjectFactory

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"
INDEX = "/participation/"

pytestmark = pytest.mark.django_db


def _client(host: str = BOTOSANI, language: str = "en") -> Client:
    client = Client(HTTP_HOST=host)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _days(number: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=number)


def _moment(days: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


def _page(path: str, host: str = BOTOSANI) -> str:
    response = _client(host).get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def _section(html: str, heading_id: str) -> str:
    """The text of the section whose heading has ``heading_id``."""
    start = html.index(f'id="{heading_id}"')
    end = html.find("</section>", start)
    return html[start:end]


def _process_path(slug: str) -> str:
    return reverse("participation:process_detail", kwargs={"slug": slug})


def test_index_lists_published_processes_of_the_city_only(
    botosani: Municipality, timisoara: Municipality
) -> None:
    ProcessFactory.create(municipality=botosani, title_en="Tramway consultation")
    ProcessFactory.create(municipality=botosani, title_en="Draft process", is_published=False)
    ProcessFactory.create(municipality=timisoara, title_en="DECIDEM")

    html = _section(_page(INDEX), "processes-heading")

    assert "Tramway consultation" in html
    assert "Draft process" not in html
    assert "DECIDEM" not in html
    assert "1 process" in html


def test_index_filters_by_state_and_scope(botosani: Municipality) -> None:
    zone = ZoneFactory.create(municipality=botosani, slug="centru", name_en="Centre")
    running = ProcessFactory.create(municipality=botosani, title_en="Running now")
    PhaseFactory.create(process=running, starts_on=_days(-3), ends_on=_days(3))
    coming = ProcessFactory.create(
        municipality=botosani, title_en="Coming later", scope=ProcessScope.ZONE, zone=zone
    )
    PhaseFactory.create(process=coming, starts_on=_days(10), ends_on=_days(20))
    over = ProcessFactory.create(municipality=botosani, title_en="All over")
    PhaseFactory.create(process=over, starts_on=_days(-30), ends_on=_days(-10))
    ProcessFactory.create(municipality=botosani, title_en="No phases yet")

    def titles(query: str) -> set[str]:
        html = _section(_page(f"{INDEX}?{query}"), "processes-heading")
        found = re.findall(r'<h3><a href="[^"]+">([^<]+)</a></h3>', html)
        return set(found)

    assert titles("state=open") == {"Running now", "No phases yet"}
    assert titles("state=upcoming") == {"Coming later"}
    assert titles("state=finished") == {"All over"}
    assert titles("scope=centru") == {"Coming later"}
    assert titles("scope=city") == {"Running now", "All over", "No phases yet"}
    assert titles("state=upcoming&scope=city") == set()


def test_a_bad_filter_is_explained_and_the_list_stays_whole(botosani: Municipality) -> None:
    ProcessFactory.create(municipality=botosani, title_en="Tramway consultation")

    response = _client().get(f"{INDEX}?state=yesterday&scope=atlantis")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose under way, coming soon or finished." in html
    assert "Choose the whole city or one of its districts." in html
    assert "Tramway consultation" in html


def test_process_page_marks_the_current_phase(botosani: Municipality) -> None:
    process = ProcessFactory.create(municipality=botosani, slug="tramvai")
    PhaseFactory.create(
        process=process,
        title_en="Information",
        position=0,
        starts_on=_days(-20),
        ends_on=_days(-11),
    )
    PhaseFactory.create(
        process=process, title_en="Consultation", position=1, starts_on=_days(-10), ends_on=_days(5)
    )
    PhaseFactory.create(
        process=process, title_en="Report", position=2, starts_on=_days(6), ends_on=_days(30)
    )

    html = _section(_page(_process_path("tramvai")), "phases-heading")

    phases = re.findall(
        r'<li class="timeline__phase timeline__phase--(\w+)"([^>]*)>\s*<h3>(\w+)', html
    )
    assert [(state, title) for state, _attrs, title in phases] == [
        ("finished", "Information"),
        ("open", "Consultation"),
        ("upcoming", "Report"),
    ]
    assert [title for _state, attrs, title in phases if 'aria-current="step"' in attrs] == [
        "Consultation"
    ]
    assert "Now: Consultation" in _page(_process_path("tramvai"))


def test_process_page_in_romanian(botosani: Municipality) -> None:
    process = ProcessFactory.create(
        municipality=botosani, slug="tramvai", title_ro="Consultare tramvai", title_en="Tramway"
    )
    PhaseFactory.create(process=process, title_ro="Consultare", title_en="Consultation")

    response = _client(language="ro").get(_process_path("tramvai"))

    html = response.content.decode()
    assert "Consultare tramvai" in html
    assert "Ce puteți face acum" in html or "What you can do now" in html


@pytest.mark.parametrize("case", ["other_city", "unpublished", "unknown"])
def test_process_page_is_404_outside_the_city_or_unpublished(
    botosani: Municipality, timisoara: Municipality, case: str
) -> None:
    if case == "other_city":
        ProcessFactory.create(municipality=timisoara, slug="decidem")
    elif case == "unpublished":
        ProcessFactory.create(municipality=botosani, slug="decidem", is_published=False)

    assert _client().get(_process_path("decidem")).status_code == 404


def test_what_you_can_do_now_follows_the_components_dates(botosani: Municipality) -> None:
    process = ProcessFactory.create(
        municipality=botosani,
        slug="buget",
        proposals_enabled=True,
        proposals_open_from=_moment(-2),
        proposals_open_until=_moment(5),
    )
    SurveyFactory.create(process=process, slug="open-survey", title_en="Open survey")
    SurveyFactory.create(
        process=process,
        slug="closed-survey",
        title_en="Closed survey",
        opens_at=_moment(-20),
        closes_at=_moment(-10),
    )
    SurveyFactory.create(
        process=process,
        slug="later-survey",
        title_en="Later survey",
        opens_at=_moment(3),
        closes_at=_moment(10),
    )
    SurveyFactory.create(
        process=process, slug="hidden-survey", title_en="Hidden survey", is_published=False
    )
    budget = BudgetFactory.create(municipality=botosani, process=process, title_en="Budget 2026")
    MeetingFactory.create(
        municipality=botosani, process=process, title_en="Neighbourhood forum", slug="forum"
    )
    MeetingFactory.create(
        municipality=botosani,
        process=process,
        title_en="Past meeting",
        starts_at=_moment(-3),
        ends_at=_moment(-2.9),
    )
    MeetingFactory.create(
        municipality=botosani, process=process, title_en="Cancelled meeting", is_cancelled=True
    )

    html = _section(_page(_process_path("buget")), "now-heading")

    assert "Open survey" in html
    assert reverse("participation:survey_detail", kwargs={"slug": "open-survey"}) in html
    assert "Closed survey" not in html
    assert "Hidden survey" not in html
    assert "The survey “Later survey” opens on" in html
    assert "Send your proposal" in html
    assert f"{reverse('participation:proposal_new')}?process={process.pk}" in html
    assert "Budget 2026" in html
    assert "Vote for projects" in html
    assert reverse("participation:vote_start", kwargs={"budget_id": budget.pk}) in html
    assert "Submit a project" not in html  # submission closed a week ago
    assert "Neighbourhood forum" in html
    assert reverse("participation:meeting_detail", kwargs={"slug": "forum"}) in html
    assert "Past meeting" not in html
    assert "Cancelled meeting" not in html
    assert reverse("participation:meeting_process_ical", kwargs={"slug": "buget"}) in html


def test_nothing_open_says_so(botosani: Municipality) -> None:
    process = ProcessFactory.create(
        municipality=botosani,
        slug="gata",
        proposals_enabled=True,
        proposals_open_from=_moment(-20),
        proposals_open_until=_moment(-10),
    )
    SurveyFactory.create(process=process, opens_at=_moment(-20), closes_at=_moment(-10))

    html = _section(_page(_process_path("gata")), "now-heading")

    assert "Nothing is open in this process right now." in html
    assert "Send your proposal" not in html


def test_index_shows_what_is_open_across_the_city(
    botosani: Municipality, timisoara: Municipality
) -> None:
    process = ProcessFactory.create(municipality=botosani)
    hidden = ProcessFactory.create(municipality=botosani, is_published=False)
    SurveyFactory.create(process=process, title_en="Transport survey")
    SurveyFactory.create(process=hidden, title_en="Survey of a hidden process")
    SurveyFactory.create(
        process=ProcessFactory.create(municipality=timisoara), title_en="DESI survey"
    )
    MeetingFactory.create(municipality=botosani, title_en="Public forum")  # no process

    html = _section(_page(INDEX), "now-heading")

    assert "Transport survey" in html
    assert "Public forum" in html
    assert "Survey of a hidden process" not in html
    assert "DESI survey" not in html
    assert reverse("participation:organisation_list") in html


def test_process_page_links_the_plan_project(botosani: Municipality) -> None:
    plan = PlanFactory.create(municipality=botosani, key="digital")
    ProjectFactory.create(municipality=botosani, plan=plan, key="P7", title_en="Digital twin")
    ProcessFactory.create(
        municipality=botosani, slug="twin", plan_project_ref="plans.project:digital/P7"
    )
    ProcessFactory.create(
        municipality=botosani, slug="gone", plan_project_ref="plans.project:digital/P99"
    )

    html = _page(_process_path("twin"))
    assert 'href="/plans/digital/projects/P7/">Digital twin</a>' in html
    # A project no longer in the plan: no link, no error.
    assert "This process serves a project" not in _page(_process_path("gone"))


def test_process_state_without_phases_is_open() -> None:
    today = timezone.localdate()
    assert selectors.process_state(first_day=None, last_day=None, today=today) == "open"
    assert selectors.process_state(first_day=today, last_day=today, today=today) == "open"


def test_a_budget_taking_projects_then_with_results(botosani: Municipality) -> None:
    process = ProcessFactory.create(municipality=botosani, slug="buget")
    budget = BudgetFactory.create(
        municipality=botosani, process=process, title_en="Budget 2027", submission=True
    )
    detail = reverse("participation:budget_detail", kwargs={"pk": budget.pk})

    html = _section(_page(_process_path("buget")), "now-heading")
    assert "Submit a project" in html
    assert detail in html
    assert "Vote for projects" not in html

    budget.submission_opens_at = _moment(-60)
    budget.submission_closes_at = _moment(-40)
    budget.voting_opens_at = _moment(-30)
    budget.voting_closes_at = _moment(-1)
    budget.results_published_at = _moment(-0.5)
    budget.save()
    html = _section(_page(_process_path("buget")), "now-heading")
    assert "Submit a project" not in html
    assert "Vote for projects" not in html
    assert f'<a href="{detail}">Results of Budget 2027</a>' in html
