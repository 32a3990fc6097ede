"""The public list's filters offer only values with reports behind them, with counts.

Each filter's counts apply the other active filters but not its own (faceted), so an
option says how many reports choosing it would show; options with none are left out,
except the one chosen. Hidden reports count nowhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from digiplace.core.models import Department, Municipality
from digiplace.core.tests.factories import DepartmentFactory
from digiplace.reports import selectors
from digiplace.reports.models import Category, Neighbourhood, ReportStatus
from digiplace.reports.tests.factories import (
    CategoryFactory,
    NeighbourhoodFactory,
    ReportFactory,
)

BOTOSANI = "botosani.localhost"


@dataclass
class City:
    roads: Department
    lighting: Department
    pothole: Category
    graffiti: Category
    lamp: Category
    centre: Neighbourhood
    north: Neighbourhood


@pytest.fixture
def city(botosani: Municipality) -> City:
    roads = DepartmentFactory.create(municipality=botosani, name="Drumuri", name_en="Roads")
    lighting = DepartmentFactory.create(municipality=botosani, name="Iluminat", name_en="Lighting")
    pothole = CategoryFactory.create(
        municipality=botosani, service_code="pothole", name="Pothole", department=roads
    )
    graffiti = CategoryFactory.create(
        municipality=botosani, service_code="graffiti", name="Graffiti", department=roads
    )
    lamp = CategoryFactory.create(
        municipality=botosani, service_code="lamp", name="Street lamp", department=lighting
    )
    centre = NeighbourhoodFactory.create(municipality=botosani, slug="centre", name="Centre")
    north = NeighbourhoodFactory.create(municipality=botosani, slug="north", name="North")
    for status in (ReportStatus.NEW, ReportStatus.NEW, ReportStatus.FIXED):
        ReportFactory.create(
            municipality=botosani, category=pothole, neighbourhood=centre, status=status
        )
    ReportFactory.create(municipality=botosani, category=graffiti, neighbourhood=north)
    # Hidden from the public: counted nowhere.
    ReportFactory.create(municipality=botosani, category=lamp, neighbourhood=north, is_hidden=True)
    return City(roads, lighting, pothole, graffiti, lamp, centre, north)


def _options(client: Client, query: str = "") -> dict[str, list[str]]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(f"/reports/{query}", HTTP_HOST=BOTOSANI)
    assert response.status_code == 200
    page = response.content.decode()
    options = {}
    for name in ("category", "status", "neighbourhood", "department"):
        select = re.search(rf'<select name="{name}".*?</select>', page, re.S)
        assert select is not None, name
        options[name] = [
            text.strip() for text in re.findall(r"<option[^>]*>([^<]*)</option>", select.group(0))
        ]
    return options


def test_each_option_has_its_count_and_empty_ones_are_left_out(client: Client, city: City) -> None:
    options = _options(client)

    assert options["category"] == ["All (4)", "Graffiti (1)", "Pothole (3)"]
    assert options["neighbourhood"] == ["All (4)", "Centre (3)", "North (1)"]
    assert options["department"] == ["All (4)", "Roads (4)"]
    assert options["status"][:3] == ["All (4)", "Open (any) (3)", "Closed (any) (1)"]
    assert "New (3)" in options["status"]
    assert "Fixed (1)" in options["status"]
    assert not any(option.startswith("Acknowledged") for option in options["status"])


def test_counts_apply_the_other_filters_but_not_their_own(client: Client, city: City) -> None:
    options = _options(client, "?category=graffiti")

    # The category filter's own options still show every category...
    assert options["category"] == ["All (4)", "Graffiti (1)", "Pothole (3)"]
    # ...the others count graffiti only.
    assert options["neighbourhood"] == ["All (1)", "North (1)"]
    assert options["status"][:2] == ["All (1)", "Open (any) (1)"]


def test_a_chosen_value_with_nothing_behind_it_stays(client: Client, city: City) -> None:
    options = _options(client, "?neighbourhood=north&status=fixed")

    # North has one open report: its fixed ones (none) stay offered, being chosen.
    assert options["status"] == ["All (1)", "Open (any) (1)", "New (1)", "Fixed (0)"]
    assert options["neighbourhood"] == ["All (1)", "Centre (1)", "North (0)"]
    assert options["category"] == ["All (0)"]


def test_the_department_filter_filters(client: Client, city: City) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    shown = client.get(f"/reports/?department={city.roads.pk}", HTTP_HOST=BOTOSANI)
    empty = client.get(f"/reports/?department={city.lighting.pk}", HTTP_HOST=BOTOSANI)

    assert "4 reports found" in shown.content.decode()
    assert "0 reports found" in empty.content.decode()


def test_the_counts_take_one_grouped_query_per_filter(
    city: City, botosani: Municipality, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    filters = selectors.ReportFilters(category_codes=("pothole",))

    with django_assert_num_queries(4):
        facets = selectors.report_facets(municipality=botosani, filters=filters)

    assert facets.counts["category"] == {city.pothole.pk: 3, city.graffiti.pk: 1}
    assert facets.counts["status"] == {ReportStatus.NEW: 2, ReportStatus.FIXED: 1}
    assert facets.counts["neighbourhood"] == {city.centre.pk: 3}
    assert facets.counts["department"] == {city.roads.pk: 3}
    assert facets.totals == {"category": 4, "status": 3, "neighbourhood": 3, "department": 3}


def test_a_filter_change_by_htmx_updates_the_counts_too(client: Client, city: City) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/reports/?category=graffiti", HTTP_HOST=BOTOSANI, HTTP_HX_REQUEST="true")
    page = response.content.decode()

    assert re.search(
        r'<div class="report-filters__grid" id="report-filter-fields" hx-swap-oob="true">', page
    )
    assert "North (1)" in page
    assert "Centre (" not in page


def test_on_phones_the_map_comes_first_and_the_filters_fold(client: Client, city: City) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    unfiltered = client.get("/reports/", HTTP_HOST=BOTOSANI).content.decode()
    filtered = client.get("/reports/?category=pothole", HTTP_HOST=BOTOSANI).content.decode()

    assert unfiltered.index('id="reports-map-heading"') < unfiltered.index("<details")
    assert unfiltered.index("<details") < unfiltered.index('id="report-results"')
    assert (
        '<details class="report-filters-panel" id="report-filters-panel" data-open-wide>'
        in unfiltered
    )
    assert (
        '<details class="report-filters-panel" id="report-filters-panel" open data-open-wide>'
        in filtered
    )


def test_a_bad_filter_is_listed_with_a_link_and_the_filters_open(
    client: Client, city: City
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/reports/?date_from=yesterday", HTTP_HOST=BOTOSANI)
    page = response.content.decode()

    assert response.status_code == 400
    assert '<a href="#id_date_from">Reported from: Enter a valid date.</a>' in page
    assert '<details class="report-filters-panel" id="report-filters-panel" open' in page
