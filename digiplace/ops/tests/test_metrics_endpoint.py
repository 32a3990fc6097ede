"""/metrics: scraped and parsed with Prometheus's own text parser; what moves the counters
(requests, tasks, readings, notifications) and who may read them."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client, override_settings
from django_tasks import task
from prometheus_client.parser import text_string_to_metric_families

from digiplace.core.models import Municipality, User
from digiplace.core.notifications import notification_send
from digiplace.urbandata.mqtt import ingest as mqtt_ingest
from digiplace.urbandata.services.csv_import import readings_csv_import
from digiplace.urbandata.tests.factories import EntityFactory, device_key_make
from digiplace.urbandata.tests.ngsi_helpers import container, send

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-for-tests-0123456789"
HOST = "botosani.localhost"
CaptureOnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@task()
def metrics_ok_task() -> int:
    return 1


@task()
def metrics_failing_task() -> None:
    raise RuntimeError("this task fails on purpose")


def scrape(client: Client, **extra: str) -> tuple[str, Samples]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **extra)  # type: ignore[arg-type]
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    text = response.content.decode()
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@override_settings(METRICS_TOKEN=TOKEN)
def test_requests_counted_by_url_name_and_status_with_latency_buckets(
    client: Client, botosani: Municipality
) -> None:
    _, before = scrape(client)

    for _ in range(2):
        assert client.get("/", HTTP_HOST=HOST).status_code == 200
    assert client.get("/reports/", HTTP_HOST=HOST).status_code == 200
    assert client.get("/reports/987654321/", HTTP_HOST=HOST).status_code == 404
    assert client.get("/no-such-page-31337/", HTTP_HOST=HOST).status_code == 404

    text, after = scrape(client)
    requests = "digiplace_http_requests_total"
    assert value(after, requests, view="core:home", method="GET", status="200") - value(
        before, requests, view="core:home", method="GET", status="200"
    ) == pytest.approx(2)
    assert value(after, requests, view="reports:report_list", method="GET", status="200") - value(
        before, requests, view="reports:report_list", method="GET", status="200"
    ) == pytest.approx(1)
    assert value(after, requests, view="<unmatched>", method="GET", status="404") - value(
        before, requests, view="<unmatched>", method="GET", status="404"
    ) == pytest.approx(1)
    latency = "digiplace_http_request_duration_seconds"
    for view, count in (("core:home", 2), ("reports:report_list", 1)):
        assert value(after, f"{latency}_count", view=view) - value(
            before, f"{latency}_count", view=view
        ) == pytest.approx(count)
        # Every request lands in the +Inf bucket; the buckets are cumulative.
        assert value(after, f"{latency}_bucket", view=view, le="+Inf") - value(
            before, f"{latency}_bucket", view=view, le="+Inf"
        ) == pytest.approx(count)
        buckets = sorted(
            (float(dict(labels)["le"]), number)
            for (name, labels), number in after.items()
            if name == f"{latency}_bucket" and dict(labels)["view"] == view
        )
        assert [number for _, number in buckets] == sorted(number for _, number in buckets)
        assert len(buckets) == 13
    # Paths (and the ids in them) are never label values; /metrics does not count itself.
    assert "987654321" not in text
    assert "no-such-page" not in text
    assert 'view="metrics"' not in text


@override_settings(METRICS_TOKEN=TOKEN)
def test_task_runs_and_failures_counted(client: Client, db: None) -> None:
    _, before = scrape(client)

    metrics_ok_task.enqueue()
    metrics_ok_task.enqueue()
    metrics_failing_task.enqueue()

    _, after = scrape(client)
    name = "digiplace_tasks_total"
    ok = f"{__name__}.metrics_ok_task"
    failing = f"{__name__}.metrics_failing_task"
    assert value(after, name, task=ok, status="successful") - value(
        before, name, task=ok, status="successful"
    ) == pytest.approx(2)
    assert value(after, name, task=failing, status="failed") - value(
        before, name, task=failing, status="failed"
    ) == pytest.approx(1)
    assert value(after, name, task=ok, status="failed") == value(
        before, name, task=ok, status="failed"
    )
    assert value(after, "digiplace_task_duration_seconds_count", task=ok) - value(
        before, "digiplace_task_duration_seconds_count", task=ok
    ) == pytest.approx(2)


@override_settings(
    METRICS_TOKEN=TOKEN,
    TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}},
)
def test_waiting_tasks_read_from_the_database_at_scrape_time(client: Client, db: None) -> None:
    _, before = scrape(client)
    assert value(before, "digiplace_tasks_waiting", queue="default") == 0

    metrics_ok_task.enqueue()
    metrics_ok_task.enqueue()

    _, after = scrape(client)
    assert value(after, "digiplace_tasks_waiting", queue="default") == 2
    assert value(after, "digiplace_tasks_oldest_waiting_seconds", queue="default") >= 0
    assert value(after, "digiplace_tasks_running") == 0


@override_settings(METRICS_TOKEN=TOKEN)
def test_readings_ingested_through_the_ngsi_api_counted(
    client: Client, botosani: Municipality
) -> None:
    secret = device_key_make(municipality=botosani, name="Gateway")[1]
    _, before = scrape(client)

    response = send(
        client,
        "POST",
        "entityOperations/upsert",
        [
            container(1),
            container(2, temperature={"type": "Property", "value": 4.5}),
        ],
        secret=secret,
    )
    assert response.status_code in {201, 204}, response.content

    _, after = scrape(client)
    name = "digiplace_readings_ingested_total"
    # Two filling levels and a temperature.
    assert value(after, name, source="api") - value(before, name, source="api") == pytest.approx(3)


@override_settings(METRICS_TOKEN=TOKEN)
def test_readings_of_a_csv_import_counted_as_csv(client: Client, botosani: Municipality) -> None:
    entity = EntityFactory.create(
        municipality=botosani, entity_id="urn:ngsi-ld:WasteContainer:bt-0001"
    )
    _, before = scrape(client)

    report = readings_csv_import(
        municipality=botosani,
        lines=[
            "entity_id,attribute,observed_at,value\n",
            f"{entity.entity_id},fillingLevel,2026-11-01T08:00:00Z,0.25\n",
            f"{entity.entity_id},fillingLevel,2026-11-01T09:00:00Z,0.5\n",
        ],
    )

    assert report.written == 2
    _, after = scrape(client)
    name = "digiplace_readings_ingested_total"
    assert value(after, name, source="csv") - value(before, name, source="csv") == pytest.approx(2)


@override_settings(METRICS_TOKEN=TOKEN)
def test_readings_of_the_mqtt_worker_counted_as_mqtt(
    client: Client, botosani: Municipality
) -> None:
    _, before = scrape(client)

    # The MQTT worker's writer, as its batches call it.
    [result] = mqtt_ingest._default_writer(botosani, [container(7)])

    assert result.error is None
    _, after = scrape(client)
    name = "digiplace_readings_ingested_total"
    assert value(after, name, source="mqtt") - value(before, name, source="mqtt") == pytest.approx(
        1
    )


@override_settings(METRICS_TOKEN=TOKEN)
def test_notification_email_counted(
    client: Client,
    botosani: Municipality,
    resident: User,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    _, before = scrape(client)

    with django_capture_on_commit_callbacks(execute=True):
        notification_send(
            recipient=resident,
            kind="core.test",
            subject="Your report was fixed",
            body="The container was emptied.",
            municipality=botosani,
        )

    assert len(mail.outbox) == 1
    text, after = scrape(client)
    name = "digiplace_notifications_sent_total"
    assert value(after, name, channel="email") - value(
        before, name, channel="email"
    ) == pytest.approx(1)
    assert resident.email not in text


@override_settings(METRICS_TOKEN=TOKEN, METRICS_ALLOWED_IPS=[])
def test_refused_without_the_token_or_with_a_wrong_one(client: Client, db: None) -> None:
    english(client)
    for headers in (
        {},
        {"HTTP_AUTHORIZATION": "Bearer wrong-token"},
        {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}x"},
        {"HTTP_AUTHORIZATION": f"Basic {TOKEN}"},
        {"HTTP_AUTHORIZATION": "Bearer "},
    ):
        response = client.get("/metrics", **headers)  # type: ignore[arg-type]
        assert response.status_code == 403, headers
        assert response.content.decode() == "Metrics need the metrics token or an allowed address."
        assert b"digiplace_" not in response.content


@override_settings(METRICS_TOKEN="", METRICS_ALLOWED_IPS=["10.1.0.0/16", "2001:db8::5"])
def test_allowed_addresses(client: Client, db: None) -> None:
    english(client)
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="2001:db8::5").status_code == 200
    refused = client.get("/metrics", REMOTE_ADDR="192.0.2.7")
    assert refused.status_code == 403
    # A token is no use when none is configured.
    assert (
        client.get("/metrics", REMOTE_ADDR="192.0.2.7", HTTP_AUTHORIZATION="Bearer ").status_code
        == 403
    )
    # Behind one trusted proxy the client is the address the proxy saw; entries further
    # left can be forged.
    with override_settings(TRUSTED_PROXY_COUNT=1):
        assert (
            client.get(
                "/metrics", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.1.9.9"
            ).status_code
            == 200
        )
        assert (
            client.get(
                "/metrics", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.1.9.9, 192.0.2.8"
            ).status_code
            == 403
        )


@override_settings(METRICS_TOKEN=TOKEN)
def test_answers_on_any_host_and_is_not_cached(client: Client, botosani: Municipality) -> None:
    for host in (HOST, "unknown-city.localhost", "localhost"):
        response = client.get("/metrics", HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200, host
        assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
        assert "X-Request-ID" in response


@override_settings(METRICS_TOKEN="", METRICS_ALLOWED_IPS=[])
def test_not_found_when_neither_token_nor_addresses_are_configured(
    client: Client, db: None
) -> None:
    english(client)
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything")
    assert response.status_code == 404
    assert response.content.decode() == "Metrics are not enabled on this server."


@override_settings(METRICS_TOKEN=TOKEN)
def test_multiprocess_mode_adds_up_every_process(
    client: Client, db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes count into the shared folder; /metrics adds them up."""
    program = (
        "from digiplace.core import metrics\n"
        "metrics.HTTP_REQUESTS.labels(view='core:home', method='GET', status='200').inc(3)\n"
        "metrics.HTTP_LATENCY.labels(view='core:home').observe(0.02)\n"
        "metrics.readings_ingested(5)\n"
    )
    environment = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    for _ in range(2):
        subprocess.run(
            [sys.executable, "-c", program],
            check=True,
            env=environment,
            cwd=settings.BASE_DIR,
            timeout=60,
        )
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    _, samples = scrape(client)

    assert value(
        samples, "digiplace_http_requests_total", view="core:home", method="GET", status="200"
    ) == pytest.approx(6)
    assert value(
        samples, "digiplace_http_request_duration_seconds_bucket", view="core:home", le="0.025"
    ) == pytest.approx(2)
    assert value(samples, "digiplace_readings_ingested_total", source="other") == pytest.approx(10)
    # The database's figures are there too.
    assert ("digiplace_tasks_running", frozenset()) in samples
