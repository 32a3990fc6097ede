"""The mobility module's stop display in a browser (issue #13): a stop display updates when a
bus moves; staff publish an alert that appears on the display and in the feed.

The bus moves the way a real one does: its position is written to its urban-data
``Vehicle`` entity, urban data's change listener hands it to the live tracking (tasks run
inline in tests), which matches it to its trip and predicts its arrivals; the display,
open all along, polls its board and shows the new minutes without reloading the page."""

from __future__ import annotations

import datetime
import http.client
import re
import time
import zoneinfo
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone
from google.transit import gtfs_realtime_pb2
from playwright.sync_api import Page, expect

from digiplace.core.models import Municipality
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.mobility import views_people
from digiplace.mobility.models import ServiceAlert, Stop, StopTime, Trip, VehicleState
from digiplace.mobility.tests.factories_control import VehicleEntityFactory, VehicleStateFactory
from digiplace.mobility.tests.factories_net import (
    RouteFactory,
    ServiceFactory,
    ShapeFactory,
    StopFactory,
    TripFactory,
)
from digiplace.mobility.tests.factories_people import seconds_of_day
from digiplace.urbandata.services.ingest import WriteMode, entities_write

from .conftest import NewSession, Sites, axe_violations, describe_violations
from .pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREEN = {"width": 1920, "height": 1080}
PHONE = {"width": 360, "height": 740}
# Stops 300 m apart eastwards, three minutes between them.
STOPS = 5
SPACING_DEGREES = 0.004
MINUTES_BETWEEN_STOPS = 3
# The display is for the fourth stop; the trip left the first four minutes ago.
DISPLAY_STOP = 4
LEFT_MINUTES_AGO = 4
FEED_WAIT_SECONDS = 15.0


def every_day_line(municipality: Municipality) -> tuple[Trip, list[Stop]]:
    """One line of ``STOPS`` stops along a straight shape, with one trip that left its first
    stop ``LEFT_MINUTES_AGO`` minutes ago (on a service running every day)."""
    service = ServiceFactory.create(
        municipality=municipality, gtfs_id="every-day", saturday=True, sunday=True
    )
    route = RouteFactory.create(
        municipality=municipality, gtfs_id="line-7", short_name="7", long_name="Gară – Centru"
    )
    latitude, longitude = municipality.centre_latitude, municipality.centre_longitude
    stops = [
        StopFactory.create(
            municipality=municipality,
            gtfs_id=f"s{number}",
            code=f"{number:03d}",
            name=name,
            latitude=latitude,
            longitude=longitude + (number - 1) * SPACING_DEGREES,
        )
        for number, name in enumerate(
            ("Gară", "Piața Mare", "Teatru", "Primărie", "Centru"), start=1
        )
    ]
    metres = SPACING_DEGREES * 111_320.0 * 0.6726  # cos(47.75°)
    shape = ShapeFactory.create(
        municipality=municipality,
        gtfs_id="line-7-shape",
        points=[
            [number, stop.latitude, stop.longitude, round((number - 1) * metres, 1)]
            for number, stop in enumerate(stops, start=1)
        ],
    )
    trip = TripFactory.create(
        municipality=municipality,
        gtfs_id="line-7-trip",
        route=route,
        service=service,
        shape=shape,
        headsign="Centru",
    )
    _day, first = seconds_of_day(
        municipality, timezone.now() - datetime.timedelta(minutes=LEFT_MINUTES_AGO)
    )
    StopTime.objects.bulk_create(
        StopTime(
            trip=trip,
            stop=stop,
            sequence=number,
            arrival=first + (number - 1) * MINUTES_BETWEEN_STOPS * 60,
            departure=first + (number - 1) * MINUTES_BETWEEN_STOPS * 60,
            shape_dist_traveled=round((number - 1) * metres, 1),
        )
        for number, stop in enumerate(stops, start=1)
    )
    return trip, stops


def position_write(
    vehicle: VehicleState, stop: Stop, trip: Trip, observed_at: datetime.datetime
) -> None:
    """What the bus's tracker sends: its position at ``stop`` and its trip, through urban
    data's write path (the tracking listener runs once it commits)."""
    assert stop.latitude is not None and stop.longitude is not None
    moment = observed_at.isoformat()
    document: dict[str, Any] = {
        "id": vehicle.entity.entity_id,
        "type": "Vehicle",
        "location": {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [stop.longitude, stop.latitude]},
            "observedAt": moment,
        },
        "speed": {"type": "Property", "value": 18.0, "observedAt": moment, "unitCode": "KMH"},
        "heading": {"type": "Property", "value": 90.0, "observedAt": moment, "unitCode": "DD"},
        "serviceStatus": {"type": "Property", "value": "onRoute", "observedAt": moment},
        "refTrip": {"type": "Property", "value": trip.gtfs_id, "observedAt": moment},
    }
    [result] = entities_write(
        municipality=vehicle.municipality,
        documents=[document],
        mode=WriteMode.UPSERT_MERGE,
        key=None,
    )
    assert result.error is None, result.error


def feed_get(url: str) -> gtfs_realtime_pb2.FeedMessage:
    """A GTFS-realtime feed from the live server, parsed with MobilityData's bindings (the
    city's host name goes as Host: only the browser resolves it to the loopback address)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection("127.0.0.1", parts.port or 80, timeout=30)
    try:
        connection.request("GET", parts.path, headers={"Host": parts.netloc})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.status == 200, f"{url} answered {response.status}"
    assert response.getheader("Content-Type") == "application/x-protobuf"
    message = gtfs_realtime_pb2.FeedMessage()
    message.ParseFromString(body)
    return message


def feed_alert(url: str, header: str) -> Any:
    """The feed's alert entity whose English header is ``header``, waiting out the feed's
    few seconds of cache."""
    deadline = time.monotonic() + FEED_WAIT_SECONDS
    while True:
        feed = feed_get(url)
        for entity in feed.entity:
            texts = {item.language: item.text for item in entity.alert.header_text.translation}
            if texts.get("en") == header:
                return entity
        if time.monotonic() > deadline:
            raise AssertionError(f"No alert {header!r} in {url} within {FEED_WAIT_SECONDS} s")
        time.sleep(0.5)


def axe_clean(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert violations == [], describe_violations(where, violations)


def row_of(page: Page, trip: Trip) -> Any:
    return page.locator(f"#display-board tr[data-trip='{trip.gtfs_id}']")


def test_display_follows_the_bus_and_shows_a_published_alert(
    sites: Sites,
    new_session: NewSession,
    botosani: Municipality,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The live server runs in this process: the display polls every second here.
    monkeypatch.setattr(views_people, "DISPLAY_SECONDS", 1)
    trip, stops = every_day_line(botosani)
    stop = stops[DISPLAY_STOP - 1]
    vehicle = VehicleStateFactory.create(
        municipality=botosani,
        label="101",
        entity=VehicleEntityFactory.create(
            municipality=botosani, entity_id="urn:ngsi-ld:Vehicle:botosani-101"
        ),
        latitude=None,
        longitude=None,
        observed_at=None,
        service_date=None,
    )
    dispatcher = StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="dispatcher@botosani.example", preferred_language="en"),
        modules=["mobility"],
    )

    # The e-panel at the stop, a 1080p screen in English, under the site's real CSP.
    # The panel's own clock is on UTC, two hours off the city's.
    session = new_session(viewport=SCREEN, timezone_id="UTC")
    session.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": sites.botosani}]
    )
    display = session.new_page()
    display.goto(f"{sites.botosani}/mobility/stops/{stop.gtfs_id}/display/")
    expect(display.get_by_role("heading", level=1)).to_have_text("Primărie")
    # The clock, once its script ticks, shows the city's time, not the panel's zone's.
    clock = display.locator("[data-display-clock]")
    expect(clock).to_have_attribute("data-ticking", "")
    city_now = timezone.now().astimezone(zoneinfo.ZoneInfo(botosani.time_zone))
    shown = {f"{city_now:%H:%M}", f"{city_now + datetime.timedelta(minutes=1):%H:%M}"}
    expect(clock).to_have_text(re.compile("^(" + "|".join(shown) + ")$"))
    row = row_of(display, trip)
    minutes = row.locator("td.display__minutes")
    # Before any position: the timetable's five minutes (the stop is nine minutes after the
    # first, which the trip left four minutes ago).
    expect(row).not_to_have_attribute("data-realtime", "")
    expect(minutes).to_have_text(re.compile(r"^[45] min"))
    expect(row.locator("td.display__status")).to_contain_text("timetable")
    display.evaluate("window.__displayMark = 'same page'")

    # 1. The bus reports from the first stop a minute ago: three minutes behind, so it will
    # reach this stop in about eight minutes.
    now = timezone.now()
    position_write(vehicle, stops[0], trip, now - datetime.timedelta(seconds=60))
    vehicle.refresh_from_db()
    assert vehicle.trip_id == trip.pk and vehicle.delay_seconds is not None
    assert 170 <= vehicle.delay_seconds <= 190, vehicle.delay_seconds
    expect(row).to_have_attribute("data-realtime", "")
    expect(minutes).to_have_text(re.compile(r"^[78] min"))
    expect(row.locator("td.display__status")).to_contain_text("real time, 3 min late")

    # 2. It is at the second stop now, a minute late: six minutes away.
    position_write(vehicle, stops[1], trip, timezone.now())
    vehicle.refresh_from_db()
    assert vehicle.delay_seconds is not None and 40 <= vehicle.delay_seconds <= 80
    expect(minutes).to_have_text(re.compile(r"^[56] min"))
    expect(row.locator("td.display__status")).to_contain_text("real time, 1 min late")
    assert display.evaluate("window.__displayMark") == "same page", "the display reloaded"

    # The feeds say the same: the bus on its trip, its next stops predicted.
    positions = feed_get(f"{sites.botosani}/gtfs-rt/vehicle-positions.pb")
    (bus,) = [entity.vehicle for entity in positions.entity if entity.HasField("vehicle")]
    assert bus.vehicle.label == "101" and bus.trip.trip_id == trip.gtfs_id
    updates = feed_get(f"{sites.botosani}/gtfs-rt/trip-updates.pb")
    (update,) = [entity.trip_update for entity in updates.entity]
    assert update.trip.trip_id == trip.gtfs_id
    assert stop.gtfs_id in {time_update.stop_id for time_update in update.stop_time_update}

    # 3. The dispatcher writes an alert for the stop in the back office and publishes it.
    staff = new_session(bypass_csp=True).new_page()
    log_in(staff, sites.botosani, str(dispatcher.user.email))
    staff.goto(f"{sites.botosani}/backoffice/mobility/alerts/")
    with staff.expect_navigation():
        staff.get_by_role("link", name="New alert").click()
    header_en = "Primărie stop closed for roadworks"
    staff.get_by_label("Title in Romanian").fill("Stația Primărie închisă pentru lucrări")
    staff.get_by_label("Title in English").fill(header_en)
    staff.get_by_label("Description in English").fill("Board at Teatru, 300 m back.")
    staff.get_by_label("Cause").select_option("construction")
    staff.get_by_label("Effect").select_option("stop_moved")
    staff.get_by_label("Stops affected").select_option(label="Primărie")
    with staff.expect_navigation():
        staff.get_by_role("button", name="Save").click()
    expect(staff.get_by_text("The alert is saved; it is not published yet.")).to_be_visible()
    alert = ServiceAlert.objects.get(municipality=botosani, header_en=header_en)
    assert not alert.is_published and list(alert.stops.all()) == [stop]
    # A draft is on no display.
    expect(display.locator("#display-board")).to_contain_text("Updated")
    expect(display.locator("#display-board")).not_to_contain_text(header_en)
    axe_clean(staff, "alert form")
    with staff.expect_navigation():
        staff.get_by_role("button", name="Publish").click()
    expect(staff.get_by_text("The alert is published.")).to_be_visible()

    # 4. The display shows it after its next poll, still without a reload.
    board_alert = display.locator(f"#display-board [data-alert='{alert.pk}']")
    expect(board_alert).to_contain_text(header_en)
    expect(board_alert).to_contain_text("Board at Teatru")
    expect(minutes).to_have_text(re.compile(r"^[456] min"))
    assert display.evaluate("window.__displayMark") == "same page", "the display reloaded"
    # axe is injected as an inline script: a second screen, past the CSP.
    checked = new_session(bypass_csp=True, viewport=SCREEN)
    checked.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": sites.botosani}]
    )
    audit = checked.new_page()
    audit.goto(display.url)
    expect(audit.locator(f"[data-alert='{alert.pk}']")).to_be_visible()
    axe_clean(audit, "stop display with a live bus and an alert")

    # 5. The Alerts feed carries it, in both languages, on the stop.
    entity = feed_alert(f"{sites.botosani}/gtfs-rt/alerts.pb", header_en)
    texts = {item.language: item.text for item in entity.alert.header_text.translation}
    assert texts == {"en": header_en, "ro": "Stația Primărie închisă pentru lucrări"}
    assert [informed.stop_id for informed in entity.alert.informed_entity] == [stop.gtfs_id]
    assert entity.alert.cause == gtfs_realtime_pb2.Alert.CONSTRUCTION
    assert entity.alert.effect == gtfs_realtime_pb2.Alert.STOP_MOVED

    assert session.page_errors == []


def test_display_fits_a_phone_and_refuses_another_citys_stop(
    sites: Sites, new_session: NewSession, botosani: Municipality, timisoara: Municipality
) -> None:
    _trip, stops = every_day_line(botosani)
    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True)
    page = session.new_page()
    page.goto(f"{sites.botosani}/mobility/stops/{stops[3].gtfs_id}/display/")
    expect(page.locator("#display-board table")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # The status column does not fit: whether a time is real time shows under its minutes
    # (in Romanian, the city's language).
    expect(page.locator("td.display__status").first).to_be_hidden()
    expect(page.locator("td.display__minutes .display__kind").first).to_have_text("orar")
    # Botoșani's stop on Timișoara's host: not found.
    response = page.goto(f"{sites.timisoara}/mobility/stops/{stops[3].gtfs_id}/display/")
    assert response is not None and response.status == 404
    assert session.page_errors == []
