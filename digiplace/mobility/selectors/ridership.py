"""The ridership figures as published (k-anonymity applied, ``core.suppression``) and
as staff see them (raw boardings, and per quarter hour from the taps). Neither ever reads a
tap's hash."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count as DbCount
from django.db.models import QuerySet
from django.utils import timezone

from digiplace.core.suppression import DEFAULT_K, GRAND, Count, protect_line, protect_table

from ..models import CellKind, RidershipCell, Route, Stop, Tap, TapReject, Trip, Validator

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

ROUTE_DAYS = 14
NOTHING = Count(0, 0)


def k_threshold() -> int:
    """The smallest number of riders a published figure may count (setting
    ``MOBILITY_RIDERSHIP_K``, 10 by default)."""
    return max(int(getattr(settings, "MOBILITY_RIDERSHIP_K", DEFAULT_K)), 1)


# A published figure: the number, or None when it is hidden.
Shown = int | None


@dataclass
class StopHourTable:
    hours: list[int]
    # (stop, the hour's figures in ``hours`` order, the stop's day total)
    rows: list[tuple[Stop, list[Shown], Shown]]
    hour_totals: list[Shown]
    total: Shown


@dataclass
class LineRow:
    label: str
    value: Shown


@dataclass
class DayFigures:
    day: datetime.date
    k: int
    stop_hour: StopHourTable
    routes: list[tuple[Route, Shown]]
    routes_total: Shown
    # (route, its trips with their load) for the day.
    trips: list[tuple[Route, list[tuple[Trip, Shown]]]]
    riders: Shown
    transfers: Shown
    hidden: int = 0


def aggregated_days(*, municipality: Municipality) -> QuerySet[RidershipCell]:
    return RidershipCell.objects.filter(municipality=municipality, kind=CellKind.CITY_DAY)


def latest_day(*, municipality: Municipality) -> datetime.date | None:
    cell = aggregated_days(municipality=municipality).order_by("-day").first()
    return cell.day if cell else None


def _cells(municipality: Municipality, day: datetime.date) -> list[RidershipCell]:
    return list(RidershipCell.objects.filter(municipality=municipality, day=day))


def _count(cell: RidershipCell) -> Count:
    return Count(cell.boardings, cell.riders)


def _show(count: Count | None, hidden: bool) -> Shown:
    if count is None:
        return 0
    return None if hidden else count.boardings


@dataclass
class _Day:
    stop_hour: dict[tuple[int, int], Count] = field(default_factory=dict)
    stop_totals: dict[int, Count] = field(default_factory=dict)
    hour_totals: dict[int, Count] = field(default_factory=dict)
    stop_grand: Count = NOTHING
    routes: dict[int, Count] = field(default_factory=dict)
    routes_total: Count = NOTHING
    trips: dict[int, dict[int, Count]] = field(default_factory=dict)
    city: Count = NOTHING
    transfers: int = 0


def _read(cells: list[RidershipCell]) -> _Day:
    data = _Day()
    for cell in cells:
        count = _count(cell)
        if cell.kind == CellKind.STOP_HOUR:
            if cell.stop_id is not None and cell.hour is not None:
                data.stop_hour[(cell.stop_id, cell.hour)] = count
            elif cell.stop_id is not None:
                data.stop_totals[cell.stop_id] = count
            elif cell.hour is not None:
                data.hour_totals[cell.hour] = count
            else:
                data.stop_grand = count
        elif cell.kind == CellKind.ROUTE_DAY:
            if cell.route_id is not None:
                data.routes[cell.route_id] = count
            else:
                data.routes_total = count
        elif cell.kind == CellKind.TRIP_LOAD and cell.trip_id is not None:
            data.trips.setdefault(cell.route_id or 0, {})[cell.trip_id] = count
        elif cell.kind == CellKind.CITY_DAY:
            data.city = count
            data.transfers = cell.transfers
    return data


@dataclass
class Hidden:
    stop_hour: set[tuple[Hashable, ...]]
    routes: set[int]
    routes_total: bool
    trips: dict[int, set[int]]


def day_hidden(data: _Day, k: int) -> Hidden:
    """What is hidden of a day's figures: each table protected on its own, then again with
    the figures the tables share (the day's total; a line's day, total of its trips) hidden
    in both, until nothing changes."""
    force_grand = False
    forced_routes: set[int] = set()
    while True:
        stop_hour = protect_table(
            data.stop_hour,
            data.stop_totals,
            data.hour_totals,
            data.stop_grand,
            k=k,
            forced=[GRAND] if force_grand else [],
        )
        grand_hidden = GRAND in stop_hour
        routes, routes_total = protect_line(
            data.routes,
            data.routes_total,
            k=k,
            forced=forced_routes,
            total_forced=grand_hidden,
        )
        changed = False
        trips: dict[int, set[int]] = {}
        for route_id, loads in data.trips.items():
            route_count = data.routes.get(route_id)
            if not route_id or route_count is None:
                # Trips of no known line: no published total to subtract them from.
                trips[route_id] = {key for key, count in loads.items() if count.riders < k}
                continue
            trips[route_id], route_hidden = protect_line(
                loads, route_count, k=k, total_forced=route_id in routes
            )
            if route_hidden and route_id not in routes:
                forced_routes.add(route_id)
                changed = True
        if routes_total and not grand_hidden and data.stop_grand.boardings > 0:
            force_grand = True
            changed = True
        if not changed:
            return Hidden(stop_hour, routes, routes_total, trips)


def day_figures(*, municipality: Municipality, day: datetime.date, k: int) -> DayFigures:
    """The day's published figures: hidden ones are None."""
    data = _read(_cells(municipality, day))
    hidden = day_hidden(data, k)
    stops = Stop.objects.for_municipality(municipality).in_bulk(list(data.stop_totals))
    hours = sorted(data.hour_totals)
    rows = [
        (
            stops[stop_id],
            [
                _show(
                    data.stop_hour.get((stop_id, hour)),
                    ("cell", stop_id, hour) in hidden.stop_hour,
                )
                for hour in hours
            ],
            _show(data.stop_totals[stop_id], ("row", stop_id) in hidden.stop_hour),
        )
        for stop_id in sorted(data.stop_totals, key=lambda pk: (stops[pk].name, pk))
        if stop_id in stops
    ]
    routes = Route.objects.for_municipality(municipality).in_bulk(list(data.routes))
    trip_rows = []
    for route_id, loads in sorted(data.trips.items(), key=lambda item: str(routes.get(item[0]))):
        if route_id not in routes:
            continue
        trips = Trip.objects.for_municipality(municipality).in_bulk(list(loads))
        trip_rows.append(
            (
                routes[route_id],
                [
                    (trips[trip_id], _show(count, trip_id in hidden.trips.get(route_id, set())))
                    for trip_id, count in sorted(loads.items(), key=lambda i: trips[i[0]].gtfs_id)
                    if trip_id in trips
                ],
            )
        )
    figures = DayFigures(
        day=day,
        k=k,
        stop_hour=StopHourTable(
            hours=hours,
            rows=rows,
            hour_totals=[
                _show(data.hour_totals[hour], ("column", hour) in hidden.stop_hour)
                for hour in hours
            ],
            total=_show(data.stop_grand, GRAND in hidden.stop_hour),
        ),
        routes=[
            (routes[route_id], _show(count, route_id in hidden.routes))
            for route_id, count in sorted(data.routes.items(), key=lambda i: str(routes.get(i[0])))
            if route_id in routes
        ],
        routes_total=_show(data.routes_total, hidden.routes_total),
        trips=trip_rows,
        riders=data.city.riders if data.city.riders >= k else None,
        transfers=data.transfers if data.city.riders >= k and data.transfers >= k else None,
    )
    figures.hidden = (
        len(hidden.stop_hour)
        + len(hidden.routes)
        + sum(len(keys) for keys in hidden.trips.values())
    )
    return figures


def route_days(
    *, municipality: Municipality, until: datetime.date, k: int, days: int = ROUTE_DAYS
) -> tuple[list[datetime.date], list[tuple[Route, list[Shown]]]]:
    """Boardings per line and day over ``days`` days up to ``until``, each day protected
    as on its own page (the same hidden figures)."""
    dates = [until - datetime.timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    per_route: dict[int, dict[datetime.date, Shown]] = defaultdict(dict)
    cells = RidershipCell.objects.filter(municipality=municipality, day__in=dates).order_by("day")
    by_day: dict[datetime.date, list[RidershipCell]] = defaultdict(list)
    for cell in cells:
        by_day[cell.day].append(cell)
    for date, day_cells in by_day.items():
        data = _read(day_cells)
        hidden = day_hidden(data, k)
        for route_id, count in data.routes.items():
            per_route[route_id][date] = _show(count, route_id in hidden.routes)
    routes = Route.objects.for_municipality(municipality).in_bulk(list(per_route))
    return dates, [
        (routes[route_id], [values.get(date, 0) for date in dates])
        for route_id, values in sorted(per_route.items(), key=lambda i: str(routes.get(i[0])))
        if route_id in routes
    ]


# Staff


def validator_list(*, municipality: Municipality) -> QuerySet[Validator]:
    return (
        Validator.objects.for_municipality(municipality)
        .select_related("vehicle", "stop", "device_key")
        .annotate(tap_count=DbCount("taps"))
    )


def validator_get(*, municipality: Municipality, pk: int) -> Validator | None:
    return Validator.objects.for_municipality(municipality).filter(pk=pk).first()


def reject_counts(*, municipality: Municipality, since: datetime.datetime) -> dict[str, int]:
    return dict(
        TapReject.objects.filter(municipality=municipality, received_at__gte=since)
        .values_list("reason")
        .annotate(count=DbCount("id"))
        .values_list("reason", "count")
    )


def recent_rejects(*, municipality: Municipality, limit: int = 20) -> QuerySet[TapReject]:
    return TapReject.objects.filter(municipality=municipality)[:limit]


def quarter_hours(
    *, municipality: Municipality, day: datetime.date
) -> tuple[list[str], list[tuple[Stop, list[int], int]]]:
    """Staff's finer view: boardings per stop and quarter hour of ``day``, from the taps
    (times and stops only; raw counts, staff work with the data)."""
    counts: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for stop_id, tapped_at in Tap.objects.filter(
        municipality=municipality, day=day, stop__isnull=False
    ).values_list("stop_id", "tapped_at"):
        local = timezone.localtime(tapped_at)
        counts[stop_id][local.hour * 4 + local.minute // 15] += 1
    slots = sorted({slot for per_stop in counts.values() for slot in per_stop})
    stops = Stop.objects.for_municipality(municipality).in_bulk(list(counts))
    labels = [f"{slot // 4:02d}:{slot % 4 * 15:02d}" for slot in slots]
    rows = [
        (stops[stop_id], [per_stop.get(slot, 0) for slot in slots], sum(per_stop.values()))
        for stop_id, per_stop in sorted(counts.items(), key=lambda i: str(stops.get(i[0])))
        if stop_id in stops
    ]
    return labels, rows
