"""Demo waste containers: 40 of Botoșani's sensor-connected bins (its plan counts 81
authorised points for outdoor waste containers, seeds/000 §6) at 12 of those points, one
container per kind of waste collected there (residual, plastic, paper; glass at a few),
marked as demo data, owned by the sanitation service, each with its fill level,
temperature and status as the live simulator continues them (``simulation.waste_step``).

Written through the one write path (``services.ingest.entities_write``). Running it again
changes nothing.
"""

from __future__ import annotations

import datetime
import math
import random
import zoneinfo
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from digiplace.core.cache_versions import cache_version_bump
from digiplace.core.models import Department

from .. import simulation
from ..models import Entity
from ._entities import demo_department, demo_entities_write

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

TYPE = "WasteContainer"
POINT_COUNT = 12
GLASS_EVERY = 3
ENTITY_ID = "urn:ngsi-ld:WasteContainer:botosani-p{point:02d}-{kind}"
DEPARTMENT = {"ro": "Serviciul Salubrizare", "en": "Sanitation Service"}
KINDS = ("other", "plastic", "paper")
KIND_NAMES = {
    "other": "menajer",
    "plastic": "plastic și metal",
    "paper": "hârtie și carton",
    "glass": "sticlă",
}
STREETS = [
    "Piața Revoluției",
    "Calea Națională",
    "Bd. Mihai Eminescu",
    "Str. Primăverii",
    "Str. Bucovina",
    "Str. Octav Onicescu",
    "Str. Pacea",
    "Str. Cișmea",
    "Str. Sucevei",
    "Str. Grivița",
    "Str. Săvenilor",
    "Str. Împărăteasa Elisabeta",
]


def point_kinds(point: int) -> tuple[str, ...]:
    return (*KINDS, "glass") if point % GLASS_EVERY == 0 else KINDS


def positions(municipality: Municipality) -> list[tuple[float, float]]:
    """The collection points on a spiral around the centre, inside the city's bounds."""
    points: list[tuple[float, float]] = []
    for index in range(POINT_COUNT):
        angle = 1.1 + index * 2.39996
        radius = 0.003 + 0.016 * math.sqrt((index + 1) / POINT_COUNT)
        latitude = municipality.centre_latitude + radius * math.sin(angle)
        longitude = municipality.centre_longitude + 1.45 * radius * math.cos(angle)
        latitude = min(max(latitude, municipality.bounds_south), municipality.bounds_north)
        longitude = min(max(longitude, municipality.bounds_west), municipality.bounds_east)
        points.append((round(latitude, 6), round(longitude, 6)))
    return points


def container_document(
    *,
    point: int,
    kind: str,
    position: tuple[float, float],
    state: simulation.WasteState,
    moment: str,
) -> dict[str, Any]:
    latitude, longitude = position
    street = STREETS[(point - 1) % len(STREETS)]
    # Containers of one point stand a few metres apart.
    offset = KINDS.index(kind) if kind in KINDS else len(KINDS)
    return {
        "id": ENTITY_ID.format(point=point, kind=kind),
        "type": TYPE,
        "name": {"type": "Property", "value": f"P{point:02d} {street} · {KIND_NAMES[kind]}"},
        "location": {
            "type": "GeoProperty",
            "value": {
                "type": "Point",
                "coordinates": [round(longitude + offset * 0.00004, 6), latitude],
            },
        },
        "storedWasteKind": {"type": "Property", "value": kind},
        "fillingLevel": {"type": "Property", "value": state.filling_level, "observedAt": moment},
        "temperature": {
            "type": "Property",
            "value": state.temperature,
            "unitCode": "CEL",
            "observedAt": moment,
        },
        "status": {"type": "Property", "value": state.status, "observedAt": moment},
    }


def _department(municipality: Municipality) -> Department:
    return demo_department(municipality, DEPARTMENT)


def botosani_containers_load(
    *, municipality: Municipality, now: datetime.datetime | None = None
) -> list[str]:
    moment = (now or timezone.now()).astimezone(datetime.UTC).replace(microsecond=0)
    wanted = sum(len(point_kinds(point)) for point in range(1, POINT_COUNT + 1))
    existing = Entity.objects.filter(municipality=municipality, type=TYPE, is_demo=True).count()
    if existing >= wanted:
        return [f"{municipality.slug}: {existing} demo waste containers already there"]
    try:
        zone: datetime.tzinfo = zoneinfo.ZoneInfo(municipality.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = datetime.UTC
    outdoor = simulation.outdoor_temperature(moment, zone)
    places = positions(municipality)
    moment_text = moment.isoformat().replace("+00:00", "Z")
    documents = []
    for point in range(1, POINT_COUNT + 1):
        for kind in point_kinds(point):
            randomness = random.Random(f"{point}-{kind}")  # noqa: S311 - demo values
            documents.append(
                container_document(
                    point=point,
                    kind=kind,
                    position=places[point - 1],
                    state=simulation.waste_initial(
                        kind=kind, randomness=randomness, outdoor=outdoor
                    ),
                    moment=moment_text,
                )
            )
    department = _department(municipality)
    with transaction.atomic():
        demo_entities_write(
            municipality=municipality,
            documents=documents,
            department=department,
            moment=moment,
            what="waste containers",
        )
        cache_version_bump(municipality.pk, "urbandata")
    return [f"{municipality.slug}: {len(documents)} demo waste containers at {POINT_COUNT} points"]


def demo_load(*, botosani: Municipality | None, timisoara: Municipality | None) -> list[str]:
    """Botoșani's smart bins (Timișoara's demo has none)."""
    if botosani is None:
        return []
    return botosani_containers_load(municipality=botosani)
