"""Reads of the plans module shared by pages, reports, exports and the API.

Progress rolls up like Decidim's accountability results, weighted: an activity counts its
progress (or 100 when completed); a project its own progress if staff set one, else the
mean of its activities if any of them says something, else 100 when completed and 0 when
not started yet; pillars, objectives and the plan the weighted mean of their projects.
A project about which none of this is known has no progress (pages say so, never "0 %")
and is left out of the means. Every function runs a fixed number of queries, whatever the
number of rows.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Avg,
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import translation

from digiplace.core.cache_versions import cache_version
from digiplace.core.models import Municipality

from .models import (
    Activity,
    ChangeRecord,
    ExpressionOfInterest,
    GovernanceBody,
    InterestStatus,
    Kpi,
    Measurement,
    Objective,
    Pillar,
    Plan,
    Project,
    Risk,
    RiskStatus,
    Status,
    WorkingGroup,
)

ACTIVITY_PROGRESS = Coalesce(
    F("progress"),
    Case(
        When(status=Status.COMPLETED, then=Value(100)),
        default=Value(0),
        output_field=IntegerField(),
    ),
)


# An activity that says something: its progress, or a status.
INFORMATIVE_ACTIVITY = Q(progress__isnull=False) | ~Q(status="")
NOT_STARTED = {Status.IDEA, Status.PLANNED, Status.IN_PREPARATION, Status.PRE_CONTRACTING}


def plan_list(*, municipality: Municipality) -> QuerySet[Plan]:
    return Plan.objects.filter(municipality=municipality, is_published=True)


def plan_get(*, municipality: Municipality, key: str) -> Plan | None:
    return plan_list(municipality=municipality).filter(key=key).first()


@dataclass
class Progress:
    """Weighted progress of a group of projects, in per cent."""

    weighted_sum: float = 0.0
    weight: int = 0
    projects: int = 0

    def add(self, progress: float | None, weight: int) -> None:
        self.projects += 1
        if progress is None:  # unknown: counted, but not in the mean
            return
        self.weighted_sum += progress * weight
        self.weight += weight

    @property
    def percent(self) -> int:
        """The mean; 0 when no project's progress is known (the API's integer)."""
        return round(self.weighted_sum / self.weight) if self.weight else 0

    @property
    def shown_percent(self) -> int | None:
        """What pages show: the mean, or None when no project's progress is known."""
        return self.percent if self.weight else None


@dataclass
class PlanProgress:
    plan: Progress = field(default_factory=Progress)
    pillars: dict[int, Progress] = field(default_factory=lambda: defaultdict(Progress))
    objectives: dict[int, Progress] = field(default_factory=lambda: defaultdict(Progress))
    # Projects whose progress is known; the others are absent.
    projects: dict[int, int] = field(default_factory=dict)


def _activity_means(activities: QuerySet[Activity]) -> dict[int, Any]:
    """Mean activity progress per project, for projects with an activity that says something."""
    return {
        project_id: mean
        for project_id, mean, informative in activities.order_by()  # no ordering in GROUP BY
        .values("project_id")
        .annotate(mean=Avg(ACTIVITY_PROGRESS), informative=Count("pk", filter=INFORMATIVE_ACTIVITY))
        .values_list("project_id", "mean", "informative")
        if informative
    }


def project_progress_map(*, plan: Plan) -> PlanProgress:
    """Progress of every project, objective, pillar and of the plan: two queries."""
    activity_means = _activity_means(Activity.objects.filter(project__plan=plan))
    result = PlanProgress()
    for project_id, pillar_id, objective_id, weight, progress, status in Project.objects.filter(
        plan=plan
    ).values_list("id", "pillar_id", "objective_id", "weight", "progress", "status"):
        value = _project_percent(progress, activity_means.get(project_id), status)
        if value is not None:
            result.projects[project_id] = round(value)
        result.plan.add(value, weight)
        result.pillars[pillar_id].add(value, weight)
        if objective_id is not None:
            result.objectives[objective_id].add(value, weight)
    return result


def pillar_list(*, plan: Plan) -> QuerySet[Pillar]:
    return plan.pillars.prefetch_related("objectives")


# What a row of the project tables shows: narrow rows (no descriptions, no JSON lists).
PROJECT_ROW_FIELDS = (
    "id",
    "plan_id",
    "pillar_id",
    "key",
    *(f"title_{code}" for code, _name in settings.LANGUAGES),
    "status",
    "budget_amount",
    "budget_currency",
    "start_date",
    "start_precision",
    "end_date",
    "end_precision",
    "schedule_text",
)


def project_rows(projects: QuerySet[Project]) -> QuerySet[Project]:
    """``projects`` narrowed to ``PROJECT_ROW_FIELDS``, without joins (see
    ``project_rows_pillars_set``)."""
    return projects.select_related(None).only(*PROJECT_ROW_FIELDS)


def project_rows_pillars_set(projects: Any, *, pillars: list[Pillar]) -> list[Project]:
    """The rows, each with its pillar taken from ``pillars`` (the plan's figures): no query."""
    by_id = {pillar.pk: pillar for pillar in pillars}
    rows = list(projects)
    for project in rows:
        Project.pillar.field.set_cached_value(project, by_id[project.pillar_id])
    return rows


def project_list(
    *,
    plan: Plan,
    status: str = "",
    pillar: str = "",
    funding_programme: str = "",
    owner: str = "",
    year: int | None = None,
    digital_enabler: str = "",
    kind: str = "",
    search: str = "",
) -> QuerySet[Project]:
    """Projects of a plan, filtered; ``search`` looks in titles and descriptions, both languages."""
    projects = Project.objects.filter(plan=plan).select_related("pillar", "objective")
    if status:
        projects = projects.filter(status=status)
    if pillar:
        projects = projects.filter(pillar__key=pillar)
    if kind:
        projects = projects.filter(kind=kind)
    if owner:
        projects = projects.filter(owner=owner)
    if funding_programme:
        projects = _json_list_contains(projects, "funding_programmes", funding_programme)
    if digital_enabler:
        projects = _json_list_contains(projects, "digital_enablers", digital_enabler)
    if year is not None:
        starts_before = Q(start_date__isnull=True) | Q(start_date__year__lte=year)
        ends_after = Q(end_date__isnull=True) | Q(end_date__year__gte=year)
        projects = projects.filter(starts_before & ends_after).exclude(
            start_date__isnull=True, end_date__isnull=True
        )
    if search:
        for word in search.split()[:8]:
            projects = projects.filter(
                Q(title_en__icontains=word)
                | Q(title_ro__icontains=word)
                | Q(description_en__icontains=word)
                | Q(description_ro__icontains=word)
                | Q(owner__icontains=word)
            )
    return projects


def _json_list_contains(
    projects: QuerySet[Project], field_name: str, value: str
) -> QuerySet[Project]:
    """Projects whose JSON list ``field_name`` holds ``value``, on PostgreSQL and SQLite."""
    if connection.features.supports_json_field_contains:
        return projects.filter(**{f"{field_name}__contains": [value]})
    matching = [
        pk for pk, values in projects.values_list("pk", field_name) if value in (values or [])
    ]
    return projects.filter(pk__in=matching)


def project_filter_options(*, plan: Plan) -> dict[str, list[str]]:
    """Distinct values offered by the project list's filters (JSON lists read in Python)."""
    owners: set[str] = set()
    programmes: set[str] = set()
    enablers: set[str] = set()
    years: set[int] = set()
    for owner, funding, digital, start, end in Project.objects.filter(plan=plan).values_list(
        "owner", "funding_programmes", "digital_enablers", "start_date", "end_date"
    ):
        if owner:
            owners.add(owner)
        programmes.update(funding or [])
        enablers.update(digital or [])
        if start and end:
            years.update(range(start.year, end.year + 1))
        elif start is not None:
            years.add(start.year)
        elif end is not None:
            years.add(end.year)
    return {
        "owners": sorted(owners),
        "funding_programmes": sorted(programmes),
        "digital_enablers": sorted(enablers),
        "years": [str(year) for year in sorted(years)],
    }


# A row of ``project_facets``' counting: status, pillar key, kind, owner, funding
# programmes, digital enablers, start and end.
FacetRow = tuple[
    str, str, str, str, list[str], list[str], datetime.date | None, datetime.date | None
]


PROJECT_FACETS = (
    "status",
    "pillar",
    "funding_programme",
    "owner",
    "year",
    "digital_enabler",
    "kind",
)


def _project_years_match(start: datetime.date | None, end: datetime.date | None, year: int) -> bool:
    """``project_list``'s year filter, for one project's dates."""
    if start is None and end is None:
        return False
    return (start is None or start.year <= year) and (end is None or end.year >= year)


def project_facets(
    *,
    plan: Plan,
    years: list[str],
    status: str = "",
    pillar: str = "",
    funding_programme: str = "",
    owner: str = "",
    year: int | None = None,
    digital_enabler: str = "",
    kind: str = "",
    search: str = "",
    rows: list[FacetRow] | None = None,
) -> dict[str, dict[str, int]]:
    """How many projects each option of the project list's filters would show, faceted:
    a filter counts the projects that match the other active filters, not its own. The
    empty value counts them all. One query (the search in the database), none when
    ``rows`` (``PlanFigures.facet_rows``, for a list without a search) are given; the JSON
    lists and year ranges are counted in Python, as ``project_filter_options`` reads them."""
    chosen: dict[str, Any] = {
        "status": status,
        "pillar": pillar,
        "funding_programme": funding_programme,
        "owner": owner,
        "year": year,
        "digital_enabler": digital_enabler,
        "kind": kind,
    }
    if rows is None or search:
        rows = list(_facet_rows(project_list(plan=plan, search=search)))
    counts: dict[str, dict[str, int]] = {facet: {} for facet in PROJECT_FACETS}
    for row_status, row_pillar, row_kind, row_owner, funding, digital, start, end in rows:
        values: dict[str, set[str]] = {
            # An unknown status is no option of its own (the empty value is "All").
            "status": {row_status} if row_status else set(),
            "pillar": {row_pillar},
            "kind": {row_kind},
            "owner": {row_owner} if row_owner else set(),
            "funding_programme": set(funding or []),
            "digital_enabler": set(digital or []),
            "year": {value for value in years if _project_years_match(start, end, int(value))},
        }
        matching = {
            facet: chosen[facet] in (None, "") or str(chosen[facet]) in values[facet]
            for facet in PROJECT_FACETS
        }
        for facet in PROJECT_FACETS:
            if all(matching[other] for other in PROJECT_FACETS if other != facet):
                facet_counts = counts[facet]
                facet_counts[""] = facet_counts.get("", 0) + 1
                for value in values[facet]:
                    facet_counts[value] = facet_counts.get(value, 0) + 1
    return counts


def _facet_rows(projects: QuerySet[Project]) -> Any:
    return projects.values_list(
        "status",
        "pillar__key",
        "kind",
        "owner",
        "funding_programmes",
        "digital_enablers",
        "start_date",
        "end_date",
    )


def project_get(*, plan: Plan, key: str) -> Project | None:
    return (
        Project.objects.filter(plan=plan, key=key)
        .select_related("pillar", "objective", "plan")
        .first()
    )


def project_get_in(
    *, plan: Plan, key: str, pillars: list[Pillar], objectives: list[Objective]
) -> Project | None:
    """``project_get`` without joins: its plan, pillar and objective are taken from ``plan``,
    ``pillars`` and ``objectives`` (the plan's figures)."""
    project = Project.objects.filter(plan=plan, key=key).order_by("pk").first()
    if project is None:
        return None
    Project.plan.field.set_cached_value(project, plan)
    by_id = {objective.pk: objective for objective in objectives}
    pillar = next((pillar for pillar in pillars if pillar.pk == project.pillar_id), None)
    if pillar is not None:
        Project.pillar.field.set_cached_value(project, pillar)
    if project.objective_id is None or project.objective_id in by_id:
        Project.objective.field.set_cached_value(project, by_id.get(project.objective_id or 0))
    return project


def project_activities(*, project: Project) -> QuerySet[Activity]:
    return project.activities.all()


def interest_counts(*, plan: Plan) -> dict[int, int]:
    """Accepted and waiting expressions of interest per project (a public count)."""
    return dict(
        ExpressionOfInterest.objects.filter(plan=plan, project__isnull=False)
        .exclude(status=InterestStatus.DECLINED)
        .order_by()
        .values("project_id")
        .annotate(count=Count("id"))
        .values_list("project_id", "count")
    )


def status_counts(*, plan: Plan) -> list[tuple[str, str, int]]:
    """(status code, label, number of projects) for every status, unknown last."""
    counts = dict(
        Project.objects.filter(plan=plan)
        .order_by()
        .values("status")
        .annotate(count=Count("id"))
        .values_list("status", "count")
    )
    rows = [(code, str(label), counts.get(code, 0)) for code, label in Status.choices]
    if counts.get(""):
        rows.append(("", "", counts[""]))
    return rows


def _translated(name: str) -> list[str]:
    return [f"{name}_{code}" for code, _name in settings.LANGUAGES]


# What a public change shows (``_changes.html``): no descriptions or JSON of its subjects.
CHANGE_FIELDS = (
    "id",
    "plan_id",
    "field",
    "old_value",
    "new_value",
    "changed_at",
    "project__id",
    "project__key",
    *(f"project__{name}" for name in _translated("title")),
    "activity__id",
    "activity__number",
    "kpi__id",
    *(f"kpi__{name}" for name in _translated("name")),
    "kpi__unit",
)


def project_timeline(*, project: Project, limit: int = 100) -> QuerySet[ChangeRecord]:
    return project.changes.select_related("activity", "kpi")[:limit]


def recent_changes(*, plan: Plan, limit: int = 20) -> QuerySet[ChangeRecord]:
    return plan.changes.select_related("project", "activity", "kpi").only(*CHANGE_FIELDS)[:limit]


def located_projects(*, plan: Plan) -> QuerySet[Project]:
    """Projects with a place, with what a map and its list show (key, title, status, place)."""
    return Project.objects.filter(plan=plan, latitude__isnull=False, longitude__isnull=False).only(
        "id", "plan_id", "key", *_translated("title"), "status", "latitude", "longitude"
    )


@dataclass
class BudgetSummary:
    currency: str
    total: Decimal
    by_pillar: list[tuple[str, Decimal]]
    by_status: list[tuple[str, Decimal]]
    by_programme: list[tuple[str, Decimal]]
    without_budget: int


def budget_summary(*, plan: Plan) -> BudgetSummary:
    """Budgets summed by pillar, status and funding programme (a project funded by several
    programmes counts in each of them, so that column does not add up to the total)."""
    projects = Project.objects.filter(plan=plan).order_by()
    by_pillar = [
        (row["pillar__title"], row["total"] or Decimal(0))
        for row in projects.values("pillar__position", "pillar__title")
        .annotate(total=Sum("budget_amount"))
        .order_by("pillar__position")
    ]
    labels = dict(Status.choices)
    by_status = [
        (str(labels.get(row["status"], "—")), row["total"] or Decimal(0))
        for row in projects.values("status").annotate(total=Sum("budget_amount")).order_by("status")
    ]
    programmes: dict[str, Decimal] = defaultdict(Decimal)
    for funding, amount in projects.filter(budget_amount__isnull=False).values_list(
        "funding_programmes", "budget_amount"
    ):
        for programme in funding or []:
            programmes[programme] += amount or Decimal(0)
    total = projects.aggregate(total=Sum("budget_amount"))["total"] or Decimal(0)
    currency = (
        projects.exclude(budget_amount=None).values_list("budget_currency", flat=True).first()
    )
    return BudgetSummary(
        currency=currency or "EUR",
        total=total,
        by_pillar=by_pillar,
        by_status=by_status,
        by_programme=sorted(programmes.items(), key=lambda item: -item[1]),
        without_budget=projects.filter(budget_amount__isnull=True).count(),
    )


class KpiStatus:
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"


# How far behind the straight trajectory, as a share of the baseline→target distance, a KPI
# may be and still count as "at risk" rather than "off track".
AT_RISK_TOLERANCE = 0.10


@dataclass
class KpiReading:
    kpi: Kpi
    latest_value: Decimal | None
    latest_date: datetime.date | None
    expected_value: Decimal | None
    status: str


def kpi_expected_value(*, kpi: Kpi, on: datetime.date) -> Decimal | None:
    """The value on the straight line from baseline to target, on date ``on``."""
    if None in (kpi.baseline_value, kpi.target_value, kpi.baseline_date, kpi.target_date):
        return None
    assert kpi.baseline_value is not None and kpi.target_value is not None
    assert kpi.baseline_date is not None and kpi.target_date is not None
    span = (kpi.target_date - kpi.baseline_date).days
    if span <= 0:
        return kpi.target_value
    elapsed = min(max((on - kpi.baseline_date).days, 0), span)
    share = Decimal(elapsed) / Decimal(span)
    return kpi.baseline_value + (kpi.target_value - kpi.baseline_value) * share


def kpi_status(
    *, kpi: Kpi, latest_value: Decimal | None, latest_date: datetime.date | None
) -> KpiReading:
    """On track, at risk or off track: the latest measurement against the trajectory."""
    expected = kpi_expected_value(kpi=kpi, on=latest_date) if latest_date is not None else None
    status = KpiStatus.NO_DATA
    if expected is not None and latest_value is not None:
        assert kpi.baseline_value is not None and kpi.target_value is not None
        distance = kpi.target_value - kpi.baseline_value
        if distance == 0:
            better_or_equal = (
                latest_value >= kpi.target_value
                if kpi.higher_is_better
                else latest_value <= kpi.target_value
            )
            status = KpiStatus.ON_TRACK if better_or_equal else KpiStatus.OFF_TRACK
        else:
            # Positive when ahead of the trajectory, whichever direction is better.
            gap = (latest_value - expected) / abs(distance)
            if not kpi.higher_is_better:
                gap = -gap
            if gap >= 0:
                status = KpiStatus.ON_TRACK
            elif gap >= -Decimal(str(AT_RISK_TOLERANCE)):
                status = KpiStatus.AT_RISK
            else:
                status = KpiStatus.OFF_TRACK
    return KpiReading(
        kpi=kpi,
        latest_value=latest_value,
        latest_date=latest_date,
        expected_value=expected,
        status=status,
    )


def kpi_readings(*, kpis: QuerySet[Kpi] | list[Kpi]) -> list[KpiReading]:
    """Each KPI with its latest measurement and status: two queries for any number of KPIs."""
    kpi_list = list(kpis)
    # The latest measurement of each KPI, read through the (kpi, -date) index: one query.
    newest = Measurement.objects.filter(kpi=OuterRef("pk")).order_by("-date", "-id")
    latest: dict[int, tuple[datetime.date | None, Decimal | None]] = {
        pk: (date, value)
        for pk, date, value in Kpi.objects.filter(pk__in=[kpi.pk for kpi in kpi_list])
        .annotate(
            latest_date=Subquery(newest.values("date")[:1]),
            latest_value=Subquery(newest.values("value")[:1]),
        )
        .values_list("pk", "latest_date", "latest_value")
    }
    readings = []
    for kpi in kpi_list:
        date, value = latest.get(kpi.pk, (None, None))
        readings.append(kpi_status(kpi=kpi, latest_value=value, latest_date=date))
    return readings


def kpi_status_counts(*, kpis: QuerySet[Kpi]) -> Counter[str]:
    """How many KPIs are on track, at risk, off track or without data (light rows only)."""
    fields = ("id", "plan_id", "baseline_value", "baseline_date", "target_value", "target_date")
    light = kpis.select_related(None).only(*fields, "higher_is_better")
    return Counter(reading.status for reading in kpi_readings(kpis=light))


def plan_kpis(*, plan: Plan) -> QuerySet[Kpi]:
    return plan.kpis.select_related("pillar", "objective", "project")


def kpi_series(*, kpi: Kpi) -> list[tuple[datetime.date, Decimal]]:
    return list(kpi.measurements.values_list("date", "value"))


def open_risks(*, plan: Plan) -> QuerySet[Risk]:
    return plan.risks.exclude(status=RiskStatus.CLOSED).select_related("project")


def changes_between(
    *, plan: Plan, start: datetime.date, end: datetime.date
) -> QuerySet[ChangeRecord]:
    return plan.changes.filter(
        changed_at__date__gte=start, changed_at__date__lte=end
    ).select_related("project", "activity", "kpi")


def quarter_bounds(*, year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    start = datetime.date(year, 3 * (quarter - 1) + 1, 1)
    end_month = 3 * quarter
    next_month = datetime.date(year + (end_month == 12), end_month % 12 + 1, 1)
    return start, next_month - datetime.timedelta(days=1)


def status_label(code: str) -> Any:
    return dict(Status.choices).get(code, "")


# --- Reads for the public portal -------------------------------------------------------


def plan_progress_percentages(*, plans: QuerySet[Plan] | list[Plan]) -> dict[int, int | None]:
    """Overall weighted progress of several plans (None: nothing known): two queries."""
    plan_ids = [plan.pk for plan in plans]
    activity_means = _activity_means(Activity.objects.filter(project__plan_id__in=plan_ids))
    totals: dict[int, Progress] = defaultdict(Progress)
    for project_id, plan_id, weight, progress, status in Project.objects.filter(
        plan_id__in=plan_ids
    ).values_list("id", "plan_id", "weight", "progress", "status"):
        totals[plan_id].add(
            _project_percent(progress, activity_means.get(project_id), status), weight
        )
    return {plan_id: totals[plan_id].shown_percent for plan_id in plan_ids}


def _project_percent(progress: int | None, activity_mean: Any, status: str) -> float | None:
    if progress is not None:
        return float(progress)
    if activity_mean is not None:
        return float(activity_mean)
    if status == Status.COMPLETED:
        return 100.0
    return 0.0 if status in NOT_STARTED else None


def project_progress_percent(*, project: Project) -> int | None:
    """One project's progress by the roll-up's rule (None: not known): one query at most."""
    mean = None
    if project.progress is None:
        mean = _activity_means(project.activities.all()).get(project.pk)
    value = _project_percent(project.progress, mean, project.status)
    return None if value is None else round(value)


def pillar_get(*, plan: Plan, key: str) -> Pillar | None:
    return plan.pillars.filter(key=key).prefetch_related("objectives").first()


def objective_get(*, pillar: Pillar, key: str) -> Objective | None:
    return pillar.objectives.filter(key=key).first()


def kpi_list(
    *,
    plan: Plan,
    pillar: Pillar | None = None,
    pillar_key: str = "",
    objective: Objective | None = None,
    project: Project | None = None,
) -> QuerySet[Kpi]:
    """KPIs of a plan; a pillar's include those of its objectives and projects."""
    kpis = plan_kpis(plan=plan)
    if pillar is not None:
        kpis = kpis.filter(
            Q(pillar=pillar) | Q(objective__pillar=pillar) | Q(project__pillar=pillar)
        )
    if pillar_key:
        kpis = kpis.filter(
            Q(pillar__key=pillar_key)
            | Q(objective__pillar__key=pillar_key)
            | Q(project__pillar__key=pillar_key)
        )
    if objective is not None:
        kpis = kpis.filter(Q(objective=objective) | Q(project__objective=objective))
    if project is not None:
        kpis = kpis.filter(project=project)
    return kpis


def kpi_series_map(
    *, kpis: QuerySet[Kpi] | list[Kpi]
) -> dict[int, list[tuple[datetime.date, Decimal]]]:
    """The measurements of several KPIs in date order: one query for any number of KPIs."""
    series: dict[int, list[tuple[datetime.date, Decimal]]] = {kpi.pk: [] for kpi in kpis}
    rows = (
        Measurement.objects.filter(kpi__in=list(series))
        .order_by("kpi_id", "date", "id")
        .values_list("kpi_id", "date", "value")
    )
    for kpi_id, date, value in rows:
        series[kpi_id].append((date, value))
    return series


def project_risks(*, project: Project) -> QuerySet[Risk]:
    return project.risks.all()


def project_working_groups(*, project: Project) -> QuerySet[WorkingGroup]:
    """The working groups a person can join from a project's page: its own and its pillar's."""
    return WorkingGroup.objects.filter(
        Q(project=project) | Q(pillar_id=project.pillar_id), plan_id=project.plan_id
    ).order_by("project_id", "key")


def project_interest_count(*, project: Project) -> int:
    """Accepted and waiting expressions of interest in one project (a public count)."""
    return (
        ExpressionOfInterest.objects.filter(project=project)
        .exclude(status=InterestStatus.DECLINED)
        .count()
    )


def pillar_working_groups(*, pillar: Pillar) -> QuerySet[WorkingGroup]:
    return WorkingGroup.objects.filter(pillar=pillar, project__isnull=True).order_by("key")


def pillar_interest_count(*, pillar: Pillar) -> int:
    """Accepted and waiting requests to join a pillar's working group (a public count)."""
    return (
        ExpressionOfInterest.objects.filter(pillar=pillar, project__isnull=True)
        .exclude(status=InterestStatus.DECLINED)
        .count()
    )


def governance_bodies(*, plan: Plan) -> QuerySet[GovernanceBody]:
    """The bodies that steer the plan, with their members and working groups (3 queries)."""
    return plan.governance_bodies.prefetch_related(
        "members",
        Prefetch("working_groups", queryset=WorkingGroup.objects.select_related("pillar")),
    )


# --- Figures computed once per change -------------------------------------------------
#
# What the public pages aggregate (progress, budget sums, status counts, the project
# list's filter options and facets, the KPIs' latest readings, interest counts) is
# computed on the first request after a change of the city's plans and kept in the shared
# cache under the plans version (core.cache_versions), which every write moves: a page then
# reads it with two cache queries, whatever the size of the plan, and never sees it stale.

FIGURES_TIMEOUT = 7 * 24 * 3600  # older versions' figures are never read again: let them go


@dataclass(frozen=True)
class GovernanceMemberView:
    name: str
    role: str
    is_coordinator: bool


@dataclass(frozen=True)
class WorkingGroupView:
    name: str
    pillar_key: str | None
    coordinators: list[str]
    key: str = ""


@dataclass(frozen=True)
class GovernanceBodyView:
    """A governance body as the plan's page shows it, in one language: plain values, which
    read back from the cache far quicker than model instances with their prefetches."""

    key: str
    name: str
    role: str
    description: str
    members: list[GovernanceMemberView]
    working_groups: list[WorkingGroupView]


def _governance_views(plan: Plan) -> list[GovernanceBodyView]:
    return [
        GovernanceBodyView(
            key=body.key,
            name=body.name,
            role=body.role,
            description=body.description,
            members=[
                GovernanceMemberView(
                    name=member.name, role=member.role, is_coordinator=member.is_coordinator
                )
                for member in body.members.all()
            ],
            working_groups=[
                WorkingGroupView(
                    name=group.name,
                    pillar_key=group.pillar.key if group.pillar is not None else None,
                    coordinators=list(group.coordinators or []),
                    key=group.key,
                )
                for group in body.working_groups.all()
            ],
        )
        for body in governance_bodies(plan=plan)
    ]


@dataclass
class PlanFigures:
    version: str  # the plans version they were computed under (and are cached by)
    progress: PlanProgress
    filter_options: dict[str, list[str]]
    facet_rows: list[FacetRow]
    budget: BudgetSummary
    status_counts: list[tuple[str, str, int]]
    # Every KPI of the plan: its latest measurement, its status and the pillars it counts in.
    kpi_latest: dict[int, tuple[datetime.date | None, Decimal | None]]
    kpi_statuses: dict[int, str]
    kpi_pillar_keys: dict[int, frozenset[str]]
    project_interest_counts: dict[int, int]
    pillar_interest_counts: dict[int, int]
    # The plan's structure, as the pages show it. Objectives apart from their pillars, not
    # prefetched: prefetched querysets make reading the figures back three times slower.
    pillars: list[Pillar]
    pillar_objectives: dict[int, list[Objective]]
    plan_risks: list[Risk]
    governance_bodies: list[GovernanceBodyView]
    pillar_working_groups: dict[int, list[WorkingGroup]]

    def pillar(self, key: str) -> Pillar | None:
        return next((pillar for pillar in self.pillars if pillar.key == key), None)

    def objectives(self, pillar: Pillar) -> list[Objective]:
        return self.pillar_objectives.get(pillar.pk, [])

    def all_objectives(self) -> list[Objective]:
        return [objective for pillar in self.pillars for objective in self.objectives(pillar)]

    def kpi_status_counts(self, *, pillar_key: str = "") -> Counter[str]:
        """``kpi_status_counts`` of ``kpi_list(plan=..., pillar_key=...)``, without a query."""
        return Counter(
            status
            for kpi_id, status in self.kpi_statuses.items()
            if not pillar_key or pillar_key in self.kpi_pillar_keys[kpi_id]
        )

    def kpi_readings(self, *, kpis: QuerySet[Kpi] | list[Kpi]) -> list[KpiReading]:
        """``kpi_readings`` from the figures: only the query of ``kpis`` itself."""
        readings = []
        for kpi in kpis:
            date, value = self.kpi_latest.get(kpi.pk, (None, None))
            readings.append(kpi_status(kpi=kpi, latest_value=value, latest_date=date))
        return readings


def _plan_figures_compute(plan: Plan, version: str) -> PlanFigures:
    kpi_rows: list[Kpi] = list(
        plan_kpis(plan=plan)
        .select_related(None)
        .only(
            "id",
            "plan_id",
            "baseline_value",
            "baseline_date",
            "target_value",
            "target_date",
            "higher_is_better",
        )
        .annotate(
            pillar_key=F("pillar__key"),
            objective_pillar_key=F("objective__pillar__key"),
            project_pillar_key=F("project__pillar__key"),
        )
    )
    readings = kpi_readings(kpis=kpi_rows)
    facet_rows: list[FacetRow] = [
        (status, pillar_key, kind, owner, funding or [], digital or [], start, end)
        for status, pillar_key, kind, owner, funding, digital, start, end in _facet_rows(
            Project.objects.filter(plan=plan)
        )
    ]
    pillar_interests = dict(
        ExpressionOfInterest.objects.filter(plan=plan, project__isnull=True)
        .exclude(status=InterestStatus.DECLINED)
        .order_by()
        .values("pillar_id")
        .annotate(count=Count("id"))
        .values_list("pillar_id", "count")
    )
    objectives: dict[int, list[Objective]] = defaultdict(list)
    for objective in Objective.objects.filter(pillar__plan=plan):
        objectives[objective.pillar_id].append(objective)
    working_groups: dict[int, list[WorkingGroup]] = defaultdict(list)
    for group in WorkingGroup.objects.filter(
        plan=plan, pillar__isnull=False, project__isnull=True
    ).order_by("key"):
        assert group.pillar_id is not None
        working_groups[group.pillar_id].append(group)
    return PlanFigures(
        version=version,
        progress=project_progress_map(plan=plan),
        filter_options=project_filter_options(plan=plan),
        facet_rows=facet_rows,
        budget=budget_summary(plan=plan),
        status_counts=status_counts(plan=plan),
        kpi_latest={
            reading.kpi.pk: (reading.latest_date, reading.latest_value) for reading in readings
        },
        kpi_statuses={reading.kpi.pk: reading.status for reading in readings},
        kpi_pillar_keys={
            kpi.pk: frozenset(
                key
                for key in (
                    getattr(kpi, "pillar_key", None),
                    getattr(kpi, "objective_pillar_key", None),
                    getattr(kpi, "project_pillar_key", None),
                )
                if key
            )
            for kpi in kpi_rows
        },
        project_interest_counts=interest_counts(plan=plan),
        pillar_interest_counts=pillar_interests,
        pillars=list(plan.pillars.all()),
        pillar_objectives=objectives,
        plan_risks=list(open_risks(plan=plan).filter(project__isnull=True)),
        governance_bodies=_governance_views(plan),
        pillar_working_groups=working_groups,
    )


def _figures_key(municipality_id: int, plan_key: str, version: str) -> str:
    # The language too: labels (statuses, pillar titles) are stored in words.
    language = translation.get_language()
    return f"plans:figures:{municipality_id}:{plan_key}:{language}:{version}"


def _index_key(municipality_id: int, version: str) -> str:
    return f"plans:index:{municipality_id}:{version}"


def _figures_cached(plan: Plan, key: str, version: str, found: dict[str, Any]) -> PlanFigures:
    figures = found.get(key)
    if not isinstance(figures, PlanFigures):
        figures = _plan_figures_compute(plan, version)
        cache.set(key, figures, timeout=FIGURES_TIMEOUT)
    return figures


def _index_cached(municipality: Municipality, key: str, found: dict[str, Any]) -> list[Plan]:
    index = found.get(key)
    if not isinstance(index, list):
        index = list(plan_list(municipality=municipality))
        cache.set(key, index, timeout=FIGURES_TIMEOUT)
    return index


def plan_list_with_figures(*, municipality: Municipality) -> list[tuple[Plan, PlanFigures]]:
    """The city's published plans (``plan_list``) and their figures: two cache reads."""
    version = cache_version(municipality.pk, "plans")
    index_key = _index_key(municipality.pk, version)
    found = cache.get_many([index_key])
    plans = _index_cached(municipality, index_key, found)
    keys = {plan.pk: _figures_key(municipality.pk, plan.key, version) for plan in plans}
    found = cache.get_many(list(keys.values())) if keys else {}
    return [(plan, _figures_cached(plan, keys[plan.pk], version, found)) for plan in plans]


def plan_get_with_figures(
    *, municipality: Municipality, key: str
) -> tuple[Plan, PlanFigures] | None:
    """``plan_get`` and the plan's figures: two cache reads, no query while nothing changed."""
    version = cache_version(municipality.pk, "plans")
    index_key = _index_key(municipality.pk, version)
    figures_key = _figures_key(municipality.pk, key, version)
    found = cache.get_many([index_key, figures_key])
    plan = next(
        (plan for plan in _index_cached(municipality, index_key, found) if plan.key == key),
        None,
    )
    if plan is None:
        return None
    return plan, _figures_cached(plan, figures_key, version, found)


def plan_figures(*, plan: Plan) -> PlanFigures:
    """One plan's figures (see ``plan_get_with_figures``)."""
    version = cache_version(plan.municipality_id, "plans")
    key = _figures_key(plan.municipality_id, plan.key, version)
    return _figures_cached(plan, key, version, cache.get_many([key]))


@dataclass
class ProjectPage:
    """What a project's public page lists, read once per change (``project_page_get``)."""

    project: Project
    activities: list[Activity]
    kpis: list[Kpi]
    series: dict[int, list[tuple[datetime.date, Decimal]]]
    risks: list[Risk]
    working_groups: list[WorkingGroup]
    changes: list[ChangeRecord]


def project_page_get(*, plan: Plan, figures: PlanFigures, key: str) -> ProjectPage | None:
    """A project of the plan and what its page lists: one cache read while nothing changed
    (``figures.version``), else seven queries. Unknown keys are not cached."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    cache_key = f"plans:project:{plan.municipality_id}:{plan.pk}:{digest}:{figures.version}"
    page = cache.get(cache_key)
    if isinstance(page, ProjectPage):
        return page
    project = project_get_in(
        plan=plan, key=key, pillars=figures.pillars, objectives=figures.all_objectives()
    )
    if project is None:
        return None
    # The KPI blocks show no pillar, objective or project of a KPI: no joins.
    kpis = list(kpi_list(plan=plan, project=project).select_related(None))
    page = ProjectPage(
        project=project,
        activities=list(project_activities(project=project)),
        kpis=kpis,
        series=kpi_series_map(kpis=kpis),
        risks=list(project_risks(project=project)),
        working_groups=list(project_working_groups(project=project)),
        changes=list(project_timeline(project=project)),
    )
    cache.set(cache_key, page, timeout=FIGURES_TIMEOUT)
    return page
