"""A demo city's fleet and the devices around it, as urban-data entities written through its
one write path: the electric buses (``Vehicle``, parked at the depot until the simulator
drives them, each with its ``VehicleState``), their ticket validators, the charging stations
(``EVChargingStation``), the car parks (``OffStreetParking``) and a few kerbside spaces with
a sensor (``ParkingSpot``). What exists already is left as it is."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from digiplace.urbandata.demo._entities import demo_department, demo_entities_write
from digiplace.urbandata.models import Entity

from ..models import Validator, VehicleState
from .cities import CityNetwork, PlaceSpec

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

DEPARTMENTS = {
    "botosani": {"ro": "Serviciul Transport Public", "en": "Public Transport Service"},
    "timisoara": {"ro": "Direcția Mobilitate Urbană", "en": "Urban Mobility Directorate"},
}
VEHICLE_ID = "urn:ngsi-ld:Vehicle:{city}-bus-{number:02d}"
CHARGER_ID = "urn:ngsi-ld:EVChargingStation:{city}-{code}"
CAR_PARK_ID = "urn:ngsi-ld:OffStreetParking:{city}-{code}"
SPOT_ID = "urn:ngsi-ld:ParkingSpot:{city}-{code}"


def fleet_size(city: CityNetwork) -> int:
    return sum(line.weekday_buses for line in city.lines)


def vehicle_label(city: CityNetwork, number: int) -> str:
    return f"{city.fleet_prefix}{number:02d}"


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _property(value: Any, observed: str | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {"type": "Property", "value": value}
    if observed is not None:
        document["observedAt"] = observed
    return document


def _location(position: tuple[float, float]) -> dict[str, Any]:
    latitude, longitude = position
    return {
        "type": "GeoProperty",
        "value": {"type": "Point", "coordinates": [round(longitude, 6), round(latitude, 6)]},
    }


def vehicle_documents(city: CityNetwork, slug: str, observed: str) -> list[dict[str, Any]]:
    documents = []
    for number in range(1, fleet_size(city) + 1):
        label = vehicle_label(city, number)
        # Parked side by side at the depot.
        position = (city.depot[0] + (number % 4) * 0.00006, city.depot[1] + number * 0.00005)
        documents.append(
            {
                "id": VEHICLE_ID.format(city=slug, number=number),
                "type": "Vehicle",
                "name": _property(f"{label} ({city.vehicle_model})"),
                "location": _location(position),
                "vehicleType": _property("bus"),
                "fleetVehicleId": _property(label),
                "serviceStatus": _property("parked", observed),
                "speed": {**_property(0.0, observed), "unitCode": "KMH"},
                "heading": {**_property(0.0, observed), "unitCode": "DD"},
            }
        )
    return documents


def charger_document(place: PlaceSpec, slug: str, observed: str) -> dict[str, Any]:
    return {
        "id": CHARGER_ID.format(city=slug, code=place.code),
        "type": "EVChargingStation",
        "name": _property(place.name),
        "location": _location(place.position),
        "capacity": _property(place.capacity),
        "availableCapacity": _property(place.capacity, observed),
        "status": _property("working", observed),
        "socketType": _property(["Type2", "CCS2"]),
    }


def car_park_document(place: PlaceSpec, slug: str, observed: str) -> dict[str, Any]:
    occupied = round(place.capacity * 0.55)
    return {
        "id": CAR_PARK_ID.format(city=slug, code=place.code),
        "type": "OffStreetParking",
        "name": _property(place.name),
        "location": _location(place.position),
        "totalSpotNumber": _property(place.capacity),
        "availableSpotNumber": _property(place.capacity - occupied, observed),
        "occupiedSpotNumber": _property(occupied, observed),
        "occupancy": _property(round(occupied / place.capacity, 3), observed),
        "status": _property("spotsAvailable", observed),
        "category": _property(["public", "feeCharged"]),
        "allowedVehicleType": _property(["car"]),
    }


def spot_document(place: PlaceSpec, slug: str, observed: str, number: int) -> dict[str, Any]:
    return {
        "id": SPOT_ID.format(city=slug, code=place.code),
        "type": "ParkingSpot",
        "name": _property(place.name),
        "location": _location(place.position),
        "status": _property("occupied" if number % 3 else "free", observed),
        "category": _property(["onStreet", "feeCharged"]),
    }


def devices_load(
    *, municipality: Municipality, city: CityNetwork, now: datetime.datetime
) -> list[str]:
    """Buses, validators, chargers and parking the city does not have yet."""
    slug = municipality.slug
    observed = _iso(now)
    documents = [
        *vehicle_documents(city, slug, observed),
        *(charger_document(place, slug, observed) for place in city.chargers),
        *(car_park_document(place, slug, observed) for place in city.car_parks),
        *(
            spot_document(place, slug, observed, number)
            for number, place in enumerate(city.parking_spots, start=1)
        ),
    ]
    existing = set(
        Entity.objects.filter(
            municipality=municipality, entity_id__in=[document["id"] for document in documents]
        ).values_list("entity_id", flat=True)
    )
    missing = [document for document in documents if document["id"] not in existing]
    if missing:
        demo_entities_write(
            municipality=municipality,
            documents=missing,
            department=demo_department(municipality, DEPARTMENTS[slug]),
            moment=now,
            what="mobility devices",
        )
    vehicles = {
        entity.entity_id: entity
        for entity in Entity.objects.filter(municipality=municipality, type="Vehicle")
    }
    states = []
    for number in range(1, fleet_size(city) + 1):
        entity = vehicles[VEHICLE_ID.format(city=slug, number=number)]
        # By its entity: staff may have given a demo bus another fleet number since.
        state, _created = VehicleState.objects.get_or_create(
            municipality=municipality,
            entity=entity,
            defaults={
                "label": vehicle_label(city, number),
                "is_demo": True,
                "latitude": entity.latitude,
                "longitude": entity.longitude,
            },
        )
        states.append(state)
    validators_new = 0
    for number in range(1, city.validators + 1):
        vehicle = states[(number - 1) % len(states)]
        _validator, created = Validator.objects.get_or_create(
            municipality=municipality,
            code=f"val-{number:02d}",
            defaults={
                "name": f"Validator {number:02d} ({vehicle.label})",
                "vehicle": vehicle,
                "is_demo": True,
            },
        )
        validators_new += int(created)
    if not missing and not validators_new:
        return []
    return [
        f"{slug}: {len(missing)} new demo mobility entities ({len(states)} buses, "
        f"{len(city.chargers)} chargers, {len(city.car_parks)} car parks, "
        f"{len(city.parking_spots)} parking spaces), {validators_new} new validators"
    ]
