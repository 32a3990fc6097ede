"""The network factories other areas build on."""

from __future__ import annotations

import datetime

import pytest

from digiplace.mobility.models import StopTime, Trip
from digiplace.mobility.tests.factories_net import StopTimeFactory, TripFactory, build_line

pytestmark = pytest.mark.django_db


def test_build_line_makes_trips_every_k_minutes_through_its_stops(botosani):
    line = build_line(
        botosani, stops=4, every_minutes=20, first=datetime.time(7, 0), last=datetime.time(8, 0)
    )
    assert [trip.gtfs_id for trip in line.trips] == ["1-0700", "1-0720", "1-0740", "1-0800"]
    assert len(line.shape.points) == 4
    first = list(StopTime.objects.filter(trip=line.trips[0]).order_by("sequence"))
    assert [stop_time.stop for stop_time in first] == line.stops
    assert [stop_time.departure for stop_time in first] == [25200, 25320, 25440, 25560]
    assert line.service.monday and not line.service.sunday
    assert Trip.objects.filter(municipality=botosani).count() == 4


def test_stop_time_factory_keeps_the_stop_in_the_trips_city(timisoara):
    stop_time = StopTimeFactory.create(trip=TripFactory.create(municipality=timisoara))
    assert stop_time.stop.municipality == timisoara
    assert stop_time.trip.route.municipality == timisoara
