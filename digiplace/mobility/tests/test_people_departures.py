"""Next departures: the timetable of today's services, merged with the vehicles' predictions
(real-time minutes, delay), a passed stop dropped, frequency trips expanded, a station
standing for its platforms; and the display's board shows the predicted minutes."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from digiplace.core.models import Municipality
from digiplace.mobility.models import Frequency, Stop, StopTime
from digiplace.mobility.selectors.departures import departures_next
from digiplace.mobility.tests.factories_people import people_line, prediction, vehicle_on

pytestmark = pytest.mark.django_db

BOTOSANI = "botosani.localhost"


def english_client(host: str = BOTOSANI) -> Client:
    client = Client(HTTP_HOST=host)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_a_scheduled_departure_counts_minutes_from_the_timetable(botosani: Municipality) -> None:
    line = people_line(botosani, minutes_from_now=(10, 40))
    now = timezone.now()

    departures = departures_next(municipality=botosani, stops=[line.stops[1]], now=now)

    assert [departure.trip for departure in departures] == line.trips
    first = departures[0]
    assert first.is_realtime is False
    assert first.delay_seconds is None
    assert first.minutes in (9, 10)  # the timetable's second is rounded
    assert first.headsign == "Gară"
    assert first.route == line.route


def test_the_terminus_and_another_citys_stops_give_no_departure(
    botosani: Municipality, timisoara: Municipality
) -> None:
    line = people_line(botosani)
    people_line(timisoara)

    assert departures_next(municipality=botosani, stops=[line.stops[-1]], now=timezone.now()) == []
    assert departures_next(municipality=timisoara, stops=[line.stops[1]], now=timezone.now()) == []


def test_a_vehicles_prediction_gives_real_time_minutes_and_delay(botosani: Municipality) -> None:
    line = people_line(botosani, minutes_from_now=(10,))
    trip = line.trips[0]
    stop_time = StopTime.objects.get(trip=trip, stop=line.stops[1])
    now = timezone.now()
    expected = now + datetime.timedelta(minutes=14, seconds=30)
    vehicle_on(botosani, trip, next_stop_sequence=1, predictions=[prediction(stop_time, expected)])

    (departure,) = departures_next(municipality=botosani, stops=[line.stops[1]], now=now)

    assert departure.is_realtime is True
    assert departure.minutes == 14
    assert departure.expected_at == expected.replace(microsecond=0)
    assert departure.delay_seconds is not None and 260 <= departure.delay_seconds <= 280


def test_without_a_prediction_for_the_stop_the_vehicles_delay_applies(
    botosani: Municipality,
) -> None:
    line = people_line(botosani, minutes_from_now=(10,))
    vehicle_on(botosani, line.trips[0], next_stop_sequence=1, delay_seconds=300)
    now = timezone.now()

    (departure,) = departures_next(municipality=botosani, stops=[line.stops[1]], now=now)

    assert departure.is_realtime is True
    assert departure.delay_seconds == 300
    assert departure.minutes in (14, 15)


def test_a_stale_vehicle_is_ignored_and_a_passed_stop_is_dropped(botosani: Municipality) -> None:
    line = people_line(botosani, name="3", minutes_from_now=(10,))
    other = people_line(botosani, name="4", stop_names=("A", "B", "C"), minutes_from_now=(10,))
    vehicle_on(
        botosani,
        line.trips[0],
        label="stale",
        delay_seconds=600,
        observed_at=timezone.now() - datetime.timedelta(minutes=30),
    )
    vehicle_on(botosani, other.trips[0], label="gone", next_stop_sequence=3, delay_seconds=0)
    now = timezone.now()

    (scheduled,) = departures_next(municipality=botosani, stops=[line.stops[1]], now=now)
    assert scheduled.is_realtime is False
    assert departures_next(municipality=botosani, stops=[other.stops[1]], now=now) == []


def test_a_frequency_trip_is_expanded_at_each_headway(botosani: Municipality) -> None:
    line = people_line(botosani, minutes_from_now=(0,))
    trip = line.trips[0]
    first = StopTime.objects.filter(trip=trip).order_by("sequence").first()
    assert first is not None and first.departure is not None
    # Every 10 minutes from the pattern's own start for the next hour.
    Frequency.objects.create(
        trip=trip,
        start_time=first.departure,
        end_time=first.departure + 3600,
        headway_secs=600,
    )
    now = timezone.now()

    departures = departures_next(municipality=botosani, stops=[line.stops[1]], now=now, limit=20)

    gaps = [
        round((later.scheduled_at - earlier.scheduled_at).total_seconds())
        for earlier, later in itertools.pairwise(departures)
    ]
    assert len(departures) == 6
    assert set(gaps) == {600}


def test_a_station_stands_for_its_platforms(botosani: Municipality) -> None:
    line = people_line(botosani, minutes_from_now=(10,))
    station = Stop.objects.create(
        municipality=botosani, gtfs_id="station", name="Gara Botoșani", location_type=1
    )
    Stop.objects.filter(pk=line.stops[1].pk).update(parent=station)

    (departure,) = departures_next(municipality=botosani, stops=[station], now=timezone.now())

    assert departure.stop == line.stops[1]


def test_the_display_board_shows_the_predicted_minutes(botosani: Municipality) -> None:
    line = people_line(botosani, minutes_from_now=(10,))
    stop_time = StopTime.objects.get(trip=line.trips[0], stop=line.stops[1])
    vehicle = vehicle_on(botosani, line.trips[0], next_stop_sequence=1)
    client = english_client()
    url = f"/mobility/stops/{line.stops[1].gtfs_id}/display/"

    page = client.get(url)
    assert page.status_code == 200
    assert 'hx-trigger="every 15s"' in page.content.decode()
    assert "timetable" in page.content.decode()

    vehicle.predictions = [
        prediction(stop_time, timezone.now() + datetime.timedelta(minutes=3, seconds=20))
    ]
    vehicle.save()
    board = client.get(url, HTTP_HX_REQUEST="true")

    text = board.content.decode()
    assert board.status_code == 200
    assert "<html" not in text
    assert 'data-minutes="3"' in text
    assert "3 min" in text and "real time" in text


def test_a_group_display_names_its_stops_and_refuses_bad_lists(botosani: Municipality) -> None:
    line = people_line(botosani, minutes_from_now=(10,))
    client = english_client()
    ids = ",".join(stop.gtfs_id for stop in line.stops[:2])

    page = client.get(f"/mobility/displays/?stops={ids}")
    assert page.status_code == 200
    assert "Piața Revoluției · Teatru" in page.content.decode()

    missing = client.get("/mobility/displays/")
    assert missing.status_code == 400
    assert "Name the stops to show" in missing.content.decode()
    assert client.get("/mobility/displays/?stops=nowhere").status_code == 404
    assert client.get("/mobility/stops/nowhere/display/").status_code == 404
