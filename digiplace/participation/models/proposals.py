"""Residents' proposals: supports (once each), threaded comments, flags for moderation,
and the city's answer; an accepted proposal may become a plan or budgeting project."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiplace.core.models import CityOwnedModel

from .processes import Process


class ProposalCategory(CityOwnedModel):
    slug = models.SlugField(_("short name"), max_length=80)
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("proposal category")
        verbose_name_plural = _("proposal categories")
        ordering = ["municipality", "position", "slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "slug"], name="proposal_category_unique_slug"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProposalStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    EVALUATING = "evaluating", _("Being evaluated")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Proposal(CityOwnedModel):
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="proposals")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("proposal"), max_length=5000)
    category = models.ForeignKey(
        ProposalCategory,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("category"),
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    photo = models.ImageField(_("photo"), upload_to="participation/proposals/%Y/%m/", blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ProposalStatus, default=ProposalStatus.PUBLISHED
    )
    # The city's answer: required when rejecting.
    answer = models.TextField(_("the city's answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    # What the accepted proposal became: a plan project (a ``core.links`` reference) or a
    # budgeting project of this module.
    plan_project_ref = models.CharField(_("plan project"), max_length=200, blank=True)
    budget_project = models.ForeignKey(
        "BudgetProject",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("budgeting project"),
    )
    is_hidden = models.BooleanField(_("hidden by moderation"), default=False)
    support_count = models.PositiveIntegerField(_("supports"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(answer=""),
                name="proposal_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="proposal_location_complete",
            ),
        ]
        indexes = [models.Index(fields=["process", "is_hidden", "-created_at"])]

    def __str__(self) -> str:
        return self.title


class ProposalSupport(CityOwnedModel):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="proposal_support_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.proposal_id}"


class ProposalComment(CityOwnedModel):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("comment"), max_length=3000)
    is_hidden = models.BooleanField(_("hidden by moderation"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["proposal", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.body[:40]}"


class FlagTarget(models.TextChoices):
    PROPOSAL = "proposal", _("Proposal")
    COMMENT = "comment", _("Comment")
    QUESTION = "question", _("Forum question")


class ContentFlag(CityOwnedModel):
    """A resident's report of abusive content, for the moderators' queue."""

    target = models.CharField(_("flagged"), max_length=10, choices=FlagTarget)
    target_id = models.PositiveBigIntegerField()
    reason = models.CharField(_("reason"), max_length=500)
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_resolved = models.BooleanField(_("resolved"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["municipality", "is_resolved", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "target_id", "flagged_by"], name="content_flag_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.target_id}: {self.reason[:40]}"
