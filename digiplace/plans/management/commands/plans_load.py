"""Validate and load plan files: all or nothing, and again without duplicates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from digiplace.plans.loader import PlanFileError, plan_file_read, plans_load

DEFAULT_FOLDER = Path(settings.BASE_DIR) / "data" / "plans"


class Command(BaseCommand):
    help = "Load plan files (data/plans/*.yaml by default); --check only validates them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", type=Path)
        parser.add_argument("--check", action="store_true", help="validate only")

    def handle(self, *args: Any, files: list[Path], check: bool, **options: Any) -> None:
        paths = files or sorted(DEFAULT_FOLDER.glob("*.yaml"))
        if not paths:
            raise CommandError(f"No plan files in {DEFAULT_FOLDER}")
        try:
            if check:
                for path in paths:
                    plan_file_read(path=path)
                self.stdout.write(f"{len(paths)} plan file(s) are valid.")
                return
            result = plans_load(paths=paths)
        except PlanFileError as error:
            raise CommandError(
                f"{len(error.errors)} error(s); nothing was loaded:\n" + "\n".join(error.errors)
            ) from error
        self.stdout.write(
            f"Loaded {result.plans} plan(s): {result.pillars} pillars, {result.objectives} "
            f"objectives, {result.projects} projects, {result.activities} activities, "
            f"{result.kpis} KPIs, {result.measurements} measurements, {result.risks} risks, "
            f"{result.governance_bodies} governance bodies, {result.working_groups} working groups."
        )
