"""``backup_create``: one archive (``digiplace.ops.archive``) of the database, the uploaded
media and a manifest, written while the site runs.

The database is copied from one consistent moment and the manifest's facts (migrations,
municipalities, rows per table) are read from that same moment:

- PostgreSQL: a read-only REPEATABLE READ transaction exports its snapshot, the facts are
  read in it, and ``pg_dump --snapshot`` dumps exactly what it sees (custom format, no
  owners or privileges, so that it restores under another role); the connection's
  parameters go to pg_dump through its environment (PGPASSWORD...), never its command line;
- SQLite: the online backup API copies the database in one step into a file beside the
  archive, and the facts are read from that copy.

The database cache's rows are left out (pg_dump's ``--exclude-table-data``, deleted from the
SQLite copy): a cache, rebuilt as pages are served. The archive is written to
``FILE.partial`` and renamed at the end: a failure leaves no file with the final name.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.utils import load_backend
from django.utils.translation import gettext as _

from digiplace.core.models import Municipality

from .. import archive

# Non-model tables of this project that a backup and a restore know about.
CACHE_TABLE_SETTING = "CACHE_TABLE"
MIGRATIONS_TABLE = "django_migrations"


class BackupError(Exception):
    """Why a backup could not be written, in the user's language; no archive was left."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int
    seconds: float
    encrypted: bool
    manifest: dict[str, Any]


def backup_create(
    *,
    path: Path,
    passphrase: str = "",
    database: str = DEFAULT_DB_ALIAS,
    media_root: Path | None = None,
) -> BackupResult:
    """Write the archive ``path`` (refused if it exists): the database ``database``, the
    files under ``media_root`` (``MEDIA_ROOT``), the manifest; encrypted with age when a
    passphrase is given."""
    started = time.monotonic()
    path = Path(path)
    media = Path(media_root if media_root is not None else settings.MEDIA_ROOT)
    partial = path.with_name(path.name + ".partial")
    if path.exists():
        raise BackupError(
            _("%(path)s already exists: choose another file name (a backup never overwrites one).")
            % {"path": path}
        )
    if not path.parent.is_dir():
        raise BackupError(_("The folder %(path)s does not exist.") % {"path": path.parent})
    partial.unlink(missing_ok=True)
    try:
        # The database's copy is written beside the archive: the same disk, not /tmp's.
        with tempfile.TemporaryDirectory(prefix=".digiplace-backup-", dir=path.parent) as work:
            manifest = _archive_write(
                partial, passphrase=passphrase, database=database, media=media, work=Path(work)
            )
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(
        path=path,
        size_bytes=path.stat().st_size,
        seconds=time.monotonic() - started,
        encrypted=bool(passphrase),
        manifest=manifest,
    )


def _archive_write(
    partial: Path, *, passphrase: str, database: str, media: Path, work: Path
) -> dict[str, Any]:
    connection = connections[database]
    vendor = connection.vendor
    if vendor not in archive.DATABASE_MEMBERS:
        raise BackupError(
            _("Backups support PostgreSQL and SQLite, not %(vendor)s.") % {"vendor": vendor}
        )
    member = archive.DATABASE_MEMBERS[vendor]
    dump = work / "database"
    if vendor == "postgresql":
        facts = _postgresql_dump(database, dump)
    else:
        facts = _sqlite_copy(str(connection.settings_dict["NAME"]), dump)

    members: dict[str, dict[str, Any]] = {}
    with archive.ArchiveWriter(partial, passphrase=passphrase) as writer:
        size, digest = writer.add_file(member, dump)
        members[member] = {"size": size, "sha256": digest}
        dump.unlink()
        media_files = media_bytes = 0
        checksums = work / archive.MEDIA_CHECKSUMS_NAME
        with checksums.open("wb") as lines:
            for file, relative in _media_walk(media, leave_out={partial.resolve(), work.resolve()}):
                name = archive.MEDIA_PREFIX + relative
                size, digest = writer.add_file(name, file)
                lines.write(archive.media_line(name, size, digest))
                media_files += 1
                media_bytes += size
        size, digest = writer.add_file(archive.MEDIA_CHECKSUMS_NAME, checksums)
        members[archive.MEDIA_CHECKSUMS_NAME] = {"size": size, "sha256": digest}
        manifest: dict[str, Any] = {
            "format": archive.FORMAT_VERSION,
            "digiplace_version": digiplace_version(),
            "created_at": datetime.datetime.now(tz=datetime.UTC).isoformat(),
            "database": {"vendor": vendor, "member": member, **facts["database"]},
            "migrations": facts["migrations"],
            "municipalities": facts["municipalities"],
            "tables": facts["tables"],
            "media": {"files": media_files, "bytes": media_bytes},
            "members": members,
        }
        writer.add_bytes(
            archive.MANIFEST_NAME, json.dumps(manifest, indent=2, sort_keys=True).encode()
        )
    return manifest


def digiplace_version() -> str:
    try:
        return importlib.metadata.version("digiplace")
    except importlib.metadata.PackageNotFoundError:
        return "0"


def model_tables() -> list[str]:
    """The tables of every installed model Django manages (auto-created many-to-many
    tables included), sorted."""
    return sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy and not model._meta.swapped
        }
    )


def table_counts(
    execute: Callable[[str], list[tuple[Any, ...]]], existing: set[str], quote: Callable[[str], str]
) -> dict[str, int]:
    """Rows per model table (the tables that exist), through ``execute`` (SQL → rows)."""
    counts: dict[str, int] = {}
    for table in model_tables():
        if table in existing:
            counts[table] = int(execute(f"SELECT COUNT(*) FROM {quote(table)}")[0][0])  # noqa: S608
    return counts


def database_facts(
    execute: Callable[[str], list[tuple[Any, ...]]], existing: set[str], quote: Callable[[str], str]
) -> dict[str, Any]:
    """Migrations applied (app → names in the order applied), municipalities (slug and name)
    and rows per model table, read through ``execute``."""
    migrations: dict[str, list[str]] = {}
    if MIGRATIONS_TABLE in existing:
        for app, name in execute(f"SELECT app, name FROM {MIGRATIONS_TABLE} ORDER BY id"):  # noqa: S608
            migrations.setdefault(str(app), []).append(str(name))
    municipalities: list[dict[str, str]] = []
    table = Municipality._meta.db_table
    if table in existing:
        slug = quote(_column(Municipality, "slug"))
        name = quote(_column(Municipality, "name"))
        rows = execute(f"SELECT {slug}, {name} FROM {quote(table)} ORDER BY {slug}")  # noqa: S608
        municipalities = [{"slug": str(row[0]), "name": str(row[1])} for row in rows]
    return {
        "migrations": migrations,
        "municipalities": municipalities,
        "tables": table_counts(execute, existing, quote),
    }


def _column(model: type[models.Model], field: str) -> str:
    column = model._meta.get_field(field).column  # type: ignore[union-attr]
    return str(column)


def postgresql_environment(settings_dict: dict[str, Any]) -> dict[str, str]:
    """libpq's environment for pg_dump and pg_restore: the password never appears on a
    command line (where ``ps`` shows it)."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    pairs = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
    }
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
        ("service", "PGSERVICE"),
        ("passfile", "PGPASSFILE"),
        ("options", "PGOPTIONS"),
    ):
        pairs[variable] = options.get(option)
    environment.update({key: str(value) for key, value in pairs.items() if value})
    environment["PGAPPNAME"] = "digiplace-backup"
    return environment


def postgresql_program(name: str) -> str:
    program = shutil.which(name)
    if program is None:
        raise BackupError(
            _(
                "%(program)s is not installed: install PostgreSQL's client programs "
                "(on Debian: apt install postgresql-client)."
            )
            % {"program": name}
        )
    return program


def _postgresql_dump(alias: str, dump: Path) -> dict[str, Any]:
    # A connection of our own: its transaction holds the snapshot pg_dump shares.
    source = connections[alias]
    snapshot_connection = load_backend(source.settings_dict["ENGINE"]).DatabaseWrapper(
        source.settings_dict, alias
    )
    try:
        snapshot_connection.ensure_connection()
        snapshot_connection.set_autocommit(False)
        with snapshot_connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cursor.fetchone()

            def execute(sql: str) -> list[tuple[Any, ...]]:
                cursor.execute(sql)
                return list(cursor.fetchall())

            existing = set(snapshot_connection.introspection.table_names(cursor))
            facts = database_facts(execute, existing, snapshot_connection.ops.quote_name)
            command = [
                postgresql_program("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={dump}",
            ]
            cache_table = getattr(settings, CACHE_TABLE_SETTING, "")
            if cache_table:
                command.append(f"--exclude-table-data={cache_table}")
            completed = subprocess.run(  # noqa: S603 (fixed program, no shell)
                command,
                env=postgresql_environment(snapshot_connection.settings_dict),
                capture_output=True,
                text=True,
                check=False,
            )
            if completed.returncode != 0:
                raise BackupError(
                    _("pg_dump failed: %(error)s") % {"error": _last_line(completed.stderr)}
                )
        snapshot_connection.rollback()
    finally:
        snapshot_connection.close()
    return {"database": {"server_version": str(server_version)}, **facts}


def _sqlite_copy(name: str, copy: Path) -> dict[str, Any]:
    if not Path(name).is_file():
        raise BackupError(_("The SQLite database %(path)s does not exist.") % {"path": name})
    source = sqlite3.connect(name, timeout=20)
    try:
        target = sqlite3.connect(copy)
        try:
            # One step (pages=-1): the whole database as of one moment, writers wait meanwhile.
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
    target = sqlite3.connect(copy, isolation_level=None)
    try:
        # A file on its own, without a write-ahead log beside it.
        target.execute("PRAGMA journal_mode=DELETE")
        existing = sqlite_tables(target)
        cache_table = getattr(settings, CACHE_TABLE_SETTING, "")
        if cache_table and cache_table in existing:
            target.execute(f'DELETE FROM "{cache_table}"')  # noqa: S608 (a setting)

        def execute(sql: str) -> list[tuple[Any, ...]]:
            return list(target.execute(sql).fetchall())

        facts = database_facts(execute, existing, sqlite_quote)
        version = str(target.execute("SELECT sqlite_version()").fetchone()[0])
    finally:
        target.close()
    return {"database": {"server_version": version}, **facts}


def sqlite_tables(connection: sqlite3.Connection) -> set[str]:
    rows = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return {str(row[0]) for row in rows}


def sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _media_walk(root: Path, *, leave_out: set[Path]) -> Iterator[tuple[Path, str]]:
    """Every regular file under ``root`` (links are not followed), sorted, with its path
    relative to ``root`` in POSIX form; the archive being written is left out (an archive
    written into the media folder must not hold itself)."""
    if not root.is_dir():
        return
    for directory, folders, files in os.walk(root):
        folders[:] = sorted(
            folder for folder in folders if Path(directory, folder).resolve() not in leave_out
        )
        for file_name in sorted(files):
            file = Path(directory) / file_name
            if file.is_symlink() or file.resolve() in leave_out or not file.is_file():
                continue
            yield file, file.relative_to(root).as_posix()


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""
