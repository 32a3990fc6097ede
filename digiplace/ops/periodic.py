"""Operations' periodic jobs (``core.periodic``): registered from ``OpsConfig.ready``."""

from __future__ import annotations

import datetime

from digiplace.core.periodic import periodic_register


def register() -> None:
    from .heartbeat import heartbeat_record
    from .tasks import backup_nightly, task_results_prune

    # The scheduler enqueues it and the worker runs it: a stale heartbeat means one of them
    # stopped (/readyz and the status page tell which from the queue).
    periodic_register(
        name="ops.heartbeat", interval=datetime.timedelta(minutes=1), task=heartbeat_record
    )
    # Hourly, so that it runs at DIGIPLACE_BACKUP_HOUR_UTC (windows start at midnight UTC);
    # the run does nothing at other hours or once the day's backup succeeded.
    periodic_register(
        name="ops.backup_nightly", interval=datetime.timedelta(hours=1), task=backup_nightly
    )
    # Finished tasks' results (django_tasks_db keeps every one) would grow the table the
    # readiness check and the status page count in; hourly, for the heartbeat's own.
    periodic_register(
        name="ops.task_results_prune",
        interval=datetime.timedelta(hours=1),
        task=task_results_prune,
    )
