"""Rate limits and serialised check-then-write sections that work on every database.

``rate_limit_hit`` counts one hit in a fixed window (a unique counter row per window,
incremented with ``F()``); ``serialise_on`` makes concurrent transactions that check a
condition and then write (count recent reports, then insert one) run one at a time.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from .models import RateLimitCounter, SerialisationLock

# Counter rows older than this are removed when a new window starts.
COUNTER_RETENTION = datetime.timedelta(days=2)


def _window_start(moment: datetime.datetime, window: datetime.timedelta) -> datetime.datetime:
    seconds = int(window.total_seconds())
    epoch = int(moment.timestamp())
    return datetime.datetime.fromtimestamp(epoch - epoch % seconds, tz=datetime.UTC)


def rate_limit_hit(*, scope: str, key: str, limit: int, window: datetime.timedelta) -> bool:
    """Count one hit of ``key`` on ``scope``; False once more than ``limit`` hits fell in
    the current window (the refused hit is counted too, so hammering does not help)."""
    key = key[:200]
    start = _window_start(timezone.now(), window)
    with transaction.atomic():
        updated = RateLimitCounter.objects.filter(scope=scope, key=key, window_start=start).update(
            hits=F("hits") + 1
        )
        if not updated:
            try:
                with transaction.atomic():
                    RateLimitCounter.objects.create(
                        scope=scope, key=key, window_start=start, hits=1
                    )
            except IntegrityError:
                # Another request created the row first: count on it.
                RateLimitCounter.objects.filter(scope=scope, key=key, window_start=start).update(
                    hits=F("hits") + 1
                )
            else:
                RateLimitCounter.objects.filter(
                    window_start__lt=timezone.now() - COUNTER_RETENTION
                ).delete()
        hits = (
            RateLimitCounter.objects.filter(scope=scope, key=key, window_start=start)
            .values_list("hits", flat=True)
            .get()
        )
    return hits <= limit


def rate_limit_reset(*, scope: str, key: str) -> None:
    """Forget the hits of ``key`` on ``scope`` (for example after a successful action)."""
    RateLimitCounter.objects.filter(scope=scope, key=key[:200]).delete()


def serialise_on(name: str) -> None:
    """Inside a transaction: wait until no other transaction holds ``name``, and hold it
    until this transaction ends."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("serialise_on() must be called inside transaction.atomic().")
    name = name[:200]
    SerialisationLock.objects.get_or_create(name=name)
    if connection.features.has_select_for_update:
        SerialisationLock.objects.select_for_update().filter(name=name).exists()
