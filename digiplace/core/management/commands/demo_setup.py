"""Prepare the demo database: what the run command does before it starts the servers.

One list, read by the run command and by the demo smoke test, so that the test drives the
exact setup a newcomer gets.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

# manage.py commands and their arguments, in order; each is safe to run again.
DEMO_SETUP_COMMANDS: list[list[str]] = [
    ["migrate", "--noinput"],
    ["demo_load"],
    ["plans_load"],
    ["reports_demo"],
    ["participation_demo"],
    ["urbandata_demo"],
    ["waste_demo"],
    ["mobility_demo"],
    # Last: every module's open datasets, made from the demo data just loaded.
    ["opendata_generate"],
]


class Command(BaseCommand):
    help = "Migrate and load the demo cities and every module's demo data (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        for name, *arguments in DEMO_SETUP_COMMANDS:
            self.stdout.write(f"manage.py {name} {' '.join(arguments)}".rstrip())
            call_command(name, *arguments, stdout=self.stdout, stderr=self.stderr)
