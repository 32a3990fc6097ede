"""The mobility module's places on the city's home map: the stops an alert in force names,
or else the city's main stops."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from digiplace.core.modules import MapPlace

from .models import Stop
from .selectors import departures as selectors
from .selectors.departures_alerts import alerts_active

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

HOME_MAP_STOPS = 5


def home_map_places(municipality: Municipality) -> Sequence[MapPlace]:
    located = selectors.stop_search(municipality=municipality).filter(
        latitude__isnull=False, longitude__isnull=False
    )
    places: list[MapPlace] = []
    for alert in alerts_active(municipality=municipality, now=timezone.now())[:HOME_MAP_STOPS]:
        for stop in alert.stops.all():
            if stop.latitude is None or stop.longitude is None:
                continue
            places.append(_place(stop, _("Service alert: %(title)s") % {"title": alert.header}))
    if not places:
        # The stops with the most departures: the city's main stops.
        busiest = located.annotate(calls=Count("stop_times")).order_by("-calls", "name")
        places = [_place(stop, _("Bus stop")) for stop in busiest[:HOME_MAP_STOPS]]
    return places[:HOME_MAP_STOPS]


def _place(stop: Stop, description: str) -> MapPlace:
    assert stop.latitude is not None and stop.longitude is not None
    return MapPlace(
        title=str(stop),
        url=reverse("mobility:stop_detail", kwargs={"gtfs_id": stop.gtfs_id}),
        latitude=stop.latitude,
        longitude=stop.longitude,
        description=description,
    )
