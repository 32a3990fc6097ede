"""The charging and parking map in a browser (issue #13): a car park's free spaces and a
charger going out of service, written through urban data, show in the list at the page's
next poll without a reload; the "updated" time stays in the city's time zone."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from digiplace.core.models import Municipality
from digiplace.mobility import views_people
from digiplace.urbandata.services.ingest import WriteMode, entities_write

from .conftest import NewSession, Sites

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARGER = "urn:ngsi-ld:EVChargingStation:botosani-primarie"
CAR_PARK = "urn:ngsi-ld:OffStreetParking:botosani-centru"


def place_write(municipality: Municipality, entity_id: str, **values: Any) -> None:
    """What the charger's or the car park's controller sends through urban data."""
    moment = timezone.now().isoformat()
    document: dict[str, Any] = {
        "id": entity_id,
        "type": entity_id.split(":")[2],
        "name": {"type": "Property", "value": entity_id.rsplit("-", 1)[1].title()},
        "location": {
            "type": "GeoProperty",
            "value": {
                "type": "Point",
                "coordinates": [municipality.centre_longitude, municipality.centre_latitude],
            },
        },
    }
    for name, value in values.items():
        document[name] = {"type": "Property", "value": value, "observedAt": moment}
    [result] = entities_write(
        municipality=municipality, documents=[document], mode=WriteMode.UPSERT_MERGE, key=None
    )
    assert result.error is None, result.error


def test_places_update_in_place(
    sites: Sites, new_session: NewSession, botosani: Municipality, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views_people, "PLACES_SECONDS", 1)
    place_write(botosani, CHARGER, capacity=4, availableCapacity=3, status="working")
    place_write(botosani, CAR_PARK, totalSpotNumber=120, availableSpotNumber=37)

    # A visitor's phone on UTC, two hours off the city's time, under the site's CSP.
    session = new_session(timezone_id="UTC", locale="en-US")
    session.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": sites.botosani}]
    )
    page = session.new_page()
    page.goto(f"{sites.botosani}/mobility/charging-parking/")
    charger = page.locator(f"tr[data-place='{CHARGER}'] [data-place-status]")
    car_park = page.locator(f"tr[data-place='{CAR_PARK}'] [data-place-status]")
    expect(charger).to_have_text("available (3 free of 4)")
    expect(car_park).to_have_text("available (37 free of 120)")
    updated = page.locator("[data-places-updated]")
    first_update = updated.get_attribute("datetime")
    page.evaluate("window.__placesMark = 'same page'")

    place_write(botosani, CAR_PARK, availableSpotNumber=0)
    place_write(botosani, CHARGER, availableCapacity=0, status="outOfService")
    expect(car_park).to_have_text("occupied (0 free of 120)")
    expect(charger).to_have_text("out of service (0 free of 4)")
    # The words say it; the colour (the class) follows them.
    expect(charger).to_have_class("people-status people-status--out_of_service")
    assert page.evaluate("window.__placesMark") == "same page", "the page reloaded"

    # The time of the last poll, in the city's zone and on a 24-hour clock.
    expect(updated).not_to_have_attribute("datetime", first_update or "")
    city_now = timezone.now().astimezone(zoneinfo.ZoneInfo(botosani.time_zone))
    hours = {f"{city_now:%H}", f"{city_now + datetime.timedelta(minutes=1):%H}"}
    expect(updated).to_have_text(re.compile("^(" + "|".join(hours) + r"):\d\d:\d\d$"))
    assert session.page_errors == []
