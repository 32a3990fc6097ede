"""Reads of the reports module: nearby reports, filtered lists, timelines, statistics."""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass, replace
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from digiplace.core.geo import bounding_box, distance_expression, distance_metres
from digiplace.core.models import Department, Municipality
from digiplace.core.parsing import ParseError, parse_id

from .models import (
    OPEN_STATUSES,
    Category,
    Report,
    ReportStatus,
    ReportUpdate,
    Supporter,
)

DUPLICATE_RADIUS_METRES = 250
STATISTICS_PERIODS = (30, 90, 365)


def report_list_nearby(
    *,
    municipality: Municipality,
    category: Category,
    latitude: float,
    longitude: float,
    radius_metres: float = DUPLICATE_RADIUS_METRES,
) -> list[Report]:
    """Open, visible reports of ``category`` within the radius, nearest first; each carries
    ``distance_metres``. A bounding box narrows the rows, the haversine distance decides."""
    south, west, north, east = bounding_box(latitude, longitude, radius_metres)
    candidates = Report.objects.filter(
        municipality=municipality,
        category=category,
        status__in=OPEN_STATUSES,
        is_hidden=False,
        latitude__range=(south, north),
        longitude__range=(west, east),
    ).select_related("category")
    nearby = []
    for report in candidates:
        if report.latitude is None or report.longitude is None:
            continue  # the range filter already leaves out reports without a point
        distance = distance_metres(latitude, longitude, report.latitude, report.longitude)
        if distance <= radius_metres:
            report.distance_metres = distance  # type: ignore[attr-defined]
            nearby.append(report)
    nearby.sort(key=lambda report: report.distance_metres)  # type: ignore[attr-defined]
    return nearby


# The columns a list of reports shows (the public list's rows; Report.is_overdue).
REPORT_ROW_FIELDS = (
    "id",
    "municipality_id",
    "category_id",
    "neighbourhood_id",
    "description",
    "status",
    "created_at",
    "expected_at",
)

ORDER_NEWEST = "newest"
ORDER_OVERDUE_FIRST = "overdue_first"
ORDER_UPDATED = "updated"  # oldest update first: polling for changes


@dataclass(frozen=True)
class Circle:
    latitude: float
    longitude: float
    radius_metres: float


@dataclass(frozen=True)
class ReportFilters:
    """What a search of reports asks for, already parsed and checked (see core.parsing).

    Empty tuples and None mean "any". ``ids`` given alone still combine with the others;
    callers that want ids to override (Open311) leave the rest empty."""

    include_hidden: bool = False
    ids: tuple[int, ...] | None = None
    category_codes: tuple[str, ...] = ()
    category_ids: tuple[int, ...] = ()
    statuses: tuple[str, ...] = ()
    neighbourhood_ids: tuple[int, ...] = ()
    neighbourhood_slugs: tuple[str, ...] = ()
    department_ids: tuple[int, ...] = ()
    assigned_to_id: int | None = None
    is_overdue: bool = False
    created_from: datetime.datetime | None = None
    created_to: datetime.datetime | None = None
    updated_after: datetime.datetime | None = None
    bbox: tuple[float, float, float, float] | None = None  # south, west, north, east
    circle: Circle | None = None
    text: str = ""
    order: str = ORDER_NEWEST


def _text_condition(text: str) -> Q:
    """Staff search: ``#123`` is a report number; other text is searched in the report's
    words and the reporter's name and email (a plain number also matches the number)."""
    if text.startswith("#"):
        number = _report_number(text[1:])
        if number is not None:
            return Q(pk=number)
    condition = (
        Q(description__icontains=text)
        | Q(address__icontains=text)
        | Q(reporter_name__icontains=text)
        | Q(reporter_email__icontains=text)
    )
    number = _report_number(text)
    return condition | Q(pk=number) if number is not None else condition


def _report_number(text: str) -> int | None:
    try:
        return parse_id(text, name="q")
    except ParseError:
        return None


def _within_circle(reports: QuerySet[Report], circle: Circle) -> QuerySet[Report]:
    # The bounding box uses the (municipality, latitude, longitude) index; the exact
    # distance then trims its corners.
    south, west, north, east = bounding_box(circle.latitude, circle.longitude, circle.radius_metres)
    return (
        reports.filter(latitude__range=(south, north), longitude__range=(west, east))
        .annotate(distance_metres=distance_expression(circle.latitude, circle.longitude))
        .filter(distance_metres__lte=circle.radius_metres)
    )


def report_search(
    *, municipality: Municipality, filters: ReportFilters, now: datetime.datetime | None = None
) -> QuerySet[Report]:
    """The one search of reports behind the public list and map, the staff queue and
    Open311: the municipality's reports matching ``filters``, in ``filters.order``. Hidden
    reports only with ``include_hidden`` (staff). One query; nothing is prefetched, so that
    callers reading plain rows (``values()``) pay for no join they do not use."""
    now = now or timezone.now()
    reports = Report.objects.filter(municipality=municipality)
    if not filters.include_hidden:
        reports = reports.filter(is_hidden=False)
    if filters.ids is not None:
        reports = reports.filter(pk__in=filters.ids)
    if filters.category_codes:
        reports = reports.filter(category__service_code__in=filters.category_codes)
    if filters.category_ids:
        reports = reports.filter(category_id__in=filters.category_ids)
    if filters.statuses:
        reports = reports.filter(status__in=filters.statuses)
    if filters.neighbourhood_ids:
        reports = reports.filter(neighbourhood_id__in=filters.neighbourhood_ids)
    if filters.neighbourhood_slugs:
        reports = reports.filter(neighbourhood__slug__in=filters.neighbourhood_slugs)
    if filters.department_ids:
        reports = reports.filter(department_id__in=filters.department_ids)
    if filters.assigned_to_id is not None:
        reports = reports.filter(assigned_to_id=filters.assigned_to_id)
    if filters.is_overdue:
        reports = reports.filter(status__in=OPEN_STATUSES, expected_at__lt=now)
    if filters.created_from is not None:
        reports = reports.filter(created_at__gte=filters.created_from)
    if filters.created_to is not None:
        reports = reports.filter(created_at__lte=filters.created_to)
    if filters.updated_after is not None:
        reports = reports.filter(updated_at__gt=filters.updated_after)
    if filters.bbox is not None:
        south, west, north, east = filters.bbox
        reports = reports.filter(latitude__range=(south, north), longitude__range=(west, east))
    if filters.circle is not None:
        reports = _within_circle(reports, filters.circle)
    if filters.text:
        reports = reports.filter(_text_condition(filters.text))
    if filters.order == ORDER_UPDATED:
        return reports.order_by("updated_at", "id")
    if filters.order == ORDER_OVERDUE_FIRST:
        overdue_first = Case(
            When(status__in=OPEN_STATUSES, expected_at__lt=now, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return reports.order_by(
            overdue_first, F("expected_at").asc(nulls_last=True), "-created_at", "-id"
        )
    return reports.order_by("-created_at", "-id")


def report_confirmed_supporters() -> Subquery:
    """The number of a report's confirmed supporters, to annotate a query of reports with
    (its page reads the report and the number in one query)."""
    counted = (
        Supporter.objects.filter(report=OuterRef("pk"), confirmed_at__isnull=False)
        .order_by()
        .values("report")
        .annotate(number=Count("id"))
        .values("number")
    )
    return Subquery(counted, output_field=IntegerField())


def report_timeline(*, report: Report, include_internal: bool = False) -> list[ReportUpdate]:
    """The report's updates, oldest first; internal notes and staff-only entries only for
    staff (``include_internal``)."""
    updates = report.updates.select_related("author").order_by("created_at", "id")
    if not include_internal:
        updates = updates.filter(is_public=True)
    return list(updates)


# Statistics


class Median(Aggregate):
    """PostgreSQL's continuous median of an expression."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _days_to_close() -> Func:
    return Func(
        F("closed_at") - F("created_at"),
        template="EXTRACT(EPOCH FROM %(expressions)s) / 86400.0",
        output_field=FloatField(),
    )


@dataclass(frozen=True)
class PeriodFigures:
    open: int
    closed: int
    median_days_to_close: float | None
    closed_within_sla_share: float | None  # 0..1, None when nothing was closed


@dataclass(frozen=True)
class StatisticsRow:
    key: str
    name: str
    periods: dict[int, PeriodFigures]


def _aggregates(now: datetime.datetime, *, with_median: bool) -> dict[str, Any]:
    aggregates: dict[str, Any] = {}
    for days in STATISTICS_PERIODS:
        in_period = Q(created_at__gte=now - datetime.timedelta(days=days))
        closed = in_period & Q(closed_at__isnull=False) & ~Q(status__in=OPEN_STATUSES)
        aggregates[f"open_{days}"] = Count("id", filter=in_period & Q(status__in=OPEN_STATUSES))
        aggregates[f"closed_{days}"] = Count("id", filter=closed)
        if with_median:
            aggregates[f"median_{days}"] = Median(_days_to_close(), filter=closed)
        aggregates[f"within_sla_{days}"] = Count(
            "id", filter=closed & Q(expected_at__isnull=False, closed_at__lte=F("expected_at"))
        )
    return aggregates


def _figures(row: dict[str, Any] | None) -> dict[int, PeriodFigures]:
    figures = {}
    for days in STATISTICS_PERIODS:
        closed = row[f"closed_{days}"] if row else 0
        median = row[f"median_{days}"] if row else None
        figures[days] = PeriodFigures(
            open=row[f"open_{days}"] if row else 0,
            closed=closed,
            median_days_to_close=round(median, 2) if median is not None else None,
            closed_within_sla_share=(
                round(row[f"within_sla_{days}"] / closed, 4) if row and closed else None
            ),
        )
    return figures


def _medians_add(
    rows: dict[Any, dict[str, Any]], reports: QuerySet[Report], group: str, now: datetime.datetime
) -> None:
    durations: dict[Any, dict[int, list[float]]] = {}
    closed = reports.filter(closed_at__isnull=False).exclude(status__in=OPEN_STATUSES)
    for key, created, closed_at in closed.values_list(group, "created_at", "closed_at"):
        days_to_close = (closed_at - created).total_seconds() / 86400
        for days in STATISTICS_PERIODS:
            if created >= now - datetime.timedelta(days=days):
                durations.setdefault(key, {}).setdefault(days, []).append(days_to_close)
    for key, row in rows.items():
        for days in STATISTICS_PERIODS:
            values = durations.get(key, {}).get(days)
            row[f"median_{days}"] = statistics.median(values) if values else None


def report_statistics(
    *, municipality: Municipality, now: datetime.datetime | None = None
) -> dict[str, list[StatisticsRow]]:
    """Per category and per department, for the reports created in the last 30, 90 and 365
    days: open and closed counts, median days to close and the share closed by the SLA date.
    Hidden reports and those closed as duplicates are left out. Four queries, whatever the
    number of categories, departments or reports."""
    now = now or timezone.now()
    reports = Report.objects.filter(
        municipality=municipality,
        is_hidden=False,
        created_at__gte=now - datetime.timedelta(days=max(STATISTICS_PERIODS)),
    ).exclude(status=ReportStatus.DUPLICATE)
    # PostgreSQL computes the medians itself; elsewhere (SQLite, the embedded default) they
    # are computed here from the closed reports' durations, one more query per grouping.
    in_database = connection.vendor == "postgresql"
    aggregates = _aggregates(now, with_median=in_database)
    by_category = {
        row["category_id"]: row
        for row in reports.order_by().values("category_id").annotate(**aggregates)
    }
    by_department = {
        row["department_id"]: row
        for row in reports.order_by().values("department_id").annotate(**aggregates)
    }
    if not in_database:
        _medians_add(by_category, reports, "category_id", now)
        _medians_add(by_department, reports, "department_id", now)
    categories = [
        StatisticsRow(
            key=category.service_code,
            name=category.name,
            periods=_figures(by_category.get(category.pk)),
        )
        for category in Category.objects.filter(municipality=municipality)
        if category.is_active or category.pk in by_category
    ]
    departments = [
        StatisticsRow(
            key=str(department.pk),
            name=department.name,
            periods=_figures(by_department.get(department.pk)),
        )
        for department in Department.objects.filter(municipality=municipality).order_by("name")
        if department.pk in by_department
    ]
    return {"categories": categories, "departments": departments}


# The public list's filters and the report column each counts.
FACET_COLUMNS = {
    "category": "category_id",
    "status": "status",
    "neighbourhood": "neighbourhood_id",
    "department": "department_id",
}


def _facet_left_out(filters: ReportFilters, facet: str) -> ReportFilters:
    """``filters`` without the filter ``facet`` itself."""
    if facet == "category":
        return replace(filters, category_codes=(), category_ids=())
    if facet == "status":
        return replace(filters, statuses=())
    if facet == "neighbourhood":
        return replace(filters, neighbourhood_ids=(), neighbourhood_slugs=())
    return replace(filters, department_ids=())


@dataclass(frozen=True)
class ReportFacets:
    """How many reports are behind each value of each filter: a filter's counts apply the
    other active filters but not its own (faceted search), so each option says what
    choosing it would show. ``totals``: the reports behind each filter's "All"."""

    counts: dict[str, dict[Any, int]]
    totals: dict[str, int]

    def count(self, facet: str, key: Any) -> int:
        return self.counts[facet].get(key, 0)


def report_facets(*, municipality: Municipality, filters: ReportFilters) -> ReportFacets:
    """The counts behind the public list's filters: one grouped query per filter (four)."""
    counts: dict[str, dict[Any, int]] = {}
    totals: dict[str, int] = {}
    for facet, column in FACET_COLUMNS.items():
        others = _facet_left_out(filters, facet)
        rows = (
            report_search(municipality=municipality, filters=others)
            .order_by()
            .values_list(column)
            .annotate(number=Count("id"))
        )
        counts[facet] = dict(rows)
        totals[facet] = sum(counts[facet].values())
    return ReportFacets(counts=counts, totals=totals)


def report_departments(*, municipality: Municipality) -> list[Department]:
    """The municipality's departments, by name (the public list's department filter)."""
    return list(Department.objects.filter(municipality=municipality).order_by("name"))
