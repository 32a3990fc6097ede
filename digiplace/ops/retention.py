"""Which nightly backups to keep: grandfather-father-son.

A backup day is kept when it is one of the newest ``daily`` days, or the newest day of one of
the newest ``weekly`` ISO weeks, or the newest day of one of the newest ``monthly`` calendar
months. Weeks and months are counted among those that have a backup (as restic's
``forget --keep-*`` does): a worker that was down for three weeks does not make the rule
throw away the weekly copies from before the gap, it only keeps them longer.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Hashable, Sequence


def backups_to_keep(
    days: Sequence[datetime.date], *, daily: int, weekly: int, monthly: int
) -> set[datetime.date]:
    """The days of ``days`` to keep (the others are pruned); repeated days count once and
    the order of ``days`` does not matter. Counts of 0 (or less) keep nothing of their kind."""
    newest_first = sorted(set(days), reverse=True)
    kept = set(newest_first[: max(daily, 0)])
    kept |= _newest_of_each_period(newest_first, count=weekly, period=_iso_week)
    kept |= _newest_of_each_period(newest_first, count=monthly, period=_month)
    return kept


def _iso_week(day: datetime.date) -> Hashable:
    calendar = day.isocalendar()
    return (calendar.year, calendar.week)


def _month(day: datetime.date) -> Hashable:
    return (day.year, day.month)


def _newest_of_each_period(
    newest_first: list[datetime.date],
    *,
    count: int,
    period: Callable[[datetime.date], Hashable],
) -> set[datetime.date]:
    kept: set[datetime.date] = set()
    seen: set[Hashable] = set()
    for day in newest_first:
        if len(seen) >= count:
            break
        key = period(day)
        if key not in seen:
            seen.add(key)
            kept.add(day)
    return kept
