"""Staff pages of district heating: the network on a map (substations coloured by state) with
a table of their latest values, and one substation with its charts from hourly rollups."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from digiplace.core.permissions import staff_required
from digiplace.core.templatetags.digiplace import chart_data
from digiplace.core.views.helpers import request_municipality

from .selectors import heating as selectors
from .types import ENTITY_TYPES, UNIT_LABELS

MODULE = "urbandata"
CHART_HOURS = 72


@staff_required(MODULE)
@require_GET
def heating_dashboard(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    rows = selectors.substation_rows(municipality=municipality)
    urls = {
        row.entity.pk: reverse(
            "urbandata_backoffice:heating_substation", kwargs={"pk": row.entity.pk}
        )
        for row in rows
    }
    counts = dict.fromkeys(selectors.STATE_LABELS, 0)
    for row in rows:
        counts[row.state] += 1
    context = {
        "rows": rows,
        "urls": urls,
        "features": selectors.substation_map_features(rows, urls=urls),
        "state_counts": [
            (state, label, counts[state]) for state, label in selectors.STATE_LABELS.items()
        ],
        "rules": selectors.heating_rules(municipality=municipality),
        "has_demo": any(row.entity.is_demo for row in rows),
    }
    return render(request, "urbandata/heating/dashboard.html", context)


def _unit(attribute: str) -> str:
    spec = ENTITY_TYPES[selectors.SUBSTATION].attributes[attribute]
    return UNIT_LABELS.get(spec.unit, spec.unit)


def _label(attribute: str) -> str:
    spec = ENTITY_TYPES[selectors.SUBSTATION].attributes[attribute]
    return f"{spec.label} ({_unit(attribute)})"


@staff_required(MODULE)
def substation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = request_municipality(request)
    entity = selectors.substation_get(municipality=municipality, pk=pk)
    if entity is None:
        raise Http404
    if request.method not in ("GET", "HEAD"):  # after the lookup: another city's id is 404
        return HttpResponseNotAllowed(["GET"])
    row = selectors.substation_row(entity=entity)
    series = selectors.substation_hourly(entity=entity, hours=CHART_HOURS)
    labels = [formats.date_format(timezone.localtime(hour), "D H:i") for hour in series.hours]
    temperatures = chart_data(
        chart_type="line",
        labels=labels,
        datasets=[
            {"label": _label(name), "data": series.means[name]}
            for name in (selectors.SUPPLY, selectors.RETURN, "outdoorTemperature")
        ],
        label_title=_("Hour"),
    )
    hydraulics = chart_data(
        chart_type="line",
        labels=labels,
        datasets=[
            {"label": _label(name), "data": series.means[name]} for name in ("pressure", "flow")
        ],
        label_title=_("Hour"),
    )
    context = {
        "entity": entity,
        "row": row,
        "temperatures": temperatures,
        "hydraulics": hydraulics,
        "has_data": any(value is not None for values in series.means.values() for value in values),
        "hours": CHART_HOURS,
    }
    return render(request, "urbandata/heating/substation.html", context)
