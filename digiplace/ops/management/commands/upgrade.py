"""``python manage.py upgrade``: what a new version does before it serves.

The production recipes run it before gunicorn starts (deploy/entrypoint.sh,
deploy/systemd/digiplace-web@.service): under the upgrade lock (``digiplace.ops.locks``) so
that one process at a time migrates, it runs the system checks (``--deploy`` in production
mode, warnings included), migrates, and collects the static files. The checks come first:
a configuration that would be refused stops the upgrade before the database is changed. Any
failing step exits non-zero, and the lock is released whatever happens.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from digiplace.ops.locks import upgrade_lock


class Command(BaseCommand):
    help = (
        "Check the configuration, migrate the database and collect the static files, "
        "one process at a time."
    )
    # The checks run inside the lock, with warnings, as one of the steps (below).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--database", default="default", help=_("The database to upgrade (default).")
        )
        parser.add_argument(
            "--no-collectstatic",
            action="store_true",
            help=_("Leave the static files alone (the container image already holds them)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        using: str = options["database"]

        def waiting() -> None:
            self.stdout.write(_("Another process is upgrading this database: waiting for it."))
            self.stdout.flush()

        with upgrade_lock(using=using, on_wait=waiting):
            self.stdout.write(_("Upgrade lock taken."))
            self.stdout.flush()
            self._check()
            self.stdout.write(_("Migrating the database."))
            self.stdout.flush()
            try:
                call_command(
                    "migrate", database=using, interactive=False, stdout=self.stdout, verbosity=1
                )
            except Exception as error:
                raise CommandError(
                    _("The migration failed: %(error)s") % {"error": error}
                ) from error
            if not options["no_collectstatic"]:
                self.stdout.write(_("Collecting the static files."))
                self.stdout.flush()
                try:
                    call_command(
                        "collectstatic", interactive=False, stdout=self.stdout, verbosity=0
                    )
                except Exception as error:
                    raise CommandError(
                        _("Collecting the static files failed: %(error)s") % {"error": error}
                    ) from error
        self.stdout.write(_("Upgrade done: the database is migrated and the checks pass."))

    def _check(self) -> None:
        # Production is checked with --deploy (secure cookies, HSTS, the secret key...); the
        # other modes run with DEBUG or without HTTPS on purpose, so only the plain checks.
        if settings.PRODUCTION:
            self.stdout.write(_("Running the deployment checks (check --deploy)."))
        else:
            self.stdout.write(
                _("Running the system checks (the deployment checks apply in production mode).")
            )
        self.stdout.flush()
        try:
            call_command(
                "check", deploy=settings.PRODUCTION, fail_level="WARNING", stdout=self.stdout
            )
        except CommandError as error:
            raise CommandError(
                _("The checks failed; nothing was migrated.\n%(error)s") % {"error": error}
            ) from error
