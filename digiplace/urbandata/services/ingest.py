"""The one validation and write path of urban data.

The NGSI-LD API, the MQTT worker, the CSV import and the simulator all call
``entities_write`` (current values, which also go into the history) or ``history_write``
(past values only: temporal loads, CSV). Documents come in NGSI-LD's normalized or concise
form with attribute and type names already resolved to the platform's names (the short
Smart Data Model term, or the full IRI of a term the platform does not know: the API's
@context handling does that); ``location`` is a GeoProperty.

Writes are idempotent on (entity, attribute, observed time): the same observation sent
twice is stored once, and an observation older than the entity's current value goes into
the history without replacing the current value. A rejected entity writes nothing; in a
batch each entity's fate is reported.
"""

from __future__ import annotations

import datetime
import enum
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import NgsiError

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

    from ..models import DeviceKey, Entity


class WriteMode(enum.StrEnum):
    # POST entities / entityOperations/create: the entity must not exist.
    CREATE = "create"
    # entityOperations/upsert (default options): create, or replace every attribute.
    UPSERT_REPLACE = "upsert_replace"
    # entityOperations/upsert?options=update, MQTT, the simulator: create, or merge the
    # given attributes into the existing ones.
    UPSERT_MERGE = "upsert_merge"
    # entityOperations/update and POST entities/{id}/attrs: the entity must exist; the
    # given attributes are added or replaced (``no_overwrite`` keeps existing ones).
    APPEND = "append"
    # PATCH entities/{id}/attrs: the entity must exist; only its existing attributes are
    # changed, the others reported as not updated.
    PATCH = "patch"


@dataclass
class EntityResult:
    """One entity's fate in a write: ``error`` is None when it was written.

    ``not_updated`` lists attributes a PATCH left alone (unknown on the entity) with the
    reason, as the standard's UpdateResult reports them.
    """

    entity_id: str
    error: NgsiError | None = None
    created: bool = False
    updated: list[str] = field(default_factory=list)
    not_updated: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class HistoryPoint:
    attribute: str
    observed_at: datetime.datetime
    value: Any


logger = logging.getLogger(__name__)


class DocumentRefused(NgsiError):
    """An NGSI-LD error with a short reason code (``future``, ``unknown_vehicle``...) that
    the refusal listeners count by."""

    def __init__(self, kind: str, detail: str, *, reason: str) -> None:
        super().__init__(kind, detail)
        self.reason = reason


@dataclass(frozen=True)
class CheckedDocument:
    """An entity document that passed urban data's own checks, for a module's check: its
    attributes in NGSI-LD's normalized form."""

    entity_id: str
    type: str
    attributes: Mapping[str, Mapping[str, Any]]


# (city, document, writer's key or None, now) → None, or raises ``NgsiError`` to refuse the
# entity (nothing of it is written; the writer gets the error).
DocumentCheck = Callable[
    ["Municipality", CheckedDocument, "DeviceKey | None", datetime.datetime], None
]
# (city, the refused document as it came, the error, now): told of each refused entity.
RefusalListener = Callable[["Municipality", Mapping[str, Any], NgsiError, datetime.datetime], None]

_document_checks: dict[str, dict[str, DocumentCheck]] = {}
_refusal_listeners: dict[str, dict[str, RefusalListener]] = {}


def _name_of(function: Callable[..., Any]) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def register_document_check(type_name: str, check: DocumentCheck) -> None:
    """Have ``check`` vet every document of ``type_name`` written through ``entities_write``
    (after urban data's own checks; another module's rules, e.g. mobility's: only fleet
    vehicles inside the city report positions). Registering it again changes nothing."""
    _document_checks.setdefault(type_name, {})[_name_of(check)] = check


def document_checks(type_name: str) -> list[DocumentCheck]:
    return list(_document_checks.get(type_name, {}).values())


def register_refusal_listener(type_name: str, listener: RefusalListener) -> None:
    """Tell ``listener`` of every refused document of ``type_name`` (to count refusals)."""
    _refusal_listeners.setdefault(type_name, {})[_name_of(listener)] = listener


def refusal_report(
    municipality: Municipality,
    document: Any,
    error: NgsiError,
    now: datetime.datetime,
) -> None:
    """Hand a refused document to its type's refusal listeners; a failing listener does not
    fail the write (the writer gets the refusal either way)."""
    if not isinstance(document, Mapping):
        return
    type_name = document.get("type", document.get("@type"))
    if not isinstance(type_name, str):
        return
    for name, listener in list(_refusal_listeners.get(type_name, {}).items()):
        try:
            listener(municipality, document, error, now)
        except Exception:
            logger.exception("urbandata refusal listener %s failed", name)


def entities_write(
    *,
    municipality: Municipality,
    documents: Sequence[Mapping[str, Any]],
    mode: WriteMode,
    key: DeviceKey | None,
    no_overwrite: bool = False,
    now: datetime.datetime | None = None,
) -> list[EntityResult]:
    """Validate and write entities; one result per document, in order.

    ``key`` is the writer's key (None: a staff member or a trusted command); a key bound
    to an entity may write only that entity. Raises nothing for a bad entity: its result
    carries the error. For a single-entity endpoint the caller raises ``results[0].error``.
    """
    from ._write import write_documents

    return write_documents(
        municipality=municipality,
        documents=documents,
        mode=mode,
        key=key,
        no_overwrite=no_overwrite,
        now=now,
    )


def history_write(
    *,
    municipality: Municipality,
    entity: Entity,
    points: Sequence[HistoryPoint],
    key: DeviceKey | None,
    now: datetime.datetime | None = None,
) -> int:
    """Store past values of one existing entity (temporal POST, CSV import); returns how
    many points were new. Validates every point first and raises ``NgsiError`` naming the
    first bad one, writing nothing. The entity's current values move only to newer ones."""
    from ._write import write_history

    return write_history(municipality=municipality, entity=entity, points=points, key=key, now=now)


def entity_delete(*, municipality: Municipality, entity_id: str, key: DeviceKey | None) -> None:
    """Delete an entity with its history; ``ResourceNotFound`` if the city has none."""
    from ._write import delete_entity

    delete_entity(municipality=municipality, entity_id=entity_id, key=key)


def entity_attribute_delete(
    *, municipality: Municipality, entity_id: str, attribute: str, key: DeviceKey | None
) -> None:
    """Remove one attribute from an entity's current state (its history stays)."""
    from ._write import delete_attribute

    delete_attribute(municipality=municipality, entity_id=entity_id, attribute=attribute, key=key)


__all__ = [
    "CheckedDocument",
    "DocumentRefused",
    "EntityResult",
    "HistoryPoint",
    "NgsiError",
    "WriteMode",
    "entities_write",
    "entity_attribute_delete",
    "entity_delete",
    "history_write",
    "register_document_check",
    "register_refusal_listener",
]
