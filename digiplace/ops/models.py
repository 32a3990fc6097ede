"""Operations' records: each backup taken (by the worker each night or by hand) and each
background process's last sign of life."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BackupKind(models.TextChoices):
    NIGHTLY = "nightly", _("Nightly")
    MANUAL = "manual", _("Manual")


class BackupStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class BackupRun(models.Model):
    """One backup: the archive's name, size and where it was stored, or why it failed."""

    kind = models.CharField(_("kind"), max_length=16, choices=BackupKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=BackupStatus.choices, default=BackupStatus.RUNNING
    )
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The archive's file name (in DIGIPLACE_BACKUP_DIR), and its copy in object storage.
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    size_bytes = models.BigIntegerField(_("size in bytes"), null=True, blank=True)
    remote_url = models.CharField(_("remote copy"), max_length=500, blank=True)
    encrypted = models.BooleanField(_("encrypted"), default=False)
    # Deleted by the retention rule (the record stays: the history of backups).
    pruned_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("backup")
        verbose_name_plural = _("backups")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["status", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.kind} {self.status}"


class Heartbeat(models.Model):
    """The last time a background process showed it was alive: ``worker`` (the task worker
    ran the heartbeat job), ``scheduler`` (it ticked), ``mqtt-ingest`` (the MQTT worker)."""

    name = models.CharField(_("process"), max_length=64, unique=True)
    seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} {self.seen_at:%Y-%m-%d %H:%M:%S}"
