"""``manage.py urbandata_import CITY FILE.csv``: historical readings from a CSV file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.utils.translation import gettext as _

from digiplace.core.models import Municipality
from digiplace.urbandata.services.csv_import import CsvHeaderError, readings_csv_import

HELP = """Import historical readings of a city's entities from a CSV file.

The file: UTF-8 (a byte-order mark is allowed), comma-separated, with a header row and
RFC 4180 quoting. Columns: entity_id (the entity's NGSI-LD id; another column with
--entity-id-column), attribute (the Smart Data Model's short name, e.g. fillingLevel),
observed_at (ISO 8601 with a zone: 2026-03-01T08:00:00Z or 2026-03-01T10:00:00+02:00),
value (a number with a decimal point, or a state such as burning). Other columns are
ignored. Example:

  entity_id,attribute,observed_at,value
  urn:ngsi-ld:WasteContainer:bt-0001,fillingLevel,2026-03-01T08:00:00Z,0.42

Rows go through the same checks as the NGSI-LD API; a rejected row (unknown entity, bad
time, wrong value) writes nothing and is listed at the end with its line number and the
reason. Rows already stored are not doubled, so the file can be imported again."""


class ProgressBar:
    """A bar on one line of stderr, redrawn in place."""

    WIDTH = 30

    def __init__(self, stream: OutputWrapper, total: int) -> None:
        self.stream = stream
        self.total = max(total, 1)

    def __call__(self, done: int) -> None:
        share = min(done / self.total, 1.0)
        filled = int(share * self.WIDTH)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(f"\r[{bar}] {share:4.0%} {done}/{self.total}", ending="")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("")
        self.stream.flush()


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # The help's example keeps its lines.
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("city", help="The municipality's slug (e.g. botosani).")
        parser.add_argument("file", type=Path, help="The CSV file.")
        parser.add_argument(
            "--entity-id-column",
            default="entity_id",
            help="The column holding the entity's id (default: entity_id).",
        )
        parser.add_argument(
            "--progress",
            action="store_true",
            help="Show the progress bar even when stderr is not a terminal.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        city = Municipality.objects.filter(slug=options["city"]).first()
        if city is None:
            raise CommandError(_("There is no city %(slug)s.") % {"slug": options["city"]})
        path: Path = options["file"]
        try:
            with path.open(encoding="utf-8-sig", newline="") as counting:
                total = max(sum(1 for _line in counting) - 1, 0)
            show_progress = options["progress"] or sys.stderr.isatty()
            bar = ProgressBar(self.stderr, total) if show_progress else None
            with path.open(encoding="utf-8-sig", newline="") as source:
                report = readings_csv_import(
                    municipality=city,
                    lines=source,
                    entity_id_column=options["entity_id_column"],
                    progress=bar,
                )
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": path, "error": error.strerror}
            ) from error
        except UnicodeDecodeError as error:
            raise CommandError(_("%(file)s is not UTF-8 text.") % {"file": path}) from error
        except CsvHeaderError as error:
            raise CommandError(str(error)) from error
        if bar:
            bar.close()
        self.stdout.write(
            _(
                "%(rows)s rows read: %(accepted)s accepted (%(written)s new readings), "
                "%(rejected)s rejected."
            )
            % {
                "rows": report.rows,
                "accepted": report.accepted,
                "written": report.written,
                "rejected": len(report.rejected),
            }
        )
        for rejected in report.rejected:
            self.stdout.write(
                _("line %(line)s: %(reason)s") % {"line": rejected.line, "reason": rejected.reason}
            )
