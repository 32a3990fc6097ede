"""What a write changed, handed to the listeners that react to it (subscriptions, alert
rules; the waste and mobility modules later) in the background, after the write commits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
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

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EntityChange:
        return cls(**{**data, "attributes": tuple(data["attributes"])})


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
    payload = [asdict(change) for change in changes]

    def enqueue() -> None:
        from ..tasks import entity_changes_process

        entity_changes_process.enqueue(changes=payload)

    transaction.on_commit(enqueue)
