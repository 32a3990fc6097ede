"""The MQTT ingest worker: stores what devices publish, losing nothing and duplicating nothing.

It keeps one persistent session on the broker (a fixed client id, ``clean_start`` off and a
session that never expires, MQTT 5), subscribed with QoS 1 to every city's entities topic.
Messages are acknowledged by hand, only after their write has committed: a worker that stops
or crashes between receiving and writing leaves them unacknowledged, and the broker sends
them again when the worker comes back. A redelivered message is harmless because writes are
idempotent on (entity, attribute, observed time); so every Property must carry its
``observedAt`` (an entity without one is refused: stamping it with the time of receipt would
store a redelivery twice). Location and relationships need none (writing them again changes
nothing).

For speed, messages are collected for up to ``batch_seconds`` or ``batch_size`` messages and
written with one ``entities_write`` call per city, then all acknowledged. ``writers``
processes (two by default), forked from the worker before it connects, each with its own
database connection, write consecutive batches at once: receiving and acknowledging (paho's
thread) and parsing and writing (the writers) then run on all the cores, where threads
shared one (Python runs one thread at a time per process). Where the system cannot fork,
threads write instead. Batches are acknowledged in the order they arrived; two batches
touching one entity wait for each other in the write path (rows locked in one order), so
nothing is lost. A writer process that dies stops the worker, and what it had not
acknowledged comes again when it is restarted. A message that cannot be used (not JSON, not
entities, an unknown city, a refused entity) is logged, counted and acknowledged: it never
blocks the ones behind it.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, fields
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, Protocol

import paho.mqtt.client as mqtt
from django.db import InterfaceError, OperationalError, close_old_connections, connections
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from digiplace.core import metrics

from . import DEVICE_SUBSCRIPTION, INGEST_SUBSCRIPTION, topic_city_slug, topic_username
from .connection import BrokerAddress

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

    from ..models import DeviceKey
    from ..services.ingest import EntityResult

logger = logging.getLogger(__name__)

# The session outlives any stop of the worker (MQTT 5's "never expires").
SESSION_NEVER_EXPIRES = 0xFFFFFFFF
MAX_PAYLOAD_BYTES = 256 * 1024
MAX_ENTITIES_PER_MESSAGE = 1000
# Members of an entity that are not attributes (as the write path reads them).
NOT_ATTRIBUTES = {"id", "@id", "type", "@type", "@context", "scope", "createdAt", "modifiedAt"}
GEO_ATTRIBUTES = {"location", "observationSpace", "operationSpace"}
GEOJSON_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
# A batch that fails as a whole is tried this many times before its messages are written
# one by one (so that one message the write path chokes on cannot hold the others back).
BATCH_ATTEMPTS = 2
# How long the worker keeps the list of active cities: a city switched off stops being
# written within this many seconds.
CITIES_SECONDS = 5.0
DATABASE_RETRY_SECONDS = (0.5, 1, 2, 5, 10)
# How often the main loop looks for received messages and written batches.
POLL_SECONDS = 0.01

# (city, entities, the device's key on a device topic) → each entity's fate.
Writer = Callable[
    ["Municipality", Sequence[Mapping[str, Any]], "DeviceKey | None"], "list[EntityResult]"
]


class _Stop(Protocol):
    """A threading or a multiprocessing event: set when the worker is told to stop."""

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


class RefusedMessage(ValueError):
    """Why a message (or an entity in it) is not written; the worker logs and acks it."""


@dataclass
class IngestStats:
    messages: int = 0
    messages_refused: int = 0
    entities_written: int = 0
    entities_refused: int = 0
    batches: int = 0

    def add(self, other: IngestStats) -> None:
        for counter in fields(self):
            setattr(self, counter.name, getattr(self, counter.name) + getattr(other, counter.name))


class WriterProcessDied(RuntimeError):
    """A writer process ended in the middle of a batch (killed, out of memory…): the worker
    stops, and the batches it had not acknowledged come again when it is restarted."""


class _WriterThread:
    """A thread that runs ``work`` on the batches given to it, one at a time, with its own
    database connection (closed when the thread ends)."""

    def __init__(self, name: str, work: Callable[[list[_Received]], bool]) -> None:
        self.work = work
        self.jobs: queue.Queue[tuple[list[_Received], Future[bool]] | None] = queue.Queue()
        self.thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self.thread.start()

    def submit(self, batch: list[_Received]) -> Future[bool]:
        future: Future[bool] = Future()
        self.jobs.put((batch, future))
        return future

    def _loop(self) -> None:
        try:
            while (job := self.jobs.get()) is not None:
                batch, future = job
                future.set_running_or_notify_cancel()
                try:
                    future.set_result(self.work(batch))
                except BaseException as error:  # handed to the main loop, which raises it
                    future.set_exception(error)
        finally:
            connections.close_all()

    def close(self) -> None:
        self.jobs.put(None)
        self.thread.join(timeout=60)


class _WriterProcess:
    """A process forked from the worker that writes the batches sent to it over a pipe, one
    at a time, with its own database connection, and answers with what became of them.

    Python runs one thread at a time per process: in threads, parsing and writing batches
    shared a single core with receiving and acknowledging them, and the worker ran out of
    that core with the database's idle. Each ``_WriterProcess`` is driven by a
    ``_WriterThread`` of the worker, which waits on the pipe."""

    def __init__(self, name: str, worker: IngestWorker, stop: _Stop) -> None:
        context = multiprocessing.get_context("fork")
        self.connection, child = context.Pipe()
        # Nothing open is inherited: the child makes its own database connection.
        connections.close_all()
        self.process = context.Process(
            target=_writer_process_main,
            args=(child, self.connection, worker, stop),
            name=name,
            daemon=True,
        )
        self.process.start()
        child.close()

    def write(self, batch: list[_Received], stats: IngestStats, lock: threading.Lock) -> bool:
        """In the worker's thread for this process: send the batch, wait for its fate."""
        try:
            self.connection.send([(item.topic, item.payload) for item in batch])
            written, counted = self.connection.recv()
        except (EOFError, OSError):
            raise WriterProcessDied(
                f"The MQTT writer process {self.process.name} ended "
                f"(exit code {self.process.exitcode})"
            ) from None
        with lock:
            stats.add(counted)
        return bool(written)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.send(None)
        self.process.join(timeout=60)
        if self.process.is_alive():
            self.process.kill()
        self.connection.close()


def _writer_process_main(
    connection: Connection, parent_end: Connection, worker: IngestWorker, stop: _Stop
) -> None:
    """A writer process's life: batches in, fates out, until told to end or orphaned."""
    parent_end.close()
    # Ctrl+C and systemd's SIGTERM reach every process of the group: the worker's main
    # process decides when to stop, after what was received is written.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    parent = os.getppid()
    worker._lock = threading.Lock()  # a fresh one: another thread may have held it at fork
    try:
        while os.getppid() == parent:
            if not connection.poll(1.0):
                continue
            try:
                job = connection.recv()
            except EOFError:
                break
            if job is None:
                break
            worker.stats = IngestStats()  # what this batch adds, sent back with its fate
            items = [
                _Received(generation=0, mid=0, qos=0, topic=topic, payload=payload)
                for topic, payload in job
            ]
            written = worker._work(items, stop)
            connection.send((written, worker.stats))
    finally:
        connections.close_all()


@dataclass
class _Received:
    generation: int
    mid: int
    qos: int
    topic: str
    payload: bytes
    documents: list[Mapping[str, Any]] = field(default_factory=list)


def _default_writer(
    municipality: Municipality,
    documents: Sequence[Mapping[str, Any]],
    key: DeviceKey | None = None,
) -> list[EntityResult]:
    from ..services.ingest import WriteMode, entities_write

    with metrics.ingest_source("mqtt"):
        return entities_write(
            municipality=municipality, documents=documents, mode=WriteMode.UPSERT_MERGE, key=key
        )


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def payload_documents(payload: bytes) -> list[Mapping[str, Any]]:
    """The entities in a message: one JSON object or a JSON array of them."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise RefusedMessage(f"larger than {MAX_PAYLOAD_BYTES} bytes")
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RefusedMessage(f"not JSON ({error})") from None
    documents = data if isinstance(data, list) else [data]
    if not documents:
        raise RefusedMessage("an empty array")
    if len(documents) > MAX_ENTITIES_PER_MESSAGE:
        raise RefusedMessage(f"more than {MAX_ENTITIES_PER_MESSAGE} entities")
    if not all(isinstance(document, Mapping) for document in documents):
        raise RefusedMessage("not an NGSI-LD entity or an array of entities")
    return documents


def missing_observed_at(document: Mapping[str, Any]) -> list[str]:
    """The Properties of an entity that carry no ``observedAt`` (normalized or concise)."""
    missing = []
    for name, attribute in document.items():
        if name in NOT_ATTRIBUTES or name in GEO_ATTRIBUTES:
            continue
        if isinstance(attribute, Mapping):
            kind = attribute.get("type")
            if kind in ("Relationship", "GeoProperty") or kind in GEOJSON_TYPES:
                continue
            if kind is None and ("object" in attribute or "languageMap" in attribute):
                continue
            if attribute.get("observedAt"):
                continue
        missing.append(name)
    return missing


class IngestWorker:
    """One worker: ``run(stop)`` until ``stop`` is set, then a clean stop."""

    def __init__(
        self,
        *,
        address: BrokerAddress,
        batch_size: int = 500,
        batch_seconds: float = 0.2,
        writers: int = 2,
        processes: bool | None = None,
        writer: Writer | None = None,
        on_tick: Callable[[], None] | None = None,
    ) -> None:
        self.address = address
        self.batch_size = max(1, batch_size)
        self.batch_seconds = max(0.0, batch_seconds)
        self.writers = max(1, writers)
        # Writer processes wherever the system forks (the default), else threads.
        self.processes = can_fork() if processes is None else processes
        self._processes: list[_WriterProcess] = []
        self._process_stop = multiprocessing.Event()
        self.writer = writer or _default_writer
        # Called about once a second, between batches (the command rewrites broker files).
        self.on_tick = on_tick
        self.stats = IngestStats()
        self.subscribed = threading.Event()
        # Filled by paho's thread, emptied by the main loop, which looks every POLL_SECONDS:
        # a deque needs no lock, and no thread is woken for each message (at thousands of
        # messages a second, waking the main loop for each one cost more than the message).
        self._received: deque[_Received] = deque()
        self._generation = 0
        self._accepting = True
        self._lock = threading.Lock()
        self._cities: dict[str, Municipality] = {}
        self._cities_until = 0.0
        self.client = self._client()

    # --- the connection (paho's network thread) ---

    def _client(self) -> mqtt.Client:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.address.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        client.username_pw_set(self.address.username, self.address.password)
        if self.address.is_tls:
            client.tls_set()
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        return client

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason_code.is_failure:
            logger.error("The MQTT broker refused the ingest worker: %s", reason_code)
            return
        with self._lock:
            self._generation += 1
        logger.info(
            "Connected to the MQTT broker %s:%s (session %s)",
            self.address.host,
            self.address.port,
            "resumed" if flags.session_present else "new",
        )
        options = SubscribeOptions(qos=1, retainHandling=SubscribeOptions.RETAIN_SEND_IF_NEW_SUB)
        client.subscribe([(INGEST_SUBSCRIPTION, options), (DEVICE_SUBSCRIPTION, options)])

    def _on_subscribe(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reason_codes: list[ReasonCode],
        properties: Properties | None,
    ) -> None:
        if any(code.is_failure for code in reason_codes):
            logger.error("The MQTT broker refused the subscription: %s", reason_codes)
            return
        logger.info("Subscribed to %s and %s", INGEST_SUBSCRIPTION, DEVICE_SUBSCRIPTION)
        self.subscribed.set()

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self.subscribed.clear()
        if self._accepting:
            logger.warning("Disconnected from the MQTT broker (%s); reconnecting", reason_code)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        if not self._accepting:
            return  # not acknowledged: the broker sends it again next time
        self._received.append(
            _Received(
                generation=self._generation,
                mid=message.mid,
                qos=message.qos,
                topic=message.topic,
                payload=message.payload,
            )
        )

    # --- the main loop ---

    def run(self, stop: threading.Event) -> IngestStats:
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = SESSION_NEVER_EXPIRES
        # How many unacknowledged messages the broker may send at once: room for a full
        # batch being written while the next one arrives.
        properties.ReceiveMaximum = min(65535, self.batch_size * 2)
        self.client.connect_async(
            self.address.host,
            self.address.port,
            keepalive=30,
            clean_start=False,
            properties=properties,
        )
        writers = self._writers_start(stop)
        self.client.loop_start()
        finished = threading.Event()
        if self.processes:
            # The writer processes see the stop at once (one may be waiting for the database).
            process_stop = self._process_stop

            def stop_mirror() -> None:
                while not (stop.wait(0.5) or finished.is_set()):
                    pass
                process_stop.set()

            threading.Thread(target=stop_mirror, name="mqtt-stop", daemon=True).start()
        # Batches being written, oldest first: acknowledged in this order once written.
        in_flight: deque[tuple[Future[bool], list[_Received]]] = deque()
        turn = 0
        batch: list[_Received] = []
        deadline = 0.0
        tick_at = time.monotonic() + 1
        try:
            running = True
            while running and not stop.is_set():
                while self._received and len(batch) < self.batch_size:
                    if not batch:
                        deadline = time.monotonic() + self.batch_seconds
                    batch.append(self._received.popleft())
                if batch and (len(batch) >= self.batch_size or time.monotonic() >= deadline):
                    in_flight.append((self._submit(writers[turn % len(writers)], batch), batch))
                    turn += 1
                    batch = []
                # Wait for the oldest batch only when every writer is busy.
                running = self._settle(in_flight, block=len(in_flight) >= len(writers))
                if self.on_tick is not None and time.monotonic() >= tick_at:
                    tick_at = time.monotonic() + 1
                    self.on_tick()
                if len(self._received) < self.batch_size - len(batch):
                    stop.wait(POLL_SECONDS)  # else a full batch is waiting already
            # A clean stop: what was received is written and acknowledged first.
            self._accepting = False
            if running:
                running = self._settle(in_flight, block=True, everything=True)
            if running:
                while self._received:
                    batch.append(self._received.popleft())
                if batch:
                    in_flight.append((self._submit(writers[turn % len(writers)], batch), batch))
                    self._settle(in_flight, block=True, everything=True)
        finally:
            self._accepting = False
            finished.set()
            self._process_stop.set()
            for writer in writers:
                writer.close()
            for process in self._processes:
                process.close()
            self.client.disconnect()
            self.client.loop_stop()
            logger.info("MQTT ingest stopped: %s", self.stats)
        return self.stats

    def _writers_start(self, stop: threading.Event) -> list[_WriterThread]:
        """The writers: processes where the system can fork (Linux), each driven by a thread
        of this process; else threads that write themselves. Started before the connection
        to the broker: nothing else runs in this process yet when it forks."""
        if not self.processes:
            return [
                _WriterThread(f"mqtt-writer-{number}", lambda batch: self._work(batch, stop))
                for number in range(self.writers)
            ]
        self._processes = [
            _WriterProcess(f"mqtt-writer-{number}", self, self._process_stop)
            for number in range(self.writers)
        ]
        return [
            _WriterThread(
                f"mqtt-writer-{number}",
                functools.partial(process.write, stats=self.stats, lock=self._lock),
            )
            for number, process in enumerate(self._processes)
        ]

    def _submit(self, writer: _WriterThread, batch: list[_Received]) -> Future[bool]:
        with self._lock:
            self.stats.batches += 1
            self.stats.messages += len(batch)
        return writer.submit(batch)

    def _settle(
        self,
        in_flight: deque[tuple[Future[bool], list[_Received]]],
        *,
        block: bool,
        everything: bool = False,
    ) -> bool:
        """Acknowledge the written batches at the head of ``in_flight`` (waiting for the
        oldest when ``block``; for all of them when ``everything``). False when a batch was
        not written because the worker is stopping: it and those after it stay
        unacknowledged, for the broker to send again. A writer's error is raised here."""
        while in_flight and (block or in_flight[0][0].done()):
            future, batch = in_flight[0]
            if not future.result():
                for other, _batch in in_flight:
                    other.exception()  # wait for the others; their writes are harmless
                in_flight.clear()
                return False
            in_flight.popleft()
            for item in batch:
                self._ack(item)
            block = everything
        return True

    def _work(self, batch: list[_Received], stop: _Stop) -> bool:
        """In a writer (process or thread): write a batch; False when told to stop before
        the database came back (the batch stays unacknowledged, for the broker to send
        again)."""
        usable: list[_Received] = []
        for item in batch:
            try:
                item.documents = self._documents(item)
            except RefusedMessage as reason:
                self._refuse(item, str(reason))
                continue
            if item.documents:
                usable.append(item)
        return self._write_with_retries(usable, stop)

    def _write_with_retries(self, items: list[_Received], stop: _Stop) -> bool:
        attempt = 0
        while items:
            try:
                close_old_connections()
                self._write(items)
                return True
            except (OperationalError, InterfaceError):
                # The database is away: wait for it (the messages stay unacknowledged).
                delay = DATABASE_RETRY_SECONDS[min(attempt, len(DATABASE_RETRY_SECONDS) - 1)]
                logger.exception(
                    "Could not write %d MQTT messages; again in %ss", len(items), delay
                )
                attempt += 1
                if stop.wait(delay):
                    return False
            except Exception:
                # A conflict with a concurrent write passes on a second try; anything else
                # is narrowed down to the message that causes it, which is refused.
                attempt += 1
                if attempt < BATCH_ATTEMPTS:
                    logger.warning("A batch of MQTT messages failed; trying again", exc_info=True)
                    continue
                if len(items) == 1:
                    logger.exception("An MQTT message on %s could not be written", items[0].topic)
                    with self._lock:
                        self.stats.messages_refused += 1
                    return True
                return all(self._write_with_retries([item], stop) for item in items)
        return True

    def _documents(self, item: _Received) -> list[Mapping[str, Any]]:
        if item.documents:
            return item.documents
        if topic_city_slug(item.topic) is None:
            raise RefusedMessage("not an entities topic")
        documents = payload_documents(item.payload)
        kept = []
        for document in documents:
            missing = missing_observed_at(document)
            if missing:
                with self._lock:
                    self.stats.entities_refused += 1
                logger.warning(
                    "MQTT entity %s on %s refused: no observedAt on %s",
                    str(document.get("id"))[:120],
                    item.topic,
                    ", ".join(missing)[:200],
                )
                continue
            kept.append(document)
        return kept

    def _write(self, items: list[_Received]) -> None:
        from digiplace.core.selectors import municipality_list_active

        from ..models import DeviceKey

        # Grouped by city and, on device topics, by device: a device's entities are written
        # with its key, which may write only its own entity.
        by_city: dict[tuple[str, str], list[_Received]] = {}
        for item in items:
            source = (topic_city_slug(item.topic) or "", topic_username(item.topic) or "")
            by_city.setdefault(source, []).append(item)
        # Only active cities: an inactive one's messages are refused. Read again every
        # few seconds, not for each batch.
        if time.monotonic() >= self._cities_until:
            self._cities = {city.slug: city for city in municipality_list_active()}
            self._cities_until = time.monotonic() + CITIES_SECONDS
        cities = self._cities
        usernames = {username for _slug, username in by_city if username}
        keys = {
            key.username: key
            for key in DeviceKey._base_manager.filter(
                username__in=usernames, revoked_at__isnull=True
            ).select_related("entity")
        }
        unknown: list[_Received] = []
        no_key: list[_Received] = []
        written = refused = 0
        for (slug, username), group in by_city.items():
            city = cities.get(slug)
            if city is None:
                unknown += group
                continue
            key = keys.get(username) if username else None
            if username and (key is None or key.municipality_id != city.pk):
                no_key += group
                continue
            documents = [document for item in group for document in item.documents]
            for result in self.writer(city, documents, key):
                if result.error is None:
                    written += 1
                    continue
                refused += 1
                logger.warning(
                    "MQTT entity %s of %s refused: %s", result.entity_id[:120], slug, result.error
                )
        # Counted once the writes committed (a batch tried again is not counted twice).
        with self._lock:
            self.stats.entities_written += written
            self.stats.entities_refused += refused
        for item in unknown:
            self._refuse(item, "no such municipality")
        for item in no_key:
            self._refuse(item, "no active key of this city with this user name")

    def _refuse(self, item: _Received, reason: str, *, count: bool = True) -> None:
        if count:
            with self._lock:
                self.stats.messages_refused += 1
        logger.warning(
            "MQTT message on %s refused (%s): %r", item.topic[:120], reason, item.payload[:120]
        )

    def _ack(self, item: _Received) -> None:
        if item.qos == 0 or item.mid < 0:
            return
        # A message from an earlier connection is sent again by the broker on this one (and
        # written again, harmlessly): its old packet id means nothing now.
        if item.generation == self._generation:
            self.client.ack(item.mid, item.qos)
