"""``manage.py vrp_solve FILE.vrp --seconds N``: solve a CVRPLIB instance, print its ``.sol``."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from digiplace.waste.routing import (
    DEFAULT_ROUNDS,
    RoutingError,
    available_cores,
    format_solution,
    read_instance,
    solve_cvrp,
)

HELP = """Solve a CVRPLIB instance (EUC_2D, one depot) with the waste module's routing engine and
print the solution in CVRPLIB's .sol format on standard output, and nothing else: one
"Route #k: customers" line per truck, customers numbered node number minus one (the depot not
listed), then "Cost C" with C the total of rounded Euclidean distances. The search runs on
every available core, one seed each (--seed, --seed + 1, ...), and keeps the best."""


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise CommandError(
            _("--seconds must be a positive number, not %(value)s.") % {"value": text}
        )
    return value


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The CVRPLIB .vrp file.")
        parser.add_argument(
            "--seconds", required=True, help="The time limit of the search, in seconds."
        )
        parser.add_argument("--seed", type=int, default=0, help="The first seed (default: 0).")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Searches run side by side (default: the available cores).",
        )
        parser.add_argument(
            "--rounds",
            type=int,
            default=DEFAULT_ROUNDS,
            help="Rounds the time is cut into; each restarts every search from the best so far"
            f" (default: {DEFAULT_ROUNDS}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        seconds = _positive_seconds(str(options["seconds"]))
        workers: int | None = options["workers"]
        if workers is not None and not 1 <= workers <= available_cores():
            raise CommandError(
                _("--workers must be between 1 and %(cores)d.") % {"cores": available_cores()}
            )
        rounds: int = options["rounds"]
        if rounds < 1:
            raise CommandError(_("--rounds must be at least 1."))
        try:
            instance = read_instance(options["file"])
            solution = solve_cvrp(
                instance, seconds=seconds, seed=options["seed"], workers=workers, rounds=rounds
            )
        except RoutingError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(format_solution(solution), ending="")
