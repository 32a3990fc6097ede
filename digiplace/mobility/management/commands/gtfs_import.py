"""``manage.py gtfs_import CITY FILE.zip``: make a GTFS feed the city's network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from digiplace.core.models import Municipality
from digiplace.mobility.gtfs.reader import SUPPORTED_FILES
from digiplace.mobility.services.network import network_import

HELP = """Import a GTFS static feed (zip) as the whole network of the city CITY (its short
name), all or nothing. Standard output gets one line per imported file, "<file> <rows>", and
nothing else; warnings and errors go to standard error, and a refused feed exits non-zero."""


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("city", help="The municipality's short name (slug).")
        parser.add_argument("file", type=Path, help="The GTFS zip.")

    def handle(self, *args: Any, **options: Any) -> None:
        slug: str = options["city"]
        path: Path = options["file"]
        municipality = Municipality.objects.filter(slug=slug).first()
        if municipality is None:
            raise CommandError(_("No city has the short name %(slug)s.") % {"slug": slug})
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s.") % {"path": path})
        record = network_import(municipality, path, actor=None)
        for problem in record.warnings:
            self.stderr.write(_problem_line(_("warning"), problem))
        if not record.succeeded:
            for problem in record.errors:
                self.stderr.write(_problem_line(_("error"), problem))
            raise CommandError(
                _("The feed was refused: %(count)d errors; nothing was imported.")
                % {"count": len(record.errors)}
            )
        for name in SUPPORTED_FILES:
            if name in record.counts:
                self.stdout.write(f"{name} {record.counts[name]}")


def _problem_line(kind: str, problem: dict[str, Any]) -> str:
    where = problem["file"]
    if problem.get("line"):
        where = f"{where}:{problem['line']}"
    return f"{kind}: {where}: {problem['message']}" if where else f"{kind}: {problem['message']}"
