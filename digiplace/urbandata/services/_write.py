"""The implementation behind ``services.ingest``: validation of NGSI-LD documents against the
platform's types, and the bulk writes of entities, readings and pending rollups."""

from __future__ import annotations

import datetime
import functools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from digiplace.core import metrics
from digiplace.core.cache_versions import cache_version_bump

from ..errors import NgsiError
from ..models import Entity, Reading
from ..types import ENTITY_TYPES, AttributeSpec, EntityTypeSpec
from .changes import EntityChange, changes_publish
from .ingest import (
    CheckedDocument,
    DocumentRefused,
    EntityResult,
    HistoryPoint,
    WriteMode,
    document_checks,
    refusal_report,
)

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

    from ..models import DeviceKey

# An entity id is a URI (RFC 3986): a scheme, a colon, no spaces or delimiters.
ENTITY_ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
MAX_ENTITY_ID_LENGTH = 256
MAX_TEXT_LENGTH = 64
# How far ahead of the server's clock an observation may be (clock skew of devices).
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)
ATTRIBUTE_TYPES = {
    "Property",
    "GeoProperty",
    "Relationship",
    "LanguageProperty",
    "VocabProperty",
    "JsonProperty",
    "ListProperty",
}
GEOJSON_TYPES = {
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
}
# Entity members that are not attributes.
RESERVED = {"id", "@id", "type", "@type", "@context", "scope", "createdAt", "modifiedAt"}
GEO_ATTRIBUTES = {"location", "observationSpace", "operationSpace"}
WRITE_CHUNK = 2000


@dataclass
class NormalizedAttribute:
    """One attribute, checked, in NGSI-LD's normalized form (``document``) with what the
    history needs: the observation time, and the number or text kept as a reading."""

    name: str
    document: dict[str, Any]
    observed_at: datetime.datetime | None
    number: float | None = None
    text: str | None = None
    is_series: bool = False


@dataclass
class Location:
    latitude: float
    longitude: float
    geometry: dict[str, Any] | None


@dataclass
class ValidDocument:
    entity_id: str
    type: EntityTypeSpec
    attributes: dict[str, NormalizedAttribute] = field(default_factory=dict)


def iso(moment: datetime.datetime) -> str:
    """An NGSI-LD DateTime: UTC with a "Z"."""
    text = moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def _bad(detail: str) -> NgsiError:
    return NgsiError("BadRequestData", detail)


@functools.lru_cache(maxsize=4096)
def _parsed(text: str) -> datetime.datetime | None:
    """A date-time text, parsed; cached, since a batch repeats the same few moments."""
    try:
        return parse_datetime(text.strip())
    except ValueError:
        return None


@functools.lru_cache(maxsize=4096)
def _iso_text(moment: datetime.datetime) -> str:
    return iso(moment)


def parse_moment(value: Any, *, what: str) -> datetime.datetime:
    """An ISO 8601 date-time with its zone (``Z`` or an offset)."""
    if isinstance(value, dict) and value.get("@type") == "DateTime":
        value = value.get("@value")
    if not isinstance(value, str):
        raise _bad(_("%(what)s must be a date and time in ISO 8601.") % {"what": what})
    moment = _parsed(value)
    if moment is None:
        raise _bad(
            _("%(what)s is not a date and time in ISO 8601: %(value)s.")
            % {"what": what, "value": value[:40]}
        )
    if timezone.is_naive(moment):
        raise _bad(_("%(what)s needs a time zone (for example a final Z).") % {"what": what})
    return moment.astimezone(datetime.UTC)


def retention_cutoff(now: datetime.datetime) -> datetime.datetime | None:
    days = settings.URBANDATA_RAW_RETENTION_DAYS
    return now - datetime.timedelta(days=days) if days else None


def _check_time(
    moment: datetime.datetime, *, attribute: str, now: datetime.datetime
) -> datetime.datetime:
    if moment > now + FUTURE_TOLERANCE:
        raise DocumentRefused(
            "BadRequestData",
            _("The time of %(attribute)s, %(moment)s, is in the future.")
            % {"attribute": attribute, "moment": iso(moment)},
            reason="future",
        )
    cutoff = retention_cutoff(now)
    if cutoff is not None and moment < cutoff:
        raise DocumentRefused(
            "BadRequestData",
            _(
                "The time of %(attribute)s, %(moment)s, is older than the %(days)d days "
                "this platform keeps raw readings."
            )
            % {
                "attribute": attribute,
                "moment": iso(moment),
                "days": settings.URBANDATA_RAW_RETENTION_DAYS,
            },
            reason="too_old",
        )
    return moment


def _number(value: Any, spec: AttributeSpec) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(_("%(attribute)s must be a number.") % {"attribute": spec.name})
    number = float(value)
    if not math.isfinite(number):
        raise _bad(_("%(attribute)s must be a finite number.") % {"attribute": spec.name})
    if spec.kind == "integer" and not number.is_integer():
        raise _bad(_("%(attribute)s must be a whole number.") % {"attribute": spec.name})
    low, high = spec.minimum, spec.maximum
    if (low is not None and number < low) or (high is not None and number > high):
        if high is None:
            message = _("%(attribute)s must be at least %(low)s.")
        elif low is None:
            message = _("%(attribute)s must be at most %(high)s.")
        else:
            message = _("%(attribute)s must be between %(low)s and %(high)s.")
        raise _bad(message % {"attribute": spec.name, "low": low, "high": high})
    return number


def _check_value(value: Any, spec: AttributeSpec) -> tuple[float | None, str | None]:
    """The number or the text kept in the history, after checking ``value``'s type."""
    if spec.kind in ("number", "integer"):
        return _number(value, spec), None
    if spec.kind == "text":
        if not isinstance(value, str):
            raise _bad(_("%(attribute)s must be text.") % {"attribute": spec.name})
        if spec.choices and value not in spec.choices:
            raise _bad(
                _("%(attribute)s must be one of: %(choices)s.")
                % {"attribute": spec.name, "choices": ", ".join(spec.choices)}
            )
        return None, (value if spec.choices else None)
    if spec.kind == "datetime":
        parse_moment(value, what=spec.name)
        return None, None
    if spec.kind == "boolean" and not isinstance(value, bool):
        raise _bad(_("%(attribute)s must be true or false.") % {"attribute": spec.name})
    return None, None


def _geometry_location(name: str, value: Any) -> Location:
    if not isinstance(value, dict) or value.get("type") not in GEOJSON_TYPES:
        raise _bad(_("%(attribute)s must be a GeoJSON geometry.") % {"attribute": name})
    try:
        from shapely.geometry import shape

        geometry = shape(value)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as error:
        raise _bad(
            _("%(attribute)s is not a valid GeoJSON geometry: %(error)s.")
            % {"attribute": name, "error": str(error)[:100]}
        ) from error
    if geometry.is_empty:
        raise _bad(_("%(attribute)s is an empty geometry.") % {"attribute": name})
    point = geometry if value["type"] == "Point" else geometry.representative_point()
    longitude, latitude = float(point.x), float(point.y)
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise _bad(
            _("%(attribute)s has coordinates outside the Earth (longitude, latitude).")
            % {"attribute": name}
        )
    return Location(latitude, longitude, None if value["type"] == "Point" else dict(value))


def _as_normalized(name: str, raw: Any) -> dict[str, Any]:
    """The attribute in normalized form, whether it came normalized or concise."""
    if isinstance(raw, list):
        raise NgsiError(
            "OperationNotSupported",
            _("%(attribute)s: several instances of one attribute (datasetId) are not supported.")
            % {"attribute": name},
        )
    if not isinstance(raw, dict):
        if name in GEO_ATTRIBUTES:
            raise _bad(_("%(attribute)s must be a GeoJSON geometry.") % {"attribute": name})
        return {"type": "Property", "value": raw}
    kind = raw.get("type")
    if kind in ATTRIBUTE_TYPES:
        return dict(raw)
    if kind in GEOJSON_TYPES:
        return {"type": "GeoProperty", "value": raw}
    if (
        isinstance(kind, str)
        and kind not in ATTRIBUTE_TYPES
        and ("value" in raw or "object" in raw)
    ):
        raise _bad(
            _("%(attribute)s has an unknown attribute type %(type)s.")
            % {"attribute": name, "type": kind[:40]}
        )
    if "object" in raw:
        return {"type": "Relationship", **raw}
    if "languageMap" in raw:
        return {"type": "LanguageProperty", **raw}
    if "value" in raw:
        value = raw["value"]
        geo = isinstance(value, dict) and value.get("type") in GEOJSON_TYPES
        return {"type": "GeoProperty" if geo else "Property", **raw}
    # A concise Property whose value is a JSON object (an address).
    return {"type": "Property", "value": raw}


def normalize_attribute(
    type_spec: EntityTypeSpec, name: str, raw: Any, *, now: datetime.datetime
) -> NormalizedAttribute:
    """Check one attribute against its type and return it in normalized form."""
    if not name or len(name) > 256:
        raise _bad(_("An attribute name is empty or too long."))
    document = _as_normalized(name, raw)
    if "datasetId" in document:
        raise NgsiError(
            "OperationNotSupported",
            _("%(attribute)s: several instances of one attribute (datasetId) are not supported.")
            % {"attribute": name},
        )
    kind = document["type"]
    if kind == "Relationship":
        target = document.get("object")
        if not isinstance(target, str | list) or not target:
            raise _bad(_("The relationship %(attribute)s needs an object.") % {"attribute": name})
    elif kind == "LanguageProperty":
        if not isinstance(document.get("languageMap"), dict):
            raise _bad(_("%(attribute)s needs a languageMap.") % {"attribute": name})
    elif "value" not in document or document["value"] is None:
        raise _bad(_("%(attribute)s has no value.") % {"attribute": name})
    observed_at = None
    if "observedAt" in document:
        observed_at = _check_time(
            parse_moment(document["observedAt"], what=f"{name}.observedAt"),
            attribute=name,
            now=now,
        )
        document["observedAt"] = _iso_text(observed_at)
    for system in ("createdAt", "modifiedAt"):
        document.pop(system, None)
    attribute = NormalizedAttribute(name=name, document=document, observed_at=observed_at)
    if kind == "GeoProperty" or name in GEO_ATTRIBUTES:
        if kind != "GeoProperty":
            document["type"] = "GeoProperty"
        _geometry_location(name, document.get("value"))
        return attribute
    spec = type_spec.attributes.get(name)
    if kind == "Property" and spec is not None:
        unit = document.get("unitCode")
        if unit is not None and spec.unit and unit != spec.unit:
            raise _bad(
                _("%(attribute)s is measured in %(unit)s (unitCode %(code)s), not %(given)s.")
                % {
                    "attribute": name,
                    "unit": spec.unit,
                    "code": spec.unit,
                    "given": str(unit)[:20],
                }
            )
        number, text = _check_value(document["value"], spec)
        attribute.number, attribute.text = number, text
        attribute.is_series = spec.is_series
        if spec.unit and unit is None:
            document["unitCode"] = spec.unit
    elif kind == "Property":
        value = document["value"]
        # Attributes the type does not list: numbers are kept as a series too.
        if isinstance(value, int | float) and not isinstance(value, bool):
            if not math.isfinite(float(value)):
                raise _bad(_("%(attribute)s must be a finite number.") % {"attribute": name})
            attribute.number = float(value)
            attribute.is_series = True
    elif spec is not None and spec.kind in ("number", "integer"):
        raise _bad(_("%(attribute)s must be a Property with a number.") % {"attribute": name})
    return attribute


def validate_document(document: Any, *, now: datetime.datetime) -> ValidDocument:
    """Check an entity document; raises ``NgsiError`` naming the first problem."""
    if not isinstance(document, Mapping):
        raise _bad(_("An entity must be a JSON object."))
    entity_id = document.get("id", document.get("@id"))
    if not isinstance(entity_id, str) or not entity_id:
        raise _bad(_("The entity has no id."))
    if len(entity_id) > MAX_ENTITY_ID_LENGTH or not ENTITY_ID_PATTERN.match(entity_id):
        raise _bad(
            _("The entity id must be a URI (for example urn:ngsi-ld:Type:name): %(id)s.")
            % {"id": entity_id[:80]}
        )
    type_name = document.get("type", document.get("@type"))
    if isinstance(type_name, list) and len(type_name) == 1:
        type_name = type_name[0]
    if not isinstance(type_name, str) or not type_name:
        raise _bad(_("The entity %(id)s has no type.") % {"id": entity_id})
    type_spec = ENTITY_TYPES.get(type_name)
    if type_spec is None:
        raise _bad(
            _("Unknown entity type %(type)s; this platform knows: %(known)s.")
            % {"type": type_name[:80], "known": ", ".join(sorted(ENTITY_TYPES))}
        )
    valid = ValidDocument(entity_id=entity_id, type=type_spec)
    for name, raw in document.items():
        if name in RESERVED:
            continue
        valid.attributes[name] = normalize_attribute(type_spec, name, raw, now=now)
    return valid


def _key_check(key: DeviceKey | None, entity_id: str) -> None:
    bound = key.entity if key is not None and key.entity_id is not None else None
    if bound is not None and bound.entity_id != entity_id:
        raise NgsiError(
            "Forbidden",
            _("This key belongs to the device %(id)s and may write only that entity.")
            % {"id": bound.entity_id},
        )


def _is_older(new: NormalizedAttribute, current: Mapping[str, Any] | None) -> bool:
    """Whether ``new`` was observed before the entity's current value of that attribute."""
    if current is None or new.observed_at is None:
        return False
    observed = current.get("observedAt")
    if not isinstance(observed, str):
        return False
    try:
        current_moment = parse_moment(observed, what="observedAt")
    except NgsiError:
        return False
    return new.observed_at < current_moment


def _apply_location(entity: Entity, attributes: Mapping[str, Any]) -> None:
    """Set the location columns from a new entity's or a changed ``location`` attribute (none
    left: no location; the registered place stays)."""
    location = attributes.get("location")
    if location is None:
        entity.latitude = entity.longitude = None
        entity.geometry = None
        return
    place = _geometry_location("location", location.get("value"))
    entity.latitude, entity.longitude, entity.geometry = (
        place.latitude,
        place.longitude,
        place.geometry,
    )
    if entity.registered_latitude is None or entity.registered_longitude is None:
        entity.registered_latitude, entity.registered_longitude = place.latitude, place.longitude


def _name_of(attributes: Mapping[str, Any]) -> str:
    name = attributes.get("name")
    if isinstance(name, Mapping) and isinstance(name.get("value"), str):
        return str(name["value"])[:200]
    return ""


@dataclass
class _Pending:
    entity: Entity
    result: EntityResult
    created: bool
    changed: set[str] = field(default_factory=set)
    readings: list[NormalizedAttribute] = field(default_factory=list)


def write_documents(
    *,
    municipality: Municipality,
    documents: Sequence[Mapping[str, Any]],
    mode: WriteMode,
    key: DeviceKey | None,
    no_overwrite: bool = False,
    now: datetime.datetime | None = None,
) -> list[EntityResult]:
    now = now or timezone.now()
    results: list[EntityResult] = []
    valid: list[tuple[ValidDocument, EntityResult]] = []
    for document in documents:
        raw_id = document.get("id") if isinstance(document, Mapping) else None
        result = EntityResult(entity_id=raw_id if isinstance(raw_id, str) else "")
        results.append(result)
        try:
            checked = validate_document(document, now=now)
            _key_check(key, checked.entity_id)
            # Other modules' rules for the type (registered checks).
            for check in document_checks(checked.type.name):
                check(
                    municipality,
                    CheckedDocument(
                        entity_id=checked.entity_id,
                        type=checked.type.name,
                        attributes={
                            name: attribute.document
                            for name, attribute in checked.attributes.items()
                        },
                    ),
                    key,
                    now,
                )
        except NgsiError as error:
            result.error = error
            refusal_report(municipality, document, error, now)
            continue
        result.entity_id = checked.entity_id
        valid.append((checked, result))
    if not valid:
        return results
    ids = sorted({checked.entity_id for checked, _result in valid})
    with transaction.atomic():
        # Read the known entities locked, so that a concurrent batch (another web worker,
        # MQTT) writing the same entity waits for this one to commit, then reads what it
        # wrote: no current value is lost. Locked in entity id order, in every batch (new
        # ones are inserted in that order too), so that two batches cannot deadlock.
        existing: dict[str, Entity] = {}
        connection = connections[Entity.objects.db]
        for start in range(0, len(ids), WRITE_CHUNK):
            chunk = ids[start : start + WRITE_CHUNK]
            if connection.vendor == "postgresql":
                existing.update(_known_locked(connection, municipality.pk, chunk))
                continue
            # Elsewhere the ORM's upsert saves them, reading every field.
            known = Entity.objects.select_for_update().filter(
                municipality=municipality, entity_id__in=chunk
            )
            existing.update((entity.entity_id, entity) for entity in known.order_by("entity_id"))
        pending: dict[str, _Pending] = {}
        for checked, result in valid:
            try:
                _apply(
                    checked=checked,
                    result=result,
                    existing=existing,
                    pending=pending,
                    municipality=municipality,
                    mode=mode,
                    no_overwrite=no_overwrite,
                    now=now,
                )
            except NgsiError as error:
                result.error = error
        if pending:
            _commit(sorted(pending.values(), key=lambda state: state.entity.entity_id), now=now)
    return results


def _apply(
    *,
    checked: ValidDocument,
    result: EntityResult,
    existing: dict[str, Entity],
    pending: dict[str, _Pending],
    municipality: Municipality,
    mode: WriteMode,
    no_overwrite: bool,
    now: datetime.datetime,
) -> None:
    entity = existing.get(checked.entity_id)
    if entity is not None and entity.type != checked.type.name:
        raise _bad(
            _("The entity %(id)s is a %(type)s; it cannot become a %(new)s.")
            % {"id": entity.entity_id, "type": entity.type, "new": checked.type.name}
        )
    if mode == WriteMode.CREATE and entity is not None:
        raise NgsiError(
            "AlreadyExists", _("The entity %(id)s already exists.") % {"id": checked.entity_id}
        )
    if mode in (WriteMode.APPEND, WriteMode.PATCH) and entity is None:
        raise NgsiError(
            "ResourceNotFound", _("There is no entity %(id)s.") % {"id": checked.entity_id}
        )
    if mode == WriteMode.PATCH and not checked.attributes:
        raise _bad(_("Name at least one attribute to change."))
    created = entity is None
    if entity is None:
        entity = Entity(
            municipality=municipality,
            entity_id=checked.entity_id,
            type=checked.type.name,
            attributes={},
            created_at=now,
        )
        existing[checked.entity_id] = entity
    state = pending.get(checked.entity_id)
    if state is None:
        state = pending[checked.entity_id] = _Pending(entity=entity, result=result, created=created)
    else:
        state.result = result
    current: dict[str, Any] = dict(entity.attributes or {})
    if mode == WriteMode.UPSERT_REPLACE and not created:
        state.changed.update(name for name in current if name not in checked.attributes)
        current = {}
    for name, attribute in checked.attributes.items():
        present = name in current
        if mode == WriteMode.PATCH and not present:
            result.not_updated.append((name, _("The entity has no attribute %s.") % name))
            continue
        if no_overwrite and present:
            result.not_updated.append((name, _("The attribute exists and was kept.")))
            continue
        if attribute.is_series:
            state.readings.append(attribute)
        if _is_older(attribute, current.get(name)):
            # A late observation: history only; the current value is newer.
            result.updated.append(name)
            continue
        current[name] = attribute.document
        state.changed.add(name)
        result.updated.append(name)
    entity.attributes = current
    if created or "name" in state.changed:
        entity.name = _name_of(current)
    if created or "location" in state.changed:
        _apply_location(entity, current)
    entity.modified_at = now
    observed = [a.observed_at for a in checked.attributes.values() if a.observed_at is not None]
    if observed:
        latest = max(observed)
        if entity.last_observed_at is None or latest > entity.last_observed_at:
            entity.last_observed_at = latest
    elif checked.attributes:
        entity.last_observed_at = max(entity.last_observed_at or now, now)
    result.created = result.created or created


def _known_locked(connection: Any, municipality_id: int, ids: list[str]) -> dict[str, Entity]:
    """PostgreSQL: the city's entities among ``ids``, locked in entity id order, with the
    fields a write uses (``ENTITY_WRITE_LOADED``; the others are deferred, as with
    ``only()``). Read in binary and made into models without ``Model.__init__``: at tens of
    thousands of entities a second, building them through the ORM cost more than the
    query (no signal listens to the making of an entity)."""
    columns = ", ".join(ENTITY_WRITE_LOADED)
    with _server_cursor(connection) as cursor:
        cursor.execute(
            f"SELECT {columns} FROM urbandata_entity "  # noqa: S608
            "WHERE municipality_id = %b AND entity_id = ANY(%b::varchar[]) "
            "ORDER BY entity_id FOR UPDATE",
            [municipality_id, ids],
            binary=True,
        )
        rows = cursor.fetchall()
    _log(connection, "SELECT … FROM urbandata_entity … FOR UPDATE", len(rows))
    known: dict[str, Entity] = {}
    for row in rows:
        entity = Entity.__new__(Entity)
        entity.__dict__.update(zip(ENTITY_WRITE_LOADED, row, strict=True))
        entity._state = ModelState()
        entity._state.adding = False
        entity._state.db = connection.alias
        known[entity.entity_id] = entity
    return known


ENTITY_UPDATE_FIELDS = [
    "name",
    "attributes",
    "latitude",
    "longitude",
    "geometry",
    "registered_latitude",
    "registered_longitude",
    "modified_at",
    "last_observed_at",
]
# What a write reads of a known entity on PostgreSQL (column names): what it updates but
# the time it sets, and not the creation time or demo mark it never changes.
ENTITY_WRITE_LOADED = (
    "id",
    "municipality_id",
    "entity_id",
    "type",
    *(name for name in ENTITY_UPDATE_FIELDS if name != "modified_at"),
)


def _entities_save(entities: list[Entity]) -> None:
    """Save new and known entities in a few statements.

    An INSERT … ON CONFLICT DO UPDATE (new ones get their primary keys back; one a
    concurrent writer has just created is updated, not duplicated; the city-owned queryset
    moves the page versions). On PostgreSQL the known ones are updated with one UPDATE from
    arrays instead, which spares compiling SQL for thousands of rows on every batch.
    """
    connection = connections[Entity.objects.db]
    if connection.vendor == "postgresql":
        known = [entity for entity in entities if entity.pk is not None]
        entities = [entity for entity in entities if entity.pk is None]
        if known:
            _update_entities(connection, known)
            # No signal sees that UPDATE. On commit only: the writing request shows no page.
            for municipality_id in {entity.municipality_id for entity in known}:
                cache_version_bump(municipality_id, "urbandata", at_once=False)
    if entities:
        Entity.objects.bulk_create(
            entities,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["municipality", "entity_id"],
            update_fields=ENTITY_UPDATE_FIELDS,
        )


ENTITY_LOAD_TYPES = {
    "id": "int8",
    "name": "varchar",
    "attributes": "jsonb",
    "latitude": "float8",
    "longitude": "float8",
    "geometry": "jsonb",
    "registered_latitude": "float8",
    "registered_longitude": "float8",
    "modified_at": "timestamptz",
    "last_observed_at": "timestamptz",
}


def _server_cursor(connection: Any) -> Any:
    """A psycopg cursor with server-side binding on Django's connection (same transaction):
    arrays go to the server in binary, not spelled out as SQL literals."""
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def _unnest(types: Iterable[str]) -> str:
    return ", ".join(f"%b::{kind}[]" for kind in types)


def _update_entities(connection: Any, entities: list[Entity]) -> None:
    """Update known entities with one UPDATE … FROM unnest(arrays): one round trip for the
    whole batch (``write_documents`` has locked the rows)."""
    from psycopg.types.json import Jsonb

    columns = list(ENTITY_LOAD_TYPES)
    values: list[list[Any]] = [
        [entity.pk for entity in entities],
        [entity.name for entity in entities],
        [Jsonb(entity.attributes) for entity in entities],
        [entity.latitude for entity in entities],
        [entity.longitude for entity in entities],
        [None if entity.geometry is None else Jsonb(entity.geometry) for entity in entities],
        [entity.registered_latitude for entity in entities],
        [entity.registered_longitude for entity in entities],
        [entity.modified_at for entity in entities],
        [entity.last_observed_at for entity in entities],
    ]
    assignments = ", ".join(f"{name} = load.{name}" for name in columns if name != "id")
    with _server_cursor(connection) as cursor:
        cursor.execute(
            f"UPDATE urbandata_entity AS entity SET {assignments} "  # noqa: S608
            f"FROM unnest({_unnest(ENTITY_LOAD_TYPES.values())}) AS load ({', '.join(columns)}) "
            "WHERE entity.id = load.id",
            values,
        )
        _log(connection, "UPDATE urbandata_entity … FROM unnest(…)", len(entities))


def _log(connection: Any, sql: str, rows: int) -> None:
    """Statements run past Django's cursor are logged by hand, so that query counts (tests,
    debug) see them."""
    if connection.queries_logged:
        connection.queries_log.append({"sql": f"{sql} -- {rows} rows", "time": "0.000"})


def _commit(states: list[_Pending], *, now: datetime.datetime) -> None:
    """Write the batch's entities (in entity id order), readings and pending hours; the
    listeners get the changes once the caller's transaction commits."""
    with transaction.atomic():
        _entities_save([state.entity for state in states])
        readings: list[ReadingRow] = []
        hours: set[PendingRow] = set()
        for state in states:
            entity_pk = state.entity.pk
            for attribute in state.readings:
                moment = attribute.observed_at or now
                readings.append(
                    (
                        entity_pk,
                        attribute.name,
                        moment,
                        attribute.number,
                        (attribute.text or "")[:MAX_TEXT_LENGTH],
                    )
                )
                if attribute.number is not None:
                    hours.add((entity_pk, attribute.name, _hour(moment)))
        _insert_readings(readings, hours)
    changes_publish(
        [
            EntityChange(
                municipality_id=state.entity.municipality_id,
                entity_pk=state.entity.pk,
                entity_id=state.entity.entity_id,
                type=state.entity.type,
                attributes=tuple(sorted(state.changed)),
                created=state.created,
            )
            for state in states
            if state.changed or state.created
        ]
    )


def _hour(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


# (entity pk, attribute, observed at, number, text) and (entity pk, attribute, hour).
ReadingRow = tuple[int, str, datetime.datetime, float | None, str]
PendingRow = tuple[int, str, datetime.datetime]


@dataclass(frozen=True)
class _Load:
    """Rows for one INSERT … SELECT FROM unnest(arrays) … ON CONFLICT into ``target``."""

    target: str
    columns: tuple[str, ...]
    types: tuple[str, ...]
    on_conflict: str = "DO NOTHING"


READINGS_LOAD = _Load(
    "urbandata_reading",
    ("entity_id", "attribute", "observed_at", "value", "text"),
    ("int8", "varchar", "timestamptz", "float8", "varchar"),
)
PENDING_LOAD = _Load(
    "urbandata_rolluppending",
    ("entity_id", "attribute", "hour"),
    ("int8", "varchar", "timestamptz"),
    # An hour already pending is locked, not rewritten ("WHERE false" updates nothing but
    # still locks the row until this batch commits): the rollup job, which takes pending rows
    # with FOR UPDATE SKIP LOCKED, cannot take it and aggregate without the reading this batch
    # adds; and a row the job has already taken makes this insert wait and mark the hour
    # again once the job has deleted it. DO NOTHING would not lock, and a plain DO UPDATE
    # would write a new row version for every reading of an hour already pending.
    "(entity_id, attribute, hour) DO UPDATE SET hour = EXCLUDED.hour WHERE false",
)


def _insert_ignoring(connection: Any, load: _Load, rows: Sequence[tuple[Any, ...]]) -> None:
    """PostgreSQL: insert the rows not there yet, in one statement whose columns travel as
    binary arrays (one round trip, no temporary table, no SQL to compile per row)."""
    if not rows:
        return
    columns = ", ".join(load.columns)
    values = [list(column) for column in zip(*rows, strict=True)]
    with _server_cursor(connection) as cursor:
        # In key order, so that two writers (HTTP and MQTT) touching the same rows wait for
        # each other instead of deadlocking.
        cursor.execute(
            f"INSERT INTO {load.target} ({columns}) "  # noqa: S608
            f"SELECT * FROM unnest({_unnest(load.types)}) AS load ({columns}) "
            f"ORDER BY {', '.join(load.columns[:3])} ON CONFLICT {load.on_conflict}",
            values,
        )
    _log(connection, f"INSERT INTO {load.target} … FROM unnest(…)", len(rows))


def _insert_readings(readings: Sequence[ReadingRow], hours: Iterable[PendingRow]) -> None:
    """Insert readings and pending hours, skipping those already there, in a few statements:
    the ORM's bulk_create would spend most of an ingest batch building objects and SQL."""
    connection = connections[Reading.objects.db]
    pending = list(hours)
    if connection.vendor == "postgresql":
        _insert_ignoring(connection, READINGS_LOAD, readings)
        _insert_ignoring(connection, PENDING_LOAD, pending)
        metrics.readings_ingested(len(readings))
        return
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        if readings:
            cursor.executemany(
                "INSERT OR IGNORE INTO urbandata_reading"
                " (entity_id, attribute, observed_at, value, text) VALUES (%s, %s, %s, %s, %s)",
                [
                    (pk, name, adapt(moment), number, text)
                    for pk, name, moment, number, text in readings
                ],
            )
        if pending:
            cursor.executemany(
                "INSERT OR IGNORE INTO urbandata_rolluppending (entity_id, attribute, hour)"
                " VALUES (%s, %s, %s)",
                [(pk, name, adapt(hour)) for pk, name, hour in pending],
            )
    metrics.readings_ingested(len(readings))


def write_history(
    *,
    municipality: Municipality,
    entity: Entity,
    points: Sequence[HistoryPoint],
    key: DeviceKey | None,
    now: datetime.datetime | None = None,
) -> int:
    now = now or timezone.now()
    if entity.municipality_id != municipality.pk:
        raise NgsiError(
            "ResourceNotFound", _("There is no entity %(id)s.") % {"id": entity.entity_id}
        )
    _key_check(key, entity.entity_id)
    type_spec = ENTITY_TYPES[entity.type]
    checked: list[NormalizedAttribute] = []
    for point in points:
        attribute = normalize_attribute(
            type_spec,
            point.attribute,
            {"type": "Property", "value": point.value, "observedAt": iso(point.observed_at)},
            now=now,
        )
        if not attribute.is_series:
            raise _bad(
                _("%(attribute)s is not kept as a time series (numbers and states are).")
                % {"attribute": point.attribute}
            )
        checked.append(attribute)
    if not checked:
        return 0
    readings: list[ReadingRow] = []
    hours: set[PendingRow] = set()
    for attribute in checked:
        moment = attribute.observed_at or now
        readings.append(
            (
                entity.pk,
                attribute.name,
                moment,
                attribute.number,
                (attribute.text or "")[:MAX_TEXT_LENGTH],
            )
        )
        if attribute.number is not None:
            hours.add((entity.pk, attribute.name, _hour(moment)))
    # The latest point of each attribute becomes the current value when it is newer.
    latest: dict[str, NormalizedAttribute] = {}
    for attribute in checked:
        known = latest.get(attribute.name)
        if known is None or (attribute.observed_at or now) > (known.observed_at or now):
            latest[attribute.name] = attribute
    with transaction.atomic():
        locked = Entity.objects.select_for_update().get(pk=entity.pk)
        before = Reading.objects.filter(entity=locked).count()
        _insert_readings(readings, hours)
        stored = Reading.objects.filter(entity=locked).count() - before
        current = dict(locked.attributes or {})
        changed = []
        for name, attribute in latest.items():
            if not _is_older(attribute, current.get(name)):
                current[name] = attribute.document
                changed.append(name)
        if changed:
            locked.attributes = current
            locked.modified_at = now
            newest = max((a.observed_at for a in latest.values() if a.observed_at), default=None)
            if newest and (locked.last_observed_at is None or newest > locked.last_observed_at):
                locked.last_observed_at = newest
            locked.save(update_fields=["attributes", "modified_at", "last_observed_at"])
            entity.attributes = locked.attributes
            changes_publish(
                [
                    EntityChange(
                        municipality_id=locked.municipality_id,
                        entity_pk=locked.pk,
                        entity_id=locked.entity_id,
                        type=locked.type,
                        attributes=tuple(sorted(changed)),
                    )
                ]
            )
    return stored


def _entity_for_write(
    *, municipality: Municipality, entity_id: str, key: DeviceKey | None
) -> Entity:
    entity = Entity.objects.filter(municipality=municipality, entity_id=entity_id).first()
    if entity is None:
        raise NgsiError("ResourceNotFound", _("There is no entity %(id)s.") % {"id": entity_id})
    _key_check(key, entity_id)
    return entity


def delete_entity(*, municipality: Municipality, entity_id: str, key: DeviceKey | None) -> None:
    entity = _entity_for_write(municipality=municipality, entity_id=entity_id, key=key)
    change = EntityChange(
        municipality_id=entity.municipality_id,
        entity_pk=entity.pk,
        entity_id=entity.entity_id,
        type=entity.type,
        attributes=tuple(sorted(entity.attributes or {})),
        deleted=True,
    )
    with transaction.atomic():
        # The history first, in one statement (the collector would read it row by row).
        Reading.objects.filter(entity=entity).delete()
        entity.delete()
        changes_publish([change])


def delete_attribute(
    *, municipality: Municipality, entity_id: str, attribute: str, key: DeviceKey | None
) -> None:
    with transaction.atomic():
        entity = _entity_for_write(municipality=municipality, entity_id=entity_id, key=key)
        locked = Entity.objects.select_for_update().get(pk=entity.pk)
        current = dict(locked.attributes or {})
        if attribute not in current:
            raise NgsiError(
                "ResourceNotFound",
                _("The entity %(id)s has no attribute %(attribute)s.")
                % {"id": entity_id, "attribute": attribute},
            )
        del current[attribute]
        locked.attributes = current
        locked.modified_at = timezone.now()
        update = ["attributes", "modified_at"]
        if attribute == "location":
            locked.latitude = locked.longitude = None
            locked.geometry = None
            update += ["latitude", "longitude", "geometry"]
        locked.save(update_fields=update)
        changes_publish(
            [
                EntityChange(
                    municipality_id=locked.municipality_id,
                    entity_pk=locked.pk,
                    entity_id=locked.entity_id,
                    type=locked.type,
                    attributes=(attribute,),
                )
            ]
        )
