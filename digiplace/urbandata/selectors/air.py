"""Reads of the public air-quality pages: the city's stations, each station's European Air
Quality Index per hour from the hourly rollups (never the raw readings), the current state
for the map, series for the charts, rows for the downloads, and the overview of the city's
public entity types for the module's index page."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Max, Q, QuerySet

from .. import eaqi
from ..models import Entity, Rollup, RollupPeriod
from ..types import ENTITY_TYPES, POLLUTANTS, PUBLIC_TYPES

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from digiplace.core.models import Municipality

STATION_TYPE = "AirQualityObserved"
HOUR = datetime.timedelta(hours=1)
# The map shows a station's latest hour when it is at most this old; older is "no recent data".
CURRENT_WINDOW = datetime.timedelta(hours=3)


@dataclass(frozen=True)
class Period:
    code: str
    hours: int
    # Daily points (the worst hourly index of each day, daily means) instead of hourly ones.
    is_daily: bool


PERIODS: dict[str, Period] = {
    "24h": Period("24h", 24, False),
    "7d": Period("7d", 7 * 24, False),
    "30d": Period("30d", 30 * 24, True),
}
DEFAULT_PERIOD = "24h"


@dataclass
class StationHour:
    """One station's hourly means (µg/m³) for one UTC hour, and the index they give."""

    start: datetime.datetime
    values: dict[str, float] = field(default_factory=dict)

    @property
    def index(self) -> eaqi.AirIndex | None:
        return eaqi.air_index(self.values)


@dataclass(frozen=True)
class StationState:
    """A station on the map: its latest hour (None without recent data)."""

    entity: Entity
    hour: StationHour | None

    @property
    def index(self) -> eaqi.AirIndex | None:
        return self.hour.index if self.hour is not None else None


def air_stations(*, municipality: Municipality) -> QuerySet[Entity]:
    """The city's air-quality stations (a public type: no key needed to see them)."""
    return Entity.objects.filter(municipality=municipality, type=STATION_TYPE).order_by(
        "name", "entity_id"
    )


def station_hours(
    *, entity_pks: Iterable[int], start: datetime.datetime, end: datetime.datetime
) -> dict[int, list[StationHour]]:
    """Each station's hours in [start, end), oldest first, from the hourly rollups."""
    rows = (
        Rollup.objects.filter(
            entity_id__in=list(entity_pks),
            period=RollupPeriod.HOUR,
            attribute__in=POLLUTANTS,
            start__gte=start,
            start__lt=end,
        )
        .order_by("entity_id", "start")
        .values_list("entity_id", "start", "attribute", "total", "count")
    )
    hours: dict[int, dict[datetime.datetime, StationHour]] = defaultdict(dict)
    for entity_pk, hour_start, attribute, total, count in rows:
        if not count:
            continue
        hour = hours[entity_pk].setdefault(hour_start, StationHour(start=hour_start))
        hour.values[attribute] = total / count
    return {pk: list(by_start.values()) for pk, by_start in hours.items()}


def hour_floor(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)


def air_map_states(*, municipality: Municipality, now: datetime.datetime) -> list[StationState]:
    """Every station with its latest hour within ``CURRENT_WINDOW`` of ``now``."""
    stations = list(air_stations(municipality=municipality))
    end = hour_floor(now) + HOUR
    hours = station_hours(
        entity_pks=[station.pk for station in stations], start=end - CURRENT_WINDOW, end=end
    )
    return [
        StationState(entity=station, hour=hours[station.pk][-1] if station.pk in hours else None)
        for station in stations
    ]


def station_state(*, entity: Entity, now: datetime.datetime) -> StationState:
    """One station with its latest hour within ``CURRENT_WINDOW`` of ``now``."""
    end = hour_floor(now) + HOUR
    hours = station_hours(entity_pks=[entity.pk], start=end - CURRENT_WINDOW, end=end)
    return StationState(entity=entity, hour=hours[entity.pk][-1] if entity.pk in hours else None)


@dataclass(frozen=True)
class BandCount:
    band: eaqi.Band
    count: int


@dataclass(frozen=True)
class AirSummary:
    stations: int
    without_data: int
    bands: list[BandCount]
    worst: eaqi.AirIndex | None
    is_demo: bool


def air_summary(states: Sequence[StationState]) -> AirSummary:
    """How many stations are in each band now, and the worst index in the city."""
    counts: dict[int, int] = defaultdict(int)
    worst: eaqi.AirIndex | None = None
    for state in states:
        index = state.index
        if index is None:
            continue
        counts[index.level] += 1
        if worst is None or index.level > worst.level:
            worst = index
    return AirSummary(
        stations=len(states),
        without_data=sum(1 for state in states if state.index is None),
        bands=[BandCount(band=band, count=counts[band.level]) for band in eaqi.BANDS],
        worst=worst,
        is_demo=any(state.entity.is_demo for state in states),
    )


@dataclass(frozen=True)
class SeriesPoint:
    """A point of a station's charts: an hour, or a local day (daily means, worst index)."""

    start: datetime.datetime
    values: dict[str, float]
    index: eaqi.AirIndex | None


def station_series(
    *, entity: Entity, period: Period, now: datetime.datetime, zone: datetime.tzinfo
) -> list[SeriesPoint]:
    """The station's points over the period ending with the current hour."""
    end = hour_floor(now) + HOUR
    if period.is_daily:
        today = now.astimezone(zone).date()
        first_day = today - datetime.timedelta(days=period.hours // 24 - 1)
        start = datetime.datetime.combine(first_day, datetime.time(), tzinfo=zone)
    else:
        start = end - period.hours * HOUR
    hours = station_hours(entity_pks=[entity.pk], start=start, end=end).get(entity.pk, [])
    if not period.is_daily:
        return [
            SeriesPoint(start=hour.start, values=hour.values, index=hour.index) for hour in hours
        ]
    return _daily(hours, zone)


def _daily(hours: Sequence[StationHour], zone: datetime.tzinfo) -> list[SeriesPoint]:
    by_day: dict[datetime.date, list[StationHour]] = defaultdict(list)
    for hour in hours:
        by_day[hour.start.astimezone(zone).date()].append(hour)
    points = []
    for day, day_hours in sorted(by_day.items()):
        sums: dict[str, list[float]] = defaultdict(list)
        worst: eaqi.AirIndex | None = None
        for hour in day_hours:
            for pollutant, value in hour.values.items():
                sums[pollutant].append(value)
            index = hour.index
            if index is not None and (worst is None or index.level > worst.level):
                worst = index
        points.append(
            SeriesPoint(
                start=datetime.datetime.combine(day, datetime.time(), tzinfo=zone),
                values={pollutant: sum(vals) / len(vals) for pollutant, vals in sums.items()},
                index=worst,
            )
        )
    return points


def city_day_hours(
    *, municipality: Municipality, day: datetime.date, zone: datetime.tzinfo
) -> list[tuple[Entity, StationHour]]:
    """Every station's hours of one local day, station by station, for the city's CSV."""
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tzinfo=zone)
    stations = list(air_stations(municipality=municipality))
    hours = station_hours(entity_pks=[station.pk for station in stations], start=start, end=end)
    return [(station, hour) for station in stations for hour in hours.get(station.pk, [])]


@dataclass(frozen=True)
class StatusCount:
    value: str
    count: int


@dataclass(frozen=True)
class TypeOverview:
    """A public entity type on the module's index page: how many, their latest states."""

    name: str
    label_plural: str | Promise
    count: int
    last_observed_at: datetime.datetime | None
    statuses: list[StatusCount]
    is_demo: bool


def public_types_overview(*, municipality: Municipality) -> list[TypeOverview]:
    """The city's public entity types other than air-quality stations (their page is the
    air map), with their count, latest observation and how many are in each status."""
    names = sorted(name for name in PUBLIC_TYPES if name != STATION_TYPE)
    entities = Entity.objects.filter(municipality=municipality, type__in=names)
    totals = {
        row["type"]: row
        for row in entities.values("type").annotate(
            count=Count("pk"),
            last=Max("last_observed_at"),
            demo=Count("pk", filter=Q(is_demo=True)),
        )
    }
    statuses: dict[str, list[StatusCount]] = defaultdict(list)
    for row in (
        entities.exclude(attributes__status__value__isnull=True)
        .values("type", "attributes__status__value")
        .annotate(count=Count("pk"))
        .order_by("type", "-count", "attributes__status__value")
    ):
        statuses[row["type"]].append(
            StatusCount(value=str(row["attributes__status__value"]), count=row["count"])
        )
    return [
        TypeOverview(
            name=name,
            label_plural=ENTITY_TYPES[name].label_plural,
            count=totals[name]["count"] if name in totals else 0,
            last_observed_at=totals[name]["last"] if name in totals else None,
            statuses=statuses.get(name, []),
            is_demo=bool(totals[name]["demo"]) if name in totals else False,
        )
        for name in names
    ]
