"""Periodic jobs: a registry (name, interval, a django_tasks task to enqueue) and the loop
that enqueues each job once per interval (``manage.py scheduler``; the worker runs them).

Time is cut into fixed windows per job (every minute, every day from midnight UTC...); the
first tick inside a window claims it with a row in the database (``RateLimitCounter``'s
unique (scope, key, window) key, scope ``periodic``), so several scheduler processes, or
one restarted, enqueue each window's run once. A window whose scheduler was down is not
made up later: the next window runs the job.
"""

from __future__ import annotations

import datetime
import logging
import threading
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks.base import Task

from . import health
from .models import RateLimitCounter

logger = logging.getLogger(__name__)

# The scheduler's name among the processes that show signs of life (``core.health``).
SCHEDULER_PROCESS = "scheduler"

SCOPE = "periodic"
# Intervals from a minute to a day: claim rows older than two days are removed.
SHORTEST = datetime.timedelta(minutes=1)
LONGEST = datetime.timedelta(days=1)
CLAIM_RETENTION = datetime.timedelta(days=2)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    interval: datetime.timedelta
    task: Task[[], Any]


_jobs: dict[str, PeriodicJob] = {}


def periodic_register(*, name: str, interval: datetime.timedelta, task: Task[[], Any]) -> None:
    """Run ``task`` (which takes no arguments) every ``interval``; registering a name again
    replaces the job. The interval must divide a day into whole minutes."""
    seconds = int(interval.total_seconds())
    if not SHORTEST <= interval <= LONGEST or seconds % 60 or 86_400 % seconds:
        raise ValueError(f"{name}: the interval must be whole minutes dividing a day")
    _jobs[name] = PeriodicJob(name=name, interval=interval, task=task)


def periodic_jobs() -> list[PeriodicJob]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def window_start(moment: datetime.datetime, interval: datetime.timedelta) -> datetime.datetime:
    seconds = int(interval.total_seconds())
    epoch = int(moment.timestamp())
    return datetime.datetime.fromtimestamp(epoch - epoch % seconds, tz=datetime.UTC)


def _claim(job: PeriodicJob, now: datetime.datetime) -> bool:
    """True for the one caller that takes this job's current window."""
    try:
        with transaction.atomic():
            RateLimitCounter.objects.create(
                scope=SCOPE, key=job.name, window_start=window_start(now, job.interval), hits=1
            )
    except IntegrityError:
        return False
    return True


def periodic_tick(*, now: datetime.datetime | None = None) -> list[str]:
    """Enqueue every job whose current window has not been claimed; returns their names.
    One job failing to enqueue does not keep the others from it."""
    now = now or timezone.now()
    enqueued: list[str] = []
    for job in periodic_jobs():
        if not _claim(job, now):
            continue
        try:
            job.task.enqueue()
        except Exception:
            logger.exception("periodic job %s could not be enqueued", job.name)
            continue
        enqueued.append(job.name)
    if enqueued:
        RateLimitCounter.objects.filter(
            scope=SCOPE, window_start__lt=now - CLAIM_RETENTION
        ).delete()
    return enqueued


def periodic_loop(*, stop: threading.Event, tick_seconds: float = 5.0) -> None:
    """Tick until ``stop`` is set (the scheduler command sets it on SIGTERM or Ctrl+C)."""
    while not stop.is_set():
        try:
            names = periodic_tick()
        except Exception:
            # The database away for a moment: try again at the next tick.
            logger.exception("periodic tick failed")
        else:
            if names:
                logger.info("periodic jobs enqueued: %s", ", ".join(names))
            health.heartbeat(SCHEDULER_PROCESS)
        stop.wait(tick_seconds)
