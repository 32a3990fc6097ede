"""Structured logs: a request id for every request, carried into the background tasks the
request enqueues, on every log line (JSON in production: ``DIGIPLACE_LOG_FORMAT``).

- ``RequestIdMiddleware`` takes a sane incoming ``X-Request-ID`` (a load balancer's or
  Caddy's) or makes one, answers with it, and keeps it in a context variable for the
  request's duration.
- ``RequestContextFilter`` copies the request id, and inside a task the task's id and name,
  onto every record; ``JsonFormatter`` writes one JSON object per line.
- Tasks: the task's log lines carry the id of the request that enqueued it. The immediate
  backend (tests) runs the task inside the request, whose context is still there. The
  database backend stores the task's arguments as a JSON object ``{"args", "kwargs"}``,
  which the worker reads back by those two keys only: a ``task_enqueued`` receiver adds
  ``"request_id"`` to that object, and a ``task_started`` receiver in the worker puts it in
  the context. A receiver works with the stock backend and every way of enqueuing (no
  subclass to configure, no extra table); its cost is one UPDATE of the row just inserted,
  only for tasks enqueued during a request.
- No personal data: secrets (``core.redaction``), email addresses and IP addresses are
  replaced in the message and the exception text of every JSON line.

``CoreConfig.ready`` connects the receivers in every process that loads the apps: the web
processes, the task worker, the scheduler and the MQTT worker alike.
"""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import metrics
from .redaction import REDACTED, redact

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponseBase

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept when it is short and plain (a UUID, a load balancer's hex id);
# anything else (long, spaces, quotes, control characters) is replaced by a fresh one, so
# that a client cannot write into the logs through it.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")
# The key the request id is stored under in the database backend's arguments object.
STORED_KEY = "request_id"

# Personal data that must not reach a log line, whatever a caller wrote.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
# Full and compressed IPv6 (at least two colons around hex groups, one group of 3+ hex
# digits or "::"), not times like 12:30:45.
_IPV6 = re.compile(
    r"(?<![\w:])(?=[0-9A-Fa-f:]*(?:::|[0-9A-Fa-f]{3}))"
    r"(?:[0-9A-Fa-f]{1,4}:){1,7}:?(?:[0-9A-Fa-f]{1,4})?(?![\w:])"
)
# Secret tokens in addresses (Django logs the path of every 4xx and 5xx answer): the
# unsubscribe, email confirmation, password reset and vote change links, and query values
# that name a person or a secret.
_PATH_TOKEN = re.compile(
    r"(/(?:unsubscribe|confirm|password-reset|vote/change)/)[^\s?#\"']+", re.IGNORECASE
)
_QUERY_SECRET = re.compile(
    r"([?&;](?:email|e-mail|token|uid|uidb64|secret|password|key)=)[^&;\s\"']*", re.IGNORECASE
)
EMAIL_REDACTED = "[email]"
ADDRESS_REDACTED = "[address]"


@dataclass(frozen=True)
class LogContext:
    request_id: str = ""
    task_id: str = ""
    task_name: str = ""


_NO_CONTEXT = LogContext()
_context: contextvars.ContextVar[LogContext] = contextvars.ContextVar(
    "digiplace_log_context", default=_NO_CONTEXT
)
# The contexts a running task replaced (a task run inside a request by the immediate backend
# gives the request's back when it ends).
_saved: contextvars.ContextVar[tuple[tuple[LogContext, str | None], ...]] = contextvars.ContextVar(
    "digiplace_log_saved", default=()
)


def current_context() -> LogContext:
    return _context.get()


def current_request_id() -> str:
    return _context.get().request_id


def sane_request_id(value: str | None) -> str:
    """``value`` when it is a plain id of at most 100 characters, else a new UUID4."""
    if value and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return str(uuid.uuid4())


def redact_personal(text: str) -> str:
    """``text`` with secrets (api keys, tokens in links), email addresses and IP addresses
    replaced."""
    text = redact(text)
    if "/" in text:
        text = _PATH_TOKEN.sub(r"\1" + REDACTED, text)
    if "=" in text:
        text = _QUERY_SECRET.sub(r"\1" + REDACTED, text)
    if "@" in text:
        text = _EMAIL.sub(EMAIL_REDACTED, text)
    if "." in text:
        text = _IPV4.sub(ADDRESS_REDACTED, text)
    if ":" in text:
        text = _IPV6.sub(ADDRESS_REDACTED, text)
    return text


class RequestIdMiddleware:
    """Gives every request an id (``request.request_id``, the ``X-Request-ID`` answer
    header, every log line written while it is answered)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = sane_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _context.set(LogContext(request_id=request_id))
        kind_token = metrics.set_context_kind("request")
        try:
            response = self.get_response(request)
        finally:
            metrics.reset_context_kind(kind_token)
            _context.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestContextFilter(logging.Filter):
    """Puts the request id, task id and task name on every record (empty outside)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _context.get()
        if not hasattr(record, "request_id"):
            record.request_id = context.request_id
        if not hasattr(record, "task_id"):
            record.task_id = context.task_id
        if not hasattr(record, "task_name"):
            record.task_name = context.task_name
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO 8601, UTC), level, logger, message, request_id,
    task_id and task (inside a task), exception (the traceback's text), personal data and
    secrets replaced."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
        context = _context.get()
        line: dict[str, Any] = {
            "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact_personal(record.getMessage()),
            "request_id": getattr(record, "request_id", None) or context.request_id or None,
        }
        task_id = getattr(record, "task_id", None) or context.task_id
        if task_id:
            line["task_id"] = task_id
            line["task"] = getattr(record, "task_name", None) or context.task_name
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = redact_personal(record.exc_text)
        if record.stack_info:
            line["stack"] = redact_personal(self.formatStack(record.stack_info))
        return json.dumps(line, ensure_ascii=False, default=str)


# django_tasks' receivers.


def _task_name(task_result: Any) -> str:
    try:
        return str(task_result.task.module_path)
    except Exception:
        return "unknown"


def _on_task_enqueued(sender: Any, task_result: Any, **kwargs: Any) -> None:
    request_id = _context.get().request_id
    db_result = getattr(task_result, "db_result", None)
    if not request_id or db_result is None:
        return
    stored = dict(db_result.args_kwargs or {})
    stored[STORED_KEY] = request_id
    db_result.args_kwargs = stored
    type(db_result).objects.filter(pk=db_result.pk).update(args_kwargs=stored)


def _on_task_started(sender: Any, task_result: Any, **kwargs: Any) -> None:
    outer = _context.get()
    _saved.set((*_saved.get(), (outer, metrics.context_kind())))
    db_result = getattr(task_result, "db_result", None)
    stored = getattr(db_result, "args_kwargs", None)
    request_id = stored.get(STORED_KEY, "") if isinstance(stored, dict) else ""
    _context.set(
        LogContext(
            request_id=str(request_id or outer.request_id)[:100],
            task_id=str(task_result.id),
            task_name=_task_name(task_result),
        )
    )
    metrics.set_context_kind("task")


def _on_task_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    from django_tasks import TaskResultStatus

    seconds = None
    if task_result.started_at and task_result.finished_at:
        seconds = (task_result.finished_at - task_result.started_at).total_seconds()
    metrics.task_finished(
        task=_task_name(task_result),
        successful=task_result.status == TaskResultStatus.SUCCESSFUL,
        seconds=seconds,
    )
    saved = _saved.get()
    if saved:
        (outer, kind), rest = saved[-1], saved[:-1]
        _saved.set(rest)
    else:
        outer, kind = _NO_CONTEXT, None
    _context.set(outer)
    metrics.set_context_kind(kind)


def connect() -> None:
    """Connect the task receivers (again: no effect)."""
    from django_tasks.signals import (
        log_task_started,
        task_enqueued,
        task_finished,
        task_started,
    )

    task_enqueued.connect(_on_task_enqueued, dispatch_uid="digiplace.core.logs.enqueued")
    # Before django_tasks' own "started" log line, so that the line carries the task's
    # context (its "finished" line, connected first, is written before the context ends).
    task_started.disconnect(log_task_started)
    task_started.connect(_on_task_started, dispatch_uid="digiplace.core.logs.started")
    task_started.connect(log_task_started)
    task_finished.connect(_on_task_finished, dispatch_uid="digiplace.core.logs.finished")
