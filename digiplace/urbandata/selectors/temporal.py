"""Reads of urban data's time series for NGSI-LD's temporal API (ETSI GS CIM 009, clauses
4.5.7 to 4.5.9 and 4.5.19): the instances of attributes in a time window (with ``lastN``),
and aggregated values per period.

Aggregations read the hourly and daily rollups when the question is theirs (periods of
one hour or one day starting on an hour or day boundary, methods a rollup keeps: ``min``,
``max``, ``avg``, ``sum``, ``totalCount``), so that a year of hourly values costs 8,760
rows, never the raw readings behind them. Hours whose rollup is out of date (a
``RollupPending`` row) are recomputed from their raw readings on the fly. Any other
aggregation reads raw readings, up to a bound beyond which the client is asked to narrow
the window (``TooManyResults``).
"""

from __future__ import annotations

import datetime
import math
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from ..errors import NgsiError
from ..models import Reading, Rollup, RollupPending, RollupPeriod
from .series import EpochSeconds

UTC = datetime.UTC
TIMERELS = ("before", "after", "between")
AGGREGATION_METHODS = (
    "totalCount",
    "distinctCount",
    "sum",
    "avg",
    "min",
    "max",
    "stddev",
    "sumsq",
)
# What a rollup row can answer (it keeps minimum, maximum, total and count).
ROLLUP_METHODS = frozenset({"totalCount", "sum", "avg", "min", "max"})
# Raw instances one temporal answer may carry, and raw readings one aggregation may read.
MAX_INSTANCES = 10_000
MAX_AGGREGATED_READINGS = 200_000
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


@dataclass(frozen=True)
class Duration:
    """An ISO 8601 duration: calendar months (years count 12) and an exact time span."""

    months: int = 0
    span: datetime.timedelta = datetime.timedelta(0)

    @classmethod
    def parse(cls, text: str) -> Duration:
        """``P1D``, ``PT1H``, ``P1Y2M``, ``P2W``, ``PT0S``…; ``ValueError`` otherwise."""
        match = _DURATION.match(text.strip())
        if match is None:
            raise ValueError(text)
        parts = {name: value for name, value in match.groupdict().items() if value is not None}
        if "weeks" in parts and len(parts) > 1:
            raise ValueError(text)  # P[n]W stands alone
        months = int(parts.get("years", 0)) * 12 + int(parts.get("months", 0))
        span = datetime.timedelta(
            weeks=int(parts.get("weeks", 0)),
            days=int(parts.get("days", 0)),
            hours=int(parts.get("hours", 0)),
            minutes=int(parts.get("minutes", 0)),
            seconds=float(parts.get("seconds", 0)),
        )
        return cls(months=months, span=span)

    @property
    def is_zero(self) -> bool:
        return self.months == 0 and not self.span

    def after(self, moment: datetime.datetime, count: int = 1) -> datetime.datetime:
        """``moment`` plus ``count`` times this duration (months by the calendar, the day
        clipped to the month's last)."""
        if self.months:
            total = moment.year * 12 + (moment.month - 1) + self.months * count
            year, month = divmod(total, 12)
            month += 1
            last_day = _month_length(year, month)
            moment = moment.replace(year=year, month=month, day=min(moment.day, last_day))
        return moment + self.span * count


def _month_length(year: int, month: int) -> int:
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return (following - datetime.timedelta(days=1)).day


@dataclass(frozen=True)
class TimeWindow:
    """Which observation times a temporal query keeps: ``start`` included, ``end``
    excluded (``timerel=before`` keeps what is before timeAt, ``after`` what is at or
    after it, ``between`` from timeAt to endTimeAt)."""

    start: datetime.datetime | None = None
    end: datetime.datetime | None = None

    @classmethod
    def of(
        cls,
        timerel: str | None,
        time_at: datetime.datetime | None,
        end_time_at: datetime.datetime | None,
    ) -> TimeWindow:
        if timerel == "before":
            return cls(end=time_at)
        if timerel == "after":
            return cls(start=time_at)
        if timerel == "between":
            return cls(start=time_at, end=end_time_at)
        return cls()

    def filter(self, rows: QuerySet[Any], column: str = "observed_at") -> QuerySet[Any]:
        if self.start is not None:
            rows = rows.filter(**{f"{column}__gte": self.start})
        if self.end is not None:
            rows = rows.filter(**{f"{column}__lt": self.end})
        return rows


@dataclass(frozen=True)
class Instance:
    observed_at: datetime.datetime
    value: float | None
    text: str

    @property
    def data(self) -> float | str | None:
        return self.value if self.value is not None else (self.text or None)


# entity pk → attribute → instances in time order
Series = dict[int, dict[str, list[Instance]]]


def _too_many(limit: int) -> NgsiError:
    return NgsiError(
        "TooManyResults",
        _(
            "The request would return more than %(limit)d values: narrow the time window, "
            "ask for lastN, or ask for aggregated values (options=aggregatedValues)."
        )
        % {"limit": limit},
    )


def _readings(
    entity_pks: Collection[int], attributes: Collection[str] | None, window: TimeWindow
) -> QuerySet[Reading]:
    rows = window.filter(Reading.objects.filter(entity_id__in=list(entity_pks)))
    if attributes is not None:
        rows = rows.filter(attribute__in=list(attributes))
    return rows


def instances_read(
    *,
    entity_pks: Collection[int],
    attributes: Collection[str] | None,
    window: TimeWindow,
    last_n: int | None = None,
    limit: int | None = None,
) -> Series:
    """The raw instances of the entities' attributes in the window, oldest first; with
    ``last_n``, only the latest ``last_n`` of each attribute. ``TooManyResults`` beyond
    ``limit`` (``MAX_INSTANCES``) instances in all."""
    limit = MAX_INSTANCES if limit is None else limit
    series: Series = {pk: {} for pk in entity_pks}
    if not entity_pks or (attributes is not None and not attributes):
        return series
    rows = _readings(entity_pks, attributes, window)
    if last_n is not None:
        rows = rows.annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("entity_id"), F("attribute")],
                order_by=F("observed_at").desc(),
            )
        ).filter(rank__lte=last_n)
    fetched = list(
        rows.order_by("entity_id", "attribute", "observed_at").values_list(
            "entity_id", "attribute", "observed_at", "value", "text"
        )[: limit + 1]
    )
    if len(fetched) > limit:
        raise _too_many(limit)
    for entity_pk, attribute, observed_at, value, text in fetched:
        series[entity_pk].setdefault(attribute, []).append(Instance(observed_at, value, text))
    return series


@dataclass
class Aggregate:
    """One period's aggregated values of one attribute."""

    start: datetime.datetime
    end: datetime.datetime
    values: dict[str, float | int] = field(default_factory=dict)


# entity pk → attribute → periods in time order
Aggregates = dict[int, dict[str, list[Aggregate]]]


@dataclass(frozen=True)
class AggregationQuery:
    methods: tuple[str, ...]
    period: Duration
    window: TimeWindow

    @property
    def rollup_period(self) -> RollupPeriod | None:
        """The rollup that answers this query, or None when raw readings must."""
        if not set(self.methods) <= ROLLUP_METHODS or self.period.months:
            return None
        step = {HOUR: RollupPeriod.HOUR, DAY: RollupPeriod.DAY}.get(self.period.span)
        start, end = self.window.start, self.window.end
        if step is None or start is None:
            return None
        for moment in (start, end):
            if moment is not None and not _aligned(moment, step):
                return None
        return step


def _aligned(moment: datetime.datetime, step: RollupPeriod) -> bool:
    moment = moment.astimezone(UTC)
    if moment.minute or moment.second or moment.microsecond:
        return False
    return step == RollupPeriod.HOUR or moment.hour == 0


def aggregates_read(
    *, entity_pks: Collection[int], attributes: Collection[str] | None, query: AggregationQuery
) -> Aggregates:
    """The aggregated values of the entities' attributes, period by period (periods
    without readings are left out). Periods start at the window's start, or at each
    attribute's first reading when the window has none; ``PT0S`` is one period over the
    whole window."""
    if not entity_pks or (attributes is not None and not attributes):
        return {pk: {} for pk in entity_pks}
    step = query.rollup_period
    if step is not None:
        return _aggregates_from_rollups(entity_pks, attributes, query, step)
    return _aggregates_from_readings(entity_pks, attributes, query)


def _period_index(
    query: AggregationQuery, origin: datetime.datetime, moment: datetime.datetime
) -> int:
    period = query.period
    if not period.months:
        return int((moment - origin) / period.span)
    index = int(((moment.year - origin.year) * 12 + moment.month - origin.month) // period.months)
    # The calendar estimate may be one period ahead (an earlier day or time in the month).
    while index > 0 and period.after(origin, index) > moment:
        index -= 1
    while period.after(origin, index + 1) <= moment:
        index += 1
    return index


def _aggregates_from_readings(
    entity_pks: Collection[int], attributes: Collection[str] | None, query: AggregationQuery
) -> Aggregates:
    rows = list(
        _readings(entity_pks, attributes, query.window)
        .order_by("entity_id", "attribute", "observed_at")
        .values_list("entity_id", "attribute", "observed_at", "value", "text")[
            : MAX_AGGREGATED_READINGS + 1
        ]
    )
    if len(rows) > MAX_AGGREGATED_READINGS:
        raise _too_many(MAX_AGGREGATED_READINGS)
    grouped: dict[tuple[int, str], list[Instance]] = defaultdict(list)
    for entity_pk, attribute, observed_at, value, text in rows:
        grouped[(entity_pk, attribute)].append(Instance(observed_at, value, text))
    result: Aggregates = {pk: {} for pk in entity_pks}
    for (entity_pk, attribute), instances in grouped.items():
        origin = query.window.start or instances[0].observed_at
        buckets: dict[int, list[Instance]] = defaultdict(list)
        if query.period.is_zero:
            buckets[0] = instances
        else:
            for instance in instances:
                buckets[_period_index(query, origin, instance.observed_at)].append(instance)
        periods: list[Aggregate] = []
        for index in sorted(buckets):
            if query.period.is_zero:
                start = origin
                end = query.window.end or instances[-1].observed_at
            else:
                start = query.period.after(origin, index)
                end = query.period.after(origin, index + 1)
            periods.append(Aggregate(start, end, _aggregate(buckets[index], query.methods)))
        result[entity_pk][attribute] = periods
    return result


def _aggregate(instances: Sequence[Instance], methods: Iterable[str]) -> dict[str, float | int]:
    numbers = [instance.value for instance in instances if instance.value is not None]
    values: dict[str, float | int] = {}
    for method in methods:
        if method == "totalCount":
            values[method] = len(instances)
        elif method == "distinctCount":
            values[method] = len({instance.data for instance in instances})
        elif not numbers:
            continue  # a text attribute has no sum, mean or spread
        elif method == "sum":
            values[method] = math.fsum(numbers)
        elif method == "avg":
            values[method] = math.fsum(numbers) / len(numbers)
        elif method == "min":
            values[method] = min(numbers)
        elif method == "max":
            values[method] = max(numbers)
        elif method == "sumsq":
            values[method] = math.fsum(number * number for number in numbers)
        elif method == "stddev":
            values[method] = _stddev(numbers)
    return values


def _stddev(numbers: Sequence[float]) -> float:
    """The sample standard deviation (0 for a single value), as PostgreSQL's ``stddev``."""
    if len(numbers) < 2:
        return 0.0
    mean = math.fsum(numbers) / len(numbers)
    return math.sqrt(math.fsum((number - mean) ** 2 for number in numbers) / (len(numbers) - 1))


@dataclass
class _Partial:
    """Minimum, maximum, total and count: what rollups keep and add up."""

    minimum: float
    maximum: float
    total: float
    count: int

    def add(self, other: _Partial) -> None:
        self.minimum = min(self.minimum, other.minimum)
        self.maximum = max(self.maximum, other.maximum)
        self.total += other.total
        self.count += other.count

    def values(self, methods: Iterable[str]) -> dict[str, float | int]:
        answers: dict[str, float | int] = {
            "totalCount": self.count,
            "sum": self.total,
            "avg": self.total / self.count if self.count else 0.0,
            "min": self.minimum,
            "max": self.maximum,
        }
        return {method: answers[method] for method in methods}


def _aggregates_from_rollups(
    entity_pks: Collection[int],
    attributes: Collection[str] | None,
    query: AggregationQuery,
    step: RollupPeriod,
) -> Aggregates:
    window = query.window
    assert window.start is not None  # rollup_period asks for it
    size = HOUR if step == RollupPeriod.HOUR else DAY
    rollups = Rollup.objects.filter(entity_id__in=list(entity_pks), period=step)
    pending = RollupPending.objects.filter(entity_id__in=list(entity_pks))
    if attributes is not None:
        rollups = rollups.filter(attribute__in=list(attributes))
        pending = pending.filter(attribute__in=list(attributes))
    rollups = window.filter(rollups, "start")
    # A pending hour makes its own rollup stale, and its day's (periods are aligned, so
    # the window holds whole hours and days).
    stale = {
        (entity_pk, attribute, _floor(hour, step))
        for entity_pk, attribute, hour in window.filter(pending, "hour").values_list(
            "entity_id", "attribute", "hour"
        )
    }
    partials: dict[tuple[int, str, datetime.datetime], _Partial] = {}
    # Starts read as epoch seconds, each distinct one made a datetime once: a year of
    # hours is 8,760 rows, and the driver's per-row timestamp parsing would cost most.
    starts: dict[int, datetime.datetime] = {}
    rows = rollups.annotate(epoch=EpochSeconds(F("start"))).values_list(
        "entity_id", "attribute", "epoch", "minimum", "maximum", "total", "count"
    )
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    for entity_pk, attribute, epoch, minimum, maximum, total, count in fetched:
        start = starts.get(epoch)
        if start is None:
            start = starts[epoch] = datetime.datetime.fromtimestamp(int(epoch), tz=UTC)
        key = (entity_pk, attribute, start)
        if key not in stale and count:
            partials[key] = _Partial(minimum, maximum, total, count)
    partials.update(_recomputed(stale, size))
    return _periods_from_partials(entity_pks, partials, query, size)


def _floor(moment: datetime.datetime, step: RollupPeriod) -> datetime.datetime:
    moment = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return moment if step == RollupPeriod.HOUR else moment.replace(hour=0)


def _recomputed(
    stale: Collection[tuple[int, str, datetime.datetime]], size: datetime.timedelta
) -> dict[tuple[int, str, datetime.datetime], _Partial]:
    """Minimum, maximum, total and count of each stale period, from its raw readings."""
    if not stale:
        return {}
    condition = Q()
    for entity_pk, attribute, start in stale:
        condition |= Q(
            entity_id=entity_pk,
            attribute=attribute,
            observed_at__gte=start,
            observed_at__lt=start + size,
        )
    partials: dict[tuple[int, str, datetime.datetime], _Partial] = {}
    rows = Reading.objects.filter(condition, value__isnull=False).values_list(
        "entity_id", "attribute", "observed_at", "value"
    )
    for entity_pk, attribute, observed_at, value in rows.iterator(chunk_size=5000):
        if value is None:
            continue
        moment = observed_at.astimezone(UTC)
        start = moment.replace(minute=0, second=0, microsecond=0)
        if size == DAY:
            start = start.replace(hour=0)
        key = (entity_pk, attribute, start)
        one = _Partial(value, value, value, 1)
        if key in partials:
            partials[key].add(one)
        else:
            partials[key] = one
    return partials


def _periods_from_partials(
    entity_pks: Collection[int],
    partials: dict[tuple[int, str, datetime.datetime], _Partial],
    query: AggregationQuery,
    size: datetime.timedelta,
) -> Aggregates:
    result: Aggregates = {pk: {} for pk in entity_pks}
    for entity_pk, attribute, start in sorted(partials):
        result[entity_pk].setdefault(attribute, []).append(
            Aggregate(
                start, start + size, partials[(entity_pk, attribute, start)].values(query.methods)
            )
        )
    return result
