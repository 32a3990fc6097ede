"""The one report search (``selectors.report_search`` with ``ReportFilters``) behind the
public list and map, the staff queue and Open311; and the database's haversine distance,
which must agree with the Python one on PostgreSQL and on SQLite."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from digiplace.core import geo
from digiplace.core.models import Municipality
from digiplace.core.tests.factories import UserFactory
from digiplace.reports import selectors
from digiplace.reports.models import Category, Report, ReportStatus
from digiplace.reports.selectors import Circle, ReportFilters
from digiplace.reports.tests.factories import CategoryFactory, NeighbourhoodFactory, ReportFactory

LATITUDE, LONGITUDE = 47.75, 26.67


@pytest.fixture
def category(botosani: Municipality) -> Category:
    return CategoryFactory.create(municipality=botosani, service_code="pothole", sla_days=10)


def search(municipality: Municipality, **filters: Any) -> list[Report]:
    return list(
        selectors.report_search(municipality=municipality, filters=ReportFilters(**filters))
    )


@pytest.mark.django_db
def test_each_filter_narrows_the_search(
    botosani: Municipality, timisoara: Municipality, category: Category
) -> None:
    now = timezone.now()
    staff = UserFactory.create()
    centre = NeighbourhoodFactory.create(municipality=botosani, slug="centru")
    other_category = CategoryFactory.create(municipality=botosani, service_code="light")
    plain = ReportFactory.create(
        municipality=botosani, category=category, created_at=now - datetime.timedelta(days=3)
    )
    hidden = ReportFactory.create(municipality=botosani, category=category, is_hidden=True)
    fixed = ReportFactory.create(
        municipality=botosani, category=other_category, status=ReportStatus.FIXED
    )
    placed = ReportFactory.create(
        municipality=botosani,
        category=category,
        neighbourhood=centre,
        assigned_to=staff,
        description="Water on the road, about 3 m² wide",
    )
    ReportFactory.create(municipality=timisoara)  # another city's: never found

    assert search(botosani) == [placed, fixed, plain]
    assert search(botosani, include_hidden=True) == [placed, fixed, hidden, plain]
    assert search(botosani, ids=(plain.pk, hidden.pk)) == [plain]
    assert search(botosani, category_codes=("light",)) == [fixed]
    assert search(botosani, category_ids=(category.pk,)) == [placed, plain]
    assert search(botosani, statuses=(ReportStatus.FIXED,)) == [fixed]
    assert search(botosani, neighbourhood_slugs=("centru",)) == [placed]
    assert search(botosani, neighbourhood_ids=(centre.pk,)) == [placed]
    assert search(botosani, department_ids=(other_category.department_id,)) == [fixed]
    assert search(botosani, assigned_to_id=staff.pk) == [placed]
    assert search(botosani, created_to=now - datetime.timedelta(days=1)) == [plain]
    assert search(botosani, created_from=now - datetime.timedelta(days=1)) == [placed, fixed]
    assert search(botosani, text="m²") == [placed]
    assert search(botosani, text=f"#{plain.pk}") == [plain]
    assert search(botosani, text="²") == [placed]  # text, not a number


@pytest.mark.django_db
def test_updated_order_and_overdue_first(botosani: Municipality, category: Category) -> None:
    now = timezone.now()
    late = ReportFactory.create(
        municipality=botosani,
        category=category,
        created_at=now - datetime.timedelta(days=20),
        updated_at=now - datetime.timedelta(days=1),
        expected_at=now - datetime.timedelta(days=10),
    )
    recent = ReportFactory.create(
        municipality=botosani,
        category=category,
        updated_at=now - datetime.timedelta(days=2),
    )
    assert search(botosani, order=selectors.ORDER_UPDATED) == [recent, late]
    assert search(botosani, order=selectors.ORDER_OVERDUE_FIRST) == [late, recent]
    assert search(botosani, is_overdue=True) == [late]
    assert search(botosani, updated_after=now - datetime.timedelta(hours=36)) == [late]


@pytest.mark.django_db
def test_circle_and_box_use_the_same_distance_as_python(
    botosani: Municipality, category: Category
) -> None:
    offsets = [(0.002, 0.0), (0.0, 0.001), (0.0019, 0.0028), (0.0025, 0.0), (-0.03, 0.04)]
    for latitude_offset, longitude_offset in offsets:
        ReportFactory.create(
            municipality=botosani,
            category=category,
            latitude=LATITUDE + latitude_offset,
            longitude=LONGITUDE + longitude_offset,
        )
    circle = Circle(latitude=LATITUDE, longitude=LONGITUDE, radius_metres=250)
    found = selectors.report_search(municipality=botosani, filters=ReportFilters(circle=circle))
    expected = {
        report.pk: geo.distance_metres(LATITUDE, LONGITUDE, report.latitude, report.longitude)
        for report in Report.objects.all()
        if report.latitude is not None and report.longitude is not None
    }
    by_database = {report.pk: report.distance_metres for report in found}  # type: ignore[attr-defined]
    assert sorted(by_database) == sorted(pk for pk, metres in expected.items() if metres <= 250)
    assert len(by_database) == 2
    for pk, metres in by_database.items():
        assert metres == pytest.approx(expected[pk], abs=0.01)

    box = (LATITUDE - 0.001, LONGITUDE - 0.001, LATITUDE + 0.0021, LONGITUDE + 0.0011)
    assert len(search(botosani, bbox=box)) == 2


@pytest.mark.django_db
def test_the_database_distance_holds_at_the_antipode(
    botosani: Municipality, category: Category
) -> None:
    """Rounding pushes the haversine's arcsine argument above 1 there; it is clamped."""
    ReportFactory.create(municipality=botosani, category=category, latitude=-90.0, longitude=0.0)
    circle = Circle(latitude=90.0, longitude=0.0, radius_metres=30_000_000)
    found = [
        report.distance_metres  # type: ignore[attr-defined]
        for report in selectors.report_search(
            municipality=botosani, filters=ReportFilters(circle=circle)
        )
    ]
    assert found == [pytest.approx(geo.distance_metres(90.0, 0.0, -90.0, 0.0), abs=0.01)]


@pytest.mark.django_db
def test_empty_filters_mean_any_and_a_choice_narrows(
    botosani: Municipality, category: Category
) -> None:
    report = ReportFactory.create(
        municipality=botosani, category=category, latitude=LATITUDE, longitude=LONGITUDE
    )

    def search(**filters: Any) -> list[Report]:
        return list(
            selectors.report_search(municipality=botosani, filters=ReportFilters(**filters))
        )

    assert search(category_codes=(), statuses=()) == [report]
    assert search(category_codes=("pothole",)) == [report]
    assert search(category_codes=("other",)) == []
    assert search(statuses=(ReportStatus.FIXED,)) == []
    circle = Circle(latitude=LATITUDE, longitude=LONGITUDE, radius_metres=10)
    assert search(circle=circle) == [report]
