"""Charging stations and parking of the city (urban data's ``EVChargingStation``,
``ParkingSpot`` and ``OffStreetParking`` entities) with their live status in words:
available, occupied, out of service, or not known."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from digiplace.urbandata.models import Entity

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from digiplace.core.models import Municipality

CHARGING = "EVChargingStation"
PARKING_SPOT = "ParkingSpot"
OFF_STREET = "OffStreetParking"
PLACE_TYPES = (CHARGING, PARKING_SPOT, OFF_STREET)

AVAILABLE = "available"
OCCUPIED = "occupied"
OUT_OF_SERVICE = "out_of_service"
UNKNOWN = "unknown"

STATUS_LABELS: dict[str, Promise] = {
    AVAILABLE: pgettext_lazy("place status", "available"),
    OCCUPIED: pgettext_lazy("place status", "occupied"),
    OUT_OF_SERVICE: pgettext_lazy("place status", "out of service"),
    UNKNOWN: pgettext_lazy("place status", "status not known"),
}
TYPE_LABELS: dict[str, Promise] = {
    CHARGING: _("Charging station"),
    PARKING_SPOT: _("Parking space"),
    OFF_STREET: _("Car park"),
}
_OUT = {"outOfService", "withIncidence", "closed", "broken"}


@dataclass(frozen=True)
class PlaceState:
    entity: Entity
    status: str
    # Free and total points or spaces, where the entity says.
    free: int | None
    total: int | None

    @property
    def status_label(self) -> Promise:
        return STATUS_LABELS[self.status]

    @property
    def type_label(self) -> Promise:
        return TYPE_LABELS.get(self.entity.type, _("Place"))


def _value(entity: Entity, name: str) -> Any:
    attribute = (entity.attributes or {}).get(name)
    if isinstance(attribute, dict):
        return attribute.get("value")
    return None


def _integer(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _statuses(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {str(item) for item in value}
    return set()


def place_state(entity: Entity) -> PlaceState:
    statuses = _statuses(_value(entity, "status"))
    if entity.type == CHARGING:
        free = _integer(_value(entity, "availableCapacity"))
        total = _integer(_value(entity, "capacity"))
    elif entity.type == OFF_STREET:
        free = _integer(_value(entity, "availableSpotNumber"))
        total = _integer(_value(entity, "totalSpotNumber"))
    else:
        free, total = None, None
    if statuses & _OUT:
        status = OUT_OF_SERVICE
    elif free is not None:
        status = AVAILABLE if free > 0 else OCCUPIED
    elif statuses & {"occupied", "full"}:
        status = OCCUPIED
    elif statuses & {"free", "empty", "almostEmpty", "almostFull", "working", "open"}:
        status = AVAILABLE
    else:
        status = UNKNOWN
    return PlaceState(entity=entity, status=status, free=free, total=total)


def place_entities(*, municipality: Municipality, kind: str = "") -> QuerySet[Entity]:
    types = (kind,) if kind in PLACE_TYPES else PLACE_TYPES
    return Entity.objects.filter(municipality=municipality, type__in=types).order_by(
        "type", "name", "entity_id"
    )


def place_states(*, municipality: Municipality, kind: str = "") -> list[PlaceState]:
    return [place_state(entity) for entity in place_entities(municipality=municipality, kind=kind)]


def place_counts(states: list[PlaceState]) -> dict[str, dict[str, int]]:
    """How many of each type are in each status."""
    counts: dict[str, dict[str, int]] = {}
    for state in states:
        by_status = counts.setdefault(state.entity.type, dict.fromkeys(STATUS_LABELS, 0))
        by_status[state.status] += 1
    return counts
