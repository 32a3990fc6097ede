"""Staff writes on devices: register, edit and retire an entity from the back office.

What an NGSI-LD client could also write (the name, the location) goes through
``services.ingest``, so that the entity's state, history and change notifications stay on the
one write path; what only staff set (the owner department, the registered place the movement
rule measures from, the demo mark) is written here, audited.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from digiplace.core.audit import audit_record, audited_change, model_snapshot
from digiplace.core.models import AuditAction

from ..models import Entity
from ..types import ENTITY_TYPES
from . import ingest
from .keys import device_key_revoke

if TYPE_CHECKING:
    from digiplace.core.models import Department, Municipality, User

MAX_NAME_LENGTH = 200
MAX_SLUG_LENGTH = 80
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def entity_id_make(*, municipality: Municipality, type_name: str, slug: str) -> str:
    """``urn:ngsi-ld:<Type>:<city-slug>-<slug>``: unique within the city by construction."""
    return f"urn:ngsi-ld:{type_name}:{municipality.slug}-{slug}"


def _snapshot(entity: Entity) -> dict[str, Any]:
    # The attributes are the device's data, not what staff changed; the history has them.
    snapshot = model_snapshot(entity)
    for field in ("attributes", "modified_at", "last_observed_at", "geometry"):
        snapshot.pop(field, None)
    return snapshot


def _location(latitude: float, longitude: float) -> dict[str, Any]:
    return {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [longitude, latitude]}}


def _clean(
    *,
    municipality: Municipality,
    name: str,
    department: Department | None,
    latitude: float | None,
    longitude: float | None,
) -> tuple[str, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Name the device.")]
    elif len(name) > MAX_NAME_LENGTH:
        errors["name"] = [
            _("Use at most %(limit)d characters.") % {"limit": MAX_NAME_LENGTH},
        ]
    if department is not None and department.municipality_id != municipality.pk:
        errors["department"] = [_("Choose one of this municipality's departments.")]
    if (latitude is None) != (longitude is None):
        errors["latitude"] = [_("Give both the latitude and the longitude, or neither.")]
    elif (
        latitude is not None
        and longitude is not None
        and not municipality.contains_point(latitude, longitude)
    ):
        errors["latitude"] = [_("This place is outside the municipality's map.")]
    return name, errors


def _ingest_error(results: list[ingest.EntityResult]) -> None:
    error = results[0].error
    if error is not None:
        raise ValidationError(error.detail)


def device_register(
    *,
    municipality: Municipality,
    actor: User | None,
    type_name: str,
    slug: str,
    name: str,
    department: Department | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    is_demo: bool = False,
) -> Entity:
    """Create a device entity of one of the platform's types; its id is made from the city's
    slug and ``slug``. Refuses a type, slug, name, department or place that does not fit, and
    an id already in use, writing nothing."""
    name, errors = _clean(
        municipality=municipality,
        name=name,
        department=department,
        latitude=latitude,
        longitude=longitude,
    )
    if type_name not in ENTITY_TYPES:
        errors["type_name"] = [_("Choose one of the listed types.")]
    slug = (slug or "").strip()
    if not SLUG_PATTERN.match(slug) or len(slug) > MAX_SLUG_LENGTH:
        errors["slug"] = [
            _(
                "Use lower-case letters, digits and single hyphens, at most %(limit)d characters"
                " (for example %(example)s)."
            )
            % {"limit": MAX_SLUG_LENGTH, "example": slugify(name) or "container-12"}
        ]
    if errors:
        raise ValidationError(errors)
    entity_id = entity_id_make(municipality=municipality, type_name=type_name, slug=slug)
    if Entity.objects.filter(municipality=municipality, entity_id=entity_id).exists():
        raise ValidationError(
            {"slug": [_("There is already a device %(id)s.") % {"id": entity_id}]}
        )
    document: dict[str, Any] = {
        "id": entity_id,
        "type": type_name,
        "name": {"type": "Property", "value": name},
    }
    if latitude is not None and longitude is not None:
        document["location"] = _location(latitude, longitude)
    with transaction.atomic():
        _ingest_error(
            ingest.entities_write(
                municipality=municipality,
                documents=[document],
                mode=ingest.WriteMode.CREATE,
                key=None,
            )
        )
        entity = Entity.objects.get(municipality=municipality, entity_id=entity_id)
        entity.name = name
        entity.department = department
        entity.registered_latitude = latitude
        entity.registered_longitude = longitude
        entity.is_demo = is_demo
        entity.save(
            update_fields=[
                "name",
                "department",
                "registered_latitude",
                "registered_longitude",
                "is_demo",
            ]
        )
        audit_record(
            actor=actor,
            municipality=municipality,
            action=AuditAction.CREATE,
            instance=entity,
            after=_snapshot(entity),
        )
    return entity


def device_update(
    *,
    entity: Entity,
    actor: User | None,
    name: str,
    department: Department | None,
    latitude: float | None,
    longitude: float | None,
    is_demo: bool,
) -> Entity:
    """Change a device's name, department, registered place and demo mark; a new name or
    place is written as the entity's ``name`` and ``location`` through the ingest path."""
    municipality = entity.municipality
    name, errors = _clean(
        municipality=municipality,
        name=name,
        department=department,
        latitude=latitude,
        longitude=longitude,
    )
    if errors:
        raise ValidationError(errors)
    with audited_change(entity, actor=actor, snapshot=_snapshot) as change:
        locked = change.instance
        attributes: dict[str, Any] = {}
        if name != locked.name:
            attributes["name"] = {"type": "Property", "value": name}
        moved = (latitude, longitude) != (locked.registered_latitude, locked.registered_longitude)
        if moved and latitude is not None and longitude is not None:
            attributes["location"] = _location(latitude, longitude)
        if attributes:
            _ingest_error(
                ingest.entities_write(
                    municipality=municipality,
                    documents=[{"id": locked.entity_id, "type": locked.type, **attributes}],
                    mode=ingest.WriteMode.APPEND,
                    key=None,
                )
            )
        if moved and latitude is None and "location" in (locked.attributes or {}):
            ingest.entity_attribute_delete(
                municipality=municipality,
                entity_id=locked.entity_id,
                attribute="location",
                key=None,
            )
        locked.refresh_from_db()
        locked.name = name
        locked.department = department
        locked.registered_latitude = latitude
        locked.registered_longitude = longitude
        locked.is_demo = is_demo
        locked.save(
            update_fields=[
                "name",
                "department",
                "registered_latitude",
                "registered_longitude",
                "is_demo",
            ]
        )
    return locked


def device_retire(*, entity: Entity, actor: User | None) -> None:
    """Take a device out of service: its keys are revoked (audited), then the entity and its
    history are deleted through the ingest path."""
    with transaction.atomic():
        for key in entity.keys.filter(revoked_at__isnull=True):
            device_key_revoke(key=key, actor=actor)
        audit_record(
            actor=actor,
            municipality=entity.municipality,
            action=AuditAction.DELETE,
            instance=entity,
            before=_snapshot(entity),
        )
        ingest.entity_delete(municipality=entity.municipality, entity_id=entity.entity_id, key=None)
