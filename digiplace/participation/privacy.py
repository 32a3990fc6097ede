"""What the participation module holds about a person, for the data export and erasure.

Export: their proposals, comments, supports, survey responses given under their name (an
anonymous response is not linked to the account and cannot be found), ballots (the zone,
the receipt and the projects chosen), budgeting projects they submitted, meeting
registrations, forum questions, the organisations they registered and what they flagged.

Erasure: what they wrote in public debate stays (a proposal others supported, a question
answered at the forum), no longer linked to them, and a forum question loses the name it
showed; supports and registrations are removed (support counts follow, a seat freed goes
to the first person waiting); a named survey response becomes anonymous; a ballot stays
counted, unlinked; an organisation stays in the registry (it is the organisation's
record), no longer linked to them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from digiplace.core.cache_versions import cache_version_bump
from digiplace.core.personal_data import PersonalDataProvider

from .models import (
    Answer,
    Ballot,
    BallotChoice,
    BudgetProject,
    ContentFlag,
    ForumQuestion,
    Meeting,
    Organisation,
    Proposal,
    ProposalComment,
    ProposalSupport,
    Registration,
    RegistrationStatus,
    Response,
)
from .services.meetings import waiting_list_promote


def _export(user: Any) -> dict[str, Any]:
    responses: list[dict[str, Any]] = [
        dict(row)
        for row in Response.objects.filter(user=user, is_anonymous=False)
        .order_by("started_at", "pk")
        .values("pk", "survey__municipality__slug", "survey__slug", "started_at", "submitted_at")
    ]
    answers: dict[int, list[dict[str, Any]]] = {}
    for row in (
        Answer.objects.filter(response__user=user, response__is_anonymous=False)
        .order_by("response_id", "question__position", "pk")
        .values("response_id", "question__text", "option__label", "is_other", "number", "text")
    ):
        answer: dict[str, Any] = dict(row)
        answers.setdefault(answer.pop("response_id"), []).append(answer)
    for response in responses:
        response["answers"] = answers.get(response.pop("pk"), [])
    ballots: list[dict[str, Any]] = [
        dict(row)
        for row in Ballot.objects.filter(user=user)
        .order_by("cast_at", "pk")
        .values(
            "pk",
            "budget__municipality__slug",
            "budget__title",
            "budget_zone__zone__slug",
            "method",
            "receipt",
            "cast_at",
            "updated_at",
        )
    ]
    choices: dict[int, list[str]] = {}
    for ballot_id, code in (
        BallotChoice.objects.filter(ballot__user=user)
        .order_by("ballot_id", "project__code")
        .values_list("ballot_id", "project__code")
    ):
        choices.setdefault(ballot_id, []).append(code)
    for ballot in ballots:
        ballot["projects"] = choices.get(ballot.pop("pk"), [])
    return {
        "proposals": list(
            Proposal.objects.filter(author=user)
            .order_by("created_at", "pk")
            .values(
                "pk",
                "municipality__slug",
                "process__slug",
                "title",
                "body",
                "latitude",
                "longitude",
                "photo",
                "status",
                "created_at",
            )
        ),
        "comments": list(
            ProposalComment.objects.filter(author=user)
            .order_by("created_at", "pk")
            .values("proposal_id", "body", "created_at")
        ),
        "supports": list(
            ProposalSupport.objects.filter(user=user)
            .order_by("created_at", "pk")
            .values("proposal_id", "created_at")
        ),
        "survey_responses": responses,
        "ballots": ballots,
        "budgeting_projects": list(
            BudgetProject.objects.filter(author=user)
            .order_by("created_at", "pk")
            .values("budget_zone__budget__title", "code", "title", "description", "cost")
        ),
        "meeting_registrations": list(
            Registration.objects.filter(user=user)
            .order_by("created_at", "pk")
            .values("meeting__municipality__slug", "meeting__slug", "status", "created_at")
        ),
        "forum_questions": list(
            ForumQuestion.objects.filter(author=user)
            .order_by("created_at", "pk")
            .values("meeting__slug", "author_name", "in_room", "body", "status", "created_at")
        ),
        "organisations": list(
            Organisation.objects.filter(created_by=user)
            .order_by("created_at", "pk")
            .values(
                "municipality__slug",
                "name",
                "cui",
                "field",
                "contact_email",
                "contact_phone",
                "status",
                "created_at",
            )
        ),
        "flags": list(
            ContentFlag.objects.filter(flagged_by=user)
            .order_by("created_at", "pk")
            .values("target", "target_id", "reason", "created_at")
        ),
    }


def _erase(user: Any) -> None:
    touched: set[int] = set()
    supports = ProposalSupport.objects.filter(user=user)
    supported = list(supports.values_list("proposal_id", flat=True))
    touched.update(supports.values_list("municipality_id", flat=True))
    supports.delete()
    if supported:
        # The count is kept on the proposal: recount those the person supported.
        count = (
            ProposalSupport.objects.filter(proposal=OuterRef("pk"))
            .values("proposal")
            .annotate(total=Count("pk"))
            .values("total")
        )
        Proposal.objects.filter(pk__in=supported).update(support_count=Coalesce(Subquery(count), 0))
    registrations = Registration.objects.filter(user=user)
    touched.update(registrations.values_list("municipality_id", flat=True))
    freed = list(
        Meeting.objects.filter(
            registrations__in=registrations.filter(status=RegistrationStatus.CONFIRMED),
            starts_at__gt=timezone.now(),
        ).distinct()
    )
    registrations.delete()
    for meeting in freed:
        # A seat they held goes to the first person waiting, as when they cancel.
        waiting_list_promote(meeting=meeting)
    updates: list[tuple[Any, dict[str, Any]]] = [
        (Proposal.objects.filter(author=user), {"author": None}),
        (ProposalComment.objects.filter(author=user), {"author": None}),
        (Response.objects.filter(user=user), {"user": None, "is_anonymous": True}),
        (Ballot.objects.filter(user=user), {"user": None}),
        (BudgetProject.objects.filter(author=user), {"author": None}),
        (ForumQuestion.objects.filter(author=user), {"author": None, "author_name": ""}),
        (Organisation.objects.filter(created_by=user), {"created_by": None}),
        (ContentFlag.objects.filter(flagged_by=user), {"flagged_by": None}),
    ]
    for queryset, values in updates:
        touched.update(queryset.values_list("municipality_id", flat=True))
        queryset.update(**values)
    # Public pages showed the person's name or counted them: their caches move on.
    for municipality_id in touched:
        cache_version_bump(municipality_id, "participation")


provider = PersonalDataProvider("participation", _export, _erase)
