"""Version numbers per (municipality, module) that move whenever that module's data changes.

Anything cached from a module's data (whole anonymous pages in ``page_cache``, figures a
module precomputes "once per change") puts the current version into its cache key::

    from digiplace.core.cache_versions import cache_version

    key = f"reports:stats:{municipality.pk}:{cache_version(municipality.pk, 'reports')}"
    figures = cache.get(key)
    if figures is None:
        figures = compute()
        cache.set(key, figures, timeout=None)  # never stale: the key moves with the data

A write moves the version with ``cache_version_bump(municipality_id, module)``. Saves and
deletes of every ``CityOwnedModel`` (module = the model's app label), of ``Municipality``
and ``MunicipalityHost`` (module ``core``) bump on their own (``core.signals``); code that
writes through ``QuerySet.update()``, ``bulk_create()``, ``bulk_update()`` or
``QuerySet.delete()`` calls ``cache_version_bump`` itself, since no signal fires there.

Guarantees:

- A version is an opaque string, never reused: the time of the bump (microseconds) and a
  random part. A version lost from the cache (eviction, a Redis restart) is replaced by a
  new one, so a lost version can never bring back an older cached value.
- The bump happens at once (so that the writing request, and tests that never commit, see
  the change) and again when the transaction commits (so that a reader who cached the old
  data between the first bump and the commit cached it under a version nobody asks for).
- Each version carries the deploy's code version (``code_version()``: a hash of the
  program's files and compiled catalogues), so a deploy with new code or translations
  never serves values cached by the old one.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model

# Municipality id used for pages of the platform's own hosts (no municipality).
PLATFORM = 0
# The module every page of a city depends on (the city's name, hosts, colours, languages).
CORE = "core"

_KEY_PREFIX = "digiplace:ver"
_CODE_SUFFIXES = {".py", ".html", ".txt", ".mo", ".js", ".css", ".svg", ".json"}


# Stands, in a signed-in page's key, for the city-owned records only staff pages show:
# their writes move this version, not their module's (the audit log is written on every
# staff action, and would otherwise empty the city's public page cache each time).
STAFF = "staff"
NOT_PUBLIC_MODELS = frozenset({"core.AuditLogEntry", "core.StaffMembership"})
# Stands for the people's own records (accounts, notifications, email opt-outs), which no
# public page shows and signed-in pages do: one version for the platform, moved by any write.
PEOPLE = "people"
PEOPLE_MODELS = frozenset({"core.User", "core.Notification", "core.EmailOptOut", "authtoken.Token"})


def model_module(model: type[Model]) -> str | None:
    """The module whose version a write of ``model`` moves: its app's, ``STAFF`` for the
    city-owned records only staff see, ``PEOPLE`` for the people's own (a platform-wide
    version); None for records no page shows."""
    label = model._meta.label
    if label in NOT_PUBLIC_MODELS:
        return STAFF
    if label in PEOPLE_MODELS:
        return PEOPLE
    return model._meta.app_label


def _key(municipality_id: int | None, module: str) -> str:
    return f"{_KEY_PREFIX}:{municipality_id or PLATFORM}:{module}"


@lru_cache(maxsize=1)
def _code_state() -> tuple[str, float]:
    """(hash, newest modification time) of the program's files and compiled catalogues."""
    roots = [Path(settings.BASE_DIR) / "digiplace", Path(settings.BASE_DIR) / "config"]
    roots += [Path(path) for path in settings.LOCALE_PATHS]
    digest = hashlib.sha256(str(getattr(settings, "DIGIPLACE_VERSION", "")).encode())
    newest = 0.0
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix not in _CODE_SUFFIXES or "__pycache__" in path.parts:
                continue
            stat = path.stat()
            digest.update(f"{path}:{stat.st_mtime_ns}:{stat.st_size}\n".encode())
            newest = max(newest, stat.st_mtime)
    return digest.hexdigest()[:12], newest


def code_version() -> str:
    """A short hash that changes with any deploy of new code, templates or catalogues."""
    return _code_state()[0]


def code_time() -> datetime:
    """When the deployed code or catalogues last changed (for ``Last-Modified``)."""
    return datetime.fromtimestamp(int(_code_state()[1]), tz=UTC)


def _new_token() -> str:
    return f"{time.time_ns() // 1000:x}-{secrets.token_hex(4)}"


def cache_versions_of(pairs: Iterable[tuple[int | None, str]]) -> list[str]:
    """The current versions of several (municipality id, module) pairs, in one cache read."""
    keys = [_key(municipality_id, module) for municipality_id, module in pairs]
    found: dict[str, Any] = cache.get_many(keys)
    versions: list[str] = []
    for key in keys:
        token = found.get(key)
        if not isinstance(token, str):
            # Never bumped or evicted: a fresh one, set only if no other process set one
            # meanwhile, then read back.
            cache.add(key, _new_token(), timeout=None)
            token = cache.get(key)
            if not isinstance(token, str):
                token = _new_token()
            found[key] = token
        versions.append(f"{code_version()}-{token}")
    return versions


def cache_versions(municipality_id: int | None, modules: Iterable[str]) -> dict[str, str]:
    """The current version of each of ``modules`` for the municipality (one cache read)."""
    codes = list(modules)
    found = cache_versions_of((municipality_id, module) for module in codes)
    return dict(zip(codes, found, strict=True))


def cache_version(municipality_id: int | None, module: str) -> str:
    """The current version of ``module``'s data for the municipality (an opaque string).

    Put it into the key of anything cached from that data; it moves on every write that
    concerns the module in that municipality (see ``cache_version_bump``).
    """
    return cache_versions(municipality_id, [module])[module]


def _bump(municipality_id: int | None, module: str) -> None:
    cache.set(_key(municipality_id, module), _new_token(), timeout=None)


def cache_version_bump(municipality_id: int | None, module: str, *, at_once: bool = True) -> None:
    """Move the version of ``module``'s data for the municipality, now and on commit.

    Call it after any write that signals do not see (``QuerySet.update()``,
    ``bulk_create()``, ``bulk_update()``, ``QuerySet.delete()``, raw SQL); saves and
    deletes of models are bumped by ``core.signals``. Bumping ``core`` makes every page
    of the city new (every page shows the city's name, colours and menus).

    ``at_once=False``: inside a transaction, only when it commits, for write paths whose own
    request shows no page (machines sending readings many times a second): one cache write
    per batch instead of two. Tests that never commit then see the old pages.
    """
    in_transaction = transaction.get_connection().in_atomic_block
    if at_once or not in_transaction:
        _bump(municipality_id, module)
    if in_transaction:
        transaction.on_commit(lambda: _bump(municipality_id, module), robust=True)


def version_time(version: str) -> datetime:
    """When ``version`` was made (whole seconds, UTC), for ``Last-Modified``."""
    try:
        microseconds = int(version.split("-")[1], 16)
    except (IndexError, ValueError):
        return datetime.now(tz=UTC).replace(microsecond=0)
    return datetime.fromtimestamp(microseconds // 1_000_000, tz=UTC)
