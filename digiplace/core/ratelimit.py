"""Rate limits and serialised check-then-write sections that work on every database.

``rate_limit_hit`` counts one hit in a fixed window (a unique counter row per window,
incremented with ``F()``); ``serialise_on`` makes concurrent transactions that check a
condition and then write (count recent reports, then insert one) run one at a time.

Neither stores what it is given: keys (email addresses, client addresses) are kept as
keyed hashes, and the serialised sections share a fixed pool of lock rows, so no personal
data is written and the tables stay bounded.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from .models import RateLimitCounter, SerialisationLock

# Counter rows older than this are removed when a new window starts.
COUNTER_RETENTION = datetime.timedelta(days=2)
# Lock rows shared by every serialised section: two names in one slot only wait for each
# other, which costs nothing at a small city's rate of writes.
LOCK_SLOTS = 1024


def _digest(text: str) -> bytes:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"digiplace.ratelimit:{text}".encode(), hashlib.sha256
    ).digest()


def _stored_key(key: str) -> str:
    """The counter's key as stored: a keyed hash, never the address itself."""
    return _digest(key).hex()


def _window_start(moment: datetime.datetime, window: datetime.timedelta) -> datetime.datetime:
    seconds = int(window.total_seconds())
    epoch = int(moment.timestamp())
    return datetime.datetime.fromtimestamp(epoch - epoch % seconds, tz=datetime.UTC)


def rate_limit_hit(*, scope: str, key: str, limit: int, window: datetime.timedelta) -> bool:
    """Count one hit of ``key`` on ``scope``; False once more than ``limit`` hits fell in
    the current window (the refused hit is counted too, so hammering does not help)."""
    key = _stored_key(key)
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
    RateLimitCounter.objects.filter(scope=scope, key=_stored_key(key)).delete()


def serialise_on(*names: str) -> None:
    """Inside a transaction: wait until no other transaction holds any of ``names``, and
    hold them until this transaction ends. Ask for every name a section needs in one call:
    the slots are taken in one order, so two sections can never wait for each other."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("serialise_on() must be called inside transaction.atomic().")
    slots = sorted({int.from_bytes(_digest(name)[:8], "big") % LOCK_SLOTS for name in names})
    for slot in slots:
        name = f"slot:{slot}"
        SerialisationLock.objects.get_or_create(name=name)
        if connection.features.has_select_for_update:
            SerialisationLock.objects.select_for_update().filter(name=name).exists()
