"""factory_boy factories for the mobility network (GTFS static), shared by every area's tests.

Everything lies near Botoșani's centre, in the municipality given. ``build_line`` makes a
small, complete line (stops, a shape through them, trips every k minutes on a weekday
service) for tests that need a timetable to plan, track or display.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

import factory
from django.utils import timezone

from digiplace.core.models import Municipality
from digiplace.core.tests.factories import MunicipalityFactory
from digiplace.mobility.models import (
    Agency,
    Frequency,
    NetworkImport,
    Route,
    Service,
    ServiceException,
    Shape,
    Stop,
    StopTime,
    Trip,
)

_same_city = factory.SelfAttribute("..municipality")
_trip_city = factory.SelfAttribute("..trip.municipality")

# Botoșani's centre (Piața Revoluției).
CENTRE_LATITUDE = 47.7486
CENTRE_LONGITUDE = 26.6694


class AgencyFactory(factory.django.DjangoModelFactory[Agency]):
    class Meta:
        model = Agency

    municipality = factory.SubFactory(MunicipalityFactory)
    gtfs_id = factory.Sequence(lambda number: f"agency{number}")
    name = factory.Sequence(lambda number: f"Transport Local {number}")
    url = "https://transport.example.org/"
    timezone = "Europe/Bucharest"
    lang = "ro"


class StopFactory(factory.django.DjangoModelFactory[Stop]):
    class Meta:
        model = Stop

    municipality = factory.SubFactory(MunicipalityFactory)
    gtfs_id = factory.Sequence(lambda number: f"stop{number}")
    code = factory.Sequence(lambda number: f"{number:04d}")
    name = factory.Sequence(lambda number: f"Stop {number}")
    latitude = CENTRE_LATITUDE
    longitude = CENTRE_LONGITUDE


class RouteFactory(factory.django.DjangoModelFactory[Route]):
    class Meta:
        model = Route

    municipality = factory.SubFactory(MunicipalityFactory)
    agency = factory.SubFactory(AgencyFactory, municipality=_same_city)
    gtfs_id = factory.Sequence(lambda number: f"route{number}")
    short_name = factory.Sequence(lambda number: f"{number + 1}")
    long_name = factory.Sequence(lambda number: f"Line {number + 1}")
    route_type = 3
    color = "1B5E20"
    text_color = "FFFFFF"


class ServiceFactory(factory.django.DjangoModelFactory[Service]):
    """A weekday service (Monday to Friday) valid for a year around today."""

    class Meta:
        model = Service

    municipality = factory.SubFactory(MunicipalityFactory)
    gtfs_id = factory.Sequence(lambda number: f"service{number}")
    weekly = True
    monday = True
    tuesday = True
    wednesday = True
    thursday = True
    friday = True
    saturday = False
    sunday = False
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=183))
    end_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=183))


class ServiceExceptionFactory(factory.django.DjangoModelFactory[ServiceException]):
    class Meta:
        model = ServiceException

    service = factory.SubFactory(ServiceFactory)
    date = factory.LazyFunction(timezone.localdate)
    exception_type = ServiceException.Kind.ADDED


class ShapeFactory(factory.django.DjangoModelFactory[Shape]):
    """A straight shape of two points eastwards from the centre (about 1.5 km)."""

    class Meta:
        model = Shape

    municipality = factory.SubFactory(MunicipalityFactory)
    gtfs_id = factory.Sequence(lambda number: f"shape{number}")
    points = factory.LazyFunction(
        lambda: [
            [1, CENTRE_LATITUDE, CENTRE_LONGITUDE, 0.0],
            [2, CENTRE_LATITUDE, CENTRE_LONGITUDE + 0.02, 1500.0],
        ]
    )


class TripFactory(factory.django.DjangoModelFactory[Trip]):
    class Meta:
        model = Trip

    municipality = factory.SubFactory(MunicipalityFactory)
    gtfs_id = factory.Sequence(lambda number: f"trip{number}")
    route = factory.SubFactory(RouteFactory, municipality=_same_city)
    service = factory.SubFactory(ServiceFactory, municipality=_same_city)
    shape = factory.SubFactory(ShapeFactory, municipality=_same_city)
    headsign = "Centru"
    direction_id = 0


class StopTimeFactory(factory.django.DjangoModelFactory[StopTime]):
    """Arrival and departure in seconds after the service day's start (08:00 by default)."""

    class Meta:
        model = StopTime

    trip = factory.SubFactory(TripFactory)
    stop = factory.SubFactory(StopFactory, municipality=_trip_city)
    sequence = factory.Sequence(lambda number: number + 1)
    arrival = 8 * 3600
    departure = factory.SelfAttribute("arrival")


class FrequencyFactory(factory.django.DjangoModelFactory[Frequency]):
    class Meta:
        model = Frequency

    trip = factory.SubFactory(TripFactory)
    start_time = 6 * 3600
    end_time = 22 * 3600
    headway_secs = 600


class NetworkImportFactory(factory.django.DjangoModelFactory[NetworkImport]):
    class Meta:
        model = NetworkImport

    municipality = factory.SubFactory(MunicipalityFactory)
    file_name = "network.zip"
    succeeded = True
    counts = factory.LazyFunction(lambda: {"stops.txt": 12, "routes.txt": 2})


@dataclass
class Line:
    """What ``build_line`` made: the stops in order, the shape, the trips by departure."""

    route: Route
    service: Service
    shape: Shape
    stops: list[Stop]
    trips: list[Trip]
    # Seconds from the first stop to each stop (same for every trip).
    offsets: list[int]


def _metres(latitude_a: float, longitude_a: float, latitude_b: float, longitude_b: float) -> float:
    mean = math.radians((latitude_a + latitude_b) / 2)
    dy = (latitude_b - latitude_a) * 111_320.0
    dx = (longitude_b - longitude_a) * 111_320.0 * math.cos(mean)
    return math.hypot(dx, dy)


def build_line(
    municipality: Municipality,
    *,
    stops: int = 5,
    every_minutes: int = 15,
    first: datetime.time = datetime.time(6, 0),
    last: datetime.time = datetime.time(22, 0),
    minutes_between_stops: int = 2,
    dwell_seconds: int = 0,
    service: Service | None = None,
    name: str = "1",
    spacing_degrees: float = 0.004,
    start: tuple[float, float] = (CENTRE_LATITUDE, CENTRE_LONGITUDE),
) -> Line:
    """A straight line of ``stops`` stops eastwards from ``start`` (about 300 m apart by
    default), a shape through them with distances in metres, and one trip every
    ``every_minutes`` from ``first`` to ``last`` (inclusive) on a weekday service (or the one
    given), ``minutes_between_stops`` apart. Trip ids are ``<name>-HHMM``."""
    route = RouteFactory.create(
        municipality=municipality,
        gtfs_id=f"line-{name}",
        short_name=name,
        long_name=f"Line {name}",
    )
    if service is None:
        service = ServiceFactory.create(municipality=municipality)
    latitude, longitude = start
    stop_rows = [
        StopFactory.create(
            municipality=municipality,
            gtfs_id=f"{name}-s{index + 1}",
            name=f"Line {name} stop {index + 1}",
            latitude=latitude,
            longitude=longitude + index * spacing_degrees,
        )
        for index in range(stops)
    ]
    points: list[list[float | None]] = []
    distances: list[float] = []
    travelled = 0.0
    for index, stop in enumerate(stop_rows):
        assert stop.latitude is not None and stop.longitude is not None
        if index:
            previous = stop_rows[index - 1]
            assert previous.latitude is not None and previous.longitude is not None
            travelled += _metres(
                previous.latitude, previous.longitude, stop.latitude, stop.longitude
            )
        distances.append(round(travelled, 1))
        points.append([index + 1, stop.latitude, stop.longitude, round(travelled, 1)])
    shape = ShapeFactory.create(municipality=municipality, gtfs_id=f"{name}-shape", points=points)
    offsets = [index * (minutes_between_stops * 60 + dwell_seconds) for index in range(stops)]
    first_seconds = first.hour * 3600 + first.minute * 60
    last_seconds = last.hour * 3600 + last.minute * 60
    trips: list[Trip] = []
    stop_times: list[StopTime] = []
    departure = first_seconds
    while departure <= last_seconds:
        trip = TripFactory.create(
            municipality=municipality,
            gtfs_id=f"{name}-{departure // 3600:02d}{departure % 3600 // 60:02d}",
            route=route,
            service=service,
            shape=shape,
            headsign=stop_rows[-1].name,
            direction_id=0,
        )
        trips.append(trip)
        for index, stop in enumerate(stop_rows):
            arrival = departure + offsets[index]
            stop_times.append(
                StopTime(
                    trip=trip,
                    stop=stop,
                    sequence=index + 1,
                    arrival=arrival,
                    departure=arrival + (dwell_seconds if 0 < index < stops - 1 else 0),
                    shape_dist_traveled=distances[index],
                )
            )
        departure += every_minutes * 60
    StopTime.objects.bulk_create(stop_times)
    return Line(
        route=route, service=service, shape=shape, stops=stop_rows, trips=trips, offsets=offsets
    )
