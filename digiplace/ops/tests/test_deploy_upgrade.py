"""``manage.py upgrade``: real processes on this test's database (PostgreSQL or SQLite).

Two upgrades started at once migrate once: the test holds the upgrade lock, starts both,
reads from each that it is waiting, then lets go; a failing step exits non-zero and leaves
the lock free. No timing: what the processes print and the database say what happened."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import IO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from digiplace.core.tests.databases import database_url
from digiplace.ops.locks import upgrade_lock

WAITING = "Another process is upgrading this database: waiting for it."


def _environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DIGIPLACE_REDIS_URL", "DIGIPLACE_TEST_DATABASE"}
    }
    environment.update(
        DIGIPLACE_MODE="test",
        DATABASE_URL=database_url(),
        DIGIPLACE_STATIC_ROOT=str(tmp_path / "static"),
    )
    environment.update(extra)
    return environment


def _upgrade(environment: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "manage.py", "upgrade"],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _read_until(stream: IO[str], line_wanted: str) -> list[str]:
    lines: list[str] = []
    for line in stream:
        lines.append(line)
        if line.strip() == line_wanted:
            return lines
    raise AssertionError(f"the process ended without printing {line_wanted!r}: {lines}")


def _applied(app: str, name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM django_migrations WHERE app = %s AND name = %s", [app, name]
        )
        (count,) = cursor.fetchone()
    return int(count)


@pytest.mark.django_db(transaction=True)
def test_two_upgrades_at_once_migrate_once_the_second_waiting_for_the_first(
    tmp_path: Path,
) -> None:
    # A new version's migration to apply: operations' own (no other app depends on it).
    call_command("migrate", "ops", "zero", verbosity=0)
    try:
        assert _applied("ops", "0001_initial") == 0
        environment = _environment(tmp_path)
        with upgrade_lock():
            first, second = _upgrade(environment), _upgrade(environment)
            assert first.stdout is not None and second.stdout is not None
            # Both reached the lock and wait on it (nothing ran before it).
            before = _read_until(first.stdout, WAITING) + _read_until(second.stdout, WAITING)
            assert not any("Migrating" in line for line in before)
            assert first.poll() is None and second.poll() is None
        outputs = []
        for process in (first, second):
            out, err = process.communicate(timeout=600)
            assert process.returncode == 0, err
            outputs.append(out)
    finally:
        call_command("migrate", verbosity=0)

    # Migrated once: one process applied the migration, the other found nothing to do.
    applied_by = [out for out in outputs if "Applying ops.0001_initial" in out]
    assert len(applied_by) == 1
    assert sum("No migrations to apply." in out for out in outputs) == 1
    assert _applied("ops", "0001_initial") == 1
    for out in outputs:
        assert "Upgrade done: the database is migrated and the checks pass." in out
    # Static files collected (the plain storage outside production mode).
    assert (tmp_path / "static" / "admin").is_dir()


@pytest.mark.django_db(transaction=True)
def test_a_failing_check_stops_the_upgrade_before_migrating_and_frees_the_lock(
    tmp_path: Path,
) -> None:
    # Production mode with HSTS switched off: check --deploy warns (security.W004), and the
    # upgrade counts warnings as failures.
    environment = _environment(
        tmp_path,
        DIGIPLACE_MODE="production",
        DIGIPLACE_SECRET_KEY=secrets.token_urlsafe(64),
        DIGIPLACE_ALLOWED_HOSTS="digiplace.example.org",
        DIGIPLACE_HSTS_SECONDS="0",
    )
    call_command("migrate", "ops", "zero", verbosity=0)
    try:
        process = _upgrade(environment)
        out, err = process.communicate(timeout=600)
        assert _applied("ops", "0001_initial") == 0
    finally:
        call_command("migrate", verbosity=0)

    assert process.returncode != 0
    assert "Running the deployment checks (check --deploy)." in out
    assert "The checks failed; nothing was migrated." in err
    assert "security.W004" in err
    assert "Migrating" not in out
    assert not (tmp_path / "static").exists()
    # The lock is free: taken here at once, without waiting.
    waited: list[bool] = []
    with upgrade_lock(on_wait=lambda: waited.append(True)):
        pass
    assert waited == []
