"""Enqueue the registered periodic jobs when they are due (``digiplace.core.periodic``);
``manage.py db_worker`` runs them. The run command starts it next to the worker."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from digiplace.core.periodic import periodic_jobs, periodic_loop, periodic_tick


class Command(BaseCommand):
    help = (
        "Enqueue each registered periodic job once per interval (safe to run in several "
        "processes: each interval's run is claimed in the database). Stop with Ctrl+C."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Tick once and exit.")
        parser.add_argument(
            "--tick", type=float, default=5.0, help="Seconds between ticks (default 5)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            for name in periodic_tick():
                self.stdout.write(f"enqueued {name}")
            return
        jobs = ", ".join(f"{job.name} every {job.interval}" for job in periodic_jobs())
        self.stdout.write(f"Scheduler running: {jobs or 'no jobs registered'}")
        stop = threading.Event()

        def request_stop(_signal: int, _frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        periodic_loop(stop=stop, tick_seconds=options["tick"])
