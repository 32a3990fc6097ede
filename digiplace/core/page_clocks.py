"""Page clocks from a module's list of moments (``ModuleSpec.page_clock``): what a module's
public pages show by the clock alone (a survey closes, a service alert comes into force)
makes them new at that moment, though nothing was written.

A module gives a function listing every such moment of a city; ``moments_clock`` turns it
into a page clock that reads the moments once per module version (a write that moves a date
moves the version too), keeps them in this process, and finds the latest passed one by
bisection.
"""

from __future__ import annotations

import datetime
import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Municipality
    from .modules import PageClock

# (municipality id, module version) → sorted moments, as POSIX timestamps, per clock.
KEPT = 256


def timestamps(rows: Iterable[tuple[datetime.datetime | None, ...]]) -> list[float]:
    """The moments of ``values_list`` rows as POSIX timestamps (empty ones left out)."""
    return [moment.timestamp() for row in rows for moment in row if moment is not None]


def moments_clock(moments_of: Callable[[Municipality], list[float]]) -> PageClock:
    """A page clock: the latest of ``moments_of(city)`` at or before now (None if none)."""
    kept: OrderedDict[tuple[int, str], list[float]] = OrderedDict()
    lock = threading.Lock()

    def page_clock(
        municipality: Municipality, version: str, now: datetime.datetime
    ) -> datetime.datetime | None:
        key = (municipality.pk, version)
        with lock:
            moments = kept.get(key)
            if moments is not None:
                kept.move_to_end(key)
        if moments is None:
            moments = sorted(set(moments_of(municipality)))
            with lock:
                kept[key] = moments
                while len(kept) > KEPT:
                    kept.popitem(last=False)
        passed = bisect_right(moments, now.timestamp())
        return (
            datetime.datetime.fromtimestamp(moments[passed - 1], tz=datetime.UTC)
            if passed
            else None
        )

    return page_clock
