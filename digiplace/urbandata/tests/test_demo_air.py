"""The air-quality demo: Timișoara's 55 stations inside the city, marked as demo, owned by
the Environment Directorate, 30 days of hourly history with daily cycles; fast; idempotent."""

from __future__ import annotations

import datetime
import io
import statistics
import zoneinfo

import pytest
from django.core.management import call_command
from django.db.models import Count

from digiplace.core.models import Municipality
from digiplace.urbandata.demo import air
from digiplace.urbandata.models import Entity, Reading, Rollup, RollupPeriod

pytestmark = pytest.mark.django_db


def test_the_demo_loads_timisoaras_stations_with_history_once(
    botosani: Municipality, timisoara: Municipality
) -> None:
    lines = air.demo_load(botosani=botosani, timisoara=timisoara)
    assert lines[0].startswith("timisoara: 55 demo air-quality stations")

    stations = list(Entity.objects.filter(municipality=timisoara, type="AirQualityObserved"))
    assert len(stations) == 55
    assert {station.entity_id for station in stations} == {
        f"urn:ngsi-ld:AirQualityObserved:timisoara-aq-{number:02d}" for number in range(1, 56)
    }
    assert all(station.is_demo for station in stations)
    assert {station.department.name_en for station in stations} == {"Environment Directorate"}  # type: ignore[union-attr]
    for station in stations:
        assert station.latitude is not None and station.longitude is not None
        assert timisoara.contains_point(station.latitude, station.longitude)
        assert set(station.attributes) >= {"pm25", "pm10", "no2", "o3", "name"}
    # Spread over the city: no two stations closer than about 150 m.
    points = sorted((s.latitude or 0, s.longitude or 0) for s in stations)
    closest = min(
        ((a[0] - b[0]) ** 2 + ((a[1] - b[1]) * 0.7) ** 2) ** 0.5
        for i, a in enumerate(points)
        for b in points[i + 1 :]
    )
    assert closest > 0.0013
    # Botoșani's plans name no air-quality monitoring.
    assert not Entity.objects.filter(municipality=botosani, type="AirQualityObserved").exists()

    hourly = Rollup.objects.filter(entity__municipality=timisoara, period=RollupPeriod.HOUR)
    per_station = hourly.filter(attribute="no2").values("entity").annotate(hours=Count("pk"))
    # 30 days of history and the current hour, written through ingest and rolled up.
    assert {row["hours"] for row in per_station} == {721}
    assert Rollup.objects.filter(period=RollupPeriod.DAY, entity__municipality=timisoara).exists()
    assert (
        Reading.objects.filter(entity__municipality=timisoara, attribute="so2")
        .values("entity")
        .distinct()
        .count()
        == 11
    )  # every fifth station measures SO2

    counts = (Entity.objects.count(), Reading.objects.count(), Rollup.objects.count())
    again = air.demo_load(botosani=botosani, timisoara=timisoara)
    assert again == ["timisoara: 55 demo air-quality stations already there"]
    assert (Entity.objects.count(), Reading.objects.count(), Rollup.objects.count()) == counts


def test_the_command_runs_the_demo(timisoara: Municipality) -> None:
    output = io.StringIO()
    call_command("urbandata_demo", stdout=output)
    assert "timisoara: 55 demo air-quality stations" in output.getvalue()
    assert (
        Entity.objects.filter(
            municipality=timisoara, is_demo=True, type="AirQualityObserved"
        ).count()
        == 55
    )


def test_the_values_follow_traffic_sun_and_heating_cycles() -> None:
    zone = zoneinfo.ZoneInfo("Europe/Bucharest")

    def mean(pollutant: str, hour: int, month: int = 1) -> float:
        values = []
        for day in range(5, 12):  # weekdays and a weekend, several weather days
            moment = datetime.datetime(2026, month, day, hour, 30, tzinfo=zone)
            for number in range(1, 11):
                randomness = __import__("random").Random(number)
                values.append(
                    air.station_values(
                        number=number, moment=moment, zone=zone, randomness=randomness
                    )[pollutant]
                )
        return statistics.mean(values)

    assert mean("no2", 8) > 1.8 * mean("no2", 3)  # the morning traffic peak
    assert mean("no2", 18) > 1.6 * mean("no2", 13)  # the evening one
    assert mean("o3", 15, month=7) > 2 * mean("o3", 5, month=7)  # the afternoon sun
    assert mean("pm25", 20, month=1) > 2 * mean("pm25", 20, month=7)  # winter evenings
