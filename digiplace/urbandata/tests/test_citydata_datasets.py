"""Urban data's open datasets: the rows of hourly air quality, the daily index and district
heating on hand-made rollups (values, types, window, only the city's own stations), and,
through the open-data engine, a new version after new data, the old one kept."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import pytest
from django.utils import timezone

from digiplace.core.datasets import dataset_spec, datasets_available, registered_datasets
from digiplace.core.models import Municipality
from digiplace.opendata.models import Dataset
from digiplace.opendata.services.generate import dataset_generate
from digiplace.urbandata.datasets import (
    AIR_QUALITY,
    AIR_QUALITY_INDEX,
    DISTRICT_HEATING,
    air_quality_index_rows,
    air_quality_rows,
    heating_rows,
)
from digiplace.urbandata.models import Entity, Rollup, RollupPeriod
from digiplace.urbandata.tests.factories import EntityFactory

pytestmark = pytest.mark.django_db

# 14:20 in Timișoara (UTC+2 in winter): the hour 12:00 UTC is still running.
NOW = datetime.datetime(2026, 1, 15, 12, 20, tzinfo=datetime.UTC)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _short_window(settings: object) -> None:
    settings.OPENDATA_SERIES_DAYS = 3  # type: ignore[attr-defined]


def station_make(municipality: Municipality, number: int, name: str) -> Entity:
    return EntityFactory.create(
        municipality=municipality,
        type="AirQualityObserved",
        entity_id=f"urn:ngsi-ld:AirQualityObserved:test-aq-{number:02d}",
        name=name,
        latitude=45.75 + number / 1000,
        longitude=21.22,
        attributes={},
    )


def rollup_add(
    entity: Entity,
    start: datetime.datetime,
    attribute: str,
    mean: float,
    *,
    period: str = RollupPeriod.HOUR,
    count: int = 4,
) -> None:
    Rollup.objects.create(
        entity=entity,
        attribute=attribute,
        period=period,
        start=start,
        minimum=mean - 1,
        maximum=mean + 1,
        total=mean * count,
        count=count,
    )


def test_the_module_declares_its_three_datasets() -> None:
    assert [spec.slug for spec in registered_datasets("urbandata")] == [
        "urbandata-air-quality",
        "urbandata-air-quality-index",
        "urbandata-district-heating",
    ]
    assert dataset_spec("urbandata-air-quality") is AIR_QUALITY
    assert not AIR_QUALITY.privacy.personal
    assert AIR_QUALITY.geometry == ("latitude", "longitude")
    # More than a spreadsheet's million rows a year: no XLSX.
    assert AIR_QUALITY.formats == ("csv",)


def test_a_city_without_stations_or_substations_publishes_neither(
    botosani: Municipality, timisoara: Municipality
) -> None:
    station_make(timisoara, 1, "Piața Victoriei")

    botosani_slugs = {spec.slug for spec in datasets_available(botosani)}
    timisoara_slugs = {spec.slug for spec in datasets_available(timisoara)}

    assert not botosani_slugs & {"urbandata-air-quality", "urbandata-district-heating"}
    assert {"urbandata-air-quality", "urbandata-air-quality-index"} <= timisoara_slugs
    assert "urbandata-district-heating" not in timisoara_slugs


def test_air_quality_rows_are_the_complete_hours_of_the_window_of_the_citys_stations(
    botosani: Municipality, timisoara: Municipality
) -> None:
    # Given two stations in Timișoara and one in Botoșani, with hours inside the window,
    # before it, the hour still running, and an attribute that is no pollutant
    victoriei = station_make(timisoara, 1, "Piața Victoriei")
    fabric = station_make(timisoara, 2, "Fabric")
    elsewhere = station_make(botosani, 3, "Centru")
    hour = datetime.datetime(2026, 1, 15, 10, tzinfo=datetime.UTC)
    rollup_add(victoriei, hour, "pm25", 12.345)
    rollup_add(victoriei, hour + HOUR, "pm25", 14.0)
    rollup_add(victoriei, hour, "no2", 40.04)
    rollup_add(victoriei, hour, "temperature", 3.0)
    rollup_add(victoriei, hour + 2 * HOUR, "pm25", 99.0)  # 12:00, still running
    rollup_add(victoriei, hour - 3 * DAY, "pm25", 99.0)  # before the 3-day window
    rollup_add(fabric, hour, "o3", 60.0)
    rollup_add(elsewhere, hour, "pm25", 77.0)

    # When its rows are read
    rows = list(air_quality_rows(timisoara, now=NOW))

    # Then each complete hour of each pollutant of the city's stations, in UTC
    assert rows == [
        {
            "station_id": "urn:ngsi-ld:AirQualityObserved:test-aq-01",
            "station_name": "Piața Victoriei",
            "latitude": 45.751,
            "longitude": 21.22,
            "hour": hour,
            "pollutant": "no2",
            "value": 40.0,
            "unit": "µg/m³",
        },
        {
            "station_id": "urn:ngsi-ld:AirQualityObserved:test-aq-01",
            "station_name": "Piața Victoriei",
            "latitude": 45.751,
            "longitude": 21.22,
            "hour": hour,
            "pollutant": "pm25",
            "value": 12.3,
            "unit": "µg/m³",
        },
        {
            "station_id": "urn:ngsi-ld:AirQualityObserved:test-aq-01",
            "station_name": "Piața Victoriei",
            "latitude": 45.751,
            "longitude": 21.22,
            "hour": hour + HOUR,
            "pollutant": "pm25",
            "value": 14.0,
            "unit": "µg/m³",
        },
        {
            "station_id": "urn:ngsi-ld:AirQualityObserved:test-aq-02",
            "station_name": "Fabric",
            "latitude": 45.752,
            "longitude": 21.22,
            "hour": hour,
            "pollutant": "o3",
            "value": 60.0,
            "unit": "µg/m³",
        },
    ]
    assert all(row["hour"].utcoffset() == datetime.timedelta(0) for row in rows)
    # Every declared column, and nothing else
    names = [column.name for column in AIR_QUALITY.columns]
    assert all(list(row) == names for row in rows)
    # The key figures the plain-language page shows
    assert [figure.compute(rows) for figure in AIR_QUALITY.figures] == [2, 13.2, 40.0]


def test_air_quality_index_rows_give_each_days_worst_hour_in_the_citys_time_zone(
    botosani: Municipality, timisoara: Municipality
) -> None:
    station = station_make(timisoara, 1, "Piața Victoriei")
    # 14 January in Timișoara runs from 13 January 22:00 UTC.
    day_start = datetime.datetime(2026, 1, 13, 22, tzinfo=datetime.UTC)
    rollup_add(station, day_start, "pm25", 4.0)  # Good
    rollup_add(station, day_start + 5 * HOUR, "pm25", 20.0)  # Moderate
    rollup_add(station, day_start + 5 * HOUR, "no2", 30.0)  # Moderate
    rollup_add(station, day_start + 9 * HOUR, "no2", 10.0)  # Good
    rollup_add(station, day_start - HOUR, "pm25", 100.0)  # 13 January: Very poor
    rollup_add(station, day_start + DAY + HOUR, "pm25", 200.0)  # today: not complete
    rollup_add(station_make(botosani, 2, "Centru"), day_start, "pm25", 300.0)

    rows = list(air_quality_index_rows(timisoara, now=NOW))

    assert rows == [
        {
            "station_id": "urn:ngsi-ld:AirQualityObserved:test-aq-01",
            "station_name": "Piața Victoriei",
            "latitude": 45.751,
            "longitude": 21.22,
            "day": datetime.date(2026, 1, 13),
            "index_level": 5,
            "index_band": "very_poor",
            "dominant_pollutant": "pm25",
            "pm25": 100.0,
            "pm10": None,
            "no2": None,
            "o3": None,
            "so2": None,
        },
        {
            "station_id": "urn:ngsi-ld:AirQualityObserved:test-aq-01",
            "station_name": "Piața Victoriei",
            "latitude": 45.751,
            "longitude": 21.22,
            "day": datetime.date(2026, 1, 14),
            "index_level": 3,
            "index_band": "moderate",
            "dominant_pollutant": "pm25",
            "pm25": 12.0,
            "pm10": None,
            "no2": 20.0,
            "o3": None,
            "so2": None,
        },
    ]
    assert [figure.compute(rows) for figure in AIR_QUALITY_INDEX.figures] == [1, 0.0, 1]


def test_heating_rows_give_each_substations_day_with_the_heat_supplied(
    botosani: Municipality, timisoara: Municipality
) -> None:
    substation = EntityFactory.create(
        municipality=botosani,
        type="HeatSubstation",
        entity_id="urn:ngsi-ld:HeatSubstation:test-pt-01",
        name="PT 1 Centru",
        latitude=47.75,
        longitude=26.67,
        attributes={},
    )
    other_city = EntityFactory.create(
        municipality=timisoara, type="HeatSubstation", name="PT Fabric", attributes={}
    )
    day = datetime.datetime(2026, 1, 14, tzinfo=datetime.UTC)
    for attribute, mean in {
        "supplyTemperature": 80.0,
        "returnTemperature": 55.5,
        "outdoorTemperature": -3.0,
        "pressure": 6.0,
        "flow": 12.0,
        "heatPower": 150.0,
    }.items():
        rollup_add(substation, day, attribute, mean, period=RollupPeriod.DAY)
    # Two measured hours of heat power: 100 kW and 200 kW make 300 kWh.
    rollup_add(substation, day + 6 * HOUR, "heatPower", 100.0)
    rollup_add(substation, day + 7 * HOUR, "heatPower", 200.0)
    # Today (not complete) and another city's substation are left out.
    rollup_add(substation, day + DAY, "supplyTemperature", 90.0, period=RollupPeriod.DAY)
    rollup_add(other_city, day, "supplyTemperature", 70.0, period=RollupPeriod.DAY)

    rows = list(heating_rows(botosani, now=NOW))

    assert rows == [
        {
            "substation_id": "urn:ngsi-ld:HeatSubstation:test-pt-01",
            "substation_name": "PT 1 Centru",
            "latitude": 47.75,
            "longitude": 26.67,
            "day": datetime.date(2026, 1, 14),
            "supply_temperature": 80.0,
            "return_temperature": 55.5,
            "outdoor_temperature": -3.0,
            "pressure": 6.0,
            "flow": 12.0,
            "heat_power": 150.0,
            "temperature_difference": 24.5,
            "heat_supplied": 300.0,
            "hours_measured": 2,
        }
    ]
    assert [list(row) for row in rows] == [[column.name for column in DISTRICT_HEATING.columns]]
    assert [figure.compute(rows) for figure in DISTRICT_HEATING.figures] == [1, 0.3, 80.0]


def _csv_rows(dataset: Dataset, number: int) -> list[dict[str, str]]:
    version = dataset.versions.get(number=number)
    distribution = version.distributions.get(key="csv")
    with distribution.file.open("rb") as handle:
        return list(csv.DictReader(io.StringIO(handle.read().decode("utf-8"))))


def test_air_quality_regenerates_after_new_readings_keeping_the_old_version(
    timisoara: Municipality, settings: object, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    station = station_make(timisoara, 1, "Piața Victoriei")
    hour = (
        timezone.now().astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)
        - 5 * HOUR
    )
    rollup_add(station, hour, "pm25", 10.0)

    first = dataset_generate(timisoara, AIR_QUALITY)
    unchanged = dataset_generate(timisoara, AIR_QUALITY)
    rollup_add(station, hour + HOUR, "pm25", 20.0)
    second = dataset_generate(timisoara, AIR_QUALITY)

    assert first is not None and first.number == 1
    assert unchanged is None
    assert second is not None and second.number == 2
    dataset = Dataset.objects.get(municipality=timisoara, slug="urbandata-air-quality")
    assert dataset.versions.count() == 2
    assert [row["value"] for row in _csv_rows(dataset, 1)] == ["10.0"]
    assert [row["value"] for row in _csv_rows(dataset, 2)] == ["10.0", "20.0"]
    # CSV only (millions of rows a year); the stations' places are in the rows.
    assert {item.key for item in second.distributions.all()} == {"csv"}
    assert {(row["latitude"], row["longitude"]) for row in _csv_rows(dataset, 2)} == {
        ("45.751", "21.22")
    }
    assert second.privacy_report["personal"] is False
    assert second.row_count == 2
