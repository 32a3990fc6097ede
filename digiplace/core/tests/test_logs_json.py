"""Structured logs: one JSON object a line, the request id answered and carried into the
background task the request enqueued (inline and through the database worker), no
personal data."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings
from django_tasks_db.models import DBTaskResult

from digiplace.core.logs import (
    JsonFormatter,
    RequestContextFilter,
    redact_personal,
    sane_request_id,
)
from digiplace.core.models import Municipality, User

HOST = "botosani.localhost"
ADDRESS = "203.0.113.77"
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Every record at DEBUG and above, as the production handler writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    tasks_logger = logging.getLogger("django_tasks")
    levels = (root.level, tasks_logger.level)
    root.addHandler(handler)
    tasks_logger.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        tasks_logger.setLevel(levels[1])


def parsed(stream: io.StringIO) -> list[dict[str, Any]]:
    # Every line is one JSON object (json.loads raises on anything else).
    return [json.loads(line) for line in stream.getvalue().splitlines() if line]


def reset_request(client: Client, **headers: str) -> str:
    response = client.post(
        "/accounts/password-reset/",
        {"email": "resident@example.org"},
        HTTP_HOST=HOST,
        REMOTE_ADDR=ADDRESS,
        **headers,  # type: ignore[arg-type]
    )
    assert response.status_code == 302
    return str(response["X-Request-ID"])


@pytest.mark.django_db(transaction=True)
def test_request_and_its_task_log_json_lines_with_the_same_request_id(
    client: Client, botosani: Municipality, resident: User, json_lines: io.StringIO
) -> None:
    # The test backend runs the task inside the request, once the request's writes commit.
    request_id = reset_request(client)

    assert len(mail.outbox) == 1
    lines = parsed(json_lines)
    task_lines = [line for line in lines if line.get("task") == "digiplace.core.tasks.email_send"]
    assert task_lines, lines
    for line in task_lines:
        assert line["request_id"] == request_id
        assert line["task_id"]
        assert line["level"] in {"DEBUG", "INFO"}
        assert line["time"].endswith("Z") and line["time"][10] == "T"
    # The enqueue line is the request's own (no task yet).
    assert any(
        line["request_id"] == request_id and "task" not in line and "enqueued" in line["message"]
        for line in lines
    )
    text = json_lines.getvalue()
    assert "resident@example.org" not in text
    assert ADDRESS not in text


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_request_id_travels_with_a_database_task_into_the_worker(
    client: Client, botosani: Municipality, resident: User, json_lines: io.StringIO
) -> None:
    request_id = reset_request(client, HTTP_X_REQUEST_ID="lb-4f2a9c.17")
    assert request_id == "lb-4f2a9c.17"
    stored = DBTaskResult.objects.get()
    assert stored.args_kwargs["request_id"] == request_id
    assert mail.outbox == []

    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=1)

    assert len(mail.outbox) == 1
    stored.refresh_from_db()
    assert stored.status == "SUCCESSFUL"
    worker_lines = [line for line in parsed(json_lines) if line.get("task_id") == str(stored.pk)]
    assert worker_lines
    assert {line["request_id"] for line in worker_lines} == {request_id}
    assert {line["task"] for line in worker_lines} == {"digiplace.core.tasks.email_send"}
    # django_tasks' own lines, when the task starts and when it ends, carry both.
    assert any("RUNNING" in line["message"] for line in worker_lines)
    assert any("SUCCESSFUL" in line["message"] for line in worker_lines)
    text = json_lines.getvalue()
    assert "resident@example.org" not in text
    assert ADDRESS not in text


@pytest.mark.django_db
def test_failed_sign_in_logs_neither_the_email_nor_the_address(
    client: Client, botosani: Municipality, resident: User, json_lines: io.StringIO
) -> None:
    for _attempt in range(2):
        response = client.post(
            "/accounts/login/",
            {"username": "resident@example.org", "password": "not the password"},
            HTTP_HOST=HOST,
            REMOTE_ADDR=ADDRESS,
        )
        assert response.status_code == 200
    client.get("/unsubscribe/not-a-valid-token-for-anyone/", HTTP_HOST=HOST, REMOTE_ADDR=ADDRESS)

    lines = parsed(json_lines)
    assert lines  # Django logs the refused unsubscribe link at least.
    text = json_lines.getvalue()
    assert "resident@example.org" not in text
    assert ADDRESS not in text
    assert "not-a-valid-token-for-anyone" not in text


@pytest.mark.django_db
def test_every_answer_carries_a_request_id(client: Client, botosani: Municipality) -> None:
    made = client.get("/", HTTP_HOST=HOST)["X-Request-ID"]
    assert len(made) == 36 and made.count("-") == 4
    assert client.get("/", HTTP_HOST=HOST)["X-Request-ID"] != made
    kept = client.get("/", HTTP_HOST=HOST, HTTP_X_REQUEST_ID="abc-123")
    assert kept["X-Request-ID"] == "abc-123"
    for unsafe in ("a" * 101, "bad id", 'x"}{', "ünï", "-leading-dash"):
        answered = client.get("/", HTTP_HOST=HOST, HTTP_X_REQUEST_ID=unsafe)["X-Request-ID"]
        assert answered != unsafe and len(answered) == 36


def test_sane_request_ids() -> None:
    assert sane_request_id("4bf92f3577b34da6a3ce929d0e0e4736") == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert sane_request_id("a" * 100) == "a" * 100
    assert len(sane_request_id(None)) == 36
    assert len(sane_request_id("line\nbreak")) == 36
    assert len(sane_request_id("<script>")) == 36


def test_formatter_writes_one_json_object_without_personal_data() -> None:
    formatter = JsonFormatter()
    try:
        raise ValueError("no account for ana.popescu@example.org from 198.51.100.4")
    except ValueError:
        record = logging.LogRecord(
            "digiplace.test",
            logging.WARNING,
            __file__,
            1,
            "Not Found: %s (from %s, %s)",
            ("/unsubscribe/eyJlbWFpbCI6ImEifQ/", "2001:db8::77", "ana@example.org"),
            exc_info=sys.exc_info(),
        )
    line = formatter.format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["level"] == "WARNING"
    assert data["logger"] == "digiplace.test"
    assert data["request_id"] is None
    assert "task_id" not in data
    assert data["message"] == "Not Found: /unsubscribe/[redacted] (from [address], [email])"
    assert "ValueError: no account for [email] from [address]" in data["exception"]
    # Times, versions and plain numbers are left alone.
    assert redact_personal("at 12:30:45, version 0.26.0, 3.5 per cent") == (
        "at 12:30:45, version 0.26.0, 3.5 per cent"
    )
    assert redact_personal("/report?api_key=s3cret&email=a%40b.ro") == (
        "/report?api_key=[redacted]&email=[redacted]"
    )
