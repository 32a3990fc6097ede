"""Prometheus metrics, defined once here so that core and every module can count without
importing the operations app (which serves them at /metrics).

Label values are bounded: a request is counted by its resolved URL name (never its path,
which may hold ids), a task by its import path, readings by where they came from. No label
carries personal data.

Several processes (gunicorn's workers, the task worker, the MQTT worker) each count on
their own. With ``PROMETHEUS_MULTIPROC_DIR`` set before the processes start, prometheus_client
writes each process's values into files there and /metrics adds them up; without it each
process keeps its values in memory and /metrics shows the answering process's only (enough
for the development server and the tests). Task runs, notification emails and MQTT readings
are counted in the worker processes: for /metrics to show them, the task worker and the MQTT
worker must write into the same folder as the web processes (one folder per server, or one
volume shared by the containers: files are named by host name and process id). Empty it
when the whole set starts (counters restart from zero, which Prometheus expects), not
when one process restarts.

This module imports no Django model and no setting: it can be imported anywhere, early.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import socket
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram, values
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponseBase


def _process_identifier() -> str:
    # The host name too: the web, worker and MQTT containers may share one folder, and each
    # container numbers its processes from 1 (the files are named <type>_<identifier>.db).
    return f"{socket.gethostname().replace('_', '-')}-{os.getpid()}"


if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    values.ValueClass = values.MultiProcessValue(_process_identifier)  # type: ignore[no-untyped-call]

# DigiPlace's own registry: the library's default one also holds the process and platform
# collectors, which multiprocess mode cannot add up.
REGISTRY = CollectorRegistry(auto_describe=True)

# Page answers from a few milliseconds (cached pages) to the slow exports (PDF, XLSX).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
TASK_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)

HTTP_REQUESTS = Counter(
    "digiplace_http_requests",
    "HTTP requests answered, by URL name, method and status code.",
    ["view", "method", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "digiplace_http_request_duration_seconds",
    "Time to answer an HTTP request (all middleware included), by URL name.",
    ["view"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
TASKS = Counter(
    "digiplace_tasks",
    "Background task runs finished, by task and outcome (successful, failed).",
    ["task", "status"],
    registry=REGISTRY,
)
TASK_DURATION = Histogram(
    "digiplace_task_duration_seconds",
    "Time a background task ran, by task.",
    ["task"],
    buckets=TASK_BUCKETS,
    registry=REGISTRY,
)
READINGS_INGESTED = Counter(
    "digiplace_readings_ingested",
    "Urban data readings handed to the store (a repeated observation is counted but stored "
    "once), by source (api, mqtt, csv, task, other).",
    ["source"],
    registry=REGISTRY,
)
NOTIFICATIONS_SENT = Counter(
    "digiplace_notifications_sent",
    "Notifications sent, by channel.",
    ["channel"],
    registry=REGISTRY,
)

# Methods outside this set are counted as "other" (a client may send any word).
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Requests that resolve to no URL (404s for made-up paths, unknown hosts).
UNMATCHED = "<unmatched>"

_ingest_source: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "digiplace_ingest_source", default=None
)
# Where a reading comes from when no caller said so: "api" in a request, "task" in a task
# (core.logs sets it with the request or task context).
_context_kind: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "digiplace_context_kind", default=None
)


def multiprocess_dir() -> str:
    """The shared folder of multiprocess mode, or "" when each process keeps its own."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


@contextlib.contextmanager
def ingest_source(source: str) -> Iterator[None]:
    """Readings written inside the block are counted with this ``source``."""
    token = _ingest_source.set(source)
    try:
        yield
    finally:
        _ingest_source.reset(token)


def set_context_kind(kind: str | None) -> contextvars.Token[str | None]:
    return _context_kind.set(kind)


def context_kind() -> str | None:
    return _context_kind.get()


def reset_context_kind(token: contextvars.Token[str | None]) -> None:
    _context_kind.reset(token)


def readings_ingested(count: int) -> None:
    """Count ``count`` readings handed to the store."""
    if count <= 0:
        return
    kind = _context_kind.get()
    source = _ingest_source.get() or {"request": "api", "task": "task"}.get(kind or "", "other")
    READINGS_INGESTED.labels(source=source).inc(count)


def notification_sent(channel: str, count: int = 1) -> None:
    if count > 0:
        NOTIFICATIONS_SENT.labels(channel=channel).inc(count)


def task_finished(*, task: str, successful: bool, seconds: float | None) -> None:
    TASKS.labels(task=task, status="successful" if successful else "failed").inc()
    if seconds is not None and seconds >= 0:
        TASK_DURATION.labels(task=task).observe(seconds)


def view_label(request: HttpRequest) -> str:
    """The URL name the request resolved to (``namespace:name``; a view's import path when
    its URL has no name), or ``<unmatched>``. Never the path: it may hold ids."""
    from django.urls import Resolver404, resolve

    match = getattr(request, "resolver_match", None)
    if match is None:
        # Answered before the view was resolved (a cached page, a refusal): resolve it now;
        # the resolver is cached, this costs microseconds.
        try:
            match = resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            return UNMATCHED
    return str(match.view_name) or UNMATCHED


# Scrape-time collectors: figures read from the database when /metrics is scraped (the
# database is the truth for queue lengths; counting them in processes would drift).
_scrape_collectors: dict[str, Collector] = {}


def register_scrape_collector(name: str, collector: Collector) -> None:
    """Add ``collector`` (its ``collect()`` yields metric families, cheaply) to every scrape
    of /metrics; registering a name again replaces it."""
    _scrape_collectors[name] = collector


def scrape_collectors() -> list[Collector]:
    return [_scrape_collectors[name] for name in sorted(_scrape_collectors)]


class MetricsMiddleware:
    """Counts each answer by URL name, method and status, and times it. First in the
    middleware list, so that refusals and cached pages are counted and timed too; /metrics
    itself is not counted (a scrape every few seconds would drown the figures)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path == "/metrics":
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        view = view_label(request)
        method = request.method if request.method in _METHODS else "other"
        HTTP_REQUESTS.labels(view=view, method=method, status=str(response.status_code)).inc()
        HTTP_LATENCY.labels(view=view).observe(elapsed)
        return response
