"""``manage.py backup FILE``: one archive of the database, the uploaded media and a manifest
(``digiplace.ops.services.backup``), encrypted when a passphrase is given."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ... import storage
from ...archive import ArchiveError
from ...services.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write a backup archive of the database, the uploaded media and a manifest to FILE "
        "(encrypted with age when a passphrase is given: --passphrase-file, or the setting "
        "DIGIPLACE_BACKUP_PASSPHRASE)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the archive to write (refused if it exists)")
        parser.add_argument(
            "--passphrase-file",
            help="a file holding the passphrase (default: DIGIPLACE_BACKUP_PASSPHRASE)",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="the database alias")
        parser.add_argument(
            "--upload",
            action="store_true",
            help="also copy the archive to the S3-compatible storage of DIGIPLACE_BACKUP_S3_URL",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        passphrase = passphrase_read(options["passphrase_file"], settings.BACKUP_PASSPHRASE)
        if options["upload"] and not storage.backup_storage_configured():
            raise CommandError(
                _("--upload needs DIGIPLACE_BACKUP_S3_URL (and its keys). Nothing was written.")
            )
        try:
            result = backup_create(
                path=Path(options["file"]), passphrase=passphrase, database=options["database"]
            )
        except (BackupError, ArchiveError) as error:
            raise CommandError(str(error)) from error
        except OSError as error:
            raise CommandError(
                _("The backup failed: %(error)s. No archive was written.")
                % {"error": error.strerror or error}
            ) from error
        manifest = result.manifest
        tables = manifest["tables"]
        municipalities = len(manifest["municipalities"])
        self.stdout.write(
            _("Wrote %(path)s (%(size)s, %(encrypted)s) in %(seconds).1f seconds.")
            % {
                "path": result.path,
                "size": _size(result.size_bytes),
                "encrypted": _("encrypted") if result.encrypted else _("not encrypted"),
                "seconds": result.seconds,
            }
        )
        self.stdout.write(
            ngettext("%(count)s municipality", "%(count)s municipalities", municipalities)
            % {"count": municipalities}
            + "; "
            + ngettext(
                "%(tables)s table with %(rows)s rows",
                "%(tables)s tables with %(rows)s rows",
                len(tables),
            )
            % {"tables": len(tables), "rows": sum(tables.values())}
            + "; "
            + ngettext("%(count)s media file", "%(count)s media files", manifest["media"]["files"])
            % {"count": manifest["media"]["files"]}
            + "."
        )
        if options["upload"]:
            try:
                url = storage.backup_upload(result.path)
            except storage.BackupStorageError as error:
                raise CommandError(
                    _("The copy to object storage failed: %(error)s. The archive is at %(path)s.")
                    % {"error": error, "path": result.path}
                ) from error
            self.stdout.write(_("Copied to %(url)s.") % {"url": url})


def _size(size: int) -> str:
    from django.template.defaultfilters import filesizeformat

    return str(filesizeformat(size))


def passphrase_read(file: str | None, default: str) -> str:
    """The passphrase: the first line of ``file``, else ``default`` (the setting)."""
    if not file:
        return default
    try:
        text = Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(
            _("The passphrase file %(path)s cannot be read: %(error)s")
            % {"path": file, "error": getattr(error, "strerror", None) or error}
        ) from error
    passphrase = text.splitlines()[0] if text.splitlines() else ""
    if not passphrase:
        raise CommandError(_("The passphrase file %(path)s is empty.") % {"path": file})
    return passphrase
