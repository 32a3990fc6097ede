"""Retention of raw readings: past the setting's days they go once their rollups are up
to date, rollups stay; 0 keeps everything; on PostgreSQL old partitions are dropped."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import override_settings

from digiplace.core.models import Municipality
from digiplace.urbandata.models import Entity, Reading, Rollup, RollupPending
from digiplace.urbandata.services import retention
from digiplace.urbandata.services.partitions import partitions_ensure, partitions_list
from digiplace.urbandata.services.rollups import rollups_pending_mark
from digiplace.urbandata.tests.factories import EntityFactory

UTC = datetime.UTC
NOW = datetime.datetime(2026, 6, 15, 12, tzinfo=UTC)


def days_ago(days: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


@pytest.fixture
def container(botosani: Municipality) -> Entity:
    return EntityFactory.create(municipality=botosani)


def write(entity: Entity, observed_at: datetime.datetime, value: float) -> None:
    Reading.objects.create(
        entity=entity, attribute="fillingLevel", observed_at=observed_at, value=value
    )
    rollups_pending_mark(observations=[(entity.pk, "fillingLevel", observed_at)])


@override_settings(URBANDATA_RAW_RETENTION_DAYS=30)
def test_old_readings_go_after_their_rollups_are_made(container: Entity) -> None:
    old, recent = days_ago(31), days_ago(29)
    write(container, old, 0.25)
    write(container, recent, 0.75)

    result = retention.readings_prune(now=NOW)

    assert result.readings == 1
    assert result.cutoff == days_ago(30)
    assert list(Reading.objects.values_list("observed_at", flat=True)) == [recent]
    # The old hour's rollup was made before its reading went, and stays.
    hour = Rollup.objects.get(period="hour", start=old.replace(minute=0))
    assert (hour.minimum, hour.count) == (0.25, 1)
    assert Rollup.objects.filter(period="day").count() == 2
    assert not RollupPending.objects.exists()


@override_settings(URBANDATA_RAW_RETENTION_DAYS=0)
def test_zero_keeps_every_reading(container: Entity) -> None:
    write(container, days_ago(3000), 1.0)

    result = retention.readings_prune(now=NOW)

    assert result == retention.PruneResult()
    assert Reading.objects.count() == 1
    assert RollupPending.objects.count() == 1


def test_an_hour_still_pending_keeps_its_readings(
    container: Entity, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A refresh that could not finish leaves an old hour pending
    monkeypatch.setattr(retention, "rollups_refresh", lambda: None)
    Reading.objects.create(
        entity=container, attribute="fillingLevel", observed_at=days_ago(50), value=1
    )
    write(container, days_ago(40), 2)
    write(container, days_ago(35), 3)

    result = retention.readings_prune(now=NOW, retention_days=30)

    # Only what is older than the earliest pending hour goes.
    assert result.cutoff == days_ago(40).replace(minute=0)
    assert list(Reading.objects.order_by("value").values_list("value", flat=True)) == [2, 3]


@pytest.mark.postgresql_only(reason="whole partitions exist on PostgreSQL only")
@override_settings(URBANDATA_RAW_RETENTION_DAYS=60)
def test_months_past_retention_are_dropped_whole(container: Entity) -> None:
    partitions_ensure(today=datetime.date(2026, 3, 1), months_ahead=4)
    write(container, datetime.datetime(2026, 3, 10, tzinfo=UTC), 1)
    write(container, datetime.datetime(2026, 4, 10, tzinfo=UTC), 2)
    write(container, datetime.datetime(2026, 4, 20, tzinfo=UTC), 3)

    # The writes' deferred foreign-key checks done, as when they committed long ago (a
    # table with pending trigger events cannot be dropped in the same transaction).
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    result = retention.readings_prune(now=NOW)  # cutoff 16 April, 12:00

    assert result.partitions == ["urbandata_reading_p202603"]
    assert result.readings == 1  # 10 April, deleted from April's partition
    assert "urbandata_reading_p202603" not in partitions_list()
    assert list(Reading.objects.values_list("value", flat=True)) == [3]
    assert Rollup.objects.filter(period="hour").count() == 3
    assert connection.vendor == "postgresql"
