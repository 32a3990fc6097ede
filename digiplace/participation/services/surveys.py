"""Writes of the surveys component: a person's response, saved as a draft or sent.

Every answer is checked against its question before anything is written; one bad answer
refuses the whole save (a ``ValidationError`` keyed by the question's field name,
``q<id>``) and leaves the response as it was. A question whose condition is not met (the
earlier answer it depends on does not include one of its options) is ignored: its
answers are dropped and it is not required.

One response per person: each response carries ``respondent_key``, a keyed digest of the
account, or, when the survey asks for verified residents, of the personal numeric code
(CNP) typed when sending. The digest includes the survey, so keys of two surveys cannot
be matched, and the CNP itself is never stored. An anonymous response keeps its key
(a second response is still refused) but not the account.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from digiplace.participation.identifiers import IdentifierError, cnp_parse
from digiplace.participation.models import (
    Answer,
    Question,
    QuestionKind,
    RespondentRule,
    Response,
    Survey,
)

if TYPE_CHECKING:
    from digiplace.core.models import User

SHORT_TEXT_MAX = 500
LONG_TEXT_MAX = 5000
OTHER_TEXT_MAX = 500
MINIMUM_AGE = 14
# The value of a choice field that stands for the "Other" option.
OTHER = "__other__"
_RESPONDENT_KEY_LABEL = b"digiplace.participation.survey-respondent.v1"


@dataclass(frozen=True)
class AnswerValue:
    """What a person gave for one question, as typed (checked by the services).

    ``choices``: option keys of a single or multiple choice question (``OTHER`` for the
    "Other" option); ``other_text``: the text of "Other"; ``text``: an open answer;
    ``value``: a scale value; ``values``: option key -> rank (ranking) or row key ->
    value (matrix), empty strings for what was left blank.
    """

    choices: tuple[str, ...] = ()
    other_text: str = ""
    text: str = ""
    value: str = ""
    values: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not (
            self.choices
            or self.text.strip()
            or self.value.strip()
            or any(value.strip() for value in self.values.values())
        )


@dataclass(frozen=True)
class SurveyQuestions:
    """A survey's questions with their options, read once (see ``survey_questions``)."""

    survey: Survey
    questions: list[Question]

    def by_id(self) -> dict[int, Question]:
        return {question.pk: question for question in self.questions}


def survey_questions(*, survey: Survey) -> SurveyQuestions:
    """The survey's questions in order, with options and conditions prefetched."""
    questions = list(
        Question.objects.filter(survey=survey)
        .select_related("shown_if_question")
        .prefetch_related("options", "shown_if_options")
        .order_by("position", "pk")
    )
    return SurveyQuestions(survey=survey, questions=questions)


def field_name(question: Question) -> str:
    """The form field name (and error key) of a question."""
    return f"q{question.pk}"


# --- Respondent keys -----------------------------------------------------------------------


def _respondent_key_secret() -> bytes:
    # The participation secret when the installation sets one (as the census list and the
    # voting codes): a change of SECRET_KEY then does not let anyone answer a second time.
    secret = settings.PARTICIPATION_IDENTIFIER_SECRET or settings.SECRET_KEY
    return hmac.new(secret.encode(), _RESPONDENT_KEY_LABEL, hashlib.sha256).digest()


def respondent_key_for_user(*, survey: Survey, user: User) -> str:
    """The key of the account's response to the survey (HMAC-SHA256, 64 hex digits)."""
    message = f"{survey.pk}:account:{user.pk}".encode()
    return hmac.new(_respondent_key_secret(), message, hashlib.sha256).hexdigest()


def respondent_key_for_cnp(*, survey: Survey, cnp_number: str) -> str:
    """The key of a verified resident's response (from the normalised 13 digits)."""
    message = f"{survey.pk}:cnp:{cnp_number}".encode()
    return hmac.new(_respondent_key_secret(), message, hashlib.sha256).hexdigest()


def _cnp_check(*, survey: Survey, cnp: str) -> str:
    """The normalised CNP, or a ValidationError (in the page's language) on ``cnp``."""
    if not cnp.strip():
        raise ValidationError(
            {"cnp": _("Enter your personal numeric code (CNP): this survey is for residents.")}
        )
    try:
        parsed = cnp_parse(cnp, today=timezone.localdate())
    except IdentifierError as error:
        raise ValidationError({"cnp": str(error)}, code=error.code) from None
    survey_day = timezone.localdate(survey.opens_at)
    reference = max(survey_day, min(timezone.localdate(), timezone.localdate(survey.closes_at)))
    if parsed.age_on(reference) < MINIMUM_AGE:
        raise ValidationError(
            {
                "cnp": _("This survey is open to residents aged %(age)s or more.")
                % {"age": MINIMUM_AGE}
            },
            code="cnp_age",
        )
    return parsed.number


# --- Checking answers ----------------------------------------------------------------------


@dataclass
class _Checked:
    """The answer rows of one question, ready to write, or its error."""

    rows: list[Answer] = field(default_factory=list)
    chosen_option_ids: set[int] = field(default_factory=set)
    error: str = ""


def _integer(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _choice_check(question: Question, given: AnswerValue, checked: _Checked) -> None:
    options = {option.key: option for option in question.options.all()}
    chosen = list(dict.fromkeys(given.choices))
    unknown = [key for key in chosen if key != OTHER and key not in options]
    if unknown or (OTHER in chosen and not question.has_other):
        checked.error = _("Choose among the options shown.")
        return
    if question.kind == QuestionKind.SINGLE and len(chosen) > 1:
        checked.error = _("Choose only one option.")
        return
    if (
        question.kind == QuestionKind.MULTIPLE
        and question.max_choices is not None
        and len(chosen) > question.max_choices
    ):
        checked.error = ngettext(
            "Choose at most %(count)s option.",
            "Choose at most %(count)s options.",
            question.max_choices,
        ) % {"count": question.max_choices}
        return
    other_text = given.other_text.strip()
    if OTHER in chosen and not other_text:
        checked.error = _("Write your answer next to “Other”.")
        return
    if len(other_text) > OTHER_TEXT_MAX:
        checked.error = _("The “Other” answer has at most %(count)s characters.") % {
            "count": OTHER_TEXT_MAX
        }
        return
    for key in chosen:
        if key == OTHER:
            checked.rows.append(Answer(question=question, is_other=True, text=other_text))
        else:
            option = options[key]
            checked.chosen_option_ids.add(option.pk)
            checked.rows.append(Answer(question=question, option=option))


def _text_check(question: Question, given: AnswerValue, checked: _Checked) -> None:
    text = given.text.strip().replace("\r\n", "\n")
    limit = SHORT_TEXT_MAX if question.kind == QuestionKind.SHORT_TEXT else LONG_TEXT_MAX
    if len(text) > limit:
        checked.error = _(
            "This answer has %(length)s characters; at most %(limit)s are allowed."
        ) % {"length": len(text), "limit": limit}
        return
    if text:
        checked.rows.append(Answer(question=question, text=text))


def _scale_value(question: Question, text: str) -> int | str | None:
    """The value, None when blank, or an error message."""
    if not text.strip():
        return None
    number = _integer(text)
    if number is None or not question.scale_min <= number <= question.scale_max:
        return _("Choose a value from %(low)s to %(high)s.") % {
            "low": question.scale_min,
            "high": question.scale_max,
        }
    return number


def _scale_check(question: Question, given: AnswerValue, checked: _Checked) -> None:
    value = _scale_value(question, given.value)
    if isinstance(value, str):
        checked.error = value
    elif value is not None:
        checked.rows.append(Answer(question=question, number=value))


def _ranking_check(question: Question, given: AnswerValue, checked: _Checked) -> None:
    options = {option.key: option for option in question.options.all()}
    if any(key not in options for key in given.values):
        checked.error = _("Rank only the options shown.")
        return
    ranks: dict[str, int] = {}
    for key, text in given.values.items():
        if not text.strip():
            continue
        rank = _integer(text)
        if rank is None or not 1 <= rank <= len(options):
            checked.error = _("Give ranks from 1 to %(count)s.") % {"count": len(options)}
            return
        ranks[key] = rank
    used = sorted(ranks.values())
    if len(set(used)) != len(used):
        checked.error = _("Give each rank to one option only.")
        return
    if used != list(range(1, len(used) + 1)):
        checked.error = _("Rank from 1 without gaps: 1, 2, 3…")
        return
    for key, rank in sorted(ranks.items(), key=lambda item: item[1]):
        checked.rows.append(Answer(question=question, option=options[key], number=rank))


def _matrix_check(question: Question, given: AnswerValue, checked: _Checked) -> None:
    rows = {option.key: option for option in question.options.all()}
    if any(key not in rows for key in given.values):
        checked.error = _("Answer only the rows shown.")
        return
    for key, option in rows.items():
        value = _scale_value(question, given.values.get(key, ""))
        if isinstance(value, str):
            checked.error = value
            return
        if value is not None:
            checked.rows.append(Answer(question=question, option=option, number=value))


_CHECKS = {
    QuestionKind.SINGLE: _choice_check,
    QuestionKind.MULTIPLE: _choice_check,
    QuestionKind.SHORT_TEXT: _text_check,
    QuestionKind.LONG_TEXT: _text_check,
    QuestionKind.SCALE: _scale_check,
    QuestionKind.RANKING: _ranking_check,
    QuestionKind.MATRIX: _matrix_check,
}


def _is_complete(question: Question, checked: _Checked) -> bool:
    if question.kind == QuestionKind.MATRIX:
        return len(checked.rows) == len(question.options.all())
    return bool(checked.rows)


def answers_check(
    *, questions: SurveyQuestions, answers: Mapping[int, AnswerValue], is_final: bool
) -> list[Answer]:
    """The answer rows to write (unsaved, without response), or a ValidationError listing
    every question's problem. ``is_final``: required questions must be answered (a draft
    may leave anything blank; its answers are checked all the same)."""
    errors: dict[str, list[str]] = {}
    shown_chosen: dict[int, set[int]] = {}
    rows: list[Answer] = []
    for question in questions.questions:
        if question.shown_if_question_id is not None:
            condition_met = question.shown_if_question_id in shown_chosen and bool(
                shown_chosen[question.shown_if_question_id]
                & {option.pk for option in question.shown_if_options.all()}
            )
            if not condition_met:
                continue
        checked = _Checked()
        given = answers.get(question.pk, AnswerValue())
        _CHECKS[QuestionKind(question.kind)](question, given, checked)
        if checked.error:
            errors[field_name(question)] = [checked.error]
            continue
        if is_final and question.required and not _is_complete(question, checked):
            if question.kind == QuestionKind.MATRIX and checked.rows:
                errors[field_name(question)] = [_("Answer every row of this question.")]
            else:
                errors[field_name(question)] = [_("This question needs an answer.")]
            continue
        shown_chosen[question.pk] = checked.chosen_option_ids
        rows.extend(checked.rows)
    if errors:
        raise ValidationError(errors)
    return rows


# --- Drafts and sending --------------------------------------------------------------------


def _survey_open_check(survey: Survey, now: datetime.datetime) -> None:
    if not survey.is_published:
        raise ValidationError(_("This survey is not published."), code="unpublished")
    if now < survey.opens_at:
        raise ValidationError(_("This survey is not open yet."), code="not_open")
    if survey.is_closed(now):
        raise ValidationError(
            _("This survey is closed; answers are no longer taken."), code="closed"
        )


def _user_check(user: User) -> None:
    if not user.is_authenticated or not user.is_active:
        raise ValidationError(_("Sign in to answer this survey."), code="sign_in")
    if user.email_confirmed_at is None:
        raise ValidationError(
            _("Confirm your email address before answering surveys."), code="unconfirmed"
        )


def _already_answered() -> ValidationError:
    return ValidationError(_("You have already answered this survey."), code="already_answered")


def response_for_user(*, survey: Survey, user: User) -> Response | None:
    """The account's response to the survey (draft or sent), if any is linked to it.

    A response sent anonymously is found by its key only for account surveys (it is
    keyed by the account); under the verified rule, by the CNP it was sent with.
    """
    found = Response.objects.filter(
        survey=survey, respondent_key=respondent_key_for_user(survey=survey, user=user)
    ).first()
    if found is None:
        found = (
            Response.objects.filter(survey=survey, user=user)
            .order_by("-submitted_at", "-pk")
            .first()
        )
    return found


def _answers_replace(response: Response, rows: Sequence[Answer]) -> None:
    Answer.objects.filter(response=response).delete()
    for row in rows:
        row.response = response
        row.municipality_id = response.municipality_id
    Answer.objects.bulk_create(rows)


def _draft_lock(*, survey: Survey, user: User, now: datetime.datetime) -> Response:
    """The account's draft, locked for this transaction (created when there is none)."""
    key = respondent_key_for_user(survey=survey, user=user)
    response = (
        Response.objects.select_for_update().filter(survey=survey, respondent_key=key).first()
    )
    if response is None:
        try:
            with transaction.atomic():
                response = Response.objects.create(
                    municipality_id=survey.municipality_id,
                    survey=survey,
                    respondent_key=key,
                    user=user,
                    started_at=now,
                )
        except IntegrityError:
            # Another request of this person created it first.
            response = Response.objects.select_for_update().get(survey=survey, respondent_key=key)
    if response.submitted_at is not None:
        raise _already_answered()
    return response


def response_draft_save(
    *,
    survey: Survey,
    user: User,
    answers: Mapping[int, AnswerValue],
    language: str = "",
    now: datetime.datetime | None = None,
) -> Response:
    """Save the person's answers so far as a draft (nothing required yet).

    Raises ValidationError (nothing written) when the survey is not open, the account may
    not answer, the person has already sent a response, or an answer is invalid.
    """
    now = now or timezone.now()
    _survey_open_check(survey, now)
    _user_check(user)
    questions = survey_questions(survey=survey)
    rows = answers_check(questions=questions, answers=answers, is_final=False)
    with transaction.atomic():
        response = _draft_lock(survey=survey, user=user, now=now)
        if Response.objects.filter(survey=survey, user=user, submitted_at__isnull=False).exists():
            raise _already_answered()
        response.language = language[:10]
        response.save(update_fields=["language", "updated_at"])
        _answers_replace(response, rows)
    return response


def response_submit(
    *,
    survey: Survey,
    user: User,
    answers: Mapping[int, AnswerValue],
    is_anonymous: bool = False,
    cnp: str = "",
    language: str = "",
    now: datetime.datetime | None = None,
) -> Response:
    """Send the person's response: every answer checked, required questions answered.

    Under the verified rule, ``cnp`` is the personal numeric code typed (checked, the
    person aged 14 or more; only its keyed digest is kept). ``is_anonymous`` (when the
    survey allows it) unlinks the response from the account. Raises ValidationError
    (nothing written) on any problem, including a second response.
    """
    now = now or timezone.now()
    _survey_open_check(survey, now)
    _user_check(user)
    if is_anonymous and not survey.anonymous_allowed:
        raise ValidationError({"is_anonymous": _("This survey does not take anonymous answers.")})
    questions = survey_questions(survey=survey)
    errors: dict[str, list[str]] = {}
    key = respondent_key_for_user(survey=survey, user=user)
    if survey.respondent_rule == RespondentRule.VERIFIED:
        try:
            key = respondent_key_for_cnp(
                survey=survey, cnp_number=_cnp_check(survey=survey, cnp=cnp)
            )
        except ValidationError as error:
            errors.update(error.message_dict)
    try:
        rows = answers_check(questions=questions, answers=answers, is_final=True)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        draft = _draft_lock(survey=survey, user=user, now=now)
        if Response.objects.filter(survey=survey, user=user, submitted_at__isnull=False).exists():
            raise _already_answered()
        if key != draft.respondent_key:
            if Response.objects.filter(survey=survey, respondent_key=key).exists():
                raise ValidationError(
                    {"cnp": _("A response was already sent with this personal numeric code.")},
                    code="already_answered",
                )
            draft.respondent_key = key
        draft.submitted_at = now
        draft.language = language[:10]
        draft.is_anonymous = is_anonymous
        draft.user = None if is_anonymous else user
        try:
            with transaction.atomic():
                draft.save()
        except IntegrityError:
            raise ValidationError(
                {"cnp": _("A response was already sent with this personal numeric code.")},
                code="already_answered",
            ) from None
        _answers_replace(draft, rows)
    return draft
