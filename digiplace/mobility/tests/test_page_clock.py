"""Cached mobility pages follow the clock: an alert published for later appears on the
index and the alerts page when it comes into force, and leaves when it ends, though nothing
was written at those moments (``page_clock``)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from digiplace.core.models import Municipality
from digiplace.mobility.tests.factories_people import ServiceAlertFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime.datetime]:
    """The time every ``timezone.now()`` reads; the test moves it forward."""
    moments = [timezone.now()]
    monkeypatch.setattr(timezone, "now", lambda: moments[0])
    return moments


@pytest.mark.parametrize("path", ["/mobility/", "/mobility/alerts/"])
def test_an_alert_comes_into_force_and_ends_on_cached_pages(
    botosani: Municipality, clock: list[datetime.datetime], path: str
) -> None:
    ServiceAlertFactory.create(
        municipality=botosani,
        header_en="Stop Gară closed for works",
        active_from=clock[0] + datetime.timedelta(minutes=10),
        active_until=clock[0] + datetime.timedelta(minutes=40),
    )
    visitor = Client(HTTP_HOST="botosani.localhost", HTTP_COOKIE="digiplace_language=en")

    first, second = visitor.get(path), visitor.get(path)
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert "Stop Gară closed for works" not in second.content.decode()

    clock[0] += datetime.timedelta(minutes=11)  # in force now, no write
    in_force = visitor.get(path)
    assert in_force["X-Cache"] == "miss"
    assert "Stop Gară closed for works" in in_force.content.decode()

    clock[0] += datetime.timedelta(minutes=30)  # ended
    ended = visitor.get(path)
    assert ended["X-Cache"] == "miss"
    assert "Stop Gară closed for works" not in ended.content.decode()
