"""The reports the city's home map shows: the newest public ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import formats, timezone

from digiplace.core.modules import MapPlace

from . import selectors
from .models import ReportStatus

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

HOME_MAP_REPORTS = 10


def home_map_places(municipality: Municipality) -> list[MapPlace]:
    reports = (
        selectors.report_search(municipality=municipality, filters=selectors.ReportFilters())
        .filter(latitude__isnull=False, longitude__isnull=False)
        .select_related("category")[:HOME_MAP_REPORTS]
    )
    statuses = {code: str(label) for code, label in ReportStatus.choices}
    zone = timezone.get_current_timezone()
    places = []
    for report in reports:
        if report.latitude is None or report.longitude is None:
            continue
        day = formats.date_format(report.created_at.astimezone(zone).date(), "SHORT_DATE_FORMAT")
        places.append(
            MapPlace(
                title=f"#{report.pk} {report.category.name}",
                url=reverse("reports:report_detail", kwargs={"pk": report.pk}),
                latitude=report.latitude,
                longitude=report.longitude,
                description=f"{statuses.get(report.status, report.status)} · {day}",
            )
        )
    return places
