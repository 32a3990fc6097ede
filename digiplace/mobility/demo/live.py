"""The live simulator's mobility devices (registered with urban data's simulator by
``hooks``): each step, every demo bus of the city where the day's simulation
(``mobility.simulation``, seeded by the city and the day) puts it — driving its block along
the shapes with dwells, traffic, hold-ups and the odd breakdown, or parked at the depot —
and, now and then, a charger's free points and a car park's free spaces as the hour of the
day has them."""

from __future__ import annotations

import datetime
import math
import zlib
from typing import TYPE_CHECKING, Any

from digiplace.urbandata.models import Entity

from .. import simulation
from ..models import VehicleState
from .cities import NETWORKS, CityNetwork

if TYPE_CHECKING:
    from digiplace.urbandata.simulator import ProviderStep

# (city id, service day) → the simulated day, built at the day's first step.
_DAYS: dict[tuple[int, datetime.date], simulation.SimulatedDay] = {}
# A car park's or charger's value changes at a step with this chance.
CHANGE_CHANCE = 0.3
OUT_OF_SERVICE_CHANCE = 0.003
REPAIR_CHANCE = 0.2


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _value(entity: Entity, name: str) -> Any:
    attribute = (entity.attributes or {}).get(name)
    return attribute.get("value") if isinstance(attribute, dict) else attribute


def _observed(value: Any, observed: str, unit: str = "") -> dict[str, Any]:
    document: dict[str, Any] = {"type": "Property", "value": value, "observedAt": observed}
    if unit:
        document["unitCode"] = unit
    return document


def simulated_day(
    step: ProviderStep, day: datetime.date, labels: list[str]
) -> simulation.SimulatedDay:
    key = (step.municipality.pk, day)
    if key not in _DAYS:
        # Yesterday's and older days are no longer asked for.
        for old in [
            old for old in _DAYS if old[0] == key[0] and old[1] < day - datetime.timedelta(days=1)
        ]:
            del _DAYS[old]
        trips = simulation.trips_from_network(step.municipality, day, vehicle_labels=labels)
        seed = zlib.crc32(f"{step.municipality.slug}-{day.isoformat()}".encode())
        _DAYS[key] = simulation.simulate_day(trips, seed=seed)
    return _DAYS[key]


def vehicle_documents(step: ProviderStep, city: CityNetwork) -> list[dict[str, Any]]:
    states = list(
        VehicleState.objects.filter(municipality=step.municipality, is_demo=True, is_active=True)
        .select_related("entity")
        .order_by("label")
    )
    if not states:
        return []
    labels = [state.label for state in states]
    local = step.now.astimezone(step.zone)
    positions: dict[str, simulation.VehiclePosition] = {}
    # A trip after midnight belongs to the day before: ask yesterday's service day first.
    for day in (local.date() - datetime.timedelta(days=1), local.date()):
        moment = (step.now - simulation.day_start(day, step.zone)).total_seconds()
        for found in simulated_day(step, day, labels).positions_at(moment):
            positions[found.vehicle] = found
    observed = _iso(step.now)
    documents = []
    for number, state in enumerate(states, start=1):
        position = positions.get(state.label)
        if position is None:
            latitude = city.depot[0] + (number % 4) * 0.00006
            longitude = city.depot[1] + number * 0.00005
            speed, heading, status = 0.0, 0.0, "parked"
        else:
            latitude, longitude = position.latitude, position.longitude
            speed = round(position.speed * 3.6, 1)
            heading = round(position.bearing % 360, 1)
            status = "broken" if position.broken_down else "onRoute"
        document: dict[str, Any] = {
            "id": state.entity.entity_id,
            "type": "Vehicle",
            "location": {
                "type": "GeoProperty",
                "value": {
                    "type": "Point",
                    "coordinates": [round(longitude, 6), round(latitude, 6)],
                },
                "observedAt": observed,
            },
            "speed": _observed(speed, observed, "KMH"),
            "heading": _observed(heading, observed, "DD"),
            "serviceStatus": _observed(status, observed),
        }
        if position is not None:
            document["refTrip"] = _observed(position.trip_id, observed)
        documents.append(document)
    return documents


def _occupancy_target(hour: float) -> float:
    """How full the city's car parks are at this hour: nearly empty at night, about 85 %
    through the working day."""
    day = math.exp(-(((hour - 13.0) / 4.5) ** 2))
    return 0.15 + 0.7 * day


def place_documents(step: ProviderStep) -> list[dict[str, Any]]:
    """The car parks, kerbside spaces and chargers that changed at this step."""
    randomness = step.randomness
    observed = _iso(step.now)
    local = step.now.astimezone(step.zone)
    hour = local.hour + local.minute / 60
    documents: list[dict[str, Any]] = []
    for entity in Entity.objects.filter(
        municipality=step.municipality,
        is_demo=True,
        type__in=("OffStreetParking", "ParkingSpot", "EVChargingStation"),
        entity_id__contains=":" + step.municipality.slug + "-",
    ).order_by("entity_id"):
        if randomness.random() >= CHANGE_CHANCE:
            continue
        if entity.type == "OffStreetParking":
            total = int(_value(entity, "totalSpotNumber") or 0)
            if total <= 0:
                continue
            target = _occupancy_target(hour) + randomness.gauss(0, 0.05)
            occupied = min(total, max(0, round(total * target)))
            free = total - occupied
            status = (
                "full"
                if free == 0
                else "almostFull"
                if occupied / total > 0.9
                else "spotsAvailable"
            )
            documents.append(
                {
                    "id": entity.entity_id,
                    "type": entity.type,
                    "availableSpotNumber": _observed(free, observed),
                    "occupiedSpotNumber": _observed(occupied, observed),
                    "occupancy": _observed(round(occupied / total, 3), observed),
                    "status": _observed(status, observed),
                }
            )
        elif entity.type == "ParkingSpot":
            taken = randomness.random() < _occupancy_target(hour)
            documents.append(
                {
                    "id": entity.entity_id,
                    "type": entity.type,
                    "status": _observed("occupied" if taken else "free", observed),
                }
            )
        else:
            capacity = int(_value(entity, "capacity") or 0)
            available = int(_value(entity, "availableCapacity") or 0)
            status = _value(entity, "status")
            if status == "outOfService":
                if randomness.random() >= REPAIR_CHANCE:
                    continue
                status = "working"
            elif randomness.random() < OUT_OF_SERVICE_CHANCE:
                status = "outOfService"
            else:
                available = min(capacity, max(0, available + randomness.choice((-1, 1))))
                status = "full" if available == 0 else "working"
            documents.append(
                {
                    "id": entity.entity_id,
                    "type": entity.type,
                    "availableCapacity": _observed(available, observed),
                    "status": _observed(status, observed),
                }
            )
    return documents


def mobility_documents(step: ProviderStep) -> list[dict[str, Any]]:
    """The provider urban data's simulator calls each step, for each city."""
    city = NETWORKS.get(step.municipality.slug)
    if city is None:
        return []
    return [*vehicle_documents(step, city), *place_documents(step)]
