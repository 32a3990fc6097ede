"""Themes of a text question's open answers: found automatically (``participation.themes``),
then renamed, merged and moved between by staff. Every write is audited and moves the
participation cache version.

What a new search keeps: the themes staff renamed (``Theme.renamed``) stay, with the answers
they hold; the automatic themes are deleted and every other answer is grouped again, so
the answers sent since the last search find a theme. Staff who want to keep a theme they
merged into, or moved answers into, rename it (the page says so). With nothing renamed, the
stored themes are exactly ``themes_find``'s on the question's answers.

The answers grouped are the open answers of submitted responses (drafts are not answers yet),
in the order they were written. Up to ``THEMES_INLINE_LIMIT`` answers are grouped during the
request (about a second); beyond, a background task does it (``manage.py db_worker``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_tasks import task

from digiplace.core.audit import audit_record, model_snapshot
from digiplace.core.cache_versions import cache_version_bump
from digiplace.core.models import AuditAction, User
from digiplace.participation.themes import (
    ThemeInputError,
    answers_vectorise,
    theme_terms,
    themes_find,
)

from ..models import Answer, Question, Theme

MODULE = "participation"
THEMES_INLINE_LIMIT = 300
THEME_COUNT_MAX = 20
LABEL_TERMS = 3
LABEL_MAX = 200
UPDATE_CHUNK = 500
# While a queued search waits or runs, the themes page says so (for at most an hour).
PENDING_SECONDS = 3600


def _pending_key(question_id: int) -> str:
    return f"participation:themes-pending:{question_id}"


def themes_pending(*, question: Question) -> bool:
    """Whether a search for this question's themes is queued or running."""
    return cache.get(_pending_key(question.pk)) is not None


def theme_answers(*, question: Question) -> QuerySet[Answer]:
    """The answers that themes group: open answers of submitted responses, oldest first."""
    return (
        Answer.objects.filter(
            question=question, response__submitted_at__isnull=False, is_other=False
        )
        .exclude(text="")
        .order_by("pk")
    )


def _question_words(question: Question) -> str:
    texts = [getattr(question, f"text_{language}", "") or "" for language in ("ro", "en")]
    return " ".join(text for text in texts if text)


def theme_label_from_terms(terms: Sequence[str], *, number: int) -> str:
    return ", ".join(terms[:LABEL_TERMS])[:LABEL_MAX] or f"#{number}"


@dataclass(frozen=True)
class ThemesFindOutcome:
    is_queued: bool
    answer_count: int
    theme_count: int


def _question_check(question: Question, count: int | None) -> None:
    if not question.is_text:
        raise ValidationError(_("Only the answers of a text question are grouped into themes."))
    if count is not None and not 1 <= count <= THEME_COUNT_MAX:
        raise ValidationError(
            {"count": _("Ask for 1 to %(count)s themes.") % {"count": THEME_COUNT_MAX}}
        )


def themes_find_start(
    *, actor: User | None, question: Question, count: int | None = None
) -> ThemesFindOutcome:
    """Group the question's answers now, or queue the work when there are many."""
    _question_check(question, count)
    answer_count = theme_answers(question=question).count()
    if answer_count > THEMES_INLINE_LIMIT:
        actor_id = actor.pk if actor is not None else None
        cache.set(_pending_key(question.pk), True, timeout=PENDING_SECONDS)
        transaction.on_commit(
            lambda: survey_themes_find_task.enqueue(
                question_id=question.pk, count=count, actor_id=actor_id
            )
        )
        return ThemesFindOutcome(is_queued=True, answer_count=answer_count, theme_count=0)
    themes = themes_store(actor=actor, question=question, count=count)
    return ThemesFindOutcome(is_queued=False, answer_count=answer_count, theme_count=len(themes))


def themes_store(
    *, actor: User | None, question: Question, count: int | None = None
) -> list[Theme]:
    """Find the themes of the answers not in a renamed theme and store them (replacing the
    automatic themes); the themes of the question afterwards, in order."""
    _question_check(question, count)
    with transaction.atomic():
        question = Question.objects.select_for_update().get(pk=question.pk)
        kept = list(question.themes.filter(renamed=True).order_by("position", "pk"))
        rows = list(
            theme_answers(question=question).exclude(theme__in=kept).values_list("pk", "text")
        )
        try:
            found = themes_find(
                [text for _pk, text in rows], count=count, question=_question_words(question)
            )
        except ThemeInputError as error:
            raise ValidationError(str(error)) from error
        for theme in question.themes.filter(renamed=False):
            audit_record(
                actor=actor,
                municipality=question.municipality,
                action=AuditAction.DELETE,
                instance=theme,
                before=_theme_snapshot(theme),
            )
            theme.delete()
        # The answers of the deleted themes are left without a theme (SET_NULL).
        for position, theme in enumerate(kept):
            if theme.position != position:
                theme.position = position
                theme.save(update_fields=["position"])
        created: list[Theme] = []
        members: dict[int, list[int]] = defaultdict(list)
        for number, found_theme in enumerate(found.themes):
            theme = Theme.objects.create(
                question=question,
                municipality_id=question.municipality_id,
                label=theme_label_from_terms(found_theme.terms, number=number + 1),
                terms=list(found_theme.terms),
                position=len(kept) + number,
            )
            created.append(theme)
        for (pk, _text), theme_index in zip(rows, found.assignment, strict=True):
            if theme_index is not None:
                members[theme_index].append(pk)
        for theme_index, answer_pks in members.items():
            _answers_set(answer_pks, created[theme_index])
        for theme in created:
            audit_record(
                actor=actor,
                municipality=question.municipality,
                action=AuditAction.CREATE,
                instance=theme,
                after=_theme_snapshot(theme),
            )
        cache_version_bump(question.municipality_id, MODULE)
    return kept + created


def _answers_set(answer_pks: Sequence[int], theme: Theme | None) -> None:
    for start in range(0, len(answer_pks), UPDATE_CHUNK):
        Answer.objects.filter(pk__in=answer_pks[start : start + UPDATE_CHUNK]).update(theme=theme)


def _theme_snapshot(theme: Theme) -> dict[str, object]:
    snapshot = model_snapshot(theme)
    snapshot["answer_count"] = theme.answers.count() if theme.pk else 0
    return snapshot


@task()
def survey_themes_find_task(*, question_id: int, count: int | None, actor_id: int | None) -> int:
    """Find and store the themes of a question with many answers; the number of themes."""
    question = Question.objects.filter(pk=question_id).first()
    if question is None:  # deleted meanwhile
        cache.delete(_pending_key(question_id))
        return 0
    actor = User.objects.filter(pk=actor_id).first() if actor_id is not None else None
    try:
        return len(themes_store(actor=actor, question=question, count=count))
    finally:
        cache.delete(_pending_key(question_id))


def theme_rename(*, actor: User | None, theme: Theme, label: str) -> Theme:
    """Name a theme; a renamed theme is kept by later searches (see the module's text)."""
    label = " ".join(label.split())
    if not label:
        raise ValidationError({"label": _("Write the theme's name.")})
    if len(label) > LABEL_MAX:
        raise ValidationError(
            {"label": _("A theme's name has at most %(count)s characters.") % {"count": LABEL_MAX}}
        )
    with transaction.atomic():
        theme = Theme.objects.select_for_update().get(pk=theme.pk)
        before = model_snapshot(theme)
        theme.label = label
        theme.renamed = True
        theme.save()
        audit_record(
            actor=actor,
            municipality=theme.municipality,
            action=AuditAction.UPDATE,
            instance=theme,
            before=before,
            after=model_snapshot(theme),
        )
    return theme


def themes_merge(*, actor: User | None, theme: Theme, into: Theme) -> Theme:
    """Move every answer of ``theme`` into ``into``, delete ``theme`` and find the merged
    theme's top terms again."""
    if theme.pk == into.pk:
        raise ValidationError({"into": _("Choose another theme to merge with.")})
    if theme.question_id != into.question_id:
        raise ValidationError({"into": _("Choose a theme of the same question.")})
    with transaction.atomic():
        locked = {
            item.pk: item
            for item in Theme.objects.select_for_update().filter(pk__in=[theme.pk, into.pk])
        }
        if len(locked) != 2:
            raise ValidationError({"into": _("That theme no longer exists.")})
        theme, into = locked[theme.pk], locked[into.pk]
        before_into = _theme_snapshot(into)
        audit_record(
            actor=actor,
            municipality=theme.municipality,
            action=AuditAction.DELETE,
            instance=theme,
            before=_theme_snapshot(theme),
        )
        Answer.objects.filter(theme=theme).update(theme=into)
        theme.delete()
        into.terms = _terms_of(into)
        into.save()
        audit_record(
            actor=actor,
            municipality=into.municipality,
            action=AuditAction.UPDATE,
            instance=into,
            before=before_into,
            after=_theme_snapshot(into),
        )
        cache_version_bump(into.municipality_id, MODULE)
    return into


def _terms_of(theme: Theme) -> list[str]:
    """The theme's top terms, weighed against all the question's answers."""
    texts = list(theme_answers(question=theme.question).values_list("text", flat=True))
    inside = list(theme.answers.values_list("text", flat=True))
    if not texts or not inside:
        return []
    vectors = answers_vectorise(texts, question=_question_words(theme.question))
    return theme_terms(inside, vectors=vectors)


def answers_move(
    *, actor: User | None, question: Question, answer_ids: Sequence[int], theme: Theme | None
) -> int:
    """Put answers of the question into ``theme`` (None: no theme); how many moved."""
    if not answer_ids:
        raise ValidationError({"answers": _("Choose at least one answer to move.")})
    if theme is not None and theme.question_id != question.pk:
        raise ValidationError({"theme": _("Choose a theme of this question.")})
    with transaction.atomic():
        answers = list(
            theme_answers(question=question)
            .select_for_update(of=("self",))
            .filter(pk__in=set(answer_ids))
        )
        if len(answers) != len(set(answer_ids)):
            raise ValidationError({"answers": _("Choose answers of this question.")})
        target_id = theme.pk if theme is not None else None
        moved = [answer for answer in answers if answer.theme_id != target_id]
        for answer in moved:
            audit_record(
                actor=actor,
                municipality=question.municipality,
                action=AuditAction.UPDATE,
                instance=answer,
                before={"theme_id": answer.theme_id},
                after={"theme_id": target_id},
            )
        _answers_set([answer.pk for answer in moved], theme)
        if moved:
            cache_version_bump(question.municipality_id, MODULE)
    return len(moved)
