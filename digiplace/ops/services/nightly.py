"""The worker's nightly backup: one archive a day into ``BACKUP_DIR`` (and object storage when
configured), the older nightly archives pruned by the grandfather-father-son rule, and the
platform administrators told by email when it fails.

The job is enqueued every hour (``core.periodic``); it works only at ``BACKUP_HOUR_UTC``, so
that a scheduler which was down at that minute still gets the night's backup within the hour
window, and a deployment restarted at any time does not take an extra one.
"""

from __future__ import annotations

import datetime
import functools
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from digiplace.core.models import User
from digiplace.core.tasks import email_send

from .. import storage
from ..models import BackupKind, BackupRun, BackupStatus
from ..retention import backups_to_keep
from .backup import backup_create

logger = logging.getLogger(__name__)

# Where a platform administrator reads what happened (the status page of ops.views_health).
STATUS_PAGE_PATH = "/admin/status/"
# Host names that are not an address anyone outside the server can open.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "testserver"})
# The error kept on the record and sent by email: the exception's first line only (a database
# error's DETAIL line, which may quote a row's values, is on the lines after it).
ERROR_MAX_LENGTH = 1000


@dataclass(frozen=True)
class _Failure:
    step: Promise
    detail: str

    def text(self) -> str:
        return f"{self.step}: {self.detail}"


def backup_nightly_run(*, now: datetime.datetime | None = None) -> BackupRun | None:
    """Take the night's backup when ``now`` is in the backup hour and no nightly backup of
    the day succeeded or is under way; returns its record (succeeded or failed), else None."""
    now = (now or timezone.now()).astimezone(datetime.UTC)
    if now.hour != settings.BACKUP_HOUR_UTC:
        return None
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    _interrupted_runs_close(before=day_start, now=now)
    if BackupRun.objects.filter(
        kind=BackupKind.NIGHTLY,
        status__in=[BackupStatus.SUCCEEDED, BackupStatus.RUNNING],
        started_at__gte=day_start,
        started_at__lt=day_start + datetime.timedelta(days=1),
    ).exists():
        return None

    passphrase = settings.BACKUP_PASSPHRASE
    name = f"digiplace-{now:%Y%m%dT%H%M%SZ}.tar" + (".age" if passphrase else "")
    run = BackupRun.objects.create(
        kind=BackupKind.NIGHTLY,
        status=BackupStatus.RUNNING,
        started_at=now,
        file_name=name,
        encrypted=bool(passphrase),
    )
    started = time.monotonic()
    path = Path(settings.BACKUP_DIR) / name
    failure = _archive_write(run, path=path, passphrase=passphrase)
    if failure is None and storage.backup_storage_configured():
        failure = _archive_upload(run, path=path)
    run.finished_at = now + datetime.timedelta(seconds=time.monotonic() - started)
    if failure is not None:
        run.status = BackupStatus.FAILED
        run.error = failure.text()[:ERROR_MAX_LENGTH]
        run.save(
            update_fields=[
                "status",
                "error",
                "finished_at",
                "file_name",
                "size_bytes",
                "remote_url",
            ]
        )
        logger.error("nightly backup %s failed: %s", run.pk, run.error)
        _administrators_notify(run, failure)
        return run
    run.status = BackupStatus.SUCCEEDED
    run.save(update_fields=["status", "finished_at", "size_bytes", "remote_url", "encrypted"])
    logger.info("nightly backup %s written: %s bytes", run.pk, run.size_bytes)
    backup_nightly_prune(now=run.finished_at, newest=run)
    return run


def _archive_write(run: BackupRun, *, path: Path, passphrase: str) -> _Failure | None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        result = backup_create(path=path, passphrase=passphrase)
    except Exception as error:
        # backup_create removes its own partial file; this one is for a failure it could not
        # clean up after. The archive's own name is never removed: it may be another's file
        # (backup_create refuses to overwrite one).
        leftover = path.with_name(path.name + ".partial")
        try:
            leftover.unlink(missing_ok=True)
        except OSError:
            logger.warning("nightly backup %s: could not remove %s", run.pk, leftover.name)
        run.file_name = ""
        return _Failure(
            step=gettext_lazy("Writing the archive failed (no archive was kept from this night)"),
            detail=_detail(error),
        )
    run.size_bytes = result.size_bytes
    run.encrypted = result.encrypted
    return None


def _archive_upload(run: BackupRun, *, path: Path) -> _Failure | None:
    # A failed copy leaves the archive on the server's disk: it is still a backup, only not an
    # off-site one; the record says where it is (file_name) and why the copy failed.
    try:
        run.remote_url = storage.backup_upload(path)
    except Exception as error:
        return _Failure(
            step=gettext_lazy(
                "The copy to object storage failed (the archive stays on the server)"
            ),
            detail=_detail(error),
        )
    return None


def _detail(error: Exception) -> str:
    first_line = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__


def _interrupted_runs_close(*, before: datetime.datetime, now: datetime.datetime) -> None:
    """Nightly runs of earlier days still marked as running never finished: the worker was
    stopped during them (or the database was restored from an archive taken during one)."""
    for run in BackupRun.objects.filter(
        kind=BackupKind.NIGHTLY, status=BackupStatus.RUNNING, started_at__lt=before
    ):
        if run.file_name and Path(run.file_name).name == run.file_name:
            leftover = Path(settings.BACKUP_DIR) / f"{run.file_name}.partial"
            try:
                leftover.unlink(missing_ok=True)
            except OSError:
                logger.warning("nightly backup %s: could not remove %s", run.pk, leftover.name)
        run.status = BackupStatus.FAILED
        run.finished_at = now
        run.error = _("The backup did not finish: the worker stopped while it ran.")
        run.save(update_fields=["status", "finished_at", "error"])


def backup_nightly_prune(
    *, now: datetime.datetime | None = None, newest: BackupRun | None = None
) -> list[BackupRun]:
    """Delete the archives (and their copies in object storage) of the nightly backups that
    the retention rule (``BACKUP_KEEP_DAILY/WEEKLY/MONTHLY``) no longer keeps, and mark their
    records ``pruned_at``; the ``newest`` run is kept whatever the rule says, manual backups
    are never touched. A backup that could not be deleted stays unmarked, to be tried again
    the next night. Returns the runs pruned."""
    now = now or timezone.now()
    runs = list(
        BackupRun.objects.filter(
            kind=BackupKind.NIGHTLY, status=BackupStatus.SUCCEEDED, pruned_at__isnull=True
        ).order_by("-started_at", "-pk")
    )
    kept_days = backups_to_keep(
        [_day(run) for run in runs],
        daily=settings.BACKUP_KEEP_DAILY,
        weekly=settings.BACKUP_KEEP_WEEKLY,
        monthly=settings.BACKUP_KEEP_MONTHLY,
    )
    pruned: list[BackupRun] = []
    days_seen: set[datetime.date] = set()
    for run in runs:
        # Newest first: a day's newest run stands for the day; any earlier one of the same
        # day (a second run after a restore, say) goes.
        is_kept = _day(run) in kept_days and _day(run) not in days_seen
        days_seen.add(_day(run))
        if is_kept or (newest is not None and run.pk == newest.pk):
            continue
        if _run_files_delete(run):
            run.pruned_at = now
            run.save(update_fields=["pruned_at"])
            pruned.append(run)
    return pruned


def _day(run: BackupRun) -> datetime.date:
    return run.started_at.astimezone(datetime.UTC).date()


def _run_files_delete(run: BackupRun) -> bool:
    try:
        if run.file_name and Path(run.file_name).name == run.file_name:
            (Path(settings.BACKUP_DIR) / run.file_name).unlink(missing_ok=True)
        if run.remote_url and storage.backup_storage_configured():
            storage.backup_remote_delete(run.remote_url)
    except (OSError, storage.BackupStorageError) as error:
        logger.warning("nightly backup %s not pruned: %s", run.pk, _detail(error))
        return False
    return True


def _administrators_notify(run: BackupRun, failure: _Failure) -> None:
    """Email every active platform administrator, each in their own language (core's
    notifications belong to a municipality's site: their links and unsubscribe pages would
    have no host to point to)."""
    administrators = User.objects.filter(is_superuser=True, is_active=True).exclude(email="")
    status_page = _status_page_url()
    for administrator in administrators.only("pk", "email", "preferred_language"):
        language = administrator.preferred_language or settings.LANGUAGE_CODE
        with translation.override(language):
            subject = _("DigiPlace: the nightly backup failed")
            body = _(
                "The nightly backup started at %(started)s (UTC) failed.\n\n"
                "%(step)s: %(detail)s\n\n"
                "The status page, %(status_page)s, "
                "shows the last backups and the state of the worker; the task worker's log "
                "has the details."
            ) % {
                "started": f"{run.started_at.astimezone(datetime.UTC):%Y-%m-%d %H:%M}",
                "step": str(failure.step),
                "detail": failure.detail,
                "status_page": status_page,
            }
        transaction.on_commit(
            functools.partial(
                email_send.enqueue,
                subject=subject,
                body=body,
                to=[administrator.email],
                language=language,
                kind="ops.backup_failed",
            )
        )


def _status_page_url() -> str:
    """The status page's address on the platform's public host name, when one is set; the
    path alone otherwise (it opens on any of the platform's addresses)."""
    scheme, port = settings.PUBLIC_SCHEME, str(settings.PUBLIC_PORT or "")
    for host in settings.PLATFORM_HOSTS:
        if host and host not in LOCAL_HOSTS and not host.startswith("."):
            if port and port != {"http": "80", "https": "443"}.get(scheme):
                host = f"{host}:{port}"
            return f"{scheme}://{host}{STATUS_PAGE_PATH}"
    return STATUS_PAGE_PATH
