"""The task worker's sign of life: the scheduler enqueues ``heartbeat_record`` every minute
(``ops.periodic``) and the worker runs it, so a recent ``Heartbeat("worker")`` means both
are running; /readyz reads it (``ops.checks.worker_check``). Its own finished results go
after an hour (``ops.tasks.task_results_prune``)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task

from .models import Heartbeat

WORKER_PROCESS = "worker"


def heartbeat_store(name: str, seen_at: datetime.datetime) -> None:
    """Where ``core.health.heartbeat`` keeps each process's last sign of life."""
    Heartbeat.objects.update_or_create(name=name, defaults={"seen_at": seen_at})


def heartbeat_write(*, now: datetime.datetime | None = None) -> None:
    heartbeat_store(WORKER_PROCESS, now or timezone.now())


@task()
def heartbeat_record() -> None:
    heartbeat_write()
