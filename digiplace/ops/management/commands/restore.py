"""``manage.py restore FILE``: an archive of ``manage.py backup`` back into an empty database
and an empty media folder (``digiplace.ops.services.restore``): checked first, all or
nothing, migrated forward when it comes from an older version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ...services.restore import RestoreError, backup_restore, backup_verify
from .backup import passphrase_read


class Command(BaseCommand):
    help = (
        "Restore a backup archive into an empty database (DATABASE_URL) and an empty media "
        "folder (DIGIPLACE_MEDIA_ROOT); --check only reads the archive and checks it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the archive written by manage.py backup")
        parser.add_argument(
            "--passphrase-file",
            help="a file holding the passphrase (default: DIGIPLACE_BACKUP_PASSPHRASE)",
        )
        parser.add_argument(
            "--check", action="store_true", help="check the archive only; restore nothing"
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="the database alias")

    def handle(self, *args: Any, **options: Any) -> None:
        passphrase = passphrase_read(options["passphrase_file"], settings.BACKUP_PASSPHRASE)
        path = Path(options["file"])
        try:
            if options["check"]:
                manifest = backup_verify(path=path, passphrase=passphrase)
                self.stdout.write(
                    _(
                        "The archive %(path)s is whole (written %(created)s by DigiPlace "
                        "%(version)s)."
                    )
                    % {
                        "path": path,
                        "created": manifest.get("created_at", "?"),
                        "version": manifest["digiplace_version"],
                    }
                )
                return
            result = backup_restore(path=path, passphrase=passphrase, database=options["database"])
        except RestoreError as error:
            raise CommandError(str(error)) from error
        manifest = result.manifest
        municipalities = manifest.get("municipalities") or []
        slugs = ", ".join(str(item.get("slug", "")) for item in municipalities)
        self.stdout.write(
            _("Restored %(path)s (written %(created)s) in %(seconds).1f seconds.")
            % {
                "path": path,
                "created": manifest.get("created_at", "?"),
                "seconds": result.seconds,
            }
        )
        self.stdout.write(
            ngettext("%(count)s municipality", "%(count)s municipalities", len(municipalities))
            % {"count": len(municipalities)}
            + (f" ({slugs})" if slugs else "")
            + "; "
            + ngettext(
                "%(tables)s table with %(rows)s rows",
                "%(tables)s tables with %(rows)s rows",
                len(result.counts),
            )
            % {"tables": len(result.counts), "rows": sum(result.counts.values())}
            + "; "
            + ngettext("%(count)s media file", "%(count)s media files", result.media_files)
            % {"count": result.media_files}
            + "."
        )
