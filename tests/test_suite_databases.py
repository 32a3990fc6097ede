"""The suite's own database checks (root conftest): the guard against testing the wrong
database, and the PostgreSQL-only marker's bookkeeping."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

import conftest


def test_the_guard_accepts_the_database_the_test_command_meant() -> None:
    assert conftest.database_vendor_mismatch(expected="postgresql", actual="postgresql") is None
    assert conftest.database_vendor_mismatch(expected="sqlite", actual="sqlite") is None


def test_the_guard_is_quiet_when_no_database_was_asked_for() -> None:
    assert conftest.database_vendor_mismatch(expected=None, actual="sqlite") is None
    assert conftest.database_vendor_mismatch(expected="", actual="postgresql") is None


def test_the_guard_stops_a_postgresql_run_that_is_really_on_sqlite() -> None:
    problem = conftest.database_vendor_mismatch(expected="postgresql", actual="sqlite")

    assert problem is not None
    assert problem.startswith("DIGIPLACE_TEST_DATABASE=postgresql, but Django is using sqlite")
    assert problem.endswith("this run would not test postgresql.")


def test_the_guard_stops_a_sqlite_run_that_is_really_on_postgresql() -> None:
    problem = conftest.database_vendor_mismatch(expected="sqlite", actual="postgresql")

    assert problem is not None
    assert "but Django is using postgresql" in problem


def test_a_run_on_another_database_than_the_one_meant_stops_at_once() -> None:
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    environment = {**os.environ, "DIGIPLACE_TEST_DATABASE": other}

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:xdist",
            "-q",
            f"{__file__}::test_the_guard_is_quiet_when_no_database_was_asked_for",
        ],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert f"DIGIPLACE_TEST_DATABASE={other}, but Django is using {connection.vendor}" in output
    assert "passed" not in output
