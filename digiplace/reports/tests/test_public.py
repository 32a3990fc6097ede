"""Public reports pages: both languages, the new-report flow, errors that write nothing,
"me too", the edit window, privacy, city isolation and query counts."""

from __future__ import annotations

import datetime
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone
from PIL import Image

from digiplace.core.models import Municipality, User
from digiplace.reports.models import (
    AbuseFlag,
    AttributeDatatype,
    Category,
    NeighbourhoodSubscription,
    Report,
    ReportPhoto,
    ReportStatus,
    Supporter,
    UpdateKind,
)
from digiplace.reports.tests.factories import (
    CategoryAttributeFactory,
    CategoryFactory,
    NeighbourhoodFactory,
    ReportFactory,
    ReportPhotoFactory,
    ReportUpdateFactory,
    SupporterFactory,
)
from digiplace.reports.tests.test_photos import GPS_IFD, jpeg_with_gps

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"
LANGUAGES = ("ro", "en")


def _get(client: Client, path: str, *, language: str = "en", host: str = BOTOSANI, **extra: Any):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(path, HTTP_HOST=host, **extra)


def _post(client: Client, path: str, data: dict[str, Any], *, language: str = "en"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.post(path, data, HTTP_HOST=BOTOSANI)


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def container(botosani: Municipality) -> Category:
    category = CategoryFactory.create(
        municipality=botosani,
        service_code="container",
        name_ro="Container plin",
        name_en="Overflowing container",
    )
    CategoryAttributeFactory.create(
        municipality=botosani,
        category=category,
        code="bins",
        datatype=AttributeDatatype.NUMBER,
        description_en="How many bins?",
        description_ro="Câte containere?",
        required=True,
    )
    return category


@pytest.fixture
def report(container: Category) -> Report:
    return ReportFactory.create(
        municipality=container.municipality,
        category=container,
        description="Bins full near the school.",
        reporter_name="Secret Person",
        reporter_email="secret@example.org",
        reporter_phone="+40 700 000 111",
        is_anonymous=True,
    )


def _new_report_data(category: Category, /, **changes: Any) -> dict[str, Any]:
    data = {
        "category": str(category.pk),
        "latitude": "47.7486",
        "longitude": "26.6694",
        "address": "Strada Marchian 1",
        "description": "The containers overflow since Monday.",
        "attribute_bins": "3",
        "reporter_name": "Maria Ionescu",
        "reporter_email": "maria@example.org",
        "is_anonymous": "on",
    }
    data.update(changes)
    return data


# Pages in both languages


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_public_page_answers_in_both_languages(
    client: Client, report: Report, container: Category, language: str
) -> None:
    ReportUpdateFactory.create(municipality=report.municipality, report=report)
    paths = [
        "/reports/",
        "/reports/new/",
        f"/reports/new/?category={container.service_code}",
        f"/reports/new/questions/?category={container.pk}",
        f"/reports/new/nearby/?category={container.pk}&latitude=47.7486&longitude=26.6694",
        f"/reports/{report.pk}/",
        "/reports/statistics/",
        "/reports/statistics/?period=365",
        "/reports/statistics.csv?period=90",
        "/reports/map-data.json?bbox=47.7,26.6,47.8,26.7",
    ]
    for path in paths:
        response = _get(client, path, language=language)
        assert response.status_code == 200, path
    page = _get(client, "/reports/", language=language).content.decode()
    assert f'<html lang="{language}">' in page
    expected = "Container plin" if language == "ro" else "Overflowing container"
    assert expected in page
    question = _get(client, f"/reports/new/?category={container.service_code}", language=language)
    assert (
        "Câte containere?" if language == "ro" else "How many bins?"
    ) in question.content.decode()


def test_navigation_has_the_reports_entry(client: Client, botosani: Municipality) -> None:
    page = _get(client, "/").content.decode()

    assert 'href="/reports/"' in page


# A new report


def test_new_report_with_a_photo_is_stored_without_exif_and_redirects(
    client: Client, container: Category
) -> None:
    photo = SimpleUploadedFile("bins.jpg", jpeg_with_gps(), content_type="image/jpeg")

    response = _post(client, "/reports/new/", {**_new_report_data(container), "photos": [photo]})

    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/reports/{report.pk}/?token={report.token}"
    assert report.attributes == {"bins": "3"}
    assert report.is_anonymous is True
    assert report.reporter_email == "maria@example.org"
    assert report.locale == "en"
    stored = report.photos.get()
    with stored.image.open("rb") as file:
        data = file.read()
    image = Image.open(io.BytesIO(data))
    assert dict(image.getexif()) == {}
    assert not image.getexif().get_ifd(GPS_IFD)
    assert b"Exif" not in data
    page = client.get(response["Location"], HTTP_HOST=BOTOSANI).content.decode()
    assert f"Your report #{report.pk} was sent to the city." in page
    assert stored.image.url in page
    assert "Maria Ionescu" not in page
    assert "maria@example.org" not in page


def test_a_logged_in_person_reports_with_the_account(
    client: Client, container: Category, resident: User
) -> None:
    client.force_login(resident)
    data = _new_report_data(container, is_anonymous="")
    del data["reporter_name"], data["reporter_email"]

    response = _post(client, "/reports/new/", data)

    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/reports/{report.pk}/"
    assert report.reporter == resident
    assert report.is_anonymous is False
    page = client.get(response["Location"], HTTP_HOST=BOTOSANI).content.decode()
    assert "by Ana Popescu" in page
    assert "resident@example.org" not in page


@pytest.mark.parametrize(
    ("changes", "field_error"),
    [
        ({"description": "  "}, "Describe the problem."),
        ({"attribute_bins": "many"}, "“How many bins?”: enter a number."),
        ({"attribute_bins": ""}, "Answer the question “How many bins?”."),
        ({"latitude": "45.75", "longitude": "21.22"}, "This place is outside"),
        ({"latitude": "abc"}, "Give the place as a latitude and a longitude."),
        ({"latitude": "", "longitude": "", "address": ""}, "Show where the problem is"),
        ({"reporter_email": "not-an-email"}, "Enter a valid email address."),
        ({"reporter_name": ""}, "Give your name."),
        ({"category": ""}, "Choose a category."),
    ],
)
def test_bad_input_shows_the_error_and_writes_nothing(
    client: Client, container: Category, changes: dict[str, str], field_error: str
) -> None:
    response = _post(client, "/reports/new/", _new_report_data(container, **changes))

    assert response.status_code == 400
    assert field_error in response.content.decode()
    assert Report.objects.count() == 0
    assert ReportPhoto.objects.count() == 0


def test_a_text_file_as_photo_is_refused(client: Client, container: Category) -> None:
    text = SimpleUploadedFile("notes.jpg", b"just some text", content_type="image/jpeg")

    response = _post(client, "/reports/new/", {**_new_report_data(container), "photos": [text]})

    assert response.status_code == 400
    assert "Photo 1:" in response.content.decode()
    assert Report.objects.count() == 0
    assert ReportPhoto.objects.count() == 0


def test_errors_are_in_the_page_language(client: Client, container: Category) -> None:
    response = _post(
        client,
        "/reports/new/",
        _new_report_data(container, latitude="45.75", longitude="21.22", description=""),
        language="ro",
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Describe the problem." not in page
    assert "Municipiul Botoșani" in page
    assert Report.objects.count() == 0


# Nearby and "me too"


def test_nearby_shows_open_reports_of_the_category_and_me_too_adds_a_supporter(
    client: Client,
    report: Report,
    container: Category,
    botosani: Municipality,
    django_capture_on_commit_callbacks: Any,
) -> None:
    far = ReportFactory.create(
        municipality=botosani, category=container, latitude=47.76, longitude=26.69
    )
    closed = ReportFactory.create(
        municipality=botosani, category=container, status=ReportStatus.FIXED
    )
    other = ReportFactory.create(municipality=botosani)

    fragment = _get(
        client,
        f"/reports/new/nearby/?category={container.pk}&latitude=47.7487&longitude=26.6695",
    ).content.decode()

    assert f"#{report.pk} " in fragment
    assert f'action="/reports/{report.pk}/support/"' in fragment
    for absent in (far, closed, other):
        assert f"#{absent.pk} " not in fragment

    # The support is recorded by a task after the commit (the answer takes the same time
    # whoever the address belongs to).
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            client, f"/reports/{report.pk}/support/", {"email": "neighbour@example.org"}
        )

    assert response.status_code == 302
    assert list(Supporter.objects.values_list("report_id", "email")) == [
        (report.pk, "neighbour@example.org")
    ]
    # Counted once the address confirms by the emailed link (test_support_confirmation).
    Supporter.objects.update(confirmed_at=timezone.now())
    page = client.get(f"/reports/{report.pk}/", HTTP_HOST=BOTOSANI).content.decode()
    assert "1 person has the same problem" in page
    assert "neighbour@example.org" not in page


def test_me_too_with_a_bad_email_writes_nothing(client: Client, report: Report) -> None:
    response = _post(client, f"/reports/{report.pk}/support/", {"email": "nope"})

    assert response.status_code == 400
    assert Supporter.objects.count() == 0


def test_report_abuse_records_a_flag(client: Client, report: Report) -> None:
    response = _post(client, f"/reports/{report.pk}/flag/", {"reason": "Names a neighbour"})

    assert response.status_code == 302
    assert list(AbuseFlag.objects.values_list("report_id", "reason")) == [
        (report.pk, "Names a neighbour")
    ]


# The edit window


def test_the_reporter_with_the_token_corrects_then_is_refused_after_the_window(
    client: Client, report: Report
) -> None:
    page = _get(client, f"/reports/{report.pk}/?token={report.token}").content.decode()
    assert "Correct your report" in page
    assert "Correct your report" not in _get(client, f"/reports/{report.pk}/").content.decode()

    response = _post(
        client,
        f"/reports/{report.pk}/edit/",
        {"description": "Bins full near the school, since Monday.", "token": str(report.token)},
    )

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.description == "Bins full near the school, since Monday."
    assert report.updates.filter(kind=UpdateKind.EDITED).count() == 1

    Report.objects.filter(pk=report.pk).update(
        editable_until=timezone.now() - datetime.timedelta(minutes=1)
    )
    response = _post(
        client,
        f"/reports/{report.pk}/edit/",
        {"description": "Changed too late.", "token": str(report.token)},
    )

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.description == "Bins full near the school, since Monday."
    page = _get(client, f"/reports/{report.pk}/?token={report.token}").content.decode()
    assert "Correct your report" not in page


def test_a_wrong_token_cannot_edit(client: Client, report: Report) -> None:
    _post(
        client,
        f"/reports/{report.pk}/edit/",
        {"description": "Vandalised.", "token": "00000000-0000-0000-0000-000000000000"},
    )

    report.refresh_from_db()
    assert report.description == "Bins full near the school."


def test_an_account_report_is_corrected_only_by_its_account(
    client: Client, container: Category, resident: User
) -> None:
    report = ReportFactory.create(
        municipality=container.municipality, category=container, reporter=resident
    )
    _post(client, f"/reports/{report.pk}/edit/", {"description": "Someone else's text."})
    report.refresh_from_db()
    assert report.description != "Someone else's text."

    client.force_login(resident)
    response = _post(client, f"/reports/{report.pk}/edit/", {"description": "My own text."})

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.description == "My own text."


# The list, the map data and privacy


def test_filters_narrow_the_list_and_the_map_data(
    client: Client, report: Report, container: Category, botosani: Municipality
) -> None:
    fixed = ReportFactory.create(
        municipality=botosani, category=container, status=ReportStatus.FIXED
    )
    other = ReportFactory.create(municipality=botosani)

    page = _get(client, "/reports/?status=closed").content.decode()
    data = _get(client, "/reports/map-data.json?status=open&category=container").json()

    assert f'href="/reports/{fixed.pk}/"' in page
    assert f'href="/reports/{report.pk}/"' not in page
    assert [feature["properties"]["id"] for feature in data["features"]] == [report.pk]
    assert other.pk not in [feature["properties"]["id"] for feature in data["features"]]


def test_the_htmx_list_answers_a_fragment(client: Client, report: Report) -> None:
    response = _get(client, "/reports/?status=open", HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert "<html" not in body
    assert 'hx-swap-oob="innerHTML"' in body
    assert "1 report found" in body


def test_map_data_keeps_to_the_viewport(client: Client, report: Report) -> None:
    inside = _get(client, "/reports/map-data.json?bbox=47.74,26.66,47.76,26.68").json()
    outside = _get(client, "/reports/map-data.json?bbox=47.70,26.59,47.72,26.61").json()

    assert [feature["properties"]["id"] for feature in inside["features"]] == [report.pk]
    assert inside["features"][0]["geometry"]["coordinates"] == [report.longitude, report.latitude]
    assert outside["features"] == []


def test_hidden_reports_appear_nowhere(
    client: Client, report: Report, container: Category, botosani: Municipality
) -> None:
    hidden = ReportFactory.create(
        municipality=botosani,
        category=container,
        description="Hidden words here",
        is_hidden=True,
        status=ReportStatus.FIXED,
        closed_at=timezone.now(),
    )

    assert _get(client, f"/reports/{hidden.pk}/").status_code == 404
    assert "Hidden words here" not in _get(client, "/reports/").content.decode()
    data = _get(client, "/reports/map-data.json").json()
    assert hidden.pk not in [feature["properties"]["id"] for feature in data["features"]]
    nearby = _get(
        client, f"/reports/new/nearby/?category={container.pk}&latitude=47.7486&longitude=26.6694"
    ).content.decode()
    assert f"#{hidden.pk} " not in nearby
    statistics = _get(client, "/reports/statistics.csv?period=30").content.decode()
    assert "container,Overflowing container,30,1,0," in statistics
    assert (
        _post(client, f"/reports/{hidden.pk}/support/", {"email": "a@example.org"}).status_code
        == 404
    )


def test_hidden_photos_are_not_shown(client: Client, report: Report) -> None:
    shown = ReportPhotoFactory.create(municipality=report.municipality, report=report)
    hidden = ReportPhotoFactory.create(
        municipality=report.municipality, report=report, is_hidden=True
    )

    page = _get(client, f"/reports/{report.pk}/").content.decode()

    assert shown.image.url in page
    assert hidden.image.url not in page


def test_no_personal_data_in_pages_map_data_or_csv(
    client: Client, report: Report, botosani: Municipality
) -> None:
    staff = User.objects.create_user(email="officer@botosani.example", full_name="Officer Name")
    ReportUpdateFactory.create(
        municipality=botosani, report=report, author=staff, text="We will empty them."
    )
    ReportUpdateFactory.create(
        municipality=botosani,
        report=report,
        author=staff,
        kind=UpdateKind.NOTE,
        is_public=False,
        text="Internal: call the contractor",
    )
    SupporterFactory.create(municipality=botosani, report=report, email="fan@example.org")
    private = (
        "Secret Person",
        "secret@example.org",
        "+40 700 000 111",
        "Officer Name",
        "officer@botosani.example",
        "fan@example.org",
        "Internal: call the contractor",
    )

    bodies = [
        _get(client, "/reports/").content.decode(),
        _get(client, f"/reports/{report.pk}/").content.decode(),
        _get(client, "/reports/map-data.json").content.decode(),
        _get(client, "/reports/statistics/").content.decode(),
        _get(client, "/reports/statistics.csv?period=365").content.decode(),
        _get(
            client,
            f"/reports/new/nearby/?category={report.category_id}&latitude=47.7486&longitude=26.6694",
        ).content.decode(),
    ]

    for body in bodies:
        for value in private:
            assert value not in body
    detail = bodies[1]
    assert "We will empty them." in detail
    assert "City staff" in detail


def test_another_citys_report_answers_404(
    client: Client, report: Report, timisoara: Municipality
) -> None:
    assert _get(client, f"/reports/{report.pk}/", host=TIMISOARA).status_code == 404
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert (
        client.post(
            f"/reports/{report.pk}/support/", {"email": "x@example.org"}, HTTP_HOST=TIMISOARA
        ).status_code
        == 404
    )
    data = _get(client, "/reports/map-data.json", host=TIMISOARA).json()
    assert data["features"] == []
    assert (
        f"/reports/{report.pk}/" not in _get(client, "/reports/", host=TIMISOARA).content.decode()
    )


def test_a_category_of_another_city_cannot_be_used(
    client: Client, container: Category, timisoara: Municipality
) -> None:
    foreign = CategoryFactory.create(municipality=timisoara)

    response = _post(client, "/reports/new/", _new_report_data(container, category=str(foreign.pk)))

    assert response.status_code == 400
    assert Report.objects.count() == 0


def _count_queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert _get(client, path).status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_rows(
    client: Client, container: Category, botosani: Municipality
) -> None:
    neighbourhood = NeighbourhoodFactory.create(municipality=botosani)
    ReportFactory.create_batch(2, municipality=botosani, category=container)
    _get(client, "/reports/")  # warm the host and session caches
    _get(client, "/reports/map-data.json")
    list_few = _count_queries(client, "/reports/")
    map_few = _count_queries(client, "/reports/map-data.json")

    for category in CategoryFactory.create_batch(3, municipality=botosani):
        ReportFactory.create_batch(
            10, municipality=botosani, category=category, neighbourhood=neighbourhood
        )
    # The first request after a change computes the filters' counts again (once per change).
    _get(client, "/reports/")
    _get(client, "/reports/map-data.json")

    assert _count_queries(client, "/reports/") == list_few
    assert _count_queries(client, "/reports/map-data.json") == map_few
    assert map_few <= 5  # one of them the shared cache's read of the host's municipality


def test_map_data_is_capped(client: Client, container: Category, botosani: Municipality) -> None:
    from digiplace.reports import views_public

    ReportFactory.create_batch(5, municipality=botosani, category=container)
    original = views_public.MAP_POINTS_LIMIT
    views_public.MAP_POINTS_LIMIT = 3
    try:
        data = _get(client, "/reports/map-data.json").json()
    finally:
        views_public.MAP_POINTS_LIMIT = original

    assert len(data["features"]) == 3
    assert data["truncated"] is True


# Statistics


def test_statistics_csv_has_the_figures(
    client: Client, container: Category, botosani: Municipality
) -> None:
    created = timezone.now() - datetime.timedelta(days=10)
    ReportFactory.create(
        municipality=botosani,
        category=container,
        status=ReportStatus.FIXED,
        created_at=created,
        closed_at=created + datetime.timedelta(days=2),
    )
    ReportFactory.create(municipality=botosani, category=container)

    response = _get(client, "/reports/statistics.csv?period=30")
    rows = response.content.decode().splitlines()

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert rows[0] == (
        "scope,key,name,period_days,open,closed,median_days_to_close,closed_within_sla_share"
    )
    assert "category,container,Overflowing container,30,1,1,2.0,1.0" in rows
    page = _get(client, "/reports/statistics/?period=30").content.decode()
    assert "100%" in page


# Neighbourhood subscriptions


def test_subscribe_and_unsubscribe_to_a_neighbourhood(
    client: Client, botosani: Municipality, resident: User
) -> None:
    neighbourhood = NeighbourhoodFactory.create(
        municipality=botosani, slug="centru", name_en="Centre", name_ro="Centru"
    )
    assert "Log in" in _get(client, "/reports/").content.decode()
    assert _post(client, "/reports/subscriptions/", {"neighbourhood": "centru"}).status_code == 302
    assert NeighbourhoodSubscription.objects.count() == 0

    client.force_login(resident)
    response = _post(client, "/reports/subscriptions/", {"neighbourhood": "centru"})

    subscription = NeighbourhoodSubscription.objects.get()
    assert response.status_code == 302
    assert (subscription.user, subscription.neighbourhood) == (resident, neighbourhood)
    assert "Stop following Centre" in _get(client, "/reports/").content.decode()

    response = _post(client, f"/reports/subscriptions/{subscription.pk}/delete/", {})

    assert response.status_code == 302
    assert NeighbourhoodSubscription.objects.count() == 0


def test_map_data_is_json_geojson(client: Client, report: Report) -> None:
    response = _get(client, "/reports/map-data.json")

    data = json.loads(response.content)
    assert response["Content-Type"] == "application/json"
    assert data["type"] == "FeatureCollection"
    # Compact (issue #9): short properties, their names and the link pattern sent once.
    assert data["features"][0]["properties"] == {
        "id": report.pk,
        "s": report.status,
        "c": report.category_id,
        "d": formats.date_format(timezone.localtime(report.created_at).date(), "SHORT_DATE_FORMAT"),
    }
    assert data["categories"] == {str(report.category_id): "Overflowing container"}
    assert data["statuses"][report.status] == report.get_status_display()
    assert data["url"].replace("{id}", str(report.pk)) == f"/reports/{report.pk}/"


def test_a_report_can_give_only_an_address(client: Client, container: Category) -> None:
    data = _new_report_data(container, latitude="", longitude="", address="Piața Revoluției 1")

    response = _post(client, "/reports/new/", data)

    report = Report.objects.get()
    assert response.status_code == 302
    assert (report.latitude, report.longitude) == (None, None)
    assert report.address == "Piața Revoluției 1"
    page = client.get(response["Location"], HTTP_HOST=BOTOSANI).content.decode()
    assert "not a point on the map" in page
    assert "data-map" not in page
    listed = _get(client, "/reports/map-data.json").json()
    assert listed["features"] == []


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?bbox=47.745,26.655,47.765,26.675",
        "?bbox=47.755,26.64,47.80,26.70",
        "?status=open&bbox=47.74,26.60,47.80,26.70",
        "?category=container",
    ],
)
def test_map_points_cut_in_memory_equal_the_databases_answer(
    client: Client,
    container: Category,
    botosani: Municipality,
    monkeypatch: pytest.MonkeyPatch,
    query: str,
) -> None:
    from digiplace.reports import precomputed

    randomly = random.Random(9)
    for number in range(60):
        ReportFactory.create(
            municipality=botosani,
            **({"category": container} if number % 3 == 0 else {}),
            latitude=round(47.74 + randomly.random() * 0.03, 6),
            longitude=round(26.65 + randomly.random() * 0.03, 6),
            status=ReportStatus.FIXED if number % 4 == 0 else ReportStatus.NEW,
            created_at=timezone.now() - datetime.timedelta(hours=number),
        )
    # On the very edge of the viewport: the database includes the bounds, so must memory.
    ReportFactory.create(municipality=botosani, latitude=47.745, longitude=26.675)
    kept = _get(client, f"/reports/map-data.json{query}").json()
    monkeypatch.setattr(precomputed, "MAP_POINTS_KEPT", 0)  # too many: the database answers
    cache.clear()
    separator = "&" if "?" in query else "?"
    asked = _get(client, f"/reports/map-data.json{query}{separator}again=1").json()
    assert kept["features"], "the viewport holds reports"
    assert kept["features"] == asked["features"]
    assert kept["truncated"] == asked["truncated"]
