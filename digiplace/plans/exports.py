"""Open-data downloads of a plan: the whole plan as JSON, and one CSV per table.

Nothing personal goes out: no expressions of interest, no names of who entered a value or
changed a status. Texts the city writes come in every language of the platform. Each
export runs a fixed number of queries, whatever the size of the plan.
"""

from __future__ import annotations

import csv
import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from . import selectors
from .models import Activity, Kpi, Measurement, Plan, Project, Risk

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
CSV_TABLES = ("projects", "activities", "kpis", "measurements")
# Spreadsheets run cells that start with these as formulas.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _number(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return f"{value.normalize():f}"


def _date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _translated(record: Any, field: str) -> dict[str, str]:
    return {code: getattr(record, f"{field}_{code}") or "" for code in LANGUAGE_CODES}


# JSON


def _activity_json(activity: Activity) -> dict[str, Any]:
    return {
        "number": activity.number,
        "title": _translated(activity, "title"),
        "status": activity.status or None,
        "progress": activity.progress,
        "start_date": _date(activity.start_date),
        "start_precision": activity.start_precision,
        "end_date": _date(activity.end_date),
        "end_precision": activity.end_precision,
        "schedule_text": activity.schedule_text,
        "outputs": activity.outputs,
        "related_activities": _translated(activity, "related_activities"),
    }


def _project_json(
    project: Project,
    *,
    progress: int,
    activities: list[Activity],
    pillar_keys: dict[int, str],
    objective_keys: dict[int, str],
) -> dict[str, Any]:
    location = None
    if project.has_location:
        location = {"latitude": project.latitude, "longitude": project.longitude}
    return {
        "key": project.key,
        "pillar": pillar_keys.get(project.pillar_id),
        "objective": objective_keys.get(project.objective_id) if project.objective_id else None,
        "kind": project.kind,
        "open_action_category": project.open_action_category,
        "title": _translated(project, "title"),
        "description": _translated(project, "description"),
        "owner": project.owner,
        "stakeholders": project.stakeholders,
        "strategy_links": project.strategy_links,
        "funding_programmes": project.funding_programmes,
        "budget": {"amount": _number(project.budget_amount), "currency": project.budget_currency},
        "status": project.status or None,
        "progress": progress,
        "weight": project.weight,
        "start_date": _date(project.start_date),
        "start_precision": project.start_precision,
        "end_date": _date(project.end_date),
        "end_precision": project.end_precision,
        "schedule_text": project.schedule_text,
        "location": location,
        "area": project.area,
        "digital_enablers": project.digital_enablers,
        "local_actor_types": project.local_actor_types,
        "updated_at": project.updated_at.isoformat(),
        "activities": [_activity_json(activity) for activity in activities],
    }


def _kpi_json(
    reading: selectors.KpiReading, measurements: list[Measurement], keys: dict[str, dict[int, str]]
) -> dict[str, Any]:
    kpi = reading.kpi
    return {
        "key": kpi.key,
        "kind": kpi.kind,
        "name": _translated(kpi, "name"),
        "unit": kpi.unit,
        "pillar": keys["pillar"].get(kpi.pillar_id) if kpi.pillar_id else None,
        "objective": keys["objective"].get(kpi.objective_id) if kpi.objective_id else None,
        "project": keys["project"].get(kpi.project_id) if kpi.project_id else None,
        "baseline": {"value": _number(kpi.baseline_value), "date": _date(kpi.baseline_date)},
        "target": {"value": _number(kpi.target_value), "date": _date(kpi.target_date)},
        "higher_is_better": kpi.higher_is_better,
        "source": kpi.source,
        "latest": {"value": _number(reading.latest_value), "date": _date(reading.latest_date)},
        "status": reading.status,
        "measurements": [
            {
                "date": _date(measurement.date),
                "value": _number(measurement.value),
                "source": measurement.source,
                "note": measurement.note,
            }
            for measurement in measurements
        ],
    }


def _risk_json(risk: Risk, project_keys: dict[int, str]) -> dict[str, Any]:
    return {
        "key": risk.key,
        "project": project_keys.get(risk.project_id) if risk.project_id else None,
        "description": _translated(risk, "description"),
        "mitigation": _translated(risk, "mitigation"),
        "intensity": risk.intensity or None,
        "likelihood": risk.likelihood or None,
        "owner": risk.owner,
        "status": risk.status,
        "review_date": _date(risk.review_date),
    }


def plan_export(*, plan: Plan) -> dict[str, Any]:
    """The whole plan as JSON-ready data: ten queries for any size."""
    progress = selectors.project_progress_map(plan=plan)
    pillars = list(selectors.pillar_list(plan=plan))
    pillar_keys = {pillar.pk: pillar.key for pillar in pillars}
    objective_keys = {
        objective.pk: objective.key for pillar in pillars for objective in pillar.objectives.all()
    }
    activities_by_project: dict[int, list[Activity]] = defaultdict(list)
    for activity in Activity.objects.filter(project__plan=plan).order_by("project_id", "position"):
        activities_by_project[activity.project_id].append(activity)
    projects = list(Project.objects.filter(plan=plan).order_by("pillar__position", "position"))
    project_keys = {project.pk: project.key for project in projects}
    measurements_by_kpi: dict[int, list[Measurement]] = defaultdict(list)
    for measurement in Measurement.objects.filter(kpi__plan=plan).order_by("kpi_id", "date", "id"):
        measurements_by_kpi[measurement.kpi_id].append(measurement)
    readings = selectors.kpi_readings(kpis=Kpi.objects.filter(plan=plan).order_by("key"))
    keys = {"pillar": pillar_keys, "objective": objective_keys, "project": project_keys}
    return {
        "format": "digiplace-plan/1",
        "exported_at": timezone.now().isoformat(),
        "municipality": plan.municipality.slug,
        "plan": {
            "key": plan.key,
            "title": _translated(plan, "title"),
            "period_start": plan.period_start,
            "period_end": plan.period_end,
            "vision": _translated(plan, "vision"),
            "mission": _translated(plan, "mission"),
            "motto": _translated(plan, "motto"),
            "pillar_label": _translated(plan, "pillar_label"),
            "funding_approach": _translated(plan, "funding_approach"),
            "source_title": plan.source_title,
            "source_reference": plan.source_reference,
            "progress": progress.plan.percent,
        },
        "pillars": [
            {
                "key": pillar.key,
                "title": _translated(pillar, "title"),
                "description": _translated(pillar, "description"),
                "smart_city_dimensions": pillar.smart_city_dimensions,
                "sdgs": pillar.sdgs,
                "progress": progress.pillars[pillar.pk].percent,
                "objectives": [
                    {
                        "key": objective.key,
                        "title": _translated(objective, "title"),
                        "description": _translated(objective, "description"),
                        "progress": progress.objectives[objective.pk].percent,
                    }
                    for objective in pillar.objectives.all()
                ],
            }
            for pillar in pillars
        ],
        "projects": [
            _project_json(
                project,
                progress=progress.projects.get(project.pk, 0),
                activities=activities_by_project[project.pk],
                pillar_keys=pillar_keys,
                objective_keys=objective_keys,
            )
            for project in projects
        ],
        "kpis": [
            _kpi_json(reading, measurements_by_kpi[reading.kpi.pk], keys) for reading in readings
        ],
        "risks": [
            _risk_json(risk, project_keys)
            for risk in Risk.objects.filter(plan=plan).order_by("key")
        ],
    }


# CSV


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list):
        value = "; ".join(str(item) for item in value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _translated_columns(field: str) -> list[str]:
    return [f"{field}_{code}" for code in LANGUAGE_CODES]


def _projects_rows(plan: Plan) -> Iterator[list[Any]]:
    yield [
        "key", "pillar", "objective", "kind", "open_action_category",
        *_translated_columns("title"), "owner", "status", "progress", "budget_amount",
        "budget_currency", "funding_programmes", "start_date", "end_date", "schedule_text",
        "latitude", "longitude", "digital_enablers", "stakeholders", "updated_at",
    ]  # fmt: skip
    progress = selectors.project_progress_map(plan=plan)
    projects = (
        Project.objects.filter(plan=plan)
        .order_by("pillar__position", "position")
        .values_list(
            "pk", "key", "pillar__key", "objective__key", "kind", "open_action_category",
            *_translated_columns("title"), "owner", "status", "budget_amount", "budget_currency",
            "funding_programmes", "start_date", "end_date", "schedule_text", "latitude",
            "longitude", "digital_enablers", "stakeholders", "updated_at",
        )
    )  # fmt: skip
    languages = len(LANGUAGE_CODES)
    for pk, *row in projects.iterator(chunk_size=2000):
        status_at = 5 + languages + 2  # after the titles and the owner
        yield [*row[:status_at], progress.projects.get(pk, 0), *row[status_at:]]


def _activities_rows(plan: Plan) -> Iterator[list[Any]]:
    yield [
        "project", "number", *_translated_columns("title"), "status", "progress", "start_date",
        "end_date", "schedule_text", "outputs",
    ]  # fmt: skip
    activities = (
        Activity.objects.filter(project__plan=plan)
        .order_by("project__pillar__position", "project__position", "position")
        .values_list(
            "project__key", "number", *_translated_columns("title"), "status", "progress",
            "start_date", "end_date", "schedule_text", "outputs",
        )
    )  # fmt: skip
    yield from (list(row) for row in activities.iterator(chunk_size=2000))


def _kpis_rows(plan: Plan) -> Iterator[list[Any]]:
    yield [
        "key", "kind", *_translated_columns("name"), "unit", "pillar", "objective", "project",
        "baseline_value", "baseline_date", "target_value", "target_date", "higher_is_better",
        "source", "latest_value", "latest_date", "status",
    ]  # fmt: skip
    kpis = Kpi.objects.filter(plan=plan).select_related("pillar", "objective", "project")
    for reading in selectors.kpi_readings(kpis=kpis.order_by("key")):
        kpi = reading.kpi
        yield [
            kpi.key, kpi.kind, *(getattr(kpi, column) for column in _translated_columns("name")),
            kpi.unit, kpi.pillar.key if kpi.pillar else None,
            kpi.objective.key if kpi.objective else None,
            kpi.project.key if kpi.project else None, kpi.baseline_value, kpi.baseline_date,
            kpi.target_value, kpi.target_date, kpi.higher_is_better, kpi.source,
            reading.latest_value, reading.latest_date, reading.status,
        ]  # fmt: skip


def _measurements_rows(plan: Plan) -> Iterator[list[Any]]:
    yield ["kpi", "date", "value", "source", "note"]
    measurements = (
        Measurement.objects.filter(kpi__plan=plan)
        .order_by("kpi__key", "date", "id")
        .values_list("kpi__key", "date", "value", "source", "note")
    )
    yield from (list(row) for row in measurements.iterator(chunk_size=5000))


TABLE_ROWS: dict[str, Callable[[Plan], Iterator[list[Any]]]] = {
    "projects": _projects_rows,
    "activities": _activities_rows,
    "kpis": _kpis_rows,
    "measurements": _measurements_rows,
}


class _Echo:
    """A file-like object that hands back what csv.writer writes, for streaming."""

    def write(self, value: str) -> str:
        return value


def plan_csv_lines(*, plan: Plan, table: str) -> Iterable[str]:
    """The lines of one table as CSV with a header row, produced while they are sent."""
    rows = TABLE_ROWS[table](plan)
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([_cell(value) for value in row])
