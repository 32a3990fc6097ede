"""A mosquitto broker of the platform's own: ``python manage.py mqtt_broker --port 18830``
writes its configuration, password and ACL files into ``URBANDATA_MQTT_FILES_DIR`` and
becomes mosquitto (exec: its pid is the broker's, so a signal to it reaches the broker)."""

from __future__ import annotations

import os
import shutil
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from digiplace.urbandata.mqtt.files import (
    broker_config_write,
    broker_files_write,
    files_directory,
)


class Command(BaseCommand):
    help = "Write the broker's files and run mosquitto on a local port (the run command's)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=18830, help="Port (18830).")
        parser.add_argument("--host", default="127.0.0.1", help="Address (127.0.0.1).")

    def handle(self, *args: Any, **options: Any) -> None:
        mosquitto = shutil.which("mosquitto") or (
            "/usr/sbin/mosquitto" if os.path.exists("/usr/sbin/mosquitto") else None
        )
        if mosquitto is None:
            raise CommandError("mosquitto is not installed (apt-get install mosquitto).")
        files = broker_files_write(files_dir=files_directory(), reload=False)
        config = broker_config_write(port=options["port"], host=options["host"])
        self.stdout.write(
            f"mosquitto on {options['host']}:{options['port']}, "
            f"{files.device_users if files else 0} device users, files in {config.parent}"
        )
        self.stdout.flush()
        os.execv(mosquitto, [mosquitto, "-c", str(config)])  # noqa: S606 (no shell: a fixed program)
