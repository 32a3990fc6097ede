"""What charts and maps read: series from the hourly and daily rollups (never the raw
readings, so a year costs 8,760 hourly rows or 365 daily ones), and the latest values from
the entities' current state.

Rollup hours and days are UTC ones (``services.rollups``); a series of ``[start, end)``
holds the periods that start inside it, oldest first, and only periods with values.
"""

from __future__ import annotations

import datetime
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import BigIntegerField, F, Func, QuerySet
from django.db.models.expressions import Expression

from ..models import Entity, Rollup, RollupPeriod

# Up to this span a chart reads hours (at most 31 × 24 = 744 points), beyond it days.
HOURLY_SPAN_LIMIT = datetime.timedelta(days=31)


class EpochSeconds(Func):
    """A time as whole seconds since 1970 (rollup starts are whole hours).

    Reading the numbers and turning the few distinct ones into datetimes here is many times
    faster than the driver parsing one timestamp per row (14,250 for a 30-day chart of 475
    containers)."""

    output_field = BigIntegerField()

    def __init__(self, expression: Expression | F, **extra: Any) -> None:
        super().__init__(expression, **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::bigint", **extra
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)",
            **extra,
        )


class SeriesPoint(NamedTuple):
    start: datetime.datetime
    minimum: float
    mean: float
    maximum: float
    count: int  # type: ignore[assignment]  # a field named like tuple.count, on purpose


class LatestValue(NamedTuple):
    value: Any
    observed_at: str | None


def series_period_for_span(*, start: datetime.datetime, end: datetime.datetime) -> RollupPeriod:
    """Hours for a span up to a month, days beyond: a chart never draws thousands of points
    unless it asks for them by name."""
    return RollupPeriod.HOUR if end - start <= HOURLY_SPAN_LIMIT else RollupPeriod.DAY


def series_rollup(
    *,
    entity: Entity | int,
    attribute: str,
    start: datetime.datetime,
    end: datetime.datetime,
    period: RollupPeriod | None = None,
) -> list[SeriesPoint]:
    """One entity's attribute over [start, end), from its rollups (``period`` None: chosen
    by the span)."""
    entity_pk = entity if isinstance(entity, int) else entity.pk
    return series_rollup_many(
        entities=[entity_pk], attribute=attribute, start=start, end=end, period=period
    ).get(entity_pk, [])


def series_rollup_many(
    *,
    entities: Iterable[Entity | int],
    attribute: str,
    start: datetime.datetime,
    end: datetime.datetime,
    period: RollupPeriod | None = None,
) -> dict[int, list[SeriesPoint]]:
    """Several entities' series in one query (the 30-day chart of a city's 475 containers),
    keyed by entity pk; an entity without values in the window is absent."""
    pks = [entity if isinstance(entity, int) else entity.pk for entity in entities]
    chosen = period or series_period_for_span(start=start, end=end)
    rows = (
        Rollup.objects.filter(
            entity_id__in=pks,
            attribute=attribute,
            period=chosen,
            start__gte=start,
            start__lt=end,
        )
        .order_by("entity_id", "start")
        .annotate(epoch=EpochSeconds(F("start")))
        .values_list("entity_id", "epoch", "minimum", "maximum", "total", "count")
    )
    starts: dict[int, datetime.datetime] = {}
    series: dict[int, list[SeriesPoint]] = defaultdict(list)
    for entity_pk, epoch, minimum, maximum, total, count in _fetch(rows):
        if not count:
            continue
        period_start = starts.get(epoch)
        if period_start is None:
            period_start = starts[epoch] = datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC)
        # tuple.__new__ skips NamedTuple's Python-level __new__: a third of the loop's time.
        series[entity_pk].append(
            tuple.__new__(SeriesPoint, (period_start, minimum, total / count, maximum, count))
        )
    return dict(series)


def _fetch(queryset: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """The queryset's rows as the database gives them: no per-value converters, and on
    PostgreSQL in binary (numbers are not parsed from text one by one)."""
    sql, params = queryset.query.sql_with_params()
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        started = time.monotonic()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, params, binary=True)
            binary_rows: list[tuple[Any, ...]] = cursor.fetchall()
        # Past Django's cursor: logged by hand, so that query counts (tests, debug) see it.
        if connection.queries_logged:
            connection.queries_log.append(
                {"sql": sql % tuple(params), "time": f"{time.monotonic() - started:.3f}"}
            )
        return binary_rows
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        text_rows: list[tuple[Any, ...]] = cursor.fetchall()
        return text_rows


def series_daily_many(
    *, entities: Iterable[Entity | int], attribute: str, days: int, now: datetime.datetime
) -> dict[int, list[SeriesPoint]]:
    """The last ``days`` whole UTC days up to and including today's, per entity."""
    today = now.astimezone(datetime.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return series_rollup_many(
        entities=entities,
        attribute=attribute,
        start=today - datetime.timedelta(days=days - 1),
        end=today + datetime.timedelta(days=1),
        period=RollupPeriod.DAY,
    )


def latest_values(*, entities: Iterable[Entity], attribute: str) -> dict[int, LatestValue]:
    """Each entity's current value of ``attribute`` (and when it was observed), from the
    entity's state: no query beyond the entities given. Entities without it are absent."""
    latest: dict[int, LatestValue] = {}
    for entity in entities:
        data = (entity.attributes or {}).get(attribute)
        if isinstance(data, dict) and "value" in data:
            latest[entity.pk] = LatestValue(data["value"], data.get("observedAt"))
    return latest
