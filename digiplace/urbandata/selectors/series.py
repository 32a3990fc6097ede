"""What charts and maps read: series from the hourly and daily rollups (never the raw
readings, so a year costs 8,760 hourly rows or 365 daily ones), and the latest values from
the entities' current state.

Rollup hours and days are UTC ones (``services.rollups``); a series of ``[start, end)``
holds the periods that start inside it, oldest first, and only periods with values.
"""

from __future__ import annotations

import datetime
import json
import math
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


# A chart's JSON, built by PostgreSQL itself (the text passes through Python untouched) and,
# on SQLite, by Python with the same content.
CHART_DIGITS = 3
PERIOD_SECONDS = {RollupPeriod.HOUR: 3600, RollupPeriod.DAY: 86400}

_CHART_SQL = """
WITH found AS MATERIALIZED (
    SELECT entity_id AS entity,
        ((EXTRACT(EPOCH FROM start)::bigint - %(first)s::bigint) / %(step)s::bigint)::int AS slot,
        round(minimum * %(scale)s::float8) / %(scale)s::float8 AS low,
        round(total / count * %(scale)s::float8) / %(scale)s::float8 AS mean,
        round(maximum * %(scale)s::float8) / %(scale)s::float8 AS high
    FROM urbandata_rollup
    WHERE entity_id = ANY(%(pks)s::bigint[]) AND attribute = %(attribute)s
        AND period = %(period)s AND start >= %(start)s AND start < %(end)s AND count > 0
), slots AS (
    SELECT entity, slot FROM unnest(%(pks)s::bigint[]) AS entity
        CROSS JOIN generate_series(0, %(slots)s::int - 1) AS slot
), columns AS (
    SELECT slots.entity,
        array_agg(found.low ORDER BY slots.slot) AS low,
        array_agg(found.mean ORDER BY slots.slot) AS mean,
        array_agg(found.high ORDER BY slots.slot) AS high
    FROM slots LEFT JOIN found ON found.entity = slots.entity AND found.slot = slots.slot
    GROUP BY slots.entity
)
SELECT json_build_object(
    'attribute', %(attribute)s::text,
    'period', %(period)s::text,
    't', (SELECT json_agg((%(first)s::bigint + slot * %(step)s::bigint) * 1000 ORDER BY slot)
        FROM generate_series(0, %(slots)s::int - 1) AS slot),
    'series', (SELECT json_agg(json_build_object(
            'entity', entity, 'min', low, 'mean', mean, 'max', high) ORDER BY entity)
        FROM columns)
)::text
"""


def series_chart_json(
    *,
    entities: Iterable[Entity | int],
    attribute: str,
    start: datetime.datetime,
    end: datetime.datetime,
    period: RollupPeriod | None = None,
    digits: int = CHART_DIGITS,
    in_python: bool = False,
) -> str:
    """The JSON text a chart receives for several entities' ``attribute`` over [start, end),
    from the rollups in one query (``period`` None: chosen by the span)::

        {"attribute": "fillingLevel", "period": "day",
         "t": [1772323200000, 1772409600000, ...],
         "series": [{"entity": 12, "min": [0.1, null, ...], "mean": [...], "max": [...]}]}

    ``t`` is the shared time axis: the start of every UTC hour or day that starts inside the
    window, oldest first, in milliseconds since 1970 (what ``new Date(ms)`` takes), gaps
    included. ``series`` has one entry per entity asked for, by ascending pk, even without
    any value; its ``min``, ``mean`` and ``max`` run along ``t``, ``null`` where the period
    has no rollup (or one of no readings). Values are rounded to ``digits`` decimals, half
    to even on the binary value (``round(x * 10**digits) / 10**digits`` in both databases).

    On PostgreSQL the database builds the text and Python returns it untouched; elsewhere
    Python builds it from the same rows: the same JSON value (keys, order, numbers), not
    necessarily the same bytes (whitespace; ``1`` against ``1.0``). ``in_python`` builds it
    in Python on PostgreSQL too (the tests compare the two)."""
    pks = sorted({entity if isinstance(entity, int) else entity.pk for entity in entities})
    chosen = RollupPeriod(period or series_period_for_span(start=start, end=end))
    step = PERIOD_SECONDS[chosen]
    first = math.ceil(start.timestamp() / step) * step  # the first period starting inside
    slots = max(0, math.ceil((end.timestamp() - first) / step))
    if not pks or not slots:
        return _chart_text(attribute, chosen, first, step, slots, pks, [], digits)
    if connection.vendor == "postgresql" and not in_python:
        with connection.cursor() as cursor:
            cursor.execute(
                _CHART_SQL,
                {
                    "pks": pks,
                    "attribute": attribute,
                    "period": chosen.value,
                    "start": start,
                    "end": end,
                    "first": first,
                    "step": step,
                    "slots": slots,
                    "scale": float(10**digits),
                },
            )
            text: str = cursor.fetchone()[0]
            return text
    rows = _fetch(
        Rollup.objects.filter(
            entity_id__in=pks,
            attribute=attribute,
            period=chosen,
            start__gte=start,
            start__lt=end,
            count__gt=0,
        )
        .annotate(epoch=EpochSeconds(F("start")))
        .values_list("entity_id", "epoch", "minimum", "maximum", "total", "count")
    )
    return _chart_text(attribute, chosen, first, step, slots, pks, rows, digits)


def _chart_text(
    attribute: str,
    period: RollupPeriod,
    first: int,
    step: int,
    slots: int,
    pks: list[int],
    rows: Iterable[tuple[Any, ...]],
    digits: int,
) -> str:
    """``series_chart_json``'s text built in Python from rollup rows (entity pk, start in
    epoch seconds, minimum, maximum, total, count)."""
    scale = float(10**digits)
    columns = {pk: ([None] * slots, [None] * slots, [None] * slots) for pk in pks}
    for entity_pk, epoch, minimum, maximum, total, count in rows:
        low, mean, high = columns[entity_pk]
        slot = (epoch - first) // step
        low[slot] = round(minimum * scale) / scale
        mean[slot] = round(total / count * scale) / scale
        high[slot] = round(maximum * scale) / scale
    return json.dumps(
        {
            "attribute": attribute,
            "period": period.value,
            "t": [(first + slot * step) * 1000 for slot in range(slots)],
            "series": [
                {"entity": pk, "min": low, "mean": mean, "max": high}
                for pk, (low, mean, high) in columns.items()
            ],
        },
        separators=(",", ":"),
    )


def series_daily_many_chart_json(
    *,
    entities: Iterable[Entity | int],
    attribute: str,
    days: int,
    now: datetime.datetime,
    digits: int = CHART_DIGITS,
) -> str:
    """``series_chart_json`` of the last ``days`` whole UTC days up to and including
    today's (``series_daily_many``'s window)."""
    today = now.astimezone(datetime.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return series_chart_json(
        entities=entities,
        attribute=attribute,
        start=today - datetime.timedelta(days=days - 1),
        end=today + datetime.timedelta(days=1),
        period=RollupPeriod.DAY,
        digits=digits,
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
