"""The network's pages: the public GTFS zip (with its ETag) and open-data page, the sitemap
section, and staff's back office (who may open it, another city's records, audited edits,
refusals in the user's language with nothing written, the upload with its preview)."""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from digiplace.core.models import AuditLogEntry, Municipality, StaffMembership
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.mobility.gtfs.reader import read_feed
from digiplace.mobility.models import Service, Stop, StopTime, Trip
from digiplace.mobility.sitemaps import sitemaps
from digiplace.mobility.tests.factories_net import StopFactory, build_line

pytestmark = pytest.mark.django_db

BOTOSANI = "botosani.localhost"
BULL_RUNNER = Path(settings.BASE_DIR).parent / "shared" / "data" / "gtfs" / "bullrunner_gtfs.zip"


def client_for(membership: StaffMembership | None = None, host: str = BOTOSANI) -> Client:
    client = Client(HTTP_HOST=host)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if membership is not None:
        client.force_login(membership.user)
    return client


@pytest.fixture
def dispatcher(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="network@botosani.example"),
        modules=["mobility"],
    )


def _audited(city: Municipality, target_type: str, action: str) -> bool:
    return AuditLogEntry.objects.filter(
        municipality=city, target_type=target_type, action=action
    ).exists()


def test_the_public_zip_is_the_citys_network_with_an_etag(botosani, timisoara):
    build_line(botosani, stops=3, every_minutes=30, last=datetime.time(7, 0))
    build_line(timisoara, stops=4, name="T")
    client = client_for()
    response = client.get(reverse("mobility:gtfs_zip"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    feed, report = read_feed(io.BytesIO(response.content))
    assert report.ok
    assert [stop["gtfs_id"] for stop in feed.stops] == ["1-s1", "1-s2", "1-s3"]
    assert len(feed.trips) == 3
    again = client.get(reverse("mobility:gtfs_zip"), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert botosani.name in archive.read("feed_info.txt").decode()


def test_the_open_data_page_gives_the_feeds_addresses(botosani):
    response = client_for().get(reverse("mobility:open_data"))
    assert response.status_code == 200
    content = response.content.decode()
    for path in (
        "/mobility/gtfs.zip",
        "/gtfs-rt/vehicle-positions.pb",
        "/gtfs-rt/trip-updates.pb",
        "/gtfs-rt/alerts.pb",
    ):
        assert path in content
    assert "Timetables and live data for apps" in content


def test_the_sitemap_lists_the_open_data_page(botosani):
    section = sitemaps(botosani)["mobility"]
    assert "/mobility/data/" in [section.location(item) for item in section.items()]


def test_staff_without_the_module_are_refused(botosani, botosani_staff):
    stop = StopFactory.create(municipality=botosani)
    client = client_for(botosani_staff)
    for url in (
        reverse("mobility_backoffice:network"),
        reverse("mobility_backoffice:network_stops"),
        reverse("mobility_backoffice:network_stop_edit", args=[stop.pk]),
    ):
        assert client.get(url).status_code == 403
    assert client_for().get(reverse("mobility_backoffice:network")).status_code in (302, 403)


def test_another_citys_records_are_not_found(botosani, timisoara, dispatcher):
    line = build_line(timisoara, stops=2, every_minutes=60, last=datetime.time(7, 0))
    client = client_for(dispatcher)
    for name, pk in (
        ("network_stop_edit", line.stops[0].pk),
        ("network_route_edit", line.route.pk),
        ("network_route_timetable", line.route.pk),
        ("network_trip_edit", line.trips[0].pk),
        ("network_service_edit", line.service.pk),
    ):
        assert client.get(reverse(f"mobility_backoffice:{name}", args=[pk])).status_code == 404
    response = client.post(
        reverse("mobility_backoffice:network_trip_delete", args=[line.trips[0].pk])
    )
    assert response.status_code == 404
    assert Trip.objects.filter(pk=line.trips[0].pk).exists()


def test_the_network_pages_open(botosani, dispatcher):
    line = build_line(botosani, stops=3, every_minutes=60, last=datetime.time(8, 0))
    client = client_for(dispatcher)
    for url in (
        reverse("mobility_backoffice:network"),
        reverse("mobility_backoffice:network_stops"),
        reverse("mobility_backoffice:network_stop_create"),
        reverse("mobility_backoffice:network_stop_edit", args=[line.stops[0].pk]),
        reverse("mobility_backoffice:network_routes"),
        reverse("mobility_backoffice:network_route_edit", args=[line.route.pk]),
        reverse("mobility_backoffice:network_route_timetable", args=[line.route.pk]),
        reverse("mobility_backoffice:network_trip_edit", args=[line.trips[0].pk]),
        reverse("mobility_backoffice:network_services"),
        reverse("mobility_backoffice:network_service_edit", args=[line.service.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    timetable = client.get(
        reverse("mobility_backoffice:network_route_timetable", args=[line.route.pk])
    ).content.decode()
    assert "06:00:00" in timetable and "08:04:00" in timetable


def test_a_stop_is_added_and_edited_audited(botosani, dispatcher):
    client = client_for(dispatcher)
    response = client.post(
        reverse("mobility_backoffice:network_stop_create"),
        {
            "gtfs_id": "PR1",
            "code": "101",
            "name": "Piața Revoluției",
            "description": "",
            "latitude": "47.7486",
            "longitude": "26.6694",
            "wheelchair_boarding": "1",
        },
    )
    assert response.status_code == 302
    stop = Stop.objects.get(municipality=botosani, gtfs_id="PR1")
    assert _audited(botosani, "mobility.Stop", "create")
    response = client.post(
        reverse("mobility_backoffice:network_stop_edit", args=[stop.pk]),
        {
            "gtfs_id": "PR1",
            "code": "101",
            "name": "Piața Revoluției (Teatru)",
            "description": "",
            "latitude": "47.7490",
            "longitude": "26.6690",
            "wheelchair_boarding": "1",
        },
    )
    assert response.status_code == 302
    stop.refresh_from_db()
    assert stop.name == "Piața Revoluției (Teatru)" and stop.latitude == 47.749
    entry = AuditLogEntry.objects.get(
        municipality=botosani, target_type="mobility.Stop", action="update"
    )
    assert entry.after == {"latitude": 47.749, "longitude": 26.669, "name": stop.name}


def test_a_stop_with_a_bad_position_or_a_used_id_is_refused(botosani, dispatcher):
    StopFactory.create(municipality=botosani, gtfs_id="USED")
    client = client_for(dispatcher)
    data = {
        "gtfs_id": "NEW",
        "name": "Nowhere",
        "latitude": "147",
        "longitude": "26.6",
        "wheelchair_boarding": "0",
    }
    response = client.post(reverse("mobility_backoffice:network_stop_create"), data)
    assert response.status_code == 400
    assert "Ensure this value is less than or equal to 90" in response.content.decode()
    response = client.post(
        reverse("mobility_backoffice:network_stop_create"),
        {**data, "gtfs_id": "USED", "latitude": "47.7"},
    )
    assert response.status_code == 400
    assert "The id USED is already used." in response.content.decode()
    assert Stop.objects.for_municipality(botosani).count() == 1


def test_a_trip_is_copied_retimed_and_deleted_audited(botosani, dispatcher):
    line = build_line(botosani, stops=3, every_minutes=60, last=datetime.time(6, 0))
    trip = line.trips[0]
    client = client_for(dispatcher)
    response = client.post(
        reverse("mobility_backoffice:network_trip_copy", args=[trip.pk]),
        {"offset_minutes": "90", "gtfs_id": ""},
    )
    assert response.status_code == 302
    copy = Trip.objects.get(municipality=botosani, gtfs_id="1-0600+073000")
    assert list(copy.stop_times.order_by("sequence").values_list("departure", flat=True)) == [
        27000,
        27120,
        27240,
    ]
    assert _audited(botosani, "mobility.Trip", "create")

    edit = reverse("mobility_backoffice:network_trip_edit", args=[copy.pk])
    backwards = {
        "arrival_1": "07:30",
        "departure_1": "07:30",
        "arrival_2": "07:20",
        "departure_2": "07:20",
        "arrival_3": "07:40",
        "departure_3": "07:40",
    }
    response = client.post(edit, backwards)
    assert response.status_code == 400
    assert "The times go backwards at stop 2" in response.content.decode()
    assert copy.stop_times.get(sequence=2).arrival == 27120
    response = client.post(edit, {**backwards, "arrival_2": "07:35", "departure_2": "24:5"})
    assert response.status_code == 400
    assert "Write the time as HH:MM or HH:MM:SS" in response.content.decode()
    response = client.post(edit, {**backwards, "arrival_2": "07:35", "departure_2": "07:36"})
    assert response.status_code == 302
    assert copy.stop_times.get(sequence=2).departure == 7 * 3600 + 36 * 60
    assert _audited(botosani, "mobility.Trip", "update")

    response = client.post(reverse("mobility_backoffice:network_trip_delete", args=[copy.pk]))
    assert response.status_code == 302
    assert not Trip.objects.filter(pk=copy.pk).exists()
    assert not StopTime.objects.filter(trip_id=copy.pk).exists()
    assert _audited(botosani, "mobility.Trip", "delete")
    assert (
        client.get(reverse("mobility_backoffice:network_trip_delete", args=[trip.pk])).status_code
        == 405
    )


def test_a_calendar_and_a_route_are_edited(botosani, dispatcher):
    line = build_line(botosani, stops=2, every_minutes=60, last=datetime.time(6, 0))
    client = client_for(dispatcher)
    response = client.post(
        reverse("mobility_backoffice:network_service_edit", args=[line.service.pk]),
        {"saturday": "on", "sunday": "on", "start_date": "2026-12-31", "end_date": "2026-01-01"},
    )
    assert response.status_code == 400
    assert "The last day is before the first." in response.content.decode()
    response = client.post(
        reverse("mobility_backoffice:network_service_edit", args=[line.service.pk]),
        {"saturday": "on", "sunday": "on", "start_date": "2026-01-01", "end_date": "2026-12-31"},
    )
    assert response.status_code == 302
    service = Service.objects.get(pk=line.service.pk)
    assert service.saturday and service.sunday and not service.monday
    assert _audited(botosani, "mobility.Service", "update")
    response = client.post(
        reverse("mobility_backoffice:network_route_edit", args=[line.route.pk]),
        {"short_name": "1", "long_name": "Gară – Centru", "route_type": "11", "color": "#zz"},
    )
    assert response.status_code == 400
    assert "Six hexadecimal digits" in response.content.decode()
    response = client.post(
        reverse("mobility_backoffice:network_route_edit", args=[line.route.pk]),
        {"short_name": "1", "long_name": "Gară – Centru", "route_type": "11", "color": "#00aa00"},
    )
    assert response.status_code == 302
    line.route.refresh_from_db()
    assert line.route.route_type == 11 and line.route.color == "00AA00"


def test_an_upload_is_checked_then_imported(botosani, dispatcher):
    client = client_for(dispatcher)
    bad = SimpleUploadedFile("bad.zip", b"nothing", content_type="application/zip")
    response = client.post(reverse("mobility_backoffice:network_import_check"), {"file": bad})
    assert response.status_code == 400
    assert "The file is not a zip archive." in response.content.decode()
    upload = SimpleUploadedFile(
        "bullrunner.zip", BULL_RUNNER.read_bytes(), content_type="application/zip"
    )
    response = client.post(reverse("mobility_backoffice:network_import_check"), {"file": upload})
    assert response.status_code == 200
    content = response.content.decode()
    assert "The feed has no errors" in content and "stop_times.txt: 473" in content
    assert not Stop.objects.for_municipality(botosani).exists()
    token = response.context["token"]
    response = client.post(reverse("mobility_backoffice:network_import_confirm"), {"token": token})
    assert response.status_code == 302
    assert Stop.objects.for_municipality(botosani).count() == 125
    # The token was used up; another person's token does not work either.
    response = client.post(reverse("mobility_backoffice:network_import_confirm"), {"token": token})
    assert response.status_code == 302
    assert _audited(botosani, "mobility.NetworkImport", "create")


def test_a_calendars_exceptions_are_edited_and_run_on_their_days(botosani, dispatcher):
    from digiplace.core.models import AuditLogEntry
    from digiplace.mobility.models import ServiceException
    from digiplace.mobility.selectors.calendar import services_running

    line = build_line(botosani, stops=2, every_minutes=60, last=datetime.time(6, 0))
    client = client_for(dispatcher)
    url = reverse("mobility_backoffice:network_service_edit", args=[line.service.pk])
    weekdays = {
        "monday": "on",
        "tuesday": "on",
        "wednesday": "on",
        "thursday": "on",
        "friday": "on",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
    }
    # A Saturday added, Romania's national day (a Tuesday) removed.
    saturday, holiday = datetime.date(2026, 11, 28), datetime.date(2026, 12, 1)
    for bad, message in (
        ({"added": "2026-13-01"}, "“2026-13-01” is not a date (YYYY-MM-DD)."),
        (
            {"added": "2026-12-01", "removed": "2026-12-01"},
            "A day cannot be both added and removed: 2026-12-01.",
        ),
    ):
        response = client.post(url, {**weekdays, **bad})
        assert response.status_code == 400
        assert message in response.content.decode()
        assert not ServiceException.objects.filter(service=line.service).exists()

    response = client.post(url, {**weekdays, "added": f"{saturday}\n", "removed": f"  {holiday}  "})

    assert response.status_code == 302
    assert sorted(
        ServiceException.objects.filter(service=line.service).values_list("date", "exception_type")
    ) == [(saturday, 1), (holiday, 2)]
    assert line.service.pk in services_running(municipality=botosani, day=saturday)
    assert line.service.pk not in services_running(municipality=botosani, day=holiday)
    entry = AuditLogEntry.objects.filter(target_type="mobility.Service").latest("pk")
    assert entry.after is not None
    assert entry.after["exceptions"] == [[str(saturday), 1], [str(holiday), 2]]
    page = client.get(url).content.decode()
    assert str(saturday) in page and str(holiday) in page
