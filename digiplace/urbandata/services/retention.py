"""Retention of raw readings: those older than ``URBANDATA_RAW_RETENTION_DAYS`` go (0 keeps
them for ever); their hourly and daily rollups stay, so charts keep every year.

A reading goes only once its rollups are up to date: pending hours are refreshed first, and
nothing at or after the earliest hour still pending is removed. On PostgreSQL whole monthly
partitions past retention are dropped (instant, no dead rows); the rest is deleted.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from ..models import Reading, RollupPending
from .partitions import is_partitioned, partitions_drop_before
from .rollups import rollups_refresh


@dataclass(frozen=True)
class PruneResult:
    # Rows deleted one by one (those in dropped partitions are not counted).
    readings: int = 0
    partitions: list[str] = field(default_factory=list)
    cutoff: datetime.datetime | None = None


def readings_prune(
    *, now: datetime.datetime | None = None, retention_days: int | None = None
) -> PruneResult:
    """Remove raw readings past retention whose rollups are up to date."""
    days = settings.URBANDATA_RAW_RETENTION_DAYS if retention_days is None else retention_days
    if days <= 0:
        return PruneResult()
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    rollups_refresh()
    # Hours marked meanwhile (or left by a refresh that failed) keep their readings.
    earliest_pending = RollupPending.objects.filter(hour__lt=cutoff).aggregate(Min("hour"))[
        "hour__min"
    ]
    if earliest_pending is not None:
        cutoff = earliest_pending
    dropped = partitions_drop_before(cutoff=cutoff) if is_partitioned() else []
    deleted, _by_model = Reading.objects.filter(observed_at__lt=cutoff).delete()
    return PruneResult(readings=deleted, partitions=dropped, cutoff=cutoff)
