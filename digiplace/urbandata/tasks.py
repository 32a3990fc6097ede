"""Urban data's background tasks (run by ``manage.py db_worker``)."""

from __future__ import annotations

import json
import logging
from typing import Any

from django_tasks import task

from .services.changes import EntityChange, listeners

logger = logging.getLogger(__name__)


@task()
def entity_changes_process(*, changes: str | list[list[Any]]) -> int:
    """Hand a committed batch of entity changes to each listener; one failing listener does
    not keep the others from running.

    ``changes`` is the JSON text of the rows (``EntityChange.to_row``): one string is queued
    many times faster than thousands of small lists the task queue would walk one by one.
    A list of rows (tasks queued before that) is read too."""
    rows = json.loads(changes) if isinstance(changes, str) else changes
    batch = [EntityChange.from_row(change) for change in rows]
    for name, listener in listeners().items():
        try:
            listener(batch)
        except Exception:
            logger.exception("urbandata listener %s failed", name)
    return len(batch)
