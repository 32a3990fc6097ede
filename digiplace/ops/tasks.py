"""Operations' background tasks (run by ``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from .services.nightly import backup_nightly_run


@task()
def backup_nightly() -> int | None:
    """The nightly backup, enqueued every hour (``ops.periodic``): it works at
    ``BACKUP_HOUR_UTC`` only; returns the id of the backup's record when it took one."""
    run = backup_nightly_run()
    return run.pk if run is not None else None
