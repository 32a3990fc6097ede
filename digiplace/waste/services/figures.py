"""The waste figures as measurements of the plans' KPIs.

``KPI_FIGURES`` maps the keys of KPIs in the cities' plans to the weekly figure that measures
them (Timișoara's plan has the recycling rate and the household waste per person;
Botoșani's has no waste KPI). Each complete week with data becomes one measurement per KPI,
dated the week's Sunday, through the plans module's ``measurement_create`` (its timeline
and audit log), with a source that says it came from this module. A week already recorded
is not recorded again; a week without data records nothing (no zero from an empty week).
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from digiplace.core.selectors import municipality_list_active
from digiplace.plans.models import Kpi, Measurement
from digiplace.plans.services import measurement_create

from ..selectors.figures import WEEKS, WeekFigures, weekly_figures

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

# KPI key → the figure of a week that measures it (None: no value that week).
KPI_FIGURES: dict[str, Callable[[WeekFigures], float | None]] = {
    "A5-recycling": lambda week: week.recycling_rate,
    "A5-household-waste": lambda week: week.kg_per_person_year,
}
SOURCE = gettext_noop("DigiPlace waste module: weighed and estimated collections")


def _sources() -> set[str]:
    """The source text in every language (recognises a week recorded under any of them)."""
    texts = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts.add(_(SOURCE))
    return texts


def _note(week: WeekFigures) -> str:
    return _("Week of %(start)s to %(end)s") % {
        "start": formats.date_format(week.start, "SHORT_DATE_FORMAT"),
        "end": formats.date_format(week.end, "SHORT_DATE_FORMAT"),
    }


def figures_kpis_record(
    *, municipality: Municipality, today: datetime.date | None = None, weeks: int = WEEKS
) -> list[Measurement]:
    """Record the complete weeks among the last ``weeks`` that have data and are not yet
    recorded, for every KPI of the city's plans in ``KPI_FIGURES``; returns what it added."""
    kpis = list(Kpi.objects.filter(municipality=municipality, key__in=list(KPI_FIGURES)))
    if not kpis:
        return []
    if today is None:
        today = timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(municipality.time_zone)).date()
    complete = [
        week
        for week in weekly_figures(municipality=municipality, today=today, weeks=weeks + 1)
        if week.is_complete and week.has_data
    ]
    sources = _sources()
    recorded = set(
        Measurement.objects.filter(kpi__in=kpis, source__in=sources).values_list("kpi_id", "date")
    )
    added = []
    with translation.override(municipality.default_language):
        source = _(SOURCE)
        for kpi in kpis:
            for week in complete:
                value = KPI_FIGURES[kpi.key](week)
                if value is None or (kpi.pk, week.end) in recorded:
                    continue
                try:
                    added.append(
                        measurement_create(
                            actor=None,
                            kpi=kpi,
                            date=week.end,
                            value=Decimal(f"{value:.2f}"),
                            source=source,
                            note=_note(week),
                        )
                    )
                except ValidationError:
                    # Before the KPI's baseline or out of its range: not a measurement of it.
                    continue
    return added


def figures_kpis_record_all(*, today: datetime.date | None = None) -> int:
    """Every active city's weeks (the periodic job); returns the measurements added."""
    return sum(
        len(figures_kpis_record(municipality=municipality, today=today))
        for municipality in municipality_list_active()
    )
