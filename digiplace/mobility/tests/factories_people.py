"""Test data for the passengers' pages: a small line whose trips pass a stop at moments
relative to now (on a service that runs every day, so tests pass on any weekday), a fleet
vehicle on a trip, service alerts."""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass
from typing import Any

import factory
from django.utils import timezone

from digiplace.core.models import Municipality
from digiplace.mobility.models import (
    AlertCause,
    AlertEffect,
    Route,
    Service,
    ServiceAlert,
    Stop,
    StopTime,
    Trip,
    VehicleState,
)
from digiplace.mobility.selectors.calendar import service_day_start
from digiplace.urbandata.tests.factories import EntityFactory


@dataclass
class PeopleLine:
    route: Route
    service: Service
    stops: list[Stop]
    trips: list[Trip]


def seconds_of_day(
    municipality: Municipality, moment: datetime.datetime
) -> tuple[datetime.date, int]:
    """Today's service day and ``moment`` as a GTFS time in it (past 24:00:00 just before
    midnight, as a feed writes it)."""
    zone = zoneinfo.ZoneInfo(municipality.time_zone)
    day = timezone.now().astimezone(zone).date()
    return day, round((moment - service_day_start(day, zone)).total_seconds())


def people_line(
    municipality: Municipality,
    *,
    name: str = "7",
    stop_names: tuple[str, ...] = ("Piața Revoluției", "Teatru", "Gară"),
    minutes_from_now: tuple[int, ...] = (10,),
    minutes_between_stops: int = 3,
) -> PeopleLine:
    """A line through ``stop_names``, one trip per ``minutes_from_now``: each trip leaves the
    SECOND stop that many minutes from now (the first stop a few minutes earlier)."""
    route = Route.objects.create(
        municipality=municipality,
        gtfs_id=f"people-{name}",
        short_name=name,
        long_name=f"Line {name}",
    )
    today = timezone.localdate()
    service = Service.objects.create(
        municipality=municipality,
        gtfs_id=f"people-every-day-{name}",
        **dict.fromkeys(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
            True,
        ),
        start_date=today - datetime.timedelta(days=30),
        end_date=today + datetime.timedelta(days=30),
    )
    stops = [
        Stop.objects.create(
            municipality=municipality,
            gtfs_id=f"{name}-s{index + 1}",
            code=f"{index + 1:03d}",
            name=stop_name,
            latitude=47.7486,
            longitude=26.6694 + index * 0.004,
        )
        for index, stop_name in enumerate(stop_names)
    ]
    trips = []
    now = timezone.now()
    for number, minutes in enumerate(minutes_from_now):
        _day, at_second = seconds_of_day(municipality, now + datetime.timedelta(minutes=minutes))
        trip = Trip.objects.create(
            municipality=municipality,
            gtfs_id=f"{name}-trip{number + 1}",
            route=route,
            service=service,
            headsign=stop_names[-1],
        )
        first = at_second - minutes_between_stops * 60
        StopTime.objects.bulk_create(
            StopTime(
                trip=trip,
                stop=stop,
                sequence=index + 1,
                arrival=first + index * minutes_between_stops * 60,
                departure=first + index * minutes_between_stops * 60,
            )
            for index, stop in enumerate(stops)
        )
        trips.append(trip)
    return PeopleLine(route=route, service=service, stops=stops, trips=trips)


def vehicle_on(
    municipality: Municipality, trip: Trip, *, label: str = "101", **fields: Any
) -> VehicleState:
    """A fleet vehicle matched to ``trip`` today, seen just now."""
    entity = EntityFactory.create(
        municipality=municipality,
        type="Vehicle",
        entity_id=f"urn:ngsi-ld:Vehicle:{municipality.slug}-{label}",
        attributes={},
    )
    fields.setdefault("observed_at", timezone.now())
    fields.setdefault("service_date", seconds_of_day(municipality, timezone.now())[0])
    return VehicleState.objects.create(
        municipality=municipality, entity=entity, label=label, trip=trip, **fields
    )


def prediction(stop_time: StopTime, arrival: datetime.datetime, delay: int = 0) -> dict[str, Any]:
    return {
        "sequence": stop_time.sequence,
        "stop": stop_time.stop_id,
        "stop_id": stop_time.stop.gtfs_id,
        "arrival": int(arrival.timestamp()),
        "delay": delay,
        "uncertainty": 30,
        "confidence": 0.9,
    }


class ServiceAlertFactory(factory.django.DjangoModelFactory[ServiceAlert]):
    """A published detour in force since an hour ago, in Romanian and English."""

    class Meta:
        model = ServiceAlert

    header_ro = "Ocolire pe strada Calea Națională"
    header_en = "Detour along Calea Națională"
    description_ro = "Autobuzele ocolesc zona pieței."
    description_en = "Buses go round the market area."
    cause = AlertCause.CONSTRUCTION
    effect = AlertEffect.DETOUR
    active_from = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))
    is_published = True
