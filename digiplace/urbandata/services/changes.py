"""What a write changed, handed to the listeners that react to it (subscriptions, alert
rules; the waste and mobility modules later) in the background, after the write commits."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction


@dataclass(frozen=True)
class EntityChange:
    municipality_id: int
    entity_pk: int
    entity_id: str
    type: str
    # The attributes whose current value changed (all of them for a new entity).
    attributes: tuple[str, ...]
    created: bool = False
    deleted: bool = False

    def to_row(self) -> list[Any]:
        """A compact JSON form for the task queue (a batch holds thousands of changes)."""
        return [
            self.municipality_id,
            self.entity_pk,
            self.entity_id,
            self.type,
            list(self.attributes),
            self.created,
            self.deleted,
        ]

    @classmethod
    def from_row(cls, row: list[Any]) -> EntityChange:
        municipality_id, entity_pk, entity_id, type_name, attributes, created, deleted = row
        return cls(
            municipality_id=municipality_id,
            entity_pk=entity_pk,
            entity_id=entity_id,
            type=type_name,
            attributes=tuple(attributes),
            created=created,
            deleted=deleted,
        )


Listener = Callable[[Sequence[EntityChange]], None]

_listeners: dict[str, Listener] = {}


def listener_register(name: str, listener: Listener) -> None:
    """Call ``listener`` with each committed batch of changes (in the task worker)."""
    _listeners[name] = listener


def listeners() -> dict[str, Listener]:
    return dict(_listeners)


def changes_publish(changes: Sequence[EntityChange]) -> None:
    """Once the current transaction commits, queue one task that hands ``changes`` to every
    listener."""
    if not changes or not _listeners:
        return
    payload = json.dumps([change.to_row() for change in changes], separators=(",", ":"))

    def enqueue() -> None:
        from ..tasks import entity_changes_process

        entity_changes_process.enqueue(changes=payload)

    transaction.on_commit(enqueue)
