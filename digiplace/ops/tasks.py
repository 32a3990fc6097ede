"""Operations' background tasks (run by ``manage.py db_worker``)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from .heartbeat import heartbeat_record
from .services.nightly import backup_nightly_run


@task()
def backup_nightly() -> int | None:
    """The nightly backup, enqueued every hour (``ops.periodic``): it works at
    ``BACKUP_HOUR_UTC`` only; returns the id of the backup's record when it took one."""
    run = backup_nightly_run()
    return run.pk if run is not None else None


# Finished tasks are kept two weeks; failed ones a month, for the status page's history.
SUCCEEDED_KEPT = datetime.timedelta(days=14)
FAILED_KEPT = datetime.timedelta(days=30)
# The heartbeat's successes (1,440 a day) an hour only: enough for /readyz to tell a stopped
# worker from a stopped scheduler.
HEARTBEAT_SUCCEEDED_KEPT = datetime.timedelta(hours=1)


@task()
def task_results_prune() -> int:
    """Delete finished task results past their keeping time (django_tasks_db keeps every
    one); returns how many were deleted. Enqueued every hour (``ops.periodic``)."""
    now = timezone.now()
    finished = DBTaskResult.objects.finished()
    succeeded = finished.filter(status=TaskResultStatus.SUCCESSFUL)
    heartbeat = heartbeat_record.module_path
    deleted, _ = (
        succeeded.filter(finished_at__lt=now - SUCCEEDED_KEPT)
        | succeeded.filter(task_path=heartbeat, finished_at__lt=now - HEARTBEAT_SUCCEEDED_KEPT)
        | finished.filter(status=TaskResultStatus.FAILED, finished_at__lt=now - FAILED_KEPT)
    ).delete()
    return deleted
