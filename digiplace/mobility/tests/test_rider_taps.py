"""Taps in, figures out: the intake API's refusals (counted), the card id never stored,
the day's key and the hashes gone after aggregation, unique riders and transfers on a
hand-made day, the published page's threshold, and who may open the staff page."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.conf import settings
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from digiplace.core.models import AuditLogEntry, Municipality
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.mobility.models import (
    CellKind,
    PositionRecord,
    RidershipCell,
    RidershipKey,
    Tap,
    TapReject,
    Validator,
    VehicleState,
)
from digiplace.mobility.services.ridership import ridership_aggregate_finished
from digiplace.mobility.tests.factories_net import build_line
from digiplace.mobility.tests.factories_rider import ValidatorFactory, validator_with_key
from digiplace.urbandata.tests.factories import EntityFactory

pytestmark = pytest.mark.django_db

BOTOSANI = "botosani.localhost"
CARD = "CARD-0042-SECRET"


def _client(host: str = BOTOSANI) -> Client:
    client = Client(HTTP_HOST=host)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _post(secret: str | None, body: Any, host: str = BOTOSANI) -> Any:
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    return _client(host).post(
        reverse("mobility:taps_api"),
        data=json.dumps(body),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **headers,
    )


def _tap(code: str, moment: datetime.datetime, card: str = CARD, ref: str = "") -> dict[str, Any]:
    return {"validator": code, "time": moment.isoformat(), "card": card, "id": ref}


def test_a_tap_is_stored_with_a_keyed_hash_never_the_card(botosani: Municipality) -> None:
    line = build_line(botosani, stops=3)
    validator, secret = validator_with_key(botosani, stop=line.stops[1])
    now = timezone.now()
    response = _post(secret, {"taps": [_tap(validator.code, now, ref="t1")]})
    assert response.status_code == 201, response.content
    assert response.json() == {"accepted": 1, "duplicates": 0}
    tap = Tap.objects.get()
    assert tap.stop == line.stops[1] and len(tap.rider) == 64
    text_columns = [
        field.attname
        for field in Tap._meta.concrete_fields
        if isinstance(field, (models.CharField, models.TextField))
    ]
    for row in Tap.objects.values(*text_columns):
        assert all(CARD not in str(value) for value in row.values())
    assert not TapReject.objects.filter(message__contains=CARD).exists()
    # A retry with the same tap id is acknowledged, not counted twice.
    again = _post(secret, _tap(validator.code, now, ref="t1"))
    assert again.status_code == 200 and again.json()["duplicates"] == 1
    assert Tap.objects.count() == 1


def test_the_hash_changes_with_the_day(botosani: Municipality) -> None:
    validator, secret = validator_with_key(botosani)
    now = timezone.now()
    yesterday = now - datetime.timedelta(days=1)
    assert (
        _post(
            secret, {"taps": [_tap(validator.code, now), _tap(validator.code, yesterday)]}
        ).status_code
        == 201
    )
    hashes = set(Tap.objects.values_list("rider", flat=True))
    assert len(hashes) == 2
    assert RidershipKey.objects.filter(municipality=botosani).count() == 2


@pytest.mark.parametrize(
    ("change", "reason", "status"),
    [
        ({"validator": "nobody"}, "unknown_validator", 422),
        ({"time": "2999-01-01T00:00:00+00:00"}, "bad_time", 422),
        ({"time": "2001-01-01T00:00:00+00:00"}, "bad_time", 422),
        ({"time": "yesterday"}, "bad_time", 422),
        ({"card": ""}, "malformed", 422),
    ],
)
def test_a_bad_tap_refuses_the_whole_batch_and_is_counted(
    botosani: Municipality, change: dict[str, str], reason: str, status: int
) -> None:
    validator, secret = validator_with_key(botosani)
    now = timezone.now()
    bad = {**_tap(validator.code, now), **change}
    response = _post(secret, {"taps": [_tap(validator.code, now, card="other"), bad]})
    assert response.status_code == status
    body = response.json()
    assert body["errors"][0]["index"] == 1 and body["errors"][0]["reason"] == reason
    assert body["detail"]
    assert not Tap.objects.exists()
    assert TapReject.objects.get().reason == reason


def test_refusals_of_keys_and_validators(botosani: Municipality, timisoara: Municipality) -> None:
    validator, secret = validator_with_key(botosani)
    _other, other_secret = validator_with_key(botosani)
    now = timezone.now()
    assert _post(None, _tap(validator.code, now)).status_code == 401
    assert _post("dpk_wrong", _tap(validator.code, now)).status_code == 401
    # Another validator's key, and the key on another city's host.
    assert _post(other_secret, _tap(validator.code, now)).status_code == 422
    assert _post(secret, _tap(validator.code, now), host="timisoara.localhost").status_code == 401
    Validator.objects.filter(pk=validator.pk).update(is_active=False)
    assert _post(secret, _tap(validator.code, now)).status_code == 422
    assert _post(secret, "not a tap").status_code == 400
    bad_json = _client().post(
        reverse("mobility:taps_api"),
        data="{",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert bad_json.status_code == 400
    reasons = sorted(
        TapReject.objects.filter(municipality=botosani).values_list("reason", flat=True)
    )
    assert reasons == [
        "inactive_validator",
        "malformed",
        "unauthorized",
        "unauthorized",
        "wrong_key",
    ]
    assert TapReject.objects.filter(municipality=timisoara).count() == 1
    assert not Tap.objects.exists()


def _vehicle(
    municipality: Municipality, trip: Any, latitude: float, longitude: float
) -> VehicleState:
    entity = EntityFactory.create(municipality=municipality, type="Vehicle")
    return VehicleState.objects.create(
        municipality=municipality,
        entity=entity,
        label="101",
        trip=trip,
        latitude=latitude,
        longitude=longitude,
    )


def _was_at(bus: VehicleState, moment: datetime.datetime, stop: Any, trip: Any) -> None:
    PositionRecord.objects.create(
        vehicle=bus,
        observed_at=moment,
        latitude=stop.latitude + 0.0001,
        longitude=stop.longitude,
        trip=trip,
    )


def test_a_tap_sent_late_counts_where_the_bus_was_when_it_was_made(
    botosani: Municipality,
) -> None:
    line = build_line(botosani, stops=4)
    first, last = line.stops[0], line.stops[3]
    assert last.latitude is not None and last.longitude is not None
    # The bus is now at the last stop on another trip; the validator was offline.
    bus = _vehicle(botosani, line.trips[1], last.latitude, last.longitude)
    on_board, _secret = validator_with_key(botosani, vehicle=bus)
    assert on_board.device_key is not None
    now = timezone.now().replace(microsecond=0)
    earlier = now - datetime.timedelta(minutes=40)
    _was_at(bus, earlier - datetime.timedelta(seconds=20), first, line.trips[0])
    from digiplace.mobility.services import ridership

    ridership.taps_ingest(
        municipality=botosani,
        key=on_board.device_key,
        payload=[
            _tap(on_board.code, earlier, card="A"),
            # No recorded position near this moment: where it was made is not known.
            _tap(on_board.code, now - datetime.timedelta(minutes=20), card="B"),
        ],
        now=now,
    )
    placed = list(Tap.objects.order_by("tapped_at").values_list("stop_id", "trip_id"))
    assert placed == [(first.pk, line.trips[0].pk), (None, None)]


def test_a_day_counted_then_forgotten(botosani: Municipality) -> None:
    line = build_line(botosani, stops=3)
    stop = line.stops[2]
    assert stop.latitude is not None and stop.longitude is not None
    bus = _vehicle(botosani, line.trips[0], stop.latitude + 0.0001, stop.longitude)
    on_board, _secret = validator_with_key(botosani, vehicle=bus)
    assert on_board.device_key is not None
    now = timezone.now()
    day_start = timezone.make_aware(
        datetime.datetime.combine(
            timezone.localdate(now) - datetime.timedelta(days=1), datetime.time(8)
        )
    )
    minutes = datetime.timedelta(minutes=1)
    # Card A at 8:00, 8:30 (transfer), 10:00 (not: 90 minutes after); card B at 8:10; 12
    # more cards once at 9:xx.
    taps = [
        _tap(on_board.code, day_start, card="A"),
        _tap(on_board.code, day_start + 30 * minutes, card="A"),
        _tap(on_board.code, day_start + 120 * minutes, card="A"),
        _tap(on_board.code, day_start + 10 * minutes, card="B"),
    ] + [_tap(on_board.code, day_start + (60 + n) * minutes, card=f"C{n}") for n in range(12)]
    # Where the bus was at each tap (its recorded positions): at the third stop.
    for tap in taps:
        _was_at(bus, datetime.datetime.fromisoformat(tap["time"]), stop, line.trips[0])
    from digiplace.mobility.services import ridership

    result = ridership.taps_ingest(
        municipality=botosani,
        key=on_board.device_key,
        payload=taps,
        now=day_start + 3 * 60 * minutes,
    )
    assert result.accepted == 16
    assert set(Tap.objects.values_list("stop_id", flat=True)) == {stop.pk}
    assert set(Tap.objects.values_list("trip_id", flat=True)) == {line.trips[0].pk}
    ridership_aggregate_finished(now=now + datetime.timedelta(days=1))
    day = timezone.localdate(day_start)
    city = RidershipCell.objects.get(municipality=botosani, kind=CellKind.CITY_DAY, day=day)
    assert (city.boardings, city.riders, city.transfers) == (16, 14, 1)
    eight = RidershipCell.objects.get(kind=CellKind.STOP_HOUR, day=day, stop=stop, hour=8)
    assert (eight.boardings, eight.riders) == (3, 2)
    route = RidershipCell.objects.get(kind=CellKind.ROUTE_DAY, day=day, route=line.route)
    assert (route.boardings, route.riders) == (16, 14)
    assert not RidershipKey.objects.filter(municipality=botosani, day=day).exists()
    assert set(Tap.objects.values_list("rider", flat=True)) == {""}
    # The day is closed: a late tap is refused, not counted under a new key.
    late = ridership.TapsRefused
    with pytest.raises(late):
        ridership.taps_ingest(
            municipality=botosani,
            key=on_board.device_key,
            payload=taps[:1],
            now=day_start + 3 * 60 * minutes,
        )
    assert not RidershipKey.objects.filter(municipality=botosani, day=day).exists()

    page = _client().get(reverse("mobility:ridership"), {"day": day.isoformat()})
    assert page.status_code == 200
    html = page.content.decode()
    assert "fewer than 10 riders" in html  # 8:00 (2 riders) and 10:00 (1) are hidden
    figures = page.context["figures"]
    hours = figures.stop_hour.hours
    values = dict(zip(hours, figures.stop_hour.rows[0][1], strict=True))
    assert values[8] is None and values[10] is None and values[9] == 12
    for name in ("stop-hour", "route-day", "trip-load"):
        csv = _client().get(
            reverse("mobility:ridership_csv", args=[name]), {"day": day.isoformat()}
        )
        assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    bad = _client().get(reverse("mobility:ridership"), {"day": "someday"})
    assert bad.status_code == 200 and "is not a date" in bad.content.decode()


def test_staff_manage_validators(botosani: Municipality, timisoara: Municipality) -> None:
    staff = StaffMembershipFactory.create(
        municipality=botosani, user=UserFactory.create(email="t@b.example"), modules=["mobility"]
    )
    outsider = StaffMembershipFactory.create(
        municipality=botosani, user=UserFactory.create(email="o@b.example"), modules=["waste"]
    )
    client = _client()
    client.force_login(outsider.user)
    assert client.get(reverse("mobility_backoffice:validator_list")).status_code == 403
    client.force_login(staff.user)
    assert client.get(reverse("mobility_backoffice:validator_list")).status_code == 200
    response = client.post(
        reverse("mobility_backoffice:validator_add"), {"code": "v-01", "name": "Bus 1"}
    )
    assert response.status_code == 302
    validator = Validator.objects.get(code="v-01")
    assert (
        client.post(reverse("mobility_backoffice:validator_add"), {"code": "v-01"}).status_code
        == 400
    )
    issued = client.post(reverse("mobility_backoffice:validator_key", args=[validator.pk]))
    assert issued.status_code == 200 and issued["Cache-Control"] == "no-store"
    secret = issued.context["secret"]
    assert _post(secret, _tap("v-01", timezone.now())).status_code == 201
    assert (
        client.get(reverse("mobility_backoffice:validator_key", args=[validator.pk])).status_code
        == 405
    )
    client.post(reverse("mobility_backoffice:validator_deactivate", args=[validator.pk]))
    validator.refresh_from_db()
    assert not validator.is_active
    assert _post(secret, _tap("v-01", timezone.now())).status_code == 401  # key revoked
    assert (
        AuditLogEntry.objects.filter(
            target_id=str(validator.pk), target_type__icontains="validator"
        ).count()
        >= 3
    )
    page = client.get(reverse("mobility_backoffice:validator_list")).content.decode()
    assert "unauthorized" in page and CARD not in page
    foreign = ValidatorFactory.create(municipality=timisoara)
    assert (
        client.get(reverse("mobility_backoffice:validator_edit", args=[foreign.pk])).status_code
        == 404
    )
    assert (
        client.post(
            reverse("mobility_backoffice:validator_deactivate", args=[foreign.pk])
        ).status_code
        == 404
    )
