"""The task worker's sign of life: the scheduler enqueues ``heartbeat_record`` every minute
(``ops.periodic``) and the worker runs it, so a recent ``Heartbeat("worker")`` means both
are running; /readyz reads it (``ops.checks.worker_check``). Its own finished results go
after an hour (``ops.tasks.task_results_prune``)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy
from django_tasks import task

from digiplace.core.health import heartbeat_store_register, process_register

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


def register() -> None:
    """Keep every process's signs of life (``core.health.heartbeat``) in ``Heartbeat`` rows,
    and declare the worker's, which is the heartbeat job it runs."""
    heartbeat_store_register(heartbeat_store)
    process_register(WORKER_PROCESS, gettext_lazy("Task worker (manage.py db_worker)"))
