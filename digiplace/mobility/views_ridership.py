"""The public ridership page (``/mobility/ridership/``) and its CSV downloads: a day's
boardings per stop and hour, per line, load per trip, and the lines over the last two
weeks, with every figure under k riders hidden (``selectors.ridership``)."""

from __future__ import annotations

import csv
import datetime

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from digiplace.core.http import request_municipality
from digiplace.core.templatetags.digiplace import chart_data

from .selectors import ridership as selectors

TABLES = ("stop-hour", "route-day", "trip-load")


def _day(request: HttpRequest, latest: datetime.date | None) -> tuple[datetime.date | None, str]:
    raw = request.GET.get("day", "")
    if not raw:
        return latest, ""
    try:
        return datetime.date.fromisoformat(raw), ""
    except ValueError:
        return latest, _("That is not a date (write it as YYYY-MM-DD); the latest day is shown.")


def _cell(value: selectors.Shown) -> str:
    return "" if value is None else str(value)


@require_GET
def ridership(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    k = selectors.k_threshold()
    latest = selectors.latest_day(municipality=municipality)
    day, error = _day(request, latest)
    figures = None
    chart = None
    if day is not None:
        figures = selectors.day_figures(municipality=municipality, day=day, k=k)
        dates, lines = selectors.route_days(municipality=municipality, until=day, k=k)
        if lines:
            chart = chart_data(
                chart_type="bar",
                labels=[date.isoformat() for date in dates],
                datasets=[{"label": str(route), "data": values} for route, values in lines],
                label_title=_("Day"),
            )
    context = {
        "k": k,
        "day": day,
        "latest": latest,
        "error": error,
        "figures": figures,
        "chart": chart,
        "has_data": figures is not None and bool(figures.stop_hour.rows or figures.routes),
    }
    return render(request, "mobility/ridership/ridership.html", context)


@require_GET
def ridership_csv(request: HttpRequest, table: str) -> HttpResponse:
    if table not in TABLES:
        raise Http404
    municipality = request_municipality(request)
    k = selectors.k_threshold()
    day, error = _day(request, selectors.latest_day(municipality=municipality))
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"ridership-{table}-{day.isoformat() if day else 'none'}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    # Hidden figures are empty cells; the rule is in the file's first line.
    writer.writerow(
        [
            _(
                "Figures under %(k)d riders are hidden (empty), with others that would "
                "give them away."
            )
            % {"k": k}
        ]
    )
    if day is None:
        return response
    if table == "route-day":
        dates, lines = selectors.route_days(municipality=municipality, until=day, k=k)
        writer.writerow([_("Line"), *[date.isoformat() for date in dates]])
        for route, values in lines:
            writer.writerow([str(route), *[_cell(value) for value in values]])
        return response
    figures = selectors.day_figures(municipality=municipality, day=day, k=k)
    if table == "stop-hour":
        table_data = figures.stop_hour
        writer.writerow([_("Stop"), *[f"{hour:02d}:00" for hour in table_data.hours], _("Total")])
        for stop, values, total in table_data.rows:
            writer.writerow([str(stop), *[_cell(value) for value in values], _cell(total)])
        writer.writerow(
            [
                _("Total"),
                *[_cell(value) for value in table_data.hour_totals],
                _cell(table_data.total),
            ]
        )
    else:
        writer.writerow([_("Line"), _("Trip"), _("Boardings")])
        for route, trips in figures.trips:
            for trip, value in trips:
                writer.writerow([str(route), trip.gtfs_id, _cell(value)])
    return response
