"""Entities as NGSI-LD answers them (ETSI GS CIM 009, clause 4.5): normalized, concise or
keyValues (simplified), with or without system attributes, compacted with the request's
@context; and a client's documents turned into the names the platform stores.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from ..errors import NgsiError
from .contexts import CORE_TERMS, ActiveContext

if TYPE_CHECKING:
    from ..models import Entity

NORMALIZED = "normalized"
CONCISE = "concise"
KEY_VALUES = "keyValues"
FORMATS = (NORMALIZED, CONCISE, KEY_VALUES)
# Members of an entity that are not attributes.
ENTITY_MEMBERS = {"id", "@id", "type", "@type", "@context", "scope", "createdAt", "modifiedAt"}
# Members of an attribute that are not sub-attributes.
ATTRIBUTE_MEMBERS = {
    "type",
    "value",
    "object",
    "objectType",
    "objectList",
    "languageMap",
    "vocab",
    "json",
    "valueList",
    "observedAt",
    "unitCode",
    "datasetId",
    "createdAt",
    "modifiedAt",
    "deletedAt",
    "instanceId",
    "lang",
    "previousValue",
}


_MEMBER_NAMES = frozenset(ATTRIBUTE_MEMBERS) | frozenset(CORE_TERMS)


@dataclass(frozen=True)
class Rendering:
    """How entities are answered."""

    context: ActiveContext
    format: str = NORMALIZED
    system_attributes: bool = False
    # Stored attribute names to show; None: all.
    attributes: frozenset[str] | None = None
    # Whether the body carries "@context" (application/ld+json).
    with_context: bool = False
    language: str | None = None


def iso(moment: datetime.datetime) -> str:
    text = moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def options_parse(value: str, *, allowed: Iterable[str]) -> set[str]:
    """The ``options`` parameter's comma-separated names; ``BadRequestData`` for others."""
    options = {part.strip() for part in value.split(",") if part.strip()}
    unknown = sorted(options - set(allowed))
    if unknown:
        raise NgsiError(
            "BadRequestData",
            _("Unknown option %(options)s; use %(allowed)s.")
            % {"options": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))},
        )
    return options


def format_from(options: set[str], format_parameter: str = "") -> str:
    """The representation asked for by ``options`` (or the newer ``format`` parameter)."""
    wanted = set()
    if format_parameter:
        names = {"normalized": NORMALIZED, "concise": CONCISE, "simplified": KEY_VALUES}
        names["keyValues"] = KEY_VALUES
        if format_parameter not in names:
            raise NgsiError(
                "BadRequestData",
                _("Unknown format %(format)s; use normalized, concise or keyValues.")
                % {"format": format_parameter},
            )
        wanted.add(names[format_parameter])
    if "keyValues" in options or "simplified" in options:
        wanted.add(KEY_VALUES)
    if "concise" in options:
        wanted.add(CONCISE)
    if "normalized" in options:
        wanted.add(NORMALIZED)
    if len(wanted) > 1:
        raise NgsiError(
            "BadRequestData", _("Ask for one representation: normalized, concise or keyValues.")
        )
    return wanted.pop() if wanted else NORMALIZED


def _compact_attribute(document: Mapping[str, Any], context: ActiveContext) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in document.items():
        if key in ATTRIBUTE_MEMBERS or key in CORE_TERMS:
            out[key] = value
        elif isinstance(value, Mapping):
            out[context.from_stored(key)] = _compact_attribute(value, context)
        else:
            out[context.from_stored(key)] = value
    if out.get("type") == "VocabProperty" and isinstance(out.get("vocab"), str):
        out["vocab"] = context.from_stored(out["vocab"])
    return out


def _concise(document: Mapping[str, Any]) -> Any:
    kind = document.get("type")
    members = {key: value for key, value in document.items() if key != "type"}
    if kind == "Property" and set(members) == {"value"}:
        value = members["value"]
        # A lone value that is itself an object with "value"/"object" would be read back
        # as an attribute: keep it wrapped.
        if not (isinstance(value, Mapping) and ({"value", "object", "type"} & set(value))):
            return value
    if kind == "GeoProperty" and set(members) == {"value"}:
        return members["value"]
    out: dict[str, Any] = {}
    for key, value in members.items():
        if isinstance(value, Mapping) and key not in ATTRIBUTE_MEMBERS:
            out[key] = _concise(value)
        else:
            out[key] = value
    return out


def _simplified(document: Mapping[str, Any], language: str | None) -> Any:
    kind = document.get("type")
    if kind == "Relationship":
        return document.get("object")
    if kind == "LanguageProperty":
        language_map = document.get("languageMap") or {}
        if language and isinstance(language_map, Mapping):
            return language_map.get(language, next(iter(language_map.values()), None))
        return {"languageMap": language_map}
    if kind == "VocabProperty":
        return document.get("vocab")
    if kind == "JsonProperty":
        return document.get("json")
    if kind == "ListProperty":
        return document.get("valueList")
    return document.get("value")


def entity_render(entity: Entity, rendering: Rendering) -> dict[str, Any]:
    """One entity as the client asked for it."""
    context = rendering.context
    out: dict[str, Any] = {
        "id": entity.entity_id,
        "type": context.from_stored(entity.type),
    }
    stored: Mapping[str, Any] = entity.attributes or {}
    for name, document in stored.items():
        if rendering.attributes is not None and name not in rendering.attributes:
            continue
        if not isinstance(document, Mapping):
            continue
        term = context.from_stored(name)
        compact = _compact_attribute(document, context)
        if rendering.format == KEY_VALUES:
            out[term] = _simplified(compact, rendering.language)
            continue
        if not rendering.system_attributes:
            compact.pop("createdAt", None)
            compact.pop("modifiedAt", None)
        out[term] = _concise(compact) if rendering.format == CONCISE else compact
    if rendering.system_attributes and rendering.format != KEY_VALUES:
        out["createdAt"] = iso(entity.created_at)
        out["modifiedAt"] = iso(entity.modified_at)
    if rendering.with_context:
        out["@context"] = context.body_context
    return out


# Incoming documents


def entity_document_to_stored(document: Any, context: ActiveContext) -> Any:
    """An entity document with its type and attribute names as the platform stores them
    (anything that is not an object is passed on for the write path to refuse)."""
    if not isinstance(document, dict):
        return document
    out: dict[str, Any] = {}
    for key, value in document.items():
        if key == "@context":
            continue
        if key in ("type", "@type"):
            out["type"] = _type_to_stored(value, context)
        elif key in ENTITY_MEMBERS:
            out[key] = value
        else:
            out[context.to_stored(key)] = attribute_to_stored(value, context)
    return out


def _type_to_stored(value: Any, context: ActiveContext) -> Any:
    if isinstance(value, str):
        return context.to_stored(value)
    if isinstance(value, list):
        return [context.to_stored(item) if isinstance(item, str) else item for item in value]
    return value


def attribute_to_stored(value: Any, context: ActiveContext) -> Any:
    if isinstance(value, list):
        return [attribute_to_stored(item, context) for item in value]
    if not isinstance(value, dict):
        return value
    if value.keys() <= _MEMBER_NAMES:
        return value  # no sub-attribute: nothing to rename (the usual case, kept fast)
    # A GeoJSON geometry given concisely, or a concise object value: left as it is.
    if "type" in value and value.get("type") not in (
        "Property",
        "GeoProperty",
        "Relationship",
        "LanguageProperty",
        "VocabProperty",
        "JsonProperty",
        "ListProperty",
        "ListRelationship",
    ):
        return dict(value)
    if not ({"value", "object", "languageMap", "vocab", "json", "valueList"} & set(value)):
        return dict(value)
    out: dict[str, Any] = {}
    for key, member in value.items():
        if key in ATTRIBUTE_MEMBERS or key in CORE_TERMS:
            out[key] = member
        else:
            out[context.to_stored(key)] = attribute_to_stored(member, context)
    return out


def attributes_to_stored(fragment: Any, context: ActiveContext) -> dict[str, Any]:
    """The body of ``entities/{id}/attrs``: attribute name → attribute."""
    if not isinstance(fragment, Mapping):
        raise NgsiError("BadRequestData", _("Send the attributes as a JSON object."))
    return {
        context.to_stored(key): attribute_to_stored(value, context)
        for key, value in fragment.items()
        if key not in ENTITY_MEMBERS
    }
