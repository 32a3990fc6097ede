"""Public pages for passengers: the stops (search, nearest, map), a stop's page with its next
departures and a QR code, the stop displays for the e-panels, and the map of charging
stations and parking. No login; thin views over ``selectors``.

Departures count minutes by the clock, so their pages are never held in the page cache; the
displays poll their board (htmx) and fall back to a meta refresh without scripts.
"""

from __future__ import annotations

from typing import Any

import segno
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from digiplace.core.http import request_municipality
from digiplace.core.page_cache import never_page_cached

from .models import Stop
from .selectors import departures as selectors
from .selectors import departures_alerts as alert_selectors
from .selectors import places as place_selectors

PAGE_SIZE = 50
NEAREST = 5
DISPLAY_SECONDS = 15
DISPLAY_ROWS = 10
DETAIL_ROWS = 8
# A group display names at most this many stops.
GROUP_LIMIT = 20
PLACES_SECONDS = 30
# Minutes beyond which a departure shows its time of day instead.
MINUTES_SHOWN = 60


def _stop(request: HttpRequest, gtfs_id: str) -> Stop:
    stop = selectors.stop_get(municipality=request_municipality(request), gtfs_id=gtfs_id)
    if stop is None:
        raise Http404
    return stop


def _stop_features(request: HttpRequest, stops: list[Stop]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [stop.longitude, stop.latitude]},
                "properties": {
                    "title": str(stop),
                    "url": reverse("mobility:stop_detail", kwargs={"gtfs_id": stop.gtfs_id}),
                    "description": stop.code,
                },
            }
            for stop in stops
            if stop.latitude is not None and stop.longitude is not None
        ],
    }


def _coordinate(request: HttpRequest, name: str, limit: float) -> float | None:
    text = request.GET.get(name, "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if -limit <= value <= limit else None


@require_GET
def stop_list(request: HttpRequest) -> HttpResponse:
    """The city's stops: by name or code, the nearest to a point (the browser's position,
    when the person allows it), and on a map."""
    municipality = request_municipality(request)
    query = request.GET.get("q", "").strip()[:100]
    errors: list[str] = []
    nearest: list[tuple[Stop, int]] = []
    if "lat" in request.GET or "lon" in request.GET:
        latitude = _coordinate(request, "lat", 90)
        longitude = _coordinate(request, "lon", 180)
        if latitude is None or longitude is None:
            errors.append(_("The position was not understood; the stops are listed by name."))
        else:
            nearest = selectors.stops_nearest(
                municipality=municipality, latitude=latitude, longitude=longitude, count=NEAREST
            )
            if not nearest:
                errors.append(_("There is no stop near this position."))
    stops = selectors.stop_search(municipality=municipality, query=query)
    page = Paginator(stops, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "query": query,
        "page": page,
        "nearest": nearest,
        "errors": errors,
        "features": _stop_features(request, list(stops)),
        "has_stops": page.paginator.count > 0,
    }
    return render(request, "mobility/people/stop_list.html", context, status=400 if errors else 200)


def minutes_text(departure: selectors.Departure) -> str:
    """What a display shows for a departure: "now", "5 min", or its time beyond an hour."""
    if departure.is_due:
        return _("now")
    if departure.minutes >= MINUTES_SHOWN:
        return timezone.localtime(departure.expected_at).strftime("%H:%M")
    # Translators: minutes until a bus leaves, on a stop display, e.g. "5 min".
    return _("%(minutes)s min") % {"minutes": departure.minutes}


def delay_text(departure: selectors.Departure) -> str:
    if not departure.is_realtime:
        return _("scheduled")
    delay = departure.delay_seconds or 0
    minutes = round(abs(delay) / 60)
    if minutes == 0:
        return _("on time")
    if delay > 0:
        return _("%(minutes)s min late") % {"minutes": minutes}
    return _("%(minutes)s min early") % {"minutes": minutes}


def _rows(departures: list[selectors.Departure]) -> list[dict[str, Any]]:
    return [
        {
            "departure": departure,
            "minutes_text": minutes_text(departure),
            "delay_text": delay_text(departure),
            "time": timezone.localtime(departure.scheduled_at).strftime("%H:%M"),
        }
        for departure in departures
    ]


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as inline SVG (residents scan it at the stop)."""
    code = segno.make(url, error="m")
    return str(code.svg_inline(scale=4, border=2, dark="#000000", light="#ffffff", omitsize=True))


@never_page_cached
@require_GET
def stop_detail(request: HttpRequest, gtfs_id: str) -> HttpResponse:
    municipality = request_municipality(request)
    stop = _stop(request, gtfs_id)
    now = timezone.now()
    group = selectors.stop_group(municipality=municipality, stops=[stop])
    departures = selectors.departures_next(
        municipality=municipality, stops=group, now=now, limit=DETAIL_ROWS
    )
    page_url = request.build_absolute_uri(
        reverse("mobility:stop_detail", kwargs={"gtfs_id": stop.gtfs_id})
    )
    context = {
        "stop": stop,
        "rows": _rows(departures),
        "routes": list(selectors.stop_routes(stops=group)),
        "alerts": alert_selectors.alerts_for_stops(municipality=municipality, stops=group, now=now),
        "children": [child for child in group if child.pk != stop.pk],
        "qr_svg": qr_svg(page_url),
        "page_url": page_url,
        "features": _stop_features(request, [stop]),
        "now": now,
    }
    return render(request, "mobility/people/stop_detail.html", context)


def _display(request: HttpRequest, stops: list[Stop], title: str) -> HttpResponse:
    municipality = request_municipality(request)
    now = timezone.now()
    group = selectors.stop_group(municipality=municipality, stops=stops)
    context = {
        "title": title,
        "stops": stops,
        "rows": _rows(
            selectors.departures_next(
                municipality=municipality, stops=group, now=now, limit=DISPLAY_ROWS
            )
        ),
        "alerts": alert_selectors.alerts_for_stops(municipality=municipality, stops=group, now=now),
        "now": now,
        "poll_seconds": DISPLAY_SECONDS,
        "board_url": request.get_full_path(),
    }
    # htmx asks for the board alone every few seconds; the page around it stays.
    if request.headers.get("HX-Request") == "true":
        return render(request, "mobility/people/_display_board.html", context)
    return render(request, "mobility/people/display.html", context)


@never_page_cached
@require_GET
def stop_display(request: HttpRequest, gtfs_id: str) -> HttpResponse:
    """The e-panel of a stop (or a station: all its platforms)."""
    stop = _stop(request, gtfs_id)
    return _display(request, [stop], str(stop))


@never_page_cached
@require_GET
def group_display(request: HttpRequest) -> HttpResponse:
    """The e-panel of several stops: ``?stops=id1,id2`` (their GTFS stop ids)."""
    municipality = request_municipality(request)
    wanted = [part.strip() for part in request.GET.get("stops", "").split(",") if part.strip()]
    if not wanted or len(wanted) > GROUP_LIMIT:
        message = (
            _("Name the stops to show: ?stops= and their stop ids, separated by commas.")
            if not wanted
            else _("A display shows at most %(count)s stops.") % {"count": GROUP_LIMIT}
        )
        return render(
            request, "mobility/people/display_error.html", {"message": message}, status=400
        )
    found = {
        stop.gtfs_id: stop
        for stop in Stop.objects.for_municipality(municipality).filter(gtfs_id__in=wanted)
    }
    if len(found) != len(set(wanted)):
        raise Http404
    stops = [found[gtfs_id] for gtfs_id in dict.fromkeys(wanted)]
    return _display(request, stops, " · ".join(str(stop) for stop in stops))


# Charging and parking


def _place_json(state: place_selectors.PlaceState) -> dict[str, Any]:
    entity = state.entity
    counts = ""
    if state.free is not None and state.total is not None:
        # Translators: free places of all, e.g. "3 free of 4".
        counts = _("%(free)s free of %(total)s") % {"free": state.free, "total": state.total}
    elif state.free is not None:
        counts = _("%(free)s free") % {"free": state.free}
    return {
        "id": entity.entity_id,
        "title": entity.name or entity.entity_id,
        "type": entity.type,
        "type_label": str(state.type_label),
        "status": state.status,
        "status_label": str(state.status_label),
        "counts": counts,
        "label": f"{entity.name or entity.entity_id}: {state.type_label}, {state.status_label}"
        + (f" ({counts})" if counts else ""),
    }


def _place_features(states: list[place_selectors.PlaceState]) -> dict[str, Any]:
    features = []
    for state in states:
        entity = state.entity
        if entity.latitude is None or entity.longitude is None:
            continue
        properties = _place_json(state)
        properties["description"] = properties["label"]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [entity.longitude, entity.latitude]},
                "properties": properties,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _kind(request: HttpRequest) -> tuple[str, str | None]:
    kind = request.GET.get("type", "")
    if kind and kind not in place_selectors.PLACE_TYPES:
        return "", _("There is no such kind of place; all are shown.")
    return kind, None


@require_GET
def places_map(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    kind, error = _kind(request)
    states = place_selectors.place_states(municipality=municipality, kind=kind)
    rows = [{"state": state, "json": _place_json(state)} for state in states]
    context = {
        "kind": kind,
        "kinds": list(place_selectors.TYPE_LABELS.items()),
        "error": error,
        "rows": rows,
        "features": _place_features(states),
        "counts": place_selectors.place_counts(states),
        "is_demo": any(state.entity.is_demo for state in states),
        "live_url": reverse("mobility:places_json") + (f"?type={kind}" if kind else ""),
        "live_seconds": PLACES_SECONDS,
        "updated_at": timezone.now(),
    }
    return render(request, "mobility/people/places_map.html", context, status=400 if error else 200)


@require_GET
def places_json(request: HttpRequest) -> JsonResponse:
    """The places' status now (``?type=``), polled by the map to update it in place."""
    kind, error = _kind(request)
    if error:
        return JsonResponse({"error": error}, status=400)
    states = place_selectors.place_states(municipality=request_municipality(request), kind=kind)
    return JsonResponse(
        {
            "updated_at": timezone.now().isoformat(),
            "places": [_place_json(state) for state in states],
        }
    )
