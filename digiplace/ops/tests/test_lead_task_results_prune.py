"""The hourly job that keeps django_tasks_db's results table from growing: finished results
past their keeping time go, the rest stay."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from digiplace.core.periodic import periodic_jobs
from digiplace.ops.heartbeat import heartbeat_record
from digiplace.ops.tasks import (
    FAILED_KEPT,
    HEARTBEAT_SUCCEEDED_KEPT,
    SUCCEEDED_KEPT,
    task_results_prune,
)

pytestmark = pytest.mark.django_db


def _result(
    status: TaskResultStatus,
    finished_days_ago: float | None,
    task_path: str = "digiplace.ops.tasks.backup_nightly",
) -> DBTaskResult:
    now = timezone.now()
    finished = now - datetime.timedelta(days=finished_days_ago) if finished_days_ago else None
    return DBTaskResult.objects.create(
        task_path=task_path,
        args_kwargs={"args": [], "kwargs": {}},
        status=status,
        enqueued_at=now - datetime.timedelta(days=60),
        finished_at=finished,
        backend_name="default",
    )


def test_old_finished_results_are_deleted_and_recent_or_waiting_ones_kept() -> None:
    old_success = _result(TaskResultStatus.SUCCESSFUL, SUCCEEDED_KEPT.days + 1)
    recent_success = _result(TaskResultStatus.SUCCESSFUL, SUCCEEDED_KEPT.days - 1)
    # A failure is kept longer than a success: the status page lists them.
    failure_within = _result(TaskResultStatus.FAILED, SUCCEEDED_KEPT.days + 1)
    old_failure = _result(TaskResultStatus.FAILED, FAILED_KEPT.days + 1)
    waiting = _result(TaskResultStatus.READY, None)

    assert task_results_prune.call() == 2

    remaining = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert remaining == {recent_success.pk, failure_within.pk, waiting.pk}
    assert not {old_success.pk, old_failure.pk} & remaining


def test_the_heartbeats_successes_go_after_an_hour_and_its_failures_stay() -> None:
    hours = HEARTBEAT_SUCCEEDED_KEPT / datetime.timedelta(days=1)
    path = heartbeat_record.module_path
    old = _result(TaskResultStatus.SUCCESSFUL, hours * 3, path)
    recent = _result(TaskResultStatus.SUCCESSFUL, hours / 2, path)
    failed = _result(TaskResultStatus.FAILED, hours * 3, path)
    # Another task's success of the same age stays: two weeks for those.
    other = _result(TaskResultStatus.SUCCESSFUL, hours * 3)

    assert task_results_prune.call() == 1

    remaining = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert remaining == {recent.pk, failed.pk, other.pk}
    assert old.pk not in remaining


def test_the_prune_runs_hourly() -> None:
    jobs = {job.name: job for job in periodic_jobs()}
    assert jobs["ops.task_results_prune"].interval == datetime.timedelta(hours=1)
    assert jobs["ops.heartbeat"].interval == datetime.timedelta(minutes=1)
    assert jobs["ops.backup_nightly"].interval == datetime.timedelta(hours=1)
