"""The public journey planner at /mobility/planner/: a GET form (a journey's address can be
shared) and the journeys RAPTOR finds on the day's timetable with the live delays, with the
charging stations and parking nearest to the destination. Nothing personal is kept."""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from digiplace.core.http import request_municipality

from .forms_planner import ARRIVE, DEPART, PlaceInput, PlannerForm
from .models import Agency
from .planner import raptor
from .planner.timetable import Timetable
from .selectors import planner as selectors
from .selectors.calendar import gtfs_moment, service_day_start

PLACE_TITLES = {
    "EVChargingStation": gettext_lazy("Charging stations"),
    "ParkingSpot": gettext_lazy("Parking spots"),
    "OffStreetParking": gettext_lazy("Car parks"),
}
# The live status in words (Smart Data Models' codes for chargers and parking).
STATUS_LABELS = {
    "working": gettext_lazy("available"),
    "free": gettext_lazy("available"),
    "empty": gettext_lazy("available"),
    "almostEmpty": gettext_lazy("mostly available"),
    "almostFull": gettext_lazy("almost full"),
    "full": gettext_lazy("occupied"),
    "occupied": gettext_lazy("occupied"),
    "closed": gettext_lazy("closed"),
    "outOfService": gettext_lazy("out of service"),
    "withIncidence": gettext_lazy("out of service"),
    "open": gettext_lazy("open"),
}


@dataclass(frozen=True)
class LegView:
    leg: raptor.Leg
    departure: datetime.datetime
    arrival: datetime.datetime
    minutes: int
    wait_minutes: int
    # Late (positive) at the stop where one gets off, or early.
    delay_minutes: int
    early_minutes: int


@dataclass(frozen=True)
class JourneyView:
    journey: raptor.Journey
    legs: list[LegView]
    departure: datetime.datetime
    arrival: datetime.datetime
    minutes: int
    waiting_minutes: int
    walking_minutes: int


def _minutes(seconds: int) -> int:
    return (seconds + 59) // 60 if seconds > 0 else 0


def _zone(municipality: Any) -> zoneinfo.ZoneInfo:
    name = (
        Agency.objects.for_municipality(municipality)
        .exclude(timezone="")
        .values_list("timezone", flat=True)
        .first()
    )
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _view(journey: raptor.Journey, day: datetime.date, zone: zoneinfo.ZoneInfo) -> JourneyView:
    def moment(seconds: int) -> datetime.datetime:
        return gtfs_moment(day, seconds, zone).astimezone(zone)

    return JourneyView(
        journey=journey,
        legs=[
            LegView(
                leg=leg,
                departure=moment(leg.departure),
                arrival=moment(leg.arrival),
                minutes=_minutes(leg.duration),
                wait_minutes=_minutes(leg.wait_before),
                delay_minutes=max(0, round(leg.alight_delay / 60)),
                early_minutes=max(0, round(-leg.alight_delay / 60)),
            )
            for leg in journey.legs
        ],
        departure=moment(journey.departure),
        arrival=moment(journey.arrival),
        minutes=_minutes(journey.duration),
        waiting_minutes=_minutes(journey.waiting),
        walking_minutes=_minutes(journey.walking),
    )


def _place(timetable: Timetable, place: PlaceInput) -> raptor.Place:
    if place.is_stop:
        return raptor.Place(stop=timetable.stop_by_id[place.stop_id])
    return raptor.Place(latitude=place.latitude, longitude=place.longitude)


def _initial(zone: zoneinfo.ZoneInfo) -> dict[str, Any]:
    now = timezone.now().astimezone(zone)
    return {"date": now.date(), "time": now.time().replace(second=0, microsecond=0), "when": DEPART}


@require_GET
def planner(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    zone = _zone(municipality)
    stops = selectors.stop_choices(municipality=municipality)
    form = PlannerForm(
        request.GET if "origin" in request.GET else None, stops=stops, initial=_initial(zone)
    )
    journeys: list[JourneyView] | None = None
    places: list[tuple[str, list[tuple[selectors.NearbyPlace, str]]]] = []
    realtime = False
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        day: datetime.date = data["date"]
        local = datetime.datetime.combine(day, data["time"], tzinfo=zone)
        seconds = int((local - service_day_start(day, zone)).total_seconds())
        timetable = selectors.timetable_for_day(municipality=municipality, day=day)
        delays = selectors.realtime_delays(municipality=municipality, day=day)
        realtime = bool(delays)
        timetable = timetable.with_delays(delays)
        origin, destination = (
            _place(timetable, data["origin"]),
            _place(timetable, data["destination"]),
        )
        try:
            if data["when"] == ARRIVE:
                found = raptor.arrive_by(timetable, origin, destination, seconds)
            else:
                found = raptor.depart_at(timetable, origin, destination, seconds)
        except raptor.PlanningError as error:
            _refuse(form, error.code)
        else:
            journeys = [_view(journey, day, zone) for journey in found]
            end = destination.coordinates(timetable)
            if end is not None:
                near = selectors.places_near(
                    municipality=municipality, latitude=end[0], longitude=end[1]
                )
                places = [
                    (
                        str(PLACE_TITLES[kind]),
                        [
                            (place, str(STATUS_LABELS.get(place.status, _("unknown"))))
                            for place in found_
                        ],
                    )
                    for kind, found_ in near.items()
                    if found_
                ]
    return render(
        request,
        "mobility/planner/planner.html",
        {
            "form": form,
            "stops": stops,
            "journeys": journeys,
            "places": places,
            "realtime": realtime,
            "arrive_by": form.is_bound and form.is_valid() and form.cleaned_data["when"] == ARRIVE,
            "municipality": municipality,
            "map_label": _("Map: click to choose the start or the destination"),
        },
        # A refused question says so in its status too (the form shows why).
        status=400 if form.is_bound and form.errors else 200,
    )


def _refuse(form: PlannerForm, code: str) -> None:
    if code == "origin_far":
        form.add_error("origin", _("There is no stop within 800 m of this point."))
    elif code == "destination_far":
        form.add_error("destination", _("There is no stop within 800 m of this point."))
    else:
        form.add_error(None, _("The start and the destination are the same place."))
