"""A real mosquitto for MQTT tests, on a free port with its files in the test's folder, the
ingest worker in a thread of the test process, and a device that publishes.

Test modules import the fixtures: ``from .conftest_mqtt import broker_fixture  # noqa: F401``.
"""

from __future__ import annotations

import datetime
import json
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from django.db import connections
from django.utils import timezone
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from digiplace.urbandata.mqtt.connection import broker_address
from digiplace.urbandata.mqtt.files import PID_FILE, broker_config_write, broker_files_write
from digiplace.urbandata.mqtt.ingest import IngestStats, IngestWorker

MOSQUITTO = "/usr/sbin/mosquitto"
WORKER_USER = "ingest-test"
WORKER_PASSWORD = "worker-secret-for-tests"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def wait_for(condition: Callable[[], bool], *, timeout: float = 15, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out waiting for {what or condition}")
        time.sleep(0.05)


class Broker:
    """mosquitto with the platform's config, password and ACL files in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"mqtt://{WORKER_USER}:{WORKER_PASSWORD}@127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        broker_files_write(files_dir=self.directory, ingest_url=self.url, reload=False)
        config = broker_config_write(port=self.port, files_dir=self.directory)
        log = (self.directory / "mosquitto.log").open("ab")
        self.process = subprocess.Popen([MOSQUITTO, "-c", str(config)], stderr=log, stdout=log)

        def listening() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError((self.directory / "mosquitto.log").read_text())
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", self.port)) == 0

        wait_for(listening, what="mosquitto to listen")
        wait_for(lambda: (self.directory / PID_FILE).exists(), what="the pid file")

    def stop(self) -> None:
        """A clean stop: mosquitto saves its persistence file on the way out."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        self.process = None

    def files_write(self) -> None:
        broker_files_write(files_dir=self.directory, ingest_url=self.url)


class RunningWorker:
    """The ingest worker in a thread of the test process (its own database connection)."""

    def __init__(self, broker: Broker, **options: Any) -> None:
        self.worker = IngestWorker(address=broker_address(broker.url), **options)
        self.stop_event = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    @property
    def stats(self) -> IngestStats:
        return self.worker.stats

    def _run(self) -> None:
        try:
            self.worker.run(self.stop_event)
        except BaseException as error:  # a simulated crash ends the thread this way
            self.error = error
        finally:
            connections.close_all()

    def start(self) -> RunningWorker:
        self.thread.start()
        assert self.worker.subscribed.wait(15), "the worker did not subscribe"
        return self

    def stop(self) -> IngestStats:
        self.stop_event.set()
        self.thread.join(timeout=20)
        assert not self.thread.is_alive(), "the worker did not stop"
        return self.worker.stats


def device_connect(broker: Broker, *, username: str, password: str) -> ReasonCode:
    """The broker's answer to a device's CONNECT."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.username_pw_set(username, password)
    answers: list[ReasonCode] = []
    client.on_connect = lambda _c, _u, _f, code, _p: answers.append(code)
    client.connect("127.0.0.1", broker.port)
    deadline = time.monotonic() + 10
    while not answers and time.monotonic() < deadline:
        client.loop(timeout=0.1)
    client.disconnect()
    assert answers, "no CONNACK"
    return answers[0]


def device_publish(
    broker: Broker,
    *,
    username: str,
    password: str,
    topic: str,
    payloads: Sequence[bytes | str],
) -> None:
    """Publish each payload with QoS 1 and wait for the broker to acknowledge them all."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.username_pw_set(username, password)
    client.max_inflight_messages_set(200)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    try:
        sent = [client.publish(topic, payload, qos=1) for payload in payloads]
        for info in sent:
            info.wait_for_publish(timeout=15)
            assert info.is_published(), "the broker did not acknowledge a message"
    finally:
        client.disconnect()
        client.loop_stop()


def reading(
    entity_number: int, *, minutes_ago: int, pm25: float = 12.5, **extra: Any
) -> dict[str, Any]:
    """An air-quality entity with one PM2.5 observation, in normalized form."""
    observed = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=minutes_ago)
    return {
        "id": f"urn:ngsi-ld:AirQualityObserved:mqtt-{entity_number:03d}",
        "type": "AirQualityObserved",
        "pm25": {"type": "Property", "value": pm25, "observedAt": observed.isoformat()},
        **extra,
    }


def payload(*documents: dict[str, Any]) -> str:
    return json.dumps(documents[0] if len(documents) == 1 else list(documents))


@pytest.fixture(name="broker")
def broker_fixture(tmp_path: Path, transactional_db: None) -> Iterator[Broker]:
    running = Broker(tmp_path / "mosquitto")
    running.directory.mkdir()
    running.start()
    yield running
    running.stop()
