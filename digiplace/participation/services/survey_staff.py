"""The survey builder: staff create and edit surveys and their questions, each write audited
and made in one transaction (a refused change writes nothing).

Once a survey has submitted answers, its questions may still be reworded (texts, help,
labels of options and scale ends, new options), but nothing that answers point to may go:
a question with answers cannot be deleted or change its kind or scale, an option with
answers cannot be removed, and the "Other" choice stays while someone chose it. The check
counts every answer, drafts included, since a draft turns into a response unchanged.

A condition ("shown only if the answer to an earlier question includes one of these
options") names a single or multiple choice question placed before the question; moving
questions keeps it so, and removing a condition's option or question is refused while the
condition uses it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from digiplace.core.audit import audit_record, model_snapshot
from digiplace.core.models import AuditAction, User

from ..models import (
    Answer,
    Process,
    Question,
    QuestionKind,
    QuestionOption,
    RespondentRule,
    ResultsVisibility,
    Survey,
)

CHOICE_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.MULTIPLE})
OPTION_KINDS = CHOICE_KINDS | {QuestionKind.RANKING, QuestionKind.MATRIX}
SCALE_KINDS = frozenset({QuestionKind.SCALE, QuestionKind.MATRIX})
# The key the public form gives the "Other" choice (services.surveys.OTHER).
RESERVED_KEYS = frozenset({"__other__"})
OPTION_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
MAX_OPTIONS = 50
SCALE_RANGE_MAX = 20


def _errors(errors: dict[str, list[str]]) -> ValidationError:
    return ValidationError(
        {name: [ValidationError(text) for text in texts] for name, texts in errors.items()}
    )


# Surveys


@dataclass(frozen=True)
class SurveyFields:
    """What staff write about a survey (texts in Romanian and English)."""

    slug: str
    title_ro: str
    title_en: str
    description_ro: str
    description_en: str
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    results_visibility: str
    respondent_rule: str
    anonymous_allowed: bool
    is_published: bool


def _survey_check(*, process: Process, fields: SurveyFields, survey: Survey | None) -> None:
    errors: dict[str, list[str]] = {}
    if not fields.title_ro.strip():
        errors["title_ro"] = [_("Write the title in Romanian.")]
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,79}", fields.slug):
        errors["slug"] = [_("Use lowercase letters, digits and hyphens, such as “tram-2026”.")]
    elif (
        Survey.objects.for_municipality(process.municipality)
        .filter(slug=fields.slug)
        .exclude(pk=survey.pk if survey else 0)
        .exists()
    ):
        errors["slug"] = [_("Another survey of this city already has this short name.")]
    if fields.opens_at >= fields.closes_at:
        errors["closes_at"] = [_("The survey must close after it opens.")]
    if fields.results_visibility not in ResultsVisibility.values:
        errors["results_visibility"] = [_("Choose when the results are public.")]
    if fields.respondent_rule not in RespondentRule.values:
        errors["respondent_rule"] = [_("Choose who may answer.")]
    elif (
        survey is not None
        and fields.respondent_rule != survey.respondent_rule
        and survey.responses.exists()
    ):
        # Responses are kept one per person by a key made under the rule they were sent with.
        errors["respondent_rule"] = [
            _("People have already answered: who may answer can no longer change.")
        ]
    if errors:
        raise _errors(errors)


def _survey_fields_set(survey: Survey, fields: SurveyFields) -> None:
    survey.slug = fields.slug
    survey.title_ro = fields.title_ro.strip()  # type: ignore[attr-defined]
    survey.title_en = fields.title_en.strip()  # type: ignore[attr-defined]
    survey.description_ro = fields.description_ro.strip()  # type: ignore[attr-defined]
    survey.description_en = fields.description_en.strip()  # type: ignore[attr-defined]
    survey.opens_at = fields.opens_at
    survey.closes_at = fields.closes_at
    survey.results_visibility = fields.results_visibility
    survey.respondent_rule = fields.respondent_rule
    survey.anonymous_allowed = fields.anonymous_allowed
    survey.is_published = fields.is_published


def survey_create(*, actor: User | None, process: Process, fields: SurveyFields) -> Survey:
    with transaction.atomic():
        _survey_check(process=process, fields=fields, survey=None)
        survey = Survey(process=process, municipality_id=process.municipality_id)
        _survey_fields_set(survey, fields)
        survey.save()
        audit_record(
            actor=actor,
            municipality=process.municipality,
            action=AuditAction.CREATE,
            instance=survey,
            after=model_snapshot(survey),
        )
    return survey


def survey_update(*, actor: User | None, survey: Survey, fields: SurveyFields) -> Survey:
    with transaction.atomic():
        survey = Survey.objects.select_for_update().select_related("process").get(pk=survey.pk)
        _survey_check(process=survey.process, fields=fields, survey=survey)
        before = model_snapshot(survey)
        _survey_fields_set(survey, fields)
        survey.save()
        audit_record(
            actor=actor,
            municipality=survey.process.municipality,
            action=AuditAction.UPDATE,
            instance=survey,
            before=before,
            after=model_snapshot(survey),
        )
    return survey


# Questions


@dataclass(frozen=True)
class OptionSpec:
    """One option as staff wrote it: its key (kept in answers and exports) and labels."""

    key: str
    label_ro: str
    label_en: str = ""


@dataclass(frozen=True)
class QuestionFields:
    kind: str
    text_ro: str
    text_en: str = ""
    help_text_ro: str = ""
    help_text_en: str = ""
    required: bool = False
    max_choices: int | None = None
    has_other: bool = False
    scale_min: int = 1
    scale_max: int = 5
    scale_min_label_ro: str = ""
    scale_min_label_en: str = ""
    scale_max_label_ro: str = ""
    scale_max_label_en: str = ""
    options: Sequence[OptionSpec] = field(default_factory=tuple)
    shown_if_question_id: int | None = None
    shown_if_option_ids: Sequence[int] = field(default_factory=tuple)


def _options_check(fields: QuestionFields, errors: dict[str, list[str]]) -> None:
    problems: list[str] = []
    keys: set[str] = set()
    for option in fields.options:
        if option.key in RESERVED_KEYS or not OPTION_KEY.match(option.key):
            problems.append(
                _(
                    "“%(key)s” cannot be a key: use lowercase letters, digits, hyphens and "
                    "underscores, starting with a letter or digit."
                )
                % {"key": option.key}
            )
        elif option.key in keys:
            problems.append(_("The key “%(key)s” is used twice.") % {"key": option.key})
        keys.add(option.key)
        if not option.label_ro.strip():
            problems.append(_("Option “%(key)s” needs a label in Romanian.") % {"key": option.key})
    if fields.kind not in OPTION_KINDS:
        if fields.options:
            problems.append(_("Only choice, ranking and matrix questions have options."))
    elif len(fields.options) > MAX_OPTIONS:
        problems.append(_("A question has at most %(count)s options.") % {"count": MAX_OPTIONS})
    else:
        choices = len(fields.options) + (1 if fields.has_other else 0)
        if fields.kind == QuestionKind.MATRIX and not fields.options:
            problems.append(_("A matrix needs at least one row."))
        elif fields.kind != QuestionKind.MATRIX and choices < 2:
            problems.append(_("Give at least two options."))
    if problems:
        errors["options"] = problems


def _numbers_check(fields: QuestionFields, errors: dict[str, list[str]]) -> None:
    if fields.max_choices is not None:
        if fields.kind != QuestionKind.MULTIPLE:
            errors["max_choices"] = [_("Only a question with several choices has a maximum.")]
        elif fields.max_choices < 1:
            errors["max_choices"] = [_("The maximum number of choices must be at least 1.")]
        elif fields.max_choices > len(fields.options) + (1 if fields.has_other else 0):
            errors["max_choices"] = [_("The maximum is larger than the number of options.")]
    if fields.has_other and fields.kind not in CHOICE_KINDS:
        errors["has_other"] = [_("Only single and multiple choice questions have “Other”.")]
    if fields.kind in SCALE_KINDS:
        if fields.scale_min >= fields.scale_max:
            errors["scale_max"] = [_("The highest value must be greater than the lowest.")]
        elif fields.scale_max - fields.scale_min > SCALE_RANGE_MAX:
            errors["scale_max"] = [
                _("A scale has at most %(count)s steps.") % {"count": SCALE_RANGE_MAX + 1}
            ]


def _condition_check(
    *,
    survey: Survey,
    question: Question | None,
    fields: QuestionFields,
    errors: dict[str, list[str]],
) -> Question | None:
    """The question the condition names, or None; problems go into ``errors``."""
    if fields.shown_if_question_id is None:
        if fields.shown_if_option_ids:
            errors["shown_if_question"] = [_("Choose the question the condition depends on.")]
        return None
    source = (
        Question.objects.filter(survey=survey, pk=fields.shown_if_question_id)
        .exclude(pk=question.pk if question else 0)
        .first()
    )
    if source is None:
        errors["shown_if_question"] = [_("Choose a question of this survey.")]
        return None
    if source.kind not in CHOICE_KINDS:
        errors["shown_if_question"] = [
            _("A condition depends on a single or multiple choice question.")
        ]
        return None
    if question is not None and (source.position, source.pk) >= (question.position, question.pk):
        errors["shown_if_question"] = [
            _("A condition depends on a question placed before this one.")
        ]
        return None
    own = set(source.options.values_list("pk", flat=True))
    if not fields.shown_if_option_ids:
        errors["shown_if_options"] = [_("Choose at least one option of that question.")]
    elif not set(fields.shown_if_option_ids) <= own:
        errors["shown_if_options"] = [_("Choose options of the question the condition depends on.")]
    return source


def _answers_check(
    *, question: Question, fields: QuestionFields, errors: dict[str, list[str]]
) -> None:
    """What the existing answers and conditions forbid to change."""
    answers = Answer.objects.filter(question=question)
    has_answers = answers.exists()
    if has_answers and fields.kind != question.kind:
        errors["kind"] = [_("This question has answers: its kind can no longer change.")]
    if (
        has_answers
        and question.kind in SCALE_KINDS
        and (fields.scale_min, fields.scale_max) != (question.scale_min, question.scale_max)
    ):
        errors["scale_max"] = [_("This question has answers: its scale can no longer change.")]
    if question.has_other and not fields.has_other and answers.filter(is_other=True).exists():
        errors["has_other"] = [_("Some answers chose “Other”: it cannot be removed.")]
    kept = {option.key for option in fields.options}
    removed = [option for option in question.options.all() if option.key not in kept]
    answered = [option for option in removed if Answer.objects.filter(option=option).exists()]
    if answered:
        errors.setdefault("options", []).append(
            ngettext(
                "This option has answers and cannot be removed: %(labels)s.",
                "These options have answers and cannot be removed: %(labels)s.",
                len(answered),
            )
            % {"labels": ", ".join(f"“{option.label}” ({option.key})" for option in answered)}
        )
    used = [
        option
        for option in removed
        if Question.shown_if_options.through.objects.filter(questionoption_id=option.pk).exists()
    ]
    if used:
        errors.setdefault("options", []).append(
            _("A condition of another question uses these options: %(labels)s.")
            % {"labels": ", ".join(f"“{option.label}”" for option in used)}
        )
    if fields.kind not in CHOICE_KINDS and question.dependent_questions.exists():
        errors["kind"] = [
            _("Other questions are shown depending on this one: it stays a choice question.")
        ]


def _question_fields_set(question: Question, fields: QuestionFields) -> None:
    question.kind = fields.kind
    question.text_ro = fields.text_ro.strip()  # type: ignore[attr-defined]
    question.text_en = fields.text_en.strip()  # type: ignore[attr-defined]
    question.help_text_ro = fields.help_text_ro.strip()  # type: ignore[attr-defined]
    question.help_text_en = fields.help_text_en.strip()  # type: ignore[attr-defined]
    question.required = fields.required
    question.max_choices = fields.max_choices if fields.kind == QuestionKind.MULTIPLE else None
    question.has_other = fields.has_other and fields.kind in CHOICE_KINDS
    is_scale = fields.kind in SCALE_KINDS
    question.scale_min = fields.scale_min if is_scale else 1
    question.scale_max = fields.scale_max if is_scale else 5
    question.scale_min_label_ro = fields.scale_min_label_ro.strip() if is_scale else ""  # type: ignore[attr-defined]
    question.scale_min_label_en = fields.scale_min_label_en.strip() if is_scale else ""  # type: ignore[attr-defined]
    question.scale_max_label_ro = fields.scale_max_label_ro.strip() if is_scale else ""  # type: ignore[attr-defined]
    question.scale_max_label_en = fields.scale_max_label_en.strip() if is_scale else ""  # type: ignore[attr-defined]


def _audit(
    actor: User | None,
    action: AuditAction,
    instance: Question | QuestionOption | Survey,
    before: dict[str, object] | None = None,
) -> None:
    audit_record(
        actor=actor,
        municipality=instance.municipality,
        action=action,
        instance=instance,
        before=before,
        after=None if action == AuditAction.DELETE else model_snapshot(instance),
    )


def _options_save(*, actor: User | None, question: Question, options: Sequence[OptionSpec]) -> None:
    existing = {option.key: option for option in question.options.all()}
    wanted = {spec.key for spec in options}
    for key, option in existing.items():
        if key not in wanted:
            _audit(actor, AuditAction.DELETE, option, before=model_snapshot(option))
            option.delete()
    for position, spec in enumerate(options):
        found = existing.get(spec.key)
        if found is None:
            option = QuestionOption(
                question=question, municipality_id=question.municipality_id, key=spec.key
            )
            before = None
        else:
            option = found
            before = model_snapshot(option)
        option.label_ro = spec.label_ro.strip()  # type: ignore[attr-defined]
        option.label_en = spec.label_en.strip()  # type: ignore[attr-defined]
        option.position = position
        if before is None:
            option.save()
            _audit(actor, AuditAction.CREATE, option)
        elif model_snapshot(option) != before:
            option.save()
            _audit(actor, AuditAction.UPDATE, option, before=before)


def _condition_save(question: Question, source: Question | None, fields: QuestionFields) -> None:
    question.shown_if_question = source
    question.save()
    question.shown_if_options.set(list(fields.shown_if_option_ids) if source else [])


def question_create(*, actor: User | None, survey: Survey, fields: QuestionFields) -> Question:
    """Add a question at the end of the survey."""
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        errors: dict[str, list[str]] = {}
        _question_text_check(fields, errors)
        _options_check(fields, errors)
        _numbers_check(fields, errors)
        source = _condition_check(survey=survey, question=None, fields=fields, errors=errors)
        if errors:
            raise _errors(errors)
        last = survey.questions.order_by("-position").values_list("position", flat=True).first()
        question = Question(
            survey=survey,
            municipality_id=survey.municipality_id,
            position=0 if last is None else last + 1,
        )
        _question_fields_set(question, fields)
        _condition_save(question, source, fields)
        _audit(actor, AuditAction.CREATE, question)
        _options_save(actor=actor, question=question, options=fields.options)
    return question


def question_update(*, actor: User | None, question: Question, fields: QuestionFields) -> Question:
    with transaction.atomic():
        Survey.objects.select_for_update().get(pk=question.survey_id)
        question = Question.objects.select_related("survey").get(pk=question.pk)
        errors: dict[str, list[str]] = {}
        _question_text_check(fields, errors)
        _options_check(fields, errors)
        _numbers_check(fields, errors)
        source = _condition_check(
            survey=question.survey, question=question, fields=fields, errors=errors
        )
        _answers_check(question=question, fields=fields, errors=errors)
        if errors:
            raise _errors(errors)
        before = model_snapshot(question)
        before["shown_if_options"] = sorted(question.shown_if_options.values_list("pk", flat=True))
        _question_fields_set(question, fields)
        _condition_save(question, source, fields)
        after = model_snapshot(question)
        after["shown_if_options"] = sorted(question.shown_if_options.values_list("pk", flat=True))
        if after != before:
            audit_record(
                actor=actor,
                municipality=question.municipality,
                action=AuditAction.UPDATE,
                instance=question,
                before=before,
                after=after,
            )
        _options_save(actor=actor, question=question, options=fields.options)
    return question


def _question_text_check(fields: QuestionFields, errors: dict[str, list[str]]) -> None:
    if fields.kind not in QuestionKind.values:
        errors["kind"] = [_("Choose the kind of question.")]
    if not fields.text_ro.strip():
        errors["text_ro"] = [_("Write the question in Romanian.")]


def question_delete(*, actor: User | None, question: Question) -> None:
    """Delete a question without answers that no condition depends on."""
    with transaction.atomic():
        Survey.objects.select_for_update().get(pk=question.survey_id)
        question = Question.objects.get(pk=question.pk)
        count = Answer.objects.filter(question=question).count()
        if count:
            raise ValidationError(
                ngettext(
                    "“%(question)s” has %(count)s answer and cannot be deleted.",
                    "“%(question)s” has %(count)s answers and cannot be deleted.",
                    count,
                )
                % {"question": question.text, "count": count},
                code="has_answers",
            )
        dependent = list(question.dependent_questions.all())
        if dependent:
            raise ValidationError(
                _(
                    "These questions are shown depending on it; change their condition "
                    "first: %(questions)s."
                )
                % {"questions": ", ".join(f"“{item.text}”" for item in dependent)},
                code="has_dependents",
            )
        for option in question.options.all():
            _audit(actor, AuditAction.DELETE, option, before=model_snapshot(option))
        _audit(actor, AuditAction.DELETE, question, before=model_snapshot(question))
        question.delete()


def question_move(*, actor: User | None, question: Question, offset: int) -> None:
    """Move a question one place up (``offset`` -1) or down (+1), keeping every condition
    after the question it depends on."""
    if offset not in (-1, 1):
        raise ValidationError(_("A question moves one place up or down."), code="bad_offset")
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=question.survey_id)
        questions = list(survey.questions.order_by("position", "pk"))
        index = next(number for number, item in enumerate(questions) if item.pk == question.pk)
        other = index + offset
        if not 0 <= other < len(questions):
            raise ValidationError(
                _("This question is already first.")
                if offset < 0
                else _("This question is already last."),
                code="at_end",
            )
        first, second = sorted((index, other))
        earlier, later = questions[first], questions[second]
        if later.shown_if_question_id == earlier.pk:
            raise ValidationError(
                _("“%(later)s” is shown depending on “%(earlier)s”, so it stays after it.")
                % {"later": later.text, "earlier": earlier.text},
                code="condition_order",
            )
        questions[first], questions[second] = later, earlier
        for position, item in enumerate(questions):
            if item.position != position:
                before = model_snapshot(item)
                item.position = position
                item.save(update_fields=["position"])
                _audit(actor, AuditAction.UPDATE, item, before=before)
