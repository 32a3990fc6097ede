"""The readings' monthly partitions on PostgreSQL: created ahead, idempotent, rows landing
in their month's partition, a month's rows moved out of the default partition when its
partition comes late; nothing at all on SQLite."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from digiplace.core.models import Municipality
from digiplace.urbandata.models import Entity, Reading
from digiplace.urbandata.services.partitions import (
    partition_create,
    partitions_drop_before,
    partitions_ensure,
    partitions_list,
)
from digiplace.urbandata.tests.factories import EntityFactory

pytestmark = pytest.mark.django_db
PG_REASON = "declarative partitions are PostgreSQL's; SQLite keeps one plain table"


def moment(year: int, month: int, day: int = 1, hour: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=datetime.UTC)


def children() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT child.relname FROM pg_inherits
            JOIN pg_class parent ON parent.oid = pg_inherits.inhparent
            JOIN pg_class child ON child.oid = pg_inherits.inhrelid
            WHERE parent.relname = 'urbandata_reading'
            """
        )
        return {row[0] for row in cursor.fetchall()}


def partition_of(entity: Entity, observed_at: datetime.datetime) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM urbandata_reading"
            " WHERE entity_id = %s AND observed_at = %s",
            [entity.pk, observed_at],
        )
        return str(cursor.fetchone()[0])  # type: ignore[index]


@pytest.fixture
def container(botosani: Municipality) -> Entity:
    return EntityFactory.create(municipality=botosani)


def test_on_sqlite_there_is_nothing_to_do(container: Entity) -> None:
    created = partitions_ensure(today=datetime.date(2026, 5, 15))
    if connection.vendor == "postgresql":
        assert len(created) == 4
    else:
        assert created == []
        assert partitions_list() == {}
        assert partitions_drop_before(cutoff=moment(2030, 1)) == []
    Reading.objects.create(entity=container, attribute="a", observed_at=moment(2026, 5, 2), value=1)
    assert Reading.objects.count() == 1


@pytest.mark.postgresql_only(reason=PG_REASON)
def test_this_month_and_three_ahead_are_created_once() -> None:
    assert children() == {"urbandata_reading_default"}

    created = partitions_ensure(today=datetime.date(2026, 11, 30))

    assert created == [
        "urbandata_reading_p202611",
        "urbandata_reading_p202612",
        "urbandata_reading_p202701",
        "urbandata_reading_p202702",
    ]
    assert children() == {"urbandata_reading_default", *created}
    assert partitions_ensure(today=datetime.date(2026, 11, 30)) == []
    assert partitions_ensure(today=datetime.date(2026, 12, 1), months_ahead=3) == [
        "urbandata_reading_p202703"
    ]
    assert partitions_list()["urbandata_reading_p202701"] == datetime.date(2027, 1, 1)


@pytest.mark.postgresql_only(reason=PG_REASON)
def test_rows_land_in_their_months_partition(container: Entity) -> None:
    partitions_ensure(today=datetime.date(2026, 5, 15), months_ahead=1)
    for observed_at in (moment(2026, 5, 1), moment(2026, 6, 30, 23), moment(2026, 7, 1)):
        Reading.objects.create(entity=container, attribute="a", observed_at=observed_at, value=1)

    assert partition_of(container, moment(2026, 5, 1)) == "urbandata_reading_p202605"
    assert partition_of(container, moment(2026, 6, 30, 23)) == "urbandata_reading_p202606"
    # No partition for July yet: the default one holds it.
    assert partition_of(container, moment(2026, 7, 1)) == "urbandata_reading_default"


@pytest.mark.postgresql_only(reason=PG_REASON)
def test_a_late_partition_takes_its_rows_from_the_default_one(container: Entity) -> None:
    # Readings written before their month had a partition sit in the default one
    Reading.objects.create(entity=container, attribute="a", observed_at=moment(2026, 9, 3), value=1)
    Reading.objects.create(
        entity=container, attribute="a", observed_at=moment(2026, 9, 30, 23), value=2
    )
    Reading.objects.create(entity=container, attribute="a", observed_at=moment(2031, 1, 1), value=3)
    assert partition_of(container, moment(2026, 9, 3)) == "urbandata_reading_default"

    # When September's partition is created
    assert partition_create(month=datetime.date(2026, 9, 1)) is True

    # Then its rows moved there, the others stayed, nothing was lost or doubled
    assert partition_of(container, moment(2026, 9, 3)) == "urbandata_reading_p202609"
    assert partition_of(container, moment(2026, 9, 30, 23)) == "urbandata_reading_p202609"
    assert partition_of(container, moment(2031, 1, 1)) == "urbandata_reading_default"
    assert list(Reading.objects.order_by("value").values_list("value", flat=True)) == [1, 2, 3]
    assert children() == {"urbandata_reading_default", "urbandata_reading_p202609"}
    assert partition_create(month=datetime.date(2026, 9, 1)) is False
    # New rows of September go straight to its partition.
    Reading.objects.create(entity=container, attribute="b", observed_at=moment(2026, 9, 4), value=4)
    assert Reading.objects.filter(attribute="b").get().value == 4


@pytest.mark.postgresql_only(reason=PG_REASON)
def test_partitions_that_end_before_the_cutoff_are_dropped(container: Entity) -> None:
    partitions_ensure(today=datetime.date(2026, 1, 1), months_ahead=2)
    Reading.objects.create(entity=container, attribute="a", observed_at=moment(2026, 1, 5), value=1)
    Reading.objects.create(entity=container, attribute="a", observed_at=moment(2026, 2, 5), value=2)

    # The writes' deferred foreign-key checks done, as when they committed long ago (a
    # table with pending trigger events cannot be dropped in the same transaction).
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    dropped = partitions_drop_before(cutoff=moment(2026, 2, 10))

    assert dropped == ["urbandata_reading_p202601"]
    assert children() == {
        "urbandata_reading_default",
        "urbandata_reading_p202602",
        "urbandata_reading_p202603",
    }
    assert list(Reading.objects.values_list("value", flat=True)) == [2]
