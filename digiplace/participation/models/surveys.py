"""Surveys and consultations: questions of many kinds, responses (drafts until sent),
answers kept one row per chosen option so that results are counted by the database, and
the themes that open answers are grouped into."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiplace.core.models import CityOwnedModel

from .processes import Process


class ResultsVisibility(models.TextChoices):
    LIVE = "live", _("Live, while the survey is open")
    AFTER_CLOSE = "after_close", _("After the survey closes")
    STAFF = "staff", _("Staff only")


class RespondentRule(models.TextChoices):
    ACCOUNT = "account", _("One response per account")
    VERIFIED = "verified", _("One response per verified resident (personal numeric code)")


class Survey(CityOwnedModel):
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="surveys")
    slug = models.SlugField(_("short name"), max_length=80)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    results_visibility = models.CharField(
        _("results are public"),
        max_length=12,
        choices=ResultsVisibility,
        default=ResultsVisibility.AFTER_CLOSE,
    )
    respondent_rule = models.CharField(
        _("who may answer"), max_length=10, choices=RespondentRule, default=RespondentRule.ACCOUNT
    )
    # A respondent may choose that the response is not linked to their account.
    anonymous_allowed = models.BooleanField(_("anonymous answers allowed"), default=True)
    is_published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["process", "opens_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="survey_unique_slug"),
            models.CheckConstraint(
                condition=models.Q(opens_at__lt=models.F("closes_at")),
                name="survey_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_open(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.is_published and self.opens_at <= now < self.closes_at

    def is_closed(self, now: datetime.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.closes_at


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("One choice")
    MULTIPLE = "multiple", _("Several choices")
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    SCALE = "scale", _("Scale")
    RANKING = "ranking", _("Ranking")
    MATRIX = "matrix", _("Matrix")


class Question(CityOwnedModel):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=12, choices=QuestionKind)
    text = models.CharField(_("question"), max_length=500)
    help_text = models.CharField(_("help"), max_length=500, blank=True)
    required = models.BooleanField(_("required"), default=False)
    # Multiple choice: at most this many options (empty: any number).
    max_choices = models.PositiveSmallIntegerField(_("at most (choices)"), null=True, blank=True)
    # Choice questions: an "Other" option with its own text.
    has_other = models.BooleanField(_("has an “other” option"), default=False)
    # Scale and matrix columns: the values run from scale_min to scale_max.
    scale_min = models.SmallIntegerField(_("lowest value"), default=1)
    scale_max = models.SmallIntegerField(_("highest value"), default=5)
    scale_min_label = models.CharField(_("label of the lowest value"), max_length=100, blank=True)
    scale_max_label = models.CharField(_("label of the highest value"), max_length=100, blank=True)
    # Conditional question: shown (and required) only when the answer to that earlier
    # question includes one of these options.
    shown_if_question = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="dependent_questions",
        verbose_name=_("shown only if the answer to"),
    )
    shown_if_options: models.ManyToManyField[QuestionOption, Any] = models.ManyToManyField(
        "QuestionOption", blank=True, related_name="+", verbose_name=_("includes one of")
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scale_min__lt=models.F("scale_max")),
                name="question_scale_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_text(self) -> bool:
        return self.kind in {QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT}


class QuestionOption(CityOwnedModel):
    """A choice of a single, multiple or ranking question, or a row of a matrix."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    key = models.SlugField(_("key"), max_length=60)
    label = models.CharField(_("label"), max_length=300)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["question", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["question", "key"], name="option_unique_key")
        ]

    def __str__(self) -> str:
        return self.label


class Response(CityOwnedModel):
    """One person's response: a draft until ``submitted_at`` is set.

    ``respondent_key`` is a keyed hash of the account (or of the verified resident's
    personal numeric code), unique per survey: one response per person, even when the
    response is anonymous and ``user`` stays empty.
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    respondent_key = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    language = models.CharField(_("language"), max_length=10, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    updated_at = models.DateTimeField(_("saved"), auto_now=True)
    submitted_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["survey", "submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "respondent_key"], name="response_one_per_person"
            ),
            models.CheckConstraint(
                condition=models.Q(is_anonymous=False) | models.Q(user__isnull=True),
                name="response_anonymous_has_no_user",
            ),
        ]
        indexes = [models.Index(fields=["survey", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.survey_id}#{self.pk}"


class Theme(CityOwnedModel):
    """A group of open answers to one text question (found automatically, edited by staff)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="themes")
    label = models.CharField(_("name"), max_length=200)
    # Top terms, most characteristic first, as found when the themes were computed.
    terms = models.JSONField(_("top terms"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    renamed = models.BooleanField(_("renamed by staff"), default=False)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["question", "position", "pk"]

    def __str__(self) -> str:
        return self.label


class Answer(CityOwnedModel):
    """One piece of a response: a chosen option (with its rank, or its matrix value), a
    scale value, or a text (an open answer, or the text of an "Other" choice)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    option = models.ForeignKey(
        QuestionOption, on_delete=models.CASCADE, null=True, blank=True, related_name="answers"
    )
    # The "Other" choice of a choice question (its text is in ``text``).
    is_other = models.BooleanField(default=False)
    # Scale: the value; ranking: the option's rank (1 = first); matrix: the row's value.
    number = models.SmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    theme = models.ForeignKey(
        Theme, on_delete=models.SET_NULL, null=True, blank=True, related_name="answers"
    )

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["response", "question", "pk"]
        indexes = [
            models.Index(fields=["question", "option", "number"]),
            models.Index(fields=["question", "theme"]),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}/{self.question_id}"
