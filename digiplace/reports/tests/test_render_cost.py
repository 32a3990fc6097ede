"""What the public reports pages cost to render without the page cache (issue #9): their
queries do not grow with the data, figures are worked out once per change and are fresh
after each write, and the map's data is compact GeoJSON clustered on the server."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from digiplace.core.models import Municipality
from digiplace.reports import precomputed
from digiplace.reports.models import Category, Report, ReportStatus
from digiplace.reports.tests.factories import (
    CategoryFactory,
    NeighbourhoodFactory,
    ReportFactory,
    ReportPhotoFactory,
    ReportUpdateFactory,
)

BOTOSANI = "botosani.localhost"
# Each request has a query parameter of its own: the page cache keys on it (a miss every
# time) and the views ignore it, so what is measured is the page's own rendering.
_fresh = itertools.count()


def _get(client: Client, path: str, *, language: str = "en", **extra: Any) -> Any:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    separator = "&" if "?" in path else "?"
    response = client.get(f"{path}{separator}_uncached={next(_fresh)}", HTTP_HOST=BOTOSANI, **extra)
    return response


def _queries(client: Client, path: str, **extra: Any) -> tuple[int, int]:
    """(all queries, queries of the reports tables) of one GET, which must answer 200."""
    with CaptureQueriesContext(connection) as captured:
        response = _get(client, path, **extra)
    assert response.status_code == 200, (path, response.content[:300])
    sql = [query["sql"] for query in captured.captured_queries]
    return len(sql), sum(1 for text in sql if '"reports_' in text)


@pytest.fixture
def category(botosani: Municipality) -> Category:
    return CategoryFactory.create(
        municipality=botosani, service_code="pothole", name_en="Pothole", name_ro="Groapă"
    )


def _reports(municipality: Municipality, category: Category, count: int) -> list[Report]:
    neighbourhood = NeighbourhoodFactory.create(municipality=municipality)
    other = CategoryFactory.create(municipality=municipality)
    statuses = [ReportStatus.NEW, ReportStatus.IN_PROGRESS, ReportStatus.FIXED]
    return [
        ReportFactory.create(
            municipality=municipality,
            category=category if number % 2 else other,
            neighbourhood=neighbourhood if number % 3 else None,
            status=statuses[number % 3],
            latitude=47.70 + number * 0.0007,
            longitude=26.60 + number * 0.0009,
        )
        for number in range(count)
    ]


PAGES = [
    "/reports/",
    "/reports/?status=open&category=pothole",
    "/reports/?page=2",
    "/reports/map-data.json",
    "/reports/map-data.json?zoom=12",
    "/reports/map-data.json?zoom=17&bbox=47.69,26.59,47.72,26.62",
    "/reports/statistics/",
    "/reports/statistics/?period=365",
    "/reports/statistics.csv?period=90",
    "/open311/v2/requests.json",
]
# Queries of the reports tables once the figures of the data's version are worked out:
# the list reads its page of rows, Open311 its list; the map's points, like its clusters,
# are worked out once per change (precomputed.report_map_points) and cut in memory.
REPORTS_QUERIES = {
    "/reports/": 1,
    "/reports/?status=open&category=pothole": 1,
    "/reports/?page=2": 1,
    "/reports/map-data.json": 0,
    "/reports/map-data.json?zoom=12": 0,
    "/reports/map-data.json?zoom=17&bbox=47.69,26.59,47.72,26.62": 0,
    "/reports/statistics/": 0,
    "/reports/statistics/?period=365": 0,
    "/reports/statistics.csv?period=90": 0,
}


@pytest.mark.parametrize("path", PAGES)
def test_a_page_runs_as_many_queries_for_200_reports_as_for_10(
    client: Client, botosani: Municipality, category: Category, path: str
) -> None:
    _reports(botosani, category, 10)
    first_after_change = _queries(client, path)
    few = _queries(client, path)

    _reports(botosani, category, 190)
    many_first_after_change = _queries(client, path)
    many = _queries(client, path)

    assert many == few
    # Working the figures out again: as many queries of the reports (the cache's own
    # bookkeeping, such as its first writes, varies).
    assert many_first_after_change[1] == first_after_change[1]
    if path in REPORTS_QUERIES:
        assert few[1] == REPORTS_QUERIES[path]


def test_the_htmx_list_runs_as_many_queries_for_200_reports_as_for_10(
    client: Client, botosani: Municipality, category: Category
) -> None:
    _reports(botosani, category, 10)
    _queries(client, "/reports/?status=closed", HTTP_HX_REQUEST="true")
    few = _queries(client, "/reports/?status=closed", HTTP_HX_REQUEST="true")

    _reports(botosani, category, 190)
    _queries(client, "/reports/?status=closed", HTTP_HX_REQUEST="true")

    assert _queries(client, "/reports/?status=closed", HTTP_HX_REQUEST="true") == few
    assert few[1] == 1


def test_a_report_page_runs_as_many_queries_with_many_updates_and_photos(
    client: Client, botosani: Municipality, category: Category
) -> None:
    report = _reports(botosani, category, 1)[0]
    ReportUpdateFactory.create(municipality=botosani, report=report, text="Seen.")
    _queries(client, f"/reports/{report.pk}/")
    few = _queries(client, f"/reports/{report.pk}/")

    ReportUpdateFactory.create_batch(20, municipality=botosani, report=report, text="Again.")
    ReportPhotoFactory.create_batch(3, municipality=botosani, report=report)
    _queries(client, f"/reports/{report.pk}/")

    assert _queries(client, f"/reports/{report.pk}/") == few
    assert few[1] == 3  # the report with its supporters counted, its photos, its updates


# Worked out once per change, fresh after each write


def test_the_lists_counts_and_rows_are_fresh_after_a_new_report(
    client: Client, botosani: Municipality, category: Category
) -> None:
    _reports(botosani, category, 3)
    assert "3 reports found" in _get(client, "/reports/").content.decode()

    added = ReportFactory.create(municipality=botosani, category=category, description="Fresh!")

    page = _get(client, "/reports/").content.decode()
    assert "4 reports found" in page
    assert f'href="/reports/{added.pk}/"' in page
    assert re.search(r">Pothole \(2\)<", page)  # one of the three, and the new one


def test_a_status_change_moves_the_counts_and_the_statistics(
    client: Client, botosani: Municipality, category: Category
) -> None:
    report = ReportFactory.create(municipality=botosani, category=category)
    assert (
        "category,pothole,Pothole,30,1,0,"
        in _get(client, "/reports/statistics.csv?period=30").content.decode()
    )
    assert "1 report found" in _get(client, "/reports/?status=open").content.decode()

    report.status = ReportStatus.FIXED
    report.closed_at = report.created_at
    report.save()

    assert (
        "category,pothole,Pothole,30,0,1,"
        in _get(client, "/reports/statistics.csv?period=30").content.decode()
    )
    assert "0 reports found" in _get(client, "/reports/?status=open").content.decode()
    assert "1 report found" in _get(client, "/reports/?status=closed").content.decode()


def test_renamed_category_shows_in_both_languages(
    client: Client, botosani: Municipality, category: Category
) -> None:
    _reports(botosani, category, 2)
    assert "Groapă" in _get(client, "/reports/", language="ro").content.decode()

    setattr(category, "name_ro", "Groapă adâncă")  # noqa: B010  (modeltranslation's field)
    setattr(category, "name_en", "Deep pothole")  # noqa: B010
    category.save()

    assert "Groapă adâncă" in _get(client, "/reports/", language="ro").content.decode()
    assert "Deep pothole" in _get(client, "/reports/statistics/").content.decode()
    data = _get(client, "/reports/map-data.json").json()
    assert str(category.pk) in data["categories"]
    assert data["categories"][str(category.pk)] == "Deep pothole"


def test_figures_of_one_city_do_not_move_with_another_citys_writes(
    client: Client, botosani: Municipality, timisoara: Municipality, category: Category
) -> None:
    _reports(botosani, category, 2)
    _get(client, "/reports/")
    versions = precomputed.Versions(botosani)
    before = versions.key(("reports",))

    ReportFactory.create(municipality=timisoara)

    assert precomputed.Versions(botosani).key(("reports",)) == before
    assert _queries(client, "/reports/")[1] == 1  # no figure worked out again


# The map's data: compact, clustered on the server


def _values(data: Any) -> list[Any]:
    if isinstance(data, dict):
        return [value for item in data.values() for value in [item, *_values(item)]]
    if isinstance(data, list):
        return [value for item in data for value in [item, *_values(item)]]
    return []


def test_map_clusters_below_street_level_and_points_above(
    client: Client, botosani: Municipality, category: Category
) -> None:
    together = [
        ReportFactory.create(
            municipality=botosani, category=category, latitude=47.75, longitude=26.65 + shift
        )
        for shift in (0.0, 0.0001, 0.0002)
    ]
    alone = ReportFactory.create(
        municipality=botosani, category=category, latitude=47.7312345678, longitude=26.6212345678
    )
    ReportFactory.create(
        municipality=botosani, category=category, latitude=47.75, longitude=26.65, is_hidden=True
    )

    city = _get(client, "/reports/map-data.json?zoom=13").json()
    street = _get(client, "/reports/map-data.json?zoom=17").json()

    clusters = [feature for feature in city["features"] if "n" in feature["properties"]]
    points = [feature for feature in city["features"] if "id" in feature["properties"]]
    assert [cluster["properties"]["n"] for cluster in clusters] == [3]
    assert clusters[0]["properties"]["b"] == [47.75, 26.65, 47.75, 26.6502]
    assert clusters[0]["properties"]["t"] == "3 reports here: zoom in"
    assert [point["properties"]["id"] for point in points] == [alone.pk]
    assert points[0]["geometry"]["coordinates"] == [26.62123, 47.73123]
    assert sorted(feature["properties"]["id"] for feature in street["features"]) == sorted(
        report.pk for report in [*together, alone]
    )
    for data in (city, street):
        assert None not in _values(data)


def test_map_clusters_follow_the_filters_and_the_viewport(
    client: Client, botosani: Municipality, category: Category
) -> None:
    other = CategoryFactory.create(municipality=botosani)
    for chosen in (category, category, other):
        ReportFactory.create(
            municipality=botosani, category=chosen, latitude=47.75, longitude=26.65
        )

    filtered = _get(client, "/reports/map-data.json?zoom=13&category=pothole").json()
    elsewhere = _get(client, "/reports/map-data.json?zoom=13&bbox=47.70,26.59,47.72,26.61").json()

    assert [feature["properties"]["n"] for feature in filtered["features"]] == [2]
    assert elsewhere["features"] == []


def test_map_clusters_are_worked_out_once_per_change(
    client: Client, botosani: Municipality, category: Category
) -> None:
    _reports(botosani, category, 5)
    _get(client, "/reports/map-data.json?zoom=12")

    assert _queries(client, "/reports/map-data.json?zoom=12")[1] == 0

    ReportFactory.create(municipality=botosani, category=category, latitude=47.7, longitude=26.6)
    counts = [
        feature["properties"].get("n", 1)
        for feature in _get(client, "/reports/map-data.json?zoom=12").json()["features"]
    ]
    assert sum(counts) == 6


@pytest.mark.parametrize("zoom", ["x", "-1", "23", "1.5", "99999999999999999999"])
def test_map_data_refuses_a_bad_zoom(client: Client, botosani: Municipality, zoom: str) -> None:
    response = _get(client, f"/reports/map-data.json?zoom={zoom}", language="ro")

    assert response.status_code == 400
    assert list(json.loads(response.content)["errors"]) == ["zoom"]
    assert "zoom" in json.loads(response.content)["errors"]["zoom"][0]
