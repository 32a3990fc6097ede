"""Reads of the forum: the public list of a meeting's questions, a person's own questions
waiting for the moderator and their upvotes, and the moderator's lists."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings

from digiplace.core.models import User

from ..models import ForumQuestion, ForumQuestionStatus, Meeting, QuestionVote

PUBLIC_STATUSES = (ForumQuestionStatus.APPROVED, ForumQuestionStatus.ANSWERED)


def voter_key(user: User) -> str:
    """The upvote's key: a keyed hash of the account (64 hexadecimal characters), so the
    votes table names nobody."""
    return hmac.new(
        settings.SECRET_KEY.encode(),
        f"digiplace.participation.question-vote:user:{user.pk}".encode(),
        hashlib.sha256,
    ).hexdigest()


@dataclass(frozen=True)
class PublicQuestions:
    """Open questions (most votes first) and answered ones (latest answered first)."""

    open: list[ForumQuestion]
    answered: list[ForumQuestion]


def question_list_public(*, meeting: Meeting) -> PublicQuestions:
    questions = list(
        ForumQuestion.objects.filter(meeting=meeting, status__in=PUBLIC_STATUSES).order_by(
            "-vote_count", "created_at", "pk"
        )
    )
    answered = sorted(
        (question for question in questions if question.status == ForumQuestionStatus.ANSWERED),
        key=lambda question: (-question.vote_count, question.created_at, question.pk),
    )
    return PublicQuestions(
        open=[q for q in questions if q.status == ForumQuestionStatus.APPROVED],
        answered=answered,
    )


def question_list_mine_waiting(*, meeting: Meeting, user: User | None) -> list[ForumQuestion]:
    """The person's own questions the moderator has not yet approved (only they see them)."""
    if user is None:
        return []
    return list(
        ForumQuestion.objects.filter(
            meeting=meeting, author=user, status=ForumQuestionStatus.PENDING
        ).order_by("created_at", "pk")
    )


def question_ids_voted(*, meeting: Meeting, user: User | None) -> set[int]:
    if user is None:
        return set()
    return set(
        QuestionVote.objects.filter(
            question__meeting=meeting, voter_key=voter_key(user)
        ).values_list("question_id", flat=True)
    )


@dataclass(frozen=True)
class ModerationQuestions:
    pending: list[ForumQuestion]
    approved: list[ForumQuestion]
    answered: list[ForumQuestion]
    hidden: list[ForumQuestion]


def question_list_moderation(*, meeting: Meeting) -> ModerationQuestions:
    """Every question of the meeting by state: pending oldest first (as they came), the
    others most votes first."""
    questions = list(ForumQuestion.objects.filter(meeting=meeting))
    by_status: dict[str, list[ForumQuestion]] = {status: [] for status in ForumQuestionStatus}
    for question in questions:
        by_status[question.status].append(question)
    by_status[ForumQuestionStatus.PENDING].sort(key=lambda q: (q.created_at, q.pk))
    for status in (
        ForumQuestionStatus.APPROVED,
        ForumQuestionStatus.ANSWERED,
        ForumQuestionStatus.HIDDEN,
    ):
        by_status[status].sort(key=lambda q: (-q.vote_count, q.created_at, q.pk))
    return ModerationQuestions(
        pending=by_status[ForumQuestionStatus.PENDING],
        approved=by_status[ForumQuestionStatus.APPROVED],
        answered=by_status[ForumQuestionStatus.ANSWERED],
        hidden=by_status[ForumQuestionStatus.HIDDEN],
    )
