"""Passengers' pages: the stop list (search, nearest, bad position), a stop's page with its
QR code made from its own absolute address, another city's stop 404, the charging and
parking map with status in words (and its JSON), the sitemap and home-map entries."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from digiplace.core.models import Municipality
from digiplace.mobility import map_places, sitemaps
from digiplace.mobility.tests.factories_people import ServiceAlertFactory, people_line
from digiplace.mobility.views_people import qr_svg
from digiplace.urbandata.tests.factories import EntityFactory

pytestmark = pytest.mark.django_db

BOTOSANI = "botosani.localhost"


def english_client() -> Client:
    client = Client(HTTP_HOST=BOTOSANI)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_stop_list_searches_and_finds_the_nearest(botosani: Municipality) -> None:
    people_line(botosani)
    client = english_client()

    found = client.get("/mobility/stops/?q=teatru").content.decode()
    nearest = client.get("/mobility/stops/?lat=47.7486&lon=26.6735").content.decode()
    bad = client.get("/mobility/stops/?lat=north&lon=26")

    assert "Teatru" in found and "Gară" not in found.split("Stops matching")[1]
    assert "Nearest stops" in nearest
    assert nearest.index("Teatru") < nearest.index("Piața Revoluției")
    assert bad.status_code == 400
    assert "The position was not understood" in bad.content.decode()


def test_a_stop_page_has_departures_lines_alerts_and_its_qr_code(
    botosani: Municipality, timisoara: Municipality
) -> None:
    line = people_line(botosani, minutes_from_now=(10,))
    stop = line.stops[1]
    ServiceAlertFactory.create(municipality=botosani).stops.set([stop])
    client = english_client()

    page = client.get(f"/mobility/stops/{stop.gtfs_id}/")

    text = page.content.decode()
    assert page.status_code == 200
    assert "Next departures" in text and "Gară" in text
    assert "Detour along Calea Națională" in text
    assert "7 Line 7" in text
    address = f"http://{BOTOSANI}/mobility/stops/{stop.gtfs_id}/"
    svg = qr_svg(address)
    assert svg.startswith("<svg") and svg in text
    assert address in text
    other_city = people_line(timisoara, name="33")
    assert client.get(f"/mobility/stops/{other_city.stops[0].gtfs_id}/").status_code == 404


def test_charging_and_parking_show_their_status_in_words(
    botosani: Municipality, timisoara: Municipality
) -> None:
    EntityFactory.create(
        municipality=botosani,
        type="EVChargingStation",
        name="Charger at the town hall",
        attributes={
            "capacity": {"type": "Property", "value": 4},
            "availableCapacity": {"type": "Property", "value": 3},
        },
    )
    EntityFactory.create(
        municipality=botosani,
        type="ParkingSpot",
        name="Space 12",
        attributes={"status": {"type": "Property", "value": "occupied"}},
    )
    EntityFactory.create(
        municipality=botosani,
        type="ParkingSpot",
        name="Space 13",
        attributes={"status": {"type": "Property", "value": "closed"}},
    )
    EntityFactory.create(municipality=timisoara, type="ParkingSpot", name="Timișoara space")
    client = english_client()

    text = client.get("/mobility/charging-parking/").content.decode()
    data = client.get("/mobility/charging-parking/places.json").json()

    assert "Charger at the town hall" in text and "available (3 free of 4)" in text
    assert "occupied" in text and "out of service" in text
    assert "Timișoara space" not in text
    statuses = {place["title"]: place["status"] for place in data["places"]}
    assert statuses == {
        "Charger at the town hall": "available",
        "Space 12": "occupied",
        "Space 13": "out_of_service",
    }
    assert client.get("/mobility/charging-parking/?type=Boat").status_code == 400
    assert client.get("/mobility/charging-parking/places.json?type=Boat").status_code == 400


def test_sitemap_sections_and_home_map_places(botosani: Municipality) -> None:
    line = people_line(botosani)
    sections = sitemaps.sitemaps(botosani)
    locations = [
        sections["mobility-stops"].location(stop) for stop in sections["mobility-stops"].items()
    ]

    assert f"/mobility/stops/{line.stops[0].gtfs_id}/" in locations
    assert len(map_places.home_map_places(botosani)) == 3  # the main stops
    ServiceAlertFactory.create(municipality=botosani).stops.set([line.stops[2]])
    (place,) = map_places.home_map_places(botosani)
    assert place.title == "Gară"
    assert "Detour" in place.description or "Ocolire" in place.description
