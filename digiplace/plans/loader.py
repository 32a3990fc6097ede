"""Validate and import plan data files (data/plans/*.yaml, described in data/plans/SCHEMA.md).

Validation reports every error with the file and the path of the bad value; the import is
atomic (all files or nothing) and idempotent (records are matched by their keys).
"""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from jsonschema import Draft202012Validator

from digiplace.core import selectors as core_selectors

from .models import (
    Activity,
    DatePrecision,
    GovernanceBody,
    GovernanceMember,
    Kpi,
    Measurement,
    Objective,
    Pillar,
    Plan,
    Project,
    Risk,
    WorkingGroup,
)
from .plan_schema import DATE_PATTERN, LANGUAGES, PLAN_FILE_SCHEMA

# The note on the reading that a KPI's baseline becomes (the data file's language: English).
BASELINE_NOTE = "Baseline, as stated in the plan"


class PlanFileError(Exception):
    """The files could not be loaded; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class LoadResult:
    plans: int = 0
    pillars: int = 0
    objectives: int = 0
    projects: int = 0
    activities: int = 0
    kpis: int = 0
    measurements: int = 0
    risks: int = 0
    governance_bodies: int = 0
    working_groups: int = 0


def _format_path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top)"


def parse_date(value: int | str | None, *, end: bool = False) -> tuple[datetime.date | None, str]:
    """A year, year-month or ISO date → (date, precision); an end date takes the period's end."""
    if value is None:
        return None, DatePrecision.DAY
    text = str(value)
    if not re.match(DATE_PATTERN, text):
        raise ValueError(f"{text!r} is not a year, YYYY-MM or YYYY-MM-DD")
    parts = [int(part) for part in text.split("-")]
    if len(parts) == 1:
        return datetime.date(parts[0], 12 if end else 1, 31 if end else 1), DatePrecision.YEAR
    if len(parts) == 2:
        year, month = parts
        if not 1 <= month <= 12:
            raise ValueError(f"{text!r} has no month {month}")
        day = calendar.monthrange(year, month)[1] if end else 1
        return datetime.date(year, month, day), DatePrecision.MONTH
    return datetime.date(*parts), DatePrecision.DAY


def _walk_projects(plan: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for pillar_index, pillar in enumerate(plan.get("pillars", [])):
        for project_index, project in enumerate(pillar.get("projects", [])):
            yield f"plan.pillars[{pillar_index}].projects[{project_index}]", project
        for objective_index, objective in enumerate(pillar.get("objectives", [])):
            for project_index, project in enumerate(objective.get("projects", [])):
                yield (
                    f"plan.pillars[{pillar_index}].objectives[{objective_index}]"
                    f".projects[{project_index}]",
                    project,
                )


def _walk_kpis(plan: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for index, kpi in enumerate(plan.get("kpis", [])):
        yield f"plan.kpis[{index}]", kpi
    for pillar_index, pillar in enumerate(plan.get("pillars", [])):
        for index, kpi in enumerate(pillar.get("kpis", [])):
            yield f"plan.pillars[{pillar_index}].kpis[{index}]", kpi
        for objective_index, objective in enumerate(pillar.get("objectives", [])):
            for index, kpi in enumerate(objective.get("kpis", [])):
                yield (
                    f"plan.pillars[{pillar_index}].objectives[{objective_index}].kpis[{index}]",
                    kpi,
                )
    for path, project in _walk_projects(plan):
        for index, kpi in enumerate(project.get("kpis", [])):
            yield f"{path}.kpis[{index}]", kpi


def _semantic_errors(plan: dict[str, Any]) -> list[str]:
    """Checks that a JSON Schema cannot express: unique keys, real dates, ordered periods."""
    errors: list[str] = []

    def unique(items: Iterable[tuple[str, str]], what: str) -> None:
        seen: dict[str, str] = {}
        for path, key in items:
            if key in seen:
                errors.append(f"{path}.key: duplicate {what} key {key!r} (first at {seen[key]})")
            else:
                seen[key] = path

    pillars = plan.get("pillars", [])
    unique(((f"plan.pillars[{i}]", p["key"]) for i, p in enumerate(pillars)), "pillar")
    for i, pillar in enumerate(pillars):
        unique(
            (
                (f"plan.pillars[{i}].objectives[{j}]", o["key"])
                for j, o in enumerate(pillar.get("objectives", []))
            ),
            "objective",
        )
    projects = list(_walk_projects(plan))
    unique(((path, project["key"]) for path, project in projects), "project")
    unique(((path, kpi["key"]) for path, kpi in _walk_kpis(plan)), "KPI")
    unique(
        ((f"plan.risks[{i}]", risk["key"]) for i, risk in enumerate(plan.get("risks", []))), "risk"
    )
    bodies = plan.get("governance_bodies", [])
    unique(((f"plan.governance_bodies[{i}]", b["key"]) for i, b in enumerate(bodies)), "body")
    unique(
        (
            (f"plan.governance_bodies[{i}].working_groups[{j}]", group["key"])
            for i, body in enumerate(bodies)
            for j, group in enumerate(body.get("working_groups", []))
        ),
        "working group",
    )
    pillar_keys = {pillar["key"] for pillar in pillars}
    for i, body in enumerate(bodies):
        for j, group in enumerate(body.get("working_groups", [])):
            if group.get("pillar") and group["pillar"] not in pillar_keys:
                errors.append(
                    f"plan.governance_bodies[{i}].working_groups[{j}].pillar: "
                    f"no pillar with key {group['pillar']!r}"
                )

    def check_span(path: str, item: dict[str, Any]) -> None:
        try:
            start, _precision = parse_date(item.get("start"))
            end, _precision = parse_date(item.get("end"), end=True)
        except ValueError as error:
            errors.append(f"{path}: {error}")
            return
        if start and end and start > end:
            errors.append(f"{path}.end: ends ({item['end']}) before it starts ({item['start']})")

    for path, project in projects:
        check_span(path, project)
        numbers = [
            (f"{path}.activities[{k}]", a["number"])
            for k, a in enumerate(project.get("activities", []))
        ]
        seen_numbers: set[str] = set()
        for activity_path, number in numbers:
            if number in seen_numbers:
                errors.append(f"{activity_path}.number: duplicate activity number {number!r}")
            seen_numbers.add(number)
        for k, activity in enumerate(project.get("activities", [])):
            check_span(f"{path}.activities[{k}]", activity)
    for path, kpi in _walk_kpis(plan):
        for part in ("baseline", "target"):
            if kpi.get(part):
                try:
                    parse_date(kpi[part].get("date"))
                except ValueError as error:
                    errors.append(f"{path}.{part}.date: {error}")
        for m, measurement in enumerate(kpi.get("measurements", [])):
            try:
                parse_date(measurement["date"])
            except ValueError as error:
                errors.append(f"{path}.measurements[{m}].date: {error}")
    period = plan.get("period") or {}
    if period.get("start") and period.get("end") and period["start"] > period["end"]:
        errors.append("plan.period.end: the period ends before it starts")
    return errors


def plan_file_read(*, path: Path) -> dict[str, Any]:
    """Parse and validate one file; raises PlanFileError naming the file and each bad path."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise PlanFileError([f"{path}: cannot be read: {error}"]) from error
    except yaml.YAMLError as error:
        raise PlanFileError([f"{path}: not valid YAML: {error}"]) from error
    validator = Draft202012Validator(PLAN_FILE_SCHEMA)
    errors = [
        f"{path}: {_format_path(error.absolute_path)}: {error.message}"
        for error in sorted(
            validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))
        )
    ]
    if not errors:
        errors = [f"{path}: {message}" for message in _semantic_errors(data["plan"])]
    if (
        not errors
        and core_selectors.municipality_by_slug(slug=data["plan"]["municipality"]) is None
    ):
        errors.append(
            f"{path}: plan.municipality: no municipality {data['plan']['municipality']!r}"
        )
    if errors:
        raise PlanFileError(errors)
    plan: dict[str, Any] = data["plan"]
    return plan


def _texts(values: dict[str, str] | None, field: str) -> dict[str, str]:
    """{en: .., ro: ..} → {field_en: .., field_ro: ..}; a missing language falls back on display."""
    values = values or {}
    return {f"{field}_{language}": values.get(language, "") for language in LANGUAGES}


def _text_lists(items: list[dict[str, str]] | None, field: str) -> dict[str, list[str]]:
    """[{en: .., ro: ..}, ...] → {field_en: [..], field_ro: [..]}, in the file's order."""
    items = items or []
    return {
        f"{field}_{language}": [item.get(language, "") for item in items] for language in LANGUAGES
    }


def _decimal(value: float | int | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


class _Importer:
    def __init__(self, plan_data: dict[str, Any]) -> None:
        self.data = plan_data
        self.result = LoadResult()
        municipality = core_selectors.municipality_by_slug(slug=plan_data["municipality"])
        if municipality is None:  # checked by plan_file_read; gone since
            raise PlanFileError(
                [f"plan.municipality: no municipality {plan_data['municipality']!r}"]
            )
        self.municipality = municipality

    def run(self) -> LoadResult:
        data = self.data
        period = data.get("period") or {}
        source = data.get("source_document") or {}
        self.plan, _created = Plan.objects.update_or_create(
            municipality=self.municipality,
            key=data["key"],
            defaults={
                **_texts(data["title"], "title"),
                **_texts(data.get("vision"), "vision"),
                **_texts(data.get("mission"), "mission"),
                **_texts(data.get("motto"), "motto"),
                **_texts(
                    data.get("pillar_label") or {"en": "Pillar", "ro": "Pilon"}, "pillar_label"
                ),
                **_texts(data.get("funding_approach"), "funding_approach"),
                "period_start": period.get("start"),
                "period_end": period.get("end"),
                "source_title": source.get("title", ""),
                "source_reference": source.get("reference", ""),
            },
        )
        self.result.plans += 1
        self.pillars: dict[str, Pillar] = {}
        for position, pillar_data in enumerate(data["pillars"]):
            self._pillar(pillar_data, position)
        for kpi_data in data.get("kpis", []):
            self._kpi(kpi_data)
        for risk_data in data.get("risks", []):
            self._risk(risk_data)
        for position, body_data in enumerate(data.get("governance_bodies", [])):
            self._governance_body(body_data, position)
        return self.result

    def _owned(self) -> dict[str, Any]:
        return {"municipality": self.municipality}

    def _pillar(self, data: dict[str, Any], position: int) -> None:
        pillar, _created = Pillar.objects.update_or_create(
            plan=self.plan,
            key=data["key"],
            defaults={
                **self._owned(),
                "position": position,
                **_texts(data["title"], "title"),
                **_texts(data.get("description"), "description"),
                "smart_city_dimensions": data.get("smart_city_dimensions", []),
                "sdgs": data.get("sdgs", []),
            },
        )
        self.pillars[data["key"]] = pillar
        self.result.pillars += 1
        project_position = 0
        for objective_position, objective_data in enumerate(data.get("objectives", [])):
            objective, _created = Objective.objects.update_or_create(
                pillar=pillar,
                key=objective_data["key"],
                defaults={
                    **self._owned(),
                    "position": objective_position,
                    **_texts(objective_data["title"], "title"),
                    **_texts(objective_data.get("description"), "description"),
                },
            )
            self.result.objectives += 1
            for project_data in objective_data.get("projects", []):
                self._project(project_data, pillar, objective, project_position)
                project_position += 1
            for kpi_data in objective_data.get("kpis", []):
                self._kpi(kpi_data, pillar=pillar, objective=objective)
        for project_data in data.get("projects", []):
            self._project(project_data, pillar, None, project_position)
            project_position += 1
        for kpi_data in data.get("kpis", []):
            self._kpi(kpi_data, pillar=pillar)

    def _project(
        self, data: dict[str, Any], pillar: Pillar, objective: Objective | None, position: int
    ) -> None:
        start, start_precision = parse_date(data.get("start"))
        end, end_precision = parse_date(data.get("end"), end=True)
        budget = data.get("budget") or {}
        location = data.get("location") or {}
        project, _created = Project.objects.update_or_create(
            plan=self.plan,
            key=data["key"],
            defaults={
                **self._owned(),
                "pillar": pillar,
                "objective": objective,
                "position": position,
                "kind": data["kind"],
                **_texts(data.get("open_action_category"), "open_action_category"),
                **_texts(data["title"], "title"),
                **_texts(data.get("description"), "description"),
                **_texts(data.get("owner"), "owner"),
                **_text_lists(data.get("stakeholders"), "stakeholders"),
                **_text_lists(data.get("strategy_links"), "strategy_links"),
                **_text_lists(data.get("funding_programmes"), "funding_programmes"),
                "budget_amount": _decimal(budget.get("amount")),
                "budget_currency": budget.get("currency", "EUR"),
                "status": data.get("status") or "",
                # Staff keep a project's progress up to date; the file sets it only if it says.
                **({"progress": data["progress"]} if "progress" in data else {}),
                "start_date": start,
                "start_precision": start_precision,
                "end_date": end,
                "end_precision": end_precision,
                **_texts(data.get("schedule_text"), "schedule_text"),
                "latitude": location.get("latitude"),
                "longitude": location.get("longitude"),
                **_text_lists(data.get("digital_enablers"), "digital_enablers"),
                **_text_lists(data.get("local_actor_types"), "local_actor_types"),
            },
        )
        self.result.projects += 1
        for activity_position, activity_data in enumerate(data.get("activities", [])):
            start, start_precision = parse_date(activity_data.get("start"))
            end, end_precision = parse_date(activity_data.get("end"), end=True)
            Activity.objects.update_or_create(
                project=project,
                number=activity_data["number"],
                defaults={
                    **self._owned(),
                    "position": activity_position,
                    **_texts(activity_data["title"], "title"),
                    **_texts(activity_data.get("related_activities"), "related_activities"),
                    "start_date": start,
                    "start_precision": start_precision,
                    "end_date": end,
                    "end_precision": end_precision,
                    **_texts(activity_data.get("schedule_text"), "schedule_text"),
                    **_text_lists(activity_data.get("outputs"), "outputs"),
                    "status": activity_data.get("status") or "",
                    "progress": activity_data.get("progress"),
                },
            )
            self.result.activities += 1
        for kpi_data in data.get("kpis", []):
            self._kpi(kpi_data, pillar=pillar, objective=objective, project=project)

    def _kpi(
        self,
        data: dict[str, Any],
        pillar: Pillar | None = None,
        objective: Objective | None = None,
        project: Project | None = None,
    ) -> None:
        baseline = data.get("baseline") or {}
        target = data.get("target") or {}
        kpi, _created = Kpi.objects.update_or_create(
            plan=self.plan,
            key=data["key"],
            defaults={
                **self._owned(),
                "pillar": pillar,
                "objective": objective,
                "project": project,
                "kind": data["kind"],
                **_texts(data["name"], "name"),
                **_texts(data["unit"], "unit"),
                "baseline_value": _decimal(baseline.get("value")),
                "baseline_date": parse_date(baseline.get("date"))[0],
                "target_value": _decimal(target.get("value")),
                "target_date": parse_date(target.get("date"), end=True)[0],
                "higher_is_better": data.get("higher_is_better", True),
                "source": data.get("source") or "",
            },
        )
        self.result.kpis += 1
        readings = list(data.get("measurements", []))
        if baseline.get("value") is not None and baseline.get("date") is not None:
            # The baseline is the first reading: the KPI pages show it until staff add more.
            readings.insert(
                0,
                {
                    "date": baseline["date"],
                    "value": baseline["value"],
                    "source": data.get("source") or self.plan.source_title,
                    "note": BASELINE_NOTE,
                },
            )
        for measurement in readings:
            Measurement.objects.update_or_create(
                kpi=kpi,
                date=parse_date(measurement["date"])[0],
                source=measurement.get("source") or "",
                defaults={
                    **self._owned(),
                    "value": _decimal(measurement["value"]),
                    "note": measurement.get("note") or "",
                },
            )
            self.result.measurements += 1

    def _risk(self, data: dict[str, Any]) -> None:
        Risk.objects.update_or_create(
            plan=self.plan,
            key=data["key"],
            defaults={
                **self._owned(),
                **_texts(data["description"], "description"),
                **_texts(data.get("mitigation"), "mitigation"),
                "intensity": data.get("intensity") or "",
                "likelihood": data.get("likelihood") or "",
                **_texts(data.get("owner"), "owner"),
                "status": data.get("status") or "open",
                "review_date": parse_date(data.get("review_date"))[0],
            },
        )
        self.result.risks += 1

    def _governance_body(self, data: dict[str, Any], position: int) -> None:
        body, _created = GovernanceBody.objects.update_or_create(
            plan=self.plan,
            key=data["key"],
            defaults={
                **self._owned(),
                "position": position,
                **_texts(data["name"], "name"),
                **_texts(data.get("role"), "role"),
                **_texts(data.get("description"), "description"),
            },
        )
        self.result.governance_bodies += 1
        # Members have no key of their own: the file's list replaces the stored one.
        body.members.all().delete()
        GovernanceMember.objects.bulk_create(
            GovernanceMember(
                municipality=self.municipality,
                body=body,
                **_texts(member["name"], "name"),
                **_texts(member.get("role"), "role"),
                is_coordinator=member.get("is_coordinator", False),
            )
            for member in data.get("members", [])
        )
        for group in data.get("working_groups", []):
            WorkingGroup.objects.update_or_create(
                plan=self.plan,
                key=group["key"],
                defaults={
                    **self._owned(),
                    "body": body,
                    "pillar": self.pillars.get(group.get("pillar") or ""),
                    **_texts(group["name"], "name"),
                    **_texts(group.get("description"), "description"),
                    "coordinators": group.get("coordinators", []),
                },
            )
            self.result.working_groups += 1


def plans_load(*, paths: list[Path]) -> LoadResult:
    """Validate every file first, then import them all in one transaction."""
    errors: list[str] = []
    plans: list[dict[str, Any]] = []
    for path in paths:
        try:
            plans.append(plan_file_read(path=path))
        except PlanFileError as error:
            errors.extend(error.errors)
    if errors:
        raise PlanFileError(errors)
    total = LoadResult()
    with transaction.atomic():
        for plan_data in plans:
            result = _Importer(plan_data).run()
            for field in total.__dataclass_fields__:
                setattr(total, field, getattr(total, field) + getattr(result, field))
    return total
