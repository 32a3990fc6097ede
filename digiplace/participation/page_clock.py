"""What participation's pages show by the clock alone: a survey opens or closes, project
submission and voting open and close, a process stops taking proposals, a meeting starts
or ends. Cached pages are keyed on the latest such moment (``ModuleSpec.page_clock``), so
a survey page says "closed" the minute it closes, though nothing was written.

The moments are read once per module version (a write that moves a date moves the version
too) and kept in this process; finding the latest one is a bisection.
"""

from __future__ import annotations

import datetime
import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .models import Budget, Meeting, Process, Survey

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

# (municipality id, module version) → sorted moments, as POSIX timestamps.
_KEPT = 256
_moments: OrderedDict[tuple[int, str], list[float]] = OrderedDict()
_lock = threading.Lock()


def _flat(rows: Iterable[tuple[datetime.datetime | None, ...]]) -> list[float]:
    return [moment.timestamp() for row in rows for moment in row if moment is not None]


def clock_moments(*, municipality: Municipality) -> list[float]:
    """Every moment at which a public participation page of the city changes by itself."""
    city = municipality.pk
    moments = _flat(
        Survey.objects.filter(municipality_id=city, is_published=True).values_list(
            "opens_at", "closes_at"
        )
    )
    moments += _flat(
        Budget.objects.filter(municipality_id=city).values_list(
            "submission_opens_at", "submission_closes_at", "voting_opens_at", "voting_closes_at"
        )
    )
    moments += _flat(
        Process.objects.filter(
            municipality_id=city, is_published=True, proposals_enabled=True
        ).values_list("proposals_open_from", "proposals_open_until")
    )
    moments += _flat(
        Meeting.objects.filter(municipality_id=city, is_published=True).values_list(
            "starts_at", "ends_at"
        )
    )
    return sorted(set(moments))


def page_clock(
    municipality: Municipality, version: str, now: datetime.datetime
) -> datetime.datetime | None:
    """The latest of the city's clock moments at or before ``now`` (None if none passed)."""
    key = (municipality.pk, version)
    with _lock:
        moments = _moments.get(key)
        if moments is not None:
            _moments.move_to_end(key)
    if moments is None:
        moments = clock_moments(municipality=municipality)
        with _lock:
            _moments[key] = moments
            while len(_moments) > _KEPT:
                _moments.popitem(last=False)
    passed = bisect_right(moments, now.timestamp())
    return datetime.datetime.fromtimestamp(moments[passed - 1], tz=datetime.UTC) if passed else None
