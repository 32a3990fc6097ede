"""HTTP batch upsert through the NGSI-LD API against PostgreSQL's own COPY of the same rows
(issue #11: at least 20,000 readings/s over HTTP on 2 cores). Run by bench/run-urbandata.

100 air-quality stations per client send five pollutants each per batch
(``POST /ngsi-ld/v1/entityOperations/upsert?options=update``, one request per time step,
500 readings per request, key in ``Authorization: Bearer``), through Django's full stack
(the test client: no socket, the request bodies encoded beforehand).

Two figures: one client alone (the latency of the write path: the client's Python and the
database take turns, so one of the two cores mostly waits), and BENCH_CLIENTS clients at once
(default: one per core, as the production server runs one web worker per core), each a
process with its own stations (gateways of different districts), timed from a common start
to the last one's end. The goal is judged on the second: it is what the machine takes in.

Then the same rows are COPYed into a scratch table with the readings table's keys and index;
the ratio says how close the API comes to the database's own bulk path. bench/run-urbandata
runs it with the database task backend, as in production: the change listeners (alerts,
subscriptions) run in the worker, not inside the request.
"""

from __future__ import annotations

import cProfile
import datetime
import json
import math
import multiprocessing
import multiprocessing.synchronize
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
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from digiplace.core.models import Municipality  # noqa: E402
from digiplace.urbandata.models import Entity, Reading  # noqa: E402
from digiplace.urbandata.services.keys import device_key_issue  # noqa: E402
from digiplace.urbandata.services.rollups import rollups_refresh  # noqa: E402

STATIONS = int(os.environ.get("BENCH_BATCH", "100"))
READINGS = int(os.environ.get("BENCH_READINGS", "50000"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", str(os.cpu_count() or 2)))
POLLUTANTS = ("pm25", "pm10", "no2", "o3", "so2")
HOST = "botosani.localhost"
PATH = "/ngsi-ld/v1/entityOperations/upsert?options=update"
GOAL = 20_000
# BENCH_PROFILE=1: where the upsert's time goes (cProfile, slower figures).
PROFILE = os.environ.get("BENCH_PROFILE") == "1"


def station_id(client: int, number: int) -> str:
    return f"urn:ngsi-ld:AirQualityObserved:bench-{client}-{number:03d}"


def batch(
    client: int, step: int, start: datetime.datetime, rng: random.Random
) -> list[dict[str, object]]:
    observed = (start + datetime.timedelta(minutes=step)).isoformat().replace("+00:00", "Z")
    return [
        {
            "id": station_id(client, number),
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


class Sender:
    """One client: its stations (created by a first, untimed batch) and its request bodies."""

    def __init__(self, client: int, secret: str, steps: int, start: datetime.datetime) -> None:
        self.client = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Bearer {secret}")
        rng = random.Random(2026 + client)
        first = self.client.post(
            PATH, json.dumps(batch(client, -1, start, rng)), content_type="application/json"
        )
        if first.status_code not in (201, 204):
            raise SystemExit(f"upsert answered {first.status_code}: {first.content[:400]!r}")
        self.bodies = [
            json.dumps(batch(client, step, start, rng)).encode() for step in range(steps)
        ]

    def send(self) -> None:
        for body in self.bodies:
            response = self.client.post(PATH, body, content_type="application/json")
            if response.status_code != 204:
                raise SystemExit(
                    f"upsert answered {response.status_code}: {response.content[:400]!r}"
                )


def concurrent_child(
    client: int,
    secret: str,
    steps: int,
    start: datetime.datetime,
    ready: multiprocessing.synchronize.Barrier,
    done: multiprocessing.Queue,  # type: ignore[type-arg]
) -> None:
    try:
        sender = Sender(client, secret, steps, start)
    except BaseException:
        ready.abort()
        raise
    ready.wait()
    sender.send()
    done.put(time.perf_counter())
    connections.close_all()


def run_concurrent(secret: str, steps: int, start: datetime.datetime) -> float:
    """Seconds from the common start to the last client's end, BENCH_CLIENTS processes."""
    context = multiprocessing.get_context("fork")
    ready = context.Barrier(CLIENTS + 1)
    done: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
    # Each process opens its own database connection (none may be shared across a fork).
    connections.close_all()
    processes = [
        context.Process(target=concurrent_child, args=(client, secret, steps, start, ready, done))
        for client in range(1, CLIENTS + 1)
    ]
    for process in processes:
        process.start()
    ready.wait()
    started = time.perf_counter()
    ends = [done.get(timeout=600) for _process in processes]
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise SystemExit(f"a client process failed (exit code {process.exitcode})")
    return max(ends) - started


def main() -> None:
    call_command("demo_load", verbosity=0)
    city = Municipality.objects.get(slug="botosani")
    _key, secret = device_key_issue(municipality=city, name="Benchmark client")
    steps = max(READINGS // (STATIONS * len(POLLUTANTS)), 1)
    per_request = STATIONS * len(POLLUTANTS)
    start = timezone.now().astimezone(datetime.UTC).replace(microsecond=0) - datetime.timedelta(
        minutes=steps + 10
    )
    before = Reading.objects.count()

    # One client alone.
    sender = Sender(0, secret, steps, start)
    profiler = cProfile.Profile() if PROFILE else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    sender.send()
    elapsed = time.perf_counter() - started
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "tottime")).print_stats(
            int(os.environ.get("BENCH_LINES", "25"))
        )
    sent = steps * per_request
    single_rate = sent / elapsed
    print(
        f"HTTP batch upsert, 1 client: {sent} readings in {steps} requests of {STATIONS} "
        f"entities × {len(POLLUTANTS)} attributes: {elapsed:.2f} s, "
        f"{single_rate:,.0f} readings/s ({elapsed / steps * 1000:.1f} ms a request)"
    )

    # One client per core, at once.
    concurrent_elapsed = run_concurrent(secret, steps, start)
    concurrent_sent = CLIENTS * sent
    http_rate = concurrent_sent / concurrent_elapsed
    stored = Reading.objects.count() - before
    # Each client's first, untimed batch (the one that creates its stations) counts too.
    expected = sent + concurrent_sent + (CLIENTS + 1) * per_request
    if stored != expected:
        raise SystemExit(f"{expected} readings sent, {stored} stored")
    print(
        f"HTTP batch upsert, {CLIENTS} clients at once: {concurrent_sent} readings in "
        f"{CLIENTS * steps} requests: {concurrent_elapsed:.2f} s, {http_rate:,.0f} readings/s "
        f"(goal ≥ {GOAL:,}: {'met' if http_rate >= GOAL else 'NOT met'}); "
        f"all {stored} readings of both runs stored, none twice"
    )

    # The single client's rows, COPYed by PostgreSQL into a table with the readings' keys and
    # index.
    pks = dict(
        Entity.objects.filter(
            municipality=city, entity_id__in=[station_id(0, n) for n in range(STATIONS)]
        ).values_list("entity_id", "pk")
    )
    rows = [
        (pks[document["id"]], name, document[name]["observedAt"], document[name]["value"], "")  # type: ignore[index]
        for body in sender.bodies
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
        f"PostgreSQL COPY of the same {copied} rows (one session): {copy_elapsed:.2f} s, "
        f"{copy_rate:,.0f} rows/s"
    )
    print(
        f"ratio HTTP / COPY: {single_rate / copy_rate:.3f} for one client, "
        f"{http_rate / copy_rate:.3f} for {CLIENTS}"
    )

    # What the periodic job then does with them: their hours' and days' rollups.
    started = time.perf_counter()
    refreshed = rollups_refresh()
    print(
        f"rollups refresh: {refreshed.hours} hours and {refreshed.days} days from {stored} "
        f"readings in {time.perf_counter() - started:.2f} s"
    )


if __name__ == "__main__":
    main()
