"""Public pages of the waste module: the live map of the containers, their list (and CSV),
a container's page and the city's figures. No login; thin views over ``selectors``.

Every lookup is within the host's city (another city's container answers 404). Nothing
about people is shown: a collection says how it was recorded (by a driver, a sensor,
staff), never by whom, and an alert shows its rule and state, never who handled it.
"""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from digiplace.core.http import request_municipality
from digiplace.core.templatetags.digiplace import chart_data

from .models import CollectionSource, Fraction
from .selectors import containers as selectors
from .selectors import figures as figure_selectors
from .selectors.forecasts import container_forecast

PAGE_SIZE = 50
LIVE_SECONDS = 30
FULLEST_POINTS = 10


@dataclass(frozen=True)
class ListQuery:
    """The list's filters and order, read from the query string; ``error`` names what was
    not understood (the list is shown without it)."""

    filters: selectors.ContainerFilters
    sort: str
    descending: bool
    errors: tuple[str, ...]


def _fraction_filter(request: HttpRequest, errors: list[str]) -> str:
    fraction = request.GET.get("fraction", "")
    if fraction and fraction not in Fraction.values:
        errors.append(_("There is no such fraction; all fractions are shown."))
        return ""
    return fraction


def _list_query(request: HttpRequest, neighbourhoods: list[str]) -> ListQuery:
    errors: list[str] = []
    fraction = _fraction_filter(request, errors)
    neighbourhood = request.GET.get("neighbourhood", "")
    if neighbourhood and neighbourhood not in neighbourhoods:
        errors.append(_("There is no such neighbourhood; all neighbourhoods are shown."))
        neighbourhood = ""
    sort = request.GET.get("sort", selectors.DEFAULT_SORT)
    if sort not in selectors.SORT_KEYS:
        errors.append(_("The list cannot be sorted that way; it is sorted by code."))
        sort = selectors.DEFAULT_SORT
    order = request.GET.get("order", "")
    if order not in ("", "asc", "desc"):
        errors.append(_("The order must be ascending or descending."))
        order = ""
    return ListQuery(
        filters=selectors.ContainerFilters(fraction=fraction, neighbourhood=neighbourhood),
        sort=sort,
        descending=order == "desc",
        errors=tuple(errors),
    )


def _when(moment: datetime.datetime | None) -> str:
    if moment is None:
        return ""
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _fill_text(state: selectors.ContainerState) -> str:
    """ "85 % (80–95 %)" or "no recent reading": the band in words beside the number."""
    if state.percent is None:
        return str(state.band.label)
    # Translators: a container's fill now and its band, e.g. "85 % (80–95 %)".
    return _("%(percent)s %% (%(band)s)") % {"percent": state.percent, "band": state.band.label}


def _container_url(code: str) -> str:
    return reverse("waste:container_detail", kwargs={"code": code})


def _point_json(point: selectors.PointState) -> dict[str, Any]:
    band = point.band
    return {
        "id": point.code,
        "title": point.name,
        "street": point.street,
        "band": band.code,
        "band_label": str(band.label),
        "colour": band.colour,
        # Translators: a point on the map and its fullest container, e.g. "Str. Pacea: fullest
        # 85 % (80–95 %)".
        "label": _("%(point)s: fullest %(fill)s")
        % {"point": point.name, "fill": _fill_text(point.fullest)},
        "containers": [
            {
                "code": state.container.code,
                "url": _container_url(state.container.code),
                "fraction": str(Fraction(state.container.fraction).label),
                "fill": state.fill,
                "band": state.band.code,
                "text": _fill_text(state),
            }
            for state in point.containers
        ],
    }


def _features(points: list[selectors.PointState]) -> dict[str, Any]:
    features = []
    for point in points:
        properties = _point_json(point)
        properties["description"] = "; ".join(
            f"{item['fraction']}: {item['text']}" for item in properties["containers"]
        )
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [point.longitude, point.latitude]},
                "properties": properties,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _summary_json(summary: selectors.ContainersSummary) -> dict[str, Any]:
    return {
        "containers": summary.containers,
        "over_threshold": summary.over_threshold,
        "without_reading": summary.without_reading,
        "open_alerts": summary.open_alerts,
    }


def _map_data(
    request: HttpRequest, fraction: str
) -> tuple[list[selectors.PointState], selectors.ContainersSummary]:
    municipality = request_municipality(request)
    states = selectors.container_states(
        municipality=municipality,
        now=timezone.now(),
        filters=selectors.ContainerFilters(fraction=fraction),
    )
    threshold = selectors.collection_threshold(municipality=municipality)
    summary = selectors.containers_summary(
        municipality=municipality, states=states, threshold=threshold
    )
    return selectors.point_states(states), summary


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The live map of the city's containers by fill level, with a summary."""
    errors: list[str] = []
    fraction = _fraction_filter(request, errors)
    points, summary = _map_data(request, fraction)
    fullest = [
        {"point": point, "state": point.fullest, "text": _fill_text(point.fullest)}
        for point in sorted(
            (point for point in points if point.fullest.fill is not None),
            key=lambda point: -(point.fullest.fill or 0.0),
        )[:FULLEST_POINTS]
    ]
    live_url = reverse("waste:containers_json")
    if fraction:
        live_url += "?" + QueryDict.fromkeys(["fraction"], fraction).urlencode()
    context = {
        "fraction": fraction,
        "fractions": Fraction.choices,
        "errors": errors,
        "summary": summary,
        "features": _features(points),
        "points": points,
        "fullest": fullest,
        "bands": selectors.ALL_BANDS,
        "live_url": live_url,
        "live_seconds": LIVE_SECONDS,
        "updated_at": timezone.now(),
    }
    return render(request, "waste/public/index.html", context, status=400 if errors else 200)


@require_GET
def containers_json(request: HttpRequest) -> JsonResponse:
    """The map's points now (``?fraction=``), polled by the map to recolour its markers."""
    errors: list[str] = []
    fraction = _fraction_filter(request, errors)
    if errors:
        return JsonResponse({"error": errors[0]}, status=400)
    points, summary = _map_data(request, fraction)
    return JsonResponse(
        {
            "updated_at": timezone.now().isoformat(),
            "updated_text": _when(timezone.now()),
            "summary": _summary_json(summary),
            "points": [_point_json(point) for point in points],
        }
    )


def _sort_columns(request: HttpRequest, query: ListQuery) -> list[dict[str, Any]]:
    labels = {
        "code": _("Container"),
        "point": _("Point and street"),
        "fraction": _("Fraction"),
        "fill": _("Fill now"),
        "emptied": _("Last emptied"),
    }
    columns = []
    for key in ("code", "point", "fraction", "fill", "emptied"):
        is_sorted = key == query.sort
        # The fullest and the latest first when a column is first chosen.
        descending = not query.descending if is_sorted else key in ("fill", "emptied")
        params = request.GET.copy()
        params.pop("page", None)
        params["sort"] = key
        params["order"] = "desc" if descending else "asc"
        columns.append(
            {
                "key": key,
                "label": labels[key],
                "url": "?" + params.urlencode(),
                "aria_sort": ("descending" if query.descending else "ascending")
                if is_sorted
                else "",
            }
        )
    return columns


def _listed(request: HttpRequest) -> tuple[ListQuery, list[selectors.ContainerState], list[str]]:
    municipality = request_municipality(request)
    neighbourhoods = selectors.neighbourhoods(municipality=municipality)
    query = _list_query(request, neighbourhoods)
    states = selectors.container_states(
        municipality=municipality, now=timezone.now(), filters=query.filters
    )
    ordered = selectors.container_states_sorted(states, key=query.sort, descending=query.descending)
    return query, ordered, neighbourhoods


@require_GET
def container_list(request: HttpRequest) -> HttpResponse:
    query, states, neighbourhoods = _listed(request)
    page = Paginator(states, PAGE_SIZE).get_page(request.GET.get("page"))
    csv_params = request.GET.copy()
    csv_params.pop("page", None)
    context = {
        "query": query,
        "page": page,
        "columns": _sort_columns(request, query),
        "fractions": Fraction.choices,
        "neighbourhoods": neighbourhoods,
        "is_demo": any(state.container.point.is_demo for state in states),
        "csv_url": reverse("waste:containers_csv")
        + ("?" + csv_params.urlencode() if csv_params else ""),
    }
    status = 400 if query.errors else 200
    return render(request, "waste/public/container_list.html", context, status=status)


def _iso(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).isoformat() if moment is not None else ""


@require_GET
def containers_csv(request: HttpRequest) -> HttpResponse:
    """The list as CSV, with the same filters and order, every page."""
    query, states, _neighbourhoods = _listed(request)
    if query.errors:
        return HttpResponse(
            " ".join(query.errors), status=400, content_type="text/plain; charset=utf-8"
        )
    municipality = request_municipality(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="containers-{municipality.slug}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "code",
            "fraction",
            "point_code",
            "point_name",
            "street",
            "neighbourhood",
            "latitude",
            "longitude",
            "capacity_litres",
            "fill_percent",
            "fill_observed_at",
            "last_emptied_at",
            "is_demo",
        ]
    )
    for state in states:
        container = state.container
        point = container.point
        writer.writerow(
            [
                container.code,
                container.fraction,
                point.code,
                point.name,
                point.street,
                point.neighbourhood,
                f"{point.latitude:.5f}",
                f"{point.longitude:.5f}",
                container.capacity_litres,
                "" if state.percent is None else state.percent,
                _iso(state.observed_at) if state.fill is not None else "",
                _iso(state.last_emptied_at),
                "true" if point.is_demo else "false",
            ]
        )
    return response


def _history_chart(points: list[tuple[datetime.datetime, float]]) -> dict[str, Any]:
    return chart_data(
        chart_type="line",
        labels=[_when(moment) for moment, _value in points],
        datasets=[{"label": _("Fill (%)"), "data": [round(value * 100) for _m, value in points]}],
        label_title=_("Observed at"),
    )


@require_GET
def container_detail(request: HttpRequest, code: str) -> HttpResponse:
    municipality = request_municipality(request)
    container = selectors.public_container(municipality=municipality, code=code)
    if container is None:
        raise Http404
    now = timezone.now()
    state = selectors.container_state(container, now=now)
    history = selectors.fill_history(container, now=now)
    forecast = container_forecast(container, now=now)
    context = {
        "container": container,
        "point": container.point,
        "state": state,
        "fill_text": _fill_text(state),
        "chart": _history_chart(history) if history else None,
        "history_days": selectors.HISTORY_DAYS,
        "collections": selectors.container_collections(container),
        "sources": dict(CollectionSource.choices),
        "alerts": selectors.container_alerts(container),
        "forecast": forecast,
        "is_demo": container.point.is_demo
        or (container.entity is not None and container.entity.is_demo),
        "bands": selectors.ALL_BANDS,
    }
    return render(request, "waste/public/container_detail.html", context)


def _week_label(week: figure_selectors.WeekFigures) -> str:
    return formats.date_format(week.start, "SHORT_DATE_FORMAT")


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _figure_charts(weeks: list[figure_selectors.WeekFigures]) -> list[dict[str, Any]]:
    labels = [_week_label(week) for week in weeks]
    week_title = _("Week starting")
    series: list[tuple[str, str, str, list[Any]]] = [
        (
            "waste-recycling",
            _("Recycling rate: separately collected weight over all weight (%)"),
            "line",
            [_round(week.recycling_rate) for week in weeks],
        ),
        (
            "waste-kg-person",
            _("Kilograms per person per week"),
            "bar",
            [_round(week.kg_per_person, 2) for week in weeks],
        ),
        (
            "waste-collections",
            _("Collections per week"),
            "bar",
            [week.collections for week in weeks],
        ),
        (
            "waste-kilometres",
            _("Planned kilometres per week (published and done plans)"),
            "bar",
            [_round(week.kilometres) for week in weeks],
        ),
    ]
    return [
        {
            "id": chart_id,
            "title": title,
            "chart": chart_data(
                chart_type=chart_type,
                labels=labels,
                datasets=[{"label": title, "data": data}],
                label_title=week_title,
            ),
        }
        for chart_id, title, chart_type, data in series
        if any(data)  # a chart of nothing but zeros and gaps says less than the table
    ]


@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    """Recycling rate, kilograms per person, collections and kilometres: the last weeks."""
    municipality = request_municipality(request)
    weeks = figure_selectors.weekly_figures(municipality=municipality, today=timezone.localdate())
    # Complete weeks with weight only: weeks before the first collection recorded on the
    # platform would read as weeks without waste.
    weighed = [week for week in weeks if week.is_complete and week.weight_kg > 0]
    total = sum(week.weight_kg for week in weighed)
    separate = sum(week.separate_kg for week in weighed)
    population = figure_selectors.city_population(municipality=municipality)
    context = {
        "weeks": weeks,
        "has_data": any(week.has_data for week in weeks),
        "charts": _figure_charts(weeks),
        "population": population,
        "weighed_weeks": len(weighed),
        "rate": 100 * separate / total if total > 0 else None,
        "kg_per_person_year": (
            total / population * figure_selectors.DAYS_PER_YEAR / (7 * len(weighed))
            if population and weighed
            else None
        ),
    }
    return render(request, "waste/public/figures.html", context)
