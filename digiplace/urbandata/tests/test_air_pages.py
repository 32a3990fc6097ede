"""The public air-quality pages: the module's index, the map with its data, a station's page
with charts, the downloads value by value, both languages, another city's station 404."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from digiplace.core.models import Municipality
from digiplace.core.page_cache import local_pages
from digiplace.urbandata import eaqi
from digiplace.urbandata.map_places import home_map_places
from digiplace.urbandata.models import Entity, Rollup, RollupPeriod
from digiplace.urbandata.sitemaps import sitemaps
from digiplace.urbandata.tests.factories import EntityFactory

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db

TIMISOARA = "timisoara.localhost"
STATION_ID = "urn:ngsi-ld:AirQualityObserved:test-aq-01"


def _hour(back: int = 0) -> datetime.datetime:
    now = timezone.now().astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)
    return now - datetime.timedelta(hours=back)


def station_make(
    municipality: Municipality,
    entity_id: str = STATION_ID,
    name: str = "Piața Victoriei",
    latitude: float = 45.7537,
    longitude: float = 21.2257,
    **extra: object,
) -> Entity:
    return EntityFactory.create(
        municipality=municipality,
        type="AirQualityObserved",
        entity_id=entity_id,
        name=name,
        latitude=latitude,
        longitude=longitude,
        attributes={},
        **extra,
    )


def rollups_add(entity: Entity, start: datetime.datetime, **means: float) -> None:
    """Hourly rollups of two readings each, whose mean is the given value."""
    for attribute, mean in means.items():
        Rollup.objects.create(
            entity=entity,
            attribute=attribute,
            period=RollupPeriod.HOUR,
            start=start,
            minimum=mean - 1,
            maximum=mean + 1,
            total=mean * 2,
            count=2,
        )


def get(client: Client, url: str, language: str = "en") -> _MonkeyPatchedWSGIResponse:
    """A page of Timișoara's host in the language chosen with the language cookie."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url, HTTP_HOST=TIMISOARA, HTTP_ACCEPT_LANGUAGE=language)


@pytest.fixture
def station(timisoara: Municipality) -> Entity:
    entity = station_make(timisoara)
    # An hour ago: NO2 Poor (61.2), PM2.5 Fair (12), O3 Good (40). Two hours ago: all Good.
    rollups_add(entity, _hour(1), no2=61.2, pm25=12, o3=40)
    rollups_add(entity, _hour(2), no2=8, pm25=4, o3=30)
    return entity


def test_the_air_map_shows_each_station_with_its_index_legend_and_list(
    client: Client, station: Entity
) -> None:
    response = get(client, reverse("urbandata:air"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Air quality</h1>" in html
    features = json.loads(
        re.search(
            r'<script id="air-map-features" type="application/json">(.*?)</script>', html, re.S
        )[1]  # type: ignore[index]
    )
    assert features["features"] == [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [21.2257, 45.7537]},
            "properties": {
                "title": "Piața Victoriei",
                "url": f"/urbandata/air/{STATION_ID}/",
                "description": features["features"][0]["properties"]["description"],
                "level": 4,
                "colour": "#ff5050",
            },
        }
    ]
    assert features["features"][0]["properties"]["description"].startswith("Poor (NO₂) · ")
    # The legend: every band with its advice for both groups.
    for band in eaqi.BANDS:
        assert f'class="air-chip air-level-{band.level}">{band.label}</span>' in html
        assert str(band.advice_sensitive) in html
    # The list: the station, its band and the pollutant that sets it.
    row = re.search(r'<table class="table--stack air-stations">.*?</table>', html, re.S)[0]  # type: ignore[index]
    assert f'href="/urbandata/air/{STATION_ID}/">Piața Victoriei</a>' in row
    assert '<span class="air-chip air-level-4">Poor</span>' in row
    assert "NO₂" in row
    assert "The worst air in the city now is Poor, because of NO₂." in html


def test_a_station_without_recent_hours_is_grey_and_says_so(
    client: Client, timisoara: Municipality
) -> None:
    entity = station_make(timisoara)
    rollups_add(entity, _hour(4), no2=200)  # older than the three hours the map shows
    html = get(client, reverse("urbandata:air")).content.decode()
    assert '<span class="air-chip air-level-0">No recent data</span>' in html
    assert '"colour": "#6b6b6b"' in html
    assert '"level": 0' in html


def test_the_pages_open_in_romanian(client: Client, station: Entity) -> None:
    for url in (
        reverse("urbandata:index"),
        reverse("urbandata:air"),
        reverse("urbandata:air_station", kwargs={"entity_id": STATION_ID}),
    ):
        response = get(client, url, language="ro")
        assert response.status_code == 200, url
        assert '<html lang="ro">' in response.content.decode()
        response = get(client, url, language="en")
        assert response.status_code == 200, url
        assert '<html lang="en">' in response.content.decode()


def test_the_station_page_has_its_index_values_and_charts(client: Client, station: Entity) -> None:
    response = get(client, reverse("urbandata:air_station", kwargs={"entity_id": STATION_ID}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Piața Victoriei</h1>" in html
    assert '<span class="air-chip air-level-4">Poor</span> set by NO₂' in html
    assert '<th scope="row">NO₂</th><td class="num">61.2</td>' in html
    charts = {
        chart_id: json.loads(data)
        for chart_id, data in re.findall(
            r'<script id="(air-[a-z0-9]+)-data" type="application/json">(.*?)</script>', html, re.S
        )
    }
    assert set(charts) == {"air-index", "air-pm25", "air-no2", "air-o3"}
    assert charts["air-index"]["datasets"][0]["data"] == [1, 4]
    assert charts["air-no2"]["datasets"][0]["data"] == [8.0, 61.2]
    assert charts["air-pm25"]["datasets"][0]["data"] == [4.0, 12.0]
    assert "Demo data" not in html


def test_the_30_day_charts_have_daily_means_and_the_worst_hour(
    client: Client, station: Entity
) -> None:
    response = get(
        client, reverse("urbandata:air_station", kwargs={"entity_id": STATION_ID}) + "?period=30d"
    )
    html = response.content.decode()
    charts = dict(
        re.findall(
            r'<script id="(air-[a-z0-9]+)-data" type="application/json">(.*?)</script>', html, re.S
        )
    )
    index = json.loads(charts["air-index"])
    no2 = json.loads(charts["air-no2"])
    zone = timezone.get_current_timezone()
    if _hour(1).astimezone(zone).date() == _hour(2).astimezone(zone).date():
        assert index["datasets"][0]["data"] == [4]
        assert no2["datasets"][0]["data"] == [34.6]
    else:  # the two hours fall on two local days
        assert index["datasets"][0]["data"] == [1, 4]


def test_a_bad_period_is_answered_400_in_the_visitors_language(
    client: Client, station: Entity
) -> None:
    url = reverse("urbandata:air_station", kwargs={"entity_id": STATION_ID}) + "?period=1y"
    response = get(client, url)
    assert response.status_code == 400
    assert "The period must be one of: 24h, 7d, 30d." in response.content.decode()
    csv_url = reverse("urbandata:air_station_csv", kwargs={"entity_id": STATION_ID}) + "?period=x"
    response = get(client, csv_url)
    assert response.status_code == 400
    assert response.content.decode() == "The period must be one of: 24h, 7d, 30d."


def test_another_citys_station_is_404(
    client: Client, station: Entity, botosani: Municipality
) -> None:
    other = station_make(botosani, entity_id="urn:ngsi-ld:AirQualityObserved:bt-01")
    rollups_add(other, _hour(1), pm25=3)
    for name in ("urbandata:air_station", "urbandata:air_station_csv"):
        assert get(client, reverse(name, kwargs={"entity_id": other.entity_id})).status_code == 404
    # A station of another type is not an air-quality station either.
    container = EntityFactory.create(municipality=station.municipality)
    url = reverse("urbandata:air_station", kwargs={"entity_id": container.entity_id})
    assert get(client, url).status_code == 404
    html = get(client, reverse("urbandata:air")).content.decode()
    assert "bt-01" not in html


def test_the_station_csv_gives_each_hour_value_by_value(client: Client, station: Entity) -> None:
    url = reverse("urbandata:air_station_csv", kwargs={"entity_id": STATION_ID})
    response = get(client, url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="air-test-aq-01-24h.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    zone = timezone.get_current_timezone()
    assert rows == [
        [
            "hour_start",
            "pm25_ugm3",
            "pm10_ugm3",
            "no2_ugm3",
            "o3_ugm3",
            "so2_ugm3",
            "eaqi_level",
            "eaqi_band",
            "eaqi_pollutant",
            "is_demo",
        ],
        [
            _hour(2).astimezone(zone).isoformat(),
            "4.0",
            "",
            "8.0",
            "30.0",
            "",
            "1",
            "good",
            "pm25",
            "false",
        ],
        [
            _hour(1).astimezone(zone).isoformat(),
            "12.0",
            "",
            "61.2",
            "40.0",
            "",
            "4",
            "poor",
            "no2",
            "false",
        ],
    ]


def test_the_city_csv_of_a_day_lists_every_station_hour(
    client: Client, station: Entity, timisoara: Municipality
) -> None:
    second = station_make(
        timisoara,
        entity_id="urn:ngsi-ld:AirQualityObserved:test-aq-02",
        name="Iosefin",
        is_demo=True,
    )
    zone = timezone.get_current_timezone()
    day = _hour(1).astimezone(zone).date()
    start = datetime.datetime.combine(day, datetime.time(3), tzinfo=zone).astimezone(datetime.UTC)
    rollups_add(second, start, pm10=46, so2=20)
    response = get(client, reverse("urbandata:air_day_csv") + f"?date={day.isoformat()}")
    assert response.status_code == 200
    assert f'filename="air-timisoara-{day.isoformat()}.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["station_id", "station_name", "latitude", "longitude", "hour_start"]
    iosefin = [row for row in rows if row[0].endswith("test-aq-02")]
    assert iosefin == [
        [
            "urn:ngsi-ld:AirQualityObserved:test-aq-02",
            "Iosefin",
            "45.75370",
            "21.22570",
            start.astimezone(zone).isoformat(),
            "",
            "46.0",
            "",
            "",
            "20.0",
            "3",
            "moderate",
            "pm10",
            "true",
        ]
    ]
    victoriei = [row for row in rows if row[0] == STATION_ID]
    expected = sum(1 for back in (1, 2) if _hour(back).astimezone(zone).date() == day)
    assert len(victoriei) == expected


@pytest.mark.parametrize("date", ["2026-02-30", "yesterday", "1800-01-01"])
def test_a_bad_day_is_refused_with_a_clear_message(
    client: Client, station: Entity, date: str
) -> None:
    response = get(client, reverse("urbandata:air_day_csv") + f"?date={date}")
    assert response.status_code == 400
    assert response.content.decode().startswith("date ")


def test_the_index_page_summarises_air_and_the_public_devices(
    client: Client, station: Entity, timisoara: Municipality
) -> None:
    EntityFactory.create(
        municipality=timisoara,
        attributes={"status": {"type": "Property", "value": "ok"}},
        last_observed_at=_hour(1),
    )
    EntityFactory.create(
        municipality=timisoara, attributes={"status": {"type": "Property", "value": "burning"}}
    )
    EntityFactory.create(
        municipality=timisoara, attributes={"status": {"type": "Property", "value": "ok"}}
    )
    EntityFactory.create(municipality=timisoara, type="Streetlight")  # not public
    response = get(client, reverse("urbandata:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Urban data</h1>" in html
    assert "The worst air in the city now is Poor, because of NO₂." in html
    assert "<h3>Waste containers</h3>" in html
    assert "3 devices" in html
    assert "<li><code>ok</code>: 2</li><li><code>burning</code>: 1</li>" in html
    assert "<h3>Charging stations</h3>" in html
    assert "<h3>Parking spots</h3>" in html
    assert "<h3>Car parks</h3>" in html
    assert "Street lights" not in html
    assert html.count("0 devices") == 3


def test_demo_stations_are_marked_as_demo(client: Client, timisoara: Municipality) -> None:
    entity = station_make(timisoara, is_demo=True)
    rollups_add(entity, _hour(1), pm25=3)
    for url in (
        reverse("urbandata:air"),
        reverse("urbandata:air_station", kwargs={"entity_id": STATION_ID}),
        reverse("urbandata:index"),
    ):
        html = get(client, url).content.decode()
        assert "Demo data:" in html, url


def test_the_sitemap_and_home_map_show_the_stations(
    station: Entity, timisoara: Municipality
) -> None:
    sections = sitemaps(timisoara)
    assert sections["urbandata"].items() == ["urbandata:index", "urbandata:air"]
    stations = sections["urbandata-air-stations"]
    assert [stations.location(item) for item in stations.items()] == [
        f"/urbandata/air/{STATION_ID}/"
    ]
    places = home_map_places(timisoara)
    assert [(place.title, place.url) for place in places] == [
        ("Piața Victoriei", f"/urbandata/air/{STATION_ID}/")
    ]
    assert places[0].description.endswith("Poor")


def test_the_stylesheet_colours_are_the_index_colours() -> None:
    css = (Path(__file__).resolve().parents[1] / "static" / "urbandata" / "air.css").read_text()
    for band in eaqi.BANDS:
        assert (
            f".air-level-{band.level} {{ background: {band.colour}; color: {band.text_colour}; }}"
            in css
        )
    assert (
        f".air-level-0 {{ background: {eaqi.NO_DATA_COLOUR}; color: {eaqi.NO_DATA_TEXT_COLOUR}; }}"
        in css
    )


def test_the_map_and_index_need_as_many_queries_for_many_stations_as_for_one(
    client: Client, station: Entity, timisoara: Municipality
) -> None:
    def queries(url: str) -> int:
        cache.clear()
        local_pages.clear()
        with CaptureQueriesContext(connection) as captured:
            assert get(client, url).status_code == 200
        return len(captured)

    for name in ("urbandata:air", "urbandata:index"):
        url = reverse(name)
        before = queries(url)
        for number in range(2, 8):
            other = station_make(timisoara, entity_id=f"urn:ngsi-ld:AirQualityObserved:n-{number}")
            rollups_add(other, _hour(1), pm25=number, no2=number * 5)
        assert queries(url) == before, name
        Entity.objects.filter(entity_id__startswith="urn:ngsi-ld:AirQualityObserved:n-").delete()
