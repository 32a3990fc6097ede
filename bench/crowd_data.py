"""The crowd benchmark's data (run by bench/run-crowd): the demo setup a newcomer gets
(core's DEMO_SETUP_COMMANDS: migrations, the two cities, their plans, the reports demo),
with as many demo reports per city as asked."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.core.management import call_command  # noqa: E402

from digiplace.core.management.commands.demo_setup import DEMO_SETUP_COMMANDS  # noqa: E402
from digiplace.reports.models import Report  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=1000, help="demo reports per city")
    arguments = parser.parse_args()
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        for name, *options in DEMO_SETUP_COMMANDS:
            if name == "reports_demo":
                options = [*options, "--reports", str(arguments.reports)]
            call_command(name, *options, verbosity=0, stdout=quiet)
    print(
        f"Demo data ready in {time.perf_counter() - started:.0f} s: "
        f"{Report.objects.count()} reports in all"
    )


if __name__ == "__main__":
    main()
