"""The public journey planner page on a small network: journeys by stop and by point,
live delays, the nearest charging station with its status, and every refusal as a message
on the form (never a 500)."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from digiplace.core.models import Municipality
from digiplace.mobility.models import Trip, VehicleState
from digiplace.mobility.selectors import planner as planner_selectors
from digiplace.urbandata.tests.factories import EntityFactory

from .factories_plan import DAY, LATITUDE, LONGITUDE, plan_network

pytestmark = pytest.mark.django_db

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    planner_selectors.clear_cache()


def english(host: str = BOTOSANI) -> Client:
    client = Client(HTTP_HOST=host)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def query(**overrides: str) -> dict[str, str]:
    params = {
        "origin": "Piața Revoluției [A]",
        "destination": "Gară [C]",
        "date": DAY.isoformat(),
        "time": "07:55",
        "when": "depart",
    }
    params.update(overrides)
    return params


def test_the_empty_form(botosani: Municipality) -> None:
    plan_network(botosani)
    response = english().get(reverse("mobility:planner"))
    assert response.status_code == 200
    assert reverse("mobility:planner") == "/mobility/planner/"
    html = response.content.decode()
    assert '<datalist id="plan-stops">' in html
    assert 'value="Teatru [B]"' in html
    assert 'for="id_origin"' in html and 'for="id_destination"' in html
    assert "style=" not in html


def test_a_journey_between_two_stops(botosani: Municipality) -> None:
    plan_network(botosani)
    response = english().get(reverse("mobility:planner"), query())
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="plan-journeys"' in html
    assert "Bus</span>" not in html  # the route label follows the word
    assert "Bus 1" in html
    assert "board at Piața Revoluției" in html and "get off at Gară" in html
    assert '<time datetime="2026-03-02T08:00:00+02:00">08:00</time>' in html
    assert '<time datetime="2026-03-02T08:10:00+02:00">08:10</time>' in html
    journeys = response.context["journeys"]
    assert len(journeys) == 1 and journeys[0].minutes == 10


def test_arrive_by_and_from_a_point(botosani: Municipality) -> None:
    plan_network(botosani)
    # About 200 m west of stop A; arrive at Gară by 08:45: the 08:30 bus (at C at 08:40).
    response = english().get(
        reverse("mobility:planner"),
        query(origin=f"{LATITUDE}, {LONGITUDE - 0.0027}", time="08:45", when="arrive"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    (journey,) = response.context["journeys"]
    assert journey.legs[0].leg.kind == "walk" and journey.legs[0].leg.to_stop.gtfs_id == "A"
    assert '<time datetime="2026-03-02T08:40:00+02:00">08:40</time>' in html


def test_live_delays_change_the_times(botosani: Municipality) -> None:
    plan_network(botosani)
    trip = Trip.objects.get(gtfs_id="T0")
    VehicleState.objects.create(
        municipality=botosani,
        entity=EntityFactory.create(municipality=botosani, type="Vehicle", attributes={}),
        label="101",
        trip=trip,
        service_date=DAY,
        predictions=[
            {"sequence": 2, "stop_id": "B", "arrival": 0, "delay": 240, "confidence": 0.8},
            {"sequence": 3, "stop_id": "C", "arrival": 0, "delay": 240, "confidence": 0.8},
        ],
    )
    # The bus leaves A on time, 4 minutes late from B on: at C at 08:14 rather than 08:10.
    response = english().get(reverse("mobility:planner"), query())
    html = response.content.decode()
    assert "live delays" in html
    assert '<time datetime="2026-03-02T08:14:00+02:00">08:14</time>' in html
    assert "4 minutes late" in html


def test_the_nearest_charger_and_parking_with_their_status(botosani: Municipality) -> None:
    plan_network(botosani)
    EntityFactory.create(
        municipality=botosani,
        type="EVChargingStation",
        name="Gară charger",
        latitude=LATITUDE + 0.001,
        longitude=LONGITUDE + 0.024,
        attributes={
            "status": {"type": "Property", "value": "working"},
            "availableCapacity": {"type": "Property", "value": 2},
            "capacity": {"type": "Property", "value": 4},
        },
    )
    EntityFactory.create(
        municipality=botosani,
        type="ParkingSpot",
        name="Spot 7",
        latitude=LATITUDE,
        longitude=LONGITUDE + 0.025,
        attributes={"status": {"type": "Property", "value": "occupied"}},
    )
    # Too far from the destination (Gară is 2.6 km away).
    EntityFactory.create(
        municipality=botosani,
        type="EVChargingStation",
        name="Centre charger",
        latitude=LATITUDE,
        longitude=LONGITUDE - 0.01,
        attributes={},
    )
    html = english().get(reverse("mobility:planner"), query()).content.decode()
    assert "Charging and parking near the destination" in html
    assert "Gară charger" in html and "2 free" in html and "/ 4" in html
    assert "Spot 7" in html and "occupied" in html
    assert "Centre charger" not in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"origin": "Nowhere"}, "There is no stop called “Nowhere”"),
        ({"time": "25:99"}, "Enter a valid time."),
        ({"date": "yesterday"}, "Enter a valid date."),
        (
            {"destination": "Piața Revoluției [A]"},
            "The start and the destination are the same place.",
        ),
        ({"destination": "A"}, "The start and the destination are the same place."),
        ({"origin": "47.0, 26.0"}, "There is no stop within 800 m of this point."),
        ({"origin": "95, 26"}, "A point is a latitude (-90 to 90)"),
        ({"when": "sometime"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_a_message_on_the_form(
    botosani: Municipality, overrides: dict[str, str], message: str
) -> None:
    plan_network(botosani)
    response = english().get(reverse("mobility:planner"), query(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["journeys"] is None


def test_another_citys_stops_are_unknown(botosani: Municipality, timisoara: Municipality) -> None:
    plan_network(botosani)
    plan_network(timisoara, prefix="tm")
    response = english(TIMISOARA).get(reverse("mobility:planner"), query())
    html = response.content.decode()
    assert "There is no stop called “Piața Revoluției [A]”" in html
    assert 'value="Teatru [B]"' not in html
    ok = english(TIMISOARA).get(
        reverse("mobility:planner"),
        query(origin="Piața Revoluției [tmA]", destination="Gară [tmC]"),
    )
    assert len(ok.context["journeys"]) == 1


def test_no_journey_after_the_last_bus(botosani: Municipality) -> None:
    plan_network(botosani)
    response = english().get(reverse("mobility:planner"), query(time="22:00"))
    assert "No journey found on that day after that time." in response.content.decode()


def test_the_timetable_is_cached_until_the_network_changes(botosani: Municipality) -> None:
    stops = plan_network(botosani)
    first = planner_selectors.timetable_for_day(municipality=botosani, day=DAY)
    assert planner_selectors.timetable_for_day(municipality=botosani, day=DAY) is first
    stops[1].latitude = LATITUDE + 0.001
    stops[1].save()
    assert planner_selectors.timetable_for_day(municipality=botosani, day=DAY) is not first


def test_yesterdays_trips_after_midnight_are_in_todays_timetable(botosani: Municipality) -> None:
    from digiplace.mobility.planner import raptor
    from digiplace.mobility.selectors.planner import timetable_build
    from digiplace.mobility.tests.factories_net import build_line

    # The weekday's last trip leaves at 23:40 and reaches its last two stops at 24:10 and
    # 24:25 (GTFS times past midnight): on a Tuesday, Monday's trip runs at 00:10 and 00:25.
    line = build_line(
        botosani,
        stops=4,
        first=datetime.time(23, 40),
        last=datetime.time(23, 40),
        minutes_between_stops=15,
        name="N",
        spacing_degrees=0.03,  # too far apart to walk
    )
    tuesday = datetime.date(2026, 12, 1)
    timetable = timetable_build(municipality=botosani, day=tuesday)
    index = {stop.gtfs_id: stop.index for stop in timetable.stops}

    journeys = raptor.depart_at(
        timetable,
        raptor.Place(stop=index[line.stops[2].gtfs_id]),
        raptor.Place(stop=index[line.stops[3].gtfs_id]),
        0,
    )

    (ride,) = [leg for leg in journeys[0].legs if leg.is_ride]
    assert (ride.departure, ride.arrival) == (10 * 60, 25 * 60)
    # On a Monday, Sunday's service does not run: the first bus there is Monday's own.
    monday = timetable_build(municipality=botosani, day=tuesday - datetime.timedelta(days=1))
    journeys = raptor.depart_at(
        monday,
        raptor.Place(stop=index[line.stops[2].gtfs_id]),
        raptor.Place(stop=index[line.stops[3].gtfs_id]),
        0,
    )
    assert [leg.departure for leg in journeys[0].legs if leg.is_ride] == [24 * 3600 + 10 * 60]
