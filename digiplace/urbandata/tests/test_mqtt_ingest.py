"""The MQTT ingest worker on a real mosquitto: messages published with QoS 1 while the worker
is stopped, crashed, or across a broker restart are all stored, exactly once; a bad message
is acknowledged and holds nothing back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings

from digiplace.core.models import Municipality
from digiplace.core.tests.databases import database_url
from digiplace.urbandata.health import INGEST_PROCESS
from digiplace.urbandata.models import Entity, Reading
from digiplace.urbandata.mqtt import city_topic
from digiplace.urbandata.mqtt import ingest as ingest_module
from digiplace.urbandata.mqtt.ingest import (
    RefusedMessage,
    WriterProcessDied,
    _default_writer,
    missing_observed_at,
    payload_documents,
)
from digiplace.urbandata.services.ingest import EntityResult
from digiplace.urbandata.services.keys import device_key_issue

from .conftest_mqtt import (
    Broker,
    RunningWorker,
    broker_fixture,  # noqa: F401 (the fixture "broker")
    device_publish,
    payload,
    reading,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)


class Device:
    def __init__(self, broker: Broker, municipality: Municipality) -> None:
        key, self.secret = device_key_issue(municipality=municipality, name="Sensor")
        self.username = key.username
        self.broker = broker
        self.topic = city_topic(municipality.slug)
        broker.files_write()
        # The broker reloads its files on SIGHUP: wait until this device is accepted.
        from .conftest_mqtt import device_connect

        wait_for(
            lambda: (
                device_connect(broker, username=self.username, password=self.secret).getName()
                == "Success"
            ),
            what="the device key to be loaded",
        )

    def publish(self, payloads: Sequence[bytes | str]) -> None:
        device_publish(
            self.broker,
            username=self.username,
            password=self.secret,
            topic=self.topic,
            payloads=payloads,
        )


def readings_stored() -> int:
    return Reading.objects.count()


def observations(count: int, *, first: int = 0) -> list[str]:
    """``count`` messages: ten sensors, one PM2.5 reading a minute each."""
    return [
        payload(reading(number % 10, minutes_ago=number // 10 + 1, pm25=float(number)))
        for number in range(first, first + count)
    ]


def test_a_message_is_one_entity_or_an_array_of_them() -> None:
    assert payload_documents(b'{"id": "a"}') == [{"id": "a"}]
    assert payload_documents(b'[{"id": "a"}, {"id": "b"}]') == [{"id": "a"}, {"id": "b"}]
    for bad, reason in (
        (b"not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[]", "an empty array"),
        (b"[1, 2]", "not an NGSI-LD entity"),
        (b'"text"', "not an NGSI-LD entity"),
        (json.dumps([{"id": str(n)} for n in range(1001)]).encode(), "more than 1000"),
        (b" " * (256 * 1024 + 1), "larger than"),
    ):
        with pytest.raises(RefusedMessage, match=reason):
            payload_documents(bad)


def test_every_property_needs_its_observation_time() -> None:
    observed = "2026-01-01T10:00:00Z"
    assert (
        missing_observed_at(
            {
                "id": "urn:x",
                "type": "WasteContainer",
                "@context": "https://example.org/context.jsonld",
                "fillingLevel": {"type": "Property", "value": 0.5, "observedAt": observed},
                "temperature": {"value": 20, "observedAt": observed},  # concise
                "location": {"type": "Point", "coordinates": [26.6, 47.7]},
                "refDevice": {"type": "Relationship", "object": "urn:d"},
                "refOther": {"object": "urn:o"},
            }
        )
        == []
    )
    assert missing_observed_at(
        {
            "id": "urn:x",
            "type": "WasteContainer",
            "fillingLevel": 0.5,
            "status": {"type": "Property", "value": "ok"},
            "temperature": {"value": 20, "observedAt": observed},
        }
    ) == ["fillingLevel", "status"]


def test_messages_sent_while_the_worker_is_stopped_are_stored_once(
    broker: Broker, timisoara: Municipality
) -> None:
    device = Device(broker, timisoara)
    RunningWorker(broker).start().stop()  # the worker's session and subscription exist now

    device.publish(observations(60))
    first = RunningWorker(broker, batch_size=25).start()
    wait_for(lambda: readings_stored() == 60, what="60 readings")
    stats = first.stop()

    assert stats.messages == 60 and stats.entities_written == 60
    assert Entity.objects.filter(municipality=timisoara).count() == 10
    # Restarted: nothing comes again (everything was acknowledged), new messages do.
    device.publish(observations(5, first=60))
    second = RunningWorker(broker).start()
    wait_for(lambda: readings_stored() == 65, what="65 readings")
    assert second.stop().messages == 5
    assert list(Reading.objects.order_by("value").values_list("value", flat=True)) == [
        float(n) for n in range(65)
    ]


def test_a_writer_process_that_dies_between_receiving_and_writing_loses_nothing(
    broker: Broker, timisoara: Municipality
) -> None:
    device = Device(broker, timisoara)
    RunningWorker(broker).start().stop()
    device.publish(observations(30))

    def killed_before_writing(
        municipality: Municipality, documents: Sequence[Mapping[str, Any]], key: Any
    ) -> list[EntityResult]:
        os._exit(9)  # as a writer process killed in the middle of a batch (in its own process)

    crashed = RunningWorker(broker, writer=killed_before_writing).start()
    wait_for(lambda: crashed.error is not None, what="the worker to stop")
    crashed.thread.join(timeout=10)
    assert isinstance(crashed.error, WriterProcessDied)
    assert crashed.stats.messages > 0
    assert readings_stored() == 0

    restarted = RunningWorker(broker).start()
    wait_for(lambda: readings_stored() == 30, what="30 readings")
    assert restarted.stop().entities_written == 30


def test_a_crash_in_a_writer_thread_loses_nothing(broker: Broker, timisoara: Municipality) -> None:
    """Where the system cannot fork, threads write: a crash in one stops the worker too."""
    device = Device(broker, timisoara)
    RunningWorker(broker, processes=False).start().stop()
    device.publish(observations(30))

    class Crash(BaseException):
        pass

    def crash_before_writing(
        municipality: Municipality, documents: Sequence[Mapping[str, Any]], key: Any
    ) -> list[EntityResult]:
        raise Crash

    crashed = RunningWorker(broker, writer=crash_before_writing, processes=False).start()
    wait_for(lambda: crashed.error is not None, what="the crash")
    crashed.thread.join(timeout=10)
    assert isinstance(crashed.error, Crash)
    assert readings_stored() == 0

    restarted = RunningWorker(broker, processes=False).start()
    wait_for(lambda: readings_stored() == 30, what="30 readings")
    assert restarted.stop().entities_written == 30


def test_messages_survive_a_broker_restart_and_the_worker_reconnects(
    broker: Broker, timisoara: Municipality
) -> None:
    device = Device(broker, timisoara)
    RunningWorker(broker).start().stop()
    device.publish(observations(40))

    broker.stop()  # a clean stop saves the queued messages (persistence on)
    broker.start()
    worker = RunningWorker(broker).start()
    wait_for(lambda: readings_stored() == 40, what="40 readings")

    # The broker restarts under the running worker: it reconnects and goes on.
    broker.stop()
    broker.start()
    device.publish(observations(10, first=40))
    wait_for(lambda: readings_stored() == 50, what="50 readings")
    stats = worker.stop()
    # Acknowledgements the stopping broker did not get bring messages again: written again,
    # harmlessly (the same readings), so the table holds each one once.
    assert stats.entities_written >= 50
    assert list(Reading.objects.order_by("value").values_list("value", flat=True)) == [
        float(n) for n in range(50)
    ]


def test_a_bad_message_is_acknowledged_and_holds_nothing_back(
    broker: Broker, timisoara: Municipality
) -> None:
    device = Device(broker, timisoara)
    worker = RunningWorker(broker, batch_seconds=0).start()
    no_time = reading(2, minutes_ago=3)
    no_time["pm25"] = 14.0  # concise, without observedAt: a redelivery would store it twice
    unknown_type = {**reading(3, minutes_ago=3), "type": "Spaceship"}
    device.publish(
        [
            b"{not json",
            json.dumps([reading(1, minutes_ago=3), no_time, unknown_type]),
            payload(reading(4, minutes_ago=3)),
        ]
    )
    wait_for(lambda: worker.stats.messages == 3 and readings_stored() == 2, what="the good ones")
    stats = worker.stop()

    assert (stats.messages_refused, stats.entities_refused, stats.entities_written) == (1, 2, 2)
    assert sorted(Entity.objects.values_list("entity_id", flat=True)) == [
        "urn:ngsi-ld:AirQualityObserved:mqtt-001",
        "urn:ngsi-ld:AirQualityObserved:mqtt-004",
    ]
    # All three were acknowledged: a new worker is not sent them again.
    device.publish([payload(reading(5, minutes_ago=3))])
    again = RunningWorker(broker).start()
    wait_for(lambda: readings_stored() == 3, what="the next reading")
    assert again.stop().messages == 1


def test_a_city_that_does_not_exist_is_refused(broker: Broker, timisoara: Municipality) -> None:
    worker = RunningWorker(broker).start()
    try:
        device = Device(broker, timisoara)
        device.topic = city_topic("atlantis")  # the ACL refuses it: the worker never sees it
        device.publish([payload(reading(1, minutes_ago=1))])
        device.topic = city_topic("timisoara")
        device.publish([payload(reading(2, minutes_ago=1))])
        wait_for(lambda: readings_stored() == 1, what="Timișoara's reading")
    finally:
        stats = worker.stop()
    assert stats.messages == 1


def test_an_inactive_citys_messages_are_refused(broker: Broker, timisoara: Municipality) -> None:
    device = Device(broker, timisoara)
    Municipality.objects.filter(pk=timisoara.pk).update(is_active=False)
    worker = RunningWorker(broker).start()
    try:
        device.publish([payload(reading(1, minutes_ago=1))])
        wait_for(lambda: worker.stats.messages_refused == 1, what="the refusal")
    finally:
        stats = worker.stop()
    assert (stats.messages, stats.entities_written, readings_stored()) == (1, 0, 0)


def test_a_city_switched_off_while_the_worker_runs_is_refused_within_seconds(
    broker: Broker, timisoara: Municipality, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker keeps the active cities for ``CITIES_SECONDS``, then reads them again."""
    monkeypatch.setattr(ingest_module, "CITIES_SECONDS", 0.5)
    device = Device(broker, timisoara)
    worker = RunningWorker(broker).start()
    try:
        device.publish([payload(reading(1, minutes_ago=2))])
        wait_for(lambda: readings_stored() == 1, what="the first reading")
        Municipality.objects.filter(pk=timisoara.pk).update(is_active=False)
        time.sleep(0.6)
        device.publish([payload(reading(2, minutes_ago=1))])
        wait_for(lambda: worker.stats.messages_refused == 1, what="the refusal")
    finally:
        stats = worker.stop()
    assert (stats.messages, stats.entities_written, readings_stored()) == (2, 1, 1)


def test_the_command_stops_on_sigterm_and_picks_up_where_it_left(
    broker: Broker, timisoara: Municipality
) -> None:
    device = Device(broker, timisoara)
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    environment.update(
        DIGIPLACE_MODE="test",
        DATABASE_URL=database_url(),
        DIGIPLACE_MQTT_URL=broker.url,
        DIGIPLACE_MQTT_FILES_DIR=str(broker.directory),
    )

    class Command:
        """The command in a process of its own, its output collected by a thread."""

        def __init__(self) -> None:
            self.lines: list[str] = []
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "urbandata_mqtt", "--batch-ms", "50"],
                cwd=settings.BASE_DIR,
                env=environment,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            self.reader = threading.Thread(target=self._read, daemon=True)
            self.reader.start()
            wait_for(
                lambda: any("Subscribed to digiplace/+/entities" in line for line in self.lines),
                timeout=60,
                what=f"the command to subscribe: {self.lines}",
            )

        def _read(self) -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.lines.append(line)

        def stop(self) -> str:
            self.process.send_signal(signal.SIGTERM)
            assert self.process.wait(timeout=30) == 0, "".join(self.lines)
            self.reader.join(timeout=10)
            return "".join(self.lines)

    heartbeats = apps.get_model("ops", "Heartbeat").objects
    worker = Command()
    try:
        device.publish(observations(1))
        wait_for(lambda: readings_stored() == 1, what="the first reading")
        # It shows signs of life while it runs (the status page lists it).
        wait_for(
            lambda: heartbeats.filter(name=INGEST_PROCESS).exists(), what="the worker's heartbeat"
        )
    finally:
        output = worker.stop()
    assert "Messages received: 1; entities written: 1;" in output

    device.publish(observations(20, first=1))
    worker = Command()
    try:
        wait_for(lambda: readings_stored() == 21, what="21 readings")
    finally:
        output = worker.stop()
    assert "Messages received: 20; entities written: 20;" in output


def test_the_default_writer_is_the_one_write_path(timisoara: Municipality) -> None:
    results = _default_writer(timisoara, [reading(1, minutes_ago=1)])
    assert [result.error for result in results] == [None]
    assert Reading.objects.get().value == 12.5
