"""The MQTT ingest worker: ``python manage.py urbandata_mqtt`` (the run command starts it).

Reads ``digiplace/+/entities`` on the broker ``URBANDATA_MQTT_URL`` names and stores each
message through the one write path; stops cleanly on SIGTERM or Ctrl+C (what it received is
written and acknowledged first).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from digiplace.core.health import heartbeat
from digiplace.urbandata.health import INGEST_PROCESS
from digiplace.urbandata.mqtt.connection import broker_address
from digiplace.urbandata.mqtt.files import broker_files_write
from digiplace.urbandata.mqtt.ingest import IngestWorker

logger = logging.getLogger(__name__)

# How often the broker files are rewritten from the keys (a safety net: issuing or revoking
# a key rewrites them at once).
BROKER_FILES_EVERY_SECONDS = 60


class Command(BaseCommand):
    help = "Store what devices publish over MQTT (digiplace/<city>/entities), until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Messages written together (500)."
        )
        parser.add_argument(
            "--batch-ms",
            type=int,
            default=200,
            help="How long a batch waits for more messages, in milliseconds (200).",
        )
        parser.add_argument(
            "--writers",
            type=int,
            default=2,
            help="Batches written at once, each by a process of its own with its own "
            "database connection (2: one per core of a small server).",
        )
        parser.add_argument(
            "--no-broker-files",
            action="store_true",
            help="Do not write the broker's password and ACL files (another host runs it).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        url = settings.URBANDATA_MQTT_URL
        if not url:
            raise CommandError("Set DIGIPLACE_MQTT_URL (mqtt://user:password@host:port).")
        try:
            address = broker_address(url)
        except ValueError as error:
            raise CommandError(str(error)) from None
        writes_files = not options["no_broker_files"]
        next_files_at = 0.0

        def on_tick() -> None:
            heartbeat(INGEST_PROCESS)
            broker_files_refresh()

        def broker_files_refresh() -> None:
            nonlocal next_files_at
            if not writes_files or time.monotonic() < next_files_at:
                return
            next_files_at = time.monotonic() + BROKER_FILES_EVERY_SECONDS
            try:
                broker_files_write()
            except Exception:
                logger.exception("Could not write the MQTT broker files")

        broker_files_refresh()
        stop = threading.Event()

        def request_stop(signum: int, frame: object) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        worker = IngestWorker(
            address=address,
            batch_size=options["batch_size"],
            batch_seconds=options["batch_ms"] / 1000,
            writers=options["writers"],
            on_tick=on_tick,
        )
        self.stdout.write(
            f"MQTT ingest: {address.host}:{address.port} as {address.username} "
            f"(session {address.client_id})"
        )
        self.stdout.flush()
        stats = worker.run(stop)
        self.stdout.write(
            f"MQTT ingest stopped. Messages received: {stats.messages}; entities written: "
            f"{stats.entities_written}; messages refused: {stats.messages_refused}; "
            f"entities refused: {stats.entities_refused}."
        )
