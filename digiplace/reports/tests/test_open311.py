"""Open311 GeoReport v2 conformance: every endpoint in XML and JSON, with the error cases,
checked against the specification (http://wiki.open311.org/GeoReport_v2)."""

from __future__ import annotations

import datetime
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from digiplace.core.cache_versions import cache_version_bump
from digiplace.core.models import Municipality
from digiplace.core.tests.factories import UserFactory
from digiplace.reports.models import (
    ApiKey,
    Category,
    Report,
    ReportStatus,
    UpdateKind,
)
from digiplace.reports.tests.factories import (
    ApiKeyFactory,
    CategoryFactory,
    ReportFactory,
    ReportPhotoFactory,
    ReportUpdateFactory,
)

BOTOSANI = "botosani.localhost"
BASE = "/open311/v2"
FORMATS = ("json", "xml")
W3C_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def english_client(**defaults: Any) -> Client:
    """Messages are checked in English; the city's default language is Romanian."""
    client = Client(**defaults)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def client() -> Client:
    return english_client(HTTP_HOST=BOTOSANI)


@pytest.fixture
def graffiti(botosani: Municipality) -> Category:
    return CategoryFactory.create(
        municipality=botosani, service_code="graffiti", name="Graffiti", position=2
    )


def parse(response: Any, format: str) -> Any:
    assert response["Content-Type"] == CONTENT_TYPES[format]
    if format == "json":
        return json.loads(response.content)
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    # Our own response, not untrusted input.
    return ET.fromstring(response.content)  # noqa: S314


def child_names(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def assert_errors(response: Any, format: str, status: int, *fragments: str) -> list[str]:
    """The specification's error list with the HTTP status as each error's code."""
    assert response.status_code == status, response.content
    body = parse(response, format)
    if format == "json":
        assert isinstance(body, list) and body
        assert all(set(error) == {"code", "description"} for error in body)
        assert all(error["code"] == status for error in body)
        descriptions = [error["description"] for error in body]
    else:
        assert body.tag == "errors"
        assert set(child_names(body)) == {"error"}
        assert all(child_names(error) == ["code", "description"] for error in body)
        assert all(error.findtext("code") == str(status) for error in body)
        descriptions = [error.findtext("description") or "" for error in body]
    for fragment in fragments:
        assert any(fragment in text for text in descriptions), descriptions
    return descriptions


def requests_of(response: Any, format: str) -> list[dict[str, Any]]:
    """Service requests as dicts, whichever the format (XML values are text)."""
    assert response.status_code == 200, response.content
    body = parse(response, format)
    if format == "json":
        assert isinstance(body, list)
        return body
    assert body.tag == "service_requests"
    assert set(child_names(body)) <= {"request"}
    return [{child.tag: child.text for child in request} for request in body]


# Discovery


@pytest.mark.parametrize("format", FORMATS)
def test_discovery_lists_the_georeport_v2_endpoint(
    client: Client, botosani: Municipality, format: str
) -> None:
    response = client.get(f"{BASE}/discovery.{format}")

    assert response.status_code == 200
    body = parse(response, format)
    if format == "json":
        assert list(body) == ["changeset", "contact", "key_service", "endpoints"]
        endpoint = body["endpoints"][0]
        formats = endpoint["formats"]
    else:
        assert body.tag == "discovery"
        assert child_names(body) == ["changeset", "contact", "key_service", "endpoints"]
        assert child_names(body.find("endpoints")) == ["endpoint"]  # type: ignore[arg-type]
        element = body.find("endpoints/endpoint")
        assert element is not None
        endpoint = {child.tag: child.text for child in element}
        formats = [item.text for item in element.findall("formats/format")]
    assert list(endpoint) == ["specification", "url", "changeset", "type", "formats"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == f"http://{BOTOSANI}/open311/v2"
    assert endpoint["type"] in {"production", "test"}
    assert W3C_WITH_OFFSET.match(endpoint["changeset"])
    assert formats == ["text/xml", "application/json"]


# Services


@pytest.mark.parametrize("format", FORMATS)
def test_services_lists_active_categories_with_metadata_flag(
    client: Client, pothole: Category, graffiti: Category, format: str
) -> None:
    CategoryFactory.create(municipality=pothole.municipality, service_code="old", is_active=False)
    CategoryFactory.create(
        municipality=Municipality.objects.create(
            slug="other",
            name="Other",
            centre_latitude=1,
            centre_longitude=1,
            bounds_south=0,
            bounds_west=0,
            bounds_north=2,
            bounds_east=2,
        ),
        service_code="elsewhere",
    )

    response = client.get(f"{BASE}/services.{format}")

    assert response.status_code == 200
    body = parse(response, format)
    expected_keys = [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    if format == "json":
        services = body
        assert all(list(service) == expected_keys for service in services)
        metadata = [service["metadata"] for service in services]
        assert metadata == [True, False]
    else:
        assert body.tag == "services"
        assert child_names(body) == ["service", "service"]
        assert all(child_names(service) == expected_keys for service in body)
        services = [{child.tag: child.text for child in service} for service in body]
        assert [service["metadata"] for service in services] == ["true", "false"]
    assert [service["service_code"] for service in services] == ["pothole", "graffiti"]
    assert services[0]["service_name"] == "Pothole"  # in the language the client chose
    assert services[0]["type"] == "realtime"
    assert services[0]["group"] == "Străzi"
    assert services[0]["keywords"] == "asfalt, groapă"


@pytest.mark.parametrize("format", FORMATS)
def test_services_locale_extension_names_services_in_that_language(
    client: Client, pothole: Category, format: str
) -> None:
    response = client.get(f"{BASE}/services.{format}", {"locale": "en-GB"})

    body = parse(response, format)
    name = body[0]["service_name"] if format == "json" else body.findtext("service/service_name")
    assert name == "Pothole"
    assert response["Content-Language"] == "en"


@pytest.mark.parametrize("format", FORMATS)
def test_unknown_locale_is_refused(client: Client, pothole: Category, format: str) -> None:
    response = client.get(f"{BASE}/services.{format}", {"locale": "xx"})

    assert_errors(response, format, 400, "locale xx")


@pytest.mark.parametrize("format", FORMATS)
def test_jurisdiction_id_must_be_a_host_of_the_municipality(
    client: Client, pothole: Category, timisoara: Municipality, format: str
) -> None:
    matching = client.get(f"{BASE}/services.{format}", {"jurisdiction_id": BOTOSANI})
    other = client.get(f"{BASE}/services.{format}", {"jurisdiction_id": "timisoara.localhost"})

    assert matching.status_code == 200
    assert_errors(other, format, 404, "jurisdiction_id")


# Service definition


@pytest.mark.parametrize("format", FORMATS)
def test_service_definition_describes_attributes(
    client: Client, pothole: Category, format: str
) -> None:
    response = client.get(f"{BASE}/services/pothole.{format}")

    assert response.status_code == 200
    body = parse(response, format)
    attribute_keys = [
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
    ]
    if format == "json":
        assert list(body) == ["service_code", "attributes"]
        assert body["service_code"] == "pothole"
        attributes = body["attributes"]
        assert list(attributes[0]) == attribute_keys
        assert list(attributes[1]) == [*attribute_keys, "values"]
        assert attributes[0]["variable"] is True
        assert attributes[0]["required"] is True
        assert attributes[0]["datatype_description"] is None
        assert [item["order"] for item in attributes] == [1, 2, 3]
        assert attributes[1]["values"] == [
            {"key": "left", "name": "Stânga"},
            {"key": "right", "name": "Dreapta"},
        ]
    else:
        assert body.tag == "service_definition"
        assert child_names(body) == ["service_code", "attributes"]
        assert body.findtext("service_code") == "pothole"
        elements = body.findall("attributes/attribute")
        assert child_names(body.find("attributes")) == ["attribute"] * 3  # type: ignore[arg-type]
        assert child_names(elements[0]) == attribute_keys
        assert child_names(elements[1]) == [*attribute_keys, "values"]
        assert elements[0].findtext("variable") == "true"
        assert elements[0].findtext("required") == "true"
        assert [element.findtext("order") for element in elements] == ["1", "2", "3"]
        values = elements[1].findall("values/value")
        assert [child_names(value) for value in values] == [["key", "name"]] * 2
        assert [value.findtext("key") for value in values] == ["left", "right"]
        attributes = [{child.tag: child.text for child in element} for element in elements]
    assert [item["code"] for item in attributes] == ["depth", "lane", "hazards"]
    assert [item["datatype"] for item in attributes] == [
        "number",
        "singlevaluelist",
        "multivaluelist",
    ]


@pytest.mark.parametrize("format", FORMATS)
def test_service_definition_of_a_service_without_attributes_is_empty(
    client: Client, graffiti: Category, format: str
) -> None:
    response = client.get(f"{BASE}/services/graffiti.{format}")

    body = parse(response, format)
    if format == "json":
        assert body == {"service_code": "graffiti", "attributes": []}
    else:
        assert child_names(body) == ["service_code", "attributes"]
        assert child_names(body.find("attributes")) == []  # type: ignore[arg-type]


@pytest.mark.parametrize("format", FORMATS)
def test_service_definition_of_unknown_or_inactive_service_is_404(
    client: Client, pothole: Category, format: str
) -> None:
    CategoryFactory.create(municipality=pothole.municipality, service_code="old", is_active=False)

    assert_errors(client.get(f"{BASE}/services/nothing.{format}"), format, 404, "nothing")
    assert_errors(client.get(f"{BASE}/services/old.{format}"), format, 404, "old")


# POST requests


def post_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "api_key": "botosani-demo-key",
        "service_code": "pothole",
        "lat": "47.7480",
        "long": "26.6690",
        "address_string": "Strada Marchian 5",
        "email": "ana@example.org",
        "first_name": "Ana",
        "last_name": "Popescu",
        "phone": "0740000000",
        "device_id": "device-1",
        "description": "A deep pothole in the right lane.",
        "media_url": "http://example.com/photo.jpg",
        "attribute[depth]": "12",
        "attribute[lane]": "right",
        "attribute[hazards][]": ["cars", "bikes"],
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


@pytest.mark.parametrize("format", FORMATS)
def test_post_request_creates_a_report(
    client: Client, pothole: Category, api_key: ApiKey, format: str
) -> None:
    response = client.post(f"{BASE}/requests.{format}", post_data())

    assert response.status_code == 200, response.content
    report = Report.objects.get()
    body = parse(response, format)
    if format == "json":
        assert body == [
            {
                "service_request_id": report.pk,
                "service_notice": body[0]["service_notice"],
                "account_id": None,
            }
        ]
    else:
        assert body.tag == "service_requests"
        assert child_names(body) == ["request"]
        request = body.find("request")
        assert request is not None
        assert child_names(request) == ["service_request_id", "service_notice", "account_id"]
        assert request.findtext("service_request_id") == str(report.pk)
        assert request.findtext("account_id") == ""  # an empty element, as in the spec
    assert report.municipality == pothole.municipality
    assert report.category == pothole
    assert report.api_key == api_key
    assert (report.latitude, report.longitude) == (47.748, 26.669)
    assert report.address == "Strada Marchian 5"
    assert report.description == "A deep pothole in the right lane."
    assert report.attributes["lane"] == "right"
    assert report.attributes["hazards"] == ["cars", "bikes"]
    assert report.reporter_email == "ana@example.org"
    assert report.reporter_name == "Ana Popescu"
    assert report.reporter_phone == "0740000000"
    assert report.device_id == "device-1"
    assert report.is_anonymous is True
    assert not report.photos.exists()  # media_url is not fetched


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize(
    ("key", "fragment"),
    [(None, "api_key was not provided"), ("wrong", "Invalid api_key"), ("", "not provided")],
)
def test_post_request_without_a_valid_key_is_403_and_writes_nothing(
    client: Client, pothole: Category, api_key: ApiKey, format: str, key: str | None, fragment: str
) -> None:
    response = client.post(f"{BASE}/requests.{format}", post_data(api_key=key))

    assert_errors(response, format, 403, fragment)
    assert not Report.objects.exists()


@pytest.mark.parametrize("format", FORMATS)
def test_post_request_with_inactive_or_other_citys_key_is_403(
    client: Client, pothole: Category, timisoara: Municipality, format: str
) -> None:
    ApiKeyFactory.create(municipality=pothole.municipality, key="revoked", is_active=False)
    ApiKeyFactory.create(municipality=timisoara, key="timisoara-key")

    for key in ("revoked", "timisoara-key"):
        response = client.post(f"{BASE}/requests.{format}", post_data(api_key=key))
        assert_errors(response, format, 403, "Invalid api_key")
    assert not Report.objects.exists()


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize(
    ("overrides", "status", "fragment"),
    [
        ({"service_code": None}, 400, "service_code was not provided"),
        ({"service_code": "nothing"}, 404, "service_code nothing was not found"),
        ({"jurisdiction_id": "timisoara.localhost"}, 404, "jurisdiction_id"),
        ({"lat": "north"}, 400, "lat must be a number"),
        ({"lat": "95"}, 400, "lat must be a number"),
        ({"long": None}, 400, "lat and long must be sent together"),
        (
            {"lat": None, "long": None, "address_string": None, "address_id": "77"},
            400,
            "address_id is not known here",
        ),
        ({"lat": None, "long": None, "address_string": None}, 400, "location is required"),
        ({"lat": "45.75", "long": "21.22"}, 400, "lat/long"),  # Timișoara, out of bounds
        ({"attribute[depth]": "deep"}, 400, "attribute[depth]"),
        ({"attribute[depth]": None}, 400, "attribute[depth]"),
        ({"attribute[lane]": "middle"}, 400, "attribute[lane]"),
        ({"attribute[colour]": "red"}, 400, "attribute[colour]"),
        ({"attribute[lane]": ["left", "right"]}, 400, "attribute[lane] takes one value"),
        ({"description": "x" * 4001}, 400, "description"),
    ],
)
def test_post_request_bad_input_is_refused_and_writes_nothing(
    client: Client,
    pothole: Category,
    api_key: ApiKey,
    timisoara: Municipality,
    format: str,
    overrides: dict[str, Any],
    status: int,
    fragment: str,
) -> None:
    response = client.post(f"{BASE}/requests.{format}", post_data(**overrides))

    assert_errors(response, format, status, fragment)
    assert not Report.objects.exists()


def test_post_request_accepts_matching_jurisdiction_and_is_csrf_exempt(
    pothole: Category, api_key: ApiKey
) -> None:
    client = english_client(HTTP_HOST=BOTOSANI, enforce_csrf_checks=True)

    response = client.post(f"{BASE}/requests.json", post_data(jurisdiction_id=BOTOSANI))

    assert response.status_code == 200, response.content
    assert Report.objects.count() == 1


# Tokens


@pytest.mark.parametrize("format", FORMATS)
def test_token_gives_the_service_request_id(client: Client, pothole: Category, format: str) -> None:
    report = ReportFactory.create(municipality=pothole.municipality, category=pothole)

    response = client.get(f"{BASE}/tokens/{report.token}.{format}")

    assert requests_of(response, format) == [
        {
            "service_request_id": report.pk if format == "json" else str(report.pk),
            "token": str(report.token),
        }
    ]


@pytest.mark.parametrize("format", FORMATS)
def test_unknown_hidden_or_malformed_token_is_404(
    client: Client, pothole: Category, timisoara: Municipality, format: str
) -> None:
    hidden = ReportFactory.create(
        municipality=pothole.municipality, category=pothole, is_hidden=True
    )
    elsewhere = ReportFactory.create(municipality=timisoara)

    for token in (hidden.token, elsewhere.token, "not-a-token"):
        assert_errors(client.get(f"{BASE}/tokens/{token}.{format}"), format, 404, "token")


# GET requests


@pytest.fixture
def reports(pothole: Category, graffiti: Category, timisoara: Municipality) -> dict[str, Report]:
    botosani = pothole.municipality
    now = timezone.now()
    open_report = ReportFactory.create(
        municipality=botosani,
        category=pothole,
        address="Strada Marchian 5",
        latitude=47.7480,
        longitude=26.6690,
        created_at=now - datetime.timedelta(days=2),
        reporter_name="Secret Name",
        reporter_email="secret@example.org",
        reporter_phone="0799999999",
    )
    ReportUpdateFactory.create(
        municipality=botosani, report=open_report, kind=UpdateKind.RESPONSE, text="Crew sent."
    )
    ReportUpdateFactory.create(
        municipality=botosani,
        report=open_report,
        kind=UpdateKind.NOTE,
        text="Internal: the contractor is late.",
        is_public=False,
        created_at=now,
    )
    ReportPhotoFactory.create(municipality=botosani, report=open_report)
    closed_report = ReportFactory.create(
        municipality=botosani,
        category=graffiti,
        status=ReportStatus.FIXED,
        latitude=47.7700,
        longitude=26.7000,
        created_at=now - datetime.timedelta(days=5),
        closed_at=now - datetime.timedelta(days=1),
        updated_at=now - datetime.timedelta(days=1),
    )
    return {
        "open": open_report,
        "closed": closed_report,
        "hidden": ReportFactory.create(municipality=botosani, category=pothole, is_hidden=True),
        "old": ReportFactory.create(
            municipality=botosani,
            category=pothole,
            created_at=now - datetime.timedelta(days=120),
        ),
        "elsewhere": ReportFactory.create(municipality=timisoara),
    }


def ids(items: list[dict[str, Any]]) -> list[int]:
    return [int(item["service_request_id"]) for item in items]


@pytest.mark.parametrize("format", FORMATS)
def test_requests_lists_public_reports_of_the_last_90_days(
    client: Client, reports: dict[str, Report], format: str
) -> None:
    response = client.get(f"{BASE}/requests.{format}")

    items = requests_of(response, format)
    assert ids(items) == [reports["open"].pk, reports["closed"].pk]
    assert all(list(item) == REQUEST_FIELDS for item in items)
    first, second = items
    assert first["status"] == "open"
    assert second["status"] == "closed"
    assert first["status_notes"] == "Crew sent."
    assert first["service_code"] == "pothole"
    assert first["service_name"] == "Pothole"
    assert first["address"] == "Strada Marchian 5"
    assert first["agency_responsible"] == reports["open"].department.name  # type: ignore[union-attr]
    assert float(first["lat"]) == 47.748
    assert float(first["long"]) == 26.669
    assert first["media_url"].startswith(f"http://{BOTOSANI}/media/reports/photos/")
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3C_WITH_OFFSET.match(first[name]), first[name]
    closed_at = reports["closed"].closed_at
    assert closed_at is not None
    assert datetime.datetime.fromisoformat(second["updated_datetime"]) == closed_at.replace(
        microsecond=0
    )
    # No personal data, no internal notes.
    assert b"secret" not in response.content.lower()
    assert b"Secret Name" not in response.content
    assert b"0799999999" not in response.content
    assert b"contractor" not in response.content


@pytest.mark.parametrize("format", FORMATS)
def test_requests_filters(client: Client, reports: dict[str, Report], format: str) -> None:
    def listed(**query: str) -> list[int]:
        return ids(requests_of(client.get(f"{BASE}/requests.{format}", query), format))

    open_id, closed_id, old_id = reports["open"].pk, reports["closed"].pk, reports["old"].pk
    hidden_id, elsewhere_id = reports["hidden"].pk, reports["elsewhere"].pk
    # Ids override every other argument, and still never show hidden or other cities' reports.
    assert listed(
        service_request_id=f"{old_id},{closed_id},{hidden_id},{elsewhere_id}", status="open"
    ) == [closed_id, old_id]
    assert listed(service_code="graffiti") == [closed_id]
    assert listed(service_code="graffiti,pothole") == [open_id, closed_id]
    assert listed(status="open") == [open_id]
    assert listed(status="closed") == [closed_id]
    assert listed(status="open,closed") == [open_id, closed_id]
    now = timezone.now()
    start = (now - datetime.timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now - datetime.timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert listed(start_date=start, end_date=end) == [old_id]
    assert listed(start_date=start) == [old_id]
    assert listed(end_date=end) == [old_id]
    three_days_ago = (now - datetime.timedelta(days=3)).isoformat(timespec="seconds")
    assert listed(start_date=three_days_ago) == [open_id]
    assert listed(page_size="1") == [open_id]
    assert listed(page_size="1", page="2") == [closed_id]
    assert listed(page_size="1", page="3") == []
    updated_after = (now - datetime.timedelta(days=3)).isoformat(timespec="seconds")
    # Polling: oldest update first, the 90-day window on requested_datetime does not apply.
    assert listed(updated_after=updated_after) == [open_id, closed_id]
    a_day_and_a_half_ago = (now - datetime.timedelta(hours=36)).isoformat(timespec="seconds")
    assert listed(updated_after=a_day_and_a_half_ago) == [closed_id]
    assert listed(lat="47.7480", long="26.6690", radius="200") == [open_id]
    assert listed(lat="47.7480", long="26.6690", radius="5000") == [open_id, closed_id]


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"start_date": "yesterday"}, "start_date must be a W3C date"),
        ({"end_date": "2025-01-01T10:00:00"}, "end_date must be a W3C date"),
        ({"start_date": "2025-02-30"}, "start_date is not a valid date"),
        (
            {"start_date": "2025-03-01T00:00:00Z", "end_date": "2025-02-01T00:00:00Z"},
            "end_date must not be before start_date",
        ),
        (
            {"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-06-01T00:00:00Z"},
            "may not span more than 90 days",
        ),
        ({"updated_after": "soon"}, "updated_after"),
        ({"status": "pending"}, "status must be open, closed"),
        ({"service_request_id": "1,two"}, "service_request_id"),
        ({"page_size": "1001"}, "page_size must be a whole number from 1 to 1000"),
        ({"page": "0"}, "page must be a whole number"),
        ({"lat": "47.7"}, "lat and long must be sent together"),
        ({"lat": "47.7", "long": "26.6", "radius": "-5"}, "radius"),
        ({"radius": "100"}, "radius needs lat and long"),
    ],
)
def test_requests_bad_arguments_are_400(
    client: Client, reports: dict[str, Report], format: str, query: dict[str, str], fragment: str
) -> None:
    assert_errors(client.get(f"{BASE}/requests.{format}", query), format, 400, fragment)


def test_requests_list_takes_a_fixed_number_of_queries(
    client: Client, reports: dict[str, Report], pothole: Category
) -> None:
    client.get(f"{BASE}/requests.json")  # warm the host cache
    # Both measured answers are rendered, not served from the page cache (core.page_cache).
    cache_version_bump(pothole.municipality_id, "reports")
    with CaptureQueriesContext(connection) as few:
        client.get(f"{BASE}/requests.json")
    for _ in range(10):
        report = ReportFactory.create(municipality=pothole.municipality, category=pothole)
        ReportUpdateFactory.create(municipality=pothole.municipality, report=report)
        ReportPhotoFactory.create(municipality=pothole.municipality, report=report)

    cache_version_bump(pothole.municipality_id, "reports")
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"{BASE}/requests.json")

    assert len(json.loads(response.content)) == 12
    assert len(many) == len(few)


# GET request


@pytest.mark.parametrize("format", FORMATS)
def test_request_is_a_list_of_one(client: Client, reports: dict[str, Report], format: str) -> None:
    response = client.get(f"{BASE}/requests/{reports['open'].pk}.{format}")

    items = requests_of(response, format)
    assert ids(items) == [reports["open"].pk]
    assert list(items[0]) == REQUEST_FIELDS


@pytest.mark.parametrize("format", FORMATS)
def test_unknown_hidden_or_other_citys_request_is_404(
    client: Client, reports: dict[str, Report], format: str
) -> None:
    for service_request_id in (reports["hidden"].pk, reports["elsewhere"].pk, 999999, "abc"):
        response = client.get(f"{BASE}/requests/{service_request_id}.{format}")
        assert_errors(response, format, 404, f"service_request_id {service_request_id}")


# Errors shared by every endpoint


def test_unknown_format_is_404_in_json(client: Client, pothole: Category) -> None:
    for path in ("services.html", "services/pothole.yaml", "requests.csv", "discovery.txt"):
        assert_errors(client.get(f"{BASE}/{path}"), "json", 404, "Unknown format")


@pytest.mark.parametrize("format", FORMATS)
def test_unknown_resource_is_404_in_the_error_format(
    client: Client, botosani: Municipality, format: str
) -> None:
    assert_errors(client.get(f"{BASE}/nothing/here.{format}"), format, 404)


@pytest.mark.parametrize("format", FORMATS)
def test_wrong_method_is_refused(client: Client, pothole: Category, format: str) -> None:
    response = client.post(f"{BASE}/services.{format}")

    assert_errors(response, format, 405, "POST")
    assert response["Allow"] == "GET"


@pytest.mark.parametrize("format", FORMATS)
def test_platform_host_serves_no_jurisdiction(botosani: Municipality, format: str) -> None:
    response = english_client().get(f"{BASE}/services.{format}")

    assert_errors(response, format, 404, "jurisdiction")


def test_xml_leaves_out_characters_xml_cannot_carry(client: Client, pothole: Category) -> None:
    report = ReportFactory.create(
        municipality=pothole.municipality, category=pothole, description="Bell\x07 rings"
    )

    items = requests_of(client.get(f"{BASE}/requests/{report.pk}.xml"), "xml")

    assert items[0]["description"] == "Bell rings"


# Keys are issued in Django admin


def test_platform_admin_pages_for_keys_categories_neighbourhoods_and_reports_open(
    reports: dict[str, Report], pothole: Category, api_key: ApiKey
) -> None:
    admin_user = UserFactory.create(email="root@example.org", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin_user)

    pages = [
        "/admin/reports/apikey/",
        "/admin/reports/apikey/add/",
        f"/admin/reports/apikey/{api_key.pk}/change/",
        "/admin/reports/category/",
        f"/admin/reports/category/{pothole.pk}/change/",
        "/admin/reports/neighbourhood/",
        "/admin/reports/report/",
        f"/admin/reports/report/{reports['open'].pk}/change/",
    ]

    assert [client.get(page).status_code for page in pages] == [200] * len(pages)
    assert api_key.key.encode() in client.get(f"/admin/reports/apikey/{api_key.pk}/change/").content


@pytest.mark.django_db
@pytest.mark.parametrize("format", FORMATS)
def test_post_request_with_only_an_address_string(
    client: Client, pothole: Category, api_key: ApiKey, format: str
) -> None:
    # The specification takes lat/long, or address_string, or address_id.
    response = client.post(f"{BASE}/requests.{format}", post_data(lat=None, long=None))

    assert response.status_code == 200
    report = Report.objects.get()
    assert (report.latitude, report.longitude, report.address) == (None, None, "Strada Marchian 5")
    listed = client.get(f"{BASE}/requests/{report.pk}.json").json()[0]
    assert (listed["lat"], listed["long"], listed["address"]) == (None, None, "Strada Marchian 5")
