"""``/readyz`` for load balancers and the platform's status page (``/admin/status/``).

``/readyz`` runs every registered check (``core.health``): 200 when every critical one
passes, 503 otherwise, in JSON, never cached, on any host. It says what works and what does
not, with figures, and nothing else: no addresses, paths or personal data (it answers anyone
who can reach it). ``/healthz`` (core) only says the process answers.

The status page is for platform administrators (``is_superuser``): each component's state,
the task queue and its failures, email delivery failures, backups, versions, disk use and the
modules' figures. Failing tasks are shown by name, time and exception class only: their
arguments and tracebacks may hold personal data (an email address).
"""

from __future__ import annotations

import datetime
import platform
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

import django
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

import digiplace
from digiplace.core.health import (
    CheckResult,
    HealthCheck,
    health_checks,
    processes,
    status_figures,
)

from . import checks
from .models import BackupRun, BackupStatus, Heartbeat

FAILURES_SHOWN = 20


@dataclass(frozen=True)
class CheckRun:
    check: HealthCheck
    result: CheckResult
    milliseconds: float


def checks_run() -> list[CheckRun]:
    """Run every registered check; one that raises counts as failed (its exception's class
    only: its message may hold an address with a password)."""
    runs = []
    for check in health_checks():
        started = time.perf_counter()
        try:
            result = check.check()
        except Exception as error:
            result = CheckResult(
                ok=False,
                detail=_("The check failed (%(error)s).") % {"error": type(error).__name__},
            )
        runs.append(
            CheckRun(
                check=check,
                result=result,
                milliseconds=round((time.perf_counter() - started) * 1000, 1),
            )
        )
    return runs


def ready(runs: list[CheckRun]) -> bool:
    return all(run.result.ok for run in runs if run.check.critical)


@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    runs = checks_run()
    is_ready = ready(runs)
    response = JsonResponse(
        {
            "status": "ok" if is_ready else "fail",
            "checks": {
                run.check.name: {
                    **run.result.figures,
                    "ok": run.result.ok,
                    "critical": run.check.critical,
                    "detail": run.result.detail,
                    "check_ms": run.milliseconds,
                }
                for run in runs
            },
        },
        status=200 if is_ready else 503,
    )
    add_never_cache_headers(response)
    patch_cache_control(response, no_store=True)
    return response


def _database_version() -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            row = cursor.fetchone()
        return f"PostgreSQL {row[0] if row else '?'}"
    if connection.vendor == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    return connection.vendor


def _migrations_pending() -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def _task_name(task_path: str) -> str:
    return task_path.rsplit(".", 1)[-1]


def _failures(
    since: datetime.datetime, *, task_paths: tuple[str, ...] | None = None
) -> tuple[int, list[dict[str, Any]]]:
    failed = DBTaskResult.objects.filter(status=TaskResultStatus.FAILED, finished_at__gte=since)
    if task_paths is not None:
        failed = failed.filter(task_path__in=task_paths)
    shown = [
        {
            "name": _task_name(row["task_path"]),
            "path": row["task_path"],
            "finished_at": row["finished_at"],
            "error": _task_name(row["exception_class_path"]),
        }
        for row in failed.order_by("-finished_at").values(
            "task_path", "finished_at", "exception_class_path"
        )[:FAILURES_SHOWN]
    ]
    return failed.count(), shown


def _process_rows(now: datetime.datetime) -> list[dict[str, Any]]:
    """Each long-running process this installation runs, with its last sign of life."""
    seen = dict(Heartbeat.objects.values_list("name", "seen_at"))
    rows = []
    for process in processes():
        if not process.expected():
            continue
        seen_at = seen.get(process.name)
        age = now - seen_at if seen_at is not None else None
        rows.append(
            {
                "label": process.label,
                "seen_at": seen_at,
                "seconds": max(0, int(age.total_seconds())) if age is not None else None,
                "stopped": age is None or process.stopped(age),
            }
        )
    return rows


def _figure_value(figure: Any) -> str:
    try:
        return str(figure.value())
    except Exception as error:
        return _("Could not be computed (%(error)s).") % {"error": type(error).__name__}


def status_page(request: HttpRequest) -> HttpResponse:
    if not request.user.is_superuser:
        raise PermissionDenied
    now = timezone.now()
    since = now - checks.FAILURE_WINDOW
    runs = checks_run()
    failed_count, failures = _failures(since)
    email_failed_count, email_failures = _failures(since, task_paths=checks.EMAIL_TASK_PATHS)
    last_backup = BackupRun.objects.order_by("-started_at").first()
    last_good_backup = (
        BackupRun.objects.filter(status=BackupStatus.SUCCEEDED).order_by("-started_at").first()
    )
    try:
        systems = checks.file_systems()
    except OSError:
        systems = []
    context = {
        **admin.site.each_context(request),
        "title": _("Platform status"),
        "now": now,
        "is_ready": ready(runs),
        "runs": runs,
        "queue": checks.queue_figures(now=now),
        "failed_count": failed_count,
        "failures": failures,
        "email_failed_count": email_failed_count,
        "email_failures": email_failures,
        "backup_rows": [
            (_("Last backup"), last_backup),
            (_("Last successful backup"), last_good_backup),
        ],
        "versions": [
            (_("DigiPlace"), digiplace.__version__),
            (_("Python"), platform.python_version()),
            (_("Django"), django.get_version()),
            (_("Database server"), _database_version()),
        ],
        "migrations_pending": _migrations_pending(),
        "file_systems": systems,
        "processes": _process_rows(now),
        "figures": [(figure, _figure_value(figure)) for figure in status_figures()],
    }
    response = TemplateResponse(request, "ops/status.html", context)
    add_never_cache_headers(response)
    return response


# The admin's own gate: not signed in as staff, the admin's login page (with ?next=).
status = admin.site.admin_view(status_page)
