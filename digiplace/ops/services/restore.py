"""``backup_restore``: an archive (``digiplace.ops.archive``) back into an empty database and
an empty media folder; ``backup_verify``: whether an archive is whole.

The order, so that nothing is half-restored:

1. refuse a target that holds data (a database with rows in a model's table other than the
   content types and permissions ``migrate`` writes by itself, or with tables that are not
   DigiPlace's; a media folder with files);
2. read the whole archive once, streamed, into a staging folder beside the media folder:
   every member's SHA-256 and size against the manifest (the last member), so that a
   truncated or altered archive is refused before anything is touched; then refuse an
   archive from a newer version (a migration this code does not know, a newer DigiPlace, a
   newer format);
3. the database: PostgreSQL's dump through ``pg_restore --single-transaction``; an SQLite
   file checked, then moved into place; an SQLite archive into PostgreSQL by migrating the
   extracted file and the target to this code's migrations and copying the rows
   (``transfer.rows_copy``, one transaction). The rows per table are compared with the
   manifest, then ``migrate`` brings an older archive forward;
4. the media files moved into the media folder.

A failure at any step undoes the steps before it, in reverse: the database goes back to
what it was (no tables, or an empty migrated schema), the media folder to empty.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.loader import MigrationLoader
from django.db.utils import load_backend
from django.utils.translation import gettext as _

from .. import archive, transfer
from .backup import (
    MIGRATIONS_TABLE,
    BackupError,
    digiplace_version,
    model_tables,
    postgresql_environment,
    postgresql_program,
    sqlite_quote,
    sqlite_tables,
    table_counts,
)

logger = logging.getLogger(__name__)

# Rows that ``migrate`` writes by itself: a just-migrated database holds them and is empty.
MIGRATE_FILLED_TABLES = ("django_content_type", "auth_permission")


class RestoreError(Exception):
    """Why a restore (or a check) was refused or failed, in the user's language; the
    database and the media folder were left as they were."""


@dataclass(frozen=True)
class RestoreResult:
    manifest: dict[str, Any]
    counts: dict[str, int]
    media_files: int
    seconds: float


def backup_verify(*, path: Path, passphrase: str = "") -> dict[str, Any]:
    """Read the whole archive and check every member against the manifest; returns the
    manifest. Raises RestoreError when it is unreadable, truncated or altered."""
    return _archive_read(Path(path), passphrase=passphrase, staging=None)


def backup_restore(
    *,
    path: Path,
    passphrase: str = "",
    database: str = DEFAULT_DB_ALIAS,
    media_root: Path | None = None,
) -> RestoreResult:
    """Restore the archive ``path`` into the database ``database`` and ``media_root``
    (``MEDIA_ROOT``), both empty. All or nothing."""
    started = time.monotonic()
    path = Path(path)
    connection = connections[database]
    vendor = connection.vendor
    if vendor not in archive.DATABASE_MEMBERS:
        raise RestoreError(
            _("Restores go into PostgreSQL or SQLite, not %(vendor)s.") % {"vendor": vendor}
        )
    media = Path(media_root if media_root is not None else settings.MEDIA_ROOT)
    _media_empty_check(media)
    migrated = _database_empty_check(database)

    def database_member_check(archive_vendor: str) -> None:
        if archive_vendor == "postgresql" and vendor == "sqlite":
            raise RestoreError(
                _(
                    "This archive holds a PostgreSQL database: it can be restored into "
                    "PostgreSQL only (set DATABASE_URL to an empty PostgreSQL database). "
                    "Nothing was changed."
                )
            )

    try:
        media.parent.mkdir(parents=True, exist_ok=True)
        # Beside the media folder: the media files are moved, not copied, into place.
        staging = Path(tempfile.mkdtemp(prefix=".digiplace-restore-", dir=media.parent))
    except OSError as error:
        raise RestoreError(
            _("No staging folder could be made beside %(path)s: %(error)s")
            % {"path": media, "error": error.strerror or error}
        ) from error
    undo: list[Callable[[], None]] = []
    done: list[Callable[[], None]] = []
    try:
        manifest = _archive_read(
            path, passphrase=passphrase, staging=staging, database_check=database_member_check
        )
        _compatibility_check(manifest)
        staged_database = staging / "database"
        archive_vendor = manifest["database"]["vendor"]
        if archive_vendor == "postgresql":
            counts = _postgresql_restore(database, staged_database, manifest, migrated, undo)
        elif vendor == "sqlite":
            counts = _sqlite_restore(database, staged_database, manifest, undo, done)
        else:
            counts = _sqlite_into_postgresql(database, staged_database, manifest, migrated, undo)
        media_files = _media_move(staging / "media", media, undo)
    except BaseException:
        for action in reversed(undo):
            try:
                action()
            except Exception:
                logger.exception("restore: undoing a step failed")
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for action in done:
        with contextlib.suppress(OSError):
            action()
    _caches_clear(database)
    return RestoreResult(
        manifest=manifest,
        counts=counts,
        media_files=media_files,
        seconds=time.monotonic() - started,
    )


# The archive --------------------------------------------------------------------------------


def _archive_read(
    path: Path,
    *,
    passphrase: str,
    staging: Path | None,
    database_check: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Read every member once; with ``staging``, write the database to ``staging/database``
    and the media files under ``staging/media``. Returns the checked manifest."""
    if not path.is_file():
        raise RestoreError(_("There is no archive %(path)s.") % {"path": path})
    found: dict[str, tuple[int, str]] = {}
    manifest_data: bytes | None = None
    media_files = 0
    vendors = {member: vendor for vendor, member in archive.DATABASE_MEMBERS.items()}
    with tempfile.TemporaryFile() as computed, tempfile.TemporaryFile() as listed:
        try:
            with archive.ArchiveReader(path, passphrase=passphrase) as reader:
                for info, content in reader.members():
                    name = info.name
                    if manifest_data is not None or name in found:
                        raise _altered()
                    if name == archive.MANIFEST_NAME:
                        manifest_data = content.read(archive.MANIFEST_MAX_BYTES + 1)
                        if len(manifest_data) > archive.MANIFEST_MAX_BYTES:
                            raise _altered()
                    elif name in vendors:
                        if database_check is not None:
                            database_check(vendors[name])
                        found[name] = _copy(content, staging / "database" if staging else None)
                    elif name == archive.MEDIA_CHECKSUMS_NAME:
                        found[name] = _copy(content, listed)
                    else:
                        if archive.MEDIA_CHECKSUMS_NAME in found:
                            raise _altered()
                        relative = name[len(archive.MEDIA_PREFIX) :]
                        target = staging / "media" / relative if staging else None
                        size, digest = _copy(content, target)
                        computed.write(archive.media_line(name, size, digest))
                        media_files += 1
        except archive.ArchiveError as error:
            raise RestoreError(str(error)) from error
        except OSError as error:
            raise RestoreError(
                _("The archive could not be unpacked: %(error)s. Nothing was changed.")
                % {"error": error.strerror or error}
            ) from error
        if manifest_data is None:
            raise RestoreError(
                _(
                    "The archive is incomplete (it has no manifest: truncated, or not a "
                    "DigiPlace backup). Nothing was changed."
                )
            )
        manifest = _manifest_parse(manifest_data)
        _members_check(manifest, found)
        _media_check(manifest, computed, listed, media_files)
    return manifest


def _copy(content: IO[bytes], target: Path | IO[bytes] | None) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with contextlib.ExitStack() as stack:
        output: IO[bytes] | None
        if isinstance(target, Path):
            target.parent.mkdir(parents=True, exist_ok=True)
            output = stack.enter_context(target.open("xb"))
        else:
            output = target
        while chunk := content.read(archive.CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
            if output is not None:
                output.write(chunk)
    return size, digest.hexdigest()


def _manifest_parse(data: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _altered() from error
    required = ("format", "digiplace_version", "database", "migrations", "tables", "members")
    if not isinstance(manifest, dict) or any(key not in manifest for key in required):
        raise _altered()
    if not isinstance(manifest["format"], int) or manifest["format"] > archive.FORMAT_VERSION:
        raise RestoreError(
            _(
                "This archive was written in a newer format (version %(format)s) than this "
                "version of DigiPlace reads: upgrade DigiPlace, then restore. Nothing was changed."
            )
            % {"format": manifest["format"]}
        )
    database = manifest["database"]
    if not isinstance(database, dict) or database.get("vendor") not in archive.DATABASE_MEMBERS:
        raise _altered()
    return manifest


def _members_check(manifest: dict[str, Any], found: dict[str, tuple[int, str]]) -> None:
    listed = manifest["members"]
    database_member = archive.DATABASE_MEMBERS[manifest["database"]["vendor"]]
    if not isinstance(listed, dict) or set(listed) != set(found) or database_member not in found:
        raise RestoreError(
            _(
                "The archive's members are not the ones its manifest lists (truncated, or "
                "altered). Nothing was changed."
            )
        )
    for name, (size, digest) in sorted(found.items()):
        expected = listed[name]
        if not isinstance(expected, dict) or (expected.get("size"), expected.get("sha256")) != (
            size,
            digest,
        ):
            raise _checksum_mismatch(name)


def _media_check(
    manifest: dict[str, Any], computed: IO[bytes], listed: IO[bytes], media_files: int
) -> None:
    computed.seek(0)
    listed.seek(0)
    for ours, theirs in zip(computed, listed, strict=False):
        if ours != theirs:
            try:
                name = str(json.loads(ours)["name"])
            except (ValueError, KeyError):
                name = archive.MEDIA_CHECKSUMS_NAME
            raise _checksum_mismatch(name)
    if computed.read() or listed.read():
        raise RestoreError(
            _(
                "The archive's media files are not the ones its checksums list (truncated, "
                "or altered). Nothing was changed."
            )
        )
    media = manifest.get("media")
    if not isinstance(media, dict) or media.get("files") != media_files:
        raise _altered()


def _compatibility_check(manifest: dict[str, Any]) -> None:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    migrations = manifest["migrations"]
    if not isinstance(migrations, dict):
        raise _altered()
    for app, names in sorted(migrations.items()):
        for name in names:
            if (app, name) not in known:
                raise RestoreError(
                    _(
                        "This archive comes from a newer version of DigiPlace: it has the "
                        "migration %(migration)s, which this version does not know. Upgrade "
                        "DigiPlace, then restore. Nothing was changed."
                    )
                    % {"migration": f"{app}.{name}"}
                )
    theirs = str(manifest["digiplace_version"])
    if _version_key(theirs) > _version_key(digiplace_version()):
        raise RestoreError(
            _(
                "This archive comes from a newer version of DigiPlace (%(theirs)s; this one is "
                "%(ours)s). Upgrade DigiPlace, then restore. Nothing was changed."
            )
            % {"theirs": theirs, "ours": digiplace_version()}
        )


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version.split("+")[0])[:4])


def _altered() -> RestoreError:
    return RestoreError(
        _(
            "The archive is damaged or altered: its manifest or its list of members does not "
            "hold together. Nothing was changed."
        )
    )


def _checksum_mismatch(name: str) -> RestoreError:
    return RestoreError(
        _(
            "The archive is damaged: %(member)s does not match its checksum in the manifest. "
            "Nothing was changed."
        )
        % {"member": name[:200]}
    )


# The targets --------------------------------------------------------------------------------


def _media_empty_check(media: Path) -> None:
    if not media.exists():
        return
    if not media.is_dir() or any(media.iterdir()):
        raise RestoreError(
            _(
                "The media folder %(path)s is not empty: a restore goes only into an empty "
                "media folder. Point DIGIPLACE_MEDIA_ROOT at a new, empty folder (or move the "
                "files away). Nothing was changed."
            )
            % {"path": media}
        )


def _tables(alias: str) -> set[str]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        if connection.vendor == "postgresql":
            # Partitions belong to their partitioned table (urban data's readings).
            cursor.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.relispartition AND n.nspname = ANY(current_schemas(false))"
            )
            tables -= {str(row[0]) for row in cursor.fetchall()}
    return tables


def _database_empty_check(alias: str) -> bool:
    """Refuse a database that holds data; returns whether it was migrated (an empty schema
    to put back if the restore fails) or bare (no tables)."""
    connection = connections[alias]
    if connection.vendor == "sqlite" and not Path(str(connection.settings_dict["NAME"])).exists():
        # Not even created: connecting would make an empty file.
        return False
    tables = _tables(alias)
    if not tables:
        return False
    models = set(model_tables())
    ours = models | {MIGRATIONS_TABLE, str(getattr(settings, "CACHE_TABLE", ""))}
    foreign = sorted(tables - ours)
    if foreign:
        raise RestoreError(
            _(
                "The database holds tables that are not DigiPlace's (such as %(table)s): a "
                "restore goes only into an empty database. Create a new, empty database and "
                "set DATABASE_URL to it. Nothing was changed."
            )
            % {"table": foreign[0]}
        )
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in sorted((tables & models) - set(MIGRATE_FILLED_TABLES)):
            cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")  # noqa: S608 (model tables)
            if cursor.fetchone() is not None:
                raise RestoreError(
                    _(
                        "The database already holds data (the table %(table)s has rows): a "
                        "restore goes only into an empty database, so that nothing is "
                        "overwritten. Create a new, empty database and set DATABASE_URL to it. "
                        "Nothing was changed."
                    )
                    % {"table": table}
                )
    return MIGRATIONS_TABLE in tables


def _counts(alias: str) -> dict[str, int]:
    connection = connections[alias]
    with connection.cursor() as cursor:

        def execute(sql: str) -> list[tuple[Any, ...]]:
            cursor.execute(sql)
            return list(cursor.fetchall())

        existing = set(connection.introspection.table_names(cursor))
        return table_counts(execute, existing, connection.ops.quote_name)


def _counts_compare(expected: dict[str, Any], found: dict[str, int], *, tables: set[str]) -> None:
    for table in sorted(tables):
        if int(expected.get(table, 0)) != found.get(table, 0):
            raise RestoreError(
                _(
                    "The restored database does not match the archive's manifest (the table "
                    "%(table)s has %(found)s rows, the manifest says %(expected)s). The restore "
                    "was undone."
                )
                % {"table": table, "found": found.get(table, 0), "expected": expected.get(table, 0)}
            )


def _migrate(alias: str) -> None:
    try:
        call_command("migrate", database=alias, interactive=False, verbosity=0)
    except Exception as error:
        raise RestoreError(
            _("Migrating the restored database failed: %(error)s. The restore was undone.")
            % {"error": str(error).splitlines()[0] if str(error) else type(error).__name__}
        ) from error


def _sqlite_check(file: Path, manifest: dict[str, Any]) -> None:
    """The extracted SQLite file opens, passes SQLite's quick check and has the manifest's
    rows per table."""
    try:
        source = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)
        try:
            result = source.execute("PRAGMA quick_check").fetchone()
            if result is None or result[0] != "ok":
                raise RestoreError(
                    _("The archive's SQLite database fails SQLite's check. Nothing was changed.")
                )
            existing = sqlite_tables(source)

            def execute(sql: str) -> list[tuple[Any, ...]]:
                return list(source.execute(sql).fetchall())

            found = table_counts(execute, existing, sqlite_quote)
        finally:
            source.close()
    except sqlite3.DatabaseError as error:
        raise RestoreError(
            _("The archive's SQLite database cannot be read: %(error)s. Nothing was changed.")
            % {"error": error}
        ) from error
    _counts_compare(manifest["tables"], found, tables=set(manifest["tables"]) | set(found))


def _postgresql_tables_drop(alias: str) -> None:
    """Drop every table of the (checked: empty, DigiPlace's) database."""
    connection = connections[alias]
    tables = _tables(alias)
    if tables:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TABLE IF EXISTS "
                + ", ".join(quote(table) for table in sorted(tables))
                + " CASCADE"
            )


def _postgresql_reset(alias: str, migrated: bool) -> None:
    """Back to what the database was: no tables, or an empty migrated schema."""
    connections[alias].close()
    _postgresql_tables_drop(alias)
    if migrated:
        call_command("migrate", database=alias, interactive=False, verbosity=0)
    _content_types_forget()


def _postgresql_restore(
    alias: str,
    dump: Path,
    manifest: dict[str, Any],
    migrated: bool,
    undo: list[Callable[[], None]],
) -> dict[str, int]:
    connection = connections[alias]
    try:
        pg_restore = postgresql_program("pg_restore")
    except BackupError as error:
        raise RestoreError(str(error)) from error
    # A migrated target's empty tables would collide with the dump's: dropped first, put
    # back by the undo.
    undo.append(lambda: _postgresql_reset(alias, migrated))
    if migrated:
        _postgresql_tables_drop(alias)
    completed = subprocess.run(  # noqa: S603 (fixed program, no shell)
        [
            pg_restore,
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            f"--dbname={connection.settings_dict['NAME']}",
            str(dump),
        ],
        env=postgresql_environment(connection.settings_dict),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        lines = [line for line in completed.stderr.strip().splitlines() if line.strip()]
        raise RestoreError(
            _("pg_restore failed: %(error)s. Nothing was restored.")
            % {"error": lines[-1] if lines else completed.returncode}
        )
    connection.close()
    _counts_compare(manifest["tables"], _counts(alias), tables=set(manifest["tables"]))
    _migrate(alias)
    _content_types_forget()
    return _counts(alias)


def _sqlite_restore(
    alias: str,
    staged: Path,
    manifest: dict[str, Any],
    undo: list[Callable[[], None]],
    done: list[Callable[[], None]],
) -> dict[str, int]:
    connection = connections[alias]
    target = Path(str(connection.settings_dict["NAME"]))
    target.parent.mkdir(parents=True, exist_ok=True)
    incoming = target.with_name(target.name + ".restoring")
    incoming.unlink(missing_ok=True)
    # Beside the target, so that the last step is a rename on one disk.
    shutil.move(staged, incoming)
    try:
        _sqlite_check(incoming, manifest)
    except BaseException:
        incoming.unlink(missing_ok=True)
        raise
    connection.close()
    moved: list[tuple[Path, Path]] = []
    for suffix in ("", "-wal", "-shm", "-journal"):
        current = Path(f"{target}{suffix}")
        if current.exists():
            aside = Path(f"{target}{suffix}.before-restore")
            os.replace(current, aside)
            moved.append((current, aside))

    def put_back() -> None:
        connections[alias].close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        for current, aside in moved:
            os.replace(aside, current)
        _content_types_forget()

    undo.append(put_back)
    for _current, aside in moved:
        done.append(functools.partial(aside.unlink, missing_ok=True))
    os.replace(incoming, target)
    _migrate(alias)
    _content_types_forget()
    return _counts(alias)


def _sqlite_into_postgresql(
    alias: str,
    staged: Path,
    manifest: dict[str, Any],
    migrated: bool,
    undo: list[Callable[[], None]],
) -> dict[str, int]:
    _sqlite_check(staged, manifest)
    source = f"digiplace-restore-source-{uuid.uuid4().hex}"
    # A connection of this restore's own, outside the settings (which list the site's).
    source_connection = load_backend("django.db.backends.sqlite3").DatabaseWrapper(
        _sqlite_settings(staged), source
    )
    connections[source] = source_connection
    try:
        _migrate(source)
        undo.append(lambda: _postgresql_reset(alias, migrated))
        _migrate(alias)
        try:
            copied = transfer.rows_copy(source=source, target=alias)
        except transfer.TransferError as error:
            raise RestoreError(str(error)) from error
        source_counts = _counts(source)
    finally:
        source_connection.close()
        with contextlib.suppress(AttributeError):
            del connections[source]
    found = _counts(alias)
    _counts_compare(source_counts, found, tables=set(source_counts) | set(found))
    _counts_compare(copied, found, tables=set(copied))
    return found


def _sqlite_settings(file: Path) -> dict[str, Any]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(file),
        "ATOMIC_REQUESTS": False,
        "AUTOCOMMIT": True,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "OPTIONS": {},
        "TIME_ZONE": None,
        "USER": "",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
        "TEST": {"CHARSET": None, "COLLATION": None, "MIGRATE": True, "MIRROR": None, "NAME": None},
    }


def _media_move(staged: Path, media: Path, undo: list[Callable[[], None]]) -> int:
    """Move the staged media files into ``media`` (empty, checked); returns how many."""
    files = sum(len(names) for _root, _folders, names in os.walk(staged)) if staged.exists() else 0
    media.mkdir(parents=True, exist_ok=True)
    if not staged.exists():
        return 0
    entries = sorted(staged.iterdir())

    def empty_again() -> None:
        for entry in entries:
            moved = media / entry.name
            if moved.is_dir() and not moved.is_symlink():
                shutil.rmtree(moved, ignore_errors=True)
            else:
                moved.unlink(missing_ok=True)

    undo.append(empty_again)
    for entry in entries:
        # A rename when the staging folder is on the media folder's disk, else a copy (a
        # media folder that is a volume of its own).
        shutil.move(entry, media / entry.name)
    return files


def _content_types_forget() -> None:
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


def _caches_clear(alias: str) -> None:
    """Pages cached before the restore (Redis outlives the database) must not be served."""
    if alias != DEFAULT_DB_ALIAS:
        return
    try:
        cache.clear()
    except (DatabaseError, OSError, Exception):
        logger.warning("restore: the cache could not be cleared; it expires on its own")
