"""/readyz: the real database, cache, worker heartbeat (run by the real database worker),
disk and MQTT broker (a real mosquitto, stopped for the failure), in JSON, 200 or 503."""

from __future__ import annotations

import datetime
import json
import socket
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pytest_django import Settings

from digiplace.ops.heartbeat import heartbeat_record
from digiplace.ops.models import Heartbeat
from digiplace.urbandata.tests.conftest_mqtt import (
    WORKER_PASSWORD,
    WORKER_USER,
    Broker,
    broker_fixture,  # noqa: F401
)

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def readyz(client: Client, host: str = "127.0.0.1") -> tuple[int, dict[str, Any], Any]:
    response = client.get("/readyz", HTTP_HOST=host)
    assert response["Content-Type"] == "application/json"
    return response.status_code, json.loads(response.content), response


def heartbeat_fresh() -> None:
    Heartbeat.objects.update_or_create(name="worker", defaults={"seen_at": timezone.now()})


@pytest.fixture(autouse=True)
def _settings(settings: Settings) -> None:
    # The test machine's disk is whatever it is: only the disk test asks for much.
    settings.READY_MIN_FREE_MB = 1
    settings.LANGUAGE_CODE = "en"


@pytest.mark.django_db(transaction=True)
def test_all_ok_with_the_heartbeat_run_by_the_worker_and_a_real_broker(
    client: Client, settings: Settings, broker: Broker
) -> None:
    settings.URBANDATA_MQTT_URL = broker.url
    settings.TASKS = DATABASE_TASKS
    heartbeat_record.enqueue()
    assert not Heartbeat.objects.exists()
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    status, body, response = readyz(client)

    assert status == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) >= {"database", "cache", "worker", "disk", "broker"}
    for name, check in body["checks"].items():
        assert check["ok"] is True, name
        assert isinstance(check["detail"], str) and check["detail"]
        assert isinstance(check["critical"], bool)
    assert body["checks"]["database"]["latency_ms"] >= 0
    assert body["checks"]["worker"]["last_seen_seconds"] <= 60
    assert body["checks"]["worker"]["waiting"] == 0
    assert body["checks"]["broker"]["configured"] is True
    assert "no-store" in response["Cache-Control"]
    # Nothing secret or local: not the broker's credentials or port, no file paths.
    text = response.content.decode()
    for secret in (WORKER_PASSWORD, WORKER_USER, str(broker.port), str(settings.MEDIA_ROOT)):
        assert secret not in text


@pytest.mark.django_db(transaction=True)
def test_a_stopped_broker_fails_readiness_by_name(
    client: Client, settings: Settings, broker: Broker
) -> None:
    settings.URBANDATA_MQTT_URL = broker.url
    heartbeat_fresh()
    assert readyz(client)[0] == 200

    broker.stop()
    status, body, response = readyz(client)

    assert status == 503
    assert body["status"] == "fail"
    assert body["checks"]["broker"]["ok"] is False
    assert "MQTT broker" in body["checks"]["broker"]["detail"]
    assert [name for name, check in body["checks"].items() if not check["ok"]] == ["broker"]
    assert WORKER_PASSWORD not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_wrong_broker_credentials_fail(client: Client, settings: Settings, broker: Broker) -> None:
    settings.URBANDATA_MQTT_URL = broker.url.replace(WORKER_PASSWORD, "not-the-password")
    heartbeat_fresh()

    status, body, _response = readyz(client)

    assert status == 503
    assert "refused" in body["checks"]["broker"]["detail"]


@pytest.mark.django_db
def test_a_broker_that_never_answers_does_not_hang_readiness(
    client: Client, settings: Settings
) -> None:
    # A listener that accepts the connection and never sends CONNACK (a hung broker).
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        settings.URBANDATA_MQTT_URL = f"mqtt://user:secret-password@127.0.0.1:{port}"
        heartbeat_fresh()

        status, body, _response = readyz(client)

    assert status == 503
    assert "did not answer within 2 seconds" in body["checks"]["broker"]["detail"]


@pytest.mark.django_db
def test_broker_not_configured_passes(client: Client, settings: Settings) -> None:
    settings.URBANDATA_MQTT_URL = ""
    heartbeat_fresh()

    status, body, _response = readyz(client)

    assert status == 200
    assert body["checks"]["broker"] == {
        "ok": True,
        "critical": True,
        "detail": "Not configured.",
        "configured": False,
        "check_ms": body["checks"]["broker"]["check_ms"],
    }


@pytest.mark.django_db
def test_worker_stopped_names_the_worker(client: Client, settings: Settings) -> None:
    settings.TASKS = DATABASE_TASKS
    Heartbeat.objects.create(name="worker", seen_at=timezone.now() - datetime.timedelta(minutes=10))
    # The scheduler kept enqueueing the heartbeat; nobody ran it.
    for minutes in (5, 3, 1):
        result = heartbeat_record.enqueue()
        DBTaskResult.objects.filter(pk=result.id).update(
            enqueued_at=timezone.now() - datetime.timedelta(minutes=minutes)
        )

    status, body, _response = readyz(client)

    assert status == 503
    worker = body["checks"]["worker"]
    assert worker["ok"] is False
    assert "task worker (manage.py db_worker) seems stopped" in worker["detail"]
    assert worker["waiting"] == 3
    assert worker["oldest_waiting_seconds"] >= 300
    assert worker["last_seen_seconds"] >= 600
    assert [name for name, check in body["checks"].items() if not check["ok"]] == ["worker"]


@pytest.mark.django_db
def test_scheduler_stopped_is_told_apart(client: Client, settings: Settings) -> None:
    settings.TASKS = DATABASE_TASKS
    Heartbeat.objects.create(name="worker", seen_at=timezone.now() - datetime.timedelta(minutes=10))
    # The last heartbeat was enqueued and run ten minutes ago; nothing enqueued since.
    result = heartbeat_record.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(
        status="SUCCESSFUL", enqueued_at=timezone.now() - datetime.timedelta(minutes=10)
    )

    status, body, _response = readyz(client)

    assert status == 503
    assert "scheduler (manage.py scheduler) seems stopped" in body["checks"]["worker"]["detail"]
    assert body["checks"]["worker"]["waiting"] == 0


@pytest.mark.django_db
def test_worker_never_seen_fails(client: Client) -> None:
    status, body, _response = readyz(client)

    assert status == 503
    assert body["checks"]["worker"]["last_seen_seconds"] is None
    assert "never" in body["checks"]["worker"]["detail"]


@pytest.mark.django_db
def test_disk_below_the_minimum_fails(client: Client, settings: Settings) -> None:
    heartbeat_fresh()
    settings.READY_MIN_FREE_MB = 1024 * 1024 * 1024  # a petabyte

    status, body, _response = readyz(client)

    assert status == 503
    disk = body["checks"]["disk"]
    assert disk["ok"] is False
    assert "uploaded files" in disk["detail"]
    uses = {use for system in disk["file_systems"] for use in system["uses"]}
    assert {"media", "backups"} <= uses
    assert all(system["free_mb"] < disk["min_free_mb"] for system in disk["file_systems"])


@pytest.mark.django_db
def test_cache_down_fails(client: Client, settings: Settings) -> None:
    # A Redis cache where no Redis listens (a stopped one): refused at once.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    heartbeat_fresh()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://:cache-secret@127.0.0.1:{port}/0",
        }
    }

    status, body, response = readyz(client)

    assert status == 503
    assert body["checks"]["cache"]["ok"] is False
    assert "ConnectionError" in body["checks"]["cache"]["detail"]
    assert "cache-secret" not in response.content.decode()


@pytest.mark.django_db
def test_answers_on_any_host_and_only_get(client: Client) -> None:
    heartbeat_fresh()
    status, body, _response = readyz(client, host="nowhere.localhost")
    assert status in {200, 503}
    assert body["checks"]["database"]["ok"] is True

    assert client.post("/readyz", HTTP_HOST="127.0.0.1").status_code == 405


@pytest.mark.django_db
def test_failed_tasks_are_counted(client: Client, settings: Settings) -> None:
    settings.TASKS = DATABASE_TASKS
    heartbeat_fresh()
    result = heartbeat_record.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(
        status="FAILED", finished_at=timezone.now() - datetime.timedelta(hours=1)
    )
    old = heartbeat_record.enqueue()
    DBTaskResult.objects.filter(pk=old.id).update(
        status="FAILED", finished_at=timezone.now() - datetime.timedelta(hours=30)
    )

    _status, body, _response = readyz(client)

    assert body["checks"]["worker"]["failed_24h"] == 1
