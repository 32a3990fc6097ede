"""No input gives a server error: each example of issue #7 (and its neighbours) answers 4xx
with a proper body, Open311 in its own error list, a page with its message in the page's
language. Run on PostgreSQL and on SQLite."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.views.debug import SafeExceptionReporterFilter

from digiplace.core.models import Municipality, StaffMembership
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.reports.models import ApiKey, Category, Report
from digiplace.reports.open311 import queries
from digiplace.reports.open311 import views as open311_views
from digiplace.reports.services import MAX_REPORTS_PER_PERSON
from digiplace.reports.tests.factories import ReportFactory
from digiplace.reports.tests.test_open311 import (
    BASE,
    FORMATS,
    assert_errors,
    english_client,
    post_data,
)

BOTOSANI = "botosani.localhost"


@pytest.fixture
def client() -> Client:
    return english_client(HTTP_HOST=BOTOSANI)


# Open311: the issue's examples


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"start_date": "9999-12-31"}, "start_date must be a date from 1900-01-01 to 2999-12-31"),
        ({"end_date": "0001-01-01"}, "end_date must be a date from 1900-01-01 to 2999-12-31"),
        ({"updated_after": "9999-12-31T23:59:59-12:00"}, "updated_after must be a date from"),
        ({"start_date": "2999-12-31"}, ""),  # the 90-day window ends after the last year
        (
            {"service_request_id": "99999999999999999999999"},
            "service_request_id must be a whole number from 1 to 9223372036854775807",
        ),
        ({"service_request_id": "1,²"}, "service_request_id must be a whole number"),
        ({"page": "²"}, "page must be a whole number written in digits 0-9"),
        ({"page_size": "²"}, "page_size must be a whole number written in digits 0-9"),
        ({"page": "99999999999999999999999"}, "page must be a whole number from 1 to"),
        ({"lat": "²", "long": "26.6"}, "lat must be a number written in digits 0-9"),
        ({"lat": "47.7", "long": "²"}, "long must be a number written in digits 0-9"),
        ({"lat": "47.7", "long": "inf"}, "long must be a number"),
        ({"lat": "nan", "long": "26.6"}, "lat must be a number"),
        ({"lat": "47.7", "long": "26.6", "radius": "inf"}, "radius must be a number"),
        ({"lat": "47.7", "long": "26.6", "radius": "²"}, "radius must be a number"),
        ({"lat": "47.7", "long": "26.6", "radius": "1e9"}, "radius must be a number"),
        ({"service_code": "pot\x00hole"}, "service_code must not contain NUL characters"),
        ({"status": "open\x00"}, "status must not contain NUL characters"),
    ],
)
def test_open311_requests_bad_arguments_are_400(
    client: Client, pothole: Category, format: str, query: dict[str, str], fragment: str
) -> None:
    response = client.get(f"{BASE}/requests.{format}", query)
    if not fragment:
        assert response.status_code == 200, response.content
        return
    assert_errors(response, format, 400, fragment)


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("request_id", ["²", "99999999999999999999999", "0", "-1", "1x"])
def test_open311_request_that_cannot_exist_is_404(
    client: Client, pothole: Category, format: str, request_id: str
) -> None:
    response = client.get(f"{BASE}/requests/{request_id}.{format}")
    assert_errors(response, format, 404, "was not found")


@pytest.mark.parametrize("format", FORMATS)
def test_open311_nul_in_a_path_is_400(client: Client, pothole: Category, format: str) -> None:
    assert_errors(
        client.get(f"{BASE}/services/pot%00hole.{format}"),
        format,
        400,
        "service_code must not contain NUL characters",
    )
    assert_errors(client.get(f"{BASE}/tokens/a%00b.{format}"), format, 400, "token must not")
    assert_errors(
        client.get(f"{BASE}/requests/1%00.{format}"), format, 400, "service_request_id must not"
    )


# Open311: POST requests


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"description": "A hole\x00"}, "description must not contain NUL characters"),
        ({"first_name": "A\x00na"}, "first_name must not contain NUL characters"),
        ({"attribute[lane]": "ri\x00ght"}, "attribute[lane] must not contain NUL characters"),
        ({"email": "a" * 250 + "@example.org"}, "email must be at most 254 characters long"),
        ({"first_name": "A" * 75}, "first_name must be at most 74 characters long"),
        ({"lat": "inf"}, "lat must be a number"),
        ({"lat": "²"}, "lat must be a number written in digits 0-9"),
    ],
)
def test_open311_post_bad_text_is_400_and_writes_nothing(
    client: Client, pothole: Category, api_key: ApiKey, overrides: dict[str, str], fragment: str
) -> None:
    response = client.post(f"{BASE}/requests.json", post_data(**overrides))
    assert_errors(response, "json", 400, fragment)
    assert Report.objects.count() == 0


def test_open311_api_key_in_the_url_is_refused(
    client: Client, pothole: Category, api_key: ApiKey
) -> None:
    data = post_data()
    key = data.pop("api_key")
    response = client.post(f"{BASE}/requests.json?api_key={key}", data)
    assert_errors(response, "json", 400, "Send api_key in the request body, not in the URL.")
    assert Report.objects.count() == 0


@pytest.mark.parametrize("format", FORMATS)
def test_open311_body_too_large_is_413(
    client: Client, pothole: Category, api_key: ApiKey, format: str, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post(f"{BASE}/requests.{format}", post_data(description="x" * 2000))
    assert_errors(response, format, 413, "The request body is too large.")
    assert Report.objects.count() == 0


@pytest.mark.parametrize("format", FORMATS)
def test_open311_body_declared_over_the_platform_limit_is_413_unread(
    client: Client, pothole: Category, api_key: ApiKey, format: str, settings: Any
) -> None:
    settings.MAX_REQUEST_BYTES = 1000
    response = client.post(f"{BASE}/requests.{format}", post_data(description="x" * 2000))
    assert_errors(response, format, 413, "The request body is too large: the limit is 1000 bytes.")
    assert Report.objects.count() == 0


@pytest.mark.parametrize("format", FORMATS)
def test_open311_body_that_cannot_be_read_is_400(
    client: Client, pothole: Category, api_key: ApiKey, format: str
) -> None:
    response = client.post(
        f"{BASE}/requests.{format}", "api_key=x", content_type="multipart/form-data; boundary="
    )
    assert_errors(response, format, 400, "The request could not be read.")
    assert Report.objects.count() == 0


@pytest.mark.parametrize("format", FORMATS)
def test_open311_rate_limit_is_429(
    client: Client, pothole: Category, api_key: ApiKey, format: str, botosani: Municipality
) -> None:
    ReportFactory.create_batch(
        MAX_REPORTS_PER_PERSON, municipality=botosani, reporter_email="ana@example.org"
    )
    response = client.post(f"{BASE}/requests.{format}", post_data(email="ana@example.org"))
    assert_errors(response, format, 429, "You have sent 10 reports in the last hour")
    assert response["Retry-After"] == "3600"
    assert Report.objects.count() == MAX_REPORTS_PER_PERSON


@pytest.mark.parametrize("format", FORMATS)
def test_open311_unknown_host_gets_the_error_list(pothole: Category, format: str) -> None:
    client = english_client(HTTP_HOST="nowhere.localhost")
    # The host is answered first, whatever the address under /open311/.
    for path in (
        f"{BASE}/services.{format}",
        f"{BASE}/requests/1.{format}",
        f"{BASE}/nothing.{format}",
        f"/open311/v1/services.{format}",
    ):
        assert_errors(client.get(path), format, 404, "This host serves no jurisdiction")


@pytest.mark.parametrize("format", FORMATS)
def test_open311_host_outside_allowed_hosts_gets_the_error_list(
    pothole: Category, format: str, settings: Any
) -> None:
    # In production ALLOWED_HOSTS lists the municipalities' hosts only.
    settings.ALLOWED_HOSTS = ["botosani.localhost"]
    client = english_client(HTTP_HOST="elsewhere.example.org")

    for path in (f"{BASE}/services.{format}", f"{BASE}/requests.{format}"):
        assert_errors(client.get(path), format, 404, "This host serves no jurisdiction")
    posted = client.post(f"{BASE}/requests.{format}", post_data())
    assert_errors(posted, format, 404, "This host serves no jurisdiction")
    assert Report.objects.count() == 0
    # Outside Open311, Django's own refusal stands.
    assert client.get("/reports/").status_code == 400


@pytest.mark.parametrize("format", FORMATS)
def test_open311_every_address_under_open311_answers_its_error_list(
    client: Client, botosani: Municipality, format: str
) -> None:
    for path in (f"/open311/services.{format}", f"/open311/v3/requests.{format}", "/open311/"):
        response = client.get(path)
        assert_errors(response, format if path.endswith(format) else "json", 404)


@pytest.mark.parametrize("format", FORMATS)
def test_open311_unexpected_failure_is_a_logged_500_in_the_error_list(
    client: Client,
    pothole: Category,
    format: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The only way to make a correct endpoint fail: its query breaks.
    def broken(**arguments: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(queries, "service_list", broken)
    with caplog.at_level(logging.ERROR, logger="digiplace.reports.open311.views"):
        response = client.get(f"{BASE}/services.{format}")
    assert_errors(response, format, 500, "Something went wrong on our side")
    assert "database went away" not in response.content.decode()
    assert any("database went away" in (record.exc_text or "") for record in caplog.records)


def test_open311_keys_are_left_out_of_error_reports(pothole: Category) -> None:
    request = RequestFactory().post(
        f"{BASE}/requests.json", {"api_key": "s3cret", "service_code": "pothole"}
    )

    open311_views.requests(request, format="json")

    reported = SafeExceptionReporterFilter().get_post_parameters(request)
    assert reported["api_key"] != "s3cret"
    assert reported["service_code"] == "pothole"


# Public pages


def _get(client: Client, path: str) -> Any:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.get(path, HTTP_HOST=BOTOSANI)


def test_new_report_with_an_unknown_category_in_the_link_is_400(
    client: Client, pothole: Category
) -> None:
    for category in ("²", "99999999999999999999999", "nothing", "a\x00b"):
        response = _get(client, f"/reports/new/?category={category}")
        assert response.status_code == 400
        assert "The category in this link is not offered here" in response.content.decode()
    assert _get(client, f"/reports/new/?category={pothole.pk}").status_code == 200
    assert _get(client, "/reports/new/?category=pothole").status_code == 200
    assert _get(client, "/reports/new/questions/?category=²").status_code == 400


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("latitude=inf&longitude=1", "latitude must be a number"),
        ("latitude=47.7&longitude=nan", "longitude must be a number"),
        ("latitude=²&longitude=26.6", "latitude must be a number written in digits 0-9"),
        ("latitude=95&longitude=26.6", "latitude must be a number from -90 to 90"),
    ],
)
def test_nearby_with_a_bad_place_is_400(
    client: Client, pothole: Category, query: str, message: str
) -> None:
    response = _get(client, f"/reports/new/nearby/?category={pothole.pk}&{query}")
    assert response.status_code == 400
    assert message in response.content.decode()


def test_nearby_with_the_issue_example_is_400(client: Client, botosani: Municipality) -> None:
    response = _get(client, "/reports/new/nearby/?category=4&latitude=inf&longitude=1")
    assert response.status_code == 400
    assert response.content.decode() == (
        '<p class="error">latitude must be a number written in digits 0-9, such as 12.5.</p>'
    )


@pytest.mark.parametrize(
    "query", ["date_from=0001-01-01", "date_to=9999-12-31", "date_from=2026-02-30"]
)
def test_report_list_with_a_date_out_of_range_is_400_with_the_message(
    client: Client, pothole: Category, query: str
) -> None:
    ReportFactory.create(municipality=pothole.municipality, category=pothole)
    response = _get(client, f"/reports/?{query}")
    assert response.status_code == 400
    assert "Please correct the errors below." in response.content.decode()


def test_report_list_filtered_by_htmx_with_a_bad_date_loads_the_whole_page(
    client: Client, pothole: Category
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(
        "/reports/?date_from=0001-01-01&status=open", HTTP_HOST=BOTOSANI, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert response["HX-Redirect"] == "/reports/?date_from=0001-01-01&status=open"
    good = client.get("/reports/?status=open", HTTP_HOST=BOTOSANI, HTTP_HX_REQUEST="true")
    assert good.status_code == 200
    assert "HX-Redirect" not in good


def test_report_list_date_message_for_extreme_years(client: Client, pothole: Category) -> None:
    response = _get(client, "/reports/?date_from=0001-01-01")
    assert "Enter a date from 1900-01-01 to 2999-12-31." in response.content.decode()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("date_from=0001-01-01", "date_from", "Enter a date from 1900-01-01 to 2999-12-31."),
        (
            "bbox=inf,26.6,47.8,26.7",
            "bbox",
            "bbox must be a number written in digits 0-9, such as 12.5.",
        ),
        ("bbox=47.7,26.6,47.8", "bbox", "bbox must be four numbers: south,west,north,east."),
    ],
)
def test_map_data_with_bad_filters_is_400_json(
    client: Client, pothole: Category, query: str, field: str, message: str
) -> None:
    response = _get(client, f"/reports/map-data.json?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"errors": {field: [message]}}


def test_extreme_but_valid_dates_filter_the_list(client: Client, pothole: Category) -> None:
    report = ReportFactory.create(municipality=pothole.municipality, category=pothole)
    response = _get(client, "/reports/?date_from=1900-01-01&date_to=2999-12-31")
    assert response.status_code == 200
    assert f"#{report.pk}" in response.content.decode()
    data = json.loads(
        _get(client, "/reports/map-data.json?date_from=1900-01-01&date_to=2999-12-31").content
    )
    assert [feature["properties"]["id"] for feature in data["features"]] == [report.pk]


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("²", "period must be a whole number written in digits 0-9."),
        ("inf", "period must be a whole number written in digits 0-9."),
        ("99999999999999999999999", "period must be a whole number from 1 to 2147483647."),
        ("9999999999", "period must be a whole number from 1 to 2147483647."),
        ("7", "period must be one of 30, 90, 365 (days)."),
    ],
)
def test_statistics_with_a_bad_period_is_400_with_the_message(
    client: Client, pothole: Category, period: str, message: str
) -> None:
    page = _get(client, f"/reports/statistics/?period={period}")
    csv = _get(client, f"/reports/statistics.csv?period={period}")

    assert page.status_code == 400
    assert message in page.content.decode()
    assert (csv.status_code, csv.content.decode()) == (400, message)


def test_statistics_without_a_period_show_the_default(client: Client, pothole: Category) -> None:
    for query in ("", "?period=", "?period=90"):
        assert _get(client, f"/reports/statistics/{query}").status_code == 200
        assert _get(client, f"/reports/statistics.csv{query}").status_code == 200


# The staff queue


@pytest.fixture
def staff_client(botosani: Municipality) -> Client:
    membership: StaffMembership = StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="roads@botosani.example"),
        modules=["reports"],
    )
    client = english_client()
    client.force_login(membership.user)
    return client


def test_queue_search_with_unicode_digits_searches_the_text(
    staff_client: Client, pothole: Category
) -> None:
    """``?q=²`` is text a person may search for (m², for example), not a report number."""
    square = ReportFactory.create(
        municipality=pothole.municipality, category=pothole, description="A hole of 2 m² here"
    )
    other = ReportFactory.create(municipality=pothole.municipality, category=pothole)
    square_link, other_link = (f"/backoffice/reports/{report.pk}/" for report in (square, other))
    for query in ("²", "#²", "99999999999999999999999", "#99999999999999999999999"):
        response = staff_client.get("/backoffice/reports/", {"q": query}, HTTP_HOST=BOTOSANI)
        assert response.status_code == 200
        page = response.content.decode()
        assert (square_link in page) is (query == "²"), query
        assert other_link not in page
    response = staff_client.get("/backoffice/reports/", {"q": f"#{other.pk}"}, HTTP_HOST=BOTOSANI)
    assert other_link in response.content.decode()
    assert square_link not in response.content.decode()


# Emails longer than the column (254) but valid by the standard (up to 320) and NUL in forms

LONG_EMAIL = "a" * 60 + "." + "b" * 60 + "." + "c" * 60 + "@" + "d" * 60 + ".example.org"


def test_long_email_is_valid_by_the_standard_but_longer_than_the_column() -> None:
    from django.core.validators import validate_email

    validate_email(LONG_EMAIL)
    assert len(LONG_EMAIL) > Report._meta.get_field("reporter_email").max_length  # type: ignore[operator]


def test_new_report_with_an_over_long_email_is_400_and_writes_nothing(
    client: Client, pothole: Category
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        "/reports/new/",
        {
            "category": pothole.pk,
            "latitude": "47.7480",
            "longitude": "26.6690",
            "description": "A deep pothole.",
            "reporter_name": "Ana",
            "reporter_email": LONG_EMAIL,
            "attribute_depth": "12",
            "is_anonymous": "on",
        },
        HTTP_HOST=BOTOSANI,
    )
    assert response.status_code == 400
    assert "Ensure this value has at most 254 characters" in response.content.decode()
    assert Report.objects.count() == 0


def test_me_too_with_an_over_long_email_is_400_and_writes_nothing(
    client: Client, pothole: Category
) -> None:
    report = ReportFactory.create(municipality=pothole.municipality, category=pothole)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        f"/reports/{report.pk}/support/", {"email": LONG_EMAIL}, HTTP_HOST=BOTOSANI
    )
    assert response.status_code == 400
    assert report.supporters.count() == 0
