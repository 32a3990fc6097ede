"""Hourly and daily rollups (minimum, maximum, total, count) kept up to date incrementally.

The write path marks each (entity, attribute, hour) it wrote a numeric reading into with a
``RollupPending`` row (``rollups_pending_mark``) and enqueues nothing; the periodic job runs
``rollups_refresh`` every minute. A refresh takes pending hours in chunks, recomputes each
hour from the raw readings with one aggregate query per chunk, then each touched day from
its hourly rollups, and deletes the pending rows it took. Recomputing from the source makes
it correct with late and duplicate data and idempotent: running it twice changes nothing.

Hours and days are UTC ones, as NGSI-LD's temporal aggregations count them (``P1D`` periods
from midnight UTC; ``selectors.temporal`` reads these rollups for them), so every day has
24 hours whatever the clocks do.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import Trunc

from digiplace.core.ratelimit import serialise_on

from ..models import Reading, Rollup, RollupPending, RollupPeriod

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
CHUNK_SIZE = 500

Key = tuple[int, str]  # (entity pk, attribute)
PeriodKey = tuple[int, str, datetime.datetime]  # (entity pk, attribute, period start)
Stats = tuple[float, float, float, int]  # minimum, maximum, total, count


@dataclass(frozen=True)
class RefreshResult:
    hours: int
    days: int


def hour_start(moment: datetime.datetime) -> datetime.datetime:
    """The UTC hour ``moment`` falls in."""
    return moment.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)


def day_start(moment: datetime.datetime) -> datetime.datetime:
    """The UTC day ``moment`` falls in."""
    return hour_start(moment).replace(hour=0)


def rollups_pending_mark(*, observations: Iterable[tuple[int, str, datetime.datetime]]) -> int:
    """For the write path, inside its transaction: mark the hours of numeric readings just
    written, given as (entity pk, attribute, observed at); returns how many hours.

    Written as an upsert (``ON CONFLICT DO UPDATE``), not ``DO NOTHING``: a refresh that
    has taken the same hour holds its row, so this waits until that refresh commits and
    then marks the hour again; the reading it could not see is counted by the next one.
    """
    hours = {
        (entity_pk, attribute, hour_start(observed_at))
        for entity_pk, attribute, observed_at in observations
    }
    if not hours:
        return 0
    RollupPending.objects.bulk_create(
        [
            RollupPending(entity_id=entity_pk, attribute=attribute, hour=hour)
            for entity_pk, attribute, hour in sorted(hours)
        ],
        update_conflicts=True,
        unique_fields=["entity", "attribute", "hour"],
        update_fields=["hour"],
    )
    return len(hours)


def rollups_refresh(
    *, chunk_size: int = CHUNK_SIZE, max_chunks: int | None = None
) -> RefreshResult:
    """Bring the rollups of every pending hour (and its day) up to date; returns how many
    hours and days were recomputed. Several refreshes may run at once: each takes pending
    rows nobody else holds (``SKIP LOCKED`` on PostgreSQL; SQLite runs one writer anyway)."""
    hours = days = 0
    chunks = 0
    while max_chunks is None or chunks < max_chunks:
        with transaction.atomic():
            taken = _pending_take(chunk_size)
            if not taken:
                break
            days += _chunk_refresh(taken)
        hours += len(taken)
        chunks += 1
    return RefreshResult(hours=hours, days=days)


def _pending_take(limit: int) -> list[PeriodKey]:
    """Delete up to ``limit`` pending rows and return them, in this transaction.

    Deleting first, in the same statement that locks them, matters on PostgreSQL: a writer
    marking one of these hours meanwhile waits for this transaction and marks it anew, and
    the aggregate that follows (a later statement, a newer snapshot) sees every reading
    committed before it.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                # The rows are chosen once, in a materialised CTE: as "WHERE id IN (SELECT …
                # LIMIT … SKIP LOCKED)" the planner may run the subquery more than once and
                # take more than ``limit`` rows.
                """
                WITH taken AS MATERIALIZED (
                    SELECT id FROM urbandata_rolluppending
                    ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
                )
                DELETE FROM urbandata_rolluppending AS pending USING taken
                WHERE pending.id = taken.id
                RETURNING pending.entity_id, pending.attribute, pending.hour
                """,
                [limit],
            )
            rows = cursor.fetchall()
        return [(row[0], row[1], row[2].astimezone(datetime.UTC)) for row in rows]
    pending = list(
        RollupPending.objects.order_by("id").values_list("id", "entity_id", "attribute", "hour")[
            :limit
        ]
    )
    RollupPending.objects.filter(id__in=[row[0] for row in pending]).delete()
    return [(entity_pk, attribute, hour) for _id, entity_pk, attribute, hour in pending]


def _runs(hours: Sequence[datetime.datetime]) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """Sorted hours as contiguous [start, end) ranges: one condition per run, not per hour."""
    runs: list[tuple[datetime.datetime, datetime.datetime]] = []
    for hour in sorted(set(hours)):
        if runs and runs[-1][1] == hour:
            runs[-1] = (runs[-1][0], hour + HOUR)
        else:
            runs.append((hour, hour + HOUR))
    return runs


def _chunk_refresh(taken: Sequence[PeriodKey]) -> int:
    by_key: dict[Key, list[datetime.datetime]] = defaultdict(list)
    for entity_pk, attribute, hour in taken:
        by_key[(entity_pk, attribute)].append(hour)
    conditions = [
        Q(entity_id=entity_pk, attribute=attribute, observed_at__gte=start, observed_at__lt=end)
        for (entity_pk, attribute), hours in by_key.items()
        for start, end in _runs(hours)
    ]
    rows = (
        Reading.objects.filter(reduce(or_, conditions), value__isnull=False)
        .annotate(period_start=Trunc("observed_at", "hour", tzinfo=datetime.UTC))
        .values("entity_id", "attribute", "period_start")
        .annotate(
            minimum=Min("value"), maximum=Max("value"), total=Sum("value"), count=Count("value")
        )
        .order_by()
    )
    wanted = {(key[0], key[1], hour) for key, hours in by_key.items() for hour in hours}
    computed: dict[PeriodKey, Stats] = {
        (row["entity_id"], row["attribute"], row["period_start"].astimezone(datetime.UTC)): (
            row["minimum"],
            row["maximum"],
            row["total"],
            row["count"],
        )
        for row in rows
    }
    _rollups_store(RollupPeriod.HOUR, wanted, computed)

    # The days those hours fall in, recomputed from the hourly rollups just written.
    days = {(entity_pk, attribute, day_start(hour)) for entity_pk, attribute, hour in wanted}
    # Two refreshes touching hours of one day would each miss the other's uncommitted
    # hours: days are recomputed one refresh at a time, after any other has committed (one
    # lock for all days: a lock per day would cost queries per day, and refreshes rarely
    # overlap).
    serialise_on("urbandata.rollup-days")
    day_conditions = [
        Q(entity_id=entity_pk, attribute=attribute, start__gte=start, start__lt=start + DAY)
        for entity_pk, attribute, start in days
    ]
    hourly = (
        Rollup.objects.filter(reduce(or_, day_conditions), period=RollupPeriod.HOUR)
        .values_list("entity_id", "attribute", "start", "minimum", "maximum", "total", "count")
        .order_by()
    )
    day_totals: dict[PeriodKey, Stats] = {}
    for entity_pk, attribute, start, minimum, maximum, total, count in hourly:
        key = (entity_pk, attribute, day_start(start))
        current = day_totals.get(key)
        day_totals[key] = (
            (minimum, maximum, total, count)
            if current is None
            else (
                min(current[0], minimum),
                max(current[1], maximum),
                current[2] + total,
                current[3] + count,
            )
        )
    _rollups_store(RollupPeriod.DAY, days, day_totals)
    return len(days)


def _rollups_store(
    period: RollupPeriod,
    wanted: set[PeriodKey],
    computed: dict[PeriodKey, Stats],
) -> None:
    """Upsert the computed rollups; remove those of wanted periods left without values."""
    rollups = [
        Rollup(
            entity_id=entity_pk,
            attribute=attribute,
            period=period,
            start=start,
            minimum=minimum,
            maximum=maximum,
            total=total,
            count=count,
        )
        for (entity_pk, attribute, start), (minimum, maximum, total, count) in sorted(
            computed.items()
        )
        if (entity_pk, attribute, start) in wanted
    ]
    if rollups:
        Rollup.objects.bulk_create(
            rollups,
            update_conflicts=True,
            unique_fields=["entity", "attribute", "period", "start"],
            update_fields=["minimum", "maximum", "total", "count"],
        )
    empty = wanted - set(computed)
    if empty:
        Rollup.objects.filter(
            reduce(
                or_,
                (Q(entity_id=e, attribute=a, start=s) for e, a, s in sorted(empty)),
            ),
            period=period,
        ).delete()
