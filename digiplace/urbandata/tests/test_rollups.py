"""Rollups kept up to date from pending hours: values checked against sums done by hand,
late and duplicate data, text readings, local days, chunks, idempotence."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

import pytest

from digiplace.core.models import Municipality
from digiplace.urbandata.models import Entity, Reading, Rollup, RollupPending, RollupPeriod
from digiplace.urbandata.services.rollups import (
    day_start,
    rollups_pending_mark,
    rollups_refresh,
)
from digiplace.urbandata.tests.factories import EntityFactory

UTC = datetime.UTC


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 1, day, hour, minute, tzinfo=UTC)


def readings_write(
    entity: Entity, attribute: str, points: Sequence[tuple[datetime.datetime, float | None]]
) -> None:
    """What the write path does: store the readings, mark their hours pending."""
    Reading.objects.bulk_create(
        [
            Reading(entity=entity, attribute=attribute, observed_at=moment, value=value)
            for moment, value in points
        ],
        ignore_conflicts=True,
    )
    rollups_pending_mark(
        observations=[
            (entity.pk, attribute, moment) for moment, value in points if value is not None
        ]
    )


def rollup(
    entity: Entity, period: str, start: datetime.datetime, attribute: str = "fillingLevel"
) -> tuple[float, float, float, int]:
    row = Rollup.objects.get(entity=entity, attribute=attribute, period=period, start=start)
    return (row.minimum, row.maximum, row.total, row.count)


@pytest.fixture
def container(botosani: Municipality) -> Entity:
    return EntityFactory.create(municipality=botosani)


def test_hours_and_their_day_are_computed_from_the_readings(container: Entity) -> None:
    # Given readings in two hours of 5 January
    readings_write(
        container,
        "fillingLevel",
        [(at(5, 8, 0), 0.2), (at(5, 8, 20), 0.3), (at(5, 8, 40), 0.1), (at(5, 9, 10), 0.5)],
    )
    assert RollupPending.objects.count() == 2

    # When the rollups are refreshed
    result = rollups_refresh()

    # Then each hour holds its minimum, maximum, total and count, the day both hours
    assert (result.hours, result.days) == (2, 1)
    minimum, maximum, total, count = rollup(container, "hour", at(5, 8))
    assert (minimum, maximum, count) == (0.1, 0.3, 3)
    assert total == pytest.approx(0.6)
    assert rollup(container, "hour", at(5, 9)) == (0.5, 0.5, 0.5, 1)
    minimum, maximum, total, count = rollup(container, "day", at(5, 0))
    assert (minimum, maximum, count) == (0.1, 0.5, 4)
    assert total == pytest.approx(1.1)
    assert Rollup.objects.get(period="day").mean == pytest.approx(1.1 / 4)
    assert not RollupPending.objects.exists()


def test_a_late_reading_updates_its_hour_and_day(container: Entity) -> None:
    readings_write(container, "fillingLevel", [(at(5, 8, 0), 0.2), (at(5, 10, 0), 0.6)])
    rollups_refresh()

    # A reading of 08:30 arrives after the hour was rolled up
    readings_write(container, "fillingLevel", [(at(5, 8, 30), 0.9)])
    result = rollups_refresh()

    assert (result.hours, result.days) == (1, 1)
    assert rollup(container, "hour", at(5, 8)) == (0.2, 0.9, pytest.approx(1.1), 2)
    assert rollup(container, "hour", at(5, 10)) == (0.6, 0.6, 0.6, 1)
    assert rollup(container, "day", at(5, 0)) == (0.2, 0.9, pytest.approx(1.7), 3)


def test_duplicates_and_repeated_refreshes_change_nothing(container: Entity) -> None:
    points = [(at(5, 8, 0), 0.2), (at(5, 8, 30), 0.4)]
    readings_write(container, "fillingLevel", points)
    rollups_refresh()
    before = list(Rollup.objects.order_by("period", "start").values())

    # The same observations sent again (an MQTT redelivery) and a refresh run twice
    readings_write(container, "fillingLevel", points)
    rollups_pending_mark(observations=[(container.pk, "fillingLevel", at(5, 8, 59))])
    rollups_refresh()
    rollups_refresh()

    assert list(Rollup.objects.order_by("period", "start").values()) == before
    assert rollup(container, "hour", at(5, 8)) == (0.2, 0.4, pytest.approx(0.6), 2)


def test_text_readings_and_other_attributes_are_kept_apart(container: Entity) -> None:
    readings_write(container, "fillingLevel", [(at(5, 8, 0), 0.2)])
    readings_write(container, "temperature", [(at(5, 8, 5), 21.5), (at(5, 8, 6), 23.5)])
    Reading.objects.create(
        entity=container, attribute="status", observed_at=at(5, 8, 7), value=None, text="burning"
    )
    rollups_pending_mark(observations=[(container.pk, "status", at(5, 8, 7))])

    rollups_refresh()

    assert rollup(container, "hour", at(5, 8)) == (0.2, 0.2, 0.2, 1)
    assert rollup(container, "hour", at(5, 8), attribute="temperature") == (21.5, 23.5, 45.0, 2)
    assert not Rollup.objects.filter(attribute="status").exists()


def test_readings_either_side_of_midnight_utc_fall_in_two_days(container: Entity) -> None:
    # Days are UTC days, as NGSI-LD's temporal aggregation (P1D) counts them.
    readings_write(container, "fillingLevel", [(at(10, 23, 30), 0.3), (at(11, 0, 30), 0.7)])

    result = rollups_refresh()

    assert result.days == 2
    assert day_start(at(10, 23, 30)) == at(10, 0)
    assert rollup(container, "day", at(10, 0)) == (0.3, 0.3, 0.3, 1)
    assert rollup(container, "day", at(11, 0)) == (0.7, 0.7, 0.7, 1)


def test_an_hour_left_without_readings_loses_its_rollup(container: Entity) -> None:
    readings_write(container, "fillingLevel", [(at(5, 8, 0), 0.2), (at(5, 9, 0), 0.4)])
    rollups_refresh()

    Reading.objects.filter(observed_at=at(5, 8, 0)).delete()
    rollups_pending_mark(observations=[(container.pk, "fillingLevel", at(5, 8, 0))])
    rollups_refresh()

    assert not Rollup.objects.filter(period="hour", start=at(5, 8)).exists()
    assert rollup(container, "day", at(5, 0)) == (0.4, 0.4, 0.4, 1)


def test_small_chunks_process_everything_and_sparse_hours_stay_exact(
    container: Entity, botosani: Municipality
) -> None:
    other = EntityFactory.create(municipality=botosani)
    readings_write(container, "fillingLevel", [(at(1, 0, 5), 0.1), (at(20, 23, 5), 0.9)])
    readings_write(other, "fillingLevel", [(at(3, 3, 3), 0.5)])
    # A reading in an hour nobody marked stays out of the rollups until it is marked.
    Reading.objects.create(
        entity=container, attribute="fillingLevel", observed_at=at(10, 5), value=1.0
    )

    result = rollups_refresh(chunk_size=1)

    assert result.hours == 3
    assert Rollup.objects.filter(period=RollupPeriod.HOUR).count() == 3
    assert not Rollup.objects.filter(start=at(10, 5)).exists()
    assert rollup(other, "hour", at(3, 3)) == (0.5, 0.5, 0.5, 1)


def test_max_chunks_leaves_the_rest_pending(container: Entity) -> None:
    readings_write(container, "fillingLevel", [(at(5, hour), 0.1 * hour) for hour in range(6)])

    result = rollups_refresh(chunk_size=2, max_chunks=2)

    assert result.hours == 4
    assert RollupPending.objects.count() == 2


def test_the_task_runs_the_refresh(container: Entity) -> None:
    from digiplace.urbandata.tasks_series import rollups_refresh as rollups_refresh_task

    readings_write(container, "fillingLevel", [(at(5, 8, 0), 0.2)])

    result = rollups_refresh_task.enqueue()

    assert result.return_value == 1
    assert rollup(container, "hour", at(5, 8)) == (0.2, 0.2, 0.2, 1)
