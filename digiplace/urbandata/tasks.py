"""Urban data's background tasks (run by ``manage.py db_worker``)."""

from __future__ import annotations

import logging
from typing import Any

from django_tasks import task

from .services.changes import EntityChange, listeners

logger = logging.getLogger(__name__)


@task()
def entity_changes_process(*, changes: list[list[Any]]) -> int:
    """Hand a committed batch of entity changes to each listener; one failing listener does
    not keep the others from running."""
    batch = [EntityChange.from_row(change) for change in changes]
    for name, listener in listeners().items():
        try:
            listener(batch)
        except Exception:
            logger.exception("urbandata listener %s failed", name)
    return len(batch)
