"""Time to build the GTFS-realtime TripUpdates feed (query, build, serialise; the 5-second
cache bypassed) for 11 vehicles (Botoșani's electric buses) and for 500, each on a trip with
predictions for its next 15 stops. A throwaway SQLite database.

``.venv/bin/python bench/mobility_feeds.py``"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="digiplace-bench-feeds-"))
os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'bench.sqlite3'}"
os.environ["DIGIPLACE_MODE"] = "development"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DIGIPLACE_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import datetime  # noqa: E402
import io  # noqa: E402
import statistics  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from digiplace.core.tests.factories import MunicipalityFactory  # noqa: E402
from digiplace.mobility.models import VehicleState  # noqa: E402
from digiplace.mobility.realtime import feeds  # noqa: E402
from digiplace.mobility.tests.factories_net import build_line  # noqa: E402
from digiplace.urbandata.models import Entity  # noqa: E402

RUNS = 60


def fleet(size: int) -> None:
    city = MunicipalityFactory.create(slug=f"bench-{size}", hosts=[f"bench-{size}.localhost"])
    line = build_line(city, stops=20, every_minutes=2, first=datetime.time(5, 0))
    now = timezone.now()
    entities = Entity.objects.bulk_create(
        Entity(
            municipality=city,
            type="Vehicle",
            entity_id=f"urn:ngsi-ld:Vehicle:bench-{size}-{n}",
            latitude=line.stops[0].latitude,
            longitude=line.stops[0].longitude,
            attributes={},
            created_at=now,
            modified_at=now,
        )
        for n in range(size)
    )
    states = []
    for n, entity in enumerate(entities):
        trip = line.trips[n % len(line.trips)]
        base = int(now.timestamp())
        states.append(
            VehicleState(
                municipality=city,
                entity=entity,
                label=f"{n + 100}",
                trip=trip,
                service_date=now.date(),
                latitude=line.stops[2].latitude,
                longitude=line.stops[2].longitude,
                bearing=90.0,
                speed=7.0,
                observed_at=now,
                next_stop_sequence=4,
                delay_seconds=45,
                predictions=[
                    {
                        "sequence": 4 + k,
                        "stop": line.stops[3 + k].pk,
                        "stop_id": line.stops[3 + k].gtfs_id,
                        "arrival": base + 120 * (k + 1),
                        "delay": 45,
                        "uncertainty": 30 + 10 * k,
                        "confidence": 0.9 - 0.04 * k,
                    }
                    for k in range(15)
                ],
            )
        )
    VehicleState.objects.bulk_create(states)
    timings = []
    size_bytes = 0
    for _ in range(RUNS):
        started = time.perf_counter()
        data = feeds.trip_updates(city).SerializeToString()
        timings.append(1000 * (time.perf_counter() - started))
        size_bytes = len(data)
    timings.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(
        f"{size:>4} vehicles: p50 {statistics.median(timings):7.2f} ms, p95 {p95:7.2f} ms"
        f"  ({size_bytes / 1024:.0f} KiB, {RUNS} builds)"
    )


def main() -> None:
    call_command("migrate", verbosity=0, stdout=io.StringIO())
    print("TripUpdates feed, built from the database (SQLite), 15 stop time updates a vehicle")
    for size in (11, 500):
        fleet(size)


if __name__ == "__main__":
    main()
