"""The control centre for dispatchers: the live fleet (map, table and a JSON the page polls),
the open alerts on the buses, the day's refused inputs, a bus's replay of a day and the day's
punctuality by route (page and CSV). Staff of the mobility module only; thin views over
``selectors.control``. Every lookup is within the request's city (another city's bus: 404).
"""

from __future__ import annotations

import csv
import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from digiplace.core.http import request_municipality
from digiplace.core.parsing import ParseError, parse_date
from digiplace.core.permissions import staff_required

from .apps import MODULE
from .models import VehicleState
from .selectors import control as selectors
from .services.control import BUNCHING_SECONDS, LATE_SECONDS, OFF_ROUTE_METRES

# The map and the table read the fleet again this often.
LIVE_SECONDS = 5
ALERTS_SHOWN = 50


def duration_text(seconds: int) -> str:
    minutes, rest = divmod(abs(seconds), 60)
    if minutes == 0:
        return _("%(seconds)d s") % {"seconds": rest}
    return _("%(minutes)d min %(seconds)02d s") % {"minutes": minutes, "seconds": rest}


def delay_text(seconds: int | None) -> str:
    if seconds is None:
        return _("unknown")
    if seconds > 0:
        return _("%(duration)s late") % {"duration": duration_text(seconds)}
    if seconds < 0:
        return _("%(duration)s early") % {"duration": duration_text(seconds)}
    return _("on schedule")


def _headway_text(vehicle: selectors.FleetVehicle) -> str:
    if vehicle.headway_seconds is None:
        return _("unknown") if vehicle.ahead_label else "—"
    return _("%(duration)s behind %(ahead)s") % {
        "duration": duration_text(vehicle.headway_seconds),
        "ahead": vehicle.ahead_label,
    }


def _when_text(moment: datetime.datetime | None) -> str:
    if moment is None:
        return _("never")
    return formats.time_format(timezone.localtime(moment), "H:i:s")


def _status(vehicle: selectors.FleetVehicle) -> list[str]:
    """What needs the dispatcher's eye, in words (the map's colours repeat it)."""
    state = vehicle.state
    words = []
    if vehicle.stale:
        words.append(_("no recent position"))
    if state.off_route:
        words.append(_("off route"))
    if vehicle.bunched:
        words.append(_("bunched"))
    if state.delay_seconds is not None and state.delay_seconds > LATE_SECONDS:
        words.append(_("late"))
    return words


def _vehicle_json(vehicle: selectors.FleetVehicle) -> dict[str, Any]:
    state = vehicle.state
    trip = state.trip
    status = _status(vehicle)
    return {
        "label": state.label,
        "latitude": state.latitude,
        "longitude": state.longitude,
        "bearing": state.bearing,
        "route": str(vehicle.route) if vehicle.route is not None else "",
        "route_short": (vehicle.route.short_name or vehicle.route.gtfs_id)
        if vehicle.route is not None
        else "",
        "headsign": trip.headsign if trip is not None else "",
        "trip": trip.gtfs_id if trip is not None else "",
        "delay_seconds": state.delay_seconds,
        "delay_text": delay_text(state.delay_seconds),
        "headway_seconds": vehicle.headway_seconds,
        "headway_text": _headway_text(vehicle),
        "ahead": vehicle.ahead_label,
        "off_route": state.off_route,
        "bunched": vehicle.bunched,
        "late": state.delay_seconds is not None and state.delay_seconds > LATE_SECONDS,
        "stale": vehicle.stale,
        "status": status,
        "status_text": ", ".join(status) or _("normal"),
        "observed_at": state.observed_at.isoformat() if state.observed_at else None,
        "observed_text": _when_text(state.observed_at),
        "replay_url": reverse("mobility_backoffice:control_replay", args=[state.label]),
        "replay_label": _("%(label)s: replay of the day") % {"label": state.label},
        "is_demo": state.is_demo,
    }


def _counts(fleet: list[selectors.FleetVehicle], alerts: int) -> dict[str, int]:
    return {
        "vehicles": len(fleet),
        "late": sum(
            1
            for vehicle in fleet
            if vehicle.state.delay_seconds is not None
            and vehicle.state.delay_seconds > LATE_SECONDS
        ),
        "bunched": sum(1 for vehicle in fleet if vehicle.bunched),
        "off_route": sum(1 for vehicle in fleet if vehicle.state.off_route),
        "stale": sum(1 for vehicle in fleet if vehicle.stale),
        "alerts": alerts,
    }


def _sort_query(request: HttpRequest) -> tuple[str, bool, list[str]]:
    errors: list[str] = []
    sort = request.GET.get("sort", selectors.DEFAULT_SORT)
    if sort not in selectors.SORT_KEYS:
        errors.append(_("The table cannot be sorted that way; it is sorted by fleet number."))
        sort = selectors.DEFAULT_SORT
    order = request.GET.get("order", "")
    if order not in ("", "asc", "desc"):
        errors.append(_("The order must be ascending or descending."))
        order = ""
    return sort, order == "desc", errors


def _sort_columns(sort: str, descending: bool) -> list[dict[str, Any]]:
    labels = {
        "label": _("Fleet number"),
        "route": _("Line"),
        "delay": _("Delay"),
        "headway": _("Headway"),
        "seen": _("Last position"),
    }
    columns = []
    for key in selectors.SORT_KEYS:
        is_sorted = key == sort
        # The latest, the most late and the closest first when a column is first chosen.
        first_descending = key in ("delay", "seen")
        column_descending = not descending if is_sorted else first_descending
        columns.append(
            {
                "key": key,
                "label": labels[key],
                "url": f"?sort={key}&order={'desc' if column_descending else 'asc'}",
                "aria_sort": ("descending" if descending else "ascending") if is_sorted else "",
            }
        )
    return columns


def _fleet_data(request: HttpRequest, sort: str, descending: bool) -> dict[str, Any]:
    municipality = request_municipality(request)
    now = timezone.now()
    fleet = selectors.fleet_now(
        municipality=municipality, now=now, sort=sort, descending=descending
    )
    alerts = selectors.vehicle_alerts_open(municipality)
    rejects = selectors.rejects_today(municipality=municipality, now=now)
    return {
        "now": now,
        "fleet": fleet,
        "alerts": alerts,
        "alert_count": alerts.count(),
        "rejects": rejects,
    }


@staff_required(MODULE)
@require_GET
def control(request: HttpRequest) -> HttpResponse:
    sort, descending, errors = _sort_query(request)
    data = _fleet_data(request, sort, descending)
    vehicles = [_vehicle_json(vehicle) for vehicle in data["fleet"]]
    query = f"?sort={sort}&order={'desc' if descending else 'asc'}"
    context = {
        "vehicles": vehicles,
        "counts": _counts(data["fleet"], data["alert_count"]),
        "alerts": list(data["alerts"][:ALERTS_SHOWN]),
        "alert_count": data["alert_count"],
        "alert_list_url": reverse("urbandata_backoffice:alert_list") + "?type=Vehicle",
        "rejects": data["rejects"],
        "columns": _sort_columns(sort, descending),
        "errors": errors,
        "live_url": reverse("mobility_backoffice:control_live") + query,
        "live_seconds": LIVE_SECONDS,
        "updated_at": data["now"],
        "stale_seconds": selectors.STALE_SECONDS,
        "bunching_seconds": BUNCHING_SECONDS,
        "late_minutes": LATE_SECONDS // 60,
        "off_route_metres": OFF_ROUTE_METRES,
        "has_demo": any(vehicle["is_demo"] for vehicle in vehicles),
    }
    return render(request, "mobility/control/index.html", context, status=400 if errors else 200)


@staff_required(MODULE)
@require_GET
def control_live(request: HttpRequest) -> JsonResponse:
    """The fleet now, in the table's order (``?sort=&order=``), polled by the page."""
    sort, descending, errors = _sort_query(request)
    if errors:
        return JsonResponse({"error": errors[0]}, status=400)
    data = _fleet_data(request, sort, descending)
    rejects = data["rejects"]
    return JsonResponse(
        {
            "updated_at": data["now"].isoformat(),
            "updated_text": _when_text(data["now"]),
            "counts": _counts(data["fleet"], data["alert_count"]),
            "rejects": {"positions": rejects.positions, "taps": rejects.taps},
            "vehicles": [_vehicle_json(vehicle) for vehicle in data["fleet"]],
        }
    )


def _day(request: HttpRequest) -> tuple[datetime.date, str]:
    """The ``?date=`` asked for (today in the city when absent), or today and why not."""
    zone = selectors.city_zone(request_municipality(request))
    today = timezone.now().astimezone(zone).date()
    value = request.GET.get("date", "")
    if not value:
        return today, ""
    try:
        return parse_date(value, name=_("The date")), ""
    except ParseError as error:
        return today, str(error)


@staff_required(MODULE)
@require_GET
def control_replay(request: HttpRequest, label: str) -> HttpResponse:
    municipality = request_municipality(request)
    vehicle = get_object_or_404(VehicleState.objects.for_municipality(municipality), label=label)
    day, error = _day(request)
    zone = selectors.city_zone(municipality)
    records = (
        [] if error else selectors.vehicle_positions_of_day(vehicle=vehicle, day=day, zone=zone)
    )
    points = [
        {
            "at": record.observed_at.isoformat(),
            "time": record.observed_at.astimezone(zone).strftime("%H:%M:%S"),
            "latitude": record.latitude,
            "longitude": record.longitude,
            "delay_seconds": record.delay_seconds,
            "delay_text": delay_text(record.delay_seconds),
            "off_route": record.off_route,
            "route": str(record.trip.route) if record.trip is not None else "",
            "trip": record.trip.gtfs_id if record.trip is not None else "",
        }
        for record in records
    ]
    # The table: the first position of each minute (a day at 10 s is 8,640 rows).
    table: list[dict[str, Any]] = []
    for point in points:
        if not table or str(table[-1]["time"])[:5] != str(point["time"])[:5]:
            table.append(point)
    features = None
    if len(points) > 1:
        features = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [[p["longitude"], p["latitude"]] for p in points],
                    },
                    "properties": {"title": _("Track of %(label)s") % {"label": vehicle.label}},
                }
            ],
        }
    context = {
        "vehicle": vehicle,
        "day": day,
        "error": error,
        "points": points,
        "table": table,
        "features": features,
        "delays": [p["delay_seconds"] for p in points if p["delay_seconds"] is not None],
    }
    return render(request, "mobility/control/replay.html", context, status=400 if error else 200)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


@staff_required(MODULE)
@require_GET
def control_punctuality(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    day, error = _day(request)
    rows, total = (
        ([], None) if error else selectors.punctuality_by_route(municipality=municipality, day=day)
    )
    context = {
        "day": day,
        "error": error,
        "rows": rows,
        "total": total,
        "on_time_earliest": -selectors.ON_TIME_EARLIEST,
        "on_time_latest": selectors.ON_TIME_LATEST,
        "csv_url": reverse("mobility_backoffice:control_punctuality_csv") + f"?date={day}",
    }
    return render(
        request, "mobility/control/punctuality.html", context, status=400 if error else 200
    )


@staff_required(MODULE)
@require_GET
def control_punctuality_csv(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    day, error = _day(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    rows, total = selectors.punctuality_by_route(municipality=municipality, day=day)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="punctuality-{municipality.slug}-{day}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(
        [
            "service_date",
            "route_id",
            "route",
            "visits",
            "on_time",
            "early",
            "late",
            "on_time_percent",
            "early_percent",
            "late_percent",
            "mean_delay_seconds",
        ]
    )
    for row in [*rows, total]:
        writer.writerow(
            [
                day.isoformat(),
                row.route.gtfs_id if row.route is not None else "",
                str(row.route) if row.route is not None else "all",
                row.visits,
                row.on_time,
                row.early,
                row.late,
                _percent(row.on_time_percent),
                _percent(row.early_percent),
                _percent(row.late_percent),
                "" if row.mean_delay_seconds is None else f"{row.mean_delay_seconds:.1f}",
            ]
        )
    return response
