"""Staff pages of the proposals component: the queue and its filters, the city's answer
(a reason to reject, the author notified), hiding, the moderators' queue for proposals,
comments and forum questions, turning an accepted proposal into a plan project (through
core.links and the plans module) or a budgeting project; permissions, city isolation and
the audit log."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from digiplace.core.models import (
    AuditLogEntry,
    Municipality,
    Notification,
    StaffMembership,
    User,
)
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.participation.models import (
    BudgetProject,
    BudgetProjectStatus,
    BudgetZone,
    ContentFlag,
    FlagTarget,
    ForumQuestion,
    Meeting,
    Proposal,
    ProposalStatus,
)
from digiplace.participation.tests.factories import ProcessFactory, ZoneFactory
from digiplace.plans.models import Project
from digiplace.plans.tests.factories import PillarFactory, PlanFactory

from .factories_proposals import (
    ContentFlagFactory,
    ProposalCommentFactory,
    ProposalFactory,
    ProposalProcessFactory,
)

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"
BACKOFFICE = "/backoffice/participation/proposals/"


def _staff_url(proposal: Proposal, action: str = "") -> str:
    return f"{BACKOFFICE}{proposal.pk}/{action}"


def _get(client: Client, path: str, *, host: str = BOTOSANI, language: str = "en") -> Any:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(path, HTTP_HOST=host)


def _post(
    client: Client, path: str, data: dict[str, Any], *, host: str = BOTOSANI, language: str = "en"
) -> Any:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.post(path, data, HTTP_HOST=host)


@pytest.fixture
def moderator(botosani: Municipality) -> User:
    membership = StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="moderator@botosani.example", full_name="Elena Moderator"),
        modules=["participation", "plans"],
    )
    return membership.user


@pytest.fixture
def author(db: None) -> User:
    return UserFactory.create(
        email="author@example.org", full_name="Ioana Ciobanu", preferred_language="ro"
    )


@pytest.fixture
def proposal(botosani: Municipality, author: User) -> Proposal:
    return ProposalFactory.create(
        municipality=botosani,
        process=ProposalProcessFactory.create(municipality=botosani),
        author=author,
        title="Iluminat inteligent pe Calea Națională",
        body="Lămpi LED cu senzori de prezență.",
        latitude=47.7465,
        longitude=26.6655,
    )


@pytest.fixture
def accepted(proposal: Proposal) -> Proposal:
    Proposal.objects.filter(pk=proposal.pk).update(status=ProposalStatus.ACCEPTED)
    proposal.refresh_from_db()
    return proposal


# Permissions


def test_a_resident_and_staff_without_the_module_are_refused(
    client: Client, proposal: Proposal, resident: User, botosani_staff: StaffMembership
) -> None:
    pages = [BACKOFFICE, f"{BACKOFFICE}moderation/", _staff_url(proposal)]

    anonymous = [_get(client, page).status_code for page in pages]
    client.force_login(resident)
    as_resident = [_get(client, page).status_code for page in pages]
    client.force_login(botosani_staff.user)
    without_module = [_get(client, page).status_code for page in pages]
    answer = _post(client, _staff_url(proposal, "answer/"), {"status": "accepted"})

    assert anonymous == [302, 302, 302]
    assert as_resident == [403, 403, 403]
    assert without_module == [403, 403, 403]
    assert answer.status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PUBLISHED
    assert not AuditLogEntry.objects.exists()


def test_the_queue_filters_by_status_process_and_flags(
    client: Client, proposal: Proposal, moderator: User, botosani: Municipality
) -> None:
    other_process = ProposalProcessFactory.create(municipality=botosani)
    rejected = ProposalFactory.create(
        municipality=botosani,
        process=other_process,
        title="Parcare subterană",
        status=ProposalStatus.REJECTED,
        answer="Costuri prea mari.",
    )
    hidden = ProposalFactory.create(
        municipality=botosani, process=other_process, title="Ascunsă", is_hidden=True
    )
    ContentFlagFactory.create(
        municipality=botosani, target=FlagTarget.PROPOSAL, target_id=proposal.pk
    )
    client.force_login(moderator)

    everything = _get(client, BACKOFFICE).content.decode()
    by_status = _get(client, f"{BACKOFFICE}?status=rejected").content.decode()
    by_process = _get(client, f"{BACKOFFICE}?process={other_process.pk}").content.decode()
    flagged = _get(client, f"{BACKOFFICE}?flagged=on").content.decode()

    assert all(title in everything for title in (proposal.title, rejected.title, hidden.title))
    assert rejected.title in by_status and proposal.title not in by_status
    assert hidden.title in by_process and proposal.title not in by_process
    assert proposal.title in flagged and rejected.title not in flagged


# The city's answer


def test_staff_accept_with_an_answer_and_the_author_is_notified_in_their_language(
    client: Client, proposal: Proposal, moderator: User, author: User
) -> None:
    client.force_login(moderator)

    response = _post(
        client,
        _staff_url(proposal, "answer/"),
        {"status": "accepted", "answer": "Intră în planul de iluminat pe 2026."},
    )

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    assert proposal.answer == "Intră în planul de iluminat pe 2026."
    assert proposal.answered_by == moderator
    notification = Notification.objects.get(recipient=author)
    assert notification.kind == "participation.proposal_answered"
    assert notification.url == f"/participation/proposals/{proposal.pk}/"
    assert proposal.title in notification.subject
    assert "Intră în planul de iluminat pe 2026." in notification.body
    assert notification.language == "ro"
    entry = AuditLogEntry.objects.get(target_type="participation.Proposal")
    assert entry.actor == moderator
    assert (entry.before or {}).get("status") == "published"
    assert (entry.after or {}).get("status") == "accepted"
    public = _get(client, f"/participation/proposals/{proposal.pk}/").content.decode()
    assert "Intră în planul de iluminat pe 2026." in public


@pytest.mark.parametrize("language", ["ro", "en"])
def test_rejecting_without_a_reason_is_refused_and_nothing_changes(
    client: Client, proposal: Proposal, moderator: User, language: str
) -> None:
    client.force_login(moderator)

    response = _post(
        client,
        _staff_url(proposal, "answer/"),
        {"status": "rejected", "answer": "  "},
        language=language,
    )

    expected = {
        "en": "Give the reason for rejecting the proposal",
        "ro": "Scrieți motivul respingerii propunerii",
    }[language]
    assert response.status_code == 400
    assert expected in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PUBLISHED
    assert not Notification.objects.exists()
    assert not AuditLogEntry.objects.exists()


def test_a_rejection_with_its_reason_is_public(
    client: Client, proposal: Proposal, moderator: User
) -> None:
    client.force_login(moderator)

    _post(
        client,
        _staff_url(proposal, "answer/"),
        {"status": "rejected", "answer": "Strada are deja iluminat nou din 2024."},
    )
    client.logout()
    page = _get(client, f"/participation/proposals/{proposal.pk}/").content.decode()

    assert "Rejected" in page
    assert "Strada are deja iluminat nou din 2024." in page
    assert "Reason:" in page


# Moderation


def test_hiding_and_showing_a_proposal_is_audited(
    client: Client, proposal: Proposal, moderator: User
) -> None:
    ContentFlagFactory.create(
        municipality=proposal.municipality, target=FlagTarget.PROPOSAL, target_id=proposal.pk
    )
    client.force_login(moderator)

    hidden = _post(client, _staff_url(proposal, "visibility/"), {"hide": "1"})
    public_while_hidden = _get(client, f"/participation/proposals/{proposal.pk}/")
    shown = _post(client, _staff_url(proposal, "visibility/"), {"hide": "0"})

    assert hidden.status_code == shown.status_code == 302
    assert public_while_hidden.status_code == 404
    proposal.refresh_from_db()
    assert not proposal.is_hidden
    assert not ContentFlag.objects.filter(is_resolved=False).exists()
    assert AuditLogEntry.objects.filter(target_type="participation.Proposal").count() == 2


def test_the_moderation_queue_keeps_or_hides_each_kind(
    client: Client, proposal: Proposal, moderator: User, botosani: Municipality
) -> None:
    comment = ProposalCommentFactory.create(
        municipality=botosani, proposal=proposal, body="Comentariu jignitor"
    )
    meeting = Meeting.objects.create(
        municipality=botosani,
        slug="forum-2026",
        title="Forumul public anual",
        starts_at=timezone.now(),
        ends_at=timezone.now() + datetime.timedelta(hours=2),
        is_published=True,
    )
    question = ForumQuestion.objects.create(
        municipality=botosani, meeting=meeting, body="Întrebare cu reclamă", status="approved"
    )
    on_proposal = ContentFlagFactory.create(
        municipality=botosani, target=FlagTarget.PROPOSAL, target_id=proposal.pk
    )
    on_comment = ContentFlagFactory.create(
        municipality=botosani, target=FlagTarget.COMMENT, target_id=comment.pk
    )
    on_question = ContentFlagFactory.create(
        municipality=botosani, target=FlagTarget.QUESTION, target_id=question.pk
    )
    client.force_login(moderator)

    queue = _get(client, f"{BACKOFFICE}moderation/").content.decode()
    keep = _post(client, f"{BACKOFFICE}moderation/{on_proposal.pk}/", {"decision": "keep"})
    hide_comment = _post(client, f"{BACKOFFICE}moderation/{on_comment.pk}/", {"decision": "hide"})
    hide_question = _post(client, f"{BACKOFFICE}moderation/{on_question.pk}/", {"decision": "hide"})
    again = _post(client, f"{BACKOFFICE}moderation/{on_question.pk}/", {"decision": "keep"})

    assert proposal.title in queue and comment.body in queue and question.body in queue
    assert {keep.status_code, hide_comment.status_code, hide_question.status_code} == {302}
    proposal.refresh_from_db()
    comment.refresh_from_db()
    question.refresh_from_db()
    assert not proposal.is_hidden
    assert comment.is_hidden
    assert question.status == "hidden"
    assert not ContentFlag.objects.filter(is_resolved=False).exists()
    assert again.status_code == 302
    labels = set(AuditLogEntry.objects.values_list("target_type", flat=True))
    assert {
        "participation.ContentFlag",
        "participation.ProposalComment",
        "participation.ForumQuestion",
    } <= labels
    after = _get(client, f"{BACKOFFICE}moderation/").content.decode()
    assert "Nothing is waiting for a moderator." in after


def test_hiding_a_comment_from_the_proposal_page(
    client: Client, proposal: Proposal, moderator: User
) -> None:
    comment = ProposalCommentFactory.create(municipality=proposal.municipality, proposal=proposal)
    client.force_login(moderator)

    response = _post(
        client, _staff_url(proposal, f"comments/{comment.pk}/visibility/"), {"hide": "1"}
    )

    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.is_hidden
    assert (
        comment.body
        not in _get(client, f"/participation/proposals/{proposal.pk}/").content.decode()
    )


# Conversions


@pytest.fixture
def pillar_ref(botosani: Municipality) -> str:
    plan = PlanFactory.create(municipality=botosani, key="iap-digital")
    PillarFactory.create(municipality=botosani, plan=plan, key="A1", title_en="Digital services")
    return "plans.pillar:iap-digital/A1"


def test_an_accepted_proposal_becomes_a_plan_project(
    client: Client, accepted: Proposal, moderator: User, pillar_ref: str
) -> None:
    client.force_login(moderator)
    page = _get(client, _staff_url(accepted)).content.decode()
    assert pillar_ref in page

    response = _post(client, _staff_url(accepted, "plan-project/"), {"pillar": pillar_ref})

    assert response.status_code == 302
    accepted.refresh_from_db()
    project = Project.objects.get(municipality=accepted.municipality)
    assert accepted.plan_project_ref == f"plans.project:iap-digital/{project.key}"
    assert project.title == accepted.title
    assert f"/participation/proposals/{accepted.pk}/" in project.description
    public = _get(client, f"/participation/proposals/{accepted.pk}/").content.decode()
    project_url = reverse("plans:project_detail", args=["iap-digital", project.key])
    assert "It became a project of the city's plan:" in public.replace("&#x27;", "'")
    assert f'<a href="{project_url}">{project.title}</a>' in public
    again = _post(client, _staff_url(accepted, "plan-project/"), {"pillar": pillar_ref})
    assert again.status_code == 400
    assert Project.objects.count() == 1


def test_only_an_accepted_proposal_becomes_a_plan_project(
    client: Client, proposal: Proposal, moderator: User, pillar_ref: str
) -> None:
    client.force_login(moderator)

    response = _post(client, _staff_url(proposal, "plan-project/"), {"pillar": pillar_ref})

    assert response.status_code == 400
    assert "Only an accepted proposal can become a project." in response.content.decode()
    assert not Project.objects.exists()
    proposal.refresh_from_db()
    assert proposal.plan_project_ref == ""


def test_staff_without_the_plans_module_cannot_create_a_plan_project(
    client: Client, accepted: Proposal, botosani: Municipality, pillar_ref: str
) -> None:
    participation_only = StaffMembershipFactory.create(
        municipality=botosani, modules=["participation"]
    ).user
    client.force_login(participation_only)

    response = _post(client, _staff_url(accepted, "plan-project/"), {"pillar": pillar_ref})

    assert response.status_code == 400
    assert not Project.objects.exists()
    accepted.refresh_from_db()
    assert accepted.plan_project_ref == ""
    assert not AuditLogEntry.objects.exists()


def test_a_converted_proposal_stays_accepted(
    client: Client, accepted: Proposal, moderator: User, pillar_ref: str
) -> None:
    client.force_login(moderator)
    _post(client, _staff_url(accepted, "plan-project/"), {"pillar": pillar_ref})

    response = _post(
        client, _staff_url(accepted, "answer/"), {"status": "rejected", "answer": "Nu."}
    )

    assert response.status_code == 400
    accepted.refresh_from_db()
    assert accepted.status == ProposalStatus.ACCEPTED


def _budget_zone(municipality: Municipality, *, open_now: bool = True) -> BudgetZone:
    from digiplace.participation.models import Budget

    now = timezone.now()
    days = datetime.timedelta(days=1)
    starts = now - 3 * days if open_now else now - 30 * days
    process = ProcessFactory.create(municipality=municipality)
    budget = Budget.objects.create(
        municipality=municipality,
        process=process,
        title="Bugetare participativă 2026",
        submission_opens_at=starts,
        submission_closes_at=starts + 10 * days if open_now else starts + 5 * days,
        voting_opens_at=now + 20 * days,
        voting_closes_at=now + 30 * days,
    )
    return BudgetZone.objects.create(
        municipality=municipality,
        budget=budget,
        zone=ZoneFactory.create(municipality=municipality, name="Centru"),
        amount=Decimal(500000),
    )


def test_an_accepted_proposal_becomes_a_budgeting_project(
    client: Client, accepted: Proposal, moderator: User, author: User
) -> None:
    zone = _budget_zone(accepted.municipality)
    BudgetProject.objects.create(
        municipality=accepted.municipality,
        budget_zone=zone,
        code="P7",
        title="Alt proiect",
        description="x",
        cost=Decimal(1000),
    )
    client.force_login(moderator)

    response = _post(
        client,
        _staff_url(accepted, "budget-project/"),
        {"budget_zone": str(zone.pk), "cost": "120000"},
    )

    assert response.status_code == 302
    accepted.refresh_from_db()
    project = accepted.budget_project
    assert project is not None
    assert (project.code, project.title, project.cost) == ("P8", accepted.title, Decimal(120000))
    assert project.status == BudgetProjectStatus.SUBMITTED
    assert project.author == author
    assert (project.latitude, project.longitude) == (accepted.latitude, accepted.longitude)
    public = _get(client, f"/participation/proposals/{accepted.pk}/").content.decode()
    assert "It became a participatory budgeting project" in public
    project_url = reverse(
        "participation:budget_project_detail",
        kwargs={"pk": zone.budget_id, "project_pk": project.pk},
    )
    assert f'<a href="{project_url}">P8 {accepted.title}</a>' in public


def test_a_budget_closed_for_submission_or_a_cost_over_the_zone_is_refused(
    client: Client, accepted: Proposal, moderator: User
) -> None:
    open_zone = _budget_zone(accepted.municipality)
    closed_zone = _budget_zone(accepted.municipality, open_now=False)
    client.force_login(moderator)

    closed = _post(
        client,
        _staff_url(accepted, "budget-project/"),
        {"budget_zone": str(closed_zone.pk), "cost": "1000"},
    )
    too_costly = _post(
        client,
        _staff_url(accepted, "budget-project/"),
        {"budget_zone": str(open_zone.pk), "cost": "600000"},
    )

    assert closed.status_code == too_costly.status_code == 400
    assert "The cost is more than the zone" in too_costly.content.decode()
    assert not BudgetProject.objects.exists()
    accepted.refresh_from_db()
    assert accepted.budget_project is None


# Isolation


def test_another_citys_staff_cannot_reach_or_change_a_proposal(
    client: Client, proposal: Proposal, timisoara_admin: StaffMembership
) -> None:
    flag = ContentFlagFactory.create(
        municipality=proposal.municipality, target=FlagTarget.PROPOSAL, target_id=proposal.pk
    )
    client.force_login(timisoara_admin.user)

    detail = _get(client, _staff_url(proposal), host=TIMISOARA)
    answer = _post(client, _staff_url(proposal, "answer/"), {"status": "accepted"}, host=TIMISOARA)
    decide = _post(
        client, f"{BACKOFFICE}moderation/{flag.pk}/", {"decision": "hide"}, host=TIMISOARA
    )
    queue = _get(client, f"{BACKOFFICE}moderation/", host=TIMISOARA).content.decode()
    listing = _get(client, BACKOFFICE, host=TIMISOARA).content.decode()

    assert (detail.status_code, answer.status_code, decide.status_code) == (404, 404, 404)
    assert proposal.title not in queue and proposal.title not in listing
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PUBLISHED and not proposal.is_hidden
    assert not AuditLogEntry.objects.exists()


def test_an_admin_sees_the_author_email_only_in_the_back_office(
    client: Client, proposal: Proposal, botosani_admin: StaffMembership, author: User
) -> None:
    client.force_login(botosani_admin.user)

    staff_page = _get(client, _staff_url(proposal)).content.decode()
    public_page = _get(client, f"/participation/proposals/{proposal.pk}/").content.decode()

    assert author.email in staff_page
    assert author.email not in public_page
