"""Which services run on a day (calendar.txt's weekly pattern with calendar_dates.txt's
exceptions), and the moment a GTFS time of a service day stands for."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import TYPE_CHECKING

from ..models import Service, ServiceException

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def services_running(*, municipality: Municipality, day: datetime.date) -> set[int]:
    """The primary keys of the services whose trips run on ``day``."""
    weekday = WEEKDAYS[day.weekday()]
    running = set(
        Service.objects.for_municipality(municipality)
        .filter(weekly=True, start_date__lte=day, end_date__gte=day, **{weekday: True})
        .values_list("pk", flat=True)
    )
    for service_id, kind in ServiceException.objects.filter(
        service__municipality=municipality, date=day
    ).values_list("service_id", "exception_type"):
        if kind == ServiceException.Kind.ADDED:
            running.add(service_id)
        else:
            running.discard(service_id)
    return running


def service_day_start(day: datetime.date, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """The moment GTFS times of ``day`` count from: noon minus twelve hours, local time
    (midnight, except on the days the clocks change)."""
    noon = datetime.datetime.combine(day, datetime.time(12), tzinfo=zone)
    # In UTC: aware arithmetic in one zone would ignore the clock change.
    return noon.astimezone(datetime.UTC) - datetime.timedelta(hours=12)


def gtfs_moment(day: datetime.date, seconds: int, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """The aware moment of a GTFS time (seconds after the service day's start)."""
    return service_day_start(day, zone) + datetime.timedelta(seconds=seconds)
