"""The task worker's sign of life: the scheduler enqueues ``heartbeat_record`` every minute
(``ops.periodic``) and the worker runs it, so a recent ``Heartbeat("worker")`` means both
are running; /readyz reads it (``ops.checks.worker_check``)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from .models import Heartbeat


@task()
def heartbeat_record() -> None:
    Heartbeat.objects.update_or_create(name="worker", defaults={"seen_at": timezone.now()})
