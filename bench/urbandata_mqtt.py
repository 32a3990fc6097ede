"""MQTT end to end: N readings published with QoS 1 to a real mosquitto, stored by the ingest
worker (``manage.py urbandata_mqtt`` in a process of its own); prints messages per second from
the first publish to the last stored reading, and the stored count that proves none was lost.
Goal: 5,000 messages/s on 2 cores, on PostgreSQL.

The messages are published by mosquitto's own client (``mosquitto_pub -l``, QoS 1, up to
1,000 in flight), which stands for the devices: in production they publish from elsewhere,
and a Python publisher on the same two cores would take a large share of the CPU the
worker and the database are measured on. ``scripts/test`` installs it (mosquitto-clients).

Everything runs on 127.0.0.1 (a broker of its own on a free port, files in a temporary
folder) on the database DATABASE_URL names (SQLite without it); the benchmark's city is
removed at the end.

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 python manage.py migrate
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 python bench/urbandata_mqtt.py
    (BENCH_MESSAGES 50000, BENCH_ENTITIES 500, BENCH_BATCH 500, BENCH_TIMEOUT 600 seconds)
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from digiplace.core.models import Municipality  # noqa: E402
from digiplace.urbandata.models import Reading  # noqa: E402
from digiplace.urbandata.mqtt import city_topic  # noqa: E402
from digiplace.urbandata.mqtt.files import broker_config_write, broker_files_write  # noqa: E402
from digiplace.urbandata.services.keys import device_key_issue  # noqa: E402

MESSAGES = int(os.environ.get("BENCH_MESSAGES", "50000"))
ENTITIES = int(os.environ.get("BENCH_ENTITIES", "500"))
BATCH = int(os.environ.get("BENCH_BATCH", "500"))
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "600"))
SLUG = "bench-mqtt"
GOAL_PER_SECOND = 5000
PUBLISHER_LINES = 60000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def payloads() -> list[bytes]:
    """One message per reading: ENTITIES stations, each with a PM2.5 value a minute apart."""
    now = timezone.now().replace(second=0, microsecond=0)
    messages = []
    for number in range(MESSAGES):
        station, step = number % ENTITIES, number // ENTITIES
        observed = now - datetime.timedelta(minutes=step + 1)
        messages.append(
            json.dumps(
                {
                    "id": f"urn:ngsi-ld:AirQualityObserved:bench-{station:05d}",
                    "type": "AirQualityObserved",
                    "pm25": {
                        "type": "Property",
                        "value": 5 + number % 40,
                        "observedAt": observed.isoformat(),
                    },
                }
            ).encode()
        )
    return messages


def main() -> None:
    if Municipality.objects.filter(slug=SLUG).exists():
        raise SystemExit(f"The database already has the benchmark's city ({SLUG}).")
    city = Municipality.objects.create(
        slug=SLUG,
        name="Bench MQTT",
        name_ro="Bench MQTT",
        name_en="Bench MQTT",
        centre_latitude=45.7537,
        centre_longitude=21.2257,
        bounds_south=45.69,
        bounds_west=21.13,
        bounds_north=45.81,
        bounds_east=21.33,
    )
    key, secret = device_key_issue(municipality=city, name="Bench publisher")
    folder = Path(tempfile.mkdtemp(prefix="digiplace-bench-mqtt."))
    port = free_port()
    worker_url = f"mqtt://bench-ingest:bench-{os.getpid()}@127.0.0.1:{port}?client_id=bench"
    broker_files_write(files_dir=folder, ingest_url=worker_url, reload=False)
    config = broker_config_write(port=port, files_dir=folder)
    broker = subprocess.Popen(
        ["/usr/sbin/mosquitto", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # The worker's own log says when it has subscribed (INFO), whatever the caller's level.
    environment = {**os.environ, "DIGIPLACE_MQTT_URL": worker_url, "DIGIPLACE_LOG_LEVEL": "INFO"}
    command = ["urbandata_mqtt", "--no-broker-files", "--batch-size", str(BATCH)]
    worker = subprocess.Popen(
        [sys.executable, "manage.py", *command],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(worker.stdout or []), daemon=True).start()
    try:
        run(city, key.username, secret, port, worker, lines)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        broker.terminate()
        broker.wait(timeout=30)
        Municipality.objects.filter(pk=city.pk).delete()
        print("".join(line for line in lines if "stopped." in line).strip())


def run(
    city: Municipality,
    username: str,
    secret: str,
    port: int,
    worker: subprocess.Popen[str],
    lines: list[str],
) -> None:
    # The worker's session must exist before anything is published: wait for its subscription.
    deadline = time.monotonic() + 120
    while not any("Subscribed to" in line for line in lines):
        if worker.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("The worker did not start:\n" + "".join(lines))
        time.sleep(0.1)
    tool = shutil.which("mosquitto_pub")
    if tool is None:
        raise SystemExit("mosquitto_pub is missing: scripts/test installs it (mosquitto-clients)")
    messages = payloads()
    readings = Reading.objects.filter(entity__municipality=city)
    started = time.perf_counter()
    # mosquitto_pub -l stops early past 65,535 lines (its packet ids wrap round and it
    # takes an early acknowledgement for its last one): one run per PUBLISHER_LINES.
    for first in range(0, len(messages), PUBLISHER_LINES):
        stream = b"".join(message + b"\n" for message in messages[first : first + PUBLISHER_LINES])
        publisher = subprocess.Popen(
            [
                tool,
                *("-h", "127.0.0.1", "-p", str(port), "-V", "mqttv5", "-q", "1", "-M", "1000"),
                *("-u", username, "-P", secret, "-t", city_topic(SLUG), "-l"),
            ],
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        _out, errors = publisher.communicate(stream, timeout=TIMEOUT)
        if publisher.returncode != 0:
            raise SystemExit(f"mosquitto_pub failed: {errors.decode(errors='replace')[:400]}")
    published = time.perf_counter() - started
    stored = 0
    while time.perf_counter() - started < TIMEOUT:
        stored = readings.count()
        if stored >= MESSAGES:
            break
        # Not more often: each count scans the readings on the cores being measured.
        time.sleep(0.2)
    elapsed = time.perf_counter() - started
    print(f"MQTT end to end on {connection.vendor}, {os.cpu_count()} CPUs, batches of {BATCH}:")
    print(f"  published {MESSAGES} messages (QoS 1) in {published:.1f} s")
    print(f"  stored {stored} of {MESSAGES} readings in {elapsed:.1f} s")
    rate = stored / elapsed
    verdict = "meets" if rate >= GOAL_PER_SECOND and stored == MESSAGES else "misses"
    print(f"  {rate:,.0f} messages/s end to end ({verdict} the goal of {GOAL_PER_SECOND:,}/s)")
    print(f"  lost: {MESSAGES - stored}" + (" (none)" if stored == MESSAGES else ""))


if __name__ == "__main__":
    main()
