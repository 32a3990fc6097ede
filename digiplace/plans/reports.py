"""The quarterly monitoring report: its content, its HTML document and its PDF.

The background worker (``tasks.report_generate``) calls ``report_html_render`` and
``report_pdf_render``; the HTML is a standalone document with its own styles, so it
renders the same in a browser, in the archive and in WeasyPrint.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from digiplace.core.i18n import quarter_label

from . import selectors
from .models import ChangeRecord, Kpi, Measurement, MonitoringReport, Plan, Project
from .selectors import KpiReading, KpiStatus

KPI_STATUS_LABELS = {
    KpiStatus.ON_TRACK: gettext_lazy("On track"),
    KpiStatus.AT_RISK: gettext_lazy("At risk"),
    KpiStatus.OFF_TRACK: gettext_lazy("Off track"),
    KpiStatus.NO_DATA: gettext_lazy("Not assessed"),
}

FIELD_LABELS = {
    "status": gettext_lazy("Status"),
    "progress": gettext_lazy("Progress"),
    "kpi_value": gettext_lazy("Value"),
}


@dataclass(frozen=True)
class ChangeRow:
    """A public change in words: what changed, from → to."""

    changed_at: datetime.datetime
    project: Project | None
    subject: str
    what: str
    old_value: str
    new_value: str
    is_activity: bool


def _value_describe(field: str, value: str, unit: str = "") -> str:
    if value == "":
        return "—"
    if field == "status":
        return str(selectors.status_label(value) or value)
    if field == "progress":
        return f"{value}%"
    return f"{value} {unit}".strip()


def change_describe(*, change: ChangeRecord) -> ChangeRow:
    """Needs ``project``, ``activity`` and ``kpi`` selected with the change."""
    if change.kpi_id is not None and change.kpi is not None:
        subject, unit = str(change.kpi), change.kpi.unit
    elif change.activity_id is not None and change.activity is not None:
        subject, unit = str(change.activity), ""
    else:
        subject, unit = str(change.project or ""), ""
    return ChangeRow(
        changed_at=change.changed_at,
        project=change.project,
        subject=subject,
        what=str(FIELD_LABELS.get(change.field, change.field)),
        old_value=_value_describe(change.field, change.old_value, unit),
        new_value=_value_describe(change.field, change.new_value, unit),
        is_activity=change.activity_id is not None,
    )


def kpi_readings_at(*, kpis: list[Kpi], on: datetime.date) -> list[KpiReading]:
    """Each KPI's latest measurement up to ``on`` and its status then: one query."""
    latest: dict[int, tuple[datetime.date | None, Decimal | None]] = {}
    rows = (
        Measurement.objects.filter(kpi__in=[kpi.pk for kpi in kpis], date__lte=on)
        .order_by("kpi_id", "-date", "-id")
        .values_list("kpi_id", "date", "value")
    )
    for kpi_id, measured_on, value in rows.iterator(chunk_size=5000):
        latest.setdefault(kpi_id, (measured_on, value))
    readings = []
    for kpi in kpis:
        latest_date, latest_value = latest.get(kpi.pk) or (None, None)
        readings.append(
            selectors.kpi_status(kpi=kpi, latest_value=latest_value, latest_date=latest_date)
        )
    return readings


def report_context(*, plan: Plan, year: int, quarter: int) -> dict[str, Any]:
    """Everything the report shows, read in a fixed number of queries."""
    start, end = selectors.quarter_bounds(year=year, quarter=quarter)
    progress = selectors.project_progress_map(plan=plan)
    pillars = [
        {
            "pillar": pillar,
            "progress": progress.pillars[pillar.pk].shown_percent,
            "projects": progress.pillars[pillar.pk].projects,
            "objectives": [
                {
                    "objective": objective,
                    "progress": progress.objectives[objective.pk].shown_percent,
                    "projects": progress.objectives[objective.pk].projects,
                }
                for objective in pillar.objectives.all()
            ],
        }
        for pillar in selectors.pillar_list(plan=plan)
    ]
    changes = [
        change_describe(change=change)
        for change in selectors.changes_between(plan=plan, start=start, end=end).order_by(
            "changed_at", "id"
        )
    ]
    readings = kpi_readings_at(kpis=list(selectors.plan_kpis(plan=plan)), on=end)
    budget = selectors.budget_summary(plan=plan)
    return {
        "plan": plan,
        "year": year,
        "quarter": quarter,
        "start": start,
        "end": end,
        "plan_progress": progress.plan.shown_percent,
        "project_count": progress.plan.projects,
        "pillars": pillars,
        "activity_changes": [change for change in changes if change.is_activity],
        "other_changes": [change for change in changes if not change.is_activity],
        "kpi_rows": [
            {"reading": reading, "status_label": KPI_STATUS_LABELS[reading.status]}
            for reading in readings
        ],
        "risks": list(selectors.open_risks(plan=plan)),
        "budget": budget,
        "status_counts": [
            (label, count) for code, label, count in selectors.status_counts(plan=plan) if count
        ],
        "source_link": _public_link(plan.source_reference),
    }


def _public_link(reference: str) -> str:
    """A source reference a reader can follow (a web address); others, such as the import's
    own file names, stay out of published documents."""
    reference = (reference or "").strip()
    return reference if reference.startswith(("https://", "http://")) else ""


def report_html_render(*, report: MonitoringReport) -> str:
    """The report as a standalone HTML document, in the report's language."""
    plan = report.plan
    with translation.override(report.language), timezone.override(plan.municipality.time_zone):
        context = report_context(plan=plan, year=report.year, quarter=report.quarter)
        context.update(
            {
                "report": report,
                "municipality": plan.municipality,
                "language": report.language,
                "percent_widths": range(101),
                "generated_at": formats.date_format(timezone.localtime(), "DATETIME_FORMAT"),
                "title": _("Monitoring report %(period)s: %(plan)s")
                % {
                    "period": quarter_label(year=report.year, quarter=report.quarter),
                    "plan": plan.title,
                },
            }
        )
        return render_to_string("plans/documents/report.html", context)


def report_pdf_render(*, html: str) -> bytes:
    """The report's HTML as a tagged PDF (PDF/UA-1: structure for screen readers, the
    document's language from ``<html lang>``, its title from ``<title>``). Its styles are
    inline, so nothing is fetched."""
    import weasyprint  # heavy: loaded only by the worker

    pdf = weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
    assert pdf is not None
    return bytes(pdf)
