"""The live simulator behind ``manage.py urbandata_simulate``: each step it observes the
demo's devices of a city (values from ``simulation``) and sends them through the public
ingest paths, as real devices would: air quality and district heating over HTTP (an
NGSI-LD batch upsert with ``options=update``, ``Authorization: Bearer`` with a key it issues
itself, the city's host name in ``Host``), waste containers over MQTT (QoS 1 to
``digiplace/<city>/entities`` with the key's user name and secret) when a broker is given,
else over HTTP too. Other modules add their own demo devices by registering a provider
(``provider_register``: the mobility module's buses, chargers and car parks), whose
documents go over HTTP. Its keys are revoked when it stops."""

from __future__ import annotations

import datetime
import json
import logging
import random
import time
import urllib.error
import urllib.request
import zlib
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import simulation
from .demo import heating as heating_demo
from .models import Entity
from .services.keys import device_key_issue, device_key_revoke

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

    from .models import DeviceKey

logger = logging.getLogger(__name__)

UPSERT_PATH = "/ngsi-ld/v1/entityOperations/upsert?options=update"
HTTP_BATCH = 200
MQTT_BATCH = 25
HTTP_TIMEOUT = 30
KEY_NAME = "Simulator (manage.py urbandata_simulate)"
SIMULATED_TYPES = ("AirQualityObserved", "HeatSubstation", "WasteContainer")


@dataclass(frozen=True)
class ProviderStep:
    """What a provider is given each step: the city, this step's moment and the previous
    one's (None at the first), the city's time zone and the simulator's random stream."""

    municipality: Municipality
    now: datetime.datetime
    previous: datetime.datetime | None
    zone: datetime.tzinfo
    randomness: random.Random


# Other modules' demo devices (urban data imports no module): each returns this step's
# NGSI-LD documents (normalized, with observedAt), sent over HTTP with the others.
DocumentProvider = Callable[[ProviderStep], list[dict[str, Any]]]
PROVIDERS: dict[str, DocumentProvider] = {}


def provider_register(name: str, provider: DocumentProvider) -> None:
    """Add (or replace, registering again under the same name) a module's provider."""
    PROVIDERS[name] = provider


class SimulatorError(Exception):
    """The simulator cannot go on (no city, the API refused a batch, no broker)."""


def iso(moment: datetime.datetime) -> str:
    text = moment.astimezone(datetime.UTC).isoformat(timespec="seconds")
    return text.replace("+00:00", "Z")


def entity_number(entity_id: str) -> int:
    """The number a demo id ends with (``…-pt-05`` → 5), else a stable number from the id."""
    tail = entity_id.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else zlib.crc32(entity_id.encode()) % 1000 + 1


def _attribute_value(entity: Entity, name: str) -> Any:
    attribute = (entity.attributes or {}).get(name)
    return attribute.get("value") if isinstance(attribute, dict) else attribute


def _property(value: Any, moment: str, unit: str = "") -> dict[str, Any]:
    document: dict[str, Any] = {"type": "Property", "value": value, "observedAt": moment}
    if unit:
        document["unitCode"] = unit
    return document


def heating_document(
    entity: Entity, *, moment: datetime.datetime, outdoor: float, randomness: random.Random
) -> dict[str, Any]:
    values = simulation.heating_values(
        profile=heating_demo.profile(entity_number(entity.entity_id)),
        outdoor=outdoor,
        randomness=randomness,
    )
    observed = iso(moment)
    return {
        "id": entity.entity_id,
        "type": entity.type,
        **{name: _property(value, observed) for name, value in values.items()},
    }


def air_document(
    entity: Entity,
    *,
    moment: datetime.datetime,
    zone: datetime.tzinfo,
    randomness: random.Random,
) -> dict[str, Any]:
    from .demo.air import station_values

    values = station_values(
        number=entity_number(entity.entity_id), moment=moment, zone=zone, randomness=randomness
    )
    observed = iso(moment)
    return {
        "id": entity.entity_id,
        "type": entity.type,
        **{name: _property(value, observed, "GQ") for name, value in values.items()},
    }


def waste_state(entity: Entity, *, outdoor: float) -> simulation.WasteState:
    """A container's state as it last reported it."""
    fill = _attribute_value(entity, "fillingLevel")
    status = _attribute_value(entity, "status")
    temperature = _attribute_value(entity, "temperature")
    emptied = _attribute_value(entity, "dateLastEmptying")
    if isinstance(emptied, dict):
        emptied = emptied.get("@value")
    return simulation.WasteState(
        filling_level=float(fill) if isinstance(fill, int | float) else 0.1,
        status=status if status in simulation_statuses() else "ok",
        temperature=float(temperature) if isinstance(temperature, int | float) else outdoor,
        last_emptied=parse_datetime(emptied) if isinstance(emptied, str) else None,
    )


def simulation_statuses() -> tuple[str, ...]:
    from .types import WASTE_CONTAINER_STATUSES

    return WASTE_CONTAINER_STATUSES


def waste_document(
    entity: Entity,
    *,
    start: datetime.datetime,
    moment: datetime.datetime,
    zone: datetime.tzinfo,
    outdoor: float,
    randomness: random.Random,
) -> dict[str, Any]:
    before = waste_state(entity, outdoor=outdoor)
    kind = _attribute_value(entity, "storedWasteKind")
    after = simulation.waste_step(
        before,
        kind=kind if isinstance(kind, str) else "other",
        start=start,
        end=moment,
        zone=zone,
        outdoor=outdoor,
        randomness=randomness,
    )
    observed = iso(moment)
    document: dict[str, Any] = {
        "id": entity.entity_id,
        "type": entity.type,
        "fillingLevel": _property(after.filling_level, observed),
        "temperature": _property(after.temperature, observed, "CEL"),
        "status": _property(after.status, observed),
    }
    if after.last_emptied is not None and after.last_emptied != before.last_emptied:
        emptied = iso(after.last_emptied)
        # With its observedAt, like every Property sent over MQTT: the ingest worker refuses
        # an entity without (a redelivery of it could not be recognised).
        document["dateLastEmptying"] = {
            "type": "Property",
            "value": {"@type": "DateTime", "@value": emptied},
            "observedAt": emptied,
        }
    return document


@dataclass
class StepReport:
    city: str
    http: int = 0
    mqtt: int = 0
    by_type: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        types = ", ".join(f"{count} {name}" for name, count in sorted(self.by_type.items()))
        return f"{self.city}: {types or 'no demo devices'} (HTTP {self.http}, MQTT {self.mqtt})"


class CitySimulator:
    """One city's demo devices, its key, and how it sends."""

    def __init__(
        self,
        *,
        municipality: Municipality,
        http_url: str,
        mqtt_url: str = "",
        seed: int | None = None,
    ) -> None:
        self.municipality = municipality
        self.http_url = http_url.rstrip("/")
        self.mqtt_url = mqtt_url
        self.host = municipality.primary_host
        if not self.host:
            raise SimulatorError(f"{municipality.slug} has no host name to send to.")
        try:
            self.zone: datetime.tzinfo = zoneinfo.ZoneInfo(municipality.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.zone = datetime.UTC
        self.randomness = random.Random(seed)  # noqa: S311 - simulated values, not secrets
        self.key: DeviceKey | None = None
        self.secret = ""
        self.last_step: datetime.datetime | None = None

    # Keys

    def start(self) -> None:
        self.key, self.secret = device_key_issue(municipality=self.municipality, name=KEY_NAME)
        if self.mqtt_url:
            from .mqtt.files import broker_files_write

            broker_files_write()

    def stop(self) -> None:
        if self.key is not None and self.key.revoked_at is None:
            device_key_revoke(key=self.key)

    # One step

    def documents(
        self, now: datetime.datetime
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """This step's observations: (air quality, heating and the registered providers'
        devices, waste containers)."""
        entities = Entity.objects.filter(
            municipality=self.municipality, is_demo=True, type__in=SIMULATED_TYPES
        ).order_by("type", "entity_id")
        outdoor = simulation.outdoor_temperature(now, self.zone, self.randomness)
        http_documents: list[dict[str, Any]] = []
        waste_documents: list[dict[str, Any]] = []
        for entity in entities:
            if entity.type == "HeatSubstation":
                http_documents.append(
                    heating_document(
                        entity, moment=now, outdoor=outdoor, randomness=self.randomness
                    )
                )
            elif entity.type == "AirQualityObserved":
                http_documents.append(
                    air_document(entity, moment=now, zone=self.zone, randomness=self.randomness)
                )
            else:
                start = self.last_step or entity.last_observed_at or now
                waste_documents.append(
                    waste_document(
                        entity,
                        start=min(start, now),
                        moment=now,
                        zone=self.zone,
                        outdoor=outdoor,
                        randomness=self.randomness,
                    )
                )
        step = ProviderStep(
            municipality=self.municipality,
            now=now,
            previous=self.last_step,
            zone=self.zone,
            randomness=self.randomness,
        )
        for _name, provider in sorted(PROVIDERS.items()):
            http_documents += provider(step)
        return http_documents, waste_documents

    def step(self, now: datetime.datetime | None = None) -> StepReport:
        now = (now or timezone.now()).replace(microsecond=0)
        http_documents, waste_documents = self.documents(now)
        report = StepReport(city=self.municipality.slug)
        for document in (*http_documents, *waste_documents):
            report.by_type[document["type"]] = report.by_type.get(document["type"], 0) + 1
        if self.mqtt_url and waste_documents:
            self.mqtt_send(waste_documents)
            report.mqtt = len(waste_documents)
        else:
            http_documents += waste_documents
        self.http_send(http_documents)
        report.http = len(http_documents)
        self.last_step = now
        return report

    # Sending

    def http_send(self, documents: Sequence[dict[str, Any]]) -> None:
        for first in range(0, len(documents), HTTP_BATCH):
            batch = documents[first : first + HTTP_BATCH]
            request = urllib.request.Request(  # noqa: S310 - the URL is the operator's
                self.http_url + UPSERT_PATH,
                data=json.dumps(batch).encode(),
                method="POST",
                headers={
                    "Host": self.host,
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {self.secret}",
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:  # noqa: S310
                    status = response.status
                    body = response.read()
            except urllib.error.HTTPError as error:
                raise SimulatorError(
                    f"{self.municipality.slug}: the API answered {error.code}: "
                    f"{error.read()[:500].decode(errors='replace')}"
                ) from error
            except OSError as error:
                raise SimulatorError(f"{self.http_url} cannot be reached: {error}") from error
            if status == 207:
                raise SimulatorError(
                    f"{self.municipality.slug}: some entities were refused: "
                    f"{body[:500].decode(errors='replace')}"
                )

    def mqtt_send(self, documents: Sequence[dict[str, Any]]) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        assert self.key is not None
        parsed = urlparse(self.mqtt_url)
        host = parsed.hostname or "127.0.0.1"
        port = parsed.port or (8883 if parsed.scheme == "mqtts" else 1883)
        client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        client.username_pw_set(self.key.username, self.secret)
        if parsed.scheme == "mqtts":
            client.tls_set()
        connected: list[Any] = []
        client.on_connect = lambda _c, _u, _f, code, _p: connected.append(code)
        topic = f"digiplace/{self.municipality.slug}/entities"
        # The broker learns a new key at its next reload: try for a while.
        deadline = time.monotonic() + 15
        while True:
            connected.clear()
            try:
                client.connect(host, port)
            except OSError as error:
                raise SimulatorError(
                    f"The MQTT broker {host}:{port} cannot be reached: {error}"
                ) from error
            client.loop_start()
            wait_until = time.monotonic() + 5
            while not connected and time.monotonic() < wait_until:
                time.sleep(0.05)
            if connected and not connected[0].is_failure:
                break
            client.loop_stop()
            client.disconnect()
            if time.monotonic() > deadline:
                raise SimulatorError(f"The MQTT broker refused the simulator's key: {connected}")
            time.sleep(0.5)
        try:
            sent = [
                client.publish(
                    topic, json.dumps(list(documents[first : first + MQTT_BATCH])), qos=1
                )
                for first in range(0, len(documents), MQTT_BATCH)
            ]
            for info in sent:
                info.wait_for_publish(timeout=15)
                if not info.is_published():
                    raise SimulatorError("The MQTT broker did not acknowledge a message.")
        finally:
            client.disconnect()
            client.loop_stop()
