"""The simulator on a real mosquitto: the waste containers' observations are published with
QoS 1 under the simulator's own key and stored by the ingest worker; air and heating go
over HTTP to the live server in the same step."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from digiplace.core.models import Municipality
from digiplace.urbandata.demo import heating as heating_demo
from digiplace.urbandata.demo import waste as waste_demo
from digiplace.urbandata.models import DeviceKey, Entity
from digiplace.urbandata.simulator import KEY_NAME

from .conftest_mqtt import (
    Broker,
    RunningWorker,
    broker_fixture,  # noqa: F401 (the fixture "broker")
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_waste_goes_over_mqtt_and_heating_over_http(
    botosani: Municipality, broker: Broker, live_server: LiveServer, settings: Settings
) -> None:
    settings.URBANDATA_MQTT_URL = broker.url
    settings.URBANDATA_MQTT_FILES_DIR = str(broker.directory)
    hour_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    heating_demo.botosani_network_load(municipality=botosani, count=2, now=hour_ago)
    waste_demo.botosani_containers_load(municipality=botosani, now=hour_ago)
    started = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    worker = RunningWorker(broker).start()
    try:
        out = io.StringIO()
        call_command(
            "urbandata_simulate",
            "--city",
            "botosani",
            "--once",
            "--http",
            live_server.url,
            "--mqtt",
            f"mqtt://127.0.0.1:{broker.port}",
            stdout=out,
        )
        assert "botosani: 2 HeatSubstation, 40 WasteContainer (HTTP 2, MQTT 40)" in out.getvalue()

        def all_observed() -> bool:
            return not Entity.objects.filter(
                municipality=botosani, last_observed_at__lt=started
            ).exists()

        wait_for(all_observed, what="every device's new observation")
    finally:
        stats = worker.stop()
    assert stats.entities_written == 40
    key = DeviceKey.objects.get(name=KEY_NAME)
    assert key.revoked_at is not None
