"""Reads: nearby reports, filtered lists, timelines and statistics, in a fixed number of
queries."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from digiplace.core.models import Municipality
from digiplace.reports import selectors
from digiplace.reports.models import Category, Report, ReportStatus, UpdateKind
from digiplace.reports.selectors import Circle, PeriodFigures, ReportFilters
from digiplace.reports.tests.factories import (
    CategoryFactory,
    NeighbourhoodFactory,
    ReportFactory,
    ReportUpdateFactory,
)

LATITUDE, LONGITUDE = 47.75, 26.67


@pytest.fixture
def category(botosani: Municipality) -> Category:
    return CategoryFactory.create(municipality=botosani, service_code="pothole", sla_days=10)


@pytest.mark.django_db
def test_nearby_keeps_open_visible_reports_of_the_category_within_250_metres(
    botosani: Municipality, category: Category, django_assert_num_queries: Any
) -> None:
    def at(latitude_offset: float, longitude_offset: float, **fields: Any) -> Any:
        fields.setdefault("category", category)
        return ReportFactory.create(
            municipality=botosani,
            latitude=LATITUDE + latitude_offset,
            longitude=LONGITUDE + longitude_offset,
            **fields,
        )

    near = at(0.002, 0)  # about 222 m north
    nearest = at(0, 0.001)  # about 75 m east
    at(0.0025, 0)  # about 278 m: too far
    at(0.0019, 0.0028)  # inside the box, about 297 m away: too far
    at(0.001, 0, status=ReportStatus.FIXED)
    at(0.001, 0, is_hidden=True)
    at(0.001, 0, category=CategoryFactory.create(municipality=botosani))

    with django_assert_num_queries(1):
        found = selectors.report_list_nearby(
            municipality=botosani, category=category, latitude=LATITUDE, longitude=LONGITUDE
        )

    assert found == [nearest, near]
    assert [round(report.distance_metres) for report in found] == [75, 222]  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_report_search_filters_and_hides_moderated_reports_from_the_public(
    botosani: Municipality, timisoara: Municipality, category: Category
) -> None:
    neighbourhood = NeighbourhoodFactory.create(municipality=botosani, slug="centru")
    now = timezone.now()
    old = ReportFactory.create(
        municipality=botosani, category=category, created_at=now - datetime.timedelta(days=10)
    )
    in_area = ReportFactory.create(
        municipality=botosani, category=category, neighbourhood=neighbourhood
    )
    hidden = ReportFactory.create(municipality=botosani, category=category, is_hidden=True)
    fixed = ReportFactory.create(
        municipality=botosani, category=category, status=ReportStatus.FIXED
    )
    far = ReportFactory.create(
        municipality=botosani, category=category, latitude=LATITUDE + 0.03, longitude=LONGITUDE
    )
    ReportFactory.create(municipality=timisoara)

    def search(**filters: Any) -> list[Report]:
        return list(
            selectors.report_search(municipality=botosani, filters=ReportFilters(**filters))
        )

    public = search()
    staff = search(include_hidden=True)

    assert set(public) == {old, in_area, fixed, far}
    assert hidden in staff
    assert search(neighbourhood_slugs=("centru",)) == [in_area]
    assert search(neighbourhood_ids=(neighbourhood.pk,)) == [in_area]
    assert search(statuses=("fixed",)) == [fixed]
    assert search(created_to=now - datetime.timedelta(days=5)) == [old]
    assert old not in search(updated_after=now - datetime.timedelta(days=1))
    assert search(category_codes=("other",)) == []
    within = search(circle=Circle(latitude=LATITUDE, longitude=LONGITUDE, radius_metres=1000))
    assert far not in within
    assert set(within) == {old, in_area, fixed}
    boxed = search(bbox=(LATITUDE + 0.02, LONGITUDE - 0.01, LATITUDE + 0.04, LONGITUDE + 0.01))
    assert boxed == [far]


@pytest.mark.django_db
def test_public_timeline_leaves_out_internal_notes(
    botosani: Municipality, category: Category
) -> None:
    report = ReportFactory.create(municipality=botosani, category=category)
    response = ReportUpdateFactory.create(municipality=botosani, report=report)
    note = ReportUpdateFactory.create(
        municipality=botosani, report=report, kind=UpdateKind.NOTE, is_public=False
    )

    assert selectors.report_timeline(report=report) == [response]
    assert selectors.report_timeline(report=report, include_internal=True) == [response, note]


@pytest.mark.django_db
def test_statistics_are_exact_with_a_fixed_number_of_queries(
    botosani: Municipality, category: Category, django_assert_num_queries: Any
) -> None:
    # PostgreSQL computes the medians (PERCENTILE_CONT); SQLite has no such function, so
    # they are computed in Python from two more queries. Both must give the same figures.
    queries = 4 if connection.vendor == "postgresql" else 6
    now = timezone.now()

    def report(created_days_ago: int, closed_days_ago: int | None = None, **fields: Any) -> None:
        created = now - datetime.timedelta(days=created_days_ago)
        closed = now - datetime.timedelta(days=closed_days_ago) if closed_days_ago else None
        fields.setdefault("status", ReportStatus.FIXED if closed else ReportStatus.NEW)
        ReportFactory.create(
            municipality=botosani,
            category=category,
            created_at=created,
            closed_at=closed,
            **fields,
        )

    report(5, 3)  # 2 days, within the SLA of 10 days
    report(20, 5)  # 15 days, late
    report(60, 50, status=ReportStatus.UNABLE_TO_FIX)  # 10 days, on the SLA date
    report(2)
    report(200)
    report(1, status=ReportStatus.DUPLICATE)  # left out
    report(1, is_hidden=True)  # left out
    report(400)  # before the longest period
    other = CategoryFactory.create(municipality=botosani)  # no reports: zeros
    ReportFactory.create_batch(
        3, municipality=botosani, category=other, created_at=now - datetime.timedelta(days=500)
    )

    with django_assert_num_queries(queries):
        statistics = selectors.report_statistics(municipality=botosani, now=now)

    # By hand: closed within 30 days took 2 and 15 days (median 8.5, 1 of 2 by the SLA);
    # within 90 and 365 days also the 10-day one (median of 2, 10, 15: 10; 2 of 3 by the SLA).
    by_code = {row.key: row.periods for row in statistics["categories"]}
    assert by_code["pothole"] == {
        30: PeriodFigures(open=1, closed=2, median_days_to_close=8.5, closed_within_sla_share=0.5),
        90: PeriodFigures(
            open=1, closed=3, median_days_to_close=10.0, closed_within_sla_share=0.6667
        ),
        365: PeriodFigures(
            open=2, closed=3, median_days_to_close=10.0, closed_within_sla_share=0.6667
        ),
    }
    assert by_code[other.service_code][365] == PeriodFigures(0, 0, None, None)
    assert [(row.name, row.periods[365].closed) for row in statistics["departments"]] == [
        (category.department.name, 3)  # type: ignore[union-attr]
    ]
