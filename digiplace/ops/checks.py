"""Operations' readiness checks (``core.health``): the database, the shared cache, the task
worker's heartbeat and the free disk space; and the task queue's figures, which /readyz
shows and the status page details.

Each check answers within about two seconds: the database query runs under a statement
timeout on PostgreSQL (SQLite answers ``SELECT 1`` from the file at once); the cache's
timeouts are its client's (Redis: ``socket_connect_timeout``/``socket_timeout`` in
``CACHES``' OPTIONS). Details are public (/readyz answers anyone who can reach it): no paths,
no host names, no exception messages (they may hold a URL with its password): the
exception's class only.
"""

from __future__ import annotations

import datetime
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from digiplace.core.health import CheckResult, health_check_register

from .heartbeat import WORKER_PROCESS, heartbeat_record
from .models import Heartbeat

HEARTBEAT_TASK_PATH = heartbeat_record.module_path
# The task paths of core's email tasks: their failures are email delivery failures.
EMAIL_TASK_PATHS = (
    "digiplace.core.tasks.email_send",
    "digiplace.core.tasks.notification_email_send",
)
STATEMENT_TIMEOUT_MS = 2000
# A heartbeat job waiting this long to be run means no worker is taking tasks (a busy one
# takes the next task within seconds: the heartbeat is a one-row write).
WORKER_LATE_SECONDS = 60
FAILURE_WINDOW = datetime.timedelta(hours=24)
MEGABYTE = 1024 * 1024
# What a file system holds, in words (the figures keep the codes).
USE_LABELS = {
    "media": gettext_lazy("uploaded files"),
    "backups": gettext_lazy("backups"),
    "database": gettext_lazy("the database"),
}


def _failed(error: BaseException) -> str:
    return type(error).__name__


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def database_check() -> CheckResult:
    started = time.perf_counter()
    try:
        if connection.vendor == "postgresql":
            # LOCAL: the timeout ends with this transaction (the connection is kept).
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}")
                cursor.execute("SELECT 1")
                cursor.fetchone()
        else:
            # Not in a transaction: SQLite's (immediate) transactions take the write lock.
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
    except Exception as error:
        return CheckResult(
            ok=False,
            detail=_("The database does not answer (%(error)s).") % {"error": _failed(error)},
            figures={"latency_ms": _elapsed_ms(started)},
        )
    return CheckResult(
        ok=True,
        detail=_("The database answers."),
        figures={"latency_ms": _elapsed_ms(started), "vendor": connection.vendor},
    )


def cache_check() -> CheckResult:
    """A set and get round trip on the cache every process shares (pages, rate limits)."""
    cache = caches["default"]
    key = f"digiplace:readyz:{uuid.uuid4().hex}"
    value = uuid.uuid4().hex
    started = time.perf_counter()
    try:
        cache.set(key, value, timeout=30)
        read = cache.get(key)
        cache.delete(key)
    except Exception as error:
        return CheckResult(
            ok=False,
            detail=_("The shared cache does not answer (%(error)s).") % {"error": _failed(error)},
            figures={"latency_ms": _elapsed_ms(started)},
        )
    if read != value:
        return CheckResult(
            ok=False,
            detail=_("The shared cache did not give back what was stored in it."),
            figures={"latency_ms": _elapsed_ms(started)},
        )
    return CheckResult(
        ok=True,
        detail=_("The shared cache stores and reads back."),
        figures={"latency_ms": _elapsed_ms(started)},
    )


@dataclass(frozen=True)
class QueueFigures:
    waiting: int
    # Seconds the oldest task due to run has waited (None: nothing waits).
    oldest_waiting_seconds: int | None
    running: int
    failed_24h: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "waiting": self.waiting,
            "oldest_waiting_seconds": self.oldest_waiting_seconds,
            "running": self.running,
            "failed_24h": self.failed_24h,
        }


def queue_figures(*, now: datetime.datetime | None = None) -> QueueFigures:
    """The background tasks' queue (django_tasks' database backend's table): what waits,
    for how long, what runs, what failed in the last 24 hours."""
    now = now or timezone.now()
    ready = DBTaskResult.objects.ready()
    oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    return QueueFigures(
        waiting=ready.count(),
        oldest_waiting_seconds=None
        if oldest is None
        else max(0, int((now - oldest).total_seconds())),
        running=DBTaskResult.objects.running().count(),
        failed_24h=DBTaskResult.objects.failed()
        .filter(finished_at__gte=now - FAILURE_WINDOW)
        .count(),
    )


def _ago(age: datetime.timedelta) -> str:
    seconds = max(0, int(age.total_seconds()))
    return ngettext("%(count)d second ago", "%(count)d seconds ago", seconds) % {"count": seconds}


def _worker_stale_detail(
    *, seen_at: datetime.datetime | None, now: datetime.datetime, stale: datetime.timedelta
) -> str:
    """Which process stopped: the scheduler enqueues the heartbeat every minute, the worker
    runs it. A heartbeat waiting in the queue for long means the worker; no heartbeat
    enqueued lately means the scheduler."""
    heartbeats = DBTaskResult.objects.filter(task_path=HEARTBEAT_TASK_PATH)
    oldest_waiting = (
        heartbeats.filter(status=TaskResultStatus.READY)
        .order_by("enqueued_at")
        .values_list("enqueued_at", flat=True)
        .first()
    )
    last_enqueued = (
        heartbeats.order_by("-enqueued_at").values_list("enqueued_at", flat=True).first()
    )
    since = _("never") if seen_at is None else _ago(now - seen_at)
    late = datetime.timedelta(seconds=WORKER_LATE_SECONDS)
    if oldest_waiting is not None and now - oldest_waiting >= late:
        return _(
            "The task worker (manage.py db_worker) seems stopped: the heartbeat was last "
            "run %(since)s and the one enqueued %(enqueued)s still waits."
        ) % {"since": since, "enqueued": _ago(now - oldest_waiting)}
    if last_enqueued is None or now - last_enqueued > stale:
        return _(
            "The scheduler (manage.py scheduler) seems stopped: the heartbeat was last run "
            "%(since)s and none has been enqueued since."
        ) % {"since": since}
    return _("The task worker or the scheduler stopped: the heartbeat was last run %(since)s.") % {
        "since": since
    }


def worker_check(*, now: datetime.datetime | None = None) -> CheckResult:
    """The worker ran the heartbeat job lately (``ops.heartbeat``, every minute)."""
    now = now or timezone.now()
    stale = datetime.timedelta(seconds=settings.READY_WORKER_STALE_SECONDS)
    seen_at = (
        Heartbeat.objects.filter(name=WORKER_PROCESS).values_list("seen_at", flat=True).first()
    )
    figures: dict[str, Any] = {
        "last_seen_seconds": None if seen_at is None else int((now - seen_at).total_seconds()),
        "stale_after_seconds": settings.READY_WORKER_STALE_SECONDS,
        **queue_figures(now=now).as_dict(),
    }
    if seen_at is not None and now - seen_at <= stale:
        return CheckResult(
            ok=True, detail=_("The task worker ran the heartbeat job lately."), figures=figures
        )
    return CheckResult(
        ok=False,
        detail=_worker_stale_detail(seen_at=seen_at, now=now, stale=stale),
        figures=figures,
    )


@dataclass(frozen=True)
class FileSystem:
    # What lives on it: "media", "backups", "database".
    uses: tuple[str, ...]
    # The folders themselves (the status page shows them; /readyz does not).
    paths: tuple[str, ...]
    total_bytes: int
    used_bytes: int
    free_bytes: int


def _existing(path: Path) -> Path:
    """The path, or its nearest existing parent (a backup folder not made yet lies on its
    parent's file system)."""
    path = path.resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def watched_paths() -> list[tuple[str, Path]]:
    paths = [("media", Path(settings.MEDIA_ROOT)), ("backups", Path(settings.BACKUP_DIR))]
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        name = str(connection.settings_dict["NAME"])
        if name and name != ":memory:" and not name.startswith("file:"):
            paths.append(("database", Path(name)))
    return paths


def file_systems() -> list[FileSystem]:
    """The file systems holding media, backups and (SQLite) the database, once each."""
    by_device: dict[int, list[tuple[str, Path]]] = {}
    for use, path in watched_paths():
        existing = _existing(path)
        by_device.setdefault(os.stat(existing).st_dev, []).append((use, existing))
    found = []
    for entries in by_device.values():
        usage = shutil.disk_usage(entries[0][1])
        found.append(
            FileSystem(
                uses=tuple(use for use, _path in entries),
                paths=tuple(str(path) for _use, path in entries),
                total_bytes=usage.total,
                used_bytes=usage.used,
                free_bytes=usage.free,
            )
        )
    return found


def disk_check() -> CheckResult:
    minimum = settings.READY_MIN_FREE_MB
    try:
        systems = file_systems()
    except OSError as error:
        return CheckResult(
            ok=False,
            detail=_("The free disk space could not be read (%(error)s).")
            % {"error": _failed(error)},
            figures={},
        )
    figures: dict[str, Any] = {
        "min_free_mb": minimum,
        "file_systems": [
            {
                "uses": list(system.uses),
                "free_mb": system.free_bytes // MEGABYTE,
                "total_mb": system.total_bytes // MEGABYTE,
            }
            for system in systems
        ],
    }
    short = [system for system in systems if system.free_bytes // MEGABYTE < minimum]
    if short:
        return CheckResult(
            ok=False,
            detail=_("Less than %(minimum)d MB free on the disk holding: %(uses)s.")
            % {
                "minimum": minimum,
                "uses": ", ".join(
                    str(USE_LABELS.get(use, use)) for system in short for use in system.uses
                ),
            },
            figures=figures,
        )
    return CheckResult(
        ok=True,
        detail=_("At least %(minimum)d MB free on every disk.") % {"minimum": minimum},
        figures=figures,
    )


def register() -> None:
    """Register operations' checks (idempotent: a name registered again is replaced)."""
    health_check_register("database", database_check, label=gettext_lazy("Database"))
    health_check_register("cache", cache_check, label=gettext_lazy("Shared cache"))
    health_check_register("worker", worker_check, label=gettext_lazy("Task worker"))
    health_check_register("disk", disk_check, label=gettext_lazy("Disk space"))
