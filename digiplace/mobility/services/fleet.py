"""Staff's changes to the fleet: registering a vehicle, changing its fleet number, type or
plate, taking it out of the fleet and back; each one in one transaction and audited.

A fleet vehicle is a ``VehicleState`` bound to an urban-data ``Vehicle`` entity. What a
device could also say of itself (its type, fleet number and plate) goes onto the entity
through urban data's one write path, so the entity's history and change notifications stay
whole; the fleet record is this module's. Only an active fleet vehicle's positions are
accepted (``tracking.position_check``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from digiplace.core.audit import audit_record, audited_change
from digiplace.core.models import AuditAction
from digiplace.urbandata.models import Entity
from digiplace.urbandata.services.ingest import (
    EntityResult,
    WriteMode,
    entities_write,
    entity_attribute_delete,
)
from digiplace.urbandata.services.keys import device_key_issue

from ..models import VehicleState
from ..selectors.fleet import ENTITY_TYPE, attribute_text

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from digiplace.core.models import Municipality, User
    from digiplace.urbandata.models import DeviceKey

# Smart Data Models' ``Vehicle.vehicleType`` values a city's public transport uses. The
# model's list has no trolleybus of its own: its ``trolley`` is the nearest term.
VEHICLE_TYPES: list[tuple[str, _StrPromise]] = [
    ("bus", gettext_lazy("bus")),
    ("minibus", gettext_lazy("minibus")),
    ("trolley", gettext_lazy("trolleybus")),
    ("tram", gettext_lazy("tram")),
]
MAX_LABEL_LENGTH = 32
MAX_PLATE_LENGTH = 32
# Fleet numbers go into the replay's address and the default entity id: no spaces or slashes.
LABEL_PATTERN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
PLATE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]*$")


@dataclass(frozen=True)
class Registered:
    vehicle: VehicleState
    # The new device key's secret when one was asked for: shown once, never stored.
    key: DeviceKey | None = None
    secret: str | None = None


def default_entity_id(*, municipality: Municipality, label: str) -> str:
    """``urn:ngsi-ld:Vehicle:<city slug>-<fleet number>``."""
    return f"urn:ngsi-ld:{ENTITY_TYPE}:{municipality.slug}-{label}"


def fleet_snapshot(vehicle: VehicleState) -> dict[str, Any]:
    """What staff set on a fleet vehicle (not the tracking's state, which changes every few
    seconds): its fleet number, entity, type, plate and whether it is in the fleet."""
    entity = Entity.objects.get(pk=vehicle.entity_id)
    return {
        "label": vehicle.label,
        "entity": entity.entity_id,
        "vehicle_type": attribute_text(entity.attributes, "vehicleType"),
        "plate": attribute_text(entity.attributes, "vehiclePlateIdentifier"),
        "is_active": vehicle.is_active,
    }


def _clean(
    *,
    municipality: Municipality,
    label: str,
    vehicle_type: str,
    plate: str,
    exclude: int | None = None,
) -> tuple[str, str, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    label = (label or "").strip()
    plate = " ".join((plate or "").split()).upper()
    if not label:
        errors["label"] = [_("Give the vehicle's fleet number.")]
    elif len(label) > MAX_LABEL_LENGTH or not LABEL_PATTERN.match(label):
        errors["label"] = [
            _(
                "Use letters, digits, dots, hyphens and underscores, at most %(limit)d "
                "characters (for example BT-E07)."
            )
            % {"limit": MAX_LABEL_LENGTH}
        ]
    else:
        taken = VehicleState.objects.for_municipality(municipality).filter(label=label)
        if exclude is not None:
            taken = taken.exclude(pk=exclude)
        if taken.exists():
            errors["label"] = [
                _("The fleet already has a vehicle numbered %(label)s.") % {"label": label}
            ]
    if vehicle_type not in {value for value, _label in VEHICLE_TYPES}:
        errors["vehicle_type"] = [_("Choose one of the listed vehicle types.")]
    if plate and (len(plate) > MAX_PLATE_LENGTH or not PLATE_PATTERN.match(plate)):
        errors["plate"] = [
            _("Write the plate with letters, digits, spaces and hyphens (for example BT 12 ABC).")
        ]
    return label, plate, errors


def _written(results: list[EntityResult], field: str) -> None:
    error = results[0].error
    if error is not None:
        raise ValidationError({field: [error.detail]})


def _label_saved(vehicle: VehicleState, fields: list[str]) -> None:
    """Save, turning a fleet number taken meanwhile (two staff at once) into the same
    refusal as the check's."""
    try:
        with transaction.atomic():
            if fields:
                vehicle.save(update_fields=fields)
            else:
                vehicle.save()
    except IntegrityError as error:
        raise ValidationError(
            {
                "label": [
                    _("The fleet already has a vehicle numbered %(label)s.")
                    % {"label": vehicle.label}
                ]
            }
        ) from error


def fleet_vehicle_register(
    *,
    municipality: Municipality,
    actor: User | None,
    label: str,
    vehicle_type: str,
    plate: str = "",
    entity_id: str = "",
    entity: Entity | None = None,
    issue_key: bool = False,
) -> Registered:
    """Take a vehicle into the city's fleet: a new ``Vehicle`` entity (``entity_id``, by
    default made from the city and the fleet number) or one of the city's vehicles already
    in urban data (``entity``) gets its type, fleet number and plate, and a fleet record;
    with ``issue_key`` a device key bound to the entity too. Refuses a taken fleet number,
    an entity in use or of another city, writing nothing."""
    label, plate, errors = _clean(
        municipality=municipality, label=label, vehicle_type=vehicle_type, plate=plate
    )
    if entity is not None:
        if (
            entity.municipality_id != municipality.pk
            or entity.type != ENTITY_TYPE
            or VehicleState.objects.filter(entity=entity).exists()
        ):
            errors["entity"] = [_("Choose one of the city's vehicles not yet in the fleet.")]
    elif not errors.get("label"):
        entity_id = (entity_id or "").strip() or default_entity_id(
            municipality=municipality, label=label
        )
        if Entity.objects.filter(municipality=municipality, entity_id=entity_id).exists():
            errors["entity_id"] = [
                _(
                    "Urban data already has an entity %(id)s. If it is this vehicle, choose "
                    "it among the existing vehicles instead."
                )
                % {"id": entity_id}
            ]
    if errors:
        raise ValidationError(errors)
    attributes: dict[str, Any] = {
        "vehicleType": {"type": "Property", "value": vehicle_type},
        "fleetVehicleId": {"type": "Property", "value": label},
    }
    if plate:
        attributes["vehiclePlateIdentifier"] = {"type": "Property", "value": plate}
    with transaction.atomic():
        if entity is None:
            document = {
                "id": entity_id,
                "type": ENTITY_TYPE,
                "name": {"type": "Property", "value": label},
                **attributes,
            }
            _written(
                entities_write(
                    municipality=municipality,
                    documents=[document],
                    mode=WriteMode.CREATE,
                    key=None,
                ),
                "entity_id",
            )
        else:
            _written(
                entities_write(
                    municipality=municipality,
                    documents=[{"id": entity.entity_id, "type": ENTITY_TYPE, **attributes}],
                    mode=WriteMode.APPEND,
                    key=None,
                ),
                "entity",
            )
            entity_id = entity.entity_id
        written = Entity.objects.get(municipality=municipality, entity_id=entity_id)
        vehicle = VehicleState(
            municipality=municipality,
            entity=written,
            label=label,
            latitude=written.latitude,
            longitude=written.longitude,
        )
        _label_saved(vehicle, [])
        audit_record(
            actor=actor,
            municipality=municipality,
            action=AuditAction.CREATE,
            instance=vehicle,
            after=fleet_snapshot(vehicle),
        )
        key = secret = None
        if issue_key:
            key, secret = device_key_issue(
                municipality=municipality,
                name=_("Vehicle %(label)s") % {"label": label},
                entity=written,
                actor=actor,
            )
    return Registered(vehicle=vehicle, key=key, secret=secret)


def fleet_vehicle_update(
    *,
    vehicle: VehicleState,
    actor: User | None,
    label: str,
    vehicle_type: str,
    plate: str = "",
) -> VehicleState:
    """Change a fleet vehicle's number, type or plate (on the entity through the write
    path; a plate left empty is removed from it)."""
    municipality = vehicle.municipality
    label, plate, errors = _clean(
        municipality=municipality,
        label=label,
        vehicle_type=vehicle_type,
        plate=plate,
        exclude=vehicle.pk,
    )
    if errors:
        raise ValidationError(errors)
    with audited_change(
        vehicle, actor=actor, snapshot=fleet_snapshot, audit_if_unchanged=False
    ) as change:
        locked = change.instance
        entity = Entity.objects.get(pk=locked.entity_id)
        current = entity.attributes or {}
        attributes: dict[str, Any] = {}
        if attribute_text(current, "vehicleType") != vehicle_type:
            attributes["vehicleType"] = {"type": "Property", "value": vehicle_type}
        if attribute_text(current, "fleetVehicleId") != label:
            attributes["fleetVehicleId"] = {"type": "Property", "value": label}
        if plate and attribute_text(current, "vehiclePlateIdentifier") != plate:
            attributes["vehiclePlateIdentifier"] = {"type": "Property", "value": plate}
        if attributes:
            _written(
                entities_write(
                    municipality=municipality,
                    documents=[{"id": entity.entity_id, "type": ENTITY_TYPE, **attributes}],
                    mode=WriteMode.APPEND,
                    key=None,
                ),
                "label",
            )
        if not plate and "vehiclePlateIdentifier" in current:
            entity_attribute_delete(
                municipality=municipality,
                entity_id=entity.entity_id,
                attribute="vehiclePlateIdentifier",
                key=None,
            )
        if locked.label != label:
            locked.label = label
            _label_saved(locked, ["label"])
    vehicle.refresh_from_db()
    return vehicle


def fleet_vehicle_deactivate(*, vehicle: VehicleState, actor: User | None) -> VehicleState:
    """Take the vehicle out of the fleet: its positions are refused from now on, and it
    leaves its trip (no longer in the feeds, the displays or the control centre). Its
    history, its entity and its keys stay, for the replay and a return to service."""
    with audited_change(vehicle, actor=actor, snapshot=fleet_snapshot) as change:
        locked = change.instance
        if not locked.is_active:
            raise ValidationError(
                _("%(label)s is already out of the fleet.") % {"label": locked.label}
            )
        locked.is_active = False
        locked.trip = None
        locked.trip_explicit = False
        locked.next_stop_sequence = None
        locked.delay_seconds = None
        locked.predictions = []
        locked.save(
            update_fields=[
                "is_active",
                "trip",
                "trip_explicit",
                "next_stop_sequence",
                "delay_seconds",
                "predictions",
            ]
        )
    vehicle.refresh_from_db()
    return vehicle


def fleet_vehicle_activate(*, vehicle: VehicleState, actor: User | None) -> VehicleState:
    """Take the vehicle back into the fleet: its positions are accepted again."""
    with audited_change(vehicle, actor=actor, snapshot=fleet_snapshot) as change:
        locked = change.instance
        if locked.is_active:
            raise ValidationError(_("%(label)s is already in the fleet.") % {"label": locked.label})
        locked.is_active = True
        locked.save(update_fields=["is_active"])
    vehicle.refresh_from_db()
    return vehicle


def fleet_vehicle_key_issue(*, vehicle: VehicleState, actor: User | None) -> tuple[DeviceKey, str]:
    """A new device key bound to the vehicle's entity (its other keys stay: a bus may carry
    more than one device; urban data's device pages revoke them). The secret is shown once."""
    if not vehicle.is_active:
        raise ValidationError(
            _("%(label)s is out of the fleet: take it back before issuing a key.")
            % {"label": vehicle.label}
        )
    return device_key_issue(
        municipality=vehicle.municipality,
        name=_("Vehicle %(label)s") % {"label": vehicle.label},
        entity=Entity.objects.get(pk=vehicle.entity_id),
        actor=actor,
    )
