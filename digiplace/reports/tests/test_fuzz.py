"""Property-based: generated query parameters never give a server error on any Open311
endpoint (which answers in its own formats whatever happens), any public list of the
reports module or the staff queue. Strategies: ``digiplace.core.tests.fuzzing``."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from hypothesis import example, given
from hypothesis import strategies as st

from digiplace.core.models import Municipality
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.core.tests.fuzzing import (
    BOTOSANI,
    FUZZ,
    assert_no_server_error,
    get,
    path_with,
    query_strategy,
    values,
)
from digiplace.reports.models import ApiKey, Category, Report
from digiplace.reports.services import rate_limits
from digiplace.reports.tests.factories import NeighbourhoodFactory, ReportFactory


def assert_open311_format(response: Any, path: str) -> None:
    assert_no_server_error(response, path)
    expected = "text/xml" if ".xml" in path.split("?")[0] else "application/json"
    assert response["Content-Type"].startswith(expected), (path, response["Content-Type"])


# The data the endpoints read


@pytest.fixture
def city(botosani: Municipality, pothole: Category, api_key: ApiKey) -> Municipality:
    neighbourhood = NeighbourhoodFactory.create(municipality=botosani, slug="centru")
    ReportFactory.create_batch(
        3, municipality=botosani, category=pothole, neighbourhood=neighbourhood
    )
    return botosani


@pytest.fixture
def client() -> Client:
    return Client()


# Open311

OPEN311_NAMES = [
    "jurisdiction_id",
    "locale",
    "service_request_id",
    "service_code",
    "start_date",
    "end_date",
    "updated_after",
    "status",
    "page",
    "page_size",
    "lat",
    "long",
    "radius",
    "api_key",
]
OPEN311_POST_NAMES = [
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
    "attribute[depth]",
    "attribute[lane]",
    "attribute[hazards][]",
    "jurisdiction_id",
    "locale",
]
OPEN311_PATHS = [
    "/open311/v2/discovery.{format}",
    "/open311/v2/services.{format}",
    "/open311/v2/services/{segment}.{format}",
    "/open311/v2/requests.{format}",
    "/open311/v2/requests/{segment}.{format}",
    "/open311/v2/tokens/{segment}.{format}",
]


@pytest.mark.parametrize("template", OPEN311_PATHS)
def test_open311_get_endpoints_never_fail(
    city: Municipality, client: Client, template: str
) -> None:
    formats = itertools.cycle(("json", "xml"))

    @FUZZ
    @given(segment=values, pairs=query_strategy(OPEN311_NAMES))
    def check(segment: str, pairs: list[tuple[str, str]]) -> None:
        path = template.format(format=next(formats), segment=quote(segment, safe="") or "x")
        path = path_with(path, pairs)
        assert_open311_format(get(client, path), path)

    check()


def test_open311_post_requests_never_fails(
    city: Municipality, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every example comes from one client: the hourly limits would refuse most of them.
    monkeypatch.setattr(rate_limits, "MAX_REPORTS_PER_PERSON", 10_000)
    monkeypatch.setattr(rate_limits, "MAX_REPORTS_PER_ADDRESS", 10_000)
    formats = itertools.cycle(("json", "xml"))
    emails = (f"resident{number}@example.org" for number in itertools.count())
    valid = {
        "api_key": "botosani-demo-key",
        "service_code": "pothole",
        "lat": "47.7480",
        "long": "26.6690",
        "first_name": "Ana",
        "description": "A deep pothole in the right lane.",
        "attribute[depth]": "12",
    }
    statuses: list[int] = []

    @FUZZ
    @given(
        overrides=st.dictionaries(st.sampled_from(OPEN311_POST_NAMES), values, max_size=5),
        in_url=query_strategy(OPEN311_NAMES),
    )
    @example(overrides={}, in_url=[])  # the valid request itself
    def check(overrides: dict[str, str], in_url: list[tuple[str, str]]) -> None:
        path = path_with(f"/open311/v2/requests.{next(formats)}", in_url)
        body = urlencode({**valid, "email": next(emails), **overrides})
        response = client.post(
            path, body, content_type="application/x-www-form-urlencoded", HTTP_HOST=BOTOSANI
        )
        assert_open311_format(response, path)
        statuses.append(response.status_code)

    check()

    # The write path ran: the valid request at least created a report.
    assert statuses.count(200) >= 1, statuses
    assert Report.objects.filter(description=valid["description"]).count() >= 1


# The public lists of the reports and plans modules, the plans API and the staff queue

REPORT_FILTERS = ["category", "status", "neighbourhood", "date_from", "date_to"]
PUBLIC_PATHS = {
    "/reports/": [*REPORT_FILTERS, "page"],
    "/reports/map-data.json": [*REPORT_FILTERS, "bbox", "zoom"],
    "/reports/new/": ["category"],
    "/reports/new/questions/": ["category"],
    "/reports/new/nearby/": ["category", "latitude", "longitude"],
    "/reports/statistics/": ["period"],
    "/reports/statistics.csv": ["period"],
}


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_lists_never_fail(city: Municipality, client: Client, path: str) -> None:
    @FUZZ
    @given(pairs=query_strategy(PUBLIC_PATHS[path]))
    def check(pairs: list[tuple[str, str]]) -> None:
        full_path = path_with(path, pairs)
        assert_no_server_error(get(client, full_path), full_path)

    check()


@pytest.fixture
def staff_client(city: Municipality) -> Iterator[Client]:
    membership = StaffMembershipFactory.create(
        municipality=city, user=UserFactory.create(), modules=["reports"]
    )
    client = Client()
    client.force_login(membership.user)
    yield client


def test_staff_queue_never_fails(staff_client: Client) -> None:
    names = ["q", "status", "category", "department", "neighbourhood", "overdue", "mine"]

    @FUZZ
    @given(pairs=query_strategy([*names, "sort", "page"]))
    def check(pairs: list[tuple[str, str]]) -> None:
        path = path_with("/backoffice/reports/", pairs)
        response = get(staff_client, path)
        assert_no_server_error(response, path)
        assert response.status_code == 200, path  # the queue leaves out what it cannot use

    check()
