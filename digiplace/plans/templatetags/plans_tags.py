"""Presentation of plan data: dates at their precision, money, numbers with units, changes."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import template
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import DatePrecision, Status

register = template.Library()

KPI_STATUS_LABELS = {
    "on_track": gettext_lazy("On track"),
    "at_risk": gettext_lazy("At risk"),
    "off_track": gettext_lazy("Off track"),
    # Neither measured against a trajectory: no reading yet, or no target (kpi_reading_status).
    "no_data": gettext_lazy("Not assessed"),
}


@register.simple_tag
def progress_bar(percent: int | None, label: str = "") -> str:
    """A progress bar with its figure, or "Not stated": a tag, not an include, since the
    project tables show one on every row."""
    if percent is None:
        return format_html('<span class="progress progress--unknown">{}</span>', _("Not stated"))
    return format_html(
        '<span class="progress"><progress max="100" value="{}" aria-label="{}">{}%</progress>'
        ' <span class="progress__value">{}%</span></span>',
        percent,
        label or _("Progress"),
        percent,
        percent,
    )


@register.filter
def precise_date(value: datetime.date | None, precision: str = DatePrecision.DAY) -> str:
    """A date as precisely as the plan knows it: "2023", "June 2023" or the full date."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return str(value.year)
    if precision == DatePrecision.MONTH:
        return formats.date_format(value, "YEAR_MONTH_FORMAT")
    return formats.date_format(value, "DATE_FORMAT")


@register.simple_tag
def schedule(item: Any) -> str:
    """Start – end of a project or activity, or its schedule as written, or a dash."""
    start = precise_date(item.start_date, item.start_precision)
    end = precise_date(item.end_date, item.end_precision)
    if start and end:
        return start if start == end else f"{start} – {end}"
    if start:
        return _("from %(date)s") % {"date": start}
    if end:
        return _("until %(date)s") % {"date": end}
    return item.schedule_text or "—"


def _plain(value: Decimal | int | float) -> Decimal | int | float:
    """A Decimal without the trailing zeros its database column adds (4 places)."""
    if isinstance(value, Decimal):
        return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()
    return value


@register.filter
def number(value: Decimal | int | float | None) -> str:
    if value is None:
        return "—"
    return formats.number_format(_plain(value), use_l10n=True, force_grouping=True)


@register.filter
def money(value: Decimal | int | float | None, currency: str = "EUR") -> str:
    """An amount with its currency, grouped in the page's language: "20,000,000 EUR"."""
    if value is None:
        return _("not stated")
    amount = formats.number_format(
        _plain(Decimal(value).quantize(Decimal("0.01"))),
        use_l10n=True,
        force_grouping=True,
    )
    return f"{amount} {currency}"


@register.simple_tag
def measured(value: Decimal | int | float | None, unit: str) -> str:
    """A KPI value with its unit: "13.5%", "475 collection points"."""
    if value is None:
        return "—"
    if unit == "%":
        return f"{number(value)}%"
    return f"{number(value)} {unit}".strip()


@register.filter
def kpi_status_label(code: str) -> str:
    return str(KPI_STATUS_LABELS.get(code, code))


@register.filter
def kpi_reading_status(reading: Any) -> str:
    """A reading's status in words; one that is not assessed says why."""
    if reading.status != "no_data":
        return kpi_status_label(reading.status)
    if reading.latest_value is None:
        return _("No data yet")
    if reading.kpi.target_value is None:
        return _("No target set")
    return kpi_status_label(reading.status)


STATUS_LABELS = dict(Status.choices)  # lazy labels: read in the page's language


@register.filter
def status_label(code: str) -> str:
    return str(STATUS_LABELS.get(code, _("Not stated")))


@register.simple_tag
def change_value(change: Any, value: str) -> str:
    """One side of a public change (from or to), in words the visitor reads."""
    if value == "":
        return "—"
    if change.field == "status":
        return status_label(value)
    if change.field == "progress":
        return f"{value}%"
    if change.field == "kpi_value" and change.kpi is not None:
        try:
            return measured(Decimal(value), change.kpi.unit)
        except ArithmeticError:
            return value
    return value


@register.simple_tag
def change_subject(change: Any) -> str:
    """What changed: the KPI, the activity or the project itself."""
    if change.field == "kpi_value" and change.kpi is not None:
        return _("Value of “%(kpi)s”") % {"kpi": change.kpi.name}
    what = _("Status") if change.field == "status" else _("Progress")
    if change.activity is not None:
        return _("%(what)s of activity %(number)s") % {
            "what": what,
            "number": change.activity.number,
        }
    return str(what)


@register.filter
def kpi_date(value: datetime.date | None) -> str:
    """A KPI's baseline or target date. The plan files give most of them as a bare year,
    which the loader stores as 1 January (baseline) or 31 December (target), and Kpi keeps
    no precision: those two days are shown as the year."""
    if value is None:
        return ""
    if (value.month, value.day) in {(1, 1), (12, 31)}:
        return str(value.year)
    return precise_date(value)
