"""Participatory budgeting: a budget per process with zones (each its own amount), the
projects residents submit and staff review, verified voting (a census list of keyed CNP
digests, or one-time voting codes), approval ballots with receipts, published results."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiplace.core.models import CityOwnedModel

from .processes import Process, Zone


class BudgetRule(models.TextChoices):
    GREEDY = "greedy", _("Greedy (most approvals first)")
    MES = "mes", _("Method of Equal Shares")


class VotingMethod(models.TextChoices):
    CENSUS = "census", _("Personal numeric code on the census list")
    CODE = "code", _("Voting code")


class Budget(CityOwnedModel):
    """One participatory-budgeting edition of a process."""

    process = models.OneToOneField(Process, on_delete=models.CASCADE, related_name="budget")
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    rule = models.CharField(_("rule"), max_length=10, choices=BudgetRule, default=BudgetRule.MES)
    submission_opens_at = models.DateTimeField(_("project submission opens"))
    submission_closes_at = models.DateTimeField(_("project submission closes"))
    voting_opens_at = models.DateTimeField(_("voting opens"))
    voting_closes_at = models.DateTimeField(_("voting closes"))
    # Voters may verify with a personal numeric code on the census list, with a voting code,
    # or either.
    census_voting = models.BooleanField(_("census list voting"), default=True)
    code_voting = models.BooleanField(_("voting codes"), default=True)
    minimum_age = models.PositiveSmallIntegerField(_("minimum voting age"), default=14)
    min_projects = models.PositiveSmallIntegerField(_("fewest projects on a ballot"), default=1)
    max_projects = models.PositiveSmallIntegerField(
        _("most projects on a ballot"), null=True, blank=True
    )
    results_published_at = models.DateTimeField(_("results published"), null=True, blank=True)

    class Meta:
        verbose_name = _("participatory budget")
        verbose_name_plural = _("participatory budgets")
        ordering = ["municipality", "-voting_opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(submission_opens_at__lt=models.F("submission_closes_at")),
                name="budget_submission_dates_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(voting_opens_at__lt=models.F("voting_closes_at")),
                name="budget_voting_dates_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(max_projects__isnull=True)
                | models.Q(max_projects__gte=models.F("min_projects")),
                name="budget_ballot_size_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(census_voting=True) | models.Q(code_voting=True),
                name="budget_has_a_voting_method",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def submission_open(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.submission_opens_at <= now < self.submission_closes_at

    def voting_open(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.voting_opens_at <= now < self.voting_closes_at

    def voting_closed(self, now: datetime.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.voting_closes_at


class BudgetZone(CityOwnedModel):
    """A zone of a budget, with its own amount: voters of the zone choose its projects."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="zones")
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="budget_zones")
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=0, validators=[MinValueValidator(Decimal(1))]
    )
    currency = models.CharField(_("currency"), max_length=3, default="RON")

    class Meta:
        verbose_name = _("budget zone")
        verbose_name_plural = _("budget zones")
        ordering = ["budget", "zone__position", "zone__slug"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "zone"], name="budget_zone_unique"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="budget_zone_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.budget} — {self.zone}"


class BudgetProjectStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for review")
    ELIGIBLE = "eligible", _("Eligible")
    INELIGIBLE = "ineligible", _("Not eligible")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class BudgetProject(CityOwnedModel):
    budget_zone = models.ForeignKey(
        BudgetZone, on_delete=models.CASCADE, related_name="projects", verbose_name=_("zone")
    )
    # A short public number, unique in the budget ("P12"): the project id in .pb files.
    code = models.CharField(_("number"), max_length=20)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000)
    cost = models.DecimalField(
        _("cost"), max_digits=14, decimal_places=0, validators=[MinValueValidator(Decimal(1))]
    )
    category = models.CharField(_("category"), max_length=100, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=BudgetProjectStatus,
        default=BudgetProjectStatus.SUBMITTED,
    )
    review_reason = models.TextField(_("review"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    created_at = models.DateTimeField(_("submitted"), default=timezone.now)

    class Meta:
        verbose_name = _("budgeting project")
        verbose_name_plural = _("budgeting projects")
        ordering = ["budget_zone", "code"]
        constraints = [
            models.UniqueConstraint(fields=["budget_zone", "code"], name="budget_project_code"),
            models.CheckConstraint(condition=models.Q(cost__gt=0), name="budget_project_cost"),
            models.CheckConstraint(
                condition=~models.Q(status="ineligible") | ~models.Q(review_reason=""),
                name="budget_project_ineligible_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class CensusEntry(CityOwnedModel):
    """A resident on the census list staff uploaded for a budget: a keyed digest of the
    personal numeric code (never the code itself) and, when the list gives it, the zone."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="census")
    digest = models.CharField(max_length=64)
    budget_zone = models.ForeignKey(
        BudgetZone, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("census entry")
        verbose_name_plural = _("census entries")
        constraints = [
            models.UniqueConstraint(fields=["budget", "digest"], name="census_entry_unique")
        ]

    def __str__(self) -> str:
        return f"{self.budget_id}:{self.digest[:8]}"


class VotingCode(CityOwnedModel):
    """A one-time voting code staff generated and printed: only its keyed digest is kept."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)
    # Codes may be printed per zone (handed out at the zone's town hall office).
    budget_zone = models.ForeignKey(
        BudgetZone, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    batch = models.PositiveIntegerField(_("batch"), default=1)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("voting code")
        verbose_name_plural = _("voting codes")
        constraints = [
            models.UniqueConstraint(fields=["budget", "digest"], name="voting_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.budget_id}:{self.digest[:8]}"


class Ballot(CityOwnedModel):
    """A voter's approval ballot in one zone. ``voter_key`` is the census digest or the
    code's digest: one ballot per voter and budget. The receipt is a random public id the
    voter keeps to check that the ballot was counted (it is the voter id in .pb exports);
    the change token (kept as a digest) lets a code voter change the ballot until close."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="ballots")
    budget_zone = models.ForeignKey(BudgetZone, on_delete=models.CASCADE, related_name="ballots")
    voter_key = models.CharField(max_length=64)
    method = models.CharField(max_length=10, choices=VotingMethod)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    receipt = models.CharField(_("receipt"), max_length=32, unique=True)
    change_token_digest = models.CharField(max_length=64, blank=True)
    cast_at = models.DateTimeField(_("cast"), default=timezone.now)
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now)
    # Set when the ballot comes from an imported .pb file (audits, tests), not a voter.
    imported = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [
            models.UniqueConstraint(fields=["budget", "voter_key"], name="ballot_one_per_voter")
        ]
        indexes = [models.Index(fields=["budget_zone"])]

    def __str__(self) -> str:
        return self.receipt


class BallotChoice(CityOwnedModel):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="choices")
    project = models.ForeignKey(BudgetProject, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("ballot choice")
        verbose_name_plural = _("ballot choices")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "project"], name="ballot_choice_once")
        ]

    def __str__(self) -> str:
        return f"{self.ballot_id} → {self.project_id}"


class ZoneResult(CityOwnedModel):
    """The published outcome of a zone: fixed once staff publish it, so it never changes
    under the public's eyes; ``details`` keeps how each winner was paid for and why each
    other project lost (the engine's explanation, as JSON)."""

    budget_zone = models.OneToOneField(BudgetZone, on_delete=models.CASCADE, related_name="result")
    rule = models.CharField(_("rule"), max_length=10, choices=BudgetRule)
    voters = models.PositiveIntegerField(_("voters"))
    selected = models.JSONField(_("selected projects"), default=list)
    details = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("zone result")
        verbose_name_plural = _("zone results")

    def __str__(self) -> str:
        return f"{self.budget_zone}: {self.selected}"
