"""Urban data's part in readiness: the MQTT broker check against a real mosquitto, and the
status page's ingest rate from readings written through the one write path."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone, translation
from pytest_django import Settings

from digiplace.core.health import health_checks, status_figures
from digiplace.core.models import Municipality
from digiplace.urbandata.health import broker_check, ingest_count, ingest_rate_text
from digiplace.urbandata.services.ingest import WriteMode, entities_write

from .conftest_mqtt import WORKER_PASSWORD, Broker, broker_fixture  # noqa: F401


def container(number: int, minutes_ago: int, *, now: datetime.datetime) -> dict[str, Any]:
    """A container whose filling level was observed ``minutes_ago``."""
    return {
        "id": f"urn:ngsi-ld:WasteContainer:health-{number:03d}",
        "type": "WasteContainer",
        "fillingLevel": {
            "type": "Property",
            "value": 0.5,
            "observedAt": (now - datetime.timedelta(minutes=minutes_ago)).isoformat(),
        },
    }


def test_the_broker_check_and_the_ingest_rate_are_registered() -> None:
    assert "broker" in {check.name for check in health_checks()}
    assert "mqtt-ingest-rate" in {figure.name for figure in status_figures()}


@pytest.mark.django_db(transaction=True)
def test_broker_check_against_a_real_broker(settings: Settings, broker: Broker) -> None:
    settings.URBANDATA_MQTT_URL = broker.url

    with translation.override("en"):
        answering = broker_check()
        broker.stop()
        stopped = broker_check()

    assert answering.ok is True
    assert answering.figures["latency_ms"] >= 0
    assert stopped.ok is False
    assert stopped.detail == "The MQTT broker cannot be reached (ConnectionRefusedError)."
    assert WORKER_PASSWORD not in answering.detail + stopped.detail


def test_an_unusable_broker_url_fails_without_showing_it(settings: Settings) -> None:
    settings.URBANDATA_MQTT_URL = "http://user:pass-word@broker.example"

    result = broker_check()

    assert result.ok is False
    assert "pass-word" not in result.detail and "broker.example" not in result.detail


@pytest.mark.django_db
def test_ingest_rate_counts_readings_observed_in_the_last_five_minutes(
    botosani: Municipality,
) -> None:
    now = timezone.now().replace(microsecond=0)
    for minutes_ago in (1, 2, 4):
        entities_write(
            municipality=botosani,
            documents=[container(1, minutes_ago, now=now), container(2, minutes_ago, now=now)],
            mode=WriteMode.UPSERT_MERGE,
            key=None,
            now=now,
        )
    # Observed before the window: not counted, though written now.
    entities_write(
        municipality=botosani,
        documents=[container(3, 30, now=now)],
        mode=WriteMode.UPSERT_MERGE,
        key=None,
        now=now,
    )

    assert ingest_count(now=now) == 6
    with translation.override("en"):
        text = ingest_rate_text()
    assert text == "1.2 readings per minute (6 in the last 5 minutes)"
