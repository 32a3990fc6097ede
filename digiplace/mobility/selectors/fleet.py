"""The city's fleet as staff manage it: each registered vehicle with what its urban-data
entity says of it (type, plate) and what the tracking made of it (last position, trip)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from digiplace.urbandata.models import Entity

from ..models import Route, Trip, VehicleState

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

ENTITY_TYPE = "Vehicle"


def attribute_text(attributes: Mapping[str, Any] | None, name: str) -> str:
    """A text attribute's value as the entity carries it ("" when absent or not text)."""
    attribute = (attributes or {}).get(name)
    value = attribute.get("value") if isinstance(attribute, dict) else attribute
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class FleetRow:
    vehicle: VehicleState
    entity_id: str
    vehicle_type: str
    plate: str
    observed_at: datetime.datetime | None
    trip: Trip | None
    route: Route | None

    @property
    def label(self) -> str:
        return self.vehicle.label


def fleet_list(*, municipality: Municipality) -> list[FleetRow]:
    """Every vehicle of the city's fleet, active or not, by fleet number."""
    vehicles = (
        VehicleState.objects.for_municipality(municipality)
        .select_related("entity", "trip__route")
        .order_by("label")
    )
    return [
        FleetRow(
            vehicle=vehicle,
            entity_id=vehicle.entity.entity_id,
            vehicle_type=attribute_text(vehicle.entity.attributes, "vehicleType"),
            plate=attribute_text(vehicle.entity.attributes, "vehiclePlateIdentifier"),
            observed_at=vehicle.observed_at,
            trip=vehicle.trip if vehicle.is_active else None,
            route=vehicle.trip.route if vehicle.trip is not None and vehicle.is_active else None,
        )
        for vehicle in vehicles
    ]


def fleet_vehicle_get(*, municipality: Municipality, pk: int) -> VehicleState | None:
    return (
        VehicleState.objects.for_municipality(municipality)
        .select_related("entity")
        .filter(pk=pk)
        .first()
    )


def unregistered_vehicles(*, municipality: Municipality) -> QuerySet[Entity]:
    """The city's ``Vehicle`` entities that are in no fleet record (devices registered in
    urban data first, which staff may then take into the fleet)."""
    registered = VehicleState.objects.filter(municipality=municipality).values("entity_id")
    return (
        Entity.objects.filter(municipality=municipality, type=ENTITY_TYPE)
        .exclude(pk__in=registered)
        .order_by("entity_id")
    )
