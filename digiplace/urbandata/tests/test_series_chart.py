"""A chart's JSON from the rollups (``series_chart_json``): one shared time axis in epoch
milliseconds, per entity columns of min / mean / max with nulls in the gaps; built by
PostgreSQL itself there, by Python on SQLite, with the same content."""

from __future__ import annotations

import datetime
import json
import random
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from digiplace.core.models import Municipality
from digiplace.urbandata.models import Entity, Rollup, RollupPeriod
from digiplace.urbandata.selectors.series import (
    series_chart_json,
    series_daily_many,
    series_daily_many_chart_json,
)
from digiplace.urbandata.tests.factories import EntityFactory

UTC = datetime.UTC
DAY_MS = 86_400_000
HOUR_MS = 3_600_000


def at(day: int, hour: int = 0, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def ms(moment: datetime.datetime) -> int:
    return int(moment.timestamp()) * 1000


def rollup_make(
    entity: Entity,
    period: str,
    start: datetime.datetime,
    values: tuple[float, float, float, int],
    attribute: str = "fillingLevel",
) -> None:
    minimum, maximum, total, count = values
    Rollup.objects.create(
        entity=entity,
        attribute=attribute,
        period=period,
        start=start,
        minimum=minimum,
        maximum=maximum,
        total=total,
        count=count,
    )


def chart(**arguments: Any) -> Any:
    """The chart's JSON as built where the test runs, checked equal to Python's build."""
    text = series_chart_json(**arguments)
    parsed = json.loads(text)
    assert parsed == json.loads(series_chart_json(**arguments, in_python=True))
    return parsed


@pytest.fixture
def containers(botosani: Municipality) -> list[Entity]:
    return EntityFactory.create_batch(3, municipality=botosani)


def test_columns_follow_the_shared_axis_with_nulls_in_the_gaps(containers: list[Entity]) -> None:
    first, second, third = containers
    rollup_make(first, "day", at(2), (0.1, 0.6, 1.8, 5))
    rollup_make(first, "day", at(4), (0.2, 0.4, 0.9, 3))
    rollup_make(second, "day", at(3), (0.5, 0.5, 0.5, 1))
    rollup_make(first, "day", at(1), (0.9, 0.9, 0.9, 1))  # before the window
    rollup_make(first, "day", at(5), (0.9, 0.9, 0.9, 1))  # the window's end is excluded
    rollup_make(first, "hour", at(3, 7), (0.9, 0.9, 0.9, 1))  # another period
    rollup_make(second, "day", at(2), (0.9, 0.9, 0.9, 1), attribute="temperature")
    rollup_make(second, "day", at(4), (0.0, 0.0, 0.0, 0))  # no readings: a gap

    arguments: dict[str, Any] = {
        "entities": [third, first, second.pk],
        "attribute": "fillingLevel",
        "start": at(2),
        "end": at(5),
        "period": RollupPeriod.DAY,
    }
    with CaptureQueriesContext(connection) as executed:
        series_chart_json(**arguments)
    body = chart(**arguments)

    assert len(executed.captured_queries) == 1
    assert body == {
        "attribute": "fillingLevel",
        "period": "day",
        "t": [ms(at(2)), ms(at(3)), ms(at(4))],
        "series": [
            {
                "entity": first.pk,
                "min": [0.1, None, 0.2],
                "mean": [0.36, None, 0.3],
                "max": [0.6, None, 0.4],
            },
            {
                "entity": second.pk,
                "min": [None, 0.5, None],
                "mean": [None, 0.5, None],
                "max": [None, 0.5, None],
            },
            # Asked for, without values: all nulls, so that a chart knows it has none.
            {"entity": third.pk, "min": [None] * 3, "mean": [None] * 3, "max": [None] * 3},
        ],
    }


def test_the_axis_starts_at_the_first_period_starting_inside_the_window(
    containers: list[Entity],
) -> None:
    first = containers[0]
    rollup_make(first, "hour", at(2, 9), (1.0, 3.0, 4.0, 2))  # starts before 09:30
    rollup_make(first, "hour", at(2, 10), (2.0, 2.0, 2.0, 1))
    rollup_make(first, "hour", at(2, 12), (5.0, 7.0, 12.0, 2))

    body = chart(entities=[first], attribute="fillingLevel", start=at(2, 9, 30), end=at(2, 12, 1))

    assert body["period"] == "hour"  # chosen by the span
    assert body["t"] == [ms(at(2, 10)), ms(at(2, 11)), ms(at(2, 12))]
    assert [body["t"][1] - body["t"][0], body["t"][2] - body["t"][1]] == [HOUR_MS, HOUR_MS]
    (series,) = body["series"]
    assert series["mean"] == [2.0, None, 6.0]
    assert series["min"] == [2.0, None, 5.0]
    assert series["max"] == [2.0, None, 7.0]


def test_a_long_span_reads_days(containers: list[Entity]) -> None:
    first = containers[0]
    rollup_make(first, "day", at(10), (0.1, 0.3, 0.4, 2))
    rollup_make(first, "hour", at(10, 5), (0.9, 0.9, 0.9, 1))

    start = at(1)
    body = chart(
        entities=[first], attribute="fillingLevel", start=start, end=start + datetime.timedelta(40)
    )

    assert body["period"] == "day"
    assert len(body["t"]) == 40
    assert body["t"][0] == ms(start) and body["t"][-1] == ms(start) + 39 * DAY_MS
    assert body["series"][0]["mean"][9] == 0.2
    assert sum(value is not None for value in body["series"][0]["mean"]) == 1


def test_values_are_rounded_to_the_digits_asked_for(containers: list[Entity]) -> None:
    first = containers[0]
    rollup_make(first, "day", at(2), (0.12345, 0.98765, 2.0, 3))

    three = chart(entities=[first], attribute="fillingLevel", start=at(2), end=at(3), period="day")
    one = chart(
        entities=[first], attribute="fillingLevel", start=at(2), end=at(3), period="day", digits=1
    )

    assert three["series"][0] | {"entity": 0} == {
        "entity": 0,
        "min": [0.123],
        "mean": [0.667],
        "max": [0.988],
    }
    assert [one["series"][0][key] for key in ("min", "mean", "max")] == [[0.1], [0.7], [1.0]]


def test_empty_charts(containers: list[Entity]) -> None:
    first = containers[0]
    rollup_make(first, "day", at(2), (0.1, 0.1, 0.1, 1))

    with CaptureQueriesContext(connection) as executed:
        no_entities = chart(entities=[], attribute="fillingLevel", start=at(2), end=at(4))
        no_time = chart(entities=[first], attribute="fillingLevel", start=at(3), end=at(3))
    assert len(executed.captured_queries) == 0  # nothing to read

    assert no_entities == {
        "attribute": "fillingLevel",
        "period": "hour",
        "t": [ms(at(2)) + hour * HOUR_MS for hour in range(48)],
        "series": [],
    }
    assert no_time == {
        "attribute": "fillingLevel",
        "period": "hour",
        "t": [],
        "series": [{"entity": first.pk, "min": [], "mean": [], "max": []}],
    }
    nothing_in_window = chart(
        entities=[first], attribute="fillingLevel", start=at(5), end=at(7), period="day"
    )
    assert nothing_in_window["series"][0]["mean"] == [None, None]


def test_a_year_of_hours_for_one_entity(containers: list[Entity]) -> None:
    first = containers[0]
    end = at(2)
    start = end - datetime.timedelta(days=365)
    rollup_make(first, "hour", start, (1.0, 1.0, 1.0, 1))
    rollup_make(first, "hour", end - datetime.timedelta(hours=1), (3.0, 5.0, 8.0, 2))
    rollup_make(first, "hour", end, (9.0, 9.0, 9.0, 1))  # past the end

    body = chart(entities=[first.pk], attribute="fillingLevel", start=start, end=end, period="hour")

    assert len(body["t"]) == 365 * 24
    assert body["t"][0] == ms(start) and body["t"][-1] == ms(end) - HOUR_MS
    mean = body["series"][0]["mean"]
    assert mean[0] == 1.0 and mean[-1] == 4.0
    assert mean[1:-1] == [None] * (365 * 24 - 2)


def test_the_last_days_match_series_daily_many(containers: list[Entity]) -> None:
    now = at(10, 15)
    generator = random.Random(11)
    for entity in containers[:2]:
        for day in range(1, 12):
            if generator.random() < 0.7:
                low, high = sorted(generator.random() for _ in range(2))
                rollup_make(entity, "day", at(day), (low, high, (low + high) * 2, 4))

    body = json.loads(
        series_daily_many_chart_json(
            entities=containers, attribute="fillingLevel", days=7, now=now, digits=6
        )
    )
    points = series_daily_many(entities=containers, attribute="fillingLevel", days=7, now=now)

    assert body["t"] == [ms(at(day)) for day in range(4, 11)]
    assert [series["entity"] for series in body["series"]] == sorted(e.pk for e in containers)
    for series in body["series"]:
        expected: list[float | None] = [None] * 7
        for point in points.get(series["entity"], []):
            expected[(ms(point.start) - body["t"][0]) // DAY_MS] = round(point.mean, 6)
        assert series["mean"] == expected


def test_the_database_and_python_builds_agree_on_many_values(containers: list[Entity]) -> None:
    """Ties and long fractions round the same way in SQL and in Python."""
    generator = random.Random(7)
    awkward = [0.0005, 2.675, 1.0005, -0.0004, 1e-9, 123456.78951, 0.1 + 0.2]
    for entity in containers:
        for hour in range(48):
            if generator.random() < 0.2:
                continue
            values = sorted(
                [generator.choice(awkward), generator.uniform(-50, 50), generator.random()]
            )
            rollup_make(
                entity,
                "hour",
                at(2) + datetime.timedelta(hours=hour),
                (values[0], values[2], sum(values), 3),
            )

    for digits in (0, 1, 3):
        body = chart(
            entities=containers, attribute="fillingLevel", start=at(2), end=at(4), digits=digits
        )
        assert len(body["t"]) == 48 and len(body["series"]) == 3


TIMISOARA = "timisoara.localhost"
STATION_ID = "urn:ngsi-ld:AirQualityObserved:chart-01"


def series_get(client: Client, query: str = "", language: str = "en") -> Any:
    url = reverse("urbandata:air_station_series", kwargs={"entity_id": STATION_ID})
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url + query, HTTP_HOST=TIMISOARA, HTTP_ACCEPT_LANGUAGE=language)


@pytest.fixture
def station(timisoara: Municipality) -> Entity:
    return EntityFactory.create(
        municipality=timisoara, type="AirQualityObserved", entity_id=STATION_ID, attributes={}
    )


def test_a_station_series_endpoint_sends_the_chart_json(station: Entity) -> None:
    hour = timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    year_ago = hour - datetime.timedelta(days=365) + datetime.timedelta(hours=1)
    rollup_make(station, "hour", hour, (10.04, 20.06, 30.0, 2), attribute="pm25")
    rollup_make(station, "hour", year_ago, (1.0, 3.0, 4.0, 2), attribute="pm25")
    rollup_make(station, "hour", hour, (5.0, 5.0, 5.0, 1), attribute="no2")
    rollup_make(station, "day", hour.replace(hour=0), (1.0, 30.0, 62.0, 4), attribute="pm25")

    default = series_get(Client())
    year = series_get(Client(), "?days=365&period=hour")
    no2_days = series_get(Client(), "?pollutant=no2&days=40")

    assert default.status_code == 200 and default["Content-Type"] == "application/json"
    body = json.loads(default.content)
    assert body["attribute"] == "pm25" and body["period"] == "hour"  # 30 days: hours
    assert len(body["t"]) == 30 * 24 and body["t"][-1] == ms(hour)
    assert body["series"] == [
        {
            "entity": station.pk,
            "min": [None] * (30 * 24 - 1) + [10.0],
            "mean": [None] * (30 * 24 - 1) + [15.0],
            "max": [None] * (30 * 24 - 1) + [20.1],
        }
    ]
    year_body = json.loads(year.content)
    assert len(year_body["t"]) == 365 * 24 and year_body["t"][0] == ms(year_ago)
    assert year_body["series"][0]["mean"][0] == 2.0
    assert year_body["series"][0]["mean"][-1] == 15.0
    days_body = json.loads(no2_days.content)
    assert days_body["period"] == "day" and days_body["attribute"] == "no2"
    assert set(days_body["series"][0]["mean"]) == {None}  # no daily no2 rollups


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?pollutant=co2", "The pollutant must be one of: pm25, pm10, no2, o3, so2."),
        ("?period=week", "The period must be one of: hour, day."),
        ("?days=367", "days must be a whole number from 1 to 366."),
        ("?days=x", "days must be a whole number written in digits 0-9."),
    ],
)
def test_a_station_series_endpoint_refuses_bad_parameters(
    station: Entity, query: str, message: str
) -> None:
    response = series_get(Client(), query)

    assert response.status_code == 400
    assert response.content.decode() == message


def test_another_citys_station_has_no_series(station: Entity, botosani: Municipality) -> None:
    url = reverse("urbandata:air_station_series", kwargs={"entity_id": STATION_ID})

    response = Client().get(url, HTTP_HOST="botosani.localhost", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
