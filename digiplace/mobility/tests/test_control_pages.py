"""The control centre's pages: who may open them (no module 403, another city's bus 404),
the live JSON the map polls, the replay, punctuality with its CSV, and refused inputs."""

from __future__ import annotations

import csv
import datetime
import io
import json

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from digiplace.core.models import Municipality, StaffMembership
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.mobility.models import PositionReject, TapReject
from digiplace.mobility.selectors.control import STALE_SECONDS
from digiplace.mobility.tests.factories_control import (
    PositionRecordFactory,
    StopVisitFactory,
    VehicleStateFactory,
)
from digiplace.mobility.tests.factories_net import build_line
from digiplace.urbandata.models import Alert, AlertRule, AlertRuleKind

pytestmark = pytest.mark.django_db

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"


def staff_client(membership: StaffMembership | None = None, host: str = BOTOSANI) -> Client:
    client = Client(HTTP_HOST=host)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if membership is not None:
        client.force_login(membership.user)
    return client


@pytest.fixture
def dispatcher(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="dispatcher@botosani.example"),
        modules=["mobility"],
    )


def test_pages_need_a_login_and_the_module(
    botosani: Municipality, botosani_staff: StaffMembership
) -> None:
    VehicleStateFactory.create(municipality=botosani, label="12")
    pages = [
        reverse("mobility_backoffice:control"),
        reverse("mobility_backoffice:control_live"),
        reverse("mobility_backoffice:control_replay", args=["12"]),
        reverse("mobility_backoffice:control_punctuality"),
        reverse("mobility_backoffice:control_punctuality_csv"),
    ]
    assert pages[0] == "/backoffice/mobility/control/"
    for page in pages:
        anonymous = staff_client().get(page)
        assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
        assert staff_client(botosani_staff).get(page).status_code == 403
    # Reading only: a POST is refused.
    member = StaffMembershipFactory.create(municipality=botosani, modules=["mobility"])
    assert staff_client(member).post(pages[0]).status_code == 405


def test_another_citys_bus_is_not_found(
    botosani: Municipality, timisoara: Municipality, dispatcher: StaffMembership
) -> None:
    VehicleStateFactory.create(municipality=timisoara, label="T7")
    VehicleStateFactory.create(municipality=botosani, label="12")
    client = staff_client(dispatcher)
    assert client.get(reverse("mobility_backoffice:control_replay", args=["T7"])).status_code == 404
    assert client.get(reverse("mobility_backoffice:control_replay", args=["12"])).status_code == 200
    live = client.get(reverse("mobility_backoffice:control_live")).json()
    assert [vehicle["label"] for vehicle in live["vehicles"]] == ["12"]


def test_the_live_json_has_each_bus_with_delay_headway_and_status(
    botosani: Municipality, dispatcher: StaffMembership
) -> None:
    line = build_line(botosani, stops=5, every_minutes=10)
    now = timezone.now()
    ahead = VehicleStateFactory.create(
        municipality=botosani,
        label="A",
        trip=line.trips[0],
        shape_distance=1000.0,
        observed_at=now,
        delay_seconds=700,
        latitude=47.75,
        longitude=26.68,
    )
    PositionRecordFactory.create(
        vehicle=ahead, observed_at=now - datetime.timedelta(seconds=100), shape_distance=0.0
    )
    VehicleStateFactory.create(
        municipality=botosani,
        label="B",
        trip=line.trips[1],
        shape_distance=500.0,
        observed_at=now,
        delay_seconds=-75,
        off_route=True,
    )
    VehicleStateFactory.create(
        municipality=botosani,
        label="C",
        observed_at=now - datetime.timedelta(seconds=STALE_SECONDS + 10),
    )
    PositionReject.objects.create(municipality=botosani, reason="unknown", message="?")
    TapReject.objects.create(municipality=botosani, reason="validator", message="?")
    response = staff_client(dispatcher).get(
        reverse("mobility_backoffice:control_live") + "?sort=delay&order=desc"
    )
    assert response.status_code == 200
    data = response.json()
    assert [vehicle["label"] for vehicle in data["vehicles"]] == ["A", "B", "C"]
    by_label = {vehicle["label"]: vehicle for vehicle in data["vehicles"]}
    a, b, c = by_label["A"], by_label["B"], by_label["C"]
    assert (a["latitude"], a["longitude"]) == (47.75, 26.68)
    assert a["route"] == "1 Line 1" and a["trip"] == line.trips[0].gtfs_id
    assert a["delay_seconds"] == 700 and a["delay_text"] == "11 min 40 s late"
    assert a["late"] and a["status"] == ["late"]
    # A passed 500 m at now - 50 s (0 → 1000 m in 100 s): B is 50 s behind, bunched.
    assert b["headway_seconds"] == 50 and b["ahead"] == "A"
    assert b["headway_text"] == "50 s behind A"
    assert b["delay_text"] == "1 min 15 s early"
    assert b["off_route"] and b["bunched"] and b["status_text"] == "off route, bunched"
    assert c["stale"] and c["status"] == ["no recent position"]
    assert c["replay_url"] == "/backoffice/mobility/control/vehicles/C/replay/"
    assert data["counts"] == {
        "vehicles": 3,
        "late": 1,
        "bunched": 1,
        "off_route": 1,
        "stale": 1,
        "alerts": 0,
    }
    assert data["rejects"] == {"positions": 1, "taps": 1}
    # Nothing personal: no entity, device or driver field.
    assert "entity" not in json.dumps(data)


def test_the_page_shows_the_fleet_alerts_and_refusals(
    botosani: Municipality, timisoara: Municipality, dispatcher: StaffMembership
) -> None:
    bus = VehicleStateFactory.create(municipality=botosani, label="12", delay_seconds=620)
    rule = AlertRule.objects.create(
        municipality=botosani,
        name="Buses: late",
        entity_type="Vehicle",
        kind=AlertRuleKind.ABOVE,
        attribute="delay",
        threshold=600,
    )
    alert = Alert.objects.create(
        municipality=botosani, rule=rule, entity=bus.entity, message="Buses: late: bus 12"
    )
    other_rule = AlertRule.objects.create(
        municipality=timisoara,
        name="Buses: late",
        entity_type="Vehicle",
        kind=AlertRuleKind.ABOVE,
        attribute="delay",
        threshold=600,
    )
    foreign = VehicleStateFactory.create(municipality=timisoara, label="T7")
    Alert.objects.create(
        municipality=timisoara, rule=other_rule, entity=foreign.entity, message="Foreign alert"
    )
    PositionReject.objects.create(municipality=botosani, reason="unknown", message="?")
    response = staff_client(dispatcher).get(reverse("mobility_backoffice:control"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Control centre</h1>" in page
    assert "10 min 20 s late" in page
    assert f'href="/backoffice/urbandata/alerts/{alert.pk}/"' in page
    assert "Buses: late: bus 12" in page and "Foreign alert" not in page
    assert 'data-reject="positions">1<' in page and 'data-reject="taps">0<' in page
    assert 'aria-sort="ascending"' in page
    assert "style=" not in page.split("<main", 1)[-1]


def test_a_bad_sort_is_refused_clearly(botosani: Municipality, dispatcher: StaffMembership) -> None:
    client = staff_client(dispatcher)
    live = client.get(reverse("mobility_backoffice:control_live") + "?sort=colour")
    assert live.status_code == 400
    assert live.json() == {
        "error": "The table cannot be sorted that way; it is sorted by fleet number."
    }
    page = client.get(reverse("mobility_backoffice:control") + "?order=sideways")
    assert page.status_code == 400
    assert "The order must be ascending or descending." in page.content.decode()


def test_the_replay_gives_the_days_positions_with_their_delay(
    botosani: Municipality, dispatcher: StaffMembership
) -> None:
    bus = VehicleStateFactory.create(municipality=botosani, label="12")
    local_midnight = datetime.datetime(2026, 3, 3, 22, 0, tzinfo=datetime.UTC)
    for seconds, delay, off in (
        (3600 * 8, 60, False),
        (3600 * 8 + 10, 75, True),
        (3600 * 8 + 70, None, False),
    ):
        PositionRecordFactory.create(
            vehicle=bus,
            observed_at=local_midnight + datetime.timedelta(seconds=seconds),
            latitude=47.75,
            longitude=26.67 + seconds / 1e6,
            delay_seconds=delay,
            off_route=off,
        )
    url = reverse("mobility_backoffice:control_replay", args=["12"])
    response = staff_client(dispatcher).get(url + "?date=2026-03-04")
    assert response.status_code == 200
    points = response.context["points"]
    assert [(point["time"], point["delay_seconds"], point["off_route"]) for point in points] == [
        ("08:00:00", 60, False),
        ("08:00:10", 75, True),
        ("08:01:10", None, False),
    ]
    assert points[1]["delay_text"] == "1 min 15 s late"
    # One row a minute in the table; the whole day for the slider.
    assert [row["time"] for row in response.context["table"]] == ["08:00:00", "08:01:10"]
    page = response.content.decode()
    assert 'type="range"' in page and 'max="2"' in page
    assert response.context["features"]["features"][0]["geometry"]["type"] == "LineString"
    empty = staff_client(dispatcher).get(url + "?date=2026-03-05")
    assert "The bus reported no position on this day." in empty.content.decode()


def test_a_bad_date_is_refused_in_the_readers_language(
    botosani: Municipality, dispatcher: StaffMembership
) -> None:
    VehicleStateFactory.create(municipality=botosani, label="12")
    client = staff_client(dispatcher)
    replay = client.get(
        reverse("mobility_backoffice:control_replay", args=["12"]) + "?date=2026-02-30"
    )
    assert replay.status_code == 400
    assert "The date is not a date of the calendar." in replay.content.decode()
    punctuality = client.get(reverse("mobility_backoffice:control_punctuality") + "?date=yesterday")
    assert punctuality.status_code == 400
    assert "must be a date written as YYYY-MM-DD" in punctuality.content.decode()
    csv_response = client.get(
        reverse("mobility_backoffice:control_punctuality_csv") + "?date=yesterday"
    )
    assert csv_response.status_code == 400
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ro"
    romanian = client.get(reverse("mobility_backoffice:control_punctuality") + "?date=x")
    assert romanian.status_code == 400
    assert "AAAA-LL-ZZ" in romanian.content.decode()


def test_punctuality_page_and_csv(botosani: Municipality, dispatcher: StaffMembership) -> None:
    day = datetime.date(2026, 3, 4)
    line = build_line(botosani, stops=2, every_minutes=60, name="4")
    for sequence, delay in enumerate((0, 30, -120, 240), start=1):
        StopVisitFactory.create(
            trip=line.trips[0],
            stop=line.stops[0],
            service_date=day,
            stop_sequence=sequence,
            delay_seconds=delay,
        )
    client = staff_client(dispatcher)
    page = client.get(reverse("mobility_backoffice:control_punctuality") + "?date=2026-03-04")
    assert page.status_code == 200
    text = page.content.decode()
    assert "50.0 % (2)" in text and "25.0 % (1)" in text
    assert "from 60 seconds early to 180 seconds late" in text
    response = client.get(
        reverse("mobility_backoffice:control_punctuality_csv") + "?date=2026-03-04"
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [
        (
            row["route_id"],
            row["visits"],
            row["on_time"],
            row["early"],
            row["late"],
            row["on_time_percent"],
            row["mean_delay_seconds"],
        )
        for row in rows
    ] == [
        ("line-4", "4", "2", "1", "1", "50.0", "37.5"),
        ("", "4", "2", "1", "1", "50.0", "37.5"),
    ]
