"""Writes of the forum: participants send and upvote questions; the moderator approves,
hides and answers them, adds the room's questions, and opens or closes the questions.

Online participants take part with a confirmed account; questions asked in the room are
typed in by the moderator. Each new question waits for the moderator (only its author
sees it meanwhile). An upvote is stored under a keyed hash of the account
(``selectors.meetings_forum.voter_key``), once per question (a unique constraint).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from digiplace.core.audit import audit_record, audited_change, model_snapshot
from digiplace.core.models import AuditAction, User
from digiplace.core.ratelimit import rate_limit_hit

from ..models import ForumQuestion, ForumQuestionStatus, Meeting, QuestionVote
from ..selectors.meetings_forum import voter_key
from .meetings import account_check

QUESTION_MAX_LENGTH = 1000
AUTHOR_NAME_MAX_LENGTH = 100
# A participant sends at most this many questions in the window (the refused ones count).
QUESTION_RATE_LIMIT = 5
QUESTION_RATE_WINDOW = datetime.timedelta(minutes=10)
QUESTION_RATE_SCOPE = "participation.forum-question"

RATE_LIMITED_MESSAGE = _(
    "You have sent many questions in a short time. Please wait a few minutes and try again."
)

# What the moderator may do with a question in each state.
MODERATION_MOVES: dict[str, set[str]] = {
    ForumQuestionStatus.PENDING: {ForumQuestionStatus.APPROVED, ForumQuestionStatus.HIDDEN},
    ForumQuestionStatus.APPROVED: {ForumQuestionStatus.ANSWERED, ForumQuestionStatus.HIDDEN},
    ForumQuestionStatus.ANSWERED: {ForumQuestionStatus.APPROVED, ForumQuestionStatus.HIDDEN},
    ForumQuestionStatus.HIDDEN: {ForumQuestionStatus.APPROVED},
}


def questions_open_check(meeting: Meeting) -> None:
    if not meeting.is_published or not meeting.questions_enabled:
        raise ValidationError(_("This meeting takes no questions."), code="no_questions")
    if meeting.is_cancelled:
        raise ValidationError(_("This meeting was cancelled."), code="cancelled")
    if not meeting.questions_open:
        raise ValidationError(
            _("Questions are closed: the moderator opens them during the meeting."),
            code="closed",
        )


def _body_clean(body: str) -> str:
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Write your question.")}, code="required")
    if len(body) > QUESTION_MAX_LENGTH:
        raise ValidationError(
            {
                "body": _("A question has at most %(limit)d characters (this one has %(count)d).")
                % {"limit": QUESTION_MAX_LENGTH, "count": len(body)}
            },
            code="too_long",
        )
    return body


def _author_name_clean(author_name: str) -> str:
    author_name = " ".join(author_name.split())
    if len(author_name) > AUTHOR_NAME_MAX_LENGTH:
        raise ValidationError(
            {
                "author_name": _("A name has at most %(limit)d characters.")
                % {"limit": AUTHOR_NAME_MAX_LENGTH}
            },
            code="too_long",
        )
    return author_name


def question_submit(
    *, meeting: Meeting, user: User, body: str, show_name: bool = False
) -> ForumQuestion:
    """A participant's question, waiting for the moderator. Shown with the account's name
    only if ``show_name``. Raises ValidationError (nothing written) when questions are
    closed, the text is empty or too long, the account unconfirmed, or the participant
    sent too many questions lately."""
    account_check(user)
    questions_open_check(meeting)
    body = _body_clean(body)
    author_name = _author_name_clean(user.full_name) if show_name else ""
    allowed = rate_limit_hit(
        scope=QUESTION_RATE_SCOPE,
        key=f"user:{user.pk}",
        limit=QUESTION_RATE_LIMIT,
        window=QUESTION_RATE_WINDOW,
    )
    if not allowed:
        raise ValidationError(RATE_LIMITED_MESSAGE, code="rate_limited")
    return ForumQuestion.objects.create(
        municipality_id=meeting.municipality_id,
        meeting=meeting,
        author=user,
        author_name=author_name,
        body=body,
        status=ForumQuestionStatus.PENDING,
    )


def question_vote(*, question: ForumQuestion, user: User) -> bool:
    """Upvote ``question`` once; False if this account upvoted it already."""
    account_check(user)
    questions_open_check(question.meeting)
    if question.status != ForumQuestionStatus.APPROVED:
        raise ValidationError(
            _("Only questions waiting for an answer can be upvoted."), code="not_open"
        )
    try:
        with transaction.atomic():
            QuestionVote.objects.create(
                municipality_id=question.municipality_id,
                question=question,
                voter_key=voter_key(user),
            )
            ForumQuestion.objects.filter(pk=question.pk).update(vote_count=F("vote_count") + 1)
    except IntegrityError:
        return False
    return True


# The moderator


def question_add_in_room(
    *, meeting: Meeting, actor: User, body: str, author_name: str = ""
) -> ForumQuestion:
    """A question asked in the room, typed in by the moderator: approved at once."""
    if not meeting.questions_enabled:
        raise ValidationError(_("This meeting takes no questions."), code="no_questions")
    body = _body_clean(body)
    author_name = _author_name_clean(author_name)
    with transaction.atomic():
        question = ForumQuestion.objects.create(
            municipality_id=meeting.municipality_id,
            meeting=meeting,
            author=None,
            author_name=author_name,
            in_room=True,
            body=body,
            status=ForumQuestionStatus.APPROVED,
        )
        audit_record(
            actor=actor,
            municipality=meeting.municipality,
            action=AuditAction.CREATE,
            instance=question,
            after=model_snapshot(question),
        )
    return question


def question_moderate(
    *, question: ForumQuestion, actor: User, status: str, answer: str | None = None
) -> ForumQuestion:
    """Move a question to ``status`` (see ``MODERATION_MOVES``); marking it answered may
    keep a short answer. Audited."""
    if status not in ForumQuestionStatus.values:
        raise ValidationError(_("Choose what to do with the question."), code="invalid")
    if status not in MODERATION_MOVES[question.status]:
        raise ValidationError(
            _("This question is “%(current)s” now: it cannot become “%(new)s”.")
            % {
                "current": ForumQuestionStatus(question.status).label,
                "new": ForumQuestionStatus(status).label,
            },
            code="invalid_move",
        )
    answer_text = (answer or "").strip()
    if len(answer_text) > QUESTION_MAX_LENGTH:
        raise ValidationError(
            {
                "answer": _("An answer has at most %(limit)d characters.")
                % {"limit": QUESTION_MAX_LENGTH}
            },
            code="too_long",
        )
    with audited_change(question, actor=actor) as change:
        locked = change.instance
        if status not in MODERATION_MOVES[locked.status]:
            raise ValidationError(
                _("Someone else changed this question meanwhile. Look at it again."),
                code="changed",
            )
        locked.status = status
        if status == ForumQuestionStatus.ANSWERED and answer is not None:
            locked.answer = answer_text
        locked.save(update_fields=["status", "answer", "updated_at"])
    return change.instance


def questions_open_set(*, meeting: Meeting, actor: User, is_open: bool) -> Meeting:
    """Open or close the meeting's questions. Audited."""
    if is_open and not meeting.questions_enabled:
        raise ValidationError(_("This meeting takes no questions."), code="no_questions")
    if is_open and meeting.is_cancelled:
        raise ValidationError(_("This meeting was cancelled."), code="cancelled")
    with audited_change(meeting, actor=actor, audit_if_unchanged=False) as change:
        change.instance.questions_open = is_open
        change.instance.save(update_fields=["questions_open", "updated_at"])
    return change.instance
