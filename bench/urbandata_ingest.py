"""HTTP batch upsert through the NGSI-LD API against PostgreSQL's own COPY of the same rows
(issue #11: at least 20,000 readings/s over HTTP on 2 cores). Run by bench/run-urbandata.

100 air-quality stations send five pollutants each per batch
(``POST /ngsi-ld/v1/entityOperations/upsert?options=update``, one request per time step,
500 readings per request, key in ``Authorization: Bearer``), through Django's full stack in
this process (the test client: no socket, the request bodies encoded beforehand). Then the
same rows are COPYed into a scratch table with the readings table's keys and index; the
ratio says how close the API comes to the database's own bulk path. bench/run-urbandata
runs it with the database task backend, as in production: the change listeners (alerts,
subscriptions) run in the worker, not inside the request.
"""

from __future__ import annotations

import cProfile
import datetime
import json
import math
import os
import pstats
import random
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from digiplace.core.models import Municipality  # noqa: E402
from digiplace.urbandata.models import Entity, Reading  # noqa: E402
from digiplace.urbandata.services.keys import device_key_issue  # noqa: E402
from digiplace.urbandata.services.rollups import rollups_refresh  # noqa: E402

STATIONS = int(os.environ.get("BENCH_BATCH", "100"))
READINGS = int(os.environ.get("BENCH_READINGS", "50000"))
POLLUTANTS = ("pm25", "pm10", "no2", "o3", "so2")
HOST = "botosani.localhost"
PATH = "/ngsi-ld/v1/entityOperations/upsert?options=update"
GOAL = 20_000
# BENCH_PROFILE=1: where the upsert's time goes (cProfile, slower figures).
PROFILE = os.environ.get("BENCH_PROFILE") == "1"


def station_id(number: int) -> str:
    return f"urn:ngsi-ld:AirQualityObserved:bench-{number:03d}"


def batch(step: int, start: datetime.datetime, rng: random.Random) -> list[dict[str, object]]:
    observed = (start + datetime.timedelta(minutes=step)).isoformat().replace("+00:00", "Z")
    return [
        {
            "id": station_id(number),
            "type": "AirQualityObserved",
            **{
                name: {
                    "type": "Property",
                    "value": round(20 + 10 * math.sin(step / 60) + rng.random() * 5, 2),
                    "observedAt": observed,
                }
                for name in POLLUTANTS
            },
        }
        for number in range(STATIONS)
    ]


def main() -> None:
    call_command("demo_load", verbosity=0)
    city = Municipality.objects.get(slug="botosani")
    _key, secret = device_key_issue(municipality=city, name="Benchmark client")
    client = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Bearer {secret}")
    rng = random.Random(2026)
    steps = max(READINGS // (STATIONS * len(POLLUTANTS)), 1)
    start = timezone.now().astimezone(datetime.UTC).replace(microsecond=0) - datetime.timedelta(
        minutes=steps + 10
    )

    # The first batch creates the stations (not timed).
    first = client.post(PATH, json.dumps(batch(-1, start, rng)), content_type="application/json")
    if first.status_code not in (201, 204):
        raise SystemExit(f"upsert answered {first.status_code}: {first.content[:400]!r}")
    bodies = [json.dumps(batch(step, start, rng)).encode() for step in range(steps)]
    before = Reading.objects.count()

    profiler = cProfile.Profile() if PROFILE else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    for body in bodies:
        response = client.post(PATH, body, content_type="application/json")
        if response.status_code != 204:
            raise SystemExit(f"upsert answered {response.status_code}: {response.content[:400]!r}")
    elapsed = time.perf_counter() - started
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)

    stored = Reading.objects.count() - before
    sent = steps * STATIONS * len(POLLUTANTS)
    if stored != sent:
        raise SystemExit(f"{sent} readings sent, {stored} stored")
    http_rate = sent / elapsed
    print(
        f"HTTP batch upsert: {sent} readings in {steps} requests of {STATIONS} entities "
        f"× {len(POLLUTANTS)} attributes: {elapsed:.2f} s, {http_rate:,.0f} readings/s "
        f"(goal ≥ {GOAL:,}: {'met' if http_rate >= GOAL else 'NOT met'}); all {stored} stored"
    )

    # The same rows, COPYed by PostgreSQL into a table with the readings' keys and index.
    pks = dict(
        Entity.objects.filter(
            municipality=city, entity_id__in=[station_id(n) for n in range(STATIONS)]
        ).values_list("entity_id", "pk")
    )
    rows = [
        (pks[document["id"]], name, document[name]["observedAt"], document[name]["value"], "")  # type: ignore[index]
        for body in bodies
        for document in json.loads(body)
        for name in POLLUTANTS
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_reading_copy (entity_id bigint NOT NULL, attribute varchar(64)"
            " NOT NULL, observed_at timestamptz NOT NULL, value double precision, text"
            " varchar(64) NOT NULL, PRIMARY KEY (entity_id, attribute, observed_at))"
        )
        cursor.execute("CREATE INDEX ON bench_reading_copy USING brin (observed_at)")
        raw = cursor.connection
        started = time.perf_counter()
        with (
            raw.cursor() as raw_cursor,
            raw_cursor.copy(
                "COPY bench_reading_copy (entity_id, attribute, observed_at, value, text)"
                " FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        raw.commit()
        copy_elapsed = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bench_reading_copy")
        copied = cursor.fetchone()[0]  # type: ignore[index]
        cursor.execute("DROP TABLE bench_reading_copy")
    copy_rate = copied / copy_elapsed
    print(
        f"PostgreSQL COPY of the same {copied} rows: {copy_elapsed:.2f} s, {copy_rate:,.0f} rows/s"
    )
    print(f"ratio HTTP / COPY: {http_rate / copy_rate:.2f}")

    # What the periodic job then does with them: their hours' and days' rollups.
    started = time.perf_counter()
    refreshed = rollups_refresh()
    print(
        f"rollups refresh: {refreshed.hours} hours and {refreshed.days} days from {sent} "
        f"readings in {time.perf_counter() - started:.2f} s"
    )


if __name__ == "__main__":
    main()
