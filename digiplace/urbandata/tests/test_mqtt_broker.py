"""The broker files the platform writes, checked against a real mosquitto: the right
secret connects, a wrong or revoked one is refused, a device writes only its city's topic."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone
from pytest_django import Settings

from digiplace.core.models import Municipality
from digiplace.urbandata.models import Entity, Reading
from digiplace.urbandata.mqtt import city_topic, device_topic, topic_city_slug, topic_username
from digiplace.urbandata.mqtt.connection import broker_address
from digiplace.urbandata.mqtt.files import (
    ACL_FILE,
    PASSWORD_FILE,
    broker_files_write,
    broker_reload,
)
from digiplace.urbandata.services.keys import device_key_issue, device_key_revoke

from .conftest_mqtt import (
    Broker,
    RunningWorker,
    broker_fixture,  # noqa: F401 (the fixture "broker")
    device_connect,
    device_publish,
    payload,
    reading,
    wait_for,
)

INGEST_URL = "mqtt://ingest:worker-pass@127.0.0.1:1883"


def test_topics_name_the_city() -> None:
    assert city_topic("botosani") == "digiplace/botosani/entities"
    assert topic_city_slug("digiplace/botosani/entities") == "botosani"
    assert topic_city_slug("digiplace/botosani/other") is None
    assert topic_city_slug("digiplace//entities") is None
    assert topic_city_slug("digiplace/a/b/entities") is None
    # A device-bound key's own topic names the city and the device's user name.
    assert device_topic("botosani", "botosani-1a2b") == "digiplace/botosani/entities/botosani-1a2b"
    assert topic_city_slug("digiplace/botosani/entities/botosani-1a2b") == "botosani"
    assert topic_username("digiplace/botosani/entities/botosani-1a2b") == "botosani-1a2b"
    assert topic_username("digiplace/botosani/entities") is None
    assert topic_city_slug("digiplace/botosani/entities/") is None


def test_the_url_names_the_worker_and_its_session() -> None:
    address = broker_address("mqtts://ingest%40x:p%3Ass@broker.example?client_id=city-ingest")
    assert (address.host, address.port, address.username, address.password) == (
        "broker.example",
        8883,
        "ingest@x",
        "p:ss",
    )
    assert address.is_tls
    assert address.client_id == "city-ingest"
    assert broker_address("mqtt://u:p@localhost").client_id == "digiplace-ingest"
    for bad in ("http://u:p@h", "mqtt://h:1883", "mqtt://u@h", "mqtt://a b:p@h"):
        with pytest.raises(ValueError, match="MQTT"):
            broker_address(bad)


@pytest.mark.django_db
def test_files_list_active_keys_each_writing_only_its_city(
    tmp_path: Path, botosani: Municipality, timisoara: Municipality
) -> None:
    bin_key, _secret = device_key_issue(municipality=botosani, name="Bin 1")
    station, _secret = device_key_issue(municipality=timisoara, name="Station 1")
    revoked, _secret = device_key_issue(municipality=timisoara, name="Old station")
    device_key_revoke(key=revoked)

    files = broker_files_write(files_dir=tmp_path, ingest_url=INGEST_URL)

    assert files is not None and files.changed and files.device_users == 2
    assert not files.reloaded  # no broker runs there
    passwords = (tmp_path / PASSWORD_FILE).read_text().splitlines()
    # The worker's user first, then the devices by user name.
    assert [line.split(":", 1)[0] for line in passwords] == [
        "ingest",
        *sorted([bin_key.username, station.username]),
    ]
    assert f"{bin_key.username}:{bin_key.mqtt_password_hash}" in passwords
    assert all(line.split(":", 1)[1].startswith("$7$101$") for line in passwords)
    acl = (tmp_path / ACL_FILE).read_text()
    assert f"user {bin_key.username}\ntopic write digiplace/botosani/entities\n" in acl
    assert f"user {station.username}\ntopic write digiplace/timisoara/entities\n" in acl
    assert (
        "user ingest\ntopic read digiplace/+/entities\ntopic read digiplace/+/entities/+\n" in acl
    )
    assert revoked.username not in acl and revoked.username not in "\n".join(passwords)
    assert oct((tmp_path / PASSWORD_FILE).stat().st_mode & 0o777) == "0o640"
    # Written through a temporary file and renamed: nothing else is left in the folder.
    assert sorted(path.name for path in tmp_path.iterdir()) == [".lock", ACL_FILE, PASSWORD_FILE]

    again = broker_files_write(files_dir=tmp_path, ingest_url=INGEST_URL)
    assert again is not None and not again.changed  # the same keys: the same bytes


@pytest.mark.django_db
def test_without_an_mqtt_url_nothing_is_written(settings: Settings, tmp_path: Path) -> None:
    settings.URBANDATA_MQTT_URL = ""
    settings.URBANDATA_MQTT_FILES_DIR = str(tmp_path / "files")
    assert broker_files_write() is None
    assert not (tmp_path / "files").exists()


def test_a_stale_pid_file_signals_nobody(tmp_path: Path) -> None:
    # This test's own pid: SIGHUP would end it if the process were not checked first.
    (tmp_path / "mosquitto.pid").write_text(str(os.getpid()))
    assert broker_reload(files_dir=tmp_path) is False


@pytest.mark.django_db(transaction=True)
def test_a_device_connects_with_its_secret_and_not_once_revoked(
    broker: Broker, botosani: Municipality
) -> None:
    key, secret = device_key_issue(municipality=botosani, name="Bin 7")
    broker.files_write()  # mosquitto reloads (SIGHUP) on its own

    def accepted() -> bool:
        answer = device_connect(broker, username=key.username, password=secret)
        return answer.getName() == "Success"

    wait_for(accepted, what="the new key to be accepted")
    wrong = device_connect(broker, username=key.username, password=secret + "x")
    assert wrong.getName() == "Not authorized"
    assert device_connect(broker, username="nobody", password=secret).getName() == (
        "Not authorized"
    )

    device_key_revoke(key=key)
    broker.files_write()

    wait_for(lambda: not accepted(), what="the revoked key to be refused")
    answer = device_connect(broker, username=key.username, password=secret)
    assert answer.getName() == "Not authorized"


@pytest.mark.django_db(transaction=True)
def test_a_device_cannot_write_another_citys_topic(
    broker: Broker, botosani: Municipality, timisoara: Municipality
) -> None:
    botosani_key, botosani_secret = device_key_issue(municipality=botosani, name="Bin")
    timisoara_key, timisoara_secret = device_key_issue(municipality=timisoara, name="Station")
    broker.files_write()
    wait_for(
        lambda: (
            device_connect(
                broker, username=timisoara_key.username, password=timisoara_secret
            ).getName()
            == "Success"
        ),
        what="the keys to be loaded",
    )
    worker = RunningWorker(broker).start()
    try:
        device_publish(
            broker,
            username=timisoara_key.username,
            password=timisoara_secret,
            topic=city_topic("botosani"),
            payloads=[payload(reading(1, minutes_ago=5))],
        )
        device_publish(
            broker,
            username=botosani_key.username,
            password=botosani_secret,
            topic=city_topic("botosani"),
            payloads=[payload(reading(2, minutes_ago=5))],
        )
        wait_for(lambda: Reading.objects.count() == 1, what="Botoșani's reading")
    finally:
        stats = worker.stop()
    assert list(Reading.objects.values_list("entity__entity_id", flat=True)) == [
        "urn:ngsi-ld:AirQualityObserved:mqtt-002"
    ]
    assert stats.messages == 1  # the other one never reached the worker


@pytest.mark.django_db(transaction=True)
def test_a_device_bound_key_writes_only_its_own_entity(
    broker: Broker, botosani: Municipality
) -> None:
    from digiplace.urbandata.services.ingest import WriteMode, entities_write

    entities_write(
        municipality=botosani,
        documents=[reading(n, minutes_ago=30) for n in (1, 2)],
        mode=WriteMode.CREATE,
        key=None,
    )
    own = Entity.objects.get(entity_id="urn:ngsi-ld:AirQualityObserved:mqtt-001")
    key, secret = device_key_issue(municipality=botosani, name="Station 1", entity=own)
    broker.files_write()
    wait_for(
        lambda: (
            device_connect(broker, username=key.username, password=secret).getName() == "Success"
        ),
        what="the key to be loaded",
    )
    worker = RunningWorker(broker).start()
    try:
        # The city's shared topic is closed to it (the broker drops the message).
        device_publish(
            broker,
            username=key.username,
            password=secret,
            topic=city_topic("botosani"),
            payloads=[payload(reading(1, minutes_ago=3, pm25=40.0))],
        )
        # On its own topic, its entity is written and another one is refused.
        device_publish(
            broker,
            username=key.username,
            password=secret,
            topic=device_topic("botosani", key.username),
            payloads=[
                payload(reading(2, minutes_ago=2, pm25=50.0)),
                payload(reading(1, minutes_ago=1, pm25=60.0)),
            ],
        )
        wait_for(lambda: worker.stats.messages == 2, what="the device's messages")
    finally:
        stats = worker.stop()
    values = dict(
        Reading.objects.filter(
            observed_at__gt=timezone.now() - datetime.timedelta(minutes=5)
        ).values_list("entity__entity_id", "value")
    )
    assert values == {"urn:ngsi-ld:AirQualityObserved:mqtt-001": 60.0}
    assert stats.entities_written == 1
    assert stats.entities_refused == 1
