"""A city's plan as live data: pillars, objectives, projects, activities, KPIs, risks, governance.

Every record is city-owned (``municipality``) so that the back office and the staff API
scope by it directly; children repeat the plan's municipality.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from digiplace.core.i18n import quarter_label
from digiplace.core.models import CityOwnedModel


class Status(models.TextChoices):
    # A project's (an activity's) status: the context keeps Romanian in the masculine.
    IDEA = "idea", pgettext_lazy("project status", "Idea")
    PLANNED = "planned", pgettext_lazy("project status", "Planned")
    IN_PREPARATION = "in_preparation", pgettext_lazy("project status", "In preparation")
    PRE_CONTRACTING = "pre_contracting", pgettext_lazy("project status", "Pre-contracting")
    IN_PROGRESS = "in_progress", pgettext_lazy("project status", "In progress")
    COMPLETED = "completed", pgettext_lazy("project status", "Completed")
    SUSPENDED = "suspended", pgettext_lazy("project status", "Suspended")
    CANCELLED = "cancelled", pgettext_lazy("project status", "Cancelled")


class DatePrecision(models.TextChoices):
    YEAR = "year", _("Year")
    MONTH = "month", _("Month")
    DAY = "day", _("Day")


class SmartCityDimension(models.TextChoices):
    ECONOMY = "economy", _("Smart economy")
    PEOPLE = "people", _("Smart people")
    GOVERNANCE = "governance", _("Smart governance")
    MOBILITY = "mobility", _("Smart mobility")
    ENVIRONMENT = "environment", _("Smart environment")
    LIVING = "living", _("Smart living")


class ProjectKind(models.TextChoices):
    STRATEGIC_PROJECT = "strategic_project", _("Strategic project")
    ACTION = "action", _("Action")
    OPEN_ACTION = "open_action", _("Open action")


class KpiKind(models.TextChoices):
    KEY = "key", _("Key indicator")
    OUTCOME = "outcome", _("Outcome indicator")
    OUTPUT = "output", _("Output indicator")


class Level(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class RiskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MITIGATED = "mitigated", _("Mitigated")
    CLOSED = "closed", _("Closed")


percent_validators = [MinValueValidator(0), MaxValueValidator(100)]


class Plan(CityOwnedModel):
    key = models.SlugField(_("key"), max_length=80)
    title = models.CharField(_("title"), max_length=300)
    period_start = models.PositiveSmallIntegerField(_("from year"), null=True, blank=True)
    period_end = models.PositiveSmallIntegerField(_("to year"), null=True, blank=True)
    vision = models.TextField(_("vision"), blank=True)
    mission = models.TextField(_("mission"), blank=True)
    motto = models.CharField(_("motto"), max_length=300, blank=True)
    pillar_label = models.CharField(_("name of a pillar"), max_length=60, default="Pillar")
    funding_approach = models.TextField(_("funding approach"), blank=True)
    source_title = models.CharField(_("source document"), max_length=300, blank=True)
    source_reference = models.CharField(_("source reference"), max_length=300, blank=True)
    is_published = models.BooleanField(_("published"), default=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-period_start", "key"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "key"], name="plan_unique_key"),
            models.CheckConstraint(
                condition=models.Q(period_start__isnull=True)
                | models.Q(period_end__isnull=True)
                | models.Q(period_start__lte=models.F("period_end")),
                name="plan_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Pillar(CityOwnedModel):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="pillars")
    key = models.CharField(_("key"), max_length=40)
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    smart_city_dimensions = models.JSONField(_("smart-city dimensions"), default=list, blank=True)
    sdgs = models.JSONField(_("sustainable development goals"), default=list, blank=True)

    class Meta:
        verbose_name = _("pillar")
        verbose_name_plural = _("pillars")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="pillar_unique_key"),
        ]

    def __str__(self) -> str:
        return self.title


class Objective(CityOwnedModel):
    pillar = models.ForeignKey(Pillar, on_delete=models.CASCADE, related_name="objectives")
    key = models.CharField(_("key"), max_length=40)
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=1000)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["pillar", "position"]
        constraints = [
            models.UniqueConstraint(fields=["pillar", "key"], name="objective_unique_key"),
        ]

    def __str__(self) -> str:
        return self.title


class Project(CityOwnedModel):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="projects")
    pillar = models.ForeignKey(Pillar, on_delete=models.CASCADE, related_name="projects")
    objective = models.ForeignKey(
        Objective, on_delete=models.SET_NULL, null=True, blank=True, related_name="projects"
    )
    key = models.CharField(_("key"), max_length=40)
    position = models.PositiveIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=ProjectKind)
    open_action_category = models.CharField(_("open action category"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=1000)
    description = models.TextField(_("description"), blank=True)
    owner = models.CharField(_("owner"), max_length=300, blank=True)
    stakeholders = models.JSONField(_("stakeholders"), default=list, blank=True)
    strategy_links = models.JSONField(_("links to other strategies"), default=list, blank=True)
    funding_programmes = models.JSONField(_("funding programmes"), default=list, blank=True)
    budget_amount = models.DecimalField(
        _("budget"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    budget_currency = models.CharField(_("currency"), max_length=3, default="EUR")
    status = models.CharField(_("status"), max_length=20, choices=Status, blank=True)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), null=True, blank=True, validators=percent_validators
    )
    weight = models.PositiveSmallIntegerField(_("weight in roll-ups"), default=1)
    start_date = models.DateField(_("start"), null=True, blank=True)
    start_precision = models.CharField(max_length=5, choices=DatePrecision, default="day")
    end_date = models.DateField(_("end"), null=True, blank=True)
    end_precision = models.CharField(max_length=5, choices=DatePrecision, default="day")
    schedule_text = models.CharField(_("schedule (as written)"), max_length=200, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    area = models.JSONField(_("area (GeoJSON)"), null=True, blank=True)
    digital_enablers = models.JSONField(_("digital enablers"), default=list, blank=True)
    local_actor_types = models.JSONField(_("local actor types"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["plan", "pillar__position", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="project_unique_key"),
            models.CheckConstraint(
                condition=models.Q(start_date__isnull=True)
                | models.Q(end_date__isnull=True)
                | models.Q(start_date__lte=models.F("end_date")),
                name="project_dates_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__isnull=True) | models.Q(progress__lte=100),
                name="project_progress_percent",
            ),
        ]
        indexes = [
            models.Index(fields=["plan", "status"]),
            models.Index(fields=["municipality", "-updated_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class Activity(CityOwnedModel):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="activities")
    number = models.CharField(_("number"), max_length=20)
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=2000)
    start_date = models.DateField(_("start"), null=True, blank=True)
    start_precision = models.CharField(max_length=5, choices=DatePrecision, default="day")
    end_date = models.DateField(_("end"), null=True, blank=True)
    end_precision = models.CharField(max_length=5, choices=DatePrecision, default="day")
    schedule_text = models.CharField(_("schedule (as written)"), max_length=200, blank=True)
    outputs = models.JSONField(_("outputs"), default=list, blank=True)
    related_activities = models.TextField(_("related activities"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status, blank=True)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), null=True, blank=True, validators=percent_validators
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["project", "position"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="activity_unique_number"),
            models.CheckConstraint(
                condition=models.Q(start_date__isnull=True)
                | models.Q(end_date__isnull=True)
                | models.Q(start_date__lte=models.F("end_date")),
                name="activity_dates_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__isnull=True) | models.Q(progress__lte=100),
                name="activity_progress_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Kpi(CityOwnedModel):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="kpis")
    pillar = models.ForeignKey(
        Pillar, on_delete=models.CASCADE, null=True, blank=True, related_name="kpis"
    )
    objective = models.ForeignKey(
        Objective, on_delete=models.CASCADE, null=True, blank=True, related_name="kpis"
    )
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="kpis"
    )
    key = models.CharField(_("key"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=KpiKind)
    name = models.CharField(_("name"), max_length=1000)
    unit = models.CharField(_("unit"), max_length=40)
    baseline_value = models.DecimalField(
        _("baseline"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    baseline_date = models.DateField(_("baseline date"), null=True, blank=True)
    target_value = models.DecimalField(
        _("target"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    target_date = models.DateField(_("target date"), null=True, blank=True)
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    source = models.CharField(_("source"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        ordering = ["plan", "key"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="kpi_unique_key"),
        ]

    def __str__(self) -> str:
        return self.name


class Measurement(CityOwnedModel):
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="measurements")
    date = models.DateField(_("date"))
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    source = models.CharField(_("source"), max_length=500, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    created_at = models.DateTimeField(_("entered at"), default=timezone.now)

    class Meta:
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        ordering = ["kpi", "date", "id"]
        indexes = [models.Index(fields=["kpi", "-date"])]

    def __str__(self) -> str:
        return f"{self.kpi}: {self.value} ({self.date})"


class Risk(CityOwnedModel):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="risks")
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="risks"
    )
    key = models.CharField(_("key"), max_length=40)
    description = models.TextField(_("description"))
    mitigation = models.TextField(_("mitigation"), blank=True)
    intensity = models.CharField(_("intensity"), max_length=10, choices=Level, blank=True)
    likelihood = models.CharField(_("likelihood"), max_length=10, choices=Level, blank=True)
    owner = models.CharField(_("owner"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RiskStatus, default=RiskStatus.OPEN
    )
    review_date = models.DateField(_("review date"), null=True, blank=True)

    class Meta:
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        ordering = ["plan", "key"]
        constraints = [models.UniqueConstraint(fields=["plan", "key"], name="risk_unique_key")]

    def __str__(self) -> str:
        return self.description[:80]


class GovernanceBody(CityOwnedModel):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="governance_bodies")
    key = models.CharField(_("key"), max_length=40)
    position = models.PositiveIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=300)
    role = models.TextField(_("role"), blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("governance body")
        verbose_name_plural = _("governance bodies")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="governance_body_unique_key")
        ]

    def __str__(self) -> str:
        return self.name


class GovernanceMember(CityOwnedModel):
    body = models.ForeignKey(GovernanceBody, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("name"), max_length=300)
    role = models.CharField(_("role"), max_length=300, blank=True)
    is_coordinator = models.BooleanField(_("coordinator"), default=False)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["body", "-is_coordinator", "name"]

    def __str__(self) -> str:
        return self.name


class WorkingGroup(CityOwnedModel):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="working_groups")
    body = models.ForeignKey(
        GovernanceBody,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="working_groups",
    )
    pillar = models.ForeignKey(
        Pillar, on_delete=models.SET_NULL, null=True, blank=True, related_name="working_groups"
    )
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="working_groups"
    )
    key = models.CharField(_("key"), max_length=60)
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    coordinators = models.JSONField(_("coordinators"), default=list, blank=True)

    class Meta:
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")
        ordering = ["plan", "key"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="working_group_unique_key")
        ]

    def __str__(self) -> str:
        return self.name


class InterestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class ExpressionOfInterest(CityOwnedModel):
    """A person or organisation asks to join a project's or a pillar's working group.

    Counts are public; the name, email and motivation are seen by staff only.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="interests")
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="interests"
    )
    pillar = models.ForeignKey(
        Pillar, on_delete=models.CASCADE, null=True, blank=True, related_name="interests"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=200)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    email = models.EmailField(_("email"))
    motivation = models.TextField(_("why you want to take part"), max_length=2000)
    status = models.CharField(
        _("status"), max_length=10, choices=InterestStatus, default=InterestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("expression of interest")
        verbose_name_plural = _("expressions of interest")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(project__isnull=False) | models.Q(pillar__isnull=False),
                name="interest_has_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.project or self.pillar}"


class ChangeRecord(CityOwnedModel):
    """A public change of status, progress or KPI value: the project's timeline."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="changes")
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="changes"
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, null=True, blank=True, related_name="changes"
    )
    kpi = models.ForeignKey(
        Kpi, on_delete=models.CASCADE, null=True, blank=True, related_name="changes"
    )
    field = models.CharField(_("what changed"), max_length=40)
    old_value = models.CharField(_("from"), max_length=200, blank=True)
    new_value = models.CharField(_("to"), max_length=200, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["plan", "-changed_at"]),
            models.Index(fields=["project", "-changed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} → {self.new_value}"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class MonitoringReport(CityOwnedModel):
    """A quarterly monitoring report, generated by the background worker and archived."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="reports")
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus, default=ReportStatus.QUEUED
    )
    language = models.CharField(_("language"), max_length=10, default="en")
    html = models.FileField(_("HTML"), upload_to="plans/reports/", blank=True)
    pdf = models.FileField(_("PDF"), upload_to="plans/reports/", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("monitoring report")
        verbose_name_plural = _("monitoring reports")
        ordering = ["-year", "-quarter", "-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "year", "quarter", "language"], name="report_unique_quarter"
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1) & models.Q(quarter__lte=4),
                name="report_quarter_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {quarter_label(year=self.year, quarter=self.quarter)}"
