"""The plans module's open datasets: the city's strategy as tables (``core.datasets``).

Only what the plans pages show publicly: published plans, their projects, activities, budgets
and KPIs with their readings. Nothing personal is selected: no expressions of interest, no
names of who entered a value or changed a status, no governance members. Texts the city
writes are published in each language of the platform (``title_ro``, ``title_en``...), since
a file is made once for everyone.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from digiplace.core.datasets import (
    Chart,
    Column,
    DatasetSpec,
    KeyFigure,
    Privacy,
    Row,
    Text,
    dataset_register,
    figure_count,
)

from . import selectors
from .models import Activity, Kpi, Plan, Project, Status

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)
REFRESH = datetime.timedelta(days=1)
THEMES = ("GOVE", "REGI")
STATUS_DESCRIPTION = format_lazy(_("Status, one of: {codes}"), codes=", ".join(Status.values))

NOT_PERSONAL = Privacy(
    statement=_(
        "This dataset is about the city's plan, not about people: it holds no personal data. "
        "Who entered a value or changed a status, and the people who asked to take part, "
        "are not published."
    ),
    removed=(
        _("names of the staff who entered values or changed a status"),
        _("expressions of interest (names, emails, motivations)"),
    ),
    personal=False,
)


def _languages(name: str, description: Text) -> tuple[Column, ...]:
    """One column per language of the platform: ``name_ro``, ``name_en``..."""
    return tuple(
        Column(
            f"{name}_{code}",
            "string",
            format_lazy("{} ({})", description, language),
        )
        for code, language in settings.LANGUAGES
    )


def _translated(field: str) -> list[str]:
    return [f"{field}_{code}" for code in LANGUAGE_CODES]


def _in_languages(row: dict[str, Any], field: str, name: str | None = None) -> dict[str, str]:
    """``{name}_{code}`` for each language, from the values of ``{field}_{code}``."""
    return {f"{name or field}_{code}": row[f"{field}_{code}"] or "" for code in LANGUAGE_CODES}


def _first_language(row: dict[str, Any], field: str) -> Any:
    """A text published in one language: the default one, else the first one written."""
    return next((row[key] for key in _translated(field) if row[key]), None)


def _joined(values: Any) -> str:
    return "; ".join(str(item) for item in values or [])


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _published_plans(municipality: Municipality) -> list[Plan]:
    return list(selectors.plan_list(municipality=municipality).order_by("key"))


# A city publishes a table only when its published plans have something to put in it (a
# plan without KPIs publishes no empty KPI table): one small query each.


def _has_projects(municipality: Municipality) -> bool:
    return Project.objects.filter(plan__in=selectors.plan_list(municipality=municipality)).exists()


def _has_activities(municipality: Municipality) -> bool:
    published = selectors.plan_list(municipality=municipality)
    return Activity.objects.filter(project__plan__in=published).exists()


def _has_budgets(municipality: Municipality) -> bool:
    published = selectors.plan_list(municipality=municipality)
    return Project.objects.filter(plan__in=published, budget_amount__isnull=False).exists()


def _has_kpis(municipality: Municipality) -> bool:
    return Kpi.objects.filter(plan__in=selectors.plan_list(municipality=municipality)).exists()


def _count_status(status: str) -> Any:
    def compute(rows: Sequence[Row]) -> int:
        return sum(1 for row in rows if row.get("status") == status)

    return compute


def _mean_progress(rows: Sequence[Row]) -> float | None:
    known = [row["progress"] for row in rows if isinstance(row.get("progress"), int | float)]
    return round(sum(known) / len(known), 1) if known else None


# Projects


PROJECT_COLUMNS = (
    Column("plan", "string", _("Key of the plan the project belongs to")),
    Column("code", "string", _("The project's code in the plan")),
    Column("kind", "string", _("strategic_project, action (a measure) or open_action (a call)")),
    *_languages("title", _("Title of the project")),
    Column("pillar", "string", _("Key of the plan's pillar (strategic area) of the project")),
    *_languages("pillar_title", _("Title of the pillar")),
    Column("objective", "string", _("Key of the specific objective the project serves")),
    Column("status", "string", STATUS_DESCRIPTION),
    Column(
        "progress",
        "integer",
        _(
            "Progress in per cent: the one staff set, else the mean of the activities' "
            "progress; empty when not known"
        ),
        unit="%",
    ),
    *_languages(
        "responsible", _("The organisation or department responsible, as the plan names it")
    ),
    Column("budget_amount", "number", _("Planned budget of the project")),
    Column("budget_currency", "string", _("Currency of the budget (ISO 4217 code)")),
    Column(
        "funding_programmes",
        "string",
        _("Funding programmes, separated by semicolons, in Romanian when the plan gives them"),
    ),
    Column("start_date", "date", _("Start of the project")),
    Column("start_precision", "string", _("How precise the start is: year, month or day")),
    Column("end_date", "date", _("Planned end of the project")),
    Column("end_precision", "string", _("How precise the end is: year, month or day")),
    Column("latitude", "number", _("Latitude of the project's place (WGS84)"), unit="°"),
    Column("longitude", "number", _("Longitude of the project's place (WGS84)"), unit="°"),
    Column("updated", "datetime", _("When the project's record last changed")),
)


def project_rows(municipality: Municipality) -> Iterator[Row]:
    """The projects of the city's published plans, plan by plan (two queries a plan for the
    progress roll-up, one for the projects)."""
    for plan in _published_plans(municipality):
        progress = selectors.project_progress_map(plan=plan)
        projects = (
            Project.objects.filter(plan=plan)
            .order_by("pillar__position", "position", "id")
            .values(
                "pk", "key", "kind", *_translated("title"), "pillar__key",
                *(f"pillar__{name}" for name in _translated("title")), "objective__key",
                "status", *_translated("owner"), "budget_amount", "budget_currency",
                *_translated("funding_programmes"), "start_date", "start_precision",
                "end_date", "end_precision", "latitude", "longitude", "updated_at",
            )
        )  # fmt: skip
        for row in projects.iterator(chunk_size=2000):
            amount = row["budget_amount"]
            yield {
                "plan": plan.key,
                "code": row["key"],
                "kind": row["kind"],
                **_in_languages(row, "title"),
                "pillar": row["pillar__key"],
                **_in_languages(row, "pillar__title", "pillar_title"),
                "objective": row["objective__key"],
                "status": row["status"] or None,
                "progress": progress.projects.get(row["pk"]),
                **_in_languages(row, "owner", "responsible"),
                "budget_amount": _number(amount),
                "budget_currency": row["budget_currency"] if amount is not None else None,
                "funding_programmes": _joined(_first_language(row, "funding_programmes")),
                "start_date": row["start_date"],
                "start_precision": row["start_precision"] if row["start_date"] else None,
                "end_date": row["end_date"],
                "end_precision": row["end_precision"] if row["end_date"] else None,
                "latitude": row["latitude"],
                "longitude": row["longitude"],
                "updated": row["updated_at"],
            }


PROJECTS = DatasetSpec(
    module="plans",
    slug="plans-projects",
    title=_("Projects of the city's strategic plan"),
    description=_(
        "Every project and action of the city's published strategic plans: what it is, the "
        "pillar and objective it serves, its status and progress, who is responsible, its "
        "budget, funding and dates. Updated whenever the plan changes."
    ),
    themes=THEMES,
    keywords=(_("strategy"), _("projects"), _("smart city"), _("transparency")),
    frequency="IRREG",
    refresh=REFRESH,
    privacy=NOT_PERSONAL,
    columns=PROJECT_COLUMNS,
    rows=project_rows,
    formats=("csv", "json", "xlsx", "geojson"),
    geometry=("latitude", "longitude"),
    figures=(
        KeyFigure(_("Projects"), figure_count),
        KeyFigure(_("Projects completed"), _count_status(Status.COMPLETED)),
        KeyFigure(_("Projects in progress"), _count_status(Status.IN_PROGRESS)),
        KeyFigure(_("Average progress of the projects"), _mean_progress, unit="%"),
    ),
    chart=Chart(x="status", y="progress", kind="bar", aggregate="count"),
    available=_has_projects,
)


# Activities


ACTIVITY_COLUMNS = (
    Column("plan", "string", _("Key of the plan")),
    Column("project", "string", _("Code of the project the activity belongs to")),
    Column("number", "string", _("Number of the activity within its project")),
    *_languages("title", _("What the activity does")),
    Column("status", "string", STATUS_DESCRIPTION),
    Column("progress", "integer", _("Progress in per cent, when staff set one"), unit="%"),
    Column("start_date", "date", _("Start of the activity")),
    Column("start_precision", "string", _("How precise the start is: year, month or day")),
    Column("end_date", "date", _("Planned end of the activity")),
    Column("end_precision", "string", _("How precise the end is: year, month or day")),
    Column("schedule", "string", _("The schedule as the plan writes it, in Romanian when given")),
    Column(
        "outputs", "string", _("Expected outputs, separated by semicolons, in Romanian when given")
    ),
)


def activity_rows(municipality: Municipality) -> Iterator[Row]:
    """The activities of the projects of the city's published plans: one query."""
    activities = (
        Activity.objects.filter(project__plan__in=_published_plans(municipality))
        .order_by(
            "project__plan__key", "project__pillar__position", "project__position", "position",
            "id",
        )
        .values(
            "project__plan__key", "project__key", "number", *_translated("title"), "status",
            "progress", "start_date", "start_precision", "end_date", "end_precision",
            *_translated("schedule_text"), *_translated("outputs"),
        )
    )  # fmt: skip
    for row in activities.iterator(chunk_size=2000):
        yield {
            "plan": row["project__plan__key"],
            "project": row["project__key"],
            "number": row["number"],
            **_in_languages(row, "title"),
            "status": row["status"] or None,
            "progress": row["progress"],
            "start_date": row["start_date"],
            "start_precision": row["start_precision"] if row["start_date"] else None,
            "end_date": row["end_date"],
            "end_precision": row["end_precision"] if row["end_date"] else None,
            "schedule": _first_language(row, "schedule_text") or "",
            "outputs": _joined(_first_language(row, "outputs")),
        }


ACTIVITIES = DatasetSpec(
    module="plans",
    slug="plans-activities",
    title=_("Activities of the plan's projects"),
    description=_(
        "The activities each project of the city's strategic plans is made of, with their "
        "status, progress, dates and expected outputs."
    ),
    themes=THEMES,
    keywords=(_("strategy"), _("projects"), _("activities"), _("transparency")),
    frequency="IRREG",
    refresh=REFRESH,
    privacy=NOT_PERSONAL,
    columns=ACTIVITY_COLUMNS,
    rows=activity_rows,
    figures=(
        KeyFigure(_("Activities"), figure_count),
        KeyFigure(_("Activities completed"), _count_status(Status.COMPLETED)),
        KeyFigure(_("Activities in progress"), _count_status(Status.IN_PROGRESS)),
    ),
    chart=Chart(x="status", y="progress", kind="bar", aggregate="count"),
    available=_has_activities,
)


# Budgets


BUDGET_COLUMNS = (
    Column("plan", "string", _("Key of the plan")),
    Column("project", "string", _("Code of the project")),
    *_languages("title", _("Title of the project")),
    Column("pillar", "string", _("Key of the pillar (strategic area) of the project")),
    Column("status", "string", STATUS_DESCRIPTION),
    Column("budget_amount", "number", _("Planned budget of the project")),
    Column("budget_currency", "string", _("Currency of the budget (ISO 4217 code)")),
    Column(
        "funding_programmes",
        "string",
        _("Funding programmes, separated by semicolons, in Romanian when the plan gives them"),
    ),
    Column("start_year", "integer", _("Year the project starts")),
    Column("end_year", "integer", _("Year the project is planned to end")),
)


def budget_rows(municipality: Municipality) -> Iterator[Row]:
    """The planned budget of each project that has one: one query."""
    projects = (
        Project.objects.filter(
            plan__in=_published_plans(municipality), budget_amount__isnull=False
        )
        .order_by("plan__key", "pillar__position", "position", "id")
        .values(
            "plan__key", "key", *_translated("title"), "pillar__key", "status", "budget_amount",
            "budget_currency", *_translated("funding_programmes"), "start_date", "end_date",
        )
    )  # fmt: skip
    for row in projects.iterator(chunk_size=2000):
        start, end = row["start_date"], row["end_date"]
        yield {
            "plan": row["plan__key"],
            "project": row["key"],
            **_in_languages(row, "title"),
            "pillar": row["pillar__key"],
            "status": row["status"] or None,
            "budget_amount": _number(row["budget_amount"]),
            "budget_currency": row["budget_currency"],
            "funding_programmes": _joined(_first_language(row, "funding_programmes")),
            "start_year": start.year if start else None,
            "end_year": end.year if end else None,
        }


def _total_in_euro(rows: Sequence[Row]) -> float | None:
    amounts = [
        row["budget_amount"]
        for row in rows
        if row.get("budget_currency") == "EUR" and row.get("budget_amount") is not None
    ]
    return round(sum(amounts), 2) if amounts else None


def _largest_in_euro(rows: Sequence[Row]) -> float | None:
    amounts = [
        row["budget_amount"]
        for row in rows
        if row.get("budget_currency") == "EUR" and row.get("budget_amount") is not None
    ]
    return max(amounts) if amounts else None


BUDGETS = DatasetSpec(
    module="plans",
    slug="plans-budgets",
    title=_("Planned budgets of the plan's projects"),
    description=_(
        "The planned budget of each project of the city's strategic plans, with its currency, "
        "funding programmes, pillar, status and years. The plan gives one budget per project: "
        "it records no spending and no split by year or by funding programme."
    ),
    themes=(*THEMES, "ECON"),
    keywords=(_("budget"), _("funding"), _("strategy"), _("transparency")),
    frequency="IRREG",
    refresh=REFRESH,
    privacy=NOT_PERSONAL,
    columns=BUDGET_COLUMNS,
    rows=budget_rows,
    figures=(
        KeyFigure(_("Projects with a budget"), figure_count),
        KeyFigure(_("Total planned budget"), _total_in_euro, unit="EUR"),
        KeyFigure(_("Largest project budget"), _largest_in_euro, unit="EUR"),
    ),
    chart=Chart(x="pillar", y="budget_amount", kind="bar", aggregate="sum"),
    available=_has_budgets,
)


# KPIs and their readings


KPI_COLUMNS = (
    Column("plan", "string", _("Key of the plan")),
    Column("kpi", "string", _("Key of the indicator in the plan")),
    Column("kind", "string", _("key, outcome or output indicator")),
    *_languages("name", _("Name of the indicator")),
    *_languages("unit", _("Unit the indicator is measured in")),
    Column("pillar", "string", _("Key of the pillar the indicator measures, if any")),
    Column("project", "string", _("Code of the project the indicator measures, if any")),
    Column("date", "date", _("Date of the reading; empty when there is no reading yet")),
    Column("value", "number", _("The value measured on that date")),
    Column("baseline_value", "number", _("Value at the start (baseline)")),
    Column("baseline_date", "date", _("Date of the baseline")),
    Column("target_value", "number", _("Value the plan aims for")),
    Column("target_date", "date", _("Date by which the target should be reached")),
    Column("higher_is_better", "boolean", _("Whether a higher value is better")),
    Column("source", "string", _("Where the reading comes from")),
)


def kpi_rows(municipality: Municipality) -> Iterator[Row]:
    """One row per reading of each KPI of the city's published plans, and one row with no
    reading for a KPI not measured yet (the left join): one query."""
    kpis = (
        Kpi.objects.filter(plan__in=_published_plans(municipality))
        .order_by("plan__key", "key", "measurements__date", "measurements__id")
        .values(
            "plan__key", "key", "kind", *_translated("name"), *_translated("unit"),
            "pillar__key", "project__key", "measurements__date", "measurements__value",
            "baseline_value", "baseline_date", "target_value", "target_date",
            "higher_is_better", "measurements__source",
        )
    )  # fmt: skip
    for row in kpis.iterator(chunk_size=5000):
        yield {
            "plan": row["plan__key"],
            "kpi": row["key"],
            "kind": row["kind"],
            **_in_languages(row, "name"),
            **_in_languages(row, "unit"),
            "pillar": row["pillar__key"],
            "project": row["project__key"],
            "date": row["measurements__date"],
            "value": _number(row["measurements__value"]),
            "baseline_value": _number(row["baseline_value"]),
            "baseline_date": row["baseline_date"],
            "target_value": _number(row["target_value"]),
            "target_date": row["target_date"],
            "higher_is_better": row["higher_is_better"],
            "source": row["measurements__source"] or "",
        }


def _indicators(rows: Sequence[Row]) -> int:
    return len({(row.get("plan"), row.get("kpi")) for row in rows})


def _readings(rows: Sequence[Row]) -> int:
    return sum(1 for row in rows if row.get("value") is not None)


def _indicators_measured(rows: Sequence[Row]) -> int:
    return len({(row.get("plan"), row.get("kpi")) for row in rows if row.get("value") is not None})


KPIS = DatasetSpec(
    module="plans",
    slug="plans-kpis",
    title=_("Indicators of the strategic plan and their readings"),
    description=_(
        "The key performance indicators of the city's strategic plans, each with its unit, "
        "baseline and target, and one row per reading (date and value) as the city measures "
        "them. An indicator not measured yet has one row without a date or value."
    ),
    themes=THEMES,
    keywords=(_("indicators"), _("KPI"), _("monitoring"), _("strategy")),
    frequency="IRREG",
    refresh=REFRESH,
    privacy=NOT_PERSONAL,
    columns=KPI_COLUMNS,
    rows=kpi_rows,
    temporal="date",
    figures=(
        KeyFigure(_("Indicators"), _indicators),
        KeyFigure(_("Indicators measured at least once"), _indicators_measured),
        KeyFigure(_("Readings"), _readings),
    ),
    chart=Chart(x="kpi", y="value", kind="bar", aggregate="count"),
    available=_has_kpis,
)

DATASETS = (PROJECTS, ACTIVITIES, BUDGETS, KPIS)


def register() -> None:
    for spec in DATASETS:
        dataset_register(spec)
