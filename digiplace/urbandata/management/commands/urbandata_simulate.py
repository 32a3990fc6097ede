"""``python manage.py urbandata_simulate [--city SLUG ...] [--interval SECONDS] [--once]
[--http URL] [--mqtt URL] [--seed N]``: live data for the demo's devices, sent through the
public ingest paths (``digiplace.urbandata.simulator``). Stops on Ctrl+C or SIGTERM,
revoking the keys it issued itself."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from digiplace.core.models import Municipality
from digiplace.urbandata.simulator import CitySimulator, SimulatorError

DEFAULT_HTTP = "http://127.0.0.1:8000"
DEFAULT_INTERVAL = 60.0


class Command(BaseCommand):
    help = (
        "Send realistic live readings for the demo devices (air quality, district heating, "
        "waste containers) through the NGSI-LD API and MQTT."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--city",
            action="append",
            default=[],
            help="a municipality's short name (repeat for several; default: every city)",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=DEFAULT_INTERVAL,
            help=f"seconds between two observations of a device ({DEFAULT_INTERVAL:g})",
        )
        parser.add_argument("--once", action="store_true", help="one observation, then stop")
        parser.add_argument(
            "--http",
            default=DEFAULT_HTTP,
            help=f"the web server's address; each city's host name goes in Host ({DEFAULT_HTTP})",
        )
        parser.add_argument(
            "--mqtt",
            default=None,
            help="the broker (mqtt://host:port) waste containers publish to "
            "(default DIGIPLACE_MQTT_URL; without one they use HTTP too)",
        )
        parser.add_argument("--seed", type=int, default=None, help="repeatable values")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["interval"] <= 0:
            raise CommandError("--interval must be a positive number of seconds.")
        cities = Municipality.objects.filter(is_active=True).order_by("slug")
        if options["city"]:
            cities = cities.filter(slug__in=options["city"])
            missing = sorted(set(options["city"]) - set(cities.values_list("slug", flat=True)))
            if missing:
                raise CommandError(f"No municipality {', '.join(missing)}.")
        mqtt_url = settings.URBANDATA_MQTT_URL if options["mqtt"] is None else options["mqtt"]
        try:
            simulators = [
                CitySimulator(
                    municipality=city,
                    http_url=options["http"],
                    mqtt_url=mqtt_url,
                    seed=None if options["seed"] is None else options["seed"] + index,
                )
                for index, city in enumerate(cities)
            ]
        except SimulatorError as error:
            raise CommandError(str(error)) from error
        if not simulators:
            raise CommandError("No municipality to simulate: run demo_load first.")
        stop = threading.Event()
        if not options["once"] and threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda _signum, _frame: stop.set())
        for simulator in simulators:
            simulator.start()
        try:
            while True:
                for simulator in simulators:
                    try:
                        self.stdout.write(simulator.step().line())
                    except SimulatorError as error:
                        if options["once"]:
                            raise CommandError(str(error)) from error
                        # Running alongside the server (the run command): it may not be up
                        # yet, or restart; the next step tries again.
                        self.stderr.write(f"{error} (trying again in {options['interval']:g} s)")
                self.stdout.flush()
                if options["once"] or stop.wait(options["interval"]):
                    break
        finally:
            for simulator in simulators:
                simulator.stop()
