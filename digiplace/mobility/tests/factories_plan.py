"""A small network for the planner's page tests: one line of three stops eastwards from
Botoșani's centre (about 900 m apart: the ends are too far apart to offer a walk all the
way), two trips on a service that runs every day of 2026."""

from __future__ import annotations

import datetime

from digiplace.core.models import Municipality
from digiplace.mobility.models import Agency, Route, Service, Stop, StopTime, Trip

LATITUDE = 47.7486
LONGITUDE = 26.6694
DAY = datetime.date(2026, 3, 2)  # a Monday


def hms(text: str) -> int:
    hours, minutes = (int(part) for part in text.split(":"))
    return hours * 3600 + minutes * 60


def plan_network(municipality: Municipality, prefix: str = "") -> list[Stop]:
    """Stops ``A`` (Piața Revoluției), ``B`` (Teatru), ``C`` (Gară); line 1 leaves A at 08:00
    and 08:30, 5 minutes between stops."""
    Agency.objects.create(
        municipality=municipality,
        gtfs_id=f"{prefix}agency",
        name="Eltrans",
        url="https://eltrans.example.org/",
        timezone="Europe/Bucharest",
    )
    stops = [
        Stop.objects.create(
            municipality=municipality,
            gtfs_id=f"{prefix}{code}",
            name=name,
            latitude=LATITUDE,
            longitude=LONGITUDE + 0.012 * number,
        )
        for number, (code, name) in enumerate(
            (("A", "Piața Revoluției"), ("B", "Teatru"), ("C", "Gară"))
        )
    ]
    route = Route.objects.create(
        municipality=municipality, gtfs_id=f"{prefix}L1", short_name="1", long_name="Centru - Gară"
    )
    service = Service.objects.create(
        municipality=municipality,
        gtfs_id=f"{prefix}daily",
        **dict.fromkeys(("monday", "tuesday", "wednesday", "thursday", "friday"), True),
        saturday=True,
        sunday=True,
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2026, 12, 31),
    )
    for number, start in enumerate(("08:00", "08:30")):
        trip = Trip.objects.create(
            municipality=municipality,
            gtfs_id=f"{prefix}T{number}",
            route=route,
            service=service,
            headsign="Gară",
        )
        for sequence, stop in enumerate(stops, start=1):
            moment = hms(start) + 300 * (sequence - 1)
            StopTime.objects.create(
                trip=trip, stop=stop, sequence=sequence, arrival=moment, departure=moment
            )
    return stops
