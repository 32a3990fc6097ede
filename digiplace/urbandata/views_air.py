"""Public pages of urban data's air component and the module's index page: no key, no login
(air-quality stations are a public type). Thin views over ``selectors.air``.

A station is looked up within the host's city (another city's station answers 404). Times
are shown in the city's time zone (the middleware activates it); CSV files give each hour's
start in ISO 8601 with its offset, so that they read the same in any spreadsheet.
"""

from __future__ import annotations

import csv
import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from digiplace.core import parsing
from digiplace.core.http import request_municipality
from digiplace.core.templatetags.digiplace import chart_data

from . import eaqi
from .models import Entity, RollupPeriod
from .selectors import air as selectors
from .selectors.series import series_chart_json
from .types import POLLUTANTS

CSV_POLLUTANT_COLUMNS = [f"{pollutant}_ugm3" for pollutant in POLLUTANTS]
SERIES_DAYS_DEFAULT = 30
SERIES_DAYS_MAX = 366


def _zone() -> datetime.tzinfo:
    return timezone.get_current_timezone()


def _station_url(entity: Entity) -> str:
    return reverse("urbandata:air_station", kwargs={"entity_id": entity.entity_id})


def _hour_text(moment: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(moment, _zone()), "SHORT_DATETIME_FORMAT")


def _index_text(index: eaqi.AirIndex | None) -> str:
    if index is None:
        return _("No recent data")
    # Translators: an air-quality level and the pollutant that sets it, e.g. "Poor (NO₂)".
    return _("%(level)s (%(pollutant)s)") % {
        "level": index.band.label,
        "pollutant": index.pollutant_label,
    }


def _features(states: list[selectors.StationState]) -> dict[str, Any]:
    features = []
    for state in states:
        entity = state.entity
        if entity.latitude is None or entity.longitude is None:
            continue
        index = state.index
        description = _index_text(index)
        if state.hour is not None:
            description += " · " + _hour_text(state.hour.start)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [entity.longitude, entity.latitude]},
                "properties": {
                    "title": str(entity),
                    "url": _station_url(entity),
                    "description": description,
                    "level": index.level if index else 0,
                    "colour": index.band.colour if index else eaqi.NO_DATA_COLOUR,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The city's urban data at a glance: air quality now, the public devices, links."""
    municipality = request_municipality(request)
    states = selectors.air_map_states(municipality=municipality, now=timezone.now())
    context = {
        "summary": selectors.air_summary(states),
        "types": selectors.public_types_overview(municipality=municipality),
        "bands": eaqi.BANDS,
    }
    return render(request, "urbandata/index.html", context)


@require_GET
def air_map(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    states = selectors.air_map_states(municipality=municipality, now=timezone.now())
    rows = [
        {
            "state": state,
            "url": _station_url(state.entity),
            "index": state.index,
            "hour": state.hour.start if state.hour else None,
        }
        for state in states
    ]
    context = {
        "summary": selectors.air_summary(states),
        "rows": rows,
        "features": _features(states),
        "bands": eaqi.BANDS,
        "upper_bounds": _bounds_table(),
        "no_data_colour": eaqi.NO_DATA_COLOUR,
        "source_url": eaqi.SOURCE_URL,
        "today": timezone.localdate(),
    }
    return render(request, "urbandata/air/map.html", context)


def _bounds_table() -> list[dict[str, Any]]:
    """Per band, each pollutant's range as the EEA publishes it ("5–15"; "> 140")."""
    table = []
    for band in eaqi.BANDS:
        ranges = []
        for pollutant in POLLUTANTS:
            bounds = eaqi.UPPER_BOUNDS[pollutant]
            lower = 0 if band.level == 1 else bounds[band.level - 2]
            if band.level == len(eaqi.BANDS):
                ranges.append(f"> {formats.number_format(lower)}")
            else:
                upper = bounds[band.level - 1]
                ranges.append(f"{formats.number_format(lower)}–{formats.number_format(upper)}")
        table.append({"band": band, "ranges": ranges})
    return table


def _period(request: HttpRequest) -> selectors.Period:
    code = request.GET.get("period", selectors.DEFAULT_PERIOD)
    period = selectors.PERIODS.get(code)
    if period is None:
        raise parsing.ParseError(
            _("The period must be one of: %(choices)s.")
            % {"choices": ", ".join(selectors.PERIODS)},
            name="period",
        )
    return period


def _station(request: HttpRequest, entity_id: str) -> Entity:
    municipality = request_municipality(request)
    return get_object_or_404(selectors.air_stations(municipality=municipality), entity_id=entity_id)


def _point_label(point: selectors.SeriesPoint, period: selectors.Period) -> str:
    local = timezone.localtime(point.start, _zone())
    if period.is_daily:
        return formats.date_format(local.date(), "SHORT_DATE_FORMAT")
    if period.hours <= 24:
        return formats.time_format(local.time(), "TIME_FORMAT")
    return formats.date_format(local, "SHORT_DATETIME_FORMAT")


def _charts(points: list[selectors.SeriesPoint], period: selectors.Period) -> list[dict[str, Any]]:
    time_title = _("Day") if period.is_daily else _("Hour")
    charts = []
    indexed = [point for point in points if point.index is not None]
    if indexed:
        charts.append(
            {
                "id": "air-index",
                "title": _("European Air Quality Index (1 Good – 6 Extremely poor)"),
                "chart": chart_data(
                    chart_type="line",
                    labels=[_point_label(point, period) for point in indexed],
                    datasets=[
                        {
                            "label": _("Index level"),
                            "data": [point.index.level for point in indexed if point.index],
                        }
                    ],
                    label_title=time_title,
                ),
            }
        )
    for pollutant in POLLUTANTS:
        measured = [point for point in points if pollutant in point.values]
        if not measured:
            continue
        label = f"{eaqi.POLLUTANT_LABELS[pollutant]} (µg/m³)"
        charts.append(
            {
                "id": f"air-{pollutant}",
                "title": label,
                "chart": chart_data(
                    chart_type="line",
                    labels=[_point_label(point, period) for point in measured],
                    datasets=[
                        {
                            "label": label,
                            "data": [round(point.values[pollutant], 1) for point in measured],
                        }
                    ],
                    label_title=time_title,
                ),
            }
        )
    return charts


@require_GET
def air_station(request: HttpRequest, entity_id: str) -> HttpResponse:
    station = _station(request, entity_id)
    status = 200
    error = ""
    try:
        period = _period(request)
    except parsing.ParseError as problem:
        period, status, error = selectors.PERIODS[selectors.DEFAULT_PERIOD], 400, str(problem)
    now = timezone.now()
    points = selectors.station_series(entity=station, period=period, now=now, zone=_zone())
    state = selectors.station_state(entity=station, now=now)
    index = state.index
    current_rows = [
        {
            "label": eaqi.POLLUTANT_LABELS[pollutant],
            "value": state.hour.values[pollutant],
            "band": eaqi.band(level),
        }
        for pollutant, level in (index.levels.items() if index else ())
        if state.hour is not None
    ]
    context = {
        "station": station,
        "state": state,
        "index": index,
        "current_rows": current_rows,
        "period": period,
        "periods": [
            (selectors.PERIODS["24h"], _("Last 24 hours")),
            (selectors.PERIODS["7d"], _("Last 7 days")),
            (selectors.PERIODS["30d"], _("Last 30 days")),
        ],
        "charts": _charts(points, period),
        "error": error,
        "bands": eaqi.BANDS,
    }
    return render(request, "urbandata/air/station.html", context, status=status)


def _csv_response(filename: str) -> tuple[HttpResponse, Any]:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response, csv.writer(response)


def _csv_values(hour: selectors.StationHour) -> list[str]:
    index = hour.index
    return [
        *(
            f"{hour.values[pollutant]:.1f}" if pollutant in hour.values else ""
            for pollutant in POLLUTANTS
        ),
        str(index.level) if index else "",
        index.band.code if index else "",
        index.pollutant if index else "",
    ]


def _csv_hour(moment: datetime.datetime) -> str:
    return timezone.localtime(moment, _zone()).isoformat()


def _bad_request(message: str) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


@require_GET
def air_station_csv(request: HttpRequest, entity_id: str) -> HttpResponse:
    """The station's hourly means over the period, with each hour's index."""
    station = _station(request, entity_id)
    try:
        period = _period(request)
    except parsing.ParseError as problem:
        return _bad_request(str(problem))
    end = selectors.hour_floor(timezone.now()) + selectors.HOUR
    hours = selectors.station_hours(
        entity_pks=[station.pk], start=end - period.hours * selectors.HOUR, end=end
    ).get(station.pk, [])
    slug = station.entity_id.rsplit(":", 1)[-1]
    response, writer = _csv_response(f"air-{slug}-{period.code}.csv")
    writer.writerow(
        [
            "hour_start",
            *CSV_POLLUTANT_COLUMNS,
            "eaqi_level",
            "eaqi_band",
            "eaqi_pollutant",
            "is_demo",
        ]
    )
    for hour in hours:
        writer.writerow(
            [_csv_hour(hour.start), *_csv_values(hour), "true" if station.is_demo else "false"]
        )
    return response


@require_GET
def air_day_csv(request: HttpRequest) -> HttpResponse:
    """Every station's hourly means for one day of the city (``?date=YYYY-MM-DD``)."""
    municipality = request_municipality(request)
    raw = request.GET.get("date", "")
    try:
        day = (
            parsing.parse_date(raw, name=pgettext("parameter", "date"))
            if raw
            else timezone.localdate()
        )
    except parsing.ParseError as problem:
        return _bad_request(str(problem))
    rows = selectors.city_day_hours(municipality=municipality, day=day, zone=_zone())
    response, writer = _csv_response(f"air-{municipality.slug}-{day.isoformat()}.csv")
    writer.writerow(
        [
            "station_id",
            "station_name",
            "latitude",
            "longitude",
            "hour_start",
            *CSV_POLLUTANT_COLUMNS,
            "eaqi_level",
            "eaqi_band",
            "eaqi_pollutant",
            "is_demo",
        ]
    )
    for station, hour in rows:
        writer.writerow(
            [
                station.entity_id,
                str(station),
                f"{station.latitude:.5f}" if station.latitude is not None else "",
                f"{station.longitude:.5f}" if station.longitude is not None else "",
                _csv_hour(hour.start),
                *_csv_values(hour),
                "true" if station.is_demo else "false",
            ]
        )
    return response


@require_GET
def air_station_series(request: HttpRequest, entity_id: str) -> HttpResponse:
    """One pollutant of the station as a chart's JSON, from the rollups (``series_chart_json``:
    a time axis in epoch ms and columns of min / mean / max in µg/m³, one decimal, ``null``
    in the gaps). ``?pollutant=pm25`` (the default), ``&days=30`` (1 to 366) up to the
    current UTC hour, ``&period=hour`` or ``day`` (by default hours up to 31 days, days
    beyond). The JSON is built by the database and sent as it comes."""
    station = _station(request, entity_id)
    pollutant = request.GET.get("pollutant", POLLUTANTS[0])
    period_code = request.GET.get("period", "")
    if pollutant not in POLLUTANTS:
        return _bad_request(
            _("The pollutant must be one of: %(choices)s.") % {"choices": ", ".join(POLLUTANTS)}
        )
    if period_code and period_code not in RollupPeriod.values:
        return _bad_request(
            _("The period must be one of: %(choices)s.")
            % {"choices": ", ".join(RollupPeriod.values)}
        )
    try:
        days = parsing.parse_integer(
            request.GET.get("days", str(SERIES_DAYS_DEFAULT)),
            name=pgettext("parameter", "days"),
            minimum=1,
            maximum=SERIES_DAYS_MAX,
        )
    except parsing.ParseError as problem:
        return _bad_request(str(problem))
    end = selectors.hour_floor(timezone.now()) + selectors.HOUR
    text = series_chart_json(
        entities=[station.pk],
        attribute=pollutant,
        start=end - datetime.timedelta(days=days),
        end=end,
        period=RollupPeriod(period_code) if period_code else None,
        digits=1,
    )
    return HttpResponse(text, content_type="application/json")
