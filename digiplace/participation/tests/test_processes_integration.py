"""The participation module in the platform: its entry in the navigation and the back
office, its sitemap sections, its places on the home map, the personal data it exports and
erases, and the backlinks that a plan project's and a working group's pages show."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ElementTree
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from digiplace.core import links, modules, personal_data
from digiplace.core.models import Municipality, User
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.participation import map_places
from digiplace.participation.models import (
    Ballot,
    ForumQuestion,
    Organisation,
    OrganisationLinkKind,
    OrganisationStatus,
    Proposal,
    ProposalComment,
    ProposalSupport,
    Registration,
    RegistrationStatus,
    Response,
)
from digiplace.participation.tests.factories import ProcessFactory
from digiplace.participation.tests.factories_budgeting import BudgetFactory, BudgetZoneFactory
from digiplace.participation.tests.factories_meetings import (
    ForumQuestionFactory,
    MeetingFactory,
    RegistrationFactory,
)
from digiplace.participation.tests.factories_organisations import (
    OrganisationFactory,
    OrganisationLinkFactory,
)
from digiplace.participation.tests.factories_proposals import (
    ProposalCommentFactory,
    ProposalFactory,
    ProposalSupportFactory,
)
from digiplace.participation.tests.factories_surveys import ResponseFactory, SurveyFactory
from digiplace.plans.tests.factories import (
    GovernanceBodyFactory,
    PillarFactory,
    PlanFactory,
    ProjectFactory,
    WorkingGroupFactory,
)

BOTOSANI = "botosani.localhost"
NAMESPACE = {"sitemap": "http://www.sitemaps.org/schemas/sitemap/0.9"}

pytestmark = pytest.mark.django_db


def _client(user: User | None = None) -> Client:
    client = Client(HTTP_HOST=BOTOSANI)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


def _in_days(days: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


# --- The module in the platform -------------------------------------------------------------


def test_module_is_registered_with_its_pages() -> None:
    spec = next(spec for spec in modules.all_modules() if spec.code == "participation")

    assert spec.public_url_name == "participation:index"
    assert spec.backoffice_url_name == "participation_backoffice:index"
    assert spec.page_depends_on == ("plans",)
    plans = next(spec for spec in modules.all_modules() if spec.code == "plans")
    assert "participation" in plans.page_depends_on


def test_navigation_and_back_office_dashboard_show_participation(
    botosani: Municipality,
) -> None:
    staff = StaffMembershipFactory.create(municipality=botosani, modules=["participation"])

    home = _client().get("/").content.decode()
    assert f'<a href="{reverse("participation:index")}">Participation</a>' in home
    dashboard = _client(staff.user).get(reverse("backoffice:dashboard")).content.decode()
    assert f'href="{reverse("participation_backoffice:index")}"' in dashboard


# --- Sitemap --------------------------------------------------------------------------------


def _locations(client: Client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, path
    root = ElementTree.fromstring(response.content)  # noqa: S314 (our own server's answer)
    return [
        (element.text or "").removeprefix(f"http://{BOTOSANI}")
        for element in root.findall("*/sitemap:loc", NAMESPACE)
    ]


def test_sitemap_lists_public_participation_pages_only(
    botosani: Municipality, timisoara: Municipality
) -> None:
    process = ProcessFactory.create(municipality=botosani, slug="tramvai")
    hidden_process = ProcessFactory.create(municipality=botosani, slug="ciorna", is_published=False)
    ProcessFactory.create(municipality=timisoara, slug="decidem")
    SurveyFactory.create(process=process, slug="transport")
    SurveyFactory.create(process=process, slug="draft-survey", is_published=False)
    shown = ProposalFactory.create(municipality=botosani, process=process)
    hidden = ProposalFactory.create(municipality=botosani, process=process, is_hidden=True)
    in_hidden_process = ProposalFactory.create(municipality=botosani, process=hidden_process)
    MeetingFactory.create(municipality=botosani, slug="forum")
    MeetingFactory.create(municipality=botosani, slug="draft-meeting", is_published=False)
    verified = OrganisationFactory.create(municipality=botosani)
    pending = OrganisationFactory.create(municipality=botosani, status=OrganisationStatus.PENDING)
    budget = BudgetFactory.create(municipality=botosani, process=process)
    client = _client()

    sections = _locations(client, "/sitemap.xml")
    pages = [page for section in sections for page in _locations(client, section)]

    assert "/sitemap-participation.xml" in sections
    expected = {
        "/participation/",
        "/participation/processes/tramvai/",
        reverse("participation:survey_detail", kwargs={"slug": "transport"}),
        reverse("participation:proposal_detail", kwargs={"pk": shown.pk}),
        reverse("participation:meeting_detail", kwargs={"slug": "forum"}),
        reverse("participation:organisation_detail", kwargs={"pk": verified.pk}),
        reverse("participation:budget_detail", kwargs={"pk": budget.pk}),
        reverse("participation:proposal_list"),
        reverse("participation:meeting_list"),
        reverse("participation:organisation_list"),
    }
    assert expected <= set(pages)
    refused = {
        "/participation/processes/ciorna/",
        "/participation/processes/decidem/",
        reverse("participation:survey_detail", kwargs={"slug": "draft-survey"}),
        reverse("participation:proposal_detail", kwargs={"pk": hidden.pk}),
        reverse("participation:proposal_detail", kwargs={"pk": in_hidden_process.pk}),
        reverse("participation:meeting_detail", kwargs={"slug": "draft-meeting"}),
        reverse("participation:organisation_detail", kwargs={"pk": pending.pk}),
    }
    assert not refused & set(pages)
    assert len(pages) == len(set(pages))
    for page in expected:
        assert client.get(page).status_code == 200, page


# --- Home map -------------------------------------------------------------------------------


def test_home_map_shows_upcoming_located_meetings_and_public_proposals(
    botosani: Municipality, timisoara: Municipality
) -> None:
    process = ProcessFactory.create(municipality=botosani)
    MeetingFactory.create(
        municipality=botosani, title_en="Forum", latitude=47.74, longitude=26.66, slug="forum"
    )
    MeetingFactory.create(municipality=botosani, title_en="Nowhere", latitude=None, longitude=None)
    MeetingFactory.create(
        municipality=botosani,
        title_en="Past",
        latitude=47.74,
        longitude=26.66,
        starts_at=_in_days(-3),
        ends_at=_in_days(-2.9),
    )
    MeetingFactory.create(
        municipality=botosani, title_en="Off", latitude=47.7, longitude=26.6, is_cancelled=True
    )
    MeetingFactory.create(
        municipality=timisoara, title_en="Elsewhere", latitude=45.7, longitude=21.2
    )
    located = ProposalFactory.create(
        municipality=botosani, process=process, title="Bike racks", latitude=47.75, longitude=26.67
    )
    ProposalFactory.create(
        municipality=botosani,
        process=process,
        title="Hidden one",
        latitude=47.75,
        longitude=26.67,
        is_hidden=True,
    )
    ProposalFactory.create(municipality=botosani, process=process, title="No place")

    places = map_places.home_map_places(botosani)

    assert [place.title for place in places] == ["Forum", "Bike racks"]
    assert places[0].url == reverse("participation:meeting_detail", kwargs={"slug": "forum"})
    assert places[1].url == reverse("participation:proposal_detail", kwargs={"pk": located.pk})
    assert (places[1].latitude, places[1].longitude) == (47.75, 26.67)


# --- Backlinks on the plans' pages ----------------------------------------------------------


def test_plan_project_page_lists_processes_proposals_and_local_actors(
    botosani: Municipality,
) -> None:
    plan = PlanFactory.create(municipality=botosani, key="sud")
    ProjectFactory.create(municipality=botosani, plan=plan, key="P1")
    ref = "plans.project:sud/P1"
    process = ProcessFactory.create(
        municipality=botosani, title_en="Tramway consultation", plan_project_ref=ref
    )
    ProcessFactory.create(
        municipality=botosani, title_en="Draft process", plan_project_ref=ref, is_published=False
    )
    ProposalFactory.create(
        municipality=botosani,
        process=process,
        title="Tram line to the station",
        plan_project_ref=ref,
    )
    ProposalFactory.create(
        municipality=botosani,
        process=process,
        title="Hidden idea",
        plan_project_ref=ref,
        is_hidden=True,
    )
    actor = OrganisationFactory.create(municipality=botosani, name="Asociația Velo")
    OrganisationLinkFactory.create(
        municipality=botosani,
        organisation=actor,
        kind=OrganisationLinkKind.LOCAL_ACTOR,
        target_ref=ref,
    )
    pending = OrganisationFactory.create(
        municipality=botosani, name="Pending NGO", status=OrganisationStatus.PENDING
    )
    OrganisationLinkFactory.create(
        municipality=botosani,
        organisation=pending,
        kind=OrganisationLinkKind.LOCAL_ACTOR,
        target_ref=ref,
    )

    found = links.backlinks(municipality=botosani, ref=ref)
    assert [(str(link.label), link.title) for link in found] == [
        ("Participatory process", "Tramway consultation"),
        ("Proposal", "Tram line to the station"),
        ("Local actor", "Asociația Velo"),
    ]

    html = _client().get("/plans/sud/projects/P1/").content.decode()
    process_url = reverse("participation:process_detail", args=[process.slug])
    assert f'Participatory process: <a href="{process_url}">Tramway consultation</a>' in html
    assert "Proposal: <a" in html and "Tram line to the station</a>" in html
    assert (
        f'Local actor: <a href="/participation/organisations/{actor.pk}/">Asociația Velo</a>'
        in html
    )
    assert "Draft process" not in html
    assert "Hidden idea" not in html
    assert "Pending NGO" not in html


def test_a_new_link_shows_at_once_on_the_cached_project_page(botosani: Municipality) -> None:
    plan = PlanFactory.create(municipality=botosani, key="sud")
    ProjectFactory.create(municipality=botosani, plan=plan, key="P1")
    client = _client()
    assert "Tramway consultation" not in client.get("/plans/sud/projects/P1/").content.decode()

    ProcessFactory.create(
        municipality=botosani,
        title_en="Tramway consultation",
        plan_project_ref="plans.project:sud/P1",
    )

    assert "Tramway consultation" in client.get("/plans/sud/projects/P1/").content.decode()


def test_working_group_lists_its_member_organisations(botosani: Municipality) -> None:
    plan = PlanFactory.create(municipality=botosani, key="sud")
    pillar = PillarFactory.create(municipality=botosani, plan=plan, key="A1")
    project = ProjectFactory.create(municipality=botosani, plan=plan, pillar=pillar, key="P1")
    WorkingGroupFactory.create(municipality=botosani, plan=plan, pillar=pillar, key="g-pillar")
    WorkingGroupFactory.create(municipality=botosani, plan=plan, project=project, key="g-project")
    member = OrganisationFactory.create(municipality=botosani, name="Clubul Digital")
    OrganisationLinkFactory.create(
        municipality=botosani, organisation=member, target_ref="plans.working_group:sud/g-pillar"
    )
    other = OrganisationFactory.create(municipality=botosani, name="Eco Botoșani")
    OrganisationLinkFactory.create(
        municipality=botosani, organisation=other, target_ref="plans.working_group:sud/g-project"
    )

    pillar_page = _client().get("/plans/sud/pillars/A1/").content.decode()
    project_page = _client().get("/plans/sud/projects/P1/").content.decode()

    assert "Member organisation: <a" in pillar_page and "Clubul Digital</a>" in pillar_page
    assert "Eco Botoșani" not in pillar_page
    assert "Eco Botoșani</a>" in project_page


def test_plan_page_lists_members_of_a_governance_working_group(botosani: Municipality) -> None:
    plan = PlanFactory.create(municipality=botosani, key="botosani-iap")
    body = GovernanceBodyFactory.create(municipality=botosani, plan=plan)
    WorkingGroupFactory.create(
        municipality=botosani, plan=plan, body=body, key="monitoring-wg", name_en="Monitoring"
    )
    member = OrganisationFactory.create(municipality=botosani, name="Asociația Monitor")
    OrganisationLinkFactory.create(
        municipality=botosani,
        organisation=member,
        target_ref="plans.working_group:botosani-iap/monitoring-wg",
    )

    html = _client().get("/plans/botosani-iap/").content.decode()

    expected = f'<a href="/participation/organisations/{member.pk}/">Asociația Monitor</a>'
    assert f"Member organisation: {expected}" in html


def test_backlinks_of_other_kinds_are_empty(botosani: Municipality) -> None:
    assert links.backlinks(municipality=botosani, ref="reports.report:1") == []


# --- Personal data --------------------------------------------------------------------------


@pytest.fixture
def person(botosani: Municipality) -> User:
    return UserFactory.create(email="ana@example.org", full_name="Ana Popescu")


def _participation_of(person: User, botosani: Municipality) -> dict[str, Any]:
    process = ProcessFactory.create(municipality=botosani)
    proposal = ProposalFactory.create(
        municipality=botosani, process=process, author=person, title="Bike racks"
    )
    other_proposal = ProposalFactory.create(municipality=botosani, process=process)
    ProposalSupportFactory.create(municipality=botosani, proposal=other_proposal, user=person)
    ProposalSupportFactory.create(municipality=botosani, proposal=other_proposal)
    Proposal.objects.filter(pk=other_proposal.pk).update(support_count=2)
    comment = ProposalCommentFactory.create(
        municipality=botosani, proposal=other_proposal, author=person, body="Agree!"
    )
    survey = SurveyFactory.create(process=process, slug="transport")
    named = ResponseFactory.create(survey=survey, user=person)
    anonymous = ResponseFactory.create(survey=survey, is_anonymous=True)
    meeting = MeetingFactory.create(municipality=botosani, capacity=1, slug="forum")
    RegistrationFactory.create(meeting=meeting, user=person)
    waiting = RegistrationFactory.create(meeting=meeting, status=RegistrationStatus.WAITING)
    question = ForumQuestionFactory.create(
        meeting=meeting, author=person, author_name="Ana P.", body="When does the tram come?"
    )
    organisation = OrganisationFactory.create(municipality=botosani, created_by=person, name="Velo")
    budget_zone = BudgetZoneFactory.create(
        budget=BudgetFactory.create(
            municipality=botosani, process=ProcessFactory.create(municipality=botosani)
        )
    )
    ballot = Ballot.objects.create(
        municipality=botosani,
        budget=budget_zone.budget,
        budget_zone=budget_zone,
        voter_key="k" * 64,
        method="code",
        user=person,
        receipt="R-123",
    )
    return {
        "proposal": proposal,
        "other_proposal": other_proposal,
        "comment": comment,
        "named": named,
        "anonymous": anonymous,
        "meeting": meeting,
        "waiting": waiting,
        "question": question,
        "organisation": organisation,
        "ballot": ballot,
    }


def test_export_holds_what_the_person_did(botosani: Municipality, person: User) -> None:
    made = _participation_of(person, botosani)

    section = personal_data.user_data_export(user=person)["sections"]["participation"]

    assert [row["title"] for row in section["proposals"]] == ["Bike racks"]
    assert [row["body"] for row in section["comments"]] == ["Agree!"]
    assert [row["proposal_id"] for row in section["supports"]] == [made["other_proposal"].pk]
    assert [row["survey__slug"] for row in section["survey_responses"]] == ["transport"]
    assert [row["meeting__slug"] for row in section["meeting_registrations"]] == ["forum"]
    assert [row["body"] for row in section["forum_questions"]] == ["When does the tram come?"]
    assert [row["name"] for row in section["organisations"]] == ["Velo"]
    assert [row["receipt"] for row in section["ballots"]] == ["R-123"]
    # Nobody else's data.
    assert len(section["survey_responses"]) == 1


def test_erasure_unlinks_public_contributions_and_frees_the_seat(
    botosani: Municipality, person: User
) -> None:
    made = _participation_of(person, botosani)

    personal_data.user_erase(user=person)

    proposal = Proposal.objects.get(pk=made["proposal"].pk)
    assert proposal.author_id is None
    assert ProposalComment.objects.get(pk=made["comment"].pk).author_id is None
    assert not ProposalSupport.objects.filter(user_id=person.pk).exists()
    assert Proposal.objects.get(pk=made["other_proposal"].pk).support_count == 1
    named = Response.objects.get(pk=made["named"].pk)
    assert (named.user_id, named.is_anonymous) == (None, True)
    question = ForumQuestion.objects.get(pk=made["question"].pk)
    assert (question.author_id, question.author_name) == (None, "")
    assert Organisation.objects.get(pk=made["organisation"].pk).created_by_id is None
    assert Ballot.objects.get(pk=made["ballot"].pk).user_id is None
    registrations = Registration.objects.filter(meeting=made["meeting"])
    assert [(r.pk, r.status) for r in registrations] == [
        (made["waiting"].pk, RegistrationStatus.CONFIRMED)
    ]
