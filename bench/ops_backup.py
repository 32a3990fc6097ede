"""Backup and restore of a city with 100,000 reports and a year of hourly air-quality readings
(issue #15), run by bench/run-ops on a throwaway PostgreSQL server.

``build``: the city of bench/opendata_generate.py (the demo setup with BENCH_REPORTS reports
in Timișoara and BENCH_DAYS days of hourly and daily air-quality rollups, written with COPY),
imported, not copied. ``sqlite-copy URL``: the same rows copied into a migrated SQLite file
(operations' ``rows_copy``). ``measure``: ``manage.py backup`` and ``manage.py restore``, each
in a process of its own as an administrator runs them: seconds, the archive's size and the
peak resident memory of the command and the programs it starts (pg_dump, pg_restore), for
PostgreSQL, SQLite, SQLite → PostgreSQL and an encrypted PostgreSQL archive. Prints a table.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mib: float


def run_measured(arguments: list[str], env: dict[str, str]) -> Run:
    """A command in a process of its own: wall seconds and the peak resident memory of it
    and the children it waited for (wait4's ru_maxrss)."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, *arguments], cwd=ROOT, env=env)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(arguments)} failed ({process.returncode})")
    return Run(seconds=seconds, peak_mib=usage.ru_maxrss / 1024)


def postgresql_database_create(url: str, name: str) -> str:
    """A new, empty database on the server of ``url``; its URL."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def build() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    # Sets Django up on import.
    import opendata_generate

    opendata_generate.build()


def sqlite_copy(sqlite_url: str) -> None:
    """Copy every row of the PostgreSQL city (``DATABASE_URL``) into the migrated, empty
    SQLite database at ``sqlite_url``."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connections

    from config.settings import database_from_url
    from digiplace.ops.transfer import rows_copy

    # The handler fills in a settings dictionary's defaults only beside a default one.
    connections.settings["sqlite"] = connections.configure_settings(
        {"default": dict(connections.settings["default"]), "sqlite": database_from_url(sqlite_url)}
    )["sqlite"]
    started = time.perf_counter()
    copied = rows_copy(source="default", target="sqlite")
    print(
        f"{sum(copied.values())} rows of {len(copied)} tables copied into SQLite in "
        f"{time.perf_counter() - started:.0f} s"
    )


def measure(work: Path, sqlite_url: str) -> None:
    postgresql_url = os.environ["DATABASE_URL"]
    media = os.environ["DIGIPLACE_MEDIA_ROOT"]
    base = {**os.environ, "DIGIPLACE_LOG_LEVEL": "WARNING"}
    passphrase = work / "passphrase"
    passphrase.write_text("correct horse battery staple, a bench passphrase\n")
    rows: list[tuple[str, str, float, float]] = []

    def media_empty(name: str) -> str:
        folder = work / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        return str(folder)

    cases = [
        # (what, source database, archive, target database maker, backup/restore options)
        ("PostgreSQL", postgresql_url, "pg.backup", "pg", []),
        ("PostgreSQL, encrypted", postgresql_url, "pg-age.backup", "pg", ["--passphrase-file"]),
        ("SQLite", sqlite_url, "sqlite.backup", "sqlite", []),
        ("SQLite → PostgreSQL", sqlite_url, "sqlite.backup", "pg", []),
    ]
    made: set[str] = set()
    for number, (what, source, name, target_kind, options) in enumerate(cases):
        archive = work / name
        extra = [*options, str(passphrase)] if options else []
        if name not in made:
            env = {**base, "DATABASE_URL": source, "DIGIPLACE_MEDIA_ROOT": media}
            backup = run_measured(["manage.py", "backup", str(archive), *extra], env)
            made.add(name)
            size = archive.stat().st_size / 2**20
            rows.append((f"backup: {what}", f"{size:.0f} MiB", backup.seconds, backup.peak_mib))
            print(f"backup {what}: {backup.seconds:.1f} s, {size:.0f} MiB", flush=True)
        if target_kind == "pg":
            target = postgresql_database_create(postgresql_url, f"restored_{number}")
        else:
            target = f"sqlite:///{work / f'restored_{number}.sqlite3'}"
        env = {
            **base,
            "DATABASE_URL": target,
            "DIGIPLACE_MEDIA_ROOT": media_empty(f"media-restored-{number}"),
        }
        restore = run_measured(["manage.py", "restore", str(archive), *extra], env)
        rows.append((f"restore: {what}", "", restore.seconds, restore.peak_mib))
        print(f"restore {what}: {restore.seconds:.1f} s", flush=True)
        shutil.rmtree(env["DIGIPLACE_MEDIA_ROOT"])
        if target_kind == "sqlite":
            Path(target.removeprefix("sqlite:///")).unlink()

    print(f"\n{'step':40} {'archive':>10} {'seconds':>9} {'peak MiB':>9}")
    for step, size_text, seconds, peak in rows:
        print(f"{step:40} {size_text:>10} {seconds:9.1f} {peak:9.0f}")


if __name__ == "__main__":
    command = sys.argv[1:2]
    if command == ["build"]:
        build()
    elif command == ["sqlite-copy"] and len(sys.argv) == 3:
        sqlite_copy(sys.argv[2])
    elif command == ["measure"] and len(sys.argv) == 4:
        measure(Path(sys.argv[2]), sys.argv[3])
    else:
        sys.exit(
            "usage: ops_backup.py build | sqlite-copy SQLITE_URL | measure WORK_DIR SQLITE_URL"
        )
