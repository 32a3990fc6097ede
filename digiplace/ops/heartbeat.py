"""The task worker's sign of life: the scheduler enqueues ``heartbeat_record`` every minute
(``ops.periodic``) and the worker runs it, so a recent ``Heartbeat("worker")`` means both
are running; /readyz reads it (``ops.checks.worker_check``)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import Heartbeat

# The heartbeat's own finished results kept (1,440 a day otherwise, for ever): enough for
# /readyz to tell a stopped worker from a stopped scheduler.
RESULTS_KEPT = datetime.timedelta(hours=1)


def heartbeat_write(*, now: datetime.datetime | None = None) -> None:
    now = now or timezone.now()
    Heartbeat.objects.update_or_create(name="worker", defaults={"seen_at": now})
    if now.minute == 0:
        # Once an hour: the delete reads the whole results table (task_path is not indexed).
        DBTaskResult.objects.filter(
            task_path=heartbeat_record.module_path,
            status=TaskResultStatus.SUCCESSFUL,
            finished_at__lt=now - RESULTS_KEPT,
        ).delete()


@task()
def heartbeat_record() -> None:
    heartbeat_write()
