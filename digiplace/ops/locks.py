"""One process at a time: the lock that ``manage.py upgrade`` holds while it migrates.

Several processes may start the upgrade at once (two web containers of a new version, a
web unit and the worker's after a package update); the database itself decides which one
migrates, and the others wait for it and then find nothing left to do.

- PostgreSQL: a session-level advisory lock on a fixed key, held on a connection of its own
  (``pg_advisory_lock``). Migrations may open, commit and close transactions on Django's
  connection without touching it, and the server releases it when the process dies.
- SQLite: an exclusive ``fcntl`` lock on a file beside the database file (every process
  that can open the database can open it), released by the kernel when the process dies.
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connections

# A fixed 64-bit key: the ASCII of "dp-upgrd". Any process of any DigiPlace version that
# migrates this database takes the same one.
ADVISORY_KEY = 0x64702D7570677264
LOCK_SUFFIX = ".upgrade-lock"


class UpgradeLockUnavailableError(Exception):
    """The database has no lock this module knows how to take."""


def sqlite_lock_path(database_name: str | Path) -> Path:
    return Path(f"{database_name}{LOCK_SUFFIX}")


@contextmanager
def _postgresql_lock(using: str, on_wait: Callable[[], None] | None) -> Iterator[None]:
    # A connection of its own: Django's may be closed or replaced by a migration.
    lock_connection = connections.create_connection(using)
    try:
        with lock_connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_KEY])
            (taken,) = cursor.fetchone()
            if not taken:
                if on_wait is not None:
                    on_wait()
                cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_KEY])
        try:
            yield
        finally:
            with lock_connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_KEY])
    finally:
        lock_connection.close()


@contextmanager
def _sqlite_lock(database_name: str, on_wait: Callable[[], None] | None) -> Iterator[None]:
    path = sqlite_lock_path(database_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def upgrade_lock(
    *, using: str = "default", on_wait: Callable[[], None] | None = None
) -> Iterator[None]:
    """Hold the upgrade lock of database ``using`` for the ``with`` block, waiting for it
    as long as another process holds it; ``on_wait`` is called once, before waiting."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with _postgresql_lock(using, on_wait):
            yield
    elif connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        if not name or name == ":memory:" or name.startswith("file:"):
            raise UpgradeLockUnavailableError(
                "An in-memory SQLite database cannot be shared, nor locked."
            )
        with _sqlite_lock(name, on_wait):
            yield
    else:
        raise UpgradeLockUnavailableError(f"No upgrade lock for {connection.vendor}.")
