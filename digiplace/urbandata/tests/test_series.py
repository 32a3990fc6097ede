"""Chart series read from rollups only: one entity, many entities, the period chosen by the
span, the latest values from the entities' state."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from digiplace.core.models import Municipality
from digiplace.urbandata.models import Entity, Reading, Rollup, RollupPeriod
from digiplace.urbandata.selectors.series import (
    LatestValue,
    SeriesPoint,
    latest_values,
    series_daily_many,
    series_period_for_span,
    series_rollup,
    series_rollup_many,
)
from digiplace.urbandata.tests.factories import EntityFactory

UTC = datetime.UTC


def at(day: int, hour: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, tzinfo=UTC)


def rollup_make(
    entity: Entity, period: str, start: datetime.datetime, values: tuple[float, float, float, int]
) -> None:
    minimum, maximum, total, count = values
    Rollup.objects.create(
        entity=entity,
        attribute="fillingLevel",
        period=period,
        start=start,
        minimum=minimum,
        maximum=maximum,
        total=total,
        count=count,
    )


@pytest.fixture
def containers(botosani: Municipality) -> list[Entity]:
    return EntityFactory.create_batch(3, municipality=botosani)


def test_one_entity_series_holds_the_window_oldest_first(containers: list[Entity]) -> None:
    first = containers[0]
    rollup_make(first, "hour", at(2, 9), (0.2, 0.6, 1.5, 3))
    rollup_make(first, "hour", at(2, 8), (0.1, 0.1, 0.1, 1))
    rollup_make(first, "hour", at(2, 10), (0.5, 0.5, 0.5, 1))  # past the window's end
    rollup_make(first, "day", at(2), (0.1, 0.6, 1.8, 5))  # another period
    rollup_make(containers[1], "hour", at(2, 9), (0.9, 0.9, 0.9, 1))  # another entity
    # A raw reading without a rollup is not read.
    Reading.objects.create(entity=first, attribute="fillingLevel", observed_at=at(2, 8), value=7)

    series = series_rollup(
        entity=first,
        attribute="fillingLevel",
        start=at(2, 8),
        end=at(2, 10),
        period=RollupPeriod.HOUR,
    )

    assert series == [
        SeriesPoint(at(2, 8), 0.1, 0.1, 0.1, 1),
        SeriesPoint(at(2, 9), 0.2, 0.5, 0.6, 3),
    ]


def test_the_period_follows_the_span() -> None:
    assert series_period_for_span(start=at(1), end=at(8)) == RollupPeriod.HOUR
    assert series_period_for_span(start=at(1), end=at(1) + datetime.timedelta(days=31)) == "hour"
    assert series_period_for_span(start=at(1), end=at(1) + datetime.timedelta(days=32)) == "day"


def test_a_long_span_reads_days(containers: list[Entity]) -> None:
    rollup_make(containers[0], "hour", at(2, 9), (0.2, 0.6, 1.2, 3))
    rollup_make(containers[0], "day", at(2), (0.1, 0.6, 3.0, 6))

    series = series_rollup(
        entity=containers[0].pk,
        attribute="fillingLevel",
        start=at(1) - datetime.timedelta(days=300),
        end=at(20),
    )

    assert series == [SeriesPoint(at(2), 0.1, 0.5, 0.6, 6)]


def test_many_entities_in_one_query(containers: list[Entity]) -> None:
    first, second, third = containers
    for day in (1, 2, 3):
        rollup_make(first, "day", at(day), (0.1, 0.4, 0.5, 2))
    rollup_make(second, "day", at(3), (0.5, 0.5, 0.5, 1))

    with CaptureQueriesContext(connection) as queries:
        series = series_daily_many(
            entities=[first, second, third],
            attribute="fillingLevel",
            days=2,
            now=at(3, 15),
        )

    assert len(queries.captured_queries) == 1
    assert sorted(series) == [first.pk, second.pk]
    assert [point.start for point in series[first.pk]] == [at(2), at(3)]
    assert series[second.pk] == [SeriesPoint(at(3), 0.5, 0.5, 0.5, 1)]
    many = series_rollup_many(
        entities=[first.pk],
        attribute="fillingLevel",
        start=at(1),
        end=at(2),
        period=RollupPeriod.DAY,
    )
    assert many == {first.pk: [SeriesPoint(at(1), 0.1, 0.25, 0.4, 2)]}


def test_latest_values_come_from_the_entities_state(botosani: Municipality) -> None:
    full = EntityFactory.create(
        municipality=botosani,
        attributes={
            "fillingLevel": {
                "type": "Property",
                "value": 0.8,
                "observedAt": "2026-03-02T09:00:00Z",
            }
        },
    )
    silent = EntityFactory.create(municipality=botosani, attributes={})
    entities = list(Entity.objects.filter(pk__in=[full.pk, silent.pk]))

    with CaptureQueriesContext(connection) as queries:
        latest = latest_values(entities=entities, attribute="fillingLevel")

    assert not queries.captured_queries
    assert latest == {full.pk: LatestValue(0.8, "2026-03-02T09:00:00Z")}
