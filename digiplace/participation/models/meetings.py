"""Meetings (in the room, online or hybrid) with registration and a waiting list, and the
public forum's live questions: submitted by participants, upvoted, moderated."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiplace.core.models import CityOwnedModel

from .processes import Process


class Meeting(CityOwnedModel):
    process = models.ForeignKey(
        Process,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("process"),
    )
    slug = models.SlugField(_("short name"), max_length=80)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place_name = models.CharField(_("place"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    stream_url = models.URLField(_("online stream link"), blank=True)
    # Registration: empty capacity means no registration is needed.
    capacity = models.PositiveIntegerField(
        _("seats"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    registration_open = models.BooleanField(_("registration open"), default=True)
    # The forum: participants send questions while ``questions_open``.
    questions_enabled = models.BooleanField(_("takes questions"), default=False)
    questions_open = models.BooleanField(_("questions open now"), default=False)
    # Afterwards: minutes and the position paper.
    minutes = models.TextField(_("minutes"), blank=True)
    position_paper = models.FileField(
        _("position paper"), upload_to="participation/meetings/", blank=True
    )
    is_published = models.BooleanField(_("published"), default=False)
    is_cancelled = models.BooleanField(_("cancelled"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["municipality", "starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="meeting_unique_slug"),
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")),
                name="meeting_dates_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="meeting_location_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Seat confirmed")
    WAITING = "waiting", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class Registration(CityOwnedModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=RegistrationStatus)
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["meeting", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="registration_once")
        ]
        indexes = [models.Index(fields=["meeting", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.user_id} ({self.status})"


class ForumQuestionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the moderator")
    APPROVED = "approved", _("Approved")
    HIDDEN = "hidden", _("Hidden")
    ANSWERED = "answered", _("Answered")


class ForumQuestion(CityOwnedModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="questions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The name shown with the question (may be empty: "a participant").
    author_name = models.CharField(_("name shown"), max_length=100, blank=True)
    in_room = models.BooleanField(_("asked in the room"), default=False)
    body = models.TextField(_("question"), max_length=1000)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ForumQuestionStatus,
        default=ForumQuestionStatus.PENDING,
    )
    answer = models.TextField(_("answer"), blank=True)
    vote_count = models.PositiveIntegerField(_("votes"), default=0)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("forum question")
        verbose_name_plural = _("forum questions")
        ordering = ["meeting", "-vote_count", "created_at", "pk"]
        indexes = [models.Index(fields=["meeting", "status"])]

    def __str__(self) -> str:
        return self.body[:60]


class QuestionVote(CityOwnedModel):
    """An upvote: ``voter_key`` is a keyed hash of the account or of the anonymous
    browser session, so that each participant upvotes a question once."""

    question = models.ForeignKey(ForumQuestion, on_delete=models.CASCADE, related_name="votes")
    voter_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("question vote")
        verbose_name_plural = _("question votes")
        constraints = [
            models.UniqueConstraint(fields=["question", "voter_key"], name="question_vote_once")
        ]

    def __str__(self) -> str:
        return f"{self.question_id}"
